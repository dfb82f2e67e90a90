//! A blob (an item file's bytes at some commit) → the item's state as
//! written: its id, its front-matter as a JSON map, a hash of its body.
//!
//! Uses the same splitter and YAML reader as `load`, so history and the
//! working tree agree on what a file says. Item-level validation (unknown
//! status, bad dates) does not matter here: the audit trail records values
//! as they were written. Only files whose front-matter cannot be read at all
//! (no front-matter, YAML syntax error, not UTF-8, not a mapping) count as
//! "did not parse".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::Config;
use crate::load::{frontmatter, yaml};

/// What a blob says about its item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// `id:` as written (when it is a scalar); else the id is the file stem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explicit_id: Option<String>,
    /// Front-matter: field → value as written (first occurrence of a key wins).
    pub fields: BTreeMap<String, Value>,
    /// Hash of the Markdown body.
    pub body: u64,
}

impl State {
    /// The item's id at `path` (root-relative): `id:` or the file stem.
    pub fn id(&self, path: &str) -> String {
        match &self.explicit_id {
            Some(id) => id.clone(),
            None => stem(path).to_string(),
        }
    }

    /// The front-matter as one JSON object (for `created`/`deleted` events).
    pub fn object(&self) -> Value {
        Value::Object(self.fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }
}

/// The file stem of a `/`-separated path.
pub fn stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".md").unwrap_or(name)
}

/// Parses a blob; `None` when its front-matter cannot be read.
pub fn parse(bytes: &[u8]) -> Option<State> {
    parse_in(bytes, None)
}

/// Parses a blob read under `config`'s mapping settings (`cairn.yml`'s
/// dialect keys): lenient YAML, and the state in cairn's terms — aliased
/// field names, status aliases, extra date formats — so history, metrics
/// and the working tree speak of the same fields and statuses.
pub fn parse_in(bytes: &[u8], config: Option<&Config>) -> Option<State> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let split = frontmatter::split(text).ok()?;
    let blank = split.yaml.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
    let mut fields = BTreeMap::new();
    let d = config.map(|c| &c.dialect);
    if !blank {
        let source = match d {
            Some(d) if d.lenient_yaml => crate::config::dialect::lenient_yaml(split.yaml),
            _ => std::borrow::Cow::Borrowed(split.yaml),
        };
        let tree = yaml::parse(&source).ok()?;
        match tree.value {
            yaml::Value::Map(m) => {
                for (k, v) in m {
                    let key = k.value.scalar_text();
                    let key = match d {
                        Some(d) => d.field(&key).to_string(),
                        None => key,
                    };
                    fields.entry(key).or_insert_with(|| v.value.to_json());
                }
            }
            yaml::Value::Null => {}
            _ => return None,
        }
    }
    if let Some(c) = config {
        normalize(c, &mut fields);
    }
    let explicit_id = match fields.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    };
    Some(State { explicit_id, fields, body: hash(split.body.as_bytes()) })
}

/// Status aliases and extra date formats, applied to a state's fields.
fn normalize(config: &Config, fields: &mut BTreeMap<String, Value>) {
    let d = &config.dialect;
    if let Some(Value::String(s)) = fields.get_mut("status") {
        if !config.statuses.iter().any(|x| x.name == *s) {
            if let Some(a) = d.status_alias(s) {
                *s = a.to_string();
            }
        }
    }
    if d.date_formats.is_empty() {
        return;
    }
    let offset = crate::util::time::parse_offset(&config.timezone);
    for key in ["created", "updated"] {
        if let Some(Value::String(s)) = fields.get_mut(key) {
            if !crate::util::time::is_date_or_datetime(s) {
                if let Some(t) = offset.and_then(|o| d.date_text(s, o)) {
                    *s = t;
                }
            }
        }
    }
}

/// FNV-1a, 64 bits: stable across runs and platforms (it is stored in the cache).
pub fn hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_front_matter_as_written() {
        let s = parse(b"---\ntitle: A\nstatus: inprogress\nestimate: 3\nlabels: [x, z]\n---\nBody\n").unwrap();
        assert_eq!(s.id("stories/a.md"), "a");
        assert_eq!(s.fields["status"], "inprogress");
        assert_eq!(s.fields["estimate"], 3);
        assert_eq!(s.fields["labels"], serde_json::json!(["x", "z"]));
        let t = parse(b"---\nid: other\ntitle: A\n---\nBody changed\n").unwrap();
        assert_eq!(t.id("stories/a.md"), "other");
        assert_ne!(s.body, t.body);
    }

    #[test]
    fn broken_blobs_do_not_parse() {
        assert!(parse(b"no front matter").is_none());
        assert!(parse(b"---\ntitle: [a\n---\n").is_none());
        assert!(parse(b"---\n- a\n---\n").is_none());
        assert!(parse(b"---\ntitle: caf\xe9\n---\n").is_none());
        assert!(parse(b"---\n---\n").is_some());
    }
}
