//! An item file as text with the byte range of every front-matter value,
//! so an edit can replace exactly the bytes of one value and keep every
//! other byte (comments, quoting, flow or block style, CRLF, a BOM, the
//! body) as it was.
//!
//! The ranges come from the same YAML event parser the loader uses
//! (granit-parser under serde-saphyr; see `load::yaml`), which reports the
//! byte span of every scalar and collection and every comment.

use std::ops::Range;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, StructureStyle};

use crate::load::frontmatter;

/// A YAML node with its byte range in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct YNode {
    pub range: Range<usize>,
    pub kind: YKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum YKind {
    /// A scalar: its value after escapes, and how it was written.
    Scalar {
        text: String,
        style: ScalarStyle,
    },
    Seq {
        flow: bool,
        items: Vec<YNode>,
    },
    Map {
        flow: bool,
        entries: Vec<(YNode, YNode)>,
    },
    Alias,
}

impl YNode {
    /// The scalar's text, if it is one.
    pub fn text(&self) -> Option<&str> {
        match &self.kind {
            YKind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A plain empty scalar: `key:` with nothing after it.
    pub fn is_empty_null(&self) -> bool {
        matches!(&self.kind, YKind::Scalar { text, style: ScalarStyle::Plain } if text.is_empty() || text == "~")
            && self.range.is_empty()
    }

    /// Every scalar below (and including) this node, depth first.
    pub fn scalars<'a>(&'a self, out: &mut Vec<&'a YNode>) {
        match &self.kind {
            YKind::Scalar { .. } => out.push(self),
            YKind::Seq { items, .. } => items.iter().for_each(|n| n.scalars(out)),
            YKind::Map { entries, .. } => entries.iter().for_each(|(k, v)| {
                k.scalars(out);
                v.scalars(out);
            }),
            YKind::Alias => {}
        }
    }
}

/// One top-level key of the front-matter and where its text is.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    /// Start of the comment lines right above the key (= `start` if none).
    pub lead: usize,
    /// Start of the key's line.
    pub start: usize,
    /// Just after the `:` that follows the key.
    pub colon: usize,
    /// The value's bytes (empty, at `colon`, for `key:` with no value).
    pub value: Range<usize>,
    /// End of the entry's last line (after its line break).
    pub end: usize,
    pub node: YNode,
}

/// Why a file cannot be edited in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocError {
    /// No front-matter, or YAML that does not parse: fix the file first.
    Unreadable(String),
    /// Valid, but written in a way cairn does not edit in place.
    Unsupported(String),
}

impl std::fmt::Display for DocError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocError::Unreadable(m) | DocError::Unsupported(m) => f.write_str(m),
        }
    }
}

/// An item file, parsed for editing.
#[derive(Clone, Debug)]
pub struct Doc<'t> {
    pub text: &'t str,
    /// `"\r\n"` when the file's first line ends so, else `"\n"`.
    pub nl: &'static str,
    /// The YAML between the fences.
    pub yaml: Range<usize>,
    /// Where the body starts (after the closing fence's line).
    pub body_start: usize,
    pub entries: Vec<Entry>,
    /// Every comment in the front-matter (`#` to the end of its line).
    pub comments: Vec<Range<usize>>,
}

fn line_start(text: &str, at: usize) -> usize {
    // Bytes, not `str` slices: `at` may be inside a multi-byte character
    // (the last byte of a value ending in `🐛`), and `\n` is never part of one.
    text.as_bytes()[..at].iter().rposition(|&b| b == b'\n').map(|i| i + 1).unwrap_or(0)
}

/// The end of the line holding byte `at` (after its `\n`, or the limit).
fn line_end(text: &str, at: usize, limit: usize) -> usize {
    text.as_bytes()[at..limit].iter().position(|&b| b == b'\n').map(|i| at + i + 1).unwrap_or(limit)
}

