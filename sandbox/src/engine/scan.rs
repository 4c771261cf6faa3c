//! A small token scanner that tells ES modules from CommonJS and guesses the handler shape
//! without running the code.
//!
//! It skips comments, strings, template literals and regular expression literals, then looks at
//! the remaining identifiers and punctuation. The guess is only a fallback: `compile` also
//! evaluates the module once and trusts what it actually exports.

use super::Shape;

/// What the scanner found in a source file.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Scan {
    /// The source has `export` declarations, so it is compiled as an ES module.
    pub(crate) esm: bool,
    /// The first static `import` declaration (1-based line and column), which is not supported.
    pub(crate) import: Option<(u32, u32)>,
    /// The handler shape suggested by the exports.
    pub(crate) shape: Option<Shape>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Ident(String),
    Punct(char),
    Str,
    Other,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    line: u32,
    column: u32,
}

impl Token {
    fn is_ident(&self, name: &str) -> bool {
        matches!(&self.kind, Kind::Ident(ident) if ident == name)
    }

    fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct(c)
    }
}

/// Keywords after which a `/` starts a regular expression rather than a division.
const REGEX_AFTER: &[&str] = &[
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
];

pub(crate) fn scan(source: &str) -> Scan {
    let tokens = tokenize(source);
    let mut scan = Scan::default();
    let mut esm_default_object = false;
    let mut esm_default_function = false;
    let mut esm_handler = false;
    let mut cjs_lambda = false;
    let mut cjs_workers = false;
    let mut cjs_openfaas = false;

    let at = |i: usize| tokens.get(i);
    let ident_at = |i: usize, name: &str| at(i).is_some_and(|t| t.is_ident(name));
    let punct_at = |i: usize, c: char| at(i).is_some_and(|t| t.is_punct(c));

    for (i, token) in tokens.iter().enumerate() {
        let after_dot = i > 0 && punct_at(i - 1, '.');
        if after_dot {
            continue;
        }
        if token.is_ident("import") && scan.import.is_none() {
            let static_import = at(i + 1)
                .is_some_and(|t| matches!(t.kind, Kind::Ident(_) | Kind::Str) || t.is_punct('{') || t.is_punct('*'));
            if static_import {
                scan.import = Some((token.line, token.column));
            }
        }
        if token.is_ident("export") {
            let Some(next) = at(i + 1) else { continue };
            match &next.kind {
                Kind::Ident(word) if word == "default" => {
                    scan.esm = true;
                    let value = at(i + 2);
                    let function = value.is_some_and(|t| t.is_ident("function") || t.is_punct('('))
                        || (value.is_some_and(|t| t.is_ident("async"))
                            && at(i + 3).is_some_and(|t| {
                                t.is_ident("function") || t.is_punct('(') || matches!(t.kind, Kind::Ident(_))
                            }));
                    if function {
                        esm_default_function = true;
                    } else {
                        esm_default_object = true;
                    }
                }
                Kind::Ident(word) if ["const", "let", "var", "class"].contains(&word.as_str()) => {
                    scan.esm = true;
                    esm_handler |= ident_at(i + 2, "handler");
                }
                Kind::Ident(word) if word == "function" => {
                    scan.esm = true;
                    esm_handler |= ident_at(i + 2, "handler") || (punct_at(i + 2, '*') && ident_at(i + 3, "handler"));
                }
                Kind::Ident(word) if word == "async" => {
                    scan.esm = true;
                    esm_handler |= ident_at(i + 2, "function") && ident_at(i + 3, "handler");
                }
                Kind::Punct('{') => {
                    scan.esm = true;
                    let mut j = i + 2;
                    while let Some(t) = at(j) {
                        if t.is_punct('}') {
                            break;
                        }
                        if t.is_ident("handler") && at(j + 1).is_some_and(|n| n.is_punct(',') || n.is_punct('}')) {
                            esm_handler = true;
                        }
                        if t.is_ident("default") && at(j + 1).is_some_and(|n| n.is_punct(',') || n.is_punct('}')) {
                            esm_default_object = true;
                        }
                        j += 1;
                    }
                }
                Kind::Punct('*') => scan.esm = true,
                _ => {}
            }
        }
        // `exports.x` (and `module.exports.x`, whose `exports` follows a dot and is handled below).
        if token.is_ident("exports") && punct_at(i + 1, '.') {
            cjs_lambda |= ident_at(i + 2, "handler");
            cjs_workers |= ident_at(i + 2, "fetch");
        }
        if token.is_ident("module") && punct_at(i + 1, '.') && ident_at(i + 2, "exports") {
            if punct_at(i + 3, '.') {
                cjs_lambda |= ident_at(i + 4, "handler");
                cjs_workers |= ident_at(i + 4, "fetch");
            } else if punct_at(i + 3, '=') && !punct_at(i + 4, '=') {
                if punct_at(i + 4, '{') {
                    let keys = object_keys(&tokens, i + 4);
                    cjs_lambda |= keys.iter().any(|k| k == "handler");
                    cjs_workers |= keys.iter().any(|k| k == "fetch");
                    cjs_openfaas |= keys.is_empty();
                } else {
                    cjs_openfaas = true;
                }
            }
        }
    }

    scan.shape = if scan.esm {
        if esm_default_object {
            Some(Shape::Workers)
        } else if esm_handler {
            Some(Shape::Lambda)
        } else if esm_default_function {
            Some(Shape::OpenFaas)
        } else {
            None
        }
    } else if cjs_lambda {
        Some(Shape::Lambda)
    } else if cjs_workers {
        Some(Shape::Workers)
    } else if cjs_openfaas {
        Some(Shape::OpenFaas)
    } else {
        None
    };
    scan
}

