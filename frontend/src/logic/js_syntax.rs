//! Syntax highlighting for the code editor: the tokens of the shared JavaScript lexer
//! (`js_lex`), classified for colouring, and the highlighted HTML the editor draws under its
//! textarea.
//!
//! Like the lexer it is forgiving rather than exact: every byte of the source lands in exactly
//! one token. Words are told apart here: a keyword or a literal by its spelling, a call by the
//! `(` after it, and a word after `.` or `?.` is a property name whatever its spelling.

use js_lex::Lexer;

/// What a run of source text is, for colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Keyword,
    /// `true`, `false`, `null`, `undefined`, `this`, `NaN`, `Infinity`.
    Literal,
    Number,
    /// A `'…'` or `"…"` string.
    String,
    /// The text parts of a template literal, backticks included.
    Template,
    /// `${` and its closing `}` inside a template literal.
    Interpolation,
    Comment,
    Regex,
    /// An identifier called right away: `fetch(`, `log (`.
    Call,
    Identifier,
    Punctuation,
    Whitespace,
}

impl TokenKind {
    /// The CSS class of this kind, `None` for text drawn plain.
    pub fn class(self) -> Option<&'static str> {
        match self {
            TokenKind::Keyword => Some("tok-keyword"),
            TokenKind::Literal => Some("tok-literal"),
            TokenKind::Number => Some("tok-number"),
            TokenKind::String | TokenKind::Template => Some("tok-string"),
            TokenKind::Interpolation => Some("tok-interp"),
            TokenKind::Comment => Some("tok-comment"),
            TokenKind::Regex => Some("tok-regex"),
            TokenKind::Call => Some("tok-call"),
            TokenKind::Identifier | TokenKind::Punctuation | TokenKind::Whitespace => None,
        }
    }
}

/// One token: its kind and its byte range in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

/// Words drawn as keywords, the contextual ones (`async`, `of`, `from`, `as` …) included.
const KEYWORDS: &str = "async await break case catch class const continue debugger default delete do else export \
                        extends finally for from function if import in instanceof let new of return static super \
                        switch throw try typeof var void while with yield as";

const LITERALS: &str = "true false null undefined this NaN Infinity";

/// Splits `src` into tokens that cover it completely, in order.
pub fn tokenize(src: &str) -> Vec<Token> {
    let mut after_dot = false;
    Lexer::new(src)
        .map(|token| {
            let text = token.text(src);
            let kind = match token.kind {
                js_lex::TokenKind::Whitespace => TokenKind::Whitespace,
                js_lex::TokenKind::LineComment | js_lex::TokenKind::BlockComment => TokenKind::Comment,
                js_lex::TokenKind::Ident => word_kind(text, after_dot, &src[token.end..]),
                js_lex::TokenKind::Number => TokenKind::Number,
                js_lex::TokenKind::String => TokenKind::String,
                js_lex::TokenKind::Template => TokenKind::Template,
                js_lex::TokenKind::InterpolationStart | js_lex::TokenKind::InterpolationEnd => TokenKind::Interpolation,
                js_lex::TokenKind::Regex => TokenKind::Regex,
                js_lex::TokenKind::Punct => TokenKind::Punctuation,
            };
            if !token.is_trivia() {
                after_dot = token.kind == js_lex::TokenKind::Punct && matches!(text, "." | "?.");
            }
            Token { kind, start: token.start, end: token.end }
        })
        .collect()
}

/// `src` as HTML: every token with a class wrapped in `<span class="tok-…">`, text escaped.
pub fn highlight_html(src: &str) -> String {
    let mut out = String::with_capacity(src.len() * 2);
    for token in tokenize(src) {
        let text = &src[token.start..token.end];
        match token.kind.class() {
            Some(class) => {
                out.push_str("<span class=\"");
                out.push_str(class);
                out.push_str("\">");
                escape_into(text, &mut out);
                out.push_str("</span>");
            }
            None => escape_into(text, &mut out),
        }
    }
    out
}

