//! What the site and `serve` read from the analysis: [`Analytics`], with
//! [`Analysis`] (computed from the history) and [`NoAnalytics`] (no history)
//! behind it. The site renders what these return and computes nothing.

use super::insights::{self, Insight};
use super::{Analysis, Burndown};
use crate::load::Backlog;

/// History-based analysis the site shows when it is available: burndown,
/// metrics and insights come from this stage (`history.md`). Every method
/// has a default meaning "not available", and the pages say so plainly
/// instead of drawing made-up charts.
pub trait Analytics: Sync {
    /// The day-by-day burndown of a sprint.
    fn burndown(&self, _sprint: &str) -> Option<&Burndown> {
        None
    }
    /// `cairn metrics --format json` (velocity, cycle/lead time, throughput,
    /// cumulative flow, forecasts), shown on `metrics.html` and written as
    /// `api/v1/metrics.json`.
    fn metrics(&self) -> Option<serde_json::Value> {
        None
    }
    /// The findings of the history-based rules ([`insights::HISTORY_RULES`]).
    fn history_insights(&self) -> Vec<Insight> {
        Vec::new()
    }
    /// Every insight about `backlog`: the state-based rules (with `opts`),
    /// then the history-based ones.
    fn insights(&self, backlog: &Backlog, opts: &insights::Options) -> Vec<Insight> {
        let mut out = insights::state(backlog, opts);
        out.extend(self.history_insights());
        out
    }
    /// A sprint's full burndown (`cairn burndown --format json`: committed,
    /// and per day the numbers and the scope changes by item), for the
    /// sprint page's "scope changes day by day".
    fn sprint_detail(&self, _sprint: &str) -> Option<serde_json::Value> {
        None
    }
    /// Why there is no history-based data (shown on the pages).
    fn unavailable_reason(&self) -> String {
        "history-based metrics are not computed by this version of cairn yet".to_string()
    }
}

/// No history-based analysis.
#[derive(Clone, Debug, Default)]
pub struct NoAnalytics {
    pub reason: Option<String>,
}

impl Analytics for NoAnalytics {
    fn unavailable_reason(&self) -> String {
        self.reason
            .clone()
            .unwrap_or_else(|| "history-based metrics are not computed by this version of cairn yet".into())
    }
}

impl Analytics for Analysis {
    fn burndown(&self, sprint: &str) -> Option<&Burndown> {
        Analysis::burndown(self, sprint)
    }

    fn metrics(&self) -> Option<serde_json::Value> {
        Some(super::json(self))
    }

    fn history_insights(&self) -> Vec<Insight> {
        self.insights.iter().filter(|f| insights::HISTORY_RULES.contains(&f.rule)).cloned().collect()
    }

    fn sprint_detail(&self, sprint: &str) -> Option<serde_json::Value> {
        Analysis::burndown(self, sprint).and_then(|b| serde_json::to_value(b).ok())
    }

    fn unavailable_reason(&self) -> String {
        "no git history to compute history-based metrics from".to_string()
    }
}
