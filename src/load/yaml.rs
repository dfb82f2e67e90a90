//! YAML with a position on every node, on serde-saphyr.
//!
//! The front-matter is read into a small tree of [`Node`]s (scalars,
//! sequences, mappings with their keys in order, duplicates kept), so the
//! item builder can report every problem of a file in one pass, each at the
//! line and column of the offending key or value.

use crate::model::Span;
pub use crate::util::yaml::{error_message, options};

/// A YAML value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A YAML value and its position (lines relative to the YAML text).
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

impl Value {
    /// What a user would call this value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The value as JSON (mapping keys as strings).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map(J::Number).unwrap_or(J::Null),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(v) => J::Array(v.iter().map(|n| n.value.to_json()).collect()),
            Value::Map(m) => {
                let mut o = serde_json::Map::new();
                for (k, v) in m {
                    o.insert(k.value.scalar_text(), v.value.to_json());
                }
                J::Object(o)
            }
        }
    }

    /// A scalar as text (for keys and messages).
    pub fn scalar_text(&self) -> String {
        match self {
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Str(s) => s.clone(),
            Value::Seq(_) => "[…]".into(),
            Value::Map(_) => "{…}".into(),
        }
    }
}

impl Node {
    /// Shifts the node's lines by `by` (YAML lines → file lines).
    pub fn shift_lines(&mut self, by: u32) {
        self.span.line += by;
        match &mut self.value {
            Value::Seq(v) => v.iter_mut().for_each(|n| n.shift_lines(by)),
            Value::Map(m) => m.iter_mut().for_each(|(k, v)| {
                k.shift_lines(by);
                v.shift_lines(by);
            }),
            _ => {}
        }
    }
}

/// Limits that keep hostile YAML (alias bombs, absurd nesting) cheap.
const MAX_DEPTH: usize = 64;
const MAX_NODES: usize = 100_000;

/// A parsed document, and the YAML tags in it that cairn did not apply.
#[derive(Debug)]
pub struct Document {
    pub root: Node,
    /// Each tag cairn ignored (every tag but `!!str` and `!` on a scalar),
    /// as written, at the node it tags.
    pub ignored_tags: Vec<(Span, String)>,
}

/// Parses one YAML document into a [`Node`] (lines relative to `text`).
/// See [`parse_document`].
pub fn parse(text: &str) -> Result<Node, (Span, String)> {
    parse_document(text).map(|d| d.root)
}

/// Parses one YAML document into a [`Node`] (lines relative to `text`),
/// and lists the tags it ignored.
///
/// Built directly on the YAML event parser (granit-parser, the parser under
/// serde-saphyr): one pass, positions from the events, no serde machinery.
/// Indentation is checked as the YAML spec says (a flow collection's later
/// lines are indented more than the block it is in: yaml-test-suite 9C9N is
/// an error). The text is one document: `%` directives and `---`/`...`
/// markers are refused. Aliases are expanded under a node budget, so an
/// alias bomb is an error, not an out-of-memory; nesting deeper than 64
/// levels is an error too.
pub fn parse_document(text: &str) -> Result<Document, (Span, String)> {
    if FAST_PATH.load(std::sync::atomic::Ordering::Relaxed) {
        if let Some(root) = simple::parse(text) {
            return Ok(Document { root, ignored_tags: Vec::new() });
        }
    }
    full_document(text)
}

