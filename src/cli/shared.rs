//! What several commands share (this is not a command): reading the
//! history with the command line's logging, and the one-line text of an
//! event. Command modules import from here and from `cli/mod.rs`, never
//! from each other (`tests/architecture.rs`).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::Ctx;
use crate::history::{self, Action, Event, Events};
use crate::load::Backlog;

/// Reads the history of the backlog (cached), warning on stderr about a
/// missing repository or a shallow clone when `warn`.
pub fn read_history(ctx: &Ctx, backlog: &Backlog, use_cache: bool, warn: bool) -> anyhow::Result<Events> {
    let t = std::time::Instant::now();
    let ev = history::read(&backlog.root, &backlog.config, use_cache)?;
    ctx.log(
        "history",
        &format!(
            "{} ({} processed), {} in {:.1?}",
            crate::util::text::count(ev.commits.len(), "commit"),
            ev.processed,
            crate::util::text::count(ev.events.len(), "event"),
            t.elapsed()
        ),
    );
    if warn {
        for w in ev.warnings() {
            ctx.warn(&w);
        }
    }
    Ok(ev)
}

/// Derived created/updated/reporter per id, for `list` and `show`; empty
/// when there is no history (never an error: these commands work without git).
pub fn derived(ctx: &Ctx, backlog: &Backlog) -> BTreeMap<String, crate::query::Derived> {
    match read_history(ctx, backlog, true, false) {
        Ok(ev) => history::derived(&ev),
        Err(e) => {
            ctx.warn(&format!("history unavailable: {e}"));
            BTreeMap::new()
        }
    }
}

pub fn short(v: &Option<Value>) -> String {
    match v {
        None | Some(Value::Null) => "∅".to_string(),
        Some(v) => {
            let s = v.to_string();
            if s.chars().count() > 60 {
                format!("{}…", s.chars().take(59).collect::<String>())
            } else {
                s
            }
        }
    }
}

pub fn text_line(e: &Event) -> String {
    let what = match (e.action, e.field.as_deref()) {
        (Action::Created, _) => format!("created {}", e.path),
        (Action::Deleted, _) => format!("deleted {}", e.path),
        (Action::Renamed, _) => format!("renamed {} → {}", short_path(&e.old), short_path(&e.new)),
        (Action::Updated, Some("body")) => "updated body".to_string(),
        (Action::Updated, f) => format!("updated {}: {} → {}", f.unwrap_or(""), short(&e.old), short(&e.new)),
    };
    format!("{}  {}  {}  {}  {}\n", e.time, &e.commit[..e.commit.len().min(8)], e.author, e.id, what)
}

fn short_path(v: &Option<Value>) -> String {
    v.as_ref().and_then(|v| v.as_str()).unwrap_or("").to_string()
}

/// How many events `show` lists.
const RECENT: usize = 10;

/// Adds derived created/updated/reporter (where the front-matter has none)
/// and `history` (the item's last events, newest first) to a `show` view;
/// returns those events as text for `show --format text`.
pub fn add_history(ctx: &Ctx, backlog: &Backlog, id: &str, view: &mut Value) -> String {
    let ev = match read_history(ctx, backlog, true, false) {
        Ok(ev) => ev,
        Err(e) => {
            ctx.warn(&format!("history unavailable: {e}"));
            return String::new();
        }
    };
    if let Some(d) = history::derived(&ev).get(id) {
        for (k, v) in [("created", &d.created), ("updated", &d.updated), ("reporter", &d.reporter)] {
            if view[k].is_null() {
                view[k] = json!(v);
            }
        }
    }
    let recent: Vec<&Event> = ev.events.iter().rev().filter(|e| e.id == id).take(RECENT).collect();
    view["history"] = json!(recent);
    if recent.is_empty() {
        return String::new();
    }
    let mut s = String::from("\nrecent history:\n");
    for e in recent {
        s.push_str("  ");
        s.push_str(&text_line(e));
    }
    s
}
