//! YAML with a position on every node, on serde-saphyr.
//!
//! The front-matter is read into a small tree of [`Node`]s (scalars,
//! sequences, mappings with their keys in order, duplicates kept), so the
//! item builder can report every problem of a file in one pass, each at the
//! line and column of the offending key or value.

use serde_saphyr::{DuplicateKeyPolicy, Options};

use crate::model::Span;

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

/// Options used for every YAML document cairn reads: duplicate keys are
/// passed through (the item builder reports them with both positions), and a
/// budget stops alias bombs and absurd nesting.
pub fn options() -> Options {
    let mut o = serde_saphyr::options! {
        duplicate_keys: DuplicateKeyPolicy::PassThrough,
        with_snippet: false,
    };
    o.budget = serde_saphyr::budget! {
        max_depth: 64,
        max_aliases: 1_000,
        max_anchors: 1_000,
        max_nodes: 200_000,
        max_total_scalar_bytes: 4 * 1024 * 1024,
        max_documents: 1,
    };
    o
}

/// A serde-saphyr error as one line of text, without the position (which
/// cairn reports itself).
pub fn error_message(e: &serde_saphyr::Error) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("invalid YAML").trim();
    // Strip a trailing " at line X column Y" that the library may append.
    let cut = first.find(" at line ").map(|i| &first[..i]).unwrap_or(first);
    cut.trim_end_matches('.').to_string()
}

/// Limits that keep hostile YAML (alias bombs, absurd nesting) cheap.
const MAX_DEPTH: usize = 64;
const MAX_NODES: usize = 100_000;

/// Parses one YAML document into a [`Node`] (lines relative to `text`).
///
/// Built directly on the YAML event parser (granit-parser, the parser under
/// serde-saphyr): one pass, positions from the events, no serde machinery.
/// Aliases are expanded under a node budget, so an alias bomb is an error,
/// not an out-of-memory; nesting deeper than 64 levels is an error too.
pub fn parse(text: &str) -> Result<Node, (Span, String)> {
    let mut b = TreeBuilder { text, anchors: HashMap::new(), nodes: 0 };
    b.document()
}

use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, ScanError, Span as GSpan};

struct TreeBuilder<'a> {
    text: &'a str,
    anchors: HashMap<usize, Node>,
    nodes: usize,
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
    (Span::new(m.line().max(1) as u32, m.col() as u32 + 1, 1), e.info())
}

impl TreeBuilder<'_> {
    fn span(&self, s: &GSpan) -> Span {
        let (a, z) = (&s.start, &s.end);
        let len = if z.line() == a.line() && z.index() > a.index() {
            z.index() - a.index()
        } else {
            // A multi-line token: underline to the end of its first line.
            let line = self.text.lines().nth(a.line().saturating_sub(1)).unwrap_or("");
            line.chars().count().saturating_sub(a.col()).max(1)
        };
        Span::new(a.line().max(1) as u32, a.col() as u32 + 1, len.max(1) as u32)
    }

    fn count(&mut self, n: usize, at: Span) -> Result<(), (Span, String)> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err((at, format!("document too large: more than {MAX_NODES} values (an alias bomb?)")));
        }
        Ok(())
    }

    fn document(&mut self) -> Result<Node, (Span, String)> {
        let mut parser = Parser::new_from_str(self.text);
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
                    let is_str_tag = tag.as_ref().is_some_and(|t| t.suffix() == "str");
                    let value = if style == ScalarStyle::Plain && !is_str_tag {
                        resolve_plain(&v)
                    } else {
                        Value::Str(v.into_owned())
                    };
                    (Node { value, span: at }, anchor)
                }
                Event::SequenceStart(_, anchor, _) => {
                    self.count(1, at)?;
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
                Event::MappingStart(_, anchor, _) => {
                    self.count(1, at)?;
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

    #[test]
    fn deep_nesting_is_refused() {
        let s = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(&s).is_err());
    }
}
