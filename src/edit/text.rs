//! Edits of one file's text: set, unset, add to or remove from a list, set
//! the body. Each changes only the bytes of the value it edits (or inserts
//! one key where the key order puts it); everything else stays byte for byte.

use std::ops::Range;

use serde_json::Value;

use super::doc::{Doc, DocError, Entry, YKind, YNode};
use super::scalar;
use crate::config::Config;
use crate::model::{CORE_FIELDS, SPRINT_FIELDS};

/// Why an edit of one file's text failed.
#[derive(Debug, Clone, PartialEq)]
pub enum TextError {
    Doc(DocError),
    /// `+=`/`-=` on a field whose value is a mapping.
    NotAList {
        field: String,
    },
    /// `-=` of a value the list does not hold.
    NotInList {
        field: String,
        value: String,
        hint: String,
    },
}

impl From<DocError> for TextError {
    fn from(e: DocError) -> Self {
        TextError::Doc(e)
    }
}

/// The order of keys in a canonical front-matter: the format's core fields
/// (sprint fields after `start`), then the config's custom fields.
pub fn key_order(config: &Config) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(CORE_FIELDS.len() + SPRINT_FIELDS.len() + config.fields.len());
    for f in CORE_FIELDS {
        out.push((*f).to_string());
        if *f == "start" {
            out.extend(SPRINT_FIELDS.iter().map(|s| s.to_string()));
        }
    }
    out.extend(config.fields.keys().cloned());
    // `yaml.key_order` (keys as another tool writes them) first; the rest
    // of cairn's order after, without the fields it already names.
    let first = &config.dialect.key_order;
    if first.is_empty() {
        return out;
    }
    let named: std::collections::HashSet<&str> = first.iter().map(|k| config.dialect.field(k)).collect();
    let mut all = first.clone();
    all.extend(out.into_iter().filter(|k| !named.contains(k.as_str())));
    all
}

fn rank(order: &[String], key: &str) -> Option<usize> {
    order.iter().position(|k| k == key)
}

/// Where a new key goes: after the entry ranked just before it, else before
/// the entry ranked just after it, else after the last entry.
fn insert_at(doc: &Doc, order: &[String], key: &str) -> usize {
    let end_of_last = doc.entries.last().map(|e| e.end).unwrap_or(doc.yaml.start);
    let Some(r) = rank(order, key) else { return end_of_last };
    let mut before: Option<(usize, &Entry)> = None;
    let mut after: Option<(usize, &Entry)> = None;
    for e in &doc.entries {
        let Some(er) = rank(order, &e.key) else { continue };
        if er < r && before.is_none_or(|(br, _)| er >= br) {
            before = Some((er, e));
        }
        if er > r && after.is_none_or(|(ar, _)| er < ar) {
            after = Some((er, e));
        }
    }
    match (before, after) {
        (Some((_, e)), _) => e.end,
        (None, Some((_, e))) => e.lead,
        (None, None) => end_of_last,
    }
}

/// A value as it will be written: on the key's line, or as block list items.
enum Rendered {
    Inline(String),
    Block(Vec<String>),
}

fn splice(text: &str, r: Range<usize>, with: &str) -> String {
    let mut s = String::with_capacity(text.len() + with.len());
    s.push_str(&text[..r.start]);
    s.push_str(with);
    s.push_str(&text[r.end..]);
    s
}

/// Start of the line holding `at`.
fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0)
}

/// End of the line holding `at`, after its line break (or `limit`).
fn line_end(text: &str, at: usize, limit: usize) -> usize {
    text[at..limit].find('\n').map(|i| at + i + 1).unwrap_or(limit)
}

/// Whether the entry's value begins on a later line than its key.
fn value_on_next_line(doc: &Doc, e: &Entry) -> bool {
    !e.value.is_empty() && doc.text[e.colon..e.value.start].contains('\n')
}

/// The comment written on the key's line after `key:` when the value starts
/// on a later line (`labels:  # tags`), with its leading spaces.
fn key_line_comment<'t>(doc: &Doc<'t>, e: &Entry) -> &'t str {
    if !value_on_next_line(doc, e) {
        return "";
    }
    let end = line_end(doc.text, e.colon, e.value.start);
    doc.text[e.colon..end].trim_end_matches(['\n', '\r'])
}

