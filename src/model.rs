//! The backlog's data: items with their fields and relations, every value
//! with the position it was read from.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

/// The five priorities, highest first. Fixed by the format.
pub const PRIORITIES: [&str; 5] = ["highest", "high", "medium", "low", "lowest"];

/// Every top-level key the format defines for an item.
pub const CORE_FIELDS: &[&str] = &[
    "id",
    "kind",
    "title",
    "status",
    "priority",
    "assignee",
    "reporter",
    "created",
    "updated",
    "due",
    "start",
    "estimate",
    "duration",
    "labels",
    "sprint",
    "parent",
    "depends_on",
    "blocks",
    "relates_to",
    "duplicates",
    "references",
    "ml",
    "external_id",
];

/// Keys only sprints have.
pub const SPRINT_FIELDS: &[&str] = &["end", "goal", "capacity"];

/// Numbers in items (estimates, sprint capacities, lags and durations,
/// numeric custom fields) are smaller than this in size: less than one
/// billion, at most 9 digits before the point. Anything bigger is a typo
/// (or overflow bait) and refused (E030 for numbers, E027 for lags).
pub const NUMBER_LIMIT: f64 = 1e9;

/// Maximum length of an id.
pub const MAX_ID_LEN: usize = 100;

/// The id rule in words, for messages (what [`is_valid_id`] checks).
pub const ID_RULE: &str = "ids are slugs of ASCII letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 100 characters, not ending in `.md`";

/// `[A-Za-z0-9][A-Za-z0-9._-]*`, at most 100 characters, not ending in
/// `.md`. The one id rule: check (E011), the schema and every writer use it.
pub fn is_valid_id(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_ID_LEN
        && b[0].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
        && !s.ends_with(".md")
}

/// A position in a file: 1-based line and column (in characters), and the
/// length in characters of the thing pointed at (at least 1 when drawn).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub line: u32,
    pub col: u32,
    pub len: u32,
}

impl Span {
    pub const START: Span = Span { line: 1, col: 1, len: 0 };

    pub fn new(line: u32, col: u32, len: u32) -> Span {
        Span { line, col, len }
    }
}

/// A value and where it was written.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Spanned<T> {
    pub value: T,
    #[serde(skip)]
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// A dependency: the id depended on and an optional lag in days.
#[derive(Clone, Debug, PartialEq)]
pub struct Dependency {
    pub id: Spanned<String>,
    /// Lag in working days (`2d`, `1w`, `4h`), as written and as days.
    pub lag: Option<(String, f64)>,
}

/// An entry of `references`.
#[derive(Clone, Debug, PartialEq)]
pub enum Reference {
    Item(Spanned<String>),
    Url { url: Spanned<String>, title: Option<String> },
}

/// Where each top-level key of a front-matter was written. Core field names
/// are stored as an index into [`CORE_FIELDS`]/[`SPRINT_FIELDS`] (no
/// allocation, 16 bytes an entry), other keys by name; lookups are linear (a
/// front-matter has a dozen keys), cheaper than a map for 100,000 items.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Keys {
    known: Vec<(u8, Span)>,
    other: Vec<(String, Span)>,
}

fn known_index(name: &str) -> Option<u8> {
    CORE_FIELDS.iter().chain(SPRINT_FIELDS).position(|f| *f == name).map(|i| i as u8)
}

fn known_name(i: u8) -> &'static str {
    CORE_FIELDS.iter().chain(SPRINT_FIELDS).nth(usize::from(i)).copied().unwrap_or("")
}

impl Keys {
    pub fn insert(&mut self, name: &str, span: Span) {
        match known_index(name) {
            Some(i) => self.known.push((i, span)),
            None => self.other.push((name.to_string(), span)),
        }
    }

    pub fn get(&self, name: &str) -> Option<Span> {
        match known_index(name) {
            Some(i) => self.known.iter().find(|(k, _)| *k == i).map(|(_, s)| *s),
            None => self.other.iter().find(|(k, _)| k == name).map(|(_, s)| *s),
        }
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The stored entries as they are (for the parse cache).
    #[allow(clippy::type_complexity)]
    pub(crate) fn raw(&self) -> (&[(u8, Span)], &[(String, Span)]) {
        (&self.known, &self.other)
    }

    /// Keys from [`Keys::raw`]'s parts; `None` if an index names no field.
    pub(crate) fn from_raw(known: Vec<(u8, Span)>, other: Vec<(String, Span)>) -> Option<Keys> {
        let fields = CORE_FIELDS.len() + SPRINT_FIELDS.len();
        known.iter().all(|(i, _)| usize::from(*i) < fields).then_some(Keys { known, other })
    }

    /// Keys in the order written.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Span)> {
        let mut all: Vec<(&str, Span)> = self
            .known
            .iter()
            .map(|(i, s)| (known_name(*i), *s))
            .chain(self.other.iter().map(|(k, s)| (k.as_str(), *s)))
            .collect();
        all.sort_by_key(|(_, s)| (s.line, s.col));
        all.into_iter()
    }
}

