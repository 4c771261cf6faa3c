//! A JavaScript tokenizer for syntax highlighting, and the highlighted HTML the code editor
//! draws under its textarea.
//!
//! It is forgiving rather than exact: every byte of the source lands in exactly one token, an
//! unterminated string or comment runs to the end of its line (or of the file), and a `/` is
//! read as a regular expression only where an expression may start.

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

const KEYWORDS: [&str; 39] = [
    "async",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "export",
    "extends",
    "finally",
    "for",
    "from",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "let",
    "new",
    "of",
    "return",
    "static",
    "super",
    "switch",
    "throw",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
    "as",
];

const LITERALS: [&str; 7] = ["true", "false", "null", "undefined", "this", "NaN", "Infinity"];

/// Keywords after which a `/` starts a regular expression rather than dividing.
const BEFORE_EXPRESSION: [&str; 16] = [
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
    "yield",
    "await",
    "export",
    "default",
];

/// Splits `src` into tokens that cover it completely, in order.
pub fn tokenize(src: &str) -> Vec<Token> {
    let mut lexer = Lexer { src, pos: 0, tokens: Vec::new(), braces: Vec::new() };
    lexer.run();
    lexer.tokens
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

/// What an open `{` belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Brace {
    /// A block or object literal.
    Code,
    /// A template literal's `${`: its `}` goes back to the template text.
    Interpolation,
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    tokens: Vec<Token>,
    braces: Vec<Brace>,
}