/// Replaces the value of an existing entry.
fn replace(doc: &Doc, e: &Entry, new: Rendered, nl: &str) -> String {
    let text = doc.text;
    match new {
        Rendered::Inline(s) => {
            if value_on_next_line(doc, e) {
                let comment = key_line_comment(doc, e);
                let brk = if text[e.colon..e.value.end].ends_with('\n') { nl } else { "" };
                splice(text, e.colon..e.value.end, &format!(" {s}{comment}{brk}"))
            } else if e.value.is_empty() {
                splice(text, e.colon..e.colon, &format!(" {s}"))
            } else {
                // A block scalar's text ends with its line break: keep one.
                let old = &text[e.value.clone()];
                let mut s = s;
                match (old.ends_with('\n'), s.ends_with('\n')) {
                    (true, false) => s.push_str(if old.ends_with("\r\n") { "\r\n" } else { "\n" }),
                    (false, true) => {
                        s.truncate(s.trim_end_matches('\n').trim_end_matches('\r').len());
                    }
                    _ => {}
                }
                splice(text, e.value.clone(), &s)
            }
        }
        Rendered::Block(items) => {
            let is_block_seq = matches!(e.node.kind, YKind::Seq { flow: false, .. }) && value_on_next_line(doc, e);
            if is_block_seq {
                let indent = e.value.start - line_start(text, e.value.start);
                let pad = " ".repeat(indent);
                let body: Vec<String> = items.iter().map(|i| format!("- {i}")).collect();
                splice(text, e.value.clone(), &body.join(&format!("{nl}{pad}")))
            } else {
                // `key: value  # comment` → `key:  # comment` + the items.
                let trailer = doc.trailer(e);
                let comment = if value_on_next_line(doc, e) { key_line_comment(doc, e) } else { trailer };
                let content_end = if value_on_next_line(doc, e) || e.value.is_empty() {
                    e.value.end.max(e.colon)
                } else {
                    e.value.end + trailer.len()
                };
                let mut s = String::from(comment);
                for i in &items {
                    s.push_str(nl);
                    s.push_str("  - ");
                    s.push_str(i);
                }
                // A block scalar's range ends with its line break: keep one.
                if text[e.colon..content_end].ends_with('\n') {
                    s.push_str(nl);
                }
                splice(text, e.colon..content_end, &s)
            }
        }
    }
}

/// Inserts a new `key: value` where the key order puts it.
fn insert(doc: &Doc, order: &[String], key: &str, new: Rendered) -> String {
    let nl = doc.nl;
    let at = insert_at(doc, order, key);
    let k = scalar::string(key, false);
    let mut line = match new {
        Rendered::Inline(s) => format!("{k}: {s}{nl}"),
        Rendered::Block(items) => {
            let mut s = format!("{k}:{nl}");
            for i in &items {
                s.push_str(&format!("  - {i}{nl}"));
            }
            s
        }
    };
    // An entry that ends the file's YAML without a line break.
    let mut prefix = String::new();
    if at > doc.yaml.start && !doc.text[..at].ends_with('\n') {
        prefix.push_str(nl);
    }
    if at == doc.yaml.end && doc.yaml.is_empty() && !doc.text[..at].ends_with('\n') {
        line.insert_str(0, nl);
    }
    splice(doc.text, at..at, &format!("{prefix}{line}"))
}