/// A blank line or a comment line (the `#` may be indented).
fn is_lead_line(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

impl<'t> Doc<'t> {
    /// Parses `text` (a whole file, BOM included).
    pub fn parse(text: &'t str) -> Result<Doc<'t>, DocError> {
        let bom = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
        let rest = &text[bom..];
        let split = frontmatter::split(rest).map_err(|e| DocError::Unreadable(e.message().to_string()))?;
        let first_line = rest.split_inclusive('\n').next().unwrap_or("");
        let nl = if first_line.ends_with("\r\n") { "\r\n" } else { "\n" };
        let yaml_off = bom + (split.yaml.as_ptr() as usize - rest.as_ptr() as usize);
        let yaml = yaml_off..yaml_off + split.yaml.len();
        let body_start = text.len() - split.body.len();
        let (root, comments) = tree_lenient(split.yaml, yaml_off)?;
        let mut doc = Doc { text, nl, yaml: yaml.clone(), body_start, entries: Vec::new(), comments };
        let Some(root) = root else { return Ok(doc) };
        let YKind::Map { flow, entries } = root.kind else {
            return match root.kind {
                YKind::Scalar { ref text, .. } if text.is_empty() || text == "~" => Ok(doc),
                _ => Err(DocError::Unreadable("the front-matter is not a mapping of fields".into())),
            };
        };
        if flow {
            return Err(DocError::Unsupported(
                "the front-matter is one flow mapping (`{…}`); write one `key: value` a line to edit it".into(),
            ));
        }
        let n = entries.len();
        let mut out: Vec<Entry> = Vec::with_capacity(n);
        for (k, v) in entries {
            let Some(key) = k.text().map(str::to_string) else {
                return Err(DocError::Unsupported("a key that is not a plain name".into()));
            };
            let start = line_start(text, k.range.start);
            if start != k.range.start {
                return Err(DocError::Unsupported(format!(
                    "key `{key}` does not start its line; cairn edits front-matter written one `key: value` a line"
                )));
            }
            // The `:` after the key (after optional spaces).
            let after = &text[k.range.end..yaml.end];
            let gap = after.len() - after.trim_start_matches([' ', '\t']).len();
            if !after[gap..].starts_with(':') {
                return Err(DocError::Unsupported(format!("no `:` after key `{key}`")));
            }
            let colon = k.range.end + gap + 1;
            let value = if v.is_empty_null() {
                colon..colon
            } else {
                // Block scalars start at their `|`/`>` indicator; anchors
                // and tags before the node are part of the value too.
                let rest = &text[colon..v.range.start.max(colon)];
                let skip = rest.len() - rest.trim_start_matches([' ', '\t']).len();
                let vs = if rest[skip..].starts_with(['\r', '\n', '#']) || skip == rest.len() {
                    v.range.start
                } else {
                    colon + skip
                };
                let mut ve = v.range.end.max(vs);
                if matches!(v.kind, YKind::Seq { flow: false, .. } | YKind::Map { flow: false, .. }) {
                    // A block collection runs to the end of its last line.
                    let le = line_end(text, ve.max(vs + 1) - 1, yaml.end);
                    ve = le - text[..le].len() + text[..le].trim_end_matches(['\n', '\r']).len();
                }
                vs.min(v.range.start)..ve
            };
            let last = if value.is_empty() { colon } else { value.end - 1 };
            let end = line_end(text, last.max(start), yaml.end);
            out.push(Entry { key, lead: start, start, colon, value, end, node: v });
        }
        // Leading comments: the comment lines right above a key (with blank
        // lines between them and the key), after the previous entry's end.
        let mut prev_end = yaml.start;
        for e in &mut out {
            let mut lead = e.start;
            let mut first_comment = None;
            while lead > prev_end {
                let ls = line_start(text, lead - 1);
                let line = &text[ls.max(prev_end)..lead];
                if ls < prev_end || !is_lead_line(line) {
                    break;
                }
                if line.trim().starts_with('#') {
                    first_comment = Some(ls);
                }
                lead = ls;
            }
            e.lead = first_comment.unwrap_or(e.start);
            prev_end = e.end;
        }
        doc.entries = out;
        Ok(doc)
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// Whether a comment lies inside `r` (outside any scalar in `node`).
    pub fn has_comment_in(&self, r: &Range<usize>) -> bool {
        self.comments.iter().any(|c| c.start >= r.start && c.start < r.end)
    }

    /// The text after the value on its last line (spaces and an inline comment).
    pub fn trailer(&self, e: &Entry) -> &'t str {
        if self.text[e.value.clone()].ends_with('\n') {
            return ""; // a block scalar ends with its line
        }
        let from = if e.value.is_empty() { e.colon } else { e.value.end };
        let to = line_end(self.text, from, e.end);
        self.text[from..to].trim_end_matches(['\n', '\r'])
    }
}

/// [`tree`], and when the YAML does not parse only because of unquoted
/// `@name` or `` `x` `` scalars (Backlog.md writes `assignee: @ana`), the
/// tree of its lenient reading (`config::dialect::lenient_yaml`) with every
/// range mapped back onto the text as written. So cairn edits such files
/// whatever `yaml.lenient` says; `check` still reports them without it.
fn tree_lenient(yaml: &str, off: usize) -> Result<(Option<YNode>, Vec<Range<usize>>), DocError> {
    use crate::config::dialect;
    let err = match tree(yaml, off) {
        Ok(t) => return Ok(t),
        Err(e) => e,
    };
    let std::borrow::Cow::Owned(lenient) = dialect::lenient_yaml(yaml) else { return Err(err) };
    let Ok((root, comments)) = tree(&lenient, 0) else { return Err(err) };
    let ins = dialect::lenient_insertions(yaml, &lenient);
    let map =
        |r: &Range<usize>| off + dialect::original_offset(&ins, r.start)..off + dialect::original_offset(&ins, r.end);
    fn walk(n: &mut YNode, map: &dyn Fn(&Range<usize>) -> Range<usize>) {
        n.range = map(&n.range);
        match &mut n.kind {
            YKind::Seq { items, .. } => items.iter_mut().for_each(|c| walk(c, map)),
            YKind::Map { entries, .. } => entries.iter_mut().for_each(|(k, v)| {
                walk(k, map);
                walk(v, map);
            }),
            YKind::Scalar { .. } | YKind::Alias => {}
        }
    }
    let mut root = root;
    if let Some(r) = root.as_mut() {
        walk(r, &map);
    }
    Ok((root, comments.iter().map(map).collect()))
}

/// Builds the node tree of a YAML text; ranges are shifted by `off`.
fn tree(yaml: &str, off: usize) -> Result<(Option<YNode>, Vec<Range<usize>>), DocError> {
    let mut parser = Parser::new_from_str(yaml);
    let mut stack: Vec<(YNode, Option<YNode>)> = Vec::new();
    let mut root = None;
    let mut comments = Vec::new();
    let mut nodes = 0usize;
    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.map_err(|e| DocError::Unreadable(format!("YAML syntax error: {}", e.info())))?;
        let (Some(a), Some(z)) = (span.start.byte_offset(), span.end.byte_offset()) else {
            return Err(DocError::Unreadable("YAML positions are not available".into()));
        };
        let r = off + a..off + z.max(a);
        nodes += 1;
        if nodes > 200_000 || stack.len() > 64 {
            return Err(DocError::Unreadable("front-matter too large or too deeply nested".into()));
        }
        let node = match ev {
            Event::Comment(..) => {
                comments.push(r);
                continue;
            }
            Event::Scalar(v, style, _, _) => YNode { range: r, kind: YKind::Scalar { text: v.into_owned(), style } },
            Event::Alias(_) | Event::UnresolvedAlias(_) => YNode { range: r, kind: YKind::Alias },
            Event::SequenceStart(style, _, _) => {
                let flow = style == StructureStyle::Flow;
                stack.push((YNode { range: r, kind: YKind::Seq { flow, items: Vec::new() } }, None));
                continue;
            }
            Event::MappingStart(style, _, _) => {
                let flow = style == StructureStyle::Flow;
                stack.push((YNode { range: r, kind: YKind::Map { flow, entries: Vec::new() } }, None));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some((mut n, _)) = stack.pop() else { continue };
                let flow = matches!(n.kind, YKind::Seq { flow: true, .. } | YKind::Map { flow: true, .. });
                n.range.end = if flow {
                    r.end
                } else {
                    // A block collection ends with its last child (the
                    // parser reports its end at the next token).
                    let last = match &n.kind {
                        YKind::Seq { items, .. } => items.last().map(|c| c.range.end),
                        YKind::Map { entries, .. } => entries.last().map(|(_, v)| v.range.end.max(v.range.start)),
                        _ => None,
                    };
                    last.unwrap_or(n.range.start).max(n.range.start)
                };
                n
            }
            _ => continue,
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some((parent, key)) => match &mut parent.kind {
                YKind::Seq { items, .. } => items.push(node),
                YKind::Map { entries, .. } => match key.take() {
                    None => *key = Some(node),
                    Some(k) => entries.push((k, node)),
                },
                _ => {}
            },
        }
    }
    Ok((root, comments))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquoted_at_names_parse_with_ranges_in_the_text_as_written() {
        let t = "---\nid: B-1\nassignee: @ana # lead\nlabels: [@x, y, @z]\nwatchers:\n  - @bo\n  - 'it''s'\ntitle: T\n---\nbody\n";
        let d = Doc::parse(t).unwrap();
        let val = |k: &str| &t[d.get(k).unwrap().value.clone()];
        assert_eq!(val("assignee"), "@ana");
        assert_eq!(val("labels"), "[@x, y, @z]");
        assert_eq!(val("watchers"), "- @bo\n  - 'it''s'");
        assert_eq!(val("title"), "T");
        assert_eq!(d.trailer(d.get("assignee").unwrap()), " # lead");
        assert_eq!(d.get("assignee").unwrap().node.text(), Some("@ana"));
        assert_eq!(d.comments.iter().map(|c| &t[c.clone()]).collect::<Vec<_>>(), ["# lead"]);
    }

    const TEXT: &str = "---\ntitle: \"Quoted\"  # c\nstatus: ready\ndue:\nlabels:\n  - a\n  # mid\n  - \"b\"\n# lead\n\ndesc: |\n  line1\n\n  line2\nflow: [a, {id: b, lag: 2d}]\nplain: multi\n  line\n# trailing\n---\nBody\n";

    #[test]
    fn ranges_of_values() {
        let d = Doc::parse(TEXT).unwrap();
        let keys: Vec<&str> = d.entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["title", "status", "due", "labels", "desc", "flow", "plain"]);
        let v = |k: &str| &TEXT[d.get(k).unwrap().value.clone()];
        assert_eq!(v("title"), "\"Quoted\"");
        assert_eq!(v("status"), "ready");
        assert_eq!(v("due"), "");
        assert_eq!(v("labels"), "- a\n  # mid\n  - \"b\"");
        assert_eq!(v("desc"), "|\n  line1\n\n  line2\n");
        assert_eq!(v("flow"), "[a, {id: b, lag: 2d}]");
        assert_eq!(v("plain"), "multi\n  line");
        assert_eq!(d.trailer(d.get("title").unwrap()), "  # c");
        let desc = d.get("desc").unwrap();
        assert_eq!(&TEXT[desc.lead..desc.start], "# lead\n\n");
        assert_eq!(&TEXT[d.body_start..], "Body\n");
        assert_eq!(&TEXT[d.yaml.clone()].lines().last(), &Some("# trailing"));
        let plain = d.get("plain").unwrap();
        assert_eq!(&TEXT[plain.end..d.yaml.end], "# trailing\n");
    }

    #[test]
    fn values_ending_in_a_multi_byte_character() {
        let text = "---\ntitle: Crash on 🐛\nlabels:\n  - é\nstatus: done\n---\n";
        let d = Doc::parse(text).unwrap();
        assert_eq!(&text[d.get("title").unwrap().value.clone()], "Crash on 🐛");
        let labels = d.get("labels").unwrap();
        assert_eq!(&text[labels.value.clone()], "- é");
        assert_eq!(&text[labels.end..], "status: done\n---\n");
    }

    #[test]
    fn bom_crlf_and_errors() {
        let t = "\u{feff}---\r\ntitle: A\r\nstatus: done\r\n---\r\nB\r\n";
        let d = Doc::parse(t).unwrap();
        assert_eq!(d.nl, "\r\n");
        assert_eq!(&t[d.get("status").unwrap().value.clone()], "done");
        assert_eq!(d.get("title").unwrap().end, d.get("status").unwrap().start);
        assert!(matches!(Doc::parse("no front matter"), Err(DocError::Unreadable(_))));
        assert!(matches!(Doc::parse("---\ntitle: [a\n---\n"), Err(DocError::Unreadable(_))));
        assert!(matches!(Doc::parse("---\n{title: a}\n---\n"), Err(DocError::Unsupported(_))));
        assert!(matches!(Doc::parse("---\ntitle: [a\nwho: @x\n---\n"), Err(DocError::Unreadable(_))));
        assert!(Doc::parse("---\n---\n").unwrap().entries.is_empty());
        assert!(Doc::parse("---\n# only a comment\n---\n").unwrap().entries.is_empty());
    }
}