static FAST_PATH: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// Turns the fast path of [`parse_document`] ([`simple::parse`]) on (the
/// default) or off, for the whole process: tests load a backlog both ways
/// and compare what `check` reports.
pub fn set_fast_path(on: bool) {
    FAST_PATH.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// [`parse_document`] on the event parser alone (the reference the fast
/// path [`simple::parse`] is compared with).
pub fn full_document(text: &str) -> Result<Document, (Span, String)> {
    one_document(text)?;
    let mut b = TreeBuilder { text, anchors: HashMap::new(), nodes: 0, ignored_tags: Vec::new() };
    let root = b.document()?;
    Ok(Document { root, ignored_tags: b.ignored_tags })
}

/// Refuses a `%` directive or a `---`/`...` document marker (at the start of
/// a line, where YAML reads them as such): a front-matter is one document.
fn one_document(text: &str) -> Result<(), (Span, String)> {
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let at = |len: usize| Span::new(i as u32 + 1, 1, len as u32);
        if line.starts_with('%') {
            let word = line.split([' ', '\t']).next().unwrap_or(line);
            return Err((
                at(word.chars().count()),
                format!(
                    "directive `{}` in front-matter: the front-matter holds one YAML document, without `%` directives",
                    truncate(word, 20)
                ),
            ));
        }
        for marker in ["---", "..."] {
            if line.strip_prefix(marker).is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t'])) {
                return Err((
                    at(3),
                    format!("document marker `{marker}` in front-matter: the front-matter holds one YAML document; `---` lines only open and close it"),
                ));
            }
        }
    }
    Ok(())
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

use std::collections::HashMap;

pub mod simple;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, ScanError, Span as GSpan, Tag};

struct TreeBuilder<'a> {
    text: &'a str,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    ignored_tags: Vec<(Span, String)>,
}

/// A tag as written (`!!python/object/apply:os.system`, `!secret`).
fn tag_text(t: &Tag) -> String {
    format!("{}{}", t.original_handle(), t.suffix())
}

/// How far before its node a tag is looked for on the node's line.
const TAG_WINDOW: usize = 512;

/// `!!str`, or the non-specific `!`: the scalar is a string as written.
fn is_string_tag(t: &Tag) -> bool {
    t.is_yaml_core_schema_tag("str") || (t.handle().is_empty() && t.suffix() == "!")
}

/// The options of the event parser: indentation as the spec says.
fn parser_options() -> serde_saphyr::granit_parser::Options {
    let mut o = serde_saphyr::granit_parser::Options::default();
    o.strict_indentation = true;
    o.disallow_directives = true;
    o
}

/// An open collection: the node being filled, the pending key of a
/// mapping, and the anchor id to record when it closes (0: none).
struct Frame {
    node: Node,
    key: Option<Node>,
    anchor: usize,
}

fn scan_error(e: &ScanError) -> (Span, String) {
    let m = e.marker();
    let mut msg = e.info().to_string();
    if msg.starts_with("invalid indentation") {
        msg.push_str(": a `[…]`, `{…}` or quoted value continued on later lines must indent them more than its key (its closing bracket too)");
    }
    (Span::new(m.line().max(1) as u32, m.col() as u32 + 1, 1), msg)
}