/// A multi-line string as a literal block scalar (`|`), when YAML can
/// keep it exactly; else `None`.
fn literal_block(s: &str, indent: usize, nl: &str) -> Option<String> {
    if !s.contains('\n')
        || s.contains('\r')
        || s.starts_with([' ', '\t', '\n'])
        || s.chars().any(|c| c.is_control() && c != '\n')
    {
        return None;
    }
    let trailing = s.len() - s.trim_end_matches('\n').len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let pad = " ".repeat(indent);
    let mut out = format!("|{chomp}");
    let content = if trailing > 0 { &s[..s.len() - 1] } else { s };
    for line in content.split('\n') {
        out.push_str(nl);
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    if trailing > 0 {
        out.push_str(nl);
    }
    Some(out)
}

fn render_new(doc: &Doc, existing: Option<&Entry>, v: &Value) -> Rendered {
    match v {
        Value::Array(a) => match existing.map(|e| &e.node.kind) {
            Some(YKind::Seq { flow: true, .. }) => Rendered::Inline(scalar::flow(v)),
            _ => Rendered::Block(scalar::block_items(a)),
        },
        Value::String(s) if s.contains('\n') => {
            let is_block = existing.is_some_and(|e| {
                matches!(&e.node.kind, YKind::Scalar { style, .. } if matches!(style, serde_saphyr::granit_parser::ScalarStyle::Literal | serde_saphyr::granit_parser::ScalarStyle::Folded))
            });
            match literal_block(s, 2, doc.nl).filter(|_| is_block) {
                Some(b) => Rendered::Inline(b),
                None => Rendered::Inline(scalar::scalar(v, false)),
            }
        }
        other => Rendered::Inline(scalar::scalar(other, false)),
    }
}

/// Sets `field` to `v` (JSON value model). A list replaces the whole list.
pub fn set(text: &str, order: &[String], field: &str, v: &Value) -> Result<String, TextError> {
    let doc = Doc::parse(text)?;
    let new = match doc.get(field) {
        Some(e) => {
            let r = render_new(&doc, Some(e), v);
            replace(&doc, e, r, doc.nl)
        }
        None => insert(&doc, order, field, render_new(&doc, None, v)),
    };
    Ok(new)
}

/// Removes `field` (its key and value; comments above it stay). Absent: no change.
pub fn unset(text: &str, field: &str) -> Result<String, TextError> {
    let doc = Doc::parse(text)?;
    Ok(match doc.get(field) {
        Some(e) => splice(text, e.start..e.end, ""),
        None => text.to_string(),
    })
}

/// The text an item of a list matches on: a scalar's value, or the `id`
/// (else `url`) of a mapping such as `{ id: x, lag: 2d }`.
pub fn item_key(n: &YNode) -> Option<&str> {
    match &n.kind {
        YKind::Scalar { text, .. } => Some(text),
        YKind::Map { entries, .. } => entries
            .iter()
            .find(|(k, _)| k.text() == Some("id"))
            .or_else(|| entries.iter().find(|(k, _)| k.text() == Some("url")))
            .and_then(|(_, v)| v.text()),
        _ => None,
    }
}

fn value_key(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(m) => m
            .get("id")
            .or_else(|| m.get("url"))
            .map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string()))
            .unwrap_or_default(),
        other => other.to_string(),
    }
}

/// Adds `v` to the list `field` (creating it; a single value becomes a list
/// of two). Already there: no change.
pub fn add(text: &str, order: &[String], field: &str, v: &Value) -> Result<String, TextError> {
    let doc = Doc::parse(text)?;
    let key = value_key(v);
    let Some(e) = doc.get(field) else {
        return Ok(insert(&doc, order, field, Rendered::Block(vec![scalar::scalar(v, true)])));
    };
    match &e.node.kind {
        YKind::Seq { flow, items } => {
            if items.iter().any(|n| item_key(n) == Some(key.as_str())) {
                return Ok(text.to_string());
            }
            let item = scalar::scalar(v, true);
            if *flow {
                match items.last() {
                    Some(last) => Ok(splice(text, last.range.end..last.range.end, &format!(", {item}"))),
                    None => {
                        // `[]` (maybe with spaces): put the item inside.
                        let open = e.node.range.start + 1;
                        Ok(splice(text, open..e.node.range.end - 1, &item))
                    }
                }
            } else {
                let first = items.first().map(|n| n.range.start).unwrap_or(e.value.start);
                let dash_line = line_start(text, first);
                let dash = text[dash_line..first].find('-').map(|i| dash_line + i).unwrap_or(e.value.start);
                let indent = &text[dash_line..dash];
                let after_dash = &text[dash + 1..first];
                let gap = if after_dash.is_empty() || after_dash.contains('\n') { " " } else { after_dash };
                Ok(splice(text, e.value.end..e.value.end, &format!("{}{indent}-{gap}{item}", doc.nl)))
            }
        }
        YKind::Map { .. } => Err(TextError::NotAList { field: field.to_string() }),
        YKind::Scalar { .. } if e.node.is_empty_null() || e.value.is_empty() => {
            Ok(replace(&doc, e, Rendered::Block(vec![scalar::scalar(v, true)]), doc.nl))
        }
        YKind::Scalar { text: t, .. } => {
            if *t == key {
                return Ok(text.to_string());
            }
            let old = doc.text[e.value.clone()].to_string();
            let old = if old.contains('\n') { scalar::scalar(&Value::String(t.clone()), true) } else { old };
            Ok(replace(&doc, e, Rendered::Block(vec![old, scalar::scalar(v, true)]), doc.nl))
        }
        YKind::Alias => Err(TextError::Doc(DocError::Unsupported(format!("`{field}` is a YAML alias")))),
    }
}

