//! The serializable pieces of page contexts (see `docs/templates.md`):
//! item cards, events, insights. Each is computed once per build and shared
//! by every page that shows it (minijinja values are reference-counted, so
//! a card on ten pages is one allocation).

use serde::Serialize;
use serde_json::Value;

use crate::history::Event;
use crate::load::Backlog;

/// An item as boards, tables and lists show it.
#[derive(Clone, Debug, Serialize)]
pub struct Card {
    pub id: String,
    pub kind: String,
    pub kind_label: String,
    pub title: String,
    pub status: Option<String>,
    /// The status with `_` as spaces.
    pub status_label: String,
    /// `todo`, `doing`, `done` or `none` (unknown status).
    pub category: &'static str,
    pub priority: String,
    /// 0 = highest … 4 = lowest (for sorting).
    pub priority_rank: usize,
    pub assignee: Vec<String>,
    pub estimate: Option<Value>,
    pub sprint: Option<String>,
    pub sprint_url: Option<String>,
    pub parent: Option<String>,
    pub parent_url: Option<String>,
    pub labels: Vec<String>,
    /// The item's page, relative to the site root (`None`: no page).
    pub url: Option<String>,
    /// Open, with an open `depends_on`.
    pub blocked: bool,
    pub due: Option<String>,
    /// Open with `due` before today.
    pub overdue: bool,
    pub path: String,
    pub is_work: bool,
}

/// The state-based category of item `i`.
pub fn category(b: &Backlog, i: usize) -> &'static str {
    crate::graph::render::category(b, i)
}

/// One event of the audit trail, for pages.
#[derive(Clone, Debug, Serialize)]
pub struct EventView {
    pub time: String,
    pub date: String,
    pub author: String,
    pub email: String,
    pub id: String,
    pub title: Option<String>,
    pub url: Option<String>,
    pub action: &'static str,
    pub field: Option<String>,
    pub old: Option<String>,
    pub new: Option<String>,
    pub commit: String,
    pub commit_short: String,
    /// The change in words (`status: ready → in_progress`).
    pub summary: String,
}

/// A value as short text.
pub fn short(v: &Option<Value>) -> Option<String> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(crate::graph::render::truncate(s, 80)),
        Some(Value::Array(a)) => Some(crate::graph::render::truncate(
            &a.iter()
                .map(|x| x.as_str().map(String::from).unwrap_or_else(|| x.to_string()))
                .collect::<Vec<_>>()
                .join(", "),
            80,
        )),
        Some(v) => Some(crate::graph::render::truncate(&v.to_string(), 80)),
    }
}

pub fn event_view(e: &Event, title: Option<&str>, url: Option<String>) -> EventView {
    let old = short(&e.old);
    let new = short(&e.new);
    let summary = match (e.action.as_str(), e.field.as_deref()) {
        ("created", _) => "created".to_string(),
        ("deleted", _) => "deleted".to_string(),
        ("renamed", _) => format!("renamed to {}", e.path),
        (_, Some("body")) => "edited the description".to_string(),
        (_, Some(f)) => format!(
            "{f}: {} → {}",
            old.clone().unwrap_or_else(|| "∅".into()),
            new.clone().unwrap_or_else(|| "∅".into())
        ),
        _ => "updated".to_string(),
    };
    EventView {
        time: e.time.clone(),
        date: e.time.get(..10).unwrap_or(&e.time).to_string(),
        author: e.author.clone(),
        email: e.email.clone(),
        id: e.id.clone(),
        title: title.map(String::from),
        url,
        action: e.action.as_str(),
        field: e.field.clone(),
        old,
        new,
        commit: e.commit.clone(),
        commit_short: e.commit.get(..8).unwrap_or(&e.commit).to_string(),
        summary,
    }
}

/// A finding of a risk rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Insight {
    /// Stable rule name (`blocked-in-progress`).
    pub rule: String,
    /// `high`, `medium` or `low`.
    pub severity: String,
    pub title: String,
    pub detail: String,
    /// Ids of the items concerned.
    pub items: Vec<String>,
}

/// Flattens a JSON value into `(dotted.key, text)` rows (for `ml:`).
pub fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, x, out);
            }
        }
        Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => {
            out.push((
                prefix.to_string(),
                a.iter()
                    .map(|x| x.as_str().map(String::from).unwrap_or_else(|| x.to_string()))
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        Value::Array(a) => {
            for (k, x) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{k}]"), x, out);
            }
        }
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Null => out.push((prefix.to_string(), "—".to_string())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}
