use crate::TokenKind::{self, *};
use crate::{Lexer, Token};

/// The tokens of `src` other than whitespace, as `(kind, text)`.
fn kinds(src: &str) -> Vec<(TokenKind, &str)> {
    Lexer::new(src).filter(|t| t.kind != Whitespace).map(|t| (t.kind, t.text(src))).collect()
}

/// Checks that the tokens of `src` are non-empty and cover it exactly, in order.
fn assert_covers(src: &str) {
    let mut at = 0;
    for t in Lexer::new(src) {
        assert_eq!(t.start, at, "gap or overlap before {t:?} in {src:?}");
        assert!(t.end > t.start, "empty token {t:?} in {src:?}");
        at = t.end;
    }
    assert_eq!(at, src.len(), "tokens end early in {src:?}");
}

#[test]
fn identifiers_keywords_and_punctuators() {
    assert_eq!(
        kinds("const x = await f(a, b);"),
        [
            (Ident, "const"),
            (Ident, "x"),
            (Punct, "="),
            (Ident, "await"),
            (Ident, "f"),
            (Punct, "("),
            (Ident, "a"),
            (Punct, ","),
            (Ident, "b"),
            (Punct, ")"),
            (Punct, ";"),
        ]
    );
    assert_eq!(kinds("$el _x ünï a\u{200d}b"), [(Ident, "$el"), (Ident, "_x"), (Ident, "ünï"), (Ident, "a\u{200d}b")]);
}

#[test]
fn punctuators_take_the_longest_match() {
    assert_eq!(
        kinds("a===b!==c=>d>>>=e...f??=g"),
        [
            (Ident, "a"),
            (Punct, "==="),
            (Ident, "b"),
            (Punct, "!=="),
            (Ident, "c"),
            (Punct, "=>"),
            (Ident, "d"),
            (Punct, ">>>="),
            (Ident, "e"),
            (Punct, "..."),
            (Ident, "f"),
            (Punct, "??="),
            (Ident, "g"),
        ]
    );
    assert_eq!(kinds("a?.b"), [(Ident, "a"), (Punct, "?."), (Ident, "b")]);
    assert_eq!(kinds("a?.5:1"), [(Ident, "a"), (Punct, "?"), (Number, ".5"), (Punct, ":"), (Number, "1")]);
    assert_eq!(kinds("# @ ∑"), [(Punct, "#"), (Punct, "@"), (Punct, "∑")]);
}

#[test]
fn whitespace_is_one_token_per_run() {
    let src = "a \t\r\n\u{a0}\u{2028} b";
    let tokens: Vec<Token> = Lexer::new(src).collect();
    assert_eq!(tokens.len(), 3);
    assert_eq!(tokens[1].kind, Whitespace);
    assert!(tokens[1].is_trivia());
    assert_eq!(tokens[1].text(src), " \t\r\n\u{a0}\u{2028} ");
}

#[test]
fn numbers_of_every_form() {
    for n in ["0", "42", "3.14", ".5", "1.", "1e3", "2.5E-7", "1e+9", "0xFF", "0b1010", "0o17", "1_000_000", "10n"] {
        assert_eq!(kinds(n), [(Number, n)], "{n}");
    }
    assert_eq!(kinds("1.toString"), [(Number, "1."), (Ident, "toString")]);
    assert_eq!(kinds("1..toString"), [(Number, "1."), (Punct, "."), (Ident, "toString")]);
    assert_eq!(kinds("1e+x"), [(Number, "1"), (Ident, "e"), (Punct, "+"), (Ident, "x")]);
    assert_eq!(kinds("10px"), [(Number, "10"), (Ident, "px")]);
    assert_eq!(kinds("x1"), [(Ident, "x1")]);
}

