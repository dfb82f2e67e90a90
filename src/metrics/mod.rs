//! Metrics: sprint burndown, velocity, flow (cycle/lead time, throughput,
//! cumulative flow), forecasts and insights, all derived from the history's
//! events by replaying them ([`replay`]) — see `history.md`.
//!
//! [`analyze`] makes one pass over the days from the first event (or the
//! first sprint's start) to "today", replaying the events up to the end of
//! each day (in the repository's timezone, `timezone:` in `cairn.yml`,
//! UTC by default) and accumulating every daily series at once.
//!
//! **Today** is deterministic: the date of the HEAD commit (the last commit
//! of the walk, at its history time: committer times made monotone) in the
//! repository's timezone, unless given (`--today YYYY-MM-DD`, which also
//! takes the backlog as of that day: [`as_of`]). Nothing here reads the clock.

pub mod analytics;
pub mod analyze;
pub mod burndown;
pub mod flow;
pub mod forecast;
pub mod insights;
pub mod replay;
pub mod velocity;

use std::collections::HashMap;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::graph::Graph;
use crate::history::Events;
use crate::load::Backlog;

pub use analytics::{Analytics, NoAnalytics};
pub use burndown::{Burndown, Day};
pub use insights::{Finding, Insight};

/// What to compute against.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// "Today"; the HEAD commit's date when `None`.
    pub today: Option<NaiveDate>,
}

/// The timezone offset of the backlog, in seconds east of UTC (0 when unset or unreadable).
pub fn offset(backlog: &Backlog) -> i32 {
    config_offset(&backlog.config)
}

/// [`offset`] from the config alone.
pub fn config_offset(config: &crate::config::Config) -> i32 {
    crate::util::time::parse_offset(&config.timezone).map(|o| o.local_minus_utc()).unwrap_or(0)
}

/// The local date of a UTC time.
pub fn date_of(secs: i64, offset: i32) -> NaiveDate {
    chrono::DateTime::from_timestamp(secs + i64::from(offset), 0).map(|d| d.date_naive()).unwrap_or(NaiveDate::MIN)
}

/// The first second (UTC) after the local day `d`: events before it happened on or before `d`.
pub fn end_of(d: NaiveDate, offset: i32) -> i64 {
    d.succ_opt().unwrap_or(d).and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp()).unwrap_or(i64::MAX)
        - i64::from(offset)
}

