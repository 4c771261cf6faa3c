//! Text edits of the code editor: Tab, Shift+Tab and Enter, computed on the text and the
//! selection. Offsets are UTF-16 code units, as a textarea's `selectionStart` counts them.

/// Two spaces, the indent Tab inserts.
pub const INDENT: &str = "  ";

/// Replace `start..end` of the text with `insert`, then select `select_start..select_end`
/// (offsets into the new text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub insert: String,
    pub select_start: usize,
    pub select_end: usize,
}

impl Edit {
    /// The text with this edit applied.
    pub fn apply(&self, text: &str) -> String {
        let (start, end) = (byte_offset(text, self.start), byte_offset(text, self.end));
        format!("{}{}{}", &text[..start], self.insert, &text[end..])
    }
}

/// Tab: two spaces in place of the selection; a selection over several lines indents each line.
pub fn indent(text: &str, sel_start: usize, sel_end: usize) -> Edit {
    let (s, e) = ordered(text, sel_start, sel_end);
    if !text[s..e].contains('\n') {
        let at = utf16_len(&text[..s]) + utf16_len(INDENT);
        return Edit {
            start: utf16_len(&text[..s]),
            end: utf16_len(&text[..e]),
            insert: INDENT.to_owned(),
            select_start: at,
            select_end: at,
        };
    }
    let (first, last) = line_span(text, s, e);
    let block = &text[first..last];
    let indented: String = block
        .split('\n')
        .map(|line| if line.is_empty() { String::new() } else { format!("{INDENT}{line}") })
        .collect::<Vec<_>>()
        .join("\n");
    block_edit(text, first, last, indented)
}

/// Shift+Tab: removes up to two leading spaces (or one tab) from every line the selection
/// touches; `None` when there is nothing to remove.
pub fn outdent(text: &str, sel_start: usize, sel_end: usize) -> Option<Edit> {
    let (s, e) = ordered(text, sel_start, sel_end);
    let (first, last) = line_span(text, s, e);
    let block = &text[first..last];
    let outdented: String = block.split('\n').map(strip_indent).collect::<Vec<_>>().join("\n");
    (outdented != block).then(|| block_edit(text, first, last, outdented))
}

/// Enter: a line break that keeps the current line's indentation, one level deeper after an
/// opening bracket.
pub fn newline(text: &str, sel_start: usize, sel_end: usize) -> Edit {
    let (s, e) = ordered(text, sel_start, sel_end);
    let line_start = text[..s].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..s];
    let indent: String = line.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    let opens = line.trim_end().ends_with(['{', '[', '(']);
    let insert = format!("\n{indent}{}", if opens { INDENT } else { "" });
    let at = utf16_len(&text[..s]) + utf16_len(&insert);
    Edit { start: utf16_len(&text[..s]), end: utf16_len(&text[..e]), insert, select_start: at, select_end: at }
}

/// How many lines the text has; an empty text has one.
pub fn line_count(text: &str) -> usize {
    text.bytes().filter(|b| *b == b'\n').count() + 1
}

/// The byte offset of a UTF-16 offset, clamped to the text and to a character boundary.
pub fn byte_offset(text: &str, utf16: usize) -> usize {
    let mut units = 0;
    for (i, c) in text.char_indices() {
        if units >= utf16 {
            return i;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// The length of `s` in UTF-16 code units.
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// The selection as ordered byte offsets.
fn ordered(text: &str, a: usize, b: usize) -> (usize, usize) {
    let (a, b) = (byte_offset(text, a), byte_offset(text, b));
    (a.min(b), a.max(b))
}

/// The byte range of the whole lines `s..e` touches. A selection ending just after a line
/// break does not take in the line below.
fn line_span(text: &str, s: usize, e: usize) -> (usize, usize) {
    let first = text[..s].rfind('\n').map_or(0, |i| i + 1);
    let e = if e > s && text[..e].ends_with('\n') { e - 1 } else { e };
    let last = text[e..].find('\n').map_or(text.len(), |i| e + i);
    (first, last)
}

fn strip_indent(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix('\t') {
        return rest;
    }
    let spaces = line.len() - line.trim_start_matches(' ').len();
    &line[spaces.min(INDENT.len())..]
}

/// Replaces the lines `first..last` and selects all of them.
fn block_edit(text: &str, first: usize, last: usize, replacement: String) -> Edit {
    let start = utf16_len(&text[..first]);
    let select_end = start + utf16_len(&replacement);
    Edit { start, end: utf16_len(&text[..last]), insert: replacement, select_start: start, select_end }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies an edit to `text` and shows the selection as `[` `]` (or `|` for a caret).
    fn show(text: &str, edit: &Edit) -> String {
        let out = edit.apply(text);
        let (a, b) = (byte_offset(&out, edit.select_start), byte_offset(&out, edit.select_end));
        if a == b {
            format!("{}|{}", &out[..a], &out[a..])
        } else {
            format!("{}[{}]{}", &out[..a], &out[a..b], &out[b..])
        }
    }

    #[test]
    fn tab_inserts_two_spaces_at_the_caret() {
        assert_eq!(show("ab", &indent("ab", 1, 1)), "a  |b");
        assert_eq!(show("", &indent("", 0, 0)), "  |");
    }

    #[test]
    fn tab_replaces_a_selection_within_one_line() {
        assert_eq!(show("abcd", &indent("abcd", 1, 3)), "a  |d");
    }

    #[test]
    fn tab_indents_every_selected_line_but_empty_ones() {
        let text = "a\n\nb\nc";
        assert_eq!(show(text, &indent(text, 0, 4)), "[  a\n\n  b]\nc");
    }

    #[test]
    fn a_selection_ending_at_a_line_start_leaves_that_line() {
        let text = "a\nb\nc";
        assert_eq!(show(text, &indent(text, 0, 2)), "[  a]\nb\nc");
    }

    #[test]
    fn shift_tab_outdents_by_up_to_two_spaces() {
        let text = "    a\n b\n\tc\nd";
        let edit = outdent(text, 2, 10).expect("something to outdent");
        assert_eq!(show(text, &edit), "[  a\nb\nc]\nd");
        assert_eq!(outdent("abc", 1, 1), None);
    }

    #[test]
    fn enter_keeps_the_indentation() {
        let text = "  foo();";
        assert_eq!(show(text, &newline(text, 8, 8)), "  foo();\n  |");
        let text = "  if (x) {";
        assert_eq!(show(text, &newline(text, 10, 10)), "  if (x) {\n    |");
        let text = "a\nb";
        assert_eq!(show(text, &newline(text, 1, 1)), "a\n|\nb");
    }

    #[test]
    fn offsets_are_utf16_code_units() {
        // "é" is one unit, "🎉" two.
        let text = "é🎉x";
        assert_eq!(utf16_len(text), 4);
        assert_eq!(byte_offset(text, 1), 2);
        assert_eq!(byte_offset(text, 3), 6);
        assert_eq!(byte_offset(text, 99), text.len());
        assert_eq!(show(text, &indent(text, 3, 3)), "é🎉  |x");
    }

    #[test]
    fn lines_are_counted() {
        assert_eq!(line_count(""), 1);
        assert_eq!(line_count("a"), 1);
        assert_eq!(line_count("a\n"), 2);
        assert_eq!(line_count("a\nb\nc"), 3);
    }
}
