//! Streams the elements of a JSON array (`[{…}, {…}]`) or of JSON lines (`{…}\n{…}`) one at a
//! time, each with the line it starts on, without reading the whole document.

use std::io::{self, BufRead};

/// One element's first line and its bytes, or a syntax error at a line.
pub type Element = (u64, Result<Vec<u8>, String>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Start,
    Array,
    Lines,
    Done,
}

/// Splits a JSON document into top-level elements.
pub struct JsonElements<R> {
    input: R,
    line: u64,
    mode: Mode,
    /// A syntax error found after the element just returned.
    pending: Option<Element>,
}

impl<R: BufRead> JsonElements<R> {
    pub fn new(input: R) -> Self {
        Self { input, line: 1, mode: Mode::Start, pending: None }
    }

    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(self.input.fill_buf()?.first().copied())
    }

    fn bump(&mut self) -> io::Result<Option<u8>> {
        let byte = self.peek()?;
        if let Some(b) = byte {
            self.input.consume(1);
            if b == b'\n' {
                self.line += 1;
            }
        }
        Ok(byte)
    }

    fn skip_whitespace(&mut self) -> io::Result<Option<u8>> {
        while let Some(b) = self.peek()? {
            if !b.is_ascii_whitespace() {
                return Ok(Some(b));
            }
            self.bump()?;
        }
        Ok(None)
    }

    fn fail(&mut self, line: u64, reason: impl Into<String>) -> io::Result<Option<Element>> {
        self.mode = Mode::Done;
        Ok(Some((line, Err(reason.into()))))
    }

    /// The next element, `None` at the end of the document.
    pub fn next_element(&mut self) -> io::Result<Option<Element>> {
        if let Some(error) = self.pending.take() {
            return Ok(Some(error));
        }
        if self.mode == Mode::Start {
            match self.skip_whitespace()? {
                Some(b'[') => {
                    self.bump()?;
                    self.mode = Mode::Array;
                    if self.skip_whitespace()? == Some(b']') {
                        self.bump()?;
                        self.mode = Mode::Done;
                    }
                }
                Some(b'{') => self.mode = Mode::Lines,
                Some(_) => return self.fail(self.line, "expected a JSON array of objects or JSON lines"),
                None => self.mode = Mode::Done,
            }
        }
        if self.mode == Mode::Done || self.skip_whitespace()?.is_none() {
            if self.mode == Mode::Array {
                return self.fail(self.line, "the array is not closed with ']'");
            }
            self.mode = Mode::Done;
            return Ok(None);
        }
        let start = self.line;
        let element = match self.read_value()? {
            Ok(bytes) => bytes,
            Err(reason) => return self.fail(start, reason),
        };
        if self.mode == Mode::Array {
            match self.skip_whitespace()? {
                Some(b',') => {
                    self.bump()?;
                }
                Some(b']') => {
                    self.bump()?;
                    self.mode = Mode::Done;
                }
                _ => {
                    self.mode = Mode::Done;
                    self.pending = Some((self.line, Err("expected ',' or ']' after an array element".into())));
                }
            }
        }
        Ok(Some((start, Ok(element))))
    }

    /// Reads one value: an object or array up to its matching bracket, a string, or a scalar.
    fn read_value(&mut self) -> io::Result<Result<Vec<u8>, String>> {
        let mut out = Vec::new();
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        while let Some(b) = self.peek()? {
            if !in_string && depth == 0 && !out.is_empty() && matches!(out[0], b'{' | b'[' | b'"') {
                break;
            }
            if !in_string && depth == 0 && (b == b',' || b == b']' || b.is_ascii_whitespace()) && !out.is_empty() {
                break;
            }
            self.bump()?;
            out.push(b);
            if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth == 0 => return Ok(Err("unexpected closing bracket".into())),
                b'}' | b']' => depth -= 1,
                _ => {}
            }
        }
        if in_string || depth > 0 {
            return Ok(Err("the element is not complete at the end of the input".into()));
        }
        Ok(Ok(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elements(text: &str) -> Vec<(u64, Result<String, String>)> {
        let mut reader = JsonElements::new(text.as_bytes());
        std::iter::from_fn(|| reader.next_element().unwrap())
            .map(|(line, r)| (line, r.map(|b| String::from_utf8(b).unwrap())))
            .collect()
    }

    #[test]
    fn splits_arrays_and_lines() {
        let got = elements("[\n {\"a\": \"x]\"},\n {\"b\": [1, {\"c\": 2}]}\n]\n");
        assert_eq!(got, vec![(2, Ok("{\"a\": \"x]\"}".into())), (3, Ok("{\"b\": [1, {\"c\": 2}]}".into()))]);
        let lines = elements("{\"a\":1}\n\n{\"a\":\"\\\"\"}\n");
        assert_eq!(lines, vec![(1, Ok("{\"a\":1}".into())), (3, Ok("{\"a\":\"\\\"\"}".into()))]);
        assert_eq!(elements("[]"), vec![]);
        assert_eq!(elements("[1, 2]").len(), 2);
    }

    #[test]
    fn reports_where_the_document_breaks() {
        let got = elements("[\n{\"a\":1}\n{\"a\":2}]");
        assert_eq!((got[0].0, got[1].0), (2, 3));
        assert!(got[1].1.is_err());
        assert!(elements("[{\"a\":1},").last().unwrap().1.is_err());
        assert!(elements("{\"a\":").last().unwrap().1.is_err());
        assert!(elements("nope").last().unwrap().1.is_err());
    }
}
