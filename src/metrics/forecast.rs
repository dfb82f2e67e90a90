//! Forecasts for epics and initiatives: Monte Carlo over recent sprint
//! velocities.
//!
//! The remaining points of an open epic or initiative are the estimates of
//! its open descendant work items (the same roll-up as the item pages;
//! cancelled items left out). Each of [`TRIALS`] trials draws velocities
//! from the last [`WINDOW`] closed sprints, with replacement, until the
//! remaining points are covered; the 50% and 85% values of the number of
//! sprints needed (nearest rank) become dates: today + sprints × the sprint
//! cadence (the median number of days between consecutive sprint starts).
//! The random numbers come from [`crate::util::rng::Rng`] seeded with [`SEED`]
//! and the item's id, so the output is deterministic and an item's
//! forecast does not depend on the others.

use chrono::NaiveDate;
use serde::Serialize;

use super::burndown::Burndown;
use super::{r2, Sprint};
use crate::graph::Graph;
use crate::load::Backlog;
use crate::util::rng::Rng;

pub const TRIALS: usize = 2000;
pub const WINDOW: usize = 6;
pub const SEED: u64 = 0x00CA_1B5E_ED00_0006;
/// A forecast never looks further than this many sprints.
const MAX_SPRINTS: usize = 500;

/// What the forecasts are based on.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Basis {
    /// Velocities sampled (the last closed sprints, oldest first).
    pub velocities: Vec<f64>,
    pub sprint_days: i64,
    pub trials: usize,
    pub seed: u64,
    /// Why there are no forecast dates, if there are none.
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Forecast {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub remaining: f64,
    pub remaining_items: usize,
    pub due: Option<String>,
    pub sprints_p50: Option<usize>,
    pub sprints_p85: Option<usize>,
    /// Completion date with 50% / 85% confidence.
    pub p50: Option<String>,
    pub p85: Option<String>,
    /// The 85% date is after `due`.
    pub late: bool,
}

pub fn basis(bds: &[Burndown], sprints: &[Sprint], today: Option<NaiveDate>) -> Basis {
    let closed: Vec<f64> = bds.iter().filter(|b| b.state == "closed").map(|b| b.completed()).collect();
    let velocities: Vec<f64> = closed[closed.len().saturating_sub(WINDOW)..].to_vec();
    let mut gaps: Vec<i64> =
        sprints.windows(2).map(|w| (w[1].start - w[0].start).num_days()).filter(|d| *d > 0).collect();
    gaps.sort_unstable();
    let sprint_days = match gaps.get(gaps.len() / 2) {
        Some(&g) => g,
        None => sprints.last().map(|s| (s.end - s.start).num_days() + 1).unwrap_or(14),
    };
    let note = if today.is_none() {
        Some("no history: no velocity to forecast from".to_string())
    } else if velocities.is_empty() {
        Some("no closed sprint yet: no velocity to forecast from".to_string())
    } else if velocities.iter().all(|v| *v <= 0.0) {
        Some("no points delivered in the recent sprints: cannot forecast".to_string())
    } else {
        None
    };
    Basis { velocities, sprint_days, trials: TRIALS, seed: SEED, note }
}

/// The number of sprints needed in each trial, sorted.
pub fn simulate(remaining: f64, velocities: &[f64], seed: u64) -> Vec<usize> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(TRIALS);
    for _ in 0..TRIALS {
        let (mut sum, mut k) = (0.0, 0);
        while sum < remaining && k < MAX_SPRINTS {
            sum += velocities[rng.below(velocities.len())];
            k += 1;
        }
        out.push(k);
    }
    out.sort_unstable();
    out
}

fn rank(sorted: &[usize], p: f64) -> Option<usize> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let r = ((p * n as f64).ceil() as usize).clamp(1, n);
    Some(sorted[r - 1])
}

/// When `remaining` points are likely done: the 50% and 85% numbers of
/// sprints from the Monte Carlo over `basis`, as dates from `today`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Projection {
    pub sprints_p50: Option<usize>,
    pub sprints_p85: Option<usize>,
    pub p50: Option<String>,
    pub p85: Option<String>,
}

