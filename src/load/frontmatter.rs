//! Splitting a file into its YAML front-matter and Markdown body, keeping
//! the line numbers of both.

use crate::model::Span;

/// A file split into front-matter and body.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    /// The YAML between the `---` lines (without them).
    pub yaml: &'a str,
    /// File line of the YAML's first line (1-based).
    pub yaml_line: u32,
    /// Everything after the closing `---` line.
    pub body: &'a str,
    /// File line of the body's first line (1-based).
    pub body_line: u32,
}

/// Why a file could not be split.
#[derive(Debug, PartialEq, Eq)]
pub enum SplitError {
    /// No front-matter: the first line is not `---` (or the file is empty).
    Missing { empty: bool },
    /// `---` opened on line 1 and never closed.
    Unclosed,
}

impl SplitError {
    pub fn code(&self) -> &'static str {
        match self {
            SplitError::Missing { .. } => "E001",
            SplitError::Unclosed => "E002",
        }
    }

    pub fn message(&self) -> &'static str {
        match self {
            SplitError::Missing { empty: true } => "empty file: an item needs YAML front-matter between `---` lines",
            SplitError::Missing { empty: false } => "missing front-matter: the first line must be `---`",
            SplitError::Unclosed => "unclosed front-matter: no closing `---` line",
        }
    }

    pub fn span(&self) -> Span {
        Span::new(1, 1, 3)
    }
}

fn is_fence(line: &str) -> bool {
    let l = line.strip_suffix('\r').unwrap_or(line);
    l.trim_end() == "---"
}

/// Splits `text` (BOM already removed). The opening fence must be the first
/// line; the closing fence is the next line that is exactly `---` (trailing
/// spaces and CR allowed).
pub fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let mut lines = text.split_inclusive('\n');
    let first = match lines.next() {
        None => return Err(SplitError::Missing { empty: true }),
        Some(l) => l,
    };
    if !is_fence(first.strip_suffix('\n').unwrap_or(first)) {
        return Err(SplitError::Missing { empty: text.trim().is_empty() });
    }
    let yaml_start = first.len();
    let mut pos = yaml_start;
    for (line_no, l) in (2u32..).zip(lines) {
        let content = l.strip_suffix('\n').unwrap_or(l);
        if is_fence(content) {
            let yaml = &text[yaml_start..pos];
            let body = &text[pos + l.len()..];
            return Ok(Split { yaml, yaml_line: 2, body, body_line: line_no + 1 });
        }
        pos += l.len();
    }
    Err(SplitError::Unclosed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn splits_and_counts_lines() {
        let s = split("---\ntitle: A\nstatus: done\n---\n\nBody\n").unwrap();
        assert_eq!(s.yaml, "title: A\nstatus: done\n");
        assert_eq!(s.yaml_line, 2);
        assert_eq!(s.body, "\nBody\n");
        assert_eq!(s.body_line, 5);
    }

    #[test]
    fn crlf_and_trailing_spaces() {
        let s = split("---\r\ntitle: A\r\n---  \r\nBody").unwrap();
        assert_eq!(s.yaml, "title: A\r\n");
        assert_eq!(s.body, "Body");
    }

    #[test]
    fn errors() {
        assert_eq!(split(""), Err(SplitError::Missing { empty: true }));
        assert_eq!(split("# Title\n"), Err(SplitError::Missing { empty: false }));
        assert_eq!(split("---"), Err(SplitError::Unclosed));
        assert_eq!(split("---\n"), Err(SplitError::Unclosed));
        assert_eq!(split("---\ntitle: x\n"), Err(SplitError::Unclosed));
        let only = split("---\n---\n").unwrap();
        assert_eq!(only.yaml, "");
        assert_eq!(only.body, "");
    }

    proptest! {
        #[test]
        fn never_panics_and_parts_are_in_the_text(s in "\\PC*") {
            if let Ok(sp) = split(&s) {
                prop_assert!(s.contains(sp.yaml));
                prop_assert!(s.ends_with(sp.body));
            }
        }

        #[test]
        fn yaml_parser_never_panics(s in "(---\n)?[-:a-z \\[\\]{}&*!|>'\"#\n\t0-9]{0,200}") {
            let _ = crate::load::yaml::parse(&s);
            let _ = crate::load::parse_item_text(&s, "x.md", &crate::config::Config::default());
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = crate::load::parse_item_bytes(&bytes, "tasks/x.md", &crate::config::Config::default());
        }
    }
}