/// Rounds to two decimals (sums of estimates, days), so output is stable and readable.
pub fn r2(x: f64) -> f64 {
    if !x.is_finite() {
        return 0.0;
    }
    let r = (x * 100.0).round() / 100.0;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// The ISO week of a date, `2026-W46`.
pub fn iso_week(d: NaiveDate) -> String {
    let w = d.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// The date of the HEAD commit (or `history.branch`) of the backlog's
/// repository, in its timezone, by its history time ([`crate::history::head_time`]:
/// the commit walk, no trees). This is "today" for every dated answer
/// (W022, burndown, metrics, the site).
pub fn head_date(root: &Path, config: &crate::config::Config) -> Option<NaiveDate> {
    let secs = crate::history::head_time(root, config)?;
    Some(date_of(secs, config_offset(config)))
}

/// The backlog "as of" the end of `day`: the files of the last commit on or
/// before that day (in the backlog's timezone, by the commits' history
/// times), or no items when the history starts later. `--today` means this:
/// forecasts and insights see the plan as it stood then, not HEAD's files.
/// `None` without git history (nothing to go back to). Objects that cannot
/// be read are skipped and listed in the side's `unreadable`.
pub fn as_of(
    root: &Path,
    config: &crate::config::Config,
    events: &Events,
    day: NaiveDate,
) -> Result<Option<crate::history::diff::Side>, crate::history::HistoryError> {
    if events.source != crate::history::Source::Git {
        return Ok(None);
    }
    let Some(git) = crate::history::walk::open(root) else { return Ok(None) };
    let end = end_of(day, config_offset(config));
    let n = events.commits.partition_point(|c| c.time < end);
    let label = format!("as of {day}");
    let Some(commit) = n.checked_sub(1).and_then(|i| events.commits.get(i)) else {
        return Ok(Some(crate::history::diff::side(&label, None, root, config, Vec::new())));
    };
    let id = gix::ObjectId::from_hex(commit.id.as_bytes())
        .map_err(|e| crate::history::HistoryError(format!("bad commit id {}: {e}", commit.id)))?;
    crate::history::diff::rev_side(&git, &label, id, root, config).map(Some)
}

/// The clock's date in the backlog's timezone: "today" without git.
pub fn clock_date(config: &crate::config::Config) -> NaiveDate {
    date_of(chrono::Utc::now().timestamp(), config_offset(config))
}

pub use crate::load::sprints::{sprints, Sprint};

/// Everything history-based, computed once (for `burndown`, `metrics`, the site).
#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    pub today: Option<String>,
    pub timezone: String,
    pub unit: String,
    /// One per sprint with dates, by start date.
    pub burndowns: Vec<Burndown>,
    pub metrics: velocity::Metrics,
    /// The risk rules' findings (state- and history-based).
    pub insights: Vec<Insight>,
}

impl Analysis {
    pub fn burndown(&self, sprint: &str) -> Option<&Burndown> {
        self.burndowns.iter().find(|b| b.sprint == sprint)
    }

    /// The burndown of `sprint`, or without one, of the sprint under way
    /// "today" (start ≤ today ≤ end); otherwise an error that lists the
    /// sprints (newest first) and says how to name one (`name_one`: "`cairn
    /// burndown SPRINT`" for the command line, "`sprint`" for an agent).
    pub fn pick_burndown(&self, sprint: Option<&str>, name_one: &str) -> Result<&Burndown, String> {
        let all = &self.burndowns;
        let listing = |bds: &mut dyn Iterator<Item = &Burndown>| -> String {
            const SHOWN: usize = 10;
            let bds: Vec<_> = bds.collect();
            let mut parts: Vec<String> = bds
                .iter()
                .take(SHOWN)
                .map(|b| format!("{} ({} to {}, {})", b.sprint, b.start, b.end, b.state))
                .collect();
            if bds.len() > SHOWN {
                parts.push(format!("and {} more", bds.len() - SHOWN));
            }
            parts.join(", ")
        };
        if all.is_empty() {
            return Err(
                "no sprint with start and end dates: a sprint is an item in `sprints/` with `start:` and `end:`".into(),
            );
        }
        let Some(id) = sprint else {
            let active: Vec<&Burndown> = all.iter().filter(|b| b.state == "active").collect();
            let today = self.today.as_deref().unwrap_or("today");
            return match active.as_slice() {
                [one] => Ok(one),
                [] => Err(format!(
                    "no sprint is under way on {today}; name one: {name_one} (sprints: {})",
                    listing(&mut all.iter().rev())
                )),
                several => Err(format!(
                    "{} sprints are under way on {today}; name one: {name_one} ({})",
                    several.len(),
                    listing(&mut several.iter().copied())
                )),
            };
        };
        self.burndown(id).ok_or_else(|| {
            let hint = crate::util::suggest::hint_many(id, all.iter().map(|b| b.sprint.as_str()), 3);
            if hint.is_empty() {
                format!("unknown sprint `{id}` (sprints: {})", listing(&mut all.iter().rev()))
            } else {
                format!("unknown sprint `{id}`{hint}")
            }
        })
    }
}

/// Computes burndowns, metrics and insights from the history.
pub fn analyze(backlog: &Backlog, graph: &Graph, events: &Events, opts: &Options) -> Analysis {
    let off = offset(backlog);
    let today = opts.today.or_else(|| events.commits.last().map(|c| date_of(c.time, off)));
    let sprints = sprints(backlog);
    let unit = backlog.config.estimate_unit.clone();
    let mut replay = replay::Replay::new(&backlog.config, &events.events);
    let mut bds: Vec<burndown::Builder> = sprints.iter().map(|s| burndown::Builder::new(s, &unit, today)).collect();
    let mut cfd: Vec<flow::CfdDay> = Vec::new();

    if let Some(today) = today {
        let first_event = replay.first_time().map(|t| date_of(t, off));
        let first_sprint = sprints.iter().map(|s| s.start).min();
        let first = match (first_event, first_sprint) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(first) = first.filter(|f| *f <= today) {
            let mut d = first;
            loop {
                replay.advance_to(end_of(d, off));
                if first_event.is_some_and(|f| d >= f) {
                    cfd.push(flow::cfd_day(d, &replay.items));
                }
                for b in bds.iter_mut() {
                    b.day(d, &replay.items);
                }
                if d >= today {
                    break;
                }
                match d.succ_opt() {
                    Some(n) => d = n,
                    None => break,
                }
            }
        }
    } else {
        replay.finish();
    }
    let burndowns: Vec<Burndown> = bds.into_iter().map(|b| b.finish()).collect();
    let flow = flow::flow(&replay.items, off);
    let mut metrics = velocity::metrics(&burndowns, &sprints, today, flow, cfd, &unit);
    metrics.forecasts = forecast::forecasts(backlog, graph, &burndowns, &sprints, today);
    metrics.forecast_basis = forecast::basis(&burndowns, &sprints, today);
    let states: HashMap<&str, &replay::ItemState> = replay.items.iter().map(|s| (s.id.as_str(), s)).collect();
    let opts = insights::Options { today, ..Default::default() };
    let insights = insights::all(backlog, graph, &opts, Some(&insights::HistoryView { states, metrics: &metrics }));
    Analysis {
        today: today.map(|d| d.to_string()),
        timezone: backlog.config.timezone.clone(),
        unit,
        burndowns,
        metrics,
        insights,
    }
}

/// `cairn metrics --format json`: the metrics, the timezone and the insights.
pub fn json(a: &Analysis) -> serde_json::Value {
    let mut v = serde_json::to_value(&a.metrics).unwrap_or_default();
    if let serde_json::Value::Object(m) = &mut v {
        m.insert("timezone".into(), serde_json::Value::from(a.timezone.clone()));
        m.insert("insights".into(), serde_json::to_value(&a.insights).unwrap_or_default());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_in_timezones() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap_or_default();
        // 2026-11-02T23:30:00Z is the 3rd in +01:00.
        let t = end_of(d, 0) - 1800;
        assert_eq!(date_of(t, 0), d);
        assert_eq!(date_of(t, 3600), d.succ_opt().unwrap_or_default());
        assert_eq!(end_of(d, 3600), end_of(d, 0) - 3600);
        assert_eq!(iso_week(d), "2026-W45");
        assert_eq!(r2(1.0 / 3.0), 0.33);
    }
}
