//! The common shape of a front-matter, read without the event parser.
//!
//! Nearly every item's front-matter is a handful of `key: value` lines:
//! plain or simply quoted scalars, flow lists of plain words (`labels:
//! [a, b]`) and block lists of plain words (`depends_on:` then `  - x`
//! lines, whose entries may also be flow mappings of plain words, as in
//! `  - { id: a, lag: 2d }`). [`parse`] reads exactly that shape, line by line, into the same
//! [`Node`] tree with the same spans the event parser gives, and returns
//! `None` on anything else — a comment, a tab, a multi-line or escaped
//! scalar, an anchor, a tag, a nested mapping, an empty value, a character
//! YAML treats specially, a CR —, so that the full parser reads it and
//! reports whatever it has to say. It never decides an error: whatever it
//! accepts is a well-formed document.
//!
//! A test compares both on the example backlog, generated backlogs, the
//! unit tests' front-matter and random text from the characters YAML treats
//! specially (`tests` below and `tests/first_check.rs`).

use super::{resolve_plain, Node, Value};
use crate::model::Span;

/// Keys longer than this are left to the full parser (YAML limits an
/// implicit key to 1024 characters).
const MAX_KEY: usize = 512;
/// Documents with more values than this are left to the full parser (its
/// node budget).
const MAX_VALUES: usize = 4096;

/// The document as a mapping, if it has the common shape (lines relative
/// to `text`, as [`super::parse_document`] gives them).
pub fn parse(text: &str) -> Option<Node> {
    if !clean(text) {
        return None;
    }
    // The lines, split as they are needed (a `Vec` of them was a fifth of
    // this function's time).
    let mut lines = text.split('\n').peekable();
    let mut map: Vec<(Node, Node)> = Vec::new();
    let mut root: Option<Span> = None;
    let mut values = 0usize;
    let mut line_no = 0u32;
    while let Some(line) = lines.next() {
        line_no += 1;
        if line.is_empty() {
            continue;
        }
        let colon = line.find(':')?;
        let key = &line[..colon];
        if !is_key(key) {
            return None;
        }
        root.get_or_insert(Span::new(line_no, 1, 1));
        let key_node = Node { value: resolve_plain(key), span: Span::new(line_no, 1, key.len() as u32) };
        let rest = &line[colon + 1..];
        let value = if rest.is_empty() {
            // A block list on the next lines, each `- word` at one indent
            // (not 0: a list there starts at its first word, not its `-`).
            let first = *lines.peek()?;
            let indent = first.len() - first.trim_start_matches(' ').len();
            if indent == 0 || indent > 16 || !first[indent..].starts_with("- ") {
                return None;
            }
            let seq_line = line_no + 1;
            let mut items = Vec::new();
            while let Some(&l) = lines.peek() {
                if l.is_empty() {
                    // A blank line inside or after the list: only if a key
                    // (or the end) follows, never more of the list.
                    let next = lines.clone().find(|l| !l.is_empty());
                    if next.is_some_and(|l| l.starts_with(' ') || l.starts_with('-')) {
                        return None;
                    }
                    break;
                }
                let Some(entry) = l.get(indent..).and_then(|e| e.strip_prefix("- ")) else {
                    if l.starts_with(' ') || l.starts_with('-') {
                        return None;
                    }
                    break;
                };
                if l[..indent].bytes().any(|b| b != b' ') {
                    return None;
                }
                lines.next();
                line_no += 1;
                let word = entry.trim_start_matches(' ');
                let col = indent + 2 + (entry.len() - word.len());
                // Everything before the entry is ASCII: columns are bytes.
                items.push(inline(word, line_no, col as u32 + 1, &mut values)?);
            }
            values += items.len();
            Node { value: Value::Seq(items), span: Span::new(seq_line, indent as u32 + 1, 1) }
        } else {
            let v = rest.strip_prefix(' ')?.trim_start_matches(' ');
            // Everything before the value is ASCII: columns are bytes.
            let col = (line.len() - v.len()) as u32 + 1;
            inline(v, line_no, col, &mut values)?
        };
        values += 2;
        if values > MAX_VALUES {
            return None;
        }
        map.push((key_node, value));
    }
    let span = root?;
    Some(Node { value: Value::Map(map), span })
}

/// No character the fast path leaves to the full parser: no control
/// character (tabs and CRs included), no line break YAML 1.1 knew, no BOM,
/// no non-character.
fn clean(text: &str) -> bool {
    if text.is_ascii() {
        return !text.bytes().any(|b| (b < b' ' && b != b'\n') || b == 0x7f);
    }
    !text.chars().any(|c| {
        (c < ' ' && c != '\n')
            || ('\u{7f}'..='\u{9f}').contains(&c)
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}')
    })
}

