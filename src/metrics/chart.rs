//! The bridge to the site: burndown charts drawn by [`crate::site::charts`]
//! (one place for every chart, so `cairn burndown --format svg` is the chart
//! the sprint page shows), and [`Analytics`] over an [`Analysis`].

use super::{Analysis, Burndown};
use crate::site::{self, Analytics, Insight};

/// The site's burndown series for a burndown.
pub fn site_burndown(b: &Burndown) -> site::Burndown {
    site::Burndown {
        unit: b.unit.clone(),
        committed: b.committed,
        days: b
            .days
            .iter()
            .map(|d| site::BurndownDay {
                date: d.date.clone(),
                remaining: d.remaining,
                completed: d.completed,
                added: d.added,
                removed: d.removed,
                ideal: d.ideal,
            })
            .collect(),
    }
}

/// The burndown chart as SVG (`thumb`: the small overview version).
pub fn burndown_svg(b: &Burndown, thumb: bool) -> String {
    let title = format!("Burndown of {}", b.title);
    site::charts::burndown(&format!("burndown-{}", b.sprint), &title, &site_burndown(b), thumb)
}

impl Analytics for Analysis {
    fn burndown(&self, sprint: &str) -> Option<site::Burndown> {
        Analysis::burndown(self, sprint).map(site_burndown)
    }

    fn metrics(&self) -> Option<serde_json::Value> {
        Some(super::json(self))
    }

    fn insights(&self) -> Vec<Insight> {
        self.insights
            .iter()
            .filter(|f| super::insights::HISTORY_RULES.contains(&f.rule))
            .map(|f| Insight {
                rule: f.rule.to_string(),
                severity: f.severity.to_string(),
                title: f.title.clone(),
                detail: f.detail.clone(),
                items: f.items.clone(),
            })
            .collect()
    }

    fn sprint_detail(&self, sprint: &str) -> Option<serde_json::Value> {
        Analysis::burndown(self, sprint).and_then(|b| serde_json::to_value(b).ok())
    }

    fn unavailable_reason(&self) -> String {
        "no git history to compute history-based metrics from".to_string()
    }
}
