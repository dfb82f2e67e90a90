//! Diagnostics are data: a code, a severity, a message, a position, and
//! optional notes pointing at other places (the other file of a duplicate
//! id, each hop of a cycle).

use serde::Serialize;

use crate::model::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A secondary position with a message.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Note {
    pub message: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
    #[serde(skip)]
    pub len: u32,
}

/// One problem found in the backlog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    /// Path relative to the backlog root, `/`-separated.
    pub file: String,
    pub line: u32,
    pub column: u32,
    #[serde(skip)]
    pub len: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

impl Diagnostic {
    pub fn new(code: &'static str, file: &str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: severity_of(code),
            code,
            message: message.into(),
            file: file.to_string(),
            line: span.line.max(1),
            column: span.col.max(1),
            len: span.len,
            id: None,
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn with_id(mut self, id: &str) -> Self {
        self.id = Some(id.to_string());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, file: &str, span: Span, message: impl Into<String>) -> Self {
        self.notes.push(Note {
            message: message.into(),
            file: file.to_string(),
            line: span.line.max(1),
            column: span.col.max(1),
            len: span.len,
        });
        self
    }

    /// The order diagnostics are reported in: by file, position, code.
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        (&self.file, self.line, self.column, self.code, &self.message)
    }
}

/// Sorts diagnostics into report order and drops exact duplicates.
pub fn sort(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diags.dedup_by(|a, b| a.sort_key() == b.sort_key());
}

