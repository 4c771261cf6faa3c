//! A streaming CSV reader (RFC 4180: quoted fields may hold commas, quotes as `""`, and line
//! breaks), reporting the line each record starts on.

use std::io::{self, BufRead};

/// Reads records one at a time from `input`.
pub struct CsvReader<R> {
    input: R,
    line: u64,
    buf: Vec<u8>,
}

/// A record's first line and its fields, or why the record is unreadable.
pub type Record = (u64, Result<Vec<String>, String>);

impl<R: BufRead> CsvReader<R> {
    pub fn new(input: R) -> Self {
        Self { input, line: 0, buf: Vec::new() }
    }

    /// The next non-blank record, `None` at the end of input.
    pub fn next_record(&mut self) -> io::Result<Option<Record>> {
        loop {
            self.buf.clear();
            if self.input.read_until(b'\n', &mut self.buf)? == 0 {
                return Ok(None);
            }
            self.line += 1;
            let start = self.line;
            // Quotes come in pairs in a complete record (`""` is an escaped quote).
            while self.buf.iter().filter(|b| **b == b'"').count() % 2 == 1 {
                if self.input.read_until(b'\n', &mut self.buf)? == 0 {
                    break;
                }
                self.line += 1;
            }
            while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
                self.buf.pop();
            }
            if start == 1 && self.buf.starts_with("\u{feff}".as_bytes()) {
                self.buf.drain(..3);
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Ok(Some((start, parse_fields(&self.buf))));
        }
    }
}

fn parse_fields(bytes: &[u8]) -> Result<Vec<String>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the line is not valid UTF-8".to_owned())?;
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut at_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            ',' => {
                fields.push(std::mem::take(&mut field));
                at_start = true;
                continue;
            }
            '"' if at_start && field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            '"' => return Err("a quote inside an unquoted field (quote the whole field)".into()),
            _ => field.push(c),
        }
        at_start = false;
    }
    if quoted {
        return Err("a quoted field is not closed".into());
    }
    fields.push(field);
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Vec<Record> {
        let mut reader = CsvReader::new(text.as_bytes());
        std::iter::from_fn(|| reader.next_record().unwrap()).collect()
    }

    #[test]
    fn reads_plain_and_quoted_fields_with_their_lines() {
        let got = records("\u{feff}a,b,c\r\n\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"multi\nline\",z\n3,,\n");
        let fields = |i: usize| got[i].1.clone().unwrap();
        assert_eq!((got[0].0, fields(0)), (1, vec!["a".to_owned(), "b".into(), "c".into()]));
        assert_eq!((got[1].0, fields(1)), (3, vec!["1".to_owned(), "x, y".into(), "say \"hi\"".into()]));
        assert_eq!((got[2].0, fields(2)), (4, vec!["2".to_owned(), "multi\nline".into(), "z".into()]));
        assert_eq!((got[3].0, fields(3)), (6, vec!["3".to_owned(), String::new(), String::new()]));
    }

    #[test]
    fn reports_broken_records() {
        let got = records("a,b\"c\"\n\"open,1\n");
        assert!(got[0].1.is_err());
        assert_eq!(got[1].0, 2);
        assert!(got[1].1.is_err());
    }
}
