//! YAML with a position on every node, on serde-saphyr.
//!
//! The front-matter is read into a small tree of [`Node`]s (scalars,
//! sequences, mappings with their keys in order, duplicates kept), so the
//! item builder can report every problem of a file in one pass, each at the
//! line and column of the offending key or value.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{DuplicateKeyPolicy, Options, Spanned};

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

/// Parses one YAML document into a [`Node`] (lines relative to `text`).
pub fn parse(text: &str) -> Result<Node, (Span, String)> {
    match serde_saphyr::from_str_with_options::<Spanned<Value>>(text, options()) {
        Ok(s) => {
            let mut n = to_node_unsourced(s);
            fix_lengths(&mut n, text);
            Ok(n)
        }
        Err(e) => {
            let span =
                e.location().map(|l| Span::new(l.line() as u32, l.column() as u32, 1)).unwrap_or(Span::new(1, 1, 1));
            Err((span, error_message(&e)))
        }
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map(Value::Int).unwrap_or(Value::Float(v as f64)))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v).map(Value::Int).unwrap_or(Value::Float(v as f64)))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(i64::try_from(v).map(Value::Int).unwrap_or(Value::Float(v as f64)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(s) = seq.next_element::<Spanned<Value>>()? {
            out.push(s);
        }
        Ok(Value::Seq(out.into_iter().map(to_node_unsourced).collect()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<Spanned<Value>>()? {
            let v = map.next_value::<Spanned<Value>>()?;
            out.push((to_node_unsourced(k), to_node_unsourced(v)));
        }
        Ok(Value::Map(out))
    }
}

/// Nested nodes are converted without the source text; their caret lengths
/// are fixed up by [`fix_lengths`] once the whole tree is built.
fn to_node_unsourced(s: Spanned<Value>) -> Node {
    let loc = s.referenced;
    Node { value: s.value, span: Span::new((loc.line() as u32).max(1), (loc.column() as u32).max(1), 1) }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

/// Sets each node's caret length from the source text (quotes included).
pub fn fix_lengths(node: &mut Node, text: &str) {
    let lines: Vec<&str> = text.lines().collect();
    fix(node, &lines);
}

fn fix(node: &mut Node, lines: &[&str]) {
    match &mut node.value {
        Value::Seq(v) => {
            node.span.len = 1;
            v.iter_mut().for_each(|n| fix(n, lines));
        }
        Value::Map(m) => {
            node.span.len = 1;
            m.iter_mut().for_each(|(k, v)| {
                fix(k, lines);
                fix(v, lines);
            });
        }
        v => {
            let line = lines.get(node.span.line as usize - 1).copied().unwrap_or("");
            let rest: String = line.chars().skip(node.span.col as usize - 1).collect();
            let text_len = match v {
                Value::Str(s) => s.lines().next().unwrap_or("").chars().count(),
                other => other.scalar_text().chars().count(),
            };
            let len = match rest.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    rest.chars().skip(1).position(|c| c == q).map(|p| p + 2).unwrap_or(rest.chars().count())
                }
                _ => text_len.min(rest.chars().count()),
            };
            node.span.len = len.max(1) as u32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Node {
        let mut n = parse(s).unwrap();
        fix_lengths(&mut n, s);
        n
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