/// The forecast of `remaining` points (the rule of every forecast: epics,
/// initiatives, the analyst's whole backlog), seeded by `key` so one
/// forecast does not depend on the others. `None` without a today or
/// without a basis to forecast from (`basis.note` says why).
pub fn project(remaining: f64, basis: &Basis, today: Option<NaiveDate>, key: &str) -> Option<Projection> {
    let today = today?;
    if basis.note.is_some() || basis.velocities.is_empty() {
        return None;
    }
    let seed = SEED ^ crate::history::blob::hash(key.as_bytes());
    let ks = simulate(remaining, &basis.velocities, seed);
    let (k50, k85) = (rank(&ks, 0.5), rank(&ks, 0.85));
    let date = |k: usize| {
        today.checked_add_signed(chrono::Duration::days(k as i64 * basis.sprint_days)).map(|d| d.to_string())
    };
    Some(Projection { sprints_p50: k50, sprints_p85: k85, p50: k50.and_then(date), p85: k85.and_then(date) })
}

/// Whether a sprint's remaining points fit in its days left at the recent
/// pace: the average velocity of the last three closed sprints spread over
/// the sprint's length in days.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Pace {
    pub remaining: f64,
    /// Calendar days from today to the sprint's end, both counted.
    pub days_left: i64,
    /// The recent velocity per sprint, and per day of this sprint.
    pub velocity: f64,
    pub sprint_days: i64,
    pub per_day: f64,
    /// Days needed for the remaining points at that pace.
    pub days_needed: f64,
    /// `days_needed ≤ days_left`.
    pub likely_done: bool,
}

/// [`Pace`] of `remaining` points with `days_left` days left in a sprint of
/// `sprint_days` days, at `velocity` points per sprint (`None` without a
/// positive velocity or length).
pub fn pace(remaining: f64, days_left: i64, sprint_days: i64, velocity: f64) -> Option<Pace> {
    if !(velocity > 0.0 && velocity.is_finite()) || sprint_days <= 0 {
        return None;
    }
    let per_day = velocity / sprint_days as f64;
    let days_needed = remaining.max(0.0) / per_day;
    Some(Pace {
        remaining: r2(remaining),
        days_left,
        velocity: r2(velocity),
        sprint_days,
        per_day: r2(per_day),
        days_needed: r2(days_needed),
        likely_done: days_needed <= days_left as f64 + 1e-9,
    })
}

pub fn forecasts(
    backlog: &Backlog,
    graph: &Graph,
    bds: &[Burndown],
    sprints: &[Sprint],
    today: Option<NaiveDate>,
) -> Vec<Forecast> {
    let basis = basis(bds, sprints, today);
    let mut out = Vec::new();
    for (i, it) in backlog.items.iter().enumerate() {
        if !matches!(it.kind(), "epic" | "initiative") || backlog.is_done(it) {
            continue;
        }
        if backlog.index.get(it.id()) != Some(&i) {
            continue;
        }
        let r = crate::graph::rollup::rollup(backlog, graph, i);
        let remaining = r2(r.estimate_total - r.estimate_done);
        let mut f = Forecast {
            id: it.id().to_string(),
            kind: it.kind().to_string(),
            title: it.title.value.clone(),
            remaining,
            remaining_items: r.items_total - r.items_done,
            due: it.due.as_ref().map(|d| d.value.to_string()),
            sprints_p50: None,
            sprints_p85: None,
            p50: None,
            p85: None,
            late: false,
        };
        if let Some(p) = project(remaining, &basis, today, it.id()) {
            f.sprints_p50 = p.sprints_p50;
            f.sprints_p85 = p.sprints_p85;
            f.p50 = p.p50;
            f.p85 = p.p85;
            f.late = match (&f.p85, &f.due) {
                (Some(p), Some(d)) => p > d,
                _ => false,
            };
        }
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulation_is_deterministic_and_bounded() {
        let a = simulate(20.0, &[5.0, 10.0], 7);
        assert_eq!(a, simulate(20.0, &[5.0, 10.0], 7));
        // At least 2 sprints (10 + 10), at most 4 (5 × 4).
        assert!(a.iter().all(|k| (2..=4).contains(k)));
        assert_eq!(simulate(0.0, &[5.0], 1)[0], 0);
        assert_eq!(rank(&[1, 2, 3, 4], 0.5), Some(2));
        assert_eq!(rank(&[1, 2, 3, 4], 0.85), Some(4));
    }
}
