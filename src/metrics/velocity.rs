//! Velocity, commitment vs completion and scope creep per sprint (from the
//! burndowns), and the whole `cairn metrics` JSON object.
//!
//! - **Velocity** of a closed sprint (its end is before today): the points
//!   in a delivered status, in the sprint, at the end of its end day (the
//!   burndown's last `completed`). The average is over the last three
//!   closed sprints.
//! - **Commitment vs completion**: the burndown's committed points against
//!   that completion.
//! - **Scope creep**: points added (and removed) after the start day.

use chrono::NaiveDate;
use serde::Serialize;

use super::burndown::Burndown;
use super::flow::{CfdDay, Durations, Flow, Week};
use super::forecast::{Basis, Forecast};
use super::{r2, Sprint};

/// A sprint's numbers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SprintStats {
    pub sprint: String,
    pub title: String,
    pub start: String,
    pub end: String,
    /// `planned`, `active` or `closed`.
    pub state: &'static str,
    pub committed: f64,
    /// Delivered points (at the end day, or today for an active sprint).
    pub completed: f64,
    /// `completed / committed` (null when nothing was committed).
    pub completion_ratio: Option<f64>,
    pub added: f64,
    pub removed: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Velocity {
    /// Closed sprints, oldest first.
    pub sprints: Vec<Point>,
    /// Mean of the last three closed sprints (null with none).
    pub average_last_3: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Point {
    pub sprint: String,
    pub points: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScopeCreep {
    pub sprint: String,
    pub committed: f64,
    pub added: f64,
    pub removed: f64,
    /// `added / committed` in percent (null when nothing was committed).
    pub percent: Option<f64>,
}

/// `cairn metrics --format json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Metrics {
    pub today: Option<String>,
    pub unit: String,
    pub velocity: Velocity,
    pub sprints: Vec<SprintStats>,
    pub scope_creep: Vec<ScopeCreep>,
    pub cycle_time: Durations,
    pub lead_time: Durations,
    pub throughput: Vec<Week>,
    pub cumulative_flow: Vec<CfdDay>,
    pub forecasts: Vec<Forecast>,
    pub forecast_basis: Basis,
    /// Every delivered item with its cycle and lead time.
    pub deliveries: Vec<super::flow::Delivery>,
}

pub fn metrics(
    bds: &[Burndown],
    _sprints: &[Sprint],
    today: Option<NaiveDate>,
    flow: Flow,
    cfd: Vec<CfdDay>,
    unit: &str,
) -> Metrics {
    let mut sprints = Vec::new();
    let mut scope = Vec::new();
    let mut vel = Vec::new();
    for b in bds {
        let completed = b.completed();
        sprints.push(SprintStats {
            sprint: b.sprint.clone(),
            title: b.title.clone(),
            start: b.start.clone(),
            end: b.end.clone(),
            state: b.state,
            committed: b.committed,
            completed,
            completion_ratio: (b.committed > 0.0).then(|| r2(completed / b.committed)),
            added: b.added(),
            removed: b.removed(),
        });
        if b.state != "planned" {
            scope.push(ScopeCreep {
                sprint: b.sprint.clone(),
                committed: b.committed,
                added: b.added(),
                removed: b.removed(),
                percent: (b.committed > 0.0).then(|| r2(b.added() / b.committed * 100.0)),
            });
        }
        if b.state == "closed" {
            vel.push(Point { sprint: b.sprint.clone(), points: completed });
        }
    }
    let last3: Vec<f64> = vel.iter().rev().take(3).map(|p| p.points).collect();
    let average_last_3 = (!last3.is_empty()).then(|| r2(last3.iter().sum::<f64>() / last3.len() as f64));
    Metrics {
        today: today.map(|d| d.to_string()),
        unit: unit.to_string(),
        velocity: Velocity { sprints: vel, average_last_3 },
        sprints,
        scope_creep: scope,
        cycle_time: flow.cycle_time,
        lead_time: flow.lead_time,
        throughput: flow.throughput,
        cumulative_flow: cfd,
        forecasts: Vec::new(),
        forecast_basis: Basis::default(),
        deliveries: flow.deliveries,
    }
}

/// A change of the last closed sprint's velocity, in percent of the
/// average before it, beyond which the trend is rising or falling.
pub const TREND_PERCENT: f64 = 10.0;

/// The velocity trend over closed sprints (oldest first): the last one
/// against the average of the ones before it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Trend {
    /// `rising`, `falling`, `flat`, or `unknown` (fewer than two sprints).
    pub direction: &'static str,
    /// The last sprint's points.
    pub last: Option<f64>,
    /// The average of the sprints before the last.
    pub before: Option<f64>,
    /// `(last − before) / before` in percent (null when `before` is 0 or unknown).
    pub change_percent: Option<f64>,
}

