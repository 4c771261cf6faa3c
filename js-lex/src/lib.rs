//! A JavaScript lexer shared by the code editor's syntax highlighting (in the browser) and the
//! sandbox's scan of function source (on the server).
//!
//! It is forgiving rather than exact, and never fails: every byte of the source lands in exactly
//! one non-empty token, in order. An unterminated string stops before its line break; an
//! unterminated comment or template literal runs to the end of the source. Template literals
//! nest: `${` opens an interpolation, and the `}` that matches it goes back to the template's
//! text. A `/` starts a regular expression only where an expression may start (after an
//! operator, an opening bracket, `${` or a keyword such as `return`) and only if the literal
//! closes on its line; anywhere else it divides.
//!
//! ```
//! use js_lex::{Lexer, TokenKind};
//!
//! let src = "x = `a${b}` // c";
//! let kinds: Vec<TokenKind> = Lexer::new(src).filter(|t| !t.is_trivia()).map(|t| t.kind).collect();
//! assert_eq!(
//!     kinds,
//!     [
//!         TokenKind::Ident,
//!         TokenKind::Punct,
//!         TokenKind::Template,
//!         TokenKind::InterpolationStart,
//!         TokenKind::Ident,
//!         TokenKind::InterpolationEnd,
//!         TokenKind::Template,
//!     ]
//! );
//! ```

#![forbid(unsafe_code)]

#[cfg(test)]
mod tests;

/// What a run of source text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Spaces, tabs and line breaks: one token for a whole run.
    Whitespace,
    /// `// …` up to the line break, or a `#!` line at the very start of the source.
    LineComment,
    /// `/* … */`.
    BlockComment,
    /// An identifier or a keyword: the lexer does not tell them apart, since words like `of`,
    /// `async` or `default` are keywords in some places and names in others.
    Ident,
    /// `42`, `3.14`, `.5`, `1e3`, `0xFF`, `1_000`, `10n`.
    Number,
    /// A `'…'` or `"…"` string, quotes included.
    String,
    /// Text of a template literal: from its opening backtick or an interpolation's `}` (not
    /// included) to the next `${` (not included) or the closing backtick (included).
    Template,
    /// The `${` that opens an interpolation in a template literal.
    InterpolationStart,
    /// The `}` that closes an interpolation; the template's text goes on after it.
    InterpolationEnd,
    /// A regular expression literal with its flags: `/a[/]b/gi`.
    Regex,
    /// An operator or punctuator, longest match first (`{`, `.`, `?.`, `=>`, `===`, `>>>=`), or a
    /// character the lexer does not know (`#`, `@`, `∑`), alone.
    Punct,
}

/// One token: its kind and its byte range in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// The token's text in `src`, the source it was read from.
    pub fn text(self, src: &str) -> &str {
        &src[self.start..self.end]
    }

    /// Whether the token is whitespace or a comment, which the grammar ignores.
    pub fn is_trivia(self) -> bool {
        matches!(self.kind, TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment)
    }
}

/// The tokens of a source, in order, as an iterator.
#[derive(Debug, Clone)]
pub struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    /// What each `{` still open belongs to.
    braces: Vec<Brace>,
    /// The next token is template text: after an opening backtick, or an interpolation's `}`.
    in_template: bool,
    /// The last token that is not trivia, to tell a regular expression from a division.
    last: Option<Token>,
    /// Whether `last` is a property name (an identifier after `.` or `?.`).
    last_is_property: bool,
}

/// What an open `{` belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Brace {
    /// A block or an object literal.
    Code,
    /// A template literal's `${`: its `}` goes back to the template's text.
    Interpolation,
}

/// Keywords after which an expression starts, so a `/` begins a regular expression.
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

/// Punctuators longer than one character, each before its own prefixes.
const PUNCTUATORS: [&str; 33] = [
    ">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=", "=>", "==", "!=", "<=", ">=", "&&",
    "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "**", "<<", ">>",
];

impl<'a> Lexer<'a> {
    /// A lexer at the start of `src`.
    pub fn new(src: &'a str) -> Self {
        Lexer { src, pos: 0, braces: Vec::new(), in_template: false, last: None, last_is_property: false }
    }

    /// Reads one token at `self.pos`, which is before the end of the source.
    fn lex(&mut self) -> TokenKind {
        if std::mem::take(&mut self.in_template) {
            return self.template_text(self.pos);
        }
        let c = self.peek(0).unwrap_or_default();
        match c {
            c if c.is_whitespace() => {
                self.eat_while(char::is_whitespace);
                TokenKind::Whitespace
            }
            '/' if self.peek(1) == Some('/') => self.line_comment(),
            '#' if self.pos == 0 && self.peek(1) == Some('!') => self.line_comment(),
            '/' if self.peek(1) == Some('*') => {
                self.pos += 2;
                self.pos = self.src[self.pos..].find("*/").map_or(self.src.len(), |i| self.pos + i + 2);
                TokenKind::BlockComment
            }
            '/' if self.regex_allowed() && self.eat_regex() => TokenKind::Regex,
            '\'' | '"' => {
                self.eat_string(c);
                TokenKind::String
            }
            '`' => {
                self.pos += 1;
                self.template_text(self.pos - 1)
            }
            '0'..='9' => self.number(),
            '.' if self.peek(1).is_some_and(|c| c.is_ascii_digit()) => self.number(),
            c if is_ident_start(c) => {
                self.eat_while(is_ident_continue);
                TokenKind::Ident
            }
            '{' => {
                self.pos += 1;
                self.braces.push(Brace::Code);
                TokenKind::Punct
            }
            '}' => {
                self.pos += 1;
                if self.braces.pop() == Some(Brace::Interpolation) {
                    self.in_template = true;
                    TokenKind::InterpolationEnd
                } else {
                    TokenKind::Punct
                }
            }
            c => {
                let rest = &self.src[self.pos..];
                let long = PUNCTUATORS.iter().find(|p| rest.starts_with(*p));
                // `a?.5:1` is a conditional with `.5`, not optional chaining.
                let long = long.filter(|p| **p != "?." || !rest[2..].starts_with(|c: char| c.is_ascii_digit()));
                self.pos += long.map_or(c.len_utf8(), |p| p.len());
                TokenKind::Punct
            }
        }
    }