/// Every diagnostic code with its severity, a short name and an explanation.
pub const CODES: &[(&str, &str, &str)] = &[
    ("E001", "missing-front-matter", "The file has no YAML front-matter: its first line must be `---`, followed by YAML and a closing `---` line."),
    ("E002", "unclosed-front-matter", "The front-matter starts with `---` but no closing `---` line follows."),
    ("E003", "yaml-syntax", "The front-matter is not valid YAML (tabs for indentation, unclosed brackets or quotes, bad indentation, alias bombs and absurd nesting are all refused)."),
    ("E004", "not-utf8", "The file, or its name, is not valid UTF-8 (the name is shown with U+FFFD for the bytes that are not)."),
    ("E005", "front-matter-not-mapping", "The front-matter must be a mapping of keys to values."),
    ("E006", "unreadable-file", "The file could not be read (permissions, too large, symlink loop)."),
    ("E010", "duplicate-id", "Two files have the same id (from `id:` or the file stem); ids must be unique in the root."),
    ("E011", "invalid-id", "Ids are slugs: `[A-Za-z0-9][A-Za-z0-9._-]*`, at most 100 characters."),
    ("E012", "unknown-status", "The status is not one of the statuses of the item's kind."),
    ("E013", "missing-status", "Work items need a `status:`."),
    ("E014", "unknown-kind", "The kind is not defined, or could not be derived from the folder."),
    ("E015", "missing-title", "An item needs `title:` or a `# ` heading in its body."),
    ("E016", "unknown-priority", "Priorities are `highest`, `high`, `medium`, `low`, `lowest`."),
    ("E017", "wrong-type", "A field has a value of the wrong type (a string where a number goes, a bad date, …)."),
    ("E018", "unknown-field", "A top-level key is neither a core field nor a custom field declared in `cairn.yml`."),
    ("E019", "duplicate-key", "The same key is written twice in one front-matter."),
    ("E020", "unknown-reference", "A relation names an id that no item has."),
    ("E021", "parent-kind-not-allowed", "The parent's kind is not an allowed parent kind of this item's kind."),
    ("E022", "parent-cycle", "Following `parent` leads back to the item."),
    ("E023", "dependency-cycle", "Following `depends_on` (or `blocks`) leads back to the item."),
    ("E024", "depends-on-ancestor", "An item depends on its own ancestor or descendant: a parent finishes only when its children do."),
    ("E025", "duplicates-itself", "`duplicates` points at the item itself."),
    ("E026", "unknown-sprint", "`sprint` names an id that is not a sprint."),
    ("E027", "bad-lag", "A lag or duration is written as a number and a unit: `3d`, `1w`, `4h` (at most 9 digits before the point), or as a number of days."),
    ("E028", "bad-url", "References may link to http(s) and mailto urls only."),
    ("E029", "ml-metric-out-of-range", "`ml.metrics` values are numbers in [0, 1]."),
    ("E030", "value-not-allowed", "The value is not one of the allowed values, or outside the allowed range. Numbers in items (estimates, capacities, numeric custom fields) are less than one billion (1e9) in size."),
    ("E031", "missing-required-field", "A custom field marked `required` is missing."),
    ("E032", "field-not-for-kind", "A custom field is declared for other kinds only."),
    ("E033", "self-reference", "An item names itself in a relation."),
    ("E034", "bad-sprint-dates", "A sprint needs `start` and `end`, with `end` on or after `start`."),
    ("E040", "forbidden-transition", "A status change that `workflow` in cairn.yml does not allow (reported by `cairn diff`)."),
    ("W001", "done-with-open-dependency", "The item is done while one of its dependencies is not."),
    ("W002", "open-child-of-done-parent", "The item is not done while its parent is done."),
    ("W003", "due-before-start", "The due date is before the start date."),
    ("W004", "unchecked-acceptance-criteria", "The item is done but some acceptance criteria are unchecked."),
    ("W005", "ml-without-ethical-review", "A work item naming an ML model is done while its `ethical_review` is not `approved` or `not_required`."),
    ("W006", "symlink-outside-root", "A symbolic link points outside the backlog root and is not followed."),
    ("W007", "broken-link", "A `[[id]]` or relative link in the body points at no item."),
    ("W008", "yaml-tag-ignored", "A YAML tag (`!!python/object/apply:…`, `!secret`, `!!int`, any `!tag` but `!!str`) is ignored: front-matter is read as plain data, never as objects or custom types. Remove the tag; quote a value to make it text."),
    ("W010", "no-history", "No git repository: history-based fields and metrics are unavailable."),
    ("W011", "shallow-history", "The history is shallow: fetch full history (fetch-depth: 0) for audit and burndown."),
    ("W012", "unreadable-object", "A git object (commit, tree or blob) of the history cannot be read: it is missing (a deleted loose object, a broken clone) or corrupt. History skips it and keeps every event it can still derive: the changes it hid show up at the next commit that can be read. It is not a shallow boundary; `git fsck` names what is broken, and fetching again may bring it back."),
    ("W020", "blocked-in-progress", "The item is in a `doing` status while one of its `depends_on` is not done: work started on something that is still blocked."),
    ("W021", "dependency-in-later-sprint", "The item depends on an open item planned in a sprint that starts after the item's own sprint: it cannot finish in its sprint."),
    ("W022", "overdue", "The item is open and its `due` date is before today (the date of the HEAD commit; skipped with `--no-history` or without git)."),
    ("W023", "open-duplicate", "The item `duplicates` another one but is still open: close it or remove `duplicates`."),
];

/// The severity of a code: `E…` are errors, `W…` warnings.
pub fn severity_of(code: &str) -> Severity {
    if code.starts_with('W') {
        Severity::Warning
    } else {
        Severity::Error
    }
}

/// The explanation of a code, if known.
pub fn explain(code: &str) -> Option<(&'static str, &'static str)> {
    CODES.iter().find(|(c, _, _)| c.eq_ignore_ascii_case(code)).map(|(_, n, e)| (*n, *e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_sorted() {
        let mut seen = std::collections::BTreeSet::new();
        for (c, _, _) in CODES {
            assert!(seen.insert(*c), "duplicate {c}");
        }
        assert_eq!(severity_of("W001"), Severity::Warning);
        assert_eq!(severity_of("E012"), Severity::Error);
        assert!(explain("e012").is_some());
    }
}