#[test]
fn strings_with_escapes_and_unterminated_ones() {
    assert_eq!(kinds(r#"'it\'s' "a\"b""#), [(String, r"'it\'s'"), (String, r#""a\"b""#)]);
    assert_eq!(kinds(r#""it's" 'say "hi"'"#), [(String, r#""it's""#), (String, r#"'say "hi"'"#)]);
    assert_eq!(kinds("\"héllo ✓\""), [(String, "\"héllo ✓\"")]);
    assert_eq!(kinds("'open\nx"), [(String, "'open"), (Ident, "x")]);
    assert_eq!(kinds("'open\r\nx"), [(String, "'open"), (Ident, "x")]);
    assert_eq!(kinds("'a\\"), [(String, "'a\\")]);
    assert_eq!(kinds("'a\\\nb' c"), [(String, "'a\\\nb'"), (Ident, "c")], "a line continuation");
    assert_eq!(kinds("'a\\\r\nb' c"), [(String, "'a\\\r\nb'"), (Ident, "c")]);
    assert_eq!(kinds("'\\é' x"), [(String, "'\\é'"), (Ident, "x")]);
}

#[test]
fn comments_line_block_and_hashbang() {
    assert_eq!(
        kinds("a // note\n/* one\ntwo */ b /* open"),
        [
            (Ident, "a"),
            (LineComment, "// note"),
            (BlockComment, "/* one\ntwo */"),
            (Ident, "b"),
            (BlockComment, "/* open")
        ]
    );
    assert_eq!(kinds("// a\r\nb"), [(LineComment, "// a"), (Ident, "b")]);
    assert_eq!(kinds("/**/x"), [(BlockComment, "/**/"), (Ident, "x")]);
    assert_eq!(kinds("#!/usr/bin/env node\nx"), [(LineComment, "#!/usr/bin/env node"), (Ident, "x")]);
    assert_eq!(kinds("x #!y")[1], (Punct, "#"), "a hashbang only at the very start");
    assert!(Lexer::new("/* c */").all(|t| t.is_trivia()));
}

#[test]
fn template_literals_with_interpolations() {
    assert_eq!(
        kinds("`Hi ${user.name}, ${n + 1} {x}`"),
        [
            (Template, "`Hi "),
            (InterpolationStart, "${"),
            (Ident, "user"),
            (Punct, "."),
            (Ident, "name"),
            (InterpolationEnd, "}"),
            (Template, ", "),
            (InterpolationStart, "${"),
            (Ident, "n"),
            (Punct, "+"),
            (Number, "1"),
            (InterpolationEnd, "}"),
            (Template, " {x}`"),
        ]
    );
    assert_eq!(kinds("``"), [(Template, "``")]);
    assert_eq!(
        kinds("`${a}${b}`"),
        [
            (Template, "`"),
            (InterpolationStart, "${"),
            (Ident, "a"),
            (InterpolationEnd, "}"),
            (InterpolationStart, "${"),
            (Ident, "b"),
            (InterpolationEnd, "}"),
            (Template, "`"),
        ]
    );
    assert_eq!(kinds(r"`a\`b \${c} $d $`"), [(Template, r"`a\`b \${c} $d $`")]);
}

#[test]
fn templates_nest_inside_interpolations_and_objects() {
    assert_eq!(
        kinds("`a ${ {k: `b ${c}`}.k } d`"),
        [
            (Template, "`a "),
            (InterpolationStart, "${"),
            (Punct, "{"),
            (Ident, "k"),
            (Punct, ":"),
            (Template, "`b "),
            (InterpolationStart, "${"),
            (Ident, "c"),
            (InterpolationEnd, "}"),
            (Template, "`"),
            (Punct, "}"),
            (Punct, "."),
            (Ident, "k"),
            (InterpolationEnd, "}"),
            (Template, " d`"),
        ]
    );
    assert_eq!(kinds("`${`${'x'}`}`").last(), Some(&(Template, "`")));
}

#[test]
fn an_unterminated_template_runs_to_the_end() {
    assert_eq!(kinds("`abc\ndef"), [(Template, "`abc\ndef")]);
    assert_eq!(kinds("`a ${b"), [(Template, "`a "), (InterpolationStart, "${"), (Ident, "b")]);
    assert_eq!(
        kinds("`a ${b} c"),
        [(Template, "`a "), (InterpolationStart, "${"), (Ident, "b"), (InterpolationEnd, "}"), (Template, " c")]
    );
    assert_eq!(kinds("`a\\"), [(Template, "`a\\")]);
}

#[test]
fn stray_closing_braces_are_punctuation() {
    assert_eq!(kinds("}}{"), [(Punct, "}"), (Punct, "}"), (Punct, "{")]);
    assert_eq!(kinds("} `x`"), [(Punct, "}"), (Template, "`x`")]);
}

#[test]
fn a_slash_is_a_regex_where_an_expression_starts() {
    assert_eq!(kinds("x = /a[/]b\\/c/gi.test(s)")[2], (Regex, "/a[/]b\\/c/gi"));
    assert_eq!(kinds("/^a/.test(s)")[0], (Regex, "/^a/"));
    for before in
        ["return", "typeof", "(", ",", "=", "=>", "!", "&&", "?", ":", "[", "{", ";", "case", "export default"]
    {
        let src = format!("{before} /x/");
        assert_eq!(kinds(&src).last(), Some(&(Regex, "/x/")), "{src}");
    }
    assert_eq!(kinds("`${/x/}`")[2], (Regex, "/x/"));
    assert_eq!(kinds("x = /=/")[2], (Regex, "/=/"));
}

#[test]
fn a_slash_divides_after_a_value() {
    for before in ["a", "1", "'s'", "`t`", ")", "]", "}", "a++", "/r/", "x.return", "x?.in", "this"] {
        let src = format!("{before} / 2 / 3");
        let tokens = kinds(&src);
        let slashes = tokens.iter().filter(|t| **t == (Punct, "/")).count();
        assert_eq!(slashes, 2, "{src}: {tokens:?}");
    }
    assert_eq!(kinds("a /= 2"), [(Ident, "a"), (Punct, "/="), (Number, "2")]);
    // Not closed on its line: a division after all.
    assert_eq!(kinds("= / x\n/")[1], (Punct, "/"));
    assert_eq!(kinds("= /x\\\n/")[1], (Punct, "/"));
}

#[test]
fn a_regex_skips_comments_when_looking_back() {
    assert_eq!(kinds("return /* c */ /x/").last(), Some(&(Regex, "/x/")));
    assert_eq!(kinds("a /* c */ / b")[2], (Punct, "/"));
}

#[test]
fn a_regex_class_may_hold_a_slash_and_flags_end_at_a_non_word() {
    assert_eq!(kinds("(/[/\\]]+/u)"), [(Punct, "("), (Regex, "/[/\\]]+/u"), (Punct, ")")]);
    assert_eq!(kinds("(/é/)")[1], (Regex, "/é/"));
}

#[test]
fn tokens_cover_the_source_exactly() {
    let sources = [
        "",
        "   ",
        "module.exports = async (event, context) => {\n  return { ok: true };\n};\n",
        "`${`${'x'}`}` /re/ 1e+ 0x 'a\\",
        "}}}{{{ `$ {` \\ # @ ∑ 🎉",
        "a\r\nb\tc",
        "x = /[é/ \n 'ü\\",
        "`é${\"ß\"}🎉` /* ∑",
    ];
    for src in sources {
        assert_covers(src);
        // Every prefix, cut at each character boundary, lexes without a gap or a panic.
        for (i, _) in src.char_indices() {
            assert_covers(&src[..i]);
        }
    }
}
