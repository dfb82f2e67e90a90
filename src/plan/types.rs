//! The plan's data: what `cairn plan --format json` prints (its serde).

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

/// How capacity is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// One team total (`--capacity`, or `capacity:` naming only `team`).
    Total,
    /// Per person from the sprint's `capacity:` map.
    PerPerson,
}

/// Points in JSON: integral ones as integers, float noise rounded away.
fn pts<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    crate::util::json::num(round(*x)).serialize(s)
}

fn opt_pts<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match x {
        Some(x) => pts(x, s),
        None => s.serialize_none(),
    }
}

fn map_pts<S: Serializer>(m: &BTreeMap<String, f64>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(m.iter().map(|(k, v)| (k, crate::util::json::num(round(*v)))))
}

/// `x` rounded to 6 decimals (0.1 + 0.2 is 0.3 here).
pub fn round(x: f64) -> f64 {
    let r = (x * 1e6).round() / 1e6;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// Points as text: `3`, `2.5`.
pub fn fmt_pts(x: f64) -> String {
    let r = round(x);
    if r.fract() == 0.0 && r.abs() < 1e15 {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}

/// The sprint planned.
#[derive(Clone, Debug, Serialize)]
pub struct SprintInfo {
    pub id: String,
    pub title: String,
    pub path: String,
    pub start: String,
    pub end: String,
    pub goal: Option<String>,
}

/// Open work of a person in another sprint overlapping this one.
#[derive(Clone, Debug, Serialize)]
pub struct Commitment {
    pub sprint: String,
    #[serde(serialize_with = "pts")]
    pub points: f64,
    pub items: Vec<String>,
}

/// One person's capacity (per-person mode).
#[derive(Clone, Debug, Serialize)]
pub struct Person {
    pub name: String,
    #[serde(serialize_with = "pts")]
    pub capacity: f64,
    #[serde(serialize_with = "pts")]
    pub committed_elsewhere: f64,
    pub elsewhere: Vec<Commitment>,
    #[serde(serialize_with = "pts")]
    pub already: f64,
    #[serde(serialize_with = "pts")]
    pub planned: f64,
    #[serde(serialize_with = "pts")]
    pub left: f64,
}

/// The capacity and how it was used.
#[derive(Clone, Debug, Serialize)]
pub struct Capacity {
    /// The team total (before commitments elsewhere).
    #[serde(serialize_with = "pts")]
    pub total: f64,
    #[serde(serialize_with = "pts")]
    pub committed_elsewhere: f64,
    #[serde(serialize_with = "pts")]
    pub already: f64,
    #[serde(serialize_with = "pts")]
    pub planned: f64,
    #[serde(serialize_with = "pts")]
    pub left: f64,
    pub people: Vec<Person>,
}

/// An item already in the sprint.
#[derive(Clone, Debug, Serialize)]
pub struct Member {
    pub id: String,
    pub title: String,
    pub status: Option<String>,
    #[serde(serialize_with = "opt_pts")]
    pub estimate: Option<f64>,
    pub assignee: Vec<String>,
}

/// An item the plan puts into the sprint.
#[derive(Clone, Debug, Serialize)]
pub struct Pick {
    pub id: String,
    pub title: String,
    pub path: String,
    pub kind: String,
    pub priority: String,
    #[serde(serialize_with = "pts")]
    pub estimate: f64,
    pub assignee: Vec<String>,
    /// Open items waiting on it, directly or transitively.
    pub unblocks: usize,
    /// The nearest of them (at most three).
    pub unblocks_ids: Vec<String>,
    pub due: Option<String>,
    /// Critical-path slack in days.
    #[serde(serialize_with = "opt_pts")]
    pub slack: Option<f64>,
    /// Team points left after it.
    #[serde(serialize_with = "pts")]
    pub left: f64,
    /// Points left after it per assignee (per-person mode).
    #[serde(serialize_with = "map_pts")]
    pub left_for: BTreeMap<String, f64>,
    pub reason: String,
}

/// Why an item was not picked; skips are listed in this order (the most
/// telling first), then by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipCode {
    /// Its estimate does not fit what is left.
    DoesNotFit,
    /// A dependency neither done nor planned.
    Blocked,
    /// On a dependency cycle.
    Cycle,
    /// An assignee without capacity in the sprint.
    NoCapacity,
    /// No `estimate`.
    Unestimated,
    /// Its parent is done.
    ParentDone,
    /// Has open work children: finished through them.
    Container,
}

/// A notable item not picked.
#[derive(Clone, Debug, Serialize)]
pub struct Skip {
    pub id: String,
    pub title: String,
    pub code: SkipCode,
    pub reason: String,
    /// The ids the reason names (the dependency, the cycle).
    pub evidence: Vec<String>,
}

/// A sprint plan: `cairn plan --format json` is its serde.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub sprint: SprintInfo,
    pub mode: Mode,
    pub capacity: Capacity,
    pub already: Vec<Member>,
    pub picked: Vec<Pick>,
    pub skipped: Vec<Skip>,
    /// Dependency cycles, each as ids `[a, b, a]`.
    pub cycles: Vec<Vec<String>>,
    pub notes: Vec<String>,
}

impl Plan {
    /// The edits that put the picks into the sprint.
    pub fn ops(&self) -> Vec<crate::edit::Op> {
        self.picked
            .iter()
            .map(|p| crate::edit::Op::Set {
                id: p.id.clone(),
                field: "sprint".into(),
                value: serde_json::Value::String(self.sprint.id.clone()),
            })
            .collect()
    }

    /// Points picked.
    pub fn planned(&self) -> f64 {
        self.capacity.planned
    }
}