/// Removes `v` from the list `field` (by value, or by `id` for mappings);
/// a list left empty is removed with its key.
pub fn remove(text: &str, field: &str, v: &Value) -> Result<String, TextError> {
    let doc = Doc::parse(text)?;
    let key = value_key(v);
    let not_in = |values: Vec<&str>| TextError::NotInList {
        field: field.to_string(),
        value: key.clone(),
        hint: crate::util::suggest::hint(&key, values),
    };
    let Some(e) = doc.get(field) else { return Err(not_in(Vec::new())) };
    match &e.node.kind {
        YKind::Seq { flow, items } => {
            let Some(i) = items.iter().position(|n| item_key(n) == Some(key.as_str())) else {
                return Err(not_in(items.iter().filter_map(item_key).collect()));
            };
            if items.len() == 1 {
                return Ok(splice(text, e.start..e.end, ""));
            }
            let it = &items[i];
            if *flow {
                let r = if i + 1 < items.len() {
                    it.range.start..items[i + 1].range.start
                } else {
                    items[i - 1].range.end..it.range.end
                };
                Ok(splice(text, r, ""))
            } else {
                let from = line_start(text, it.range.start);
                let to = line_end(text, it.range.end.max(it.range.start + 1) - 1, doc.yaml.end);
                Ok(splice(text, from..to, ""))
            }
        }
        YKind::Scalar { text: t, .. } if *t == key => Ok(splice(text, e.start..e.end, "")),
        YKind::Scalar { text: t, .. } => Err(not_in(vec![t.as_str()])),
        YKind::Map { .. } => Err(TextError::NotAList { field: field.to_string() }),
        YKind::Alias => Err(TextError::Doc(DocError::Unsupported(format!("`{field}` is a YAML alias")))),
    }
}

/// Replaces the body (everything after the closing `---`). A body that does
/// not start with a blank line gets one; line breaks follow the file's.
pub fn set_body(text: &str, body: &str) -> Result<String, TextError> {
    let doc = Doc::parse(text)?;
    let mut b = body.replace("\r\n", "\n");
    if !b.is_empty() && !b.ends_with('\n') {
        b.push('\n');
    }
    if !b.is_empty() && !b.starts_with('\n') {
        b.insert(0, '\n');
    }
    if doc.nl == "\r\n" {
        b = b.replace('\n', "\r\n");
    }
    Ok(format!("{}{b}", &text[..doc.body_start]))
}

