//! `cairn fmt`: the canonical form of a front-matter, without changing any
//! value. Keys in the config's order (see [`super::text::key_order`]; keys
//! it does not know keep their order, after the known ones), each with the
//! comment lines above it; top-level lists in block style indented two
//! spaces, their mappings as `{ id: x, lag: 2d }`; no quotes a string does
//! not need; no blank lines between keys. Everything else — mapping values
//! (`ml:`), block scalars, other scalars, comments, line breaks, a BOM, the
//! body — stays as written. The result is parsed again and must hold the
//! same values, else the file is left alone. Idempotent.

use serde_saphyr::granit_parser::ScalarStyle;

use super::doc::{Doc, DocError, Entry, YKind, YNode};
use super::scalar;
use crate::load::yaml;

/// Why a file was not formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FmtError {
    Doc(DocError),
    /// The canonical text would not hold the same values (a YAML feature
    /// such as anchors makes reordering unsafe); the file is left alone.
    WouldChange(String),
}

impl std::fmt::Display for FmtError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FmtError::Doc(d) => write!(f, "{d}"),
            FmtError::WouldChange(k) => {
                write!(f, "formatting would change the value of `{k}` (anchors or aliases?); left as it is")
            }
        }
    }
}

/// A scalar as canonical text: a quoted string that needs no quotes loses
/// them; everything else as written.
fn scalar_text<'t>(doc: &Doc<'t>, n: &YNode, flow: bool, keep_quotes: bool) -> std::borrow::Cow<'t, str> {
    let raw = &doc.text[n.range.clone()];
    if keep_quotes {
        return std::borrow::Cow::Borrowed(raw);
    }
    if let YKind::Scalar { text, style: ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted } = &n.kind {
        if scalar::plain_ok(text, flow) {
            return std::borrow::Cow::Owned(text.clone());
        }
    }
    std::borrow::Cow::Borrowed(raw)
}

/// A node in flow style: `[a, b]`, `{ id: x, lag: 2d }`, scalars as
/// [`scalar_text`]. `None` when it holds something kept only as written
/// (an alias, a block scalar, a multi-line scalar).
fn flow_text(doc: &Doc, n: &YNode, keep: bool) -> Option<String> {
    match &n.kind {
        YKind::Scalar { style, .. } => {
            if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) || doc.text[n.range.clone()].contains('\n') {
                return None;
            }
            Some(scalar_text(doc, n, true, keep).into_owned())
        }
        YKind::Seq { items, .. } => {
            let parts: Option<Vec<String>> = items.iter().map(|i| flow_text(doc, i, keep)).collect();
            Some(format!("[{}]", parts?.join(", ")))
        }
        YKind::Map { entries, .. } => {
            if entries.is_empty() {
                return Some("{}".into());
            }
            let mut parts = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                parts.push(format!("{}: {}", flow_text(doc, k, keep)?, flow_text(doc, v, keep)?));
            }
            Some(format!("{{ {} }}", parts.join(", ")))
        }
        YKind::Alias => None,
    }
}

/// The canonical text of one entry (with its comment lines), each line
/// ending with `nl`.
fn entry_text(doc: &Doc, e: &Entry, lead: &str, keep: bool) -> String {
    let nl = doc.nl;
    let text = doc.text;
    let mut out = String::new();
    for line in lead.split_inclusive('\n') {
        if !line.trim().is_empty() {
            out.push_str(line.trim_end_matches(['\n', '\r']));
            out.push_str(nl);
        }
    }
    let key_raw = &text[e.start..e.colon - 1];
    let key = if !keep && key_raw.trim_end().starts_with(['"', '\'']) && scalar::plain_ok(&e.key, false) {
        e.key.clone()
    } else {
        key_raw.trim_end().to_string()
    };
    let verbatim = || format!("{key}:{}", text[e.colon..e.end].trim_end_matches(['\n', '\r']));
    // Comments inside the value: keep the value as written.
    let inner = e.value.start..e.value.end;
    if doc.has_comment_in(&inner) {
        out.push_str(&verbatim());
        out.push_str(nl);
        return out;
    }
    let trailer = doc.trailer(e);
    let key_comment = if !e.value.is_empty() && text[e.colon..e.value.start].contains('\n') {
        let end = text[e.colon..e.value.start].find('\n').map(|i| e.colon + i).unwrap_or(e.colon);
        text[e.colon..end].trim_end_matches('\r')
    } else {
        ""
    };
    let line = match &e.node.kind {
        _ if e.value.is_empty() => format!("{key}:{}", text[e.colon..e.end].trim_end_matches(['\n', '\r'])),
        YKind::Seq { items, .. } if !items.is_empty() => {
            let parts: Option<Vec<String>> = items.iter().map(|i| flow_text(doc, i, keep)).collect();
            match parts {
                Some(parts) => {
                    let comment = if key_comment.is_empty() { trailer } else { key_comment };
                    let mut s = format!("{key}:{comment}");
                    for p in parts {
                        s.push_str(nl);
                        s.push_str("  - ");
                        s.push_str(&p);
                    }
                    s
                }
                None => verbatim(),
            }
        }
        YKind::Scalar { style: ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted, .. }
            if !text[inner.clone()].contains('\n') =>
        {
            format!("{key}: {}{trailer}", scalar_text(doc, &e.node, false, keep))
        }
        _ if text[e.colon..e.value.start].contains('\n') || text[inner.clone()].contains('\n') => verbatim(),
        _ => format!("{key}: {}{trailer}", &text[inner.clone()]),
    };
    out.push_str(&line);
    out.push_str(nl);
    out
}

