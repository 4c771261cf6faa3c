//! Tells ES modules from CommonJS and guesses the handler shape without running the code.
//!
//! It reads the tokens of the shared JavaScript lexer (`js_lex`), which skips comments and sees
//! strings, template literals and regular expressions whole, and looks at the identifiers and
//! punctuation left. The guess is only a fallback: `compile` also evaluates the module once and
//! trusts what it actually exports.

use js_lex::Lexer;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An identifier or a keyword.
    Ident,
    Punct,
    /// A string, or the text of a template literal.
    Str,
    /// A number or a regular expression.
    Other,
}

/// A lexer token that the grammar does not ignore, with its text.
#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
    start: usize,
}

impl Token<'_> {
    fn is_ident(&self, name: &str) -> bool {
        self.kind == Kind::Ident && self.text == name
    }

    fn is_punct(&self, punct: &str) -> bool {
        self.kind == Kind::Punct && self.text == punct
    }
}

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
    let punct_at = |i: usize, p: &str| at(i).is_some_and(|t| t.is_punct(p));

    for (i, token) in tokens.iter().enumerate() {
        let after_dot = i > 0 && (punct_at(i - 1, ".") || punct_at(i - 1, "?."));
        if after_dot {
            continue;
        }
        if token.is_ident("import") && scan.import.is_none() {
            let static_import = at(i + 1)
                .is_some_and(|t| matches!(t.kind, Kind::Ident | Kind::Str) || t.is_punct("{") || t.is_punct("*"));
            if static_import {
                scan.import = Some(line_column(source, token.start));
            }
        }
        if token.is_ident("export") {
            let Some(next) = at(i + 1) else { continue };
            match (next.kind, next.text) {
                (Kind::Ident, "default") => {
                    scan.esm = true;
                    let value = at(i + 2);
                    let function = value.is_some_and(|t| t.is_ident("function") || t.is_punct("("))
                        || (value.is_some_and(|t| t.is_ident("async"))
                            && at(i + 3).is_some_and(|t| t.is_punct("(") || t.kind == Kind::Ident));
                    if function {
                        esm_default_function = true;
                    } else {
                        esm_default_object = true;
                    }
                }
                (Kind::Ident, "const" | "let" | "var" | "class") => {
                    scan.esm = true;
                    esm_handler |= ident_at(i + 2, "handler");
                }
                (Kind::Ident, "function") => {
                    scan.esm = true;
                    esm_handler |= ident_at(i + 2, "handler") || (punct_at(i + 2, "*") && ident_at(i + 3, "handler"));
                }
                (Kind::Ident, "async") => {
                    scan.esm = true;
                    esm_handler |= ident_at(i + 2, "function") && ident_at(i + 3, "handler");
                }
                (Kind::Punct, "{") => {
                    scan.esm = true;
                    let mut j = i + 2;
                    while let Some(t) = at(j) {
                        if t.is_punct("}") {
                            break;
                        }
                        let last_in_list = punct_at(j + 1, ",") || punct_at(j + 1, "}");
                        esm_handler |= t.is_ident("handler") && last_in_list;
                        esm_default_object |= t.is_ident("default") && last_in_list;
                        j += 1;
                    }
                }
                (Kind::Punct, "*") => scan.esm = true,
                _ => {}
            }
        }
        // `exports.x` (and `module.exports.x`, whose `exports` follows a dot and is handled below).
        if token.is_ident("exports") && punct_at(i + 1, ".") {
            cjs_lambda |= ident_at(i + 2, "handler");
            cjs_workers |= ident_at(i + 2, "fetch");
        }
        if token.is_ident("module") && punct_at(i + 1, ".") && ident_at(i + 2, "exports") {
            if punct_at(i + 3, ".") {
                cjs_lambda |= ident_at(i + 4, "handler");
                cjs_workers |= ident_at(i + 4, "fetch");
            } else if punct_at(i + 3, "=") {
                if punct_at(i + 4, "{") {
                    let keys = object_keys(&tokens, i + 4);
                    cjs_lambda |= keys.contains(&"handler");
                    cjs_workers |= keys.contains(&"fetch");
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
fn object_keys<'a>(tokens: &[Token<'a>], open: usize) -> Vec<&'a str> {
    let mut keys = Vec::new();
    let mut depth = 0usize;
    let mut expect_key = true;
    for (j, token) in tokens.iter().enumerate().skip(open) {
        match (token.kind, token.text) {
            (Kind::Punct, "{" | "(" | "[") => {
                depth += 1;
                if depth == 1 {
                    expect_key = true;
                }
            }
            (Kind::Punct, "}" | ")" | "]") => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            (Kind::Punct, ",") if depth == 1 => expect_key = true,
            (Kind::Ident, name) if depth == 1 && expect_key => {
                let is_modifier =
                    ["async", "get", "set"].contains(&name) && tokens.get(j + 1).is_some_and(|n| n.kind == Kind::Ident);
                if !is_modifier {
                    keys.push(name);
                    expect_key = false;
                }
            }
            _ if depth == 1 => expect_key = false,
            _ => {}
        }
    }
    keys
}

/// The lexer's tokens without whitespace, comments and the `${` and `}` around interpolations
/// (a template literal's text parts stand for it).
fn tokenize(source: &str) -> Vec<Token<'_>> {
    use js_lex::TokenKind as Lex;
    Lexer::new(source)
        .filter_map(|t| {
            let kind = match t.kind {
                Lex::Ident => Kind::Ident,
                Lex::Punct => Kind::Punct,
                Lex::String | Lex::Template => Kind::Str,
                Lex::Number | Lex::Regex => Kind::Other,
                Lex::Whitespace
                | Lex::LineComment
                | Lex::BlockComment
                | Lex::InterpolationStart
                | Lex::InterpolationEnd => return None,
            };
            Some(Token { kind, text: t.text(source), start: t.start })
        })
        .collect()
}

/// The 1-based line and column of the byte `offset`, the column in UTF-16 units as JavaScript
/// engines count it.
fn line_column(source: &str, offset: usize) -> (u32, u32) {
    let before = &source[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].encode_utf16().count() + 1;
    (u32::try_from(line).unwrap_or(u32::MAX), u32::try_from(column).unwrap_or(u32::MAX))
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

    #[test]
    fn counts_columns_in_utf16_units_and_tells_comparisons_from_assignments() {
        assert_eq!(scan("const s = '🎉'; import x from 'y'").import, Some((1, 17)));
        assert_eq!(shape("module.exports === undefined"), None);
        assert_eq!(shape("x?.module.exports = 1"), None);
    }
}