/// Property names at the top level of the object literal whose `{` is at `open`.
fn object_keys(tokens: &[Token], open: usize) -> Vec<String> {
    let mut keys = Vec::new();
    let mut depth = 0usize;
    let mut expect_key = true;
    for (j, token) in tokens.iter().enumerate().skip(open) {
        match &token.kind {
            Kind::Punct('{' | '(' | '[') => {
                depth += 1;
                if depth == 1 {
                    expect_key = true;
                }
            }
            Kind::Punct('}' | ')' | ']') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            Kind::Punct(',') if depth == 1 => expect_key = true,
            Kind::Ident(name) if depth == 1 && expect_key => {
                let next = tokens.get(j + 1);
                let is_modifier = ["async", "get", "set"].contains(&name.as_str())
                    && next.is_some_and(|n| matches!(n.kind, Kind::Ident(_)));
                if !is_modifier {
                    keys.push(name.clone());
                    expect_key = false;
                }
            }
            _ if depth == 1 => expect_key = false,
            _ => {}
        }
    }
    keys
}

struct Cursor<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: u32,
    column: u32,
}

impl Cursor<'_> {
    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += u32::try_from(c.len_utf16()).unwrap_or(1);
        }
        Some(c)
    }

    fn skip_string(&mut self, quote: char) {
        while let Some(c) = self.bump() {
            match c {
                '\\' => {
                    self.bump();
                }
                '\n' => return,
                c if c == quote => return,
                _ => {}
            }
        }
    }

    fn skip_regex(&mut self) {
        let mut in_class = false;
        while let Some(c) = self.bump() {
            match c {
                '\\' => {
                    self.bump();
                }
                '[' => in_class = true,
                ']' => in_class = false,
                '/' if !in_class => break,
                '\n' => return,
                _ => {}
            }
        }
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.bump();
        }
    }

    /// Skips template text up to the closing backtick (returns false) or a `${` (returns true).
    fn skip_template(&mut self) -> bool {
        while let Some(c) = self.bump() {
            match c {
                '\\' => {
                    self.bump();
                }
                '`' => return false,
                '$' if self.peek() == Some('{') => {
                    self.bump();
                    return true;
                }
                _ => {}
            }
        }
        false
    }
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c == '$' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    is_ident_start(c) || c.is_alphanumeric() || c == '\u{200c}' || c == '\u{200d}'
}