#[cfg(test)]
mod keys_tests {
    use super::*;

    #[test]
    fn keys_in_written_order() {
        let mut k = Keys::default();
        k.insert("title", Span::new(2, 1, 5));
        k.insert("team", Span::new(3, 1, 4));
        k.insert("goal", Span::new(4, 1, 4));
        assert_eq!(k.get("team"), Some(Span::new(3, 1, 4)));
        assert!(k.contains_key("goal"));
        assert!(!k.contains_key("status"));
        assert_eq!(k.iter().map(|(n, _)| n).collect::<Vec<_>>(), vec!["title", "team", "goal"]);
    }
}

/// Done/total counts of task-list boxes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub done: u32,
    pub total: u32,
}

/// The value of a custom field, as JSON, with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldValue {
    pub value: serde_json::Value,
    pub span: Span,
}

/// One backlog item (work item, document or sprint).
#[derive(Clone, Debug, Default)]
pub struct Item {
    pub id: Spanned<String>,
    pub kind: Spanned<String>,
    /// Path relative to the root, `/`-separated.
    pub path: String,
    pub title: Spanned<String>,
    pub status: Option<Spanned<String>>,
    pub priority: Option<Spanned<String>>,
    pub assignee: Vec<String>,
    pub reporter: Option<String>,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub due: Option<Spanned<NaiveDate>>,
    pub start: Option<Spanned<NaiveDate>>,
    pub end: Option<Spanned<NaiveDate>>,
    pub goal: Option<String>,
    pub capacity: BTreeMap<String, f64>,
    pub estimate: Option<f64>,
    /// Planned duration in days (`duration: 3d`).
    pub duration: Option<f64>,
    pub labels: Vec<String>,
    pub sprint: Option<Spanned<String>>,
    pub parent: Option<Spanned<String>>,
    pub depends_on: Vec<Dependency>,
    pub blocks: Vec<Spanned<String>>,
    pub relates_to: Vec<Spanned<String>>,
    pub duplicates: Option<Spanned<String>>,
    pub references: Vec<Reference>,
    /// `ml:` as written.
    pub ml: Option<serde_json::Value>,
    /// Custom fields declared in `cairn.yml`.
    pub fields: BTreeMap<String, FieldValue>,
    /// Where each top-level key was written.
    pub keys: Keys,
    pub body: String,
    /// File line of the body's first line.
    pub body_line: u32,
    pub checklist: Progress,
    pub acceptance: Progress,
    /// A fingerprint of the file text and path the item was read from
    /// ([`source_sig`]; 0 for an item not read from a file). Every other
    /// field is a function of them and of the configuration, until
    /// `ids.aliases` rewrites references: the site's incremental build
    /// keys an item's pages by it instead of hashing every field.
    pub source: u64,
}

/// The fingerprint [`Item::source`] holds: the text and the path.
pub fn source_sig(text: &str, path: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = foldhash::quality::FixedState::with_seed(0x6361_6972_6e2d_7372).build_hasher();
    h.write(path.as_bytes());
    h.write_u8(0);
    h.write(text.as_bytes());
    h.finish()
}

impl Item {
    pub fn id(&self) -> &str {
        &self.id.value
    }

    pub fn kind(&self) -> &str {
        &self.kind.value
    }

    pub fn status(&self) -> Option<&str> {
        self.status.as_ref().map(|s| s.value.as_str())
    }

    /// The priority, `medium` when not set.
    pub fn priority(&self) -> &str {
        self.priority.as_ref().map(|s| s.value.as_str()).unwrap_or("medium")
    }

    /// A draft: status `draft` or label `draft` (the site leaves drafts out
    /// unless asked).
    pub fn is_draft(&self) -> bool {
        self.status() == Some("draft") || self.labels.iter().any(|l| l == "draft")
    }