/// The key a file writes `field` under: an alias of it (`fields.aliases`)
/// that the front-matter has as a top-level key, else `field` itself.
pub fn written_key<'a>(aliases: &'a std::collections::BTreeMap<String, String>, text: &str, field: &'a str) -> &'a str {
    if aliases.is_empty() {
        return field;
    }
    let mut keys = text.lines().skip(1).take_while(|l| l.trim_end() != "---");
    let top: Vec<&str> = keys
        .by_ref()
        .filter_map(|l| l.split_once(':').map(|(k, _)| k))
        .filter(|k| !k.starts_with([' ', '\t', '-', '#']))
        .collect();
    aliases
        .iter()
        .find(|(from, to)| *to == field && top.contains(&from.as_str()))
        .map_or(field, |(from, _)| from.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn order() -> Vec<String> {
        key_order(&Config::default())
    }

    #[test]
    fn set_replaces_only_the_value() {
        let t = "---\ntitle: \"Quoted\"  # keep\nstatus: ready # why\nlabels: [a, b]\n---\nBody\n";
        assert_eq!(set(t, &order(), "status", &json!("done")).unwrap(), t.replace("ready", "done"));
        assert_eq!(set(t, &order(), "title", &json!("New: title")).unwrap(), t.replace("\"Quoted\"", "\"New: title\""));
        assert_eq!(set(t, &order(), "labels", &json!(["x"])).unwrap(), t.replace("[a, b]", "[x]"));
    }

    #[test]
    fn new_keys_go_where_the_order_puts_them() {
        let t = "---\ntitle: A\nstatus: ready\nlabels: [a]\n---\n";
        assert_eq!(
            set(t, &order(), "estimate", &json!(5)).unwrap(),
            "---\ntitle: A\nstatus: ready\nestimate: 5\nlabels: [a]\n---\n"
        );
        assert_eq!(
            set(t, &order(), "kind", &json!("story")).unwrap(),
            "---\nkind: story\ntitle: A\nstatus: ready\nlabels: [a]\n---\n"
        );
        assert_eq!(
            set(t, &order(), "zzz", &json!(1)).unwrap(),
            "---\ntitle: A\nstatus: ready\nlabels: [a]\nzzz: 1\n---\n"
        );
        assert_eq!(set("---\n---\n", &order(), "title", &json!("T")).unwrap(), "---\ntitle: T\n---\n");
        let crlf = "---\r\ntitle: A\r\n---\r\n";
        assert_eq!(
            set(crlf, &order(), "status", &json!("done")).unwrap(),
            "---\r\ntitle: A\r\nstatus: done\r\n---\r\n"
        );
        // Leading comments stay with the key they precede.
        let c = "---\ntitle: A\n# about labels\nlabels: [a]\n---\n";
        assert_eq!(
            set(c, &order(), "due", &json!("2026-12-01")).unwrap(),
            "---\ntitle: A\ndue: 2026-12-01\n# about labels\nlabels: [a]\n---\n"
        );
    }

    #[test]
    fn empty_values_and_block_lists() {
        let t = "---\ntitle: A\ndue:\nlabels:  # tags\n  - a\n  - b\n---\n";
        assert_eq!(set(t, &order(), "due", &json!("2026-12-01")).unwrap(), t.replace("due:", "due: 2026-12-01"));
        assert_eq!(set(t, &order(), "labels", &json!(["x", "y z"])).unwrap(), t.replace("- a\n  - b", "- x\n  - y z"));
        assert_eq!(
            set(t, &order(), "labels", &json!("solo")).unwrap(),
            "---\ntitle: A\ndue:\nlabels: solo  # tags\n---\n"
        );
    }

    #[test]
    fn list_edits_keep_the_style() {
        let flow = "---\nlabels: [a, b]\n---\n";
        assert_eq!(add(flow, &order(), "labels", &json!("c")).unwrap(), "---\nlabels: [a, b, c]\n---\n");
        assert_eq!(add(flow, &order(), "labels", &json!("a")).unwrap(), flow);
        assert_eq!(remove(flow, "labels", &json!("a")).unwrap(), "---\nlabels: [b]\n---\n");
        assert_eq!(remove(flow, "labels", &json!("b")).unwrap(), "---\nlabels: [a]\n---\n");
        assert_eq!(add("---\nlabels: []\n---\n", &order(), "labels", &json!("a")).unwrap(), "---\nlabels: [a]\n---\n");
        let block = "---\ndepends_on:\n    - x\n    - { id: y, lag: 2d }\nstatus: ready\n---\n";
        assert_eq!(
            add(block, &order(), "depends_on", &json!("z")).unwrap(),
            "---\ndepends_on:\n    - x\n    - { id: y, lag: 2d }\n    - z\nstatus: ready\n---\n"
        );
        assert_eq!(
            remove(block, "depends_on", &json!("y")).unwrap(),
            "---\ndepends_on:\n    - x\nstatus: ready\n---\n"
        );
        assert_eq!(
            remove(block, "depends_on", &json!("x")).unwrap(),
            "---\ndepends_on:\n    - { id: y, lag: 2d }\nstatus: ready\n---\n"
        );
        assert_eq!(remove("---\nlabels: [a]\ntitle: T\n---\n", "labels", &json!("a")).unwrap(), "---\ntitle: T\n---\n");
        let scalar = "---\nassignee: ana  # lead\n---\n";
        assert_eq!(
            add(scalar, &order(), "assignee", &json!("ben")).unwrap(),
            "---\nassignee:  # lead\n  - ana\n  - ben\n---\n"
        );
        assert_eq!(
            add("---\ntitle: T\n---\n", &order(), "labels", &json!("ml")).unwrap(),
            "---\ntitle: T\nlabels:\n  - ml\n---\n"
        );
        assert!(
            matches!(remove(flow, "labels", &json!("bb")), Err(TextError::NotInList { hint, .. }) if hint.contains("`b`"))
        );
        assert!(matches!(
            add("---\nml: { a: 1 }\n---\n", &order(), "ml", &json!("x")),
            Err(TextError::NotAList { .. })
        ));
    }

    #[test]
    fn unset_and_body() {
        let t = "---\ntitle: A\n# c\nstatus: ready\n---\nOld\n";
        assert_eq!(unset(t, "status").unwrap(), "---\ntitle: A\n# c\n---\nOld\n");
        assert_eq!(unset(t, "nope").unwrap(), t);
        assert_eq!(set_body(t, "New").unwrap(), "---\ntitle: A\n# c\nstatus: ready\n---\n\nNew\n");
        assert_eq!(set_body("---\r\nt: 1\r\n---\r\nx\r\n", "a\nb\n").unwrap(), "---\r\nt: 1\r\n---\r\n\r\na\r\nb\r\n");
    }

    #[test]
    fn multi_line_strings() {
        let t = "---\nnote: |\n  one\n  two\ntitle: T\n---\n";
        assert_eq!(
            set(t, &order(), "note", &json!("three\nfour\n")).unwrap(),
            "---\nnote: |\n  three\n  four\ntitle: T\n---\n"
        );
        assert_eq!(
            set("---\ntitle: T\n---\n", &order(), "title", &json!("a\nb")).unwrap(),
            "---\ntitle: \"a\\nb\"\n---\n"
        );
    }
}