fn tokenize(source: &str) -> Vec<Token> {
    let mut cursor = Cursor { chars: source.chars().peekable(), line: 1, column: 1 };
    let mut tokens: Vec<Token> = Vec::new();
    // Brace depths at which an open template literal continues after its `${ … }`.
    let mut templates: Vec<usize> = Vec::new();
    let mut depth = 0usize;

    while let Some(c) = cursor.peek() {
        let (line, column) = (cursor.line, cursor.column);
        let push = |tokens: &mut Vec<Token>, kind| tokens.push(Token { kind, line, column });
        if c.is_whitespace() {
            cursor.bump();
            continue;
        }
        if is_ident_start(c) {
            let mut word = String::new();
            while let Some(c) = cursor.peek().filter(|&c| is_ident_continue(c)) {
                word.push(c);
                cursor.bump();
            }
            push(&mut tokens, Kind::Ident(word));
            continue;
        }
        if c.is_ascii_digit() {
            while cursor.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_') {
                cursor.bump();
            }
            push(&mut tokens, Kind::Other);
            continue;
        }
        cursor.bump();
        match c {
            '"' | '\'' => {
                cursor.skip_string(c);
                push(&mut tokens, Kind::Str);
            }
            '`' => {
                if cursor.skip_template() {
                    templates.push(depth);
                    depth += 1;
                }
                push(&mut tokens, Kind::Str);
            }
            '/' if cursor.peek() == Some('/') => {
                while cursor.peek().is_some_and(|c| c != '\n') {
                    cursor.bump();
                }
            }
            '/' if cursor.peek() == Some('*') => {
                cursor.bump();
                let mut star = false;
                while let Some(c) = cursor.bump() {
                    if star && c == '/' {
                        break;
                    }
                    star = c == '*';
                }
            }
            '/' if regex_allowed(tokens.last()) => {
                cursor.skip_regex();
                push(&mut tokens, Kind::Other);
            }
            '{' => {
                depth += 1;
                push(&mut tokens, Kind::Punct('{'));
            }
            '}' => {
                depth = depth.saturating_sub(1);
                if templates.last() == Some(&depth) {
                    templates.pop();
                    if cursor.skip_template() {
                        templates.push(depth);
                        depth += 1;
                    }
                    push(&mut tokens, Kind::Str);
                } else {
                    push(&mut tokens, Kind::Punct('}'));
                }
            }
            c => push(&mut tokens, Kind::Punct(c)),
        }
    }
    tokens
}

fn regex_allowed(previous: Option<&Token>) -> bool {
    match previous.map(|t| &t.kind) {
        None => true,
        Some(Kind::Punct(c)) => !matches!(c, ')' | ']' | '}'),
        Some(Kind::Ident(word)) => REGEX_AFTER.contains(&word.as_str()),
        Some(Kind::Str | Kind::Other) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(source: &str) -> Option<Shape> {
        scan(source).shape
    }

    #[test]
    fn recognises_commonjs_shapes() {
        assert_eq!(shape("module.exports = async (event, context) => 'hi'"), Some(Shape::OpenFaas));
        assert_eq!(shape("module.exports = function (e, c) {}"), Some(Shape::OpenFaas));
        assert_eq!(shape("exports.handler = async (event) => ({ statusCode: 200 })"), Some(Shape::Lambda));
        assert_eq!(shape("module.exports.handler = async () => 1"), Some(Shape::Lambda));
        assert_eq!(shape("const handler = 1; module.exports = { handler }"), Some(Shape::Lambda));
        assert_eq!(shape("module.exports = { async fetch(request) {} }"), Some(Shape::Workers));
        assert!(!scan("module.exports = () => 1").esm);
    }

    #[test]
    fn recognises_module_shapes() {
        assert_eq!(shape("export default { async fetch(request, env, ctx) {} }"), Some(Shape::Workers));
        assert_eq!(shape("const app = {}; export default app"), Some(Shape::Workers));
        assert_eq!(shape("export const handler = async (event) => 1"), Some(Shape::Lambda));
        assert_eq!(shape("export async function handler(event, context) {}"), Some(Shape::Lambda));
        assert_eq!(shape("async function handler() {}\nexport { handler }"), Some(Shape::Lambda));
        assert_eq!(shape("export default async (event, context) => 1"), Some(Shape::OpenFaas));
        assert!(scan("export default {}").esm);
    }

    #[test]
    fn ignores_comments_strings_templates_and_regexes() {
        let source = "// export default {}\n/* exports.handler = 1 */\nconst s = 'export const handler';\n\
                      const t = `export default ${ {a: 1}.a } {`;\nconst r = /export default {/g;\n\
                      module.exports = async () => s + t + r;";
        let found = scan(source);
        assert!(!found.esm);
        assert_eq!(found.shape, Some(Shape::OpenFaas));
    }

    #[test]
    fn reports_static_imports_with_position() {
        let found = scan("const x = 1;\n  import fs from 'fs';\nexport default {}");
        assert_eq!(found.import, Some((2, 3)));
        assert_eq!(scan("const m = import('x'); import.meta;").import, None);
    }
}