    /// Reads template text up to and including the closing backtick, or up to a `${`; at a
    /// `${` itself, reads that. The token began at `start`.
    fn template_text(&mut self, start: usize) -> TokenKind {
        while let Some(c) = self.peek(0) {
            match c {
                '\\' => self.skip_escape(),
                '`' => {
                    self.pos += 1;
                    return TokenKind::Template;
                }
                '$' if self.peek(1) == Some('{') => {
                    if self.pos > start {
                        self.in_template = true;
                        return TokenKind::Template;
                    }
                    self.pos += 2;
                    self.braces.push(Brace::Interpolation);
                    return TokenKind::InterpolationStart;
                }
                c => self.pos += c.len_utf8(),
            }
        }
        TokenKind::Template
    }

    fn line_comment(&mut self) -> TokenKind {
        self.eat_while(|c| !matches!(c, '\n' | '\r'));
        TokenKind::LineComment
    }

    /// Reads a quoted string; an unescaped line break ends an unterminated one before it.
    fn eat_string(&mut self, quote: char) {
        self.pos += 1;
        while let Some(c) = self.peek(0) {
            match c {
                '\\' => self.skip_escape(),
                '\n' | '\r' => return,
                c => {
                    self.pos += c.len_utf8();
                    if c == quote {
                        return;
                    }
                }
            }
        }
    }

    /// Reads `/…/flags` if one closes on this line; otherwise leaves the position alone.
    fn eat_regex(&mut self) -> bool {
        let start = self.pos;
        self.pos += 1;
        let mut in_class = false;
        while let Some(c) = self.peek(0) {
            match c {
                '\n' | '\r' => break,
                // A regular expression cannot hold a line break, escaped or not.
                '\\' if matches!(self.peek(1), Some('\n' | '\r') | None) => break,
                '\\' => self.skip_escape(),
                '/' if !in_class => {
                    self.pos += 1;
                    self.eat_while(is_ident_continue);
                    return true;
                }
                c => {
                    in_class = match c {
                        '[' => true,
                        ']' => false,
                        _ => in_class,
                    };
                    self.pos += c.len_utf8();
                }
            }
        }
        self.pos = start;
        false
    }

    fn number(&mut self) -> TokenKind {
        let radix_prefix = self.peek(0) == Some('0') && matches!(self.peek(1), Some('x' | 'X' | 'o' | 'O' | 'b' | 'B'));
        if radix_prefix {
            self.pos += 2;
            self.eat_while(|c| c.is_ascii_hexdigit() || c == '_');
        } else {
            self.eat_while(|c| c.is_ascii_digit() || c == '_');
            if self.peek(0) == Some('.') {
                self.pos += 1;
                self.eat_while(|c| c.is_ascii_digit() || c == '_');
            }
            let digit_at = |n| self.peek(n).is_some_and(|c: char| c.is_ascii_digit());
            let exponent = matches!(self.peek(0), Some('e' | 'E'))
                && (digit_at(1) || (matches!(self.peek(1), Some('+' | '-')) && digit_at(2)));
            if exponent {
                self.pos += 2;
                self.eat_while(|c| c.is_ascii_digit() || c == '_');
            }
        }
        if self.peek(0) == Some('n') {
            self.pos += 1;
        }
        TokenKind::Number
    }

    /// Whether a `/` here starts an expression (a regular expression) rather than dividing.
    fn regex_allowed(&self) -> bool {
        let Some(last) = self.last else {
            return true;
        };
        let text = last.text(self.src);
        match last.kind {
            TokenKind::Punct => !matches!(text, ")" | "]" | "}" | "++" | "--"),
            TokenKind::InterpolationStart => true,
            TokenKind::Ident => !self.last_is_property && BEFORE_EXPRESSION.contains(&text),
            _ => false,
        }
    }

    /// Skips a backslash and the character it escapes (both of a `\r\n`).
    fn skip_escape(&mut self) {
        self.pos += 1;
        if self.src[self.pos..].starts_with("\r\n") {
            self.pos += 2;
        } else if let Some(c) = self.peek(0) {
            self.pos += c.len_utf8();
        }
    }

    fn peek(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }

    fn eat_while(&mut self, keep: impl Fn(char) -> bool) {
        let rest = &self.src[self.pos..];
        self.pos += rest.find(|c| !keep(c)).unwrap_or(rest.len());
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        if self.pos >= self.src.len() {
            return None;
        }
        let start = self.pos;
        let kind = self.lex();
        let token = Token { kind, start, end: self.pos };
        if !token.is_trivia() {
            let after_dot =
                self.last.is_some_and(|t| t.kind == TokenKind::Punct && matches!(t.text(self.src), "." | "?."));
            self.last_is_property = kind == TokenKind::Ident && after_dot;
            self.last = Some(token);
        }
        Some(token)
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '$' | '\u{200c}' | '\u{200d}')
}