/// The values of a front-matter, for comparing before and after.
fn values(yaml_text: &str) -> Option<Vec<(String, serde_json::Value)>> {
    if yaml_text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        return Some(Vec::new());
    }
    // Unquoted `@name` scalars read as strings, as the editor reads them.
    let n = yaml::parse(&crate::config::dialect::lenient_yaml(yaml_text)).ok()?;
    let mut v = match n.value {
        yaml::Value::Map(m) => m.into_iter().map(|(k, v)| (k.value.scalar_text(), v.value.to_json())).collect(),
        yaml::Value::Null => Vec::new(),
        _ => return None,
    };
    v.sort_by(|a: &(String, serde_json::Value), b| a.0.cmp(&b.0).then_with(|| a.1.to_string().cmp(&b.1.to_string())));
    Some(v)
}

/// How `fmt` writes: the key order ([`super::text::key_order`]) and
/// whether quotes stay as written (`yaml.keep_quotes`: another tool's
/// files, whose writer quotes what it quotes).
#[derive(Clone, Debug, Default)]
pub struct Style {
    pub order: Vec<String>,
    pub keep_quotes: bool,
}

impl Style {
    pub fn of(config: &crate::config::Config) -> Style {
        Style { order: super::text::key_order(config), keep_quotes: config.dialect.keep_quotes }
    }
}

/// The canonical text of a whole file (its body untouched).
pub fn format(text: &str, style: &Style) -> Result<String, FmtError> {
    let order = &style.order;
    let doc = Doc::parse(text).map_err(FmtError::Doc)?;
    if doc.entries.is_empty() {
        return Ok(text.to_string());
    }
    let rank = |k: &str| order.iter().position(|o| o == k).unwrap_or(usize::MAX);
    // A comment block at the very top, set apart by a blank line (or a
    // `yaml-language-server` modeline), stays at the top.
    let first = &doc.entries[0];
    let top = &text[doc.yaml.start..first.start];
    let mut header_end = doc.yaml.start;
    let mut at = doc.yaml.start;
    for line in top.split_inclusive('\n') {
        at += line.len();
        if line.trim().is_empty() || line.contains("yaml-language-server:") {
            header_end = at;
        }
    }
    let mut header = String::new();
    for line in text[doc.yaml.start..header_end].split_inclusive('\n') {
        if !line.trim().is_empty() {
            header.push_str(line.trim_end_matches(['\n', '\r']));
            header.push_str(doc.nl);
        }
    }
    let mut idx: Vec<usize> = (0..doc.entries.len()).collect();
    idx.sort_by_key(|&i| rank(&doc.entries[i].key));
    let mut yaml_out = header;
    for &i in &idx {
        let e = &doc.entries[i];
        let lead_start = if i == 0 { e.lead.max(header_end).min(e.start) } else { e.lead };
        yaml_out.push_str(&entry_text(&doc, e, &text[lead_start..e.start], style.keep_quotes));
    }
    let last_end = doc.entries.iter().map(|e| e.end).max().unwrap_or(doc.yaml.start);
    let tail = &text[last_end..doc.yaml.end];
    yaml_out.push_str(tail);
    let out = format!("{}{}{}", &text[..doc.yaml.start], yaml_out, &text[doc.yaml.end..]);
    // Same values, or nothing.
    let before = values(&text[doc.yaml.clone()]);
    let after = values(&yaml_out);
    if before.is_none() || before != after {
        let key = match (&before, &after) {
            (Some(b), Some(a)) => b.iter().zip(a.iter()).find(|(x, y)| x != y).map(|(x, _)| x.0.clone()),
            _ => None,
        };
        return Err(FmtError::WouldChange(key.unwrap_or_else(|| "the front-matter".into())));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn fmt(t: &str) -> String {
        format(t, &Style::of(&Config::default())).unwrap()
    }

    #[test]
    fn canonical_form() {
        let t = "---\n# yaml-language-server: $schema=x\n\nlabels: [a, \"b\"]   # tags\ntitle: \"Plain\"\n\n# the status\nstatus: 'in_progress'\nzz: 1\ndepends_on:\n    - x\n    - {id: y,  lag: 2d}\nkind: story\nml:\n   model: { id: m }\n---\nBody \"quoted\"\n";
        let want = "---\n# yaml-language-server: $schema=x\nkind: story\ntitle: Plain\n# the status\nstatus: in_progress\nlabels:   # tags\n  - a\n  - b\ndepends_on:\n  - x\n  - { id: y, lag: 2d }\nml:\n   model: { id: m }\nzz: 1\n---\nBody \"quoted\"\n";
        let got = fmt(t);
        assert_eq!(got, want);
        assert_eq!(fmt(&got), got, "idempotent");
    }

    #[test]
    fn keeps_what_it_must() {
        // Quotes that are needed, block scalars, comments inside lists, CRLF, BOM.
        let t = "\u{feff}---\r\ntitle: \"Fix: colon\"\r\nstatus: \"5\"\r\nlabels:\r\n  - a # first\r\n  - b\r\nnote: |\r\n  keep\r\n   this\r\n---\r\nBody\r\n";
        let got = fmt(t);
        assert_eq!(got, t);
        let empty = "---\ntitle: A\ndue:\nlabels: []\n---\n";
        assert_eq!(fmt(empty), empty);
    }

    #[test]
    fn anchors_are_not_reordered_into_errors() {
        let t = "---\nrelates_to: *a\ntitle: &a x\n---\n";
        // `title` would move before its alias's use: either fine or refused, never wrong.
        if let Ok(out) = format(t, &Style::of(&Config::default())) {
            assert_eq!(values(&out[4..out.len() - 4]), values(&t[4..t.len() - 4]));
        }
    }
}
