//! The analyst (`cairn analyze`, the MCP `analyze` tool): a project summary
//! in plain words — progress, velocity trend, forecast, risks, blockers
//! with the chain that blocks them, scope creep, overdue items, people over
//! capacity — where every claim carries its evidence (ids and numbers).
//!
//! The analyst computes no rule of its own: it composes what the stages
//! computed (the burndowns, velocities, forecasts and the one insight engine
//! of [`crate::metrics`], the predicates of [`crate::check::rules`], the
//! schedule of [`crate::graph::schedule`]) into an [`Analysis`], plain
//! data; [`words`] phrases it as text or Markdown. The only computation here
//! is the blocking chains ([`chain`]), linear in the items and
//! dependencies they cross.
//!
//! Deterministic: "today" is the HEAD commit's date (or the caller's), and
//! nothing reads the clock.

pub mod chain;
mod sections;
pub mod words;

use chrono::NaiveDate;
use serde::Serialize;

use super::forecast::{Basis, Forecast, Pace, Projection};
use super::insights::{Insight, PersonLoad};
use super::velocity::Trend;
use crate::graph::Graph;
use crate::history::{Events, Source};
use crate::load::Backlog;
use crate::model::Item;

/// At most this many items are listed in a section (blocked, overdue,
/// critical); the rest are counted (`more`).
pub const MAX_LISTED: usize = 20;
/// At most this many links of a blocking chain are listed; the rest are
/// counted, and the chain's last link is named.
pub const CHAIN_SHOWN: usize = 5;

/// What to analyse.
#[derive(Clone, Debug, Default)]
pub struct AnalyzeOptions {
    /// The sprint to report on (progress, scope creep, capacity); default:
    /// the sprint under way today, else the next one, else the last one.
    pub sprint: Option<String>,
    /// "Today"; default: the HEAD commit's date. The backlog given is taken
    /// as the state of that day (the caller loads it as of that day).
    pub today: Option<NaiveDate>,
}

/// The analysis cannot be made as asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnalyzeError {
    /// `--sprint` names no sprint with dates (the message lists or suggests some).
    UnknownSprint(String),
}

impl std::fmt::Display for AnalyzeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnalyzeError::UnknownSprint(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for AnalyzeError {}

/// An item named in a claim, with what a reader needs to act on it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Link {
    pub id: String,
    pub title: String,
    pub status: Option<String>,
    pub assignee: Vec<String>,
}

impl Link {
    pub fn of(it: &Item) -> Link {
        Link {
            id: it.id().to_string(),
            title: it.title.value.clone(),
            status: it.status().map(str::to_string),
            assignee: it.assignee.clone(),
        }
    }
}

/// The sprint the report is about.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SprintRef {
    pub id: String,
    pub title: String,
    pub start: String,
    pub end: String,
    /// `planned`, `active`, `closed`, or `unknown` (no today).
    pub state: &'static str,
    /// Calendar days from today to the end, both counted (0 once closed; null without today).
    pub days_left: Option<i64>,
}

/// The whole report: plain data, phrased by [`words`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Analysis {
    /// Today (YYYY-MM-DD): the HEAD commit's date; null without history.
    pub today: Option<String>,
    /// Git history was read (the history-based sections are filled).
    pub history: bool,
    /// Why the history-based sections are empty, when they are.
    pub history_note: Option<String>,
    pub unit: String,
    pub sprint: Option<SprintRef>,
    pub progress: Progress,
    pub velocity: Velocity,
    pub forecast: ForecastSection,
    pub risks: Risks,
    pub blockers: Blockers,
    pub scope_creep: ScopeCreep,
    pub overdue: Overdue,
    pub capacity: Capacity,
    /// Changes that would address a finding, as data (no file is written).
    pub fixes: Vec<SuggestedFix>,
}

/// Done against total, for the backlog and the sprint.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Progress {
    /// Work items (cancelled ones left out, as in roll-ups).
    pub items_done: usize,
    pub items_total: usize,
    pub points_done: f64,
    pub points_total: f64,
    pub sprint: Option<SprintProgress>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SprintProgress {
    pub sprint: String,
    /// Points in the sprint at the end of its start day (history; null without).
    pub committed: Option<f64>,
    pub committed_items: Option<usize>,
    /// Delivered points in the sprint (history: the burndown's last day; null without).
    pub completed: Option<f64>,
    /// Now: items and points in the sprint, and the points not done.
    pub scope_items: usize,
    pub scope: f64,
    pub done_items: usize,
    pub remaining: f64,
}

/// The velocity of the last closed sprints and its trend.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Velocity {
    /// The last closed sprints (at most the forecast's window), oldest first.
    pub sprints: Vec<SprintPoints>,
    pub average: Option<f64>,
    pub trend: Trend,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SprintPoints {
    pub sprint: String,
    pub title: String,
    pub points: f64,
}

/// When the open work is likely done.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ForecastSection {
    /// Open work items and their points, in the whole backlog.
    pub remaining_items: usize,
    pub remaining: f64,
    /// The Monte Carlo forecast of that remaining work (null without a basis).
    pub backlog: Option<Projection>,
    /// The focus sprint's remaining points against its days left.
    pub sprint: Option<Pace>,
    /// Open epics and initiatives (`cairn metrics`' forecasts).
    pub epics: Vec<Forecast>,
    pub basis: Basis,
    pub note: Option<String>,
}

