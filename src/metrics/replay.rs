//! Replay: the state of every item at the end of any day, from the event
//! list of [`crate::history`].
//!
//! A [`Replay`] is a cursor over the events (oldest first): [`Replay::advance_to`]
//! applies every event up to a time, so a daily series over a year of
//! history is one pass over the events plus one scan of the (compact) item
//! states per day. Only what metrics need is kept per item: kind, status
//! (with its category), sprint, estimate, and the times of the status
//! transitions cycle and lead time are measured from.
//!
//! Times are made monotone along the walk (each commit's time is at least
//! its predecessor's), so a commit whose committer clock was behind counts
//! at the time of the commit before it.

use std::collections::HashMap;

use serde_json::Value;

use crate::config::{Category, Config};
use crate::history::{Action, Event};

/// An item as of the cursor's time.
#[derive(Clone, Debug, Default)]
pub struct ItemState {
    pub id: String,
    /// The item exists (created and not deleted).
    pub exists: bool,
    /// Path relative to the root (the folder gives the kind when `kind:` is absent).
    pub path: String,
    /// `kind:` as written.
    explicit_kind: Option<String>,
    /// The effective kind (written or from the folder).
    pub kind: Option<String>,
    /// A work item (a kind with the `work` role).
    pub work: bool,
    pub status: Option<String>,
    /// The status category (`None`: unknown status or no status).
    pub category: Option<Category>,
    /// Done and delivered (`completed: true`).
    pub delivered: bool,
    pub sprint: Option<String>,
    pub estimate: Option<f64>,
    /// Time of the first `created` event.
    pub created: i64,
    /// Time of the last event of any kind.
    pub changed: i64,
    /// First move into a `doing` status (or creation in one).
    pub first_doing: Option<i64>,
    /// Last move into a delivered status (after creation).
    pub last_done: Option<i64>,
    /// Created directly in a done status (no observed transition into it).
    pub created_done: bool,
    /// A `created` event was seen.
    seen: bool,
}

impl ItemState {
    /// In a `done`-category status (delivered or not, e.g. cancelled).
    pub fn is_done(&self) -> bool {
        self.category == Some(Category::Done)
    }

    /// A work item that exists.
    pub fn live_work(&self) -> bool {
        self.exists && self.work
    }

    /// The estimate, 0 when absent.
    pub fn points(&self) -> f64 {
        self.estimate.unwrap_or(0.0)
    }

    /// Whether the item is in sprint `s`.
    pub fn in_sprint(&self, s: &str) -> bool {
        self.sprint.as_deref() == Some(s)
    }
}

/// A cursor replaying events over item states.
pub struct Replay<'a> {
    config: &'a Config,
    events: &'a [Event],
    /// Monotone time of each event.
    times: Vec<i64>,
    pos: usize,
    pub items: Vec<ItemState>,
    index: HashMap<String, usize>,
    /// Category cache: (kind, status) → (category, completed).
    cats: HashMap<(String, String), Option<(Category, bool)>>,
}