/// Escapes text for an HTML element's content.
pub fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// The kind of the word `word`, which follows `.` or `?.` when `after_dot`, and is followed by
/// `rest`.
fn word_kind(word: &str, after_dot: bool, rest: &str) -> TokenKind {
    let call = rest.trim_start_matches([' ', '\t']).starts_with('(');
    let is = |list: &str| !after_dot && list.split_whitespace().any(|w| w == word);
    if is(KEYWORDS) {
        TokenKind::Keyword
    } else if is(LITERALS) {
        TokenKind::Literal
    } else if call {
        TokenKind::Call
    } else {
        TokenKind::Identifier
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens of `src` other than whitespace, as `(kind, text)`.
    fn kinds(src: &str) -> Vec<(TokenKind, &str)> {
        tokenize(src)
            .into_iter()
            .filter(|t| t.kind != TokenKind::Whitespace)
            .map(|t| (t.kind, &src[t.start..t.end]))
            .collect()
    }

    fn assert_covers(src: &str) {
        let tokens = tokenize(src);
        let mut at = 0;
        for t in &tokens {
            assert_eq!(t.start, at, "gap or overlap before {t:?} in {src:?}");
            assert!(t.end > t.start, "empty token {t:?} in {src:?}");
            at = t.end;
        }
        assert_eq!(at, src.len(), "tokens end early in {src:?}");
    }

    use TokenKind::*;

    #[test]
    fn keywords_literals_identifiers_and_calls() {
        assert_eq!(
            kinds("const x = await fetch(url); return null"),
            [
                (Keyword, "const"),
                (Identifier, "x"),
                (Punctuation, "="),
                (Keyword, "await"),
                (Call, "fetch"),
                (Punctuation, "("),
                (Identifier, "url"),
                (Punctuation, ")"),
                (Punctuation, ";"),
                (Keyword, "return"),
                (Literal, "null"),
            ]
        );
    }

    #[test]
    fn properties_named_like_keywords_are_not_keywords() {
        assert_eq!(
            kinds("module.exports.default = x.new"),
            [
                (Identifier, "module"),
                (Punctuation, "."),
                (Identifier, "exports"),
                (Punctuation, "."),
                (Identifier, "default"),
                (Punctuation, "="),
                (Identifier, "x"),
                (Punctuation, "."),
                (Identifier, "new"),
            ]
        );
        assert_eq!(kinds("console.log (1)")[2], (Call, "log"));
    }

    #[test]
    fn strings_with_escapes_and_unterminated_ones() {
        assert_eq!(kinds(r#"'it\'s' "a\"b""#), [(String, r"'it\'s'"), (String, r#""a\"b""#)]);
        assert_eq!(kinds("'open\nx"), [(String, "'open"), (Identifier, "x")]);
        assert_eq!(kinds("\"héllo ✓\""), [(String, "\"héllo ✓\"")]);
    }

    #[test]
    fn template_literals_with_nested_expressions() {
        let src = "`Hi ${user.name}, ${n + 1} {x}`";
        assert_eq!(
            kinds(src),
            [
                (Template, "`Hi "),
                (Interpolation, "${"),
                (Identifier, "user"),
                (Punctuation, "."),
                (Identifier, "name"),
                (Interpolation, "}"),
                (Template, ", "),
                (Interpolation, "${"),
                (Identifier, "n"),
                (Punctuation, "+"),
                (Number, "1"),
                (Interpolation, "}"),
                (Template, " {x}`"),
            ]
        );
    }

    #[test]
    fn templates_nest_inside_interpolations_and_objects() {
        let src = "`a ${ {k: `b ${c}`}.k } d`";
        assert_covers(src);
        let tokens = kinds(src);
        assert_eq!(tokens.first(), Some(&(Template, "`a ")));
        assert_eq!(tokens.last(), Some(&(Template, " d`")));
        assert!(tokens.contains(&(Template, "`b ")));
        assert!(tokens.contains(&(Punctuation, "{")));
    }

    #[test]
    fn an_unterminated_template_runs_to_the_end() {
        assert_eq!(kinds("`abc\ndef"), [(Template, "`abc\ndef")]);
        assert_eq!(kinds("`a ${b"), [(Template, "`a "), (Interpolation, "${"), (Identifier, "b")]);
    }

    #[test]
    fn numbers_of_every_form() {
        for n in ["0", "42", "3.14", ".5", "1e3", "2.5E-7", "0xFF", "0b1010", "0o17", "1_000_000", "10n"] {
            assert_eq!(kinds(n), [(Number, n)], "{n}");
        }
        assert_eq!(kinds("1.toString"), [(Number, "1."), (Identifier, "toString")]);
        assert_eq!(kinds("x1"), [(Identifier, "x1")]);
    }

    #[test]
    fn comments_line_and_block() {
        assert_eq!(
            kinds("a // note\n/* one\ntwo */ b /* open"),
            [
                (Identifier, "a"),
                (Comment, "// note"),
                (Comment, "/* one\ntwo */"),
                (Identifier, "b"),
                (Comment, "/* open")
            ]
        );
    }

    #[test]
    fn regex_where_an_expression_starts_division_elsewhere() {
        assert_eq!(kinds("x = /a[/]b\\/c/gi.test(s)")[2], (Regex, "/a[/]b\\/c/gi"));
        assert_eq!(kinds("return /x/")[1], (Regex, "/x/"));
        assert_eq!(
            kinds("a / b / c"),
            [(Identifier, "a"), (Punctuation, "/"), (Identifier, "b"), (Punctuation, "/"), (Identifier, "c")]
        );
        assert_eq!(kinds("(a) / 2")[3], (Punctuation, "/"));
        // Not closed on its line: a division after all.
        assert_eq!(kinds("= / x\n/")[1], (Punctuation, "/"));
    }

    #[test]
    fn tokens_cover_the_source_exactly() {
        for src in [
            "",
            "   ",
            "module.exports = async (event, context) => {\n  return { ok: true };\n};\n",
            "`${`${'x'}`}` /re/ 1e+ 0x 'a\\",
            "}}}{{{ `$ {` \\ # @ ∑ 🎉",
            "a\r\nb\tc",
        ] {
            assert_covers(src);
        }
    }

    #[test]
    fn html_is_escaped_and_classed() {
        assert_eq!(
            highlight_html("if (a < b && c > 'd') // <x>"),
            "<span class=\"tok-keyword\">if</span> (a &lt; b &amp;&amp; c &gt; \
             <span class=\"tok-string\">'d'</span>) <span class=\"tok-comment\">// &lt;x&gt;</span>"
        );
        assert_eq!(
            highlight_html("`a${b}`"),
            concat!(
                "<span class=\"tok-string\">`a</span><span class=\"tok-interp\">${</span>b",
                "<span class=\"tok-interp\">}</span><span class=\"tok-string\">`</span>"
            )
        );
    }
}
