//! The events rules run on: from a git range (the history's events, the
//! model `cairn log` and `cairn diff` use), from sprint dates crossed by the
//! range, and from the changes rules themselves make (the next round).

use serde::Serialize;
use serde_json::Value;

use crate::config::automation::Trigger;
use crate::config::Config;
use crate::edit::ChangeSet;
use crate::history::walk::CommitData;
use crate::history::{blob, events, Action, RawEvent};
use crate::load::Backlog;

/// What happened, as a rule's trigger names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Created,
    /// Once per item and commit (or round) that changed any of its fields.
    Updated,
    /// A change of `status` (one field).
    StatusChanged,
    /// A change of any other field.
    FieldChanged,
    Deleted,
    SprintStarted,
    SprintEnded,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Created => "created",
            Kind::Updated => "updated",
            Kind::StatusChanged => "status_changed",
            Kind::FieldChanged => "field_changed",
            Kind::Deleted => "deleted",
            Kind::SprintStarted => "sprint_started",
            Kind::SprintEnded => "sprint_ended",
        }
    }
}

/// One event a rule may run on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: Kind,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
    /// The commit that made it (none for a rule's change or a sprint date).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// RFC 3339 UTC, for commit events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// The rules whose change made it (later rounds).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by: Vec<String>,
}

impl Event {
    fn new(kind: Kind, id: &str) -> Event {
        Event {
            kind,
            id: id.to_string(),
            field: None,
            old: None,
            new: None,
            commit: None,
            author: None,
            email: None,
            time: None,
            by: Vec::new(),
        }
    }

    /// Whether `trigger` fires on this event.
    pub fn fires(&self, trigger: &Trigger) -> bool {
        match trigger {
            Trigger::Created => self.kind == Kind::Created,
            Trigger::Updated => self.kind == Kind::Updated,
            Trigger::StatusChanged => self.kind == Kind::StatusChanged,
            Trigger::FieldChanged(f) => {
                matches!(self.kind, Kind::StatusChanged | Kind::FieldChanged) && self.field.as_deref() == Some(f)
            }
            Trigger::Deleted => self.kind == Kind::Deleted,
            Trigger::SprintStarted => self.kind == Kind::SprintStarted,
            Trigger::SprintEnded => self.kind == Kind::SprintEnded,
        }
    }
}

fn rfc3339(seconds: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(seconds, 0).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// Field-level changes of one item → its `updated` event and one event per field.
fn field_events(base: &Event, changes: Vec<(String, Option<Value>, Option<Value>)>, out: &mut Vec<Event>) {
    if changes.is_empty() {
        return;
    }
    out.push(Event { kind: Kind::Updated, ..base.clone() });
    for (field, old, new) in changes {
        let kind = if field == "status" { Kind::StatusChanged } else { Kind::FieldChanged };
        out.push(Event { kind, field: Some(field), old, new, ..base.clone() });
    }
}

/// The events of a range's history (as [`crate::history::diff::range_events`]
/// gives them), oldest first: per commit and item, `created`/`deleted`, or
/// `updated` then one event per changed field.
pub fn from_history(commits: &[CommitData], raw: &[RawEvent]) -> Vec<Event> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let (c, id) = (raw[i].commit, raw[i].id.as_str());
        let mut j = i;
        while j < raw.len() && raw[j].commit == c && raw[j].id == id {
            j += 1;
        }
        let mut base = Event::new(Kind::Updated, id);
        if let Some(meta) = commits.get(c as usize) {
            base.commit = Some(meta.id.to_string());
            base.author = Some(meta.author.clone());
            base.email = Some(meta.email.clone());
            base.time = rfc3339(meta.time);
        }
        let mut changes = Vec::new();
        let mut renamed = false;
        for e in &raw[i..j] {
            match e.action {
                Action::Created => out.push(Event { kind: Kind::Created, ..base.clone() }),
                Action::Deleted => out.push(Event { kind: Kind::Deleted, old: e.old.clone(), ..base.clone() }),
                Action::Renamed => renamed = true,
                Action::Updated => {
                    if let Some(f) = &e.field {
                        changes.push((f.clone(), e.old.clone(), e.new.clone()));
                    }
                }
            }
        }
        if renamed && changes.is_empty() {
            out.push(base.clone());
        }
        field_events(&base, changes, &mut out);
        i = j;
    }
    out
}

/// `sprint_started` for each sprint whose start date lies after the day of
/// `from` and on or before the day of `to`; `sprint_ended` for each whose
/// last day (`end`) lies on or after the day of `from` and before the day of
/// `to` (days in the config's timezone; times in seconds since the epoch).
pub fn sprint_events(backlog: &Backlog, from: i64, to: i64) -> Vec<Event> {
    let offset = crate::util::time::parse_offset(&backlog.config.timezone).map(|o| o.local_minus_utc()).unwrap_or(0);
    let day = |t: i64| chrono::DateTime::from_timestamp(t + i64::from(offset), 0).map(|d| d.date_naive());
    let (Some(a), Some(b)) = (day(from), day(to)) else { return Vec::new() };
    let mut out = Vec::new();
    for s in crate::load::sprints::sprints(backlog) {
        if a < s.start && s.start <= b {
            out.push(Event { new: Some(Value::String(s.start.to_string())), ..Event::new(Kind::SprintStarted, &s.id) });
        }
    }
    for s in crate::load::sprints::sprints(backlog) {
        if a <= s.end && s.end < b {
            out.push(Event { new: Some(Value::String(s.end.to_string())), ..Event::new(Kind::SprintEnded, &s.id) });
        }
    }
    out
}

/// A file from one round to the next: path, bytes before (none: new), bytes after.
type FileStep<'a> = (&'a str, Option<&'a [u8]>, &'a [u8]);

/// The events of going from change set `before` to `after` (both planned
/// on the same backlog, `after` doing what `before` did and more), made by
/// the rules `by` (id → rule names).
pub fn between(
    config: &Config,
    before: &ChangeSet,
    after: &ChangeSet,
    by: &std::collections::BTreeMap<String, Vec<String>>,
) -> Vec<Event> {
    let mut out = Vec::new();
    let now: std::collections::HashMap<&str, &[u8]> =
        after.changes.iter().map(|c| (c.path.as_str(), c.new.as_slice())).collect();
    let was: std::collections::HashMap<&str, &[u8]> =
        before.changes.iter().map(|c| (c.path.as_str(), c.new.as_slice())).collect();
    // Files `after` changes, and files `before` changed that `after` leaves
    // as they were (a change undone): (path, bytes before, bytes after).
    let mut files: Vec<FileStep> = Vec::new();
    for c in &after.changes {
        files.push((&c.path, was.get(c.path.as_str()).copied().or(c.old.as_deref()), &c.new));
    }
    for c in &before.changes {
        if let (false, Some(orig)) = (now.contains_key(c.path.as_str()), c.old.as_deref()) {
            files.push((&c.path, Some(&c.new), orig));
        }
    }
    for (path, prev, new) in files {
        if prev == Some(new) {
            continue;
        }
        let Some(ns) = blob::parse_in(new, Some(config)) else { continue };
        let id = ns.id(path);
        let mut base = Event::new(Kind::Updated, &id);
        base.by = by.get(&id).cloned().unwrap_or_default();
        match prev.and_then(|b| blob::parse_in(b, Some(config))) {
            None => out.push(Event { kind: Kind::Created, ..base }),
            Some(os) => field_events(&base, events::item_changes(config, path, &os, path, &ns), &mut out),
        }
    }
    out
}