    /// Rank of the priority: 0 = highest … 4 = lowest.
    pub fn priority_rank(&self) -> usize {
        PRIORITIES.iter().position(|p| *p == self.priority()).unwrap_or(2)
    }

    /// The span of a key, or the file start.
    pub fn key_span(&self, key: &str) -> Span {
        self.keys.get(key).unwrap_or(Span::START)
    }

    /// Every item id this item names, with the relation and where: the
    /// edges as written (`blocks` written from this end is listed as `blocks`).
    pub fn written_refs(&self) -> Vec<(&'static str, &Spanned<String>)> {
        let mut out = Vec::new();
        if let Some(p) = &self.parent {
            out.push(("parent", p));
        }
        for d in &self.depends_on {
            out.push(("depends_on", &d.id));
        }
        for b in &self.blocks {
            out.push(("blocks", b));
        }
        for r in &self.relates_to {
            out.push(("relates_to", r));
        }
        if let Some(d) = &self.duplicates {
            out.push(("duplicates", d));
        }
        for r in &self.references {
            if let Reference::Item(id) = r {
                out.push(("references", id));
            }
        }
        out
    }
}

/// Counts task-list items in a Markdown body; those under a heading named
/// "Acceptance criteria" also count as acceptance criteria.
pub fn count_checklists(body: &str) -> (Progress, Progress) {
    count_checklists_with(body, &[])
}

/// [`count_checklists`], where the items under headings named one of
/// `also` (any case) count as acceptance criteria too.
pub fn count_checklists_with(body: &str, also: &[String]) -> (Progress, Progress) {
    let mut all = Progress::default();
    let mut acc = Progress::default();
    let mut in_acc = false;
    let mut fence: Option<&str> = None;
    for line in body.lines() {
        let t = line.trim_start();
        if let Some(f) = fence {
            if t.starts_with(f) {
                fence = None;
            }
            continue;
        }
        if t.starts_with("```") || t.starts_with("~~~") {
            fence = Some(&t[..3]);
            continue;
        }
        if t.starts_with('#') {
            let h = t.trim_start_matches('#').trim().trim_end_matches('#').trim().trim_end_matches(':');
            in_acc = h.eq_ignore_ascii_case("acceptance criteria") || also.iter().any(|a| h.eq_ignore_ascii_case(a));
            continue;
        }
        let rest =
            t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")).or_else(|| t.strip_prefix("+ ")).or_else(|| {
                let digits = t.bytes().take_while(u8::is_ascii_digit).count();
                if digits > 0 {
                    t[digits..].strip_prefix(". ").or_else(|| t[digits..].strip_prefix(") "))
                } else {
                    None
                }
            });
        let Some(rest) = rest else { continue };
        let done = if rest.starts_with("[x]") || rest.starts_with("[X]") {
            true
        } else if rest.starts_with("[ ]") {
            false
        } else {
            continue;
        };
        if !(rest.len() == 3 || rest[3..].starts_with([' ', '\t'])) {
            continue;
        }
        all.total += 1;
        all.done += u32::from(done);
        if in_acc {
            acc.total += 1;
            acc.done += u32::from(done);
        }
    }
    (all, acc)
}

/// The body's first `# ` heading, for items without `title:`.
pub fn first_heading(body: &str) -> Option<(usize, &str)> {
    body.lines()
        .enumerate()
        .find_map(|(i, l)| l.strip_prefix("# ").map(|t| (i, t.trim().trim_end_matches('#').trim())))
        .filter(|(_, t)| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(is_valid_id("at-risk-widget"));
        assert!(is_valid_id("2026-s47"));
        assert!(is_valid_id("A.b_c-d"));
        assert!(!is_valid_id("-x"));
        assert!(!is_valid_id("a b"));
        assert!(!is_valid_id("../etc"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id(&"a".repeat(101)));
    }

    #[test]
    fn checklists() {
        let body = "- [x] one\n- [ ] two\n\n## Acceptance criteria\n- [x] a\n* [ ] b\n1. [X] c\n```\n- [ ] not counted\n```\n## Notes\n- [ ] three\n- [link](x)\n";
        let (all, acc) = count_checklists(body);
        assert_eq!(all, Progress { done: 3, total: 6 });
        assert_eq!(acc, Progress { done: 2, total: 3 });
    }

    #[test]
    fn heading_title() {
        assert_eq!(first_heading("text\n# The title\n"), Some((1, "The title")));
        assert_eq!(first_heading("## not\n"), None);
    }
}
