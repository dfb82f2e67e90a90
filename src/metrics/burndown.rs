//! Sprint burndown (`history.md`, "Sprint burndown").
//!
//! For sprint S from `start` to `end` (local dates):
//! - **committed**: the estimate of the work items whose `sprint` is S at
//!   the end of the start day;
//! - for each day D from start to end (or today, whichever is earlier), at
//!   the end of D: **remaining** = estimate of items in S whose status
//!   category is not done; **completed** = estimate of items in S in a
//!   delivered status (done and `completed: true`); **added** / **removed**
//!   = estimate that entered / left S that day (after the start day; an
//!   item leaving counts with its estimate of the day before);
//!   **re_estimated** = net estimate change that day of items that stayed in
//!   S; **unestimated** = open items in S without an estimate (they count
//!   as 0 points); **ideal** = the straight line from committed on the start
//!   day to 0 on the end day (calendar days).
//! - A re-opened item goes back into remaining; a cancelled one (done, not
//!   completed) leaves remaining without counting as completed.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::replay::ItemState;
use super::{r2, Sprint};

/// One change of a sprint's scope or state on a day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    pub id: String,
    /// `added`, `removed`, `re_estimated`, `completed`, `reopened`, `cancelled`.
    pub change: &'static str,
    /// Points concerned (the estimate; for `re_estimated` the difference).
    pub points: f64,
}

/// One day of a burndown.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Day {
    pub date: String,
    pub remaining: f64,
    pub completed: f64,
    pub added: f64,
    pub removed: f64,
    pub ideal: f64,
    pub re_estimated: f64,
    pub unestimated: usize,
    /// Items in the sprint at the end of the day.
    pub items: usize,
    /// What changed that day, by id.
    pub changes: Vec<Change>,
}

/// A sprint's burndown (`cairn burndown --format json`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Burndown {
    pub sprint: String,
    pub title: String,
    pub start: String,
    pub end: String,
    pub unit: String,
    pub committed: f64,
    /// Items committed at the end of the start day.
    pub committed_items: usize,
    /// `planned` (not started by today), `active` or `closed` (ended before today).
    pub state: &'static str,
    pub days: Vec<Day>,
}

impl Burndown {
    /// Points added after the start day.
    pub fn added(&self) -> f64 {
        r2(self.days.iter().map(|d| d.added).sum())
    }

    /// Points removed after the start day.
    pub fn removed(&self) -> f64 {
        r2(self.days.iter().map(|d| d.removed).sum())
    }

    /// Completed at the last day computed.
    pub fn completed(&self) -> f64 {
        self.days.last().map(|d| d.completed).unwrap_or(0.0)
    }
}

/// Accumulates one sprint's days during the replay.
pub struct Builder {
    b: Burndown,
    start: NaiveDate,
    last: Option<NaiveDate>,
    span: i64,
    /// Members at the end of the previous day: slot → (estimate, done, delivered).
    prev: BTreeMap<usize, (Option<f64>, bool, bool)>,
}

impl Builder {
    pub fn new(s: &Sprint, unit: &str, today: Option<NaiveDate>) -> Builder {
        let last = today.map(|t| t.min(s.end)).filter(|l| *l >= s.start);
        let state = match today {
            Some(t) if t > s.end => "closed",
            Some(t) if t >= s.start => "active",
            _ => "planned",
        };
        Builder {
            b: Burndown {
                sprint: s.id.clone(),
                title: s.title.clone(),
                start: s.start.to_string(),
                end: s.end.to_string(),
                unit: unit.to_string(),
                committed: 0.0,
                committed_items: 0,
                state,
                days: Vec::new(),
            },
            start: s.start,
            last,
            span: (s.end - s.start).num_days(),
            prev: BTreeMap::new(),
        }
    }