impl TreeBuilder<'_> {
    fn span(&self, s: &GSpan) -> Span {
        let (a, z) = (&s.start, &s.end);
        let len = if z.line() == a.line() && z.index() > a.index() {
            z.index() - a.index()
        } else {
            // A multi-line token: underline to the end of its first line
            // (found from the token's own offset: no walk over the lines
            // before it, which made many such tokens quadratic).
            let rest = a.byte_offset().and_then(|b| self.text.get(b..)).unwrap_or("");
            let line = rest.split('\n').next().unwrap_or("");
            line.strip_suffix('\r').unwrap_or(line).chars().count().max(1)
        };
        Span::new(a.line().max(1) as u32, a.col() as u32 + 1, len.max(1) as u32)
    }

    /// Records a tag cairn does not apply, at the tag itself when it is on
    /// the node's line shortly before it, else at the node.
    fn ignore_tag(&mut self, t: &Tag, node: Span, s: &GSpan) {
        let text = tag_text(t);
        let mut at = node;
        if let Some(end) = s.start.byte_offset().filter(|&b| self.text.is_char_boundary(b)) {
            let mut from = end.saturating_sub(TAG_WINDOW);
            while !self.text.is_char_boundary(from) {
                from += 1;
            }
            let before = &self.text[from..end];
            let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
            if let Some(i) = line.rfind(text.as_str()) {
                let back = line[i..].chars().count() as u32;
                if back < node.col {
                    at = Span::new(node.line, node.col - back, text.chars().count() as u32);
                }
            }
        }
        self.ignored_tags.push((at, text));
    }

    fn count(&mut self, n: usize, at: Span) -> Result<(), (Span, String)> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err((at, format!("document too large: more than {MAX_NODES} values (an alias bomb?)")));
        }
        Ok(())
    }

    fn document(&mut self) -> Result<Node, (Span, String)> {
        let mut parser = Parser::new_from_str_with_options(self.text, parser_options());
        let mut stack: Vec<Frame> = Vec::new();
        let mut root: Option<Node> = None;
        let mut docs = 0;
        while let Some(ev) = parser.next_event() {
            let (ev, gspan) = ev.map_err(|e| scan_error(&e))?;
            let at = self.span(&gspan);
            let (node, anchor) = match ev {
                Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Anchor(..) => continue,
                #[allow(unreachable_patterns)]
                Event::DocumentStart(..) => {
                    docs += 1;
                    if docs > 1 {
                        return Err((at, "more than one YAML document in the front-matter".into()));
                    }
                    continue;
                }
                Event::Alias(id) => {
                    let Some(n) = self.anchors.get(&id).cloned() else {
                        return Err((at, "alias to an unknown anchor".into()));
                    };
                    self.count(count_nodes(&n), at)?;
                    (Node { value: n.value, span: at }, 0)
                }
                Event::UnresolvedAlias(name) => return Err((at, format!("unknown anchor `{name}`"))),
                Event::Scalar(v, style, anchor, tag) => {
                    self.count(1, at)?;
                    let is_str_tag = match &tag {
                        Some(t) if is_string_tag(t) => true,
                        Some(t) => {
                            self.ignore_tag(t, at, &gspan);
                            false
                        }
                        None => false,
                    };
                    let value = if style == ScalarStyle::Plain && !is_str_tag {
                        resolve_plain(&v)
                    } else {
                        Value::Str(v.into_owned())
                    };
                    (Node { value, span: at }, anchor)
                }
                Event::SequenceStart(_, anchor, tag) => {
                    self.count(1, at)?;
                    if let Some(t) = &tag {
                        self.ignore_tag(t, at, &gspan);
                    }
                    if stack.len() >= MAX_DEPTH {
                        return Err((at, format!("values nested deeper than {MAX_DEPTH} levels")));
                    }
                    stack.push(Frame {
                        node: Node { value: Value::Seq(Vec::new()), span: Span { len: 1, ..at } },
                        key: None,
                        anchor,
                    });
                    continue;
                }
                Event::MappingStart(_, anchor, tag) => {
                    self.count(1, at)?;
                    if let Some(t) = &tag {
                        self.ignore_tag(t, at, &gspan);
                    }
                    if stack.len() >= MAX_DEPTH {
                        return Err((at, format!("values nested deeper than {MAX_DEPTH} levels")));
                    }
                    stack.push(Frame {
                        node: Node { value: Value::Map(Vec::new()), span: Span { len: 1, ..at } },
                        key: None,
                        anchor,
                    });
                    continue;
                }
                Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                    Some(f) => (f.node, f.anchor),
                    None => continue,
                },
                #[allow(unreachable_patterns)]
                _ => continue,
            };
            if anchor > 0 {
                self.anchors.insert(anchor, node.clone());
            }
            match stack.last_mut() {
                None => root = Some(node),
                Some(f) => match &mut f.node.value {
                    Value::Seq(v) => v.push(node),
                    Value::Map(v) => match f.key.take() {
                        None => f.key = Some(node),
                        Some(k) => v.push((k, node)),
                    },
                    _ => {}
                },
            }
        }
        Ok(root.unwrap_or(Node { value: Value::Null, span: Span::new(1, 1, 1) }))
    }
}