impl<'a> Replay<'a> {
    pub fn new(config: &'a Config, events: &'a [Event]) -> Replay<'a> {
        let mut times = Vec::with_capacity(events.len());
        let mut last = i64::MIN;
        for e in events {
            last = last.max(e.seconds);
            times.push(last);
        }
        Replay { config, events, times, pos: 0, items: Vec::new(), index: HashMap::new(), cats: HashMap::new() }
    }

    /// The (monotone) time of the first event, if any.
    pub fn first_time(&self) -> Option<i64> {
        self.times.first().copied()
    }

    /// The (monotone) time of the last event, if any.
    pub fn last_time(&self) -> Option<i64> {
        self.times.last().copied()
    }

    /// Applies every event whose time is before `t` (exclusive).
    pub fn advance_to(&mut self, t: i64) {
        while self.pos < self.events.len() && self.times[self.pos] < t {
            let e = &self.events[self.pos];
            let time = self.times[self.pos];
            self.apply(e, time);
            self.pos += 1;
        }
    }

    /// Applies every remaining event.
    pub fn finish(&mut self) {
        self.advance_to(i64::MAX);
    }

    /// The state of item `id`, if it was ever seen.
    pub fn get(&self, id: &str) -> Option<&ItemState> {
        self.index.get(id).map(|&k| &self.items[k])
    }

    fn slot(&mut self, id: &str) -> usize {
        if let Some(&k) = self.index.get(id) {
            return k;
        }
        let k = self.items.len();
        self.items.push(ItemState { id: id.to_string(), ..Default::default() });
        self.index.insert(id.to_string(), k);
        k
    }

    fn apply(&mut self, e: &Event, time: i64) {
        // `cairn mv`: the item's state moves to its new id.
        if let (Action::Renamed, Some(old)) = (e.action, &e.old_id) {
            if !self.index.contains_key(&e.id) {
                if let Some(k) = self.index.remove(old) {
                    self.items[k].id = e.id.clone();
                    self.index.insert(e.id.clone(), k);
                }
            }
        }
        let k = self.slot(&e.id);
        let before = self.items[k].category;
        match e.action {
            Action::Created => {
                let it = &mut self.items[k];
                let first = !it.seen;
                let (id, first_doing, last_done) = (std::mem::take(&mut it.id), it.first_doing, it.last_done);
                let created = if first { time } else { it.created };
                *it = ItemState {
                    id,
                    exists: true,
                    path: e.path.clone(),
                    first_doing,
                    last_done,
                    created,
                    seen: true,
                    ..Default::default()
                };
                if let Some(Value::Object(m)) = &e.new {
                    it.explicit_kind = m.get("kind").and_then(string);
                    it.status = m.get("status").and_then(string);
                    it.sprint = m.get("sprint").and_then(string);
                    it.estimate = m.get("estimate").and_then(number);
                }
                self.resolve(k);
                let it = &mut self.items[k];
                if it.category == Some(Category::Doing) && it.first_doing.is_none() {
                    it.first_doing = Some(time);
                }
                if it.is_done() && first {
                    it.created_done = true;
                }
                it.changed = time;
                return;
            }
            Action::Deleted => {
                self.items[k].exists = false;
            }
            Action::Renamed => {
                self.items[k].path = e.path.clone();
                self.resolve(k);
            }
            Action::Updated => {
                let it = &mut self.items[k];
                match e.field.as_deref() {
                    Some("status") => it.status = e.new.as_ref().and_then(string),
                    Some("sprint") => it.sprint = e.new.as_ref().and_then(string),
                    Some("estimate") => it.estimate = e.new.as_ref().and_then(number),
                    Some("kind") => it.explicit_kind = e.new.as_ref().and_then(string),
                    _ => {}
                }
                if matches!(e.field.as_deref(), Some("status" | "kind")) {
                    self.resolve(k);
                }
            }
        }
        let it = &mut self.items[k];
        it.changed = time;
        if it.category != before {
            if it.category == Some(Category::Doing) && it.first_doing.is_none() {
                it.first_doing = Some(time);
            }
            if it.delivered {
                it.last_done = Some(time);
            }
        }
    }

    /// Recomputes kind, work, category and delivered of slot `k`.
    fn resolve(&mut self, k: usize) {
        let config = self.config;
        let it = &mut self.items[k];
        let kind = match &it.explicit_kind {
            Some(kd) => Some(kd.clone()),
            None => config.kind_for_path(&it.path).map(|d| d.name.clone()),
        };
        it.work = kind.as_deref().is_some_and(|kd| config.is_work(kd));
        let cat = match (&kind, &it.status) {
            (Some(kd), Some(st)) => *self
                .cats
                .entry((kd.clone(), st.clone()))
                .or_insert_with(|| config.status(kd, st).map(|s| (s.category, s.completed))),
            _ => None,
        };
        it.kind = kind;
        it.category = cat.map(|c| c.0);
        it.delivered = cat.is_some_and(|(c, done)| c == Category::Done && done);
    }
}

fn string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64().filter(|x| x.is_finite() && *x >= 0.0),
        _ => None,
    }
}
