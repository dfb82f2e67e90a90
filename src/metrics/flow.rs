//! Flow metrics: cycle time, lead time, throughput, cumulative flow.
//!
//! - **Cycle time** of a delivered item: from its first move into a `doing`
//!   status to its last move into a delivered status, in days.
//! - **Lead time**: from its creation (first `created` event) to that last
//!   move into a delivered status. Items created directly in a done status
//!   (imported, or older than the history) have no observed delivery and
//!   are left out until they are re-opened and delivered again.
//! - Both are reported as the median (mean of the two middle values for an
//!   even count) and the 85th percentile (nearest rank), overall and by kind.
//! - **Throughput**: items (and points) delivered per ISO week, every week
//!   from the first delivery to the last.
//! - **Cumulative flow**: per day, the number of work items in each status
//!   category.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::replay::ItemState;
use super::{date_of, iso_week, r2};
use crate::config::Category;

/// Work items per status category at the end of a day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CfdDay {
    pub date: String,
    pub todo: usize,
    pub doing: usize,
    pub done: usize,
}

pub fn cfd_day(d: NaiveDate, items: &[ItemState]) -> CfdDay {
    let mut c = [0usize; 3];
    for it in items {
        if !it.live_work() {
            continue;
        }
        match it.category {
            Some(Category::Todo) => c[0] += 1,
            Some(Category::Doing) => c[1] += 1,
            Some(Category::Done) => c[2] += 1,
            None => {}
        }
    }
    CfdDay { date: d.to_string(), todo: c[0], doing: c[1], done: c[2] }
}

/// Median and 85th percentile of a set of durations (days).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    pub count: usize,
    pub median: Option<f64>,
    pub p85: Option<f64>,
}

impl Stats {
    pub fn of(mut xs: Vec<f64>) -> Stats {
        xs.retain(|x| x.is_finite());
        xs.sort_by(f64::total_cmp);
        let n = xs.len();
        if n == 0 {
            return Stats::default();
        }
        let median = if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2.0 };
        let rank = ((0.85 * n as f64).ceil() as usize).clamp(1, n);
        Stats { count: n, median: Some(r2(median)), p85: Some(r2(xs[rank - 1])) }
    }
}

/// Durations overall and by kind.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Durations {
    pub unit: &'static str,
    pub all: Stats,
    pub by_kind: BTreeMap<String, Stats>,
}

/// Deliveries in one ISO week.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Week {
    pub week: String,
    /// The Monday of the week.
    pub start: String,
    pub items: usize,
    pub points: f64,
}

/// One delivered item's times (for the site and for checking by hand).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Delivery {
    pub id: String,
    pub kind: String,
    pub delivered: String,
    pub cycle_days: Option<f64>,
    pub lead_days: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Flow {
    pub cycle_time: Durations,
    pub lead_time: Durations,
    pub throughput: Vec<Week>,
    pub deliveries: Vec<Delivery>,
}

const DAY: f64 = 86_400.0;

/// Cycle/lead time and throughput from the final item states.
pub fn flow(items: &[ItemState], offset: i32) -> Flow {
    let mut deliveries: Vec<Delivery> = Vec::new();
    let mut weeks: BTreeMap<NaiveDate, (usize, f64)> = BTreeMap::new();
    for it in items {
        if !(it.live_work() && it.delivered) {
            continue;
        }
        let Some(done) = it.last_done else { continue };
        let cycle = it.first_doing.filter(|s| *s <= done).map(|s| r2((done - s) as f64 / DAY));
        let lead = r2((done - it.created).max(0) as f64 / DAY);
        let day = date_of(done, offset);
        deliveries.push(Delivery {
            id: it.id.clone(),
            kind: it.kind.clone().unwrap_or_default(),
            delivered: super::super::history::rfc3339(done),
            cycle_days: cycle,
            lead_days: lead,
        });
        let monday = day - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday()));
        let w = weeks.entry(monday).or_default();
        w.0 += 1;
        w.1 += it.points();
    }
    deliveries.sort_by(|a, b| a.delivered.cmp(&b.delivered).then_with(|| a.id.cmp(&b.id)));
    let durations = |f: &dyn Fn(&Delivery) -> Option<f64>| {
        let mut by: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut all = Vec::new();
        for d in &deliveries {
            if let Some(x) = f(d) {
                all.push(x);
                by.entry(d.kind.clone()).or_default().push(x);
            }
        }
        Durations {
            unit: "days",
            all: Stats::of(all),
            by_kind: by.into_iter().map(|(k, v)| (k, Stats::of(v))).collect(),
        }
    };
    let cycle_time = durations(&|d| d.cycle_days);
    let lead_time = durations(&|d| Some(d.lead_days));
    let mut throughput = Vec::new();
    if let (Some(&first), Some(&last)) = (weeks.keys().next(), weeks.keys().next_back()) {
        let mut w = first;
        while w <= last {
            let (n, p) = weeks.get(&w).copied().unwrap_or((0, 0.0));
            throughput.push(Week { week: iso_week(w), start: w.to_string(), items: n, points: r2(p) });
            w += chrono::Duration::days(7);
        }
    }
    Flow { cycle_time, lead_time, throughput, deliveries }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let s = Stats::of(vec![5.0, 1.0, 3.0, 2.0]);
        assert_eq!((s.count, s.median, s.p85), (4, Some(2.5), Some(5.0)));
        let s = Stats::of((1..=20).map(f64::from).collect());
        // ceil(0.85 * 20) = 17th value.
        assert_eq!((s.median, s.p85), (Some(10.5), Some(17.0)));
        assert_eq!(Stats::of(vec![]).median, None);
    }
}