impl Lexer<'_> {
    fn run(&mut self) {
        while let Some(c) = self.peek() {
            let start = self.pos;
            match c {
                c if c.is_whitespace() => {
                    self.eat_while(char::is_whitespace);
                    self.push(TokenKind::Whitespace, start);
                }
                '/' if self.peek_at(1) == Some('/') => {
                    self.eat_while(|c| c != '\n');
                    self.push(TokenKind::Comment, start);
                }
                '/' if self.peek_at(1) == Some('*') => {
                    self.pos += 2;
                    match self.src[self.pos..].find("*/") {
                        Some(i) => self.pos += i + 2,
                        None => self.pos = self.src.len(),
                    }
                    self.push(TokenKind::Comment, start);
                }
                '/' if self.regex_allowed() && self.eat_regex() => self.push(TokenKind::Regex, start),
                '\'' | '"' => {
                    self.eat_string(c);
                    self.push(TokenKind::String, start);
                }
                '`' => {
                    self.pos += 1;
                    self.template_text(start);
                }
                c if c.is_ascii_digit() => {
                    self.eat_number();
                    self.push(TokenKind::Number, start);
                }
                '.' if self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) => {
                    self.eat_number();
                    self.push(TokenKind::Number, start);
                }
                c if is_ident_start(c) => {
                    self.eat_while(is_ident_continue);
                    let word = &self.src[start..self.pos];
                    let after_dot = self.last_significant().is_some_and(|t| self.text(t) == ".");
                    let kind = if after_dot {
                        if self.next_is_call() { TokenKind::Call } else { TokenKind::Identifier }
                    } else if KEYWORDS.contains(&word) {
                        TokenKind::Keyword
                    } else if LITERALS.contains(&word) {
                        TokenKind::Literal
                    } else if self.next_is_call() {
                        TokenKind::Call
                    } else {
                        TokenKind::Identifier
                    };
                    self.push(kind, start);
                }
                '{' => {
                    self.pos += 1;
                    self.braces.push(Brace::Code);
                    self.push(TokenKind::Punctuation, start);
                }
                '}' => {
                    self.pos += 1;
                    if self.braces.pop() == Some(Brace::Interpolation) {
                        self.push(TokenKind::Interpolation, start);
                        self.template_text(self.pos);
                    } else {
                        self.push(TokenKind::Punctuation, start);
                    }
                }
                c => {
                    self.pos += c.len_utf8();
                    self.push(TokenKind::Punctuation, start);
                }
            }
        }
    }

    /// Reads template text from `start` up to the closing backtick or the next `${`.
    fn template_text(&mut self, start: usize) {
        while let Some(c) = self.peek() {
            match c {
                '\\' => self.skip_escape(),
                '`' => {
                    self.pos += 1;
                    self.push(TokenKind::Template, start);
                    return;
                }
                '$' if self.peek_at(1) == Some('{') => {
                    self.push(TokenKind::Template, start);
                    let open = self.pos;
                    self.pos += 2;
                    self.push(TokenKind::Interpolation, open);
                    self.braces.push(Brace::Interpolation);
                    return;
                }
                c => self.pos += c.len_utf8(),
            }
        }
        self.push(TokenKind::Template, start);
    }

    /// Reads a quoted string; an unescaped line break ends an unterminated one before it.
    fn eat_string(&mut self, quote: char) {
        self.pos += 1;
        while let Some(c) = self.peek() {
            match c {
                '\\' => self.skip_escape(),
                '\n' => return,
                c if c == quote => {
                    self.pos += 1;
                    return;
                }
                c => self.pos += c.len_utf8(),
            }
        }
    }

    /// Reads `/…/flags` when it is one on this line; otherwise leaves the position alone.
    fn eat_regex(&mut self) -> bool {
        let start = self.pos;
        self.pos += 1;
        let mut in_class = false;
        while let Some(c) = self.peek() {
            match c {
                '\\' => self.skip_escape(),
                '\n' => break,
                '[' => {
                    in_class = true;
                    self.pos += 1;
                }
                ']' => {
                    in_class = false;
                    self.pos += 1;
                }
                '/' if !in_class => {
                    self.pos += 1;
                    self.eat_while(|c| c.is_ascii_alphabetic());
                    return true;
                }
                c => self.pos += c.len_utf8(),
            }
        }
        self.pos = start;
        false
    }

    fn eat_number(&mut self) {
        let radix_prefix =
            self.peek() == Some('0') && matches!(self.peek_at(1), Some('x' | 'X' | 'o' | 'O' | 'b' | 'B'));
        if radix_prefix {
            self.pos += 2;
            self.eat_while(|c| c.is_ascii_hexdigit() || c == '_');
        } else {
            self.eat_while(|c| c.is_ascii_digit() || c == '_');
            if self.peek() == Some('.') {
                self.pos += 1;
                self.eat_while(|c| c.is_ascii_digit() || c == '_');
            }
            let exponent = matches!(self.peek(), Some('e' | 'E'))
                && (self.peek_at(1).is_some_and(|c| c.is_ascii_digit())
                    || (matches!(self.peek_at(1), Some('+' | '-'))
                        && self.peek_at(2).is_some_and(|c| c.is_ascii_digit())));
            if exponent {
                self.pos += 2;
                self.eat_while(|c| c.is_ascii_digit() || c == '_');
            }
        }
        if self.peek() == Some('n') {
            self.pos += 1;
        }
    }

    /// Whether a `/` here starts an expression (a regex) rather than dividing.
    fn regex_allowed(&self) -> bool {
        let Some(last) = self.last_significant() else {
            return true;
        };
        match last.kind {
            TokenKind::Keyword => BEFORE_EXPRESSION.contains(&self.text(last)),
            TokenKind::Punctuation => !matches!(self.text(last), ")" | "]" | "}"),
            TokenKind::Interpolation => self.text(last) == "${",
            _ => false,
        }
    }

    /// Whether the next non-blank character is `(`.
    fn next_is_call(&self) -> bool {
        self.src[self.pos..].trim_start_matches([' ', '\t']).starts_with('(')
    }

    fn last_significant(&self) -> Option<Token> {
        self.tokens.iter().rev().find(|t| !matches!(t.kind, TokenKind::Whitespace | TokenKind::Comment)).copied()
    }

    fn text(&self, token: Token) -> &str {
        &self.src[token.start..token.end]
    }

    fn skip_escape(&mut self) {
        self.pos += 1;
        if let Some(c) = self.peek() {
            self.pos += c.len_utf8();
        }
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }

    fn eat_while(&mut self, keep: impl Fn(char) -> bool) {
        let rest = &self.src[self.pos..];
        self.pos += rest.find(|c| !keep(c)).unwrap_or(rest.len());
    }

    /// Adds the token from `start` to here, unless it is empty.
    fn push(&mut self, kind: TokenKind, start: usize) {
        if self.pos > start {
            self.tokens.push(Token { kind, start, end: self.pos });
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
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