fn count_nodes(n: &Node) -> usize {
    match &n.value {
        Value::Seq(v) => 1 + v.iter().map(count_nodes).sum::<usize>(),
        Value::Map(m) => 1 + m.iter().map(|(k, v)| count_nodes(k) + count_nodes(v)).sum::<usize>(),
        _ => 1,
    }
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let b = s.as_bytes();
    let digits = |x: &[u8]| !x.is_empty() && x.iter().all(u8::is_ascii_digit);
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits(unsigned.as_bytes()) {
        return s
            .parse::<i64>()
            .map(Value::Int)
            .unwrap_or_else(|_| s.parse::<f64>().map(Value::Float).unwrap_or(Value::Str(s.into())));
    }
    if let Some(h) = s.strip_prefix("0x") {
        if !h.is_empty() && h.bytes().all(|c| c.is_ascii_hexdigit()) {
            return i64::from_str_radix(h, 16).map(Value::Int).unwrap_or(Value::Str(s.into()));
        }
    }
    if let Some(o) = s.strip_prefix("0o") {
        if !o.is_empty() && o.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
            return i64::from_str_radix(o, 8).map(Value::Int).unwrap_or(Value::Str(s.into()));
        }
    }
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let is_float = {
        let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
        let int_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let int_digits = i - int_start;
        let mut frac_digits = 0;
        let mut dot = false;
        if i < b.len() && b[i] == b'.' {
            dot = true;
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
                frac_digits += 1;
            }
        }
        let mut ok = (int_digits > 0 || frac_digits > 0) && (dot || (i < b.len()));
        if ok && i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            if i < b.len() && matches!(b[i], b'-' | b'+') {
                i += 1;
            }
            let exp_start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            ok = i > exp_start;
        }
        ok && i == b.len()
    };
    if is_float {
        if let Ok(f) = s.parse::<f64>() {
            return Value::Float(f);
        }
    }
    Value::Str(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Node {
        parse(s).unwrap()
    }

    #[test]
    fn positions_of_keys_and_values() {
        let n = p("title: Hello\nstatus: inprogress\nlist:\n  - a\n  - { id: b, lag: 2d }\n");
        let Value::Map(m) = &n.value else { panic!("{n:?}") };
        assert_eq!(m[1].0.span, Span::new(2, 1, 6));
        assert_eq!(m[1].1.span, Span::new(2, 9, 10));
        assert_eq!(m[1].1.value, Value::Str("inprogress".into()));
        let Value::Seq(items) = &m[2].1.value else { panic!() };
        assert_eq!(items[0].span.line, 4);
        assert_eq!(items[0].span.col, 5);
    }

    #[test]
    fn scalars_keep_their_types() {
        let n = p("a: 5\nb: 2.5\nc: \"5\"\nd: 2026-11-30\ne: 1.4.0\nf: true\ng:\nh: yes\n");
        let Value::Map(m) = &n.value else { panic!() };
        let vals: Vec<&Value> = m.iter().map(|(_, v)| &v.value).collect();
        assert_eq!(vals[0], &Value::Int(5));
        assert_eq!(vals[1], &Value::Float(2.5));
        assert_eq!(vals[2], &Value::Str("5".into()));
        assert_eq!(vals[3], &Value::Str("2026-11-30".into()));
        assert_eq!(vals[4], &Value::Str("1.4.0".into()));
        assert_eq!(vals[5], &Value::Bool(true));
        assert_eq!(vals[6], &Value::Null);
    }

    #[test]
    fn quoted_values_are_underlined_with_quotes() {
        let n = p("title: \"Quoted\"\n");
        let Value::Map(m) = &n.value else { panic!() };
        assert_eq!(m[0].1.span, Span::new(1, 8, 8));
    }

    #[test]
    fn duplicate_keys_are_kept() {
        let n = p("a: 1\na: 2\n");
        let Value::Map(m) = &n.value else { panic!() };
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn errors_have_positions() {
        let (span, msg) = parse("a: 1\nb: [1, 2\n").unwrap_err();
        assert!(span.line >= 2, "{span:?} {msg}");
        let (span, _) = parse("a:\n\t- b\n").unwrap_err();
        assert!(span.line >= 1);
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='z' {
            s.push_str(&format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
            prev = c;
        }
        assert!(parse(&s).is_err());
    }

    /// yaml-test-suite 9C9N: a flow sequence whose later lines are not
    /// indented more than the block it is in is an error (YAML 1.2,
    /// s-l+flow-in-block(n) continues at n+1), and so are its look-alikes.
    #[test]
    fn under_indented_flow_collections_are_errors() {
        let (span, msg) = parse("flow: [a,\nb,\nc]\n").unwrap_err();
        assert_eq!((span.line, span.col), (2, 1));
        assert!(msg.starts_with("invalid indentation"), "{msg}");
        for bad in ["flow: [a,\n  b\n]\n", "k:\n- [a,\nb]\n", "- k: [a,\n  b]\n", "a: {b: 1,\nc: 2}\n", "k: \"a\nb\"\n"]
        {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
        for good in
            ["flow: [a,\n  b,\n  c]\n", "flow: [a,\n b\n ]\n", "- [a,\n b]\n", "- k: [a,\n   b]\n", "k: \"a\n  b\"\n"]
        {
            assert!(parse(good).is_ok(), "{good:?} refused: {:?}", parse(good));
        }
    }

    #[test]
    fn one_document_without_directives_or_markers() {
        for (text, line, word) in [
            ("%YAML 1.2\ntitle: a\n", 1, "directive `%YAML`"),
            ("title: a\n%TAG ! tag:x,2000:\n", 2, "directive `%TAG`"),
            ("title: a\n...\n", 2, "document marker `...`"),
            ("title: a\n...\nstatus: b\n", 2, "document marker `...`"),
            ("title: a\n--- x\n", 2, "document marker `---`"),
            ("title: a\r\n---\r\n", 2, "document marker `---`"),
        ] {
            let (span, msg) = parse(text).unwrap_err();
            assert_eq!((span.line, span.col), (line, 1), "{text:?}");
            assert!(msg.starts_with(word) && msg.contains("one YAML document"), "{text:?}: {msg}");
            assert!(!msg.contains("did not find expected"), "{msg}");
        }
        // Not markers: inside a line, or with more after them.
        let n = p("a: --- x\nb: '...'\n---x: 1\n");
        assert!(matches!(n.value, Value::Map(ref m) if m.len() == 3), "{n:?}");
    }

    #[test]
    fn tags_are_listed_and_not_applied() {
        let d = parse_document("x: !!python/object/apply:os.system [\"ls\"]\ny: !secret 5\nz: !!str 5\nw: ! 5\nv: !!int \"5\"\nm: !thing {a: 1}\n").unwrap();
        let tags: Vec<(Span, &str)> = d.ignored_tags.iter().map(|(s, t)| (*s, t.as_str())).collect();
        let at = |line, col, tag: &'static str| (Span::new(line, col, tag.chars().count() as u32), tag);
        assert_eq!(
            tags,
            vec![
                at(1, 4, "!!python/object/apply:os.system"),
                at(2, 4, "!secret"),
                at(5, 4, "!!int"),
                at(6, 4, "!thing")
            ]
        );
        let Value::Map(m) = &d.root.value else { panic!() };
        let vals: Vec<&Value> = m.iter().map(|(_, v)| &v.value).collect();
        assert!(matches!(vals[0], Value::Seq(v) if v[0].value == Value::Str("ls".into())), "plain data, not an object");
        assert_eq!(vals[1], &Value::Int(5));
        assert_eq!(vals[2], &Value::Str("5".into()), "!!str applies");
        assert_eq!(vals[3], &Value::Str("5".into()), "the non-specific `!` makes text");
        assert_eq!(vals[4], &Value::Str("5".into()));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let s = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(&s).is_err());
    }
}
