//! The insights page: the findings of `metrics::insights` (the one insight
//! engine; asked for once, in [`Shared::new`]), most severe first.

use minijinja::{context, Environment, Value};

use super::Shared;
use crate::metrics::Insight;
use crate::site::SiteError;

impl Shared<'_> {
    pub(super) fn insight_value(&self, x: &Insight) -> Value {
        let items: Vec<Value> =
            x.items.iter().filter_map(|id| self.b.index.get(id.as_str())).map(|&i| self.card(i)).collect();
        context! { rule => x.rule, severity => x.severity, title => x.title.clone(), detail => x.detail.clone(), items => items }
    }

    pub(super) fn insights_page(&self, env: &Environment) -> Result<(String, Vec<u8>), SiteError> {
        let mut list: Vec<&Insight> = self.insights.iter().collect();
        list.sort_by_key(|x| severity_rank(x.severity));
        let v: Vec<Value> = list.iter().map(|x| self.insight_value(x)).collect();
        let ctx = context! { insights => v, history_note => self.history_reason(), history_insights => !self.inp.analytics.history_insights().is_empty() };
        self.page(env, "insights.html", "insights.html", "Insights", "insights", ctx)
    }
}

pub(super) fn severity_rank(s: &str) -> usize {
    match s {
        "high" => 0,
        "medium" => 1,
        _ => 2,
    }
}