/// The trend of `points` (see [`Trend`]): rising or falling when the last
/// sprint moved more than [`TREND_PERCENT`] from the average before it
/// (from an average of 0, any delivery is rising), flat otherwise.
pub fn trend(points: &[f64]) -> Trend {
    let Some((&last, rest)) = points.split_last() else { return Trend { direction: "unknown", ..Trend::default() } };
    if rest.is_empty() {
        return Trend { direction: "unknown", last: Some(last), ..Trend::default() };
    }
    let before = rest.iter().sum::<f64>() / rest.len() as f64;
    let change_percent = (before > 0.0).then(|| r2((last - before) / before * 100.0));
    let direction = match change_percent {
        Some(p) if p > TREND_PERCENT => "rising",
        Some(p) if p < -TREND_PERCENT => "falling",
        Some(_) => "flat",
        None if last > 0.0 => "rising",
        None => "flat",
    };
    Trend { direction, last: Some(last), before: Some(r2(before)), change_percent }
}

/// A number as short text: `5`, `2.5`, `0.33`.
pub fn num(x: f64) -> String {
    let r = r2(x);
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        let s = format!("{r:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn opt(x: Option<f64>) -> String {
    x.map(num).unwrap_or_else(|| "–".into())
}

/// `cairn metrics --format text`.
pub fn text(m: &Metrics) -> String {
    let u = &m.unit;
    let mut o = String::new();
    o.push_str(&format!("Metrics as of {}\n\n", m.today.as_deref().unwrap_or("(no history)")));
    o.push_str(&format!("Velocity ({u} delivered per closed sprint)\n"));
    for p in &m.velocity.sprints {
        o.push_str(&format!("  {:<16} {:>6}\n", p.sprint, num(p.points)));
    }
    o.push_str(&format!("  average of the last 3: {}\n\n", opt(m.velocity.average_last_3)));
    o.push_str("Sprints (commitment vs completion, scope change)\n");
    o.push_str(&format!(
        "  {:<16} {:<7} {:>9} {:>9} {:>6} {:>6} {:>7}\n",
        "sprint", "state", "committed", "completed", "ratio", "added", "removed"
    ));
    for s in &m.sprints {
        o.push_str(&format!(
            "  {:<16} {:<7} {:>9} {:>9} {:>6} {:>6} {:>7}\n",
            s.sprint,
            s.state,
            num(s.committed),
            num(s.completed),
            opt(s.completion_ratio),
            num(s.added),
            num(s.removed)
        ));
    }
    let dur = |name: &str, d: &Durations, o: &mut String| {
        o.push_str(&format!(
            "\n{name} (days): median {}, 85th percentile {} over {}\n",
            opt(d.all.median),
            opt(d.all.p85),
            crate::util::text::count(d.all.count, "item")
        ));
        for (k, s) in &d.by_kind {
            o.push_str(&format!("  {:<12} median {:>6}  p85 {:>6}  n={}\n", k, opt(s.median), opt(s.p85), s.count));
        }
    };
    dur("Cycle time", &m.cycle_time, &mut o);
    dur("Lead time", &m.lead_time, &mut o);
    o.push_str("\nThroughput (items delivered per ISO week)\n");
    for w in &m.throughput {
        let items = crate::util::text::noun(w.items == 1, "item");
        o.push_str(&format!("  {}  {:>4} {items:<5}  {:>6} {u}\n", w.week, w.items, num(w.points)));
    }
    if let Some(last) = m.cumulative_flow.last() {
        o.push_str(&format!(
            "\nCumulative flow: {} from {} to {}; today {} to do, {} doing, {} done\n",
            crate::util::text::count(m.cumulative_flow.len(), "day"),
            m.cumulative_flow.first().map(|d| d.date.as_str()).unwrap_or(""),
            last.date,
            last.todo,
            last.doing,
            last.done
        ));
    }
    o.push_str("\nForecasts (Monte Carlo over recent velocities)\n");
    if m.forecasts.is_empty() {
        o.push_str("  (no open epics or initiatives)\n");
    }
    for f in &m.forecasts {
        o.push_str(&format!(
            "  {:<28} {:>6} {u} left  50%: {}  85%: {}{}\n",
            f.id,
            num(f.remaining),
            f.p50.as_deref().unwrap_or("–"),
            f.p85.as_deref().unwrap_or("–"),
            match (&f.due, f.late) {
                (Some(d), true) => format!("  (due {d}: at risk)"),
                (Some(d), false) => format!("  (due {d})"),
                _ => String::new(),
            }
        ));
    }
    if let Some(n) = &m.forecast_basis.note {
        o.push_str(&format!("  {n}\n"));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trend_of_the_last_sprint_against_the_ones_before() {
        // 14 against 10: +40%.
        let t = trend(&[10.0, 14.0]);
        assert_eq!((t.direction, t.last, t.before, t.change_percent), ("rising", Some(14.0), Some(10.0), Some(40.0)));
        // 9 against (10 + 12) / 2 = 11: −18.18%.
        assert_eq!(trend(&[10.0, 12.0, 9.0]).direction, "falling");
        assert_eq!(trend(&[10.0, 12.0, 9.0]).change_percent, Some(-18.18));
        // 10.5 against 10: +5%, within 10%.
        assert_eq!(trend(&[10.0, 10.5]).direction, "flat");
        assert_eq!(trend(&[0.0, 3.0]).direction, "rising");
        assert_eq!(trend(&[0.0, 0.0]).direction, "flat");
        assert_eq!(trend(&[7.0]).direction, "unknown");
        assert_eq!(trend(&[]).direction, "unknown");
    }
}