/// What threatens the plan.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Risks {
    /// Items on a critical path that are blocked or overdue.
    pub critical: Vec<CriticalRisk>,
    pub critical_more: usize,
    /// Items due before they are forecast or scheduled to finish.
    pub late: Vec<LateItem>,
    pub late_more: usize,
    /// The insight engine's findings about sprints and plans (over
    /// capacity, over velocity, dependencies in later sprints, stale work).
    pub insights: Vec<Insight>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CriticalRisk {
    pub item: Link,
    /// `blocked` (in progress, waiting on open dependencies) and/or `overdue`.
    pub reasons: Vec<&'static str>,
    /// Its open dependencies, by id.
    pub waits_on: Vec<String>,
    pub due: Option<String>,
    /// Total slack in days (0 on a critical path; below 0 when it cannot meet a due date).
    pub slack_days: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LateItem {
    pub item: Link,
    pub due: String,
    /// The date it is expected to finish: the 85% forecast or the scheduled finish.
    pub finish: String,
    /// `forecast` (Monte Carlo, epics and initiatives) or `schedule` (critical path method).
    pub basis: &'static str,
}

/// Blocked items with the chain that blocks each.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Blockers {
    /// Items in progress, or in the sprint, that wait on open dependencies.
    pub items: Vec<Blocker>,
    pub more: usize,
    /// Every open work item waiting on an open dependency.
    pub waiting: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Blocker {
    pub item: Link,
    /// X waits on chain[0], which waits on chain[1], …: the longest chain
    /// of open dependencies (ties to the smaller id), its first links.
    pub chain: Vec<Link>,
    /// Links of the chain not listed.
    pub more: usize,
    /// The chain's last link (what to finish first), when not listed.
    pub end: Option<Link>,
    /// The chain ends in a dependency cycle.
    pub cycle: bool,
    /// Its other open dependencies, by id.
    pub also_waits_on: Vec<String>,
}

/// Items added to the sprint after its start day.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ScopeCreep {
    pub sprint: Option<String>,
    pub committed: f64,
    pub committed_items: usize,
    pub added: Vec<ScopeChange>,
    pub added_points: f64,
    pub removed: Vec<ScopeChange>,
    pub removed_points: f64,
    /// Added points in percent of the commitment (null with nothing committed).
    pub percent: Option<f64>,
    /// Over [`crate::metrics::insights::SCOPE_CREEP_PERCENT`].
    pub over_threshold: bool,
    pub threshold: f64,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScopeChange {
    pub id: String,
    pub date: String,
    pub points: f64,
}

/// Open items due before today.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Overdue {
    pub items: Vec<OverdueItem>,
    pub more: usize,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OverdueItem {
    pub item: Link,
    pub due: String,
    pub days_late: i64,
}

/// The sprint's load against its capacity.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Capacity {
    pub sprint: Option<String>,
    pub planned: f64,
    /// The sum of the sprint's `capacity` map (0 when it has none).
    pub capacity: f64,
    pub over: bool,
    /// Every assignee, by name (`over()` when assigned exceeds capacity).
    pub people: Vec<PersonLoad>,
    /// The names of the people over their capacity.
    pub over_people: Vec<String>,
    pub note: Option<String>,
}

/// A change that would address a finding: set `field` of `item` to
/// `value` (null: unset), because `why`. Plain data for a proposal.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SuggestedFix {
    pub item: String,
    pub field: String,
    pub value: serde_json::Value,
    pub why: String,
}

/// Reads the history's metrics (when `events` come from git) and composes the analysis.
pub fn analyze(
    backlog: &Backlog,
    graph: &Graph,
    events: &Events,
    opts: &AnalyzeOptions,
) -> Result<Analysis, AnalyzeError> {
    let history = (events.source == Source::Git && !events.commits.is_empty())
        .then(|| super::analyze(backlog, graph, events, &super::Options { today: opts.today }));
    let note = match events.source {
        Source::NoRepository => Some("not a git repository: no history".to_string()),
        Source::NoCommits => Some("the repository has no commits yet: no history".to_string()),
        Source::Git if events.commits.is_empty() => Some("no commits: no history".to_string()),
        Source::Git => None,
    };
    compose(backlog, graph, history.as_ref(), note, opts)
}

/// Composes the analysis from what the stages computed: `history` is the
/// metrics analysis (`None` without history; `history_note` says why).
pub fn compose(
    backlog: &Backlog,
    graph: &Graph,
    history: Option<&super::Analysis>,
    history_note: Option<String>,
    opts: &AnalyzeOptions,
) -> Result<Analysis, AnalyzeError> {
    let today = opts.today.or_else(|| history.and_then(|h| h.today.as_deref()).and_then(crate::util::time::parse_date));
    let history_note = match (history, history_note) {
        (Some(_), _) => None,
        (None, Some(n)) => Some(n),
        (None, None) => Some("no history".to_string()),
    };
    let ctx = sections::Ctx::new(backlog, graph, history, today, history_note.as_deref(), opts)?;
    Ok(ctx.analysis(history_note))
}