/// A key as most front-matter writes it: a letter or `_`, then letters,
/// digits, `_` and `-`.
fn is_key(key: &str) -> bool {
    let b = key.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_KEY
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

/// The comma-separated parts of a flow collection's `inner` text (between
/// its brackets), trimmed of spaces, each with the characters before it in
/// the whole value (the bracket included). One pass: a long line costs
/// linear time.
fn flow_parts(inner: &str) -> impl Iterator<Item = (&str, u32)> {
    let mut before = 1; // the opening bracket
    inner.split(',').map(move |part| {
        let trimmed = part.trim_matches(' ');
        let lead = (part.len() - part.trim_start_matches(' ').len()) as u32;
        let at = before + lead;
        before += chars(part) + 1;
        (trimmed, at)
    })
}

fn chars(s: &str) -> u32 {
    if s.is_ascii() {
        s.len() as u32
    } else {
        s.chars().count() as u32
    }
}

/// A value on its key's line: a flow list of plain words, a quoted
/// scalar without escapes, or a plain scalar.
fn inline(v: &str, line: u32, col: u32, values: &mut usize) -> Option<Node> {
    let at = |len: u32| Span::new(line, col, len);
    match v.as_bytes().first()? {
        b'[' => {
            let inner = v.strip_prefix('[')?.strip_suffix(']')?;
            let mut items = Vec::new();
            if !inner.is_empty() {
                for (word, at) in flow_parts(inner) {
                    if !flow_plain(word) {
                        return None;
                    }
                    items.push(Node { value: resolve_plain(word), span: Span::new(line, col + at, chars(word)) });
                }
            }
            *values += items.len();
            Some(Node { value: Value::Seq(items), span: at(1) })
        }
        b'{' => {
            let inner = v.strip_prefix('{')?.strip_suffix('}')?;
            let mut pairs = Vec::new();
            if !inner.is_empty() {
                for (pair, at) in flow_parts(inner) {
                    let (key, rest) = pair.split_once(':')?;
                    let value = rest.strip_prefix(' ')?.trim_start_matches(' ');
                    if !is_key(key) || !flow_plain(value) {
                        return None;
                    }
                    // The key is ASCII: the value's column is the key's plus bytes.
                    let kc = col + at;
                    let vc = kc + (pair.len() - value.len()) as u32;
                    pairs.push((
                        Node { value: resolve_plain(key), span: Span::new(line, kc, key.len() as u32) },
                        Node { value: resolve_plain(value), span: Span::new(line, vc, chars(value)) },
                    ));
                }
            }
            *values += 2 * pairs.len();
            Some(Node { value: Value::Map(pairs), span: at(1) })
        }
        &q @ (b'"' | b'\'') => {
            let inner = v[1..].strip_suffix(q as char)?;
            if inner.contains(q as char) || (q == b'"' && inner.contains('\\')) {
                return None;
            }
            Some(Node { value: Value::Str(inner.to_string()), span: at(chars(inner) + 2) })
        }
        _ => Some(Node { value: block_plain(v)?, span: at(chars(v)) }),
    }
}

/// Whether a plain scalar could start with this byte.
fn plain_start(b: u8) -> bool {
    !matches!(
        b,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
            | b' '
    )
}

/// A plain scalar outside flow collections, on one line: no `: ` or ` #`
/// inside, nothing special first, no space or `:` last.
fn block_plain(s: &str) -> Option<Value> {
    let b = s.as_bytes();
    let ok = b.first().is_some_and(|&c| plain_start(c))
        && !matches!(b.last(), Some(b' ' | b':'))
        && !s.contains(": ")
        && !s.contains(" #");
    ok.then(|| resolve_plain(s))
}

/// A plain word inside `[…]`: no flow indicator, `:` or `#` at all.
fn flow_plain(s: &str) -> bool {
    let b = s.as_bytes();
    b.first().is_some_and(|&c| plain_start(c))
        && !b.iter().any(|&c| matches!(c, b',' | b'[' | b']' | b'{' | b'}' | b':' | b'#'))
}

#[cfg(test)]
mod tests {
    use super::super::{full_document, Node};
    use proptest::prelude::*;

    /// The fast path's tree, if it reads `text`, is the full parser's.
    pub fn agrees(text: &str) -> Result<bool, String> {
        let Some(fast) = super::parse(text) else { return Ok(false) };
        match full_document(text) {
            Ok(d) if d.ignored_tags.is_empty() && same(&d.root, &fast) => Ok(true),
            Ok(d) => Err(format!("{text:?}\nfull: {:?}\nfast: {fast:?}", d.root)),
            Err(e) => Err(format!("{text:?}\nfull refuses it: {e:?}\nfast: {fast:?}")),
        }
    }

    /// Equal trees (NaN equal to NaN).
    fn same(a: &Node, b: &Node) -> bool {
        format!("{a:?}") == format!("{b:?}")
    }

    #[test]
    fn the_common_shapes_are_read_as_the_full_parser_reads_them() {
        for text in [
            "title: Migrate the billing export (570)\nstatus: backlog\npriority: medium\nestimate: 13\nlabels: [security, security]\nparent: story-000570\ndepends_on:\n  - task-000569\ndue: 2027-06-17\n",
            "title: \"Quoted: with colon\"\nstatus: 'done'\n",
            "title: Café — naïve 🚀 résumé\nlabels: [é, ü,  ñ ,x]\nassignee: []\n",
            "a: 5\nb: 2.5\nc: \"5\"\nd: 2026-11-30\ne: 1.4.0\nf: true\nh: yes\ni: null\nj: ~\nk: 0x1F\nl: 1e3\nm: .inf\n",
            "list:\n    -   spaced\n    - more\n\nafter: blank\n",
            "x:  two spaces\ny: a,b [c] {d} e#f g:h\nz: []\nw: [a]\n",
            "\n\ntitle: after blank lines\n",
            "true: key\nnull: n\n",
            "dep:\n  - { id: a, lag: 2d }\n  - b\n  - [c, d]\n  - {id: é,  lag: 1}\ncap: { ana: 8, bo: 5.5 }\ne: {}\n",
        ] {
            assert_eq!(agrees(text), Ok(true), "{text:?}");
        }
    }

    #[test]
    fn anything_else_is_left_to_the_full_parser() {
        for text in [
            "",
            "# comment\ntitle: a\n",
            "title: a # comment\n",
            "title: a\r\n",
            "title:\ta\n",
            "title: a: b\n",
            "title: a:\n",
            "title: -5\n",
            "title: \"esc\\n\"\n",
            "title: 'it''s'\n",
            "title: &a x\n",
            "title: !!str x\n",
            "title: |\n  block\n",
            "title: multi\n  line\n",
            "dep:\n  - a\n - b\n",
            "dep:\n  - a\n\n  - b\n",
            "dep:\ntitle: x\n",
            "nested:\n  a: 1\n",
            "labels: [a, ]\n",
            "labels: [a: b]\n",
            "labels: [a\n",
            "key : x\n",
            "  indented: x\n",
            "title: trailing \n",
            "---\n",
            "%YAML 1.2\n",
            "list:\n- a\n- b\nnext: 1\n",
            "1: number key\n",
            "labels: [ ]\n",
            "cap: { a: 1, }\n",
            "cap: { a:1 }\n",
            "cap: { a: b: c }\n",
            "cap: { a: {b: c} }\n",
            "cap: { 'a': 1 }\n",
        ] {
            assert_eq!(agrees(text), Ok(false), "{text:?}");
        }
    }

    /// A line of front-matter, mostly of the common shape, with the
    /// characters YAML treats specially sprinkled in.
    fn line() -> impl Strategy<Value = String> {
        let value = "[a-z0-9 ,:#'\"\\[\\]{}&*!|>%@`.~é🚀\\\\-]{0,10}";
        prop_oneof![
            4 => ("(title|a|true|null|k-1|_x)", "(: |:  |:|: \\[| :)", value).prop_map(|(k, s, v)| format!("{k}{s}{v}")),
            2 => ("[a-z]{1,3}", value).prop_map(|(k, v)| format!("{k}: [{v}]")),
            2 => ("[a-z]{1,3}", value).prop_map(|(k, v)| format!("{k}: {{{v}}}")),
            2 => ("( {1,3})", value, value).prop_map(|(i, k, v)| format!("{i}- {{ {k}: {v} }}")),
            2 => ("( {0,3}|-)", "(- |-  |-)", value).prop_map(|(i, d, v)| format!("{i}{d}{v}")),
            1 => Just(String::new()),
            1 => "[a-z]{1,3}: \"[a-z '#:\\\\]{0,6}\"",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]
        #[test]
        fn random_front_matter_agrees(lines in proptest::collection::vec(line(), 0..8)) {
            let text = lines.join("\n") + "\n";
            prop_assert!(agrees(&text).is_ok(), "{}", agrees(&text).unwrap_err());
        }
    }

    /// The random front-matter above takes the fast path often enough to
    /// test it.
    #[test]
    fn the_random_front_matter_often_takes_the_fast_path() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = proptest::collection::vec(line(), 1..4);
        let fast = (0..2000)
            .filter(|_| {
                let text = strategy.new_tree(&mut runner).unwrap().current().join("\n") + "\n";
                agrees(&text).unwrap()
            })
            .count();
        assert!(fast > 100, "only {fast} of 2000 took the fast path");
    }
}