    /// Records day `d` from the item states at its end (no-op outside the sprint).
    pub fn day(&mut self, d: NaiveDate, items: &[ItemState]) {
        let Some(last) = self.last else { return };
        if d < self.start || d > last {
            return;
        }
        let first = d == self.start;
        let (mut remaining, mut completed, mut unestimated) = (0.0, 0.0, 0);
        let (mut added, mut removed, mut re_est) = (0.0, 0.0, 0.0);
        let mut changes = Vec::new();
        let mut now: BTreeMap<usize, (Option<f64>, bool, bool)> = BTreeMap::new();
        let sprint = self.b.sprint.as_str();
        for (k, it) in items.iter().enumerate() {
            if !(it.live_work() && it.in_sprint(sprint)) {
                continue;
            }
            let done = it.is_done();
            if done {
                if it.delivered {
                    completed += it.points();
                }
            } else {
                remaining += it.points();
                if it.estimate.is_none() {
                    unestimated += 1;
                }
            }
            now.insert(k, (it.estimate, done, it.delivered));
            if first {
                continue;
            }
            match self.prev.get(&k) {
                None => {
                    added += it.points();
                    changes.push(Change { id: it.id.clone(), change: "added", points: r2(it.points()) });
                }
                Some((est, was_done, _)) => {
                    let diff = it.points() - est.unwrap_or(0.0);
                    if diff != 0.0 {
                        re_est += diff;
                        changes.push(Change { id: it.id.clone(), change: "re_estimated", points: r2(diff) });
                    }
                    if *was_done && !done {
                        changes.push(Change { id: it.id.clone(), change: "reopened", points: r2(it.points()) });
                    } else if !*was_done && done {
                        let c = if it.delivered { "completed" } else { "cancelled" };
                        changes.push(Change { id: it.id.clone(), change: c, points: r2(it.points()) });
                    }
                }
            }
        }
        if first {
            self.b.committed = r2(now.values().map(|(e, _, _)| e.unwrap_or(0.0)).sum());
            self.b.committed_items = now.len();
        } else {
            for (k, (est, _, _)) in &self.prev {
                if !now.contains_key(k) {
                    let p = est.unwrap_or(0.0);
                    removed += p;
                    let id = items.get(*k).map(|s| s.id.clone()).unwrap_or_default();
                    changes.push(Change { id, change: "removed", points: r2(p) });
                }
            }
        }
        changes.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.change.cmp(b.change)));
        let k = (d - self.start).num_days();
        let ideal =
            if self.span > 0 { self.b.committed * (1.0 - k as f64 / self.span as f64) } else { self.b.committed };
        self.b.days.push(Day {
            date: d.to_string(),
            remaining: r2(remaining),
            completed: r2(completed),
            added: r2(added),
            removed: r2(removed),
            ideal: r2(ideal.max(0.0)),
            re_estimated: r2(re_est),
            unestimated,
            items: now.len(),
            changes,
        });
        self.prev = now;
    }

    pub fn finish(self) -> Burndown {
        self.b
    }
}

/// The burndown as text: one line per day.
pub fn text(b: &Burndown) -> String {
    let mut o = format!(
        "{} ({}) {} → {}, {}: committed {} {}\n",
        b.sprint,
        b.title,
        b.start,
        b.end,
        b.state,
        super::velocity::num(b.committed),
        b.unit
    );
    if b.days.is_empty() {
        o.push_str("  (not started)\n");
        return o;
    }
    o.push_str(&format!(
        "  {:<10}  {:>9}  {:>9}  {:>6}  {:>7}  {:>6}  changes\n",
        "date", "remaining", "completed", "added", "removed", "ideal"
    ));
    for d in &b.days {
        let ch: Vec<String> = d
            .changes
            .iter()
            .map(|c| match c.change {
                "re_estimated" => format!("{} {:+}", c.id, c.points),
                other => format!("{} {other}", c.id),
            })
            .collect();
        o.push_str(&format!(
            "  {:<10}  {:>9}  {:>9}  {:>6}  {:>7}  {:>6}  {}\n",
            d.date,
            super::velocity::num(d.remaining),
            super::velocity::num(d.completed),
            super::velocity::num(d.added),
            super::velocity::num(d.removed),
            super::velocity::num(d.ideal),
            ch.join(", ")
        ));
    }
    if let Some(l) = b.days.last() {
        if l.unestimated > 0 {
            o.push_str(&format!("  {} open item(s) without an estimate (counted as 0)\n", l.unestimated));
        }
    }
    o
}
