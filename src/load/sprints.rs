//! The backlog's sprints with both dates, in order: what the time-based
//! check rules, the metrics and the site all plan against.

use std::collections::HashSet;

use chrono::NaiveDate;

use super::Backlog;
use crate::config::Role;

/// A sprint of the backlog with both dates.
#[derive(Clone, Debug)]
pub struct Sprint {
    /// Index in `backlog.items`.
    pub index: usize,
    pub id: String,
    pub title: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// The sprints with a start and an end, by start date then id.
pub fn sprints(backlog: &Backlog) -> Vec<Sprint> {
    let mut out: Vec<Sprint> = backlog
        .items
        .iter()
        .enumerate()
        .filter(|(_, it)| backlog.config.kind(it.kind()).is_some_and(|k| k.role == Role::Sprint))
        .filter_map(|(i, it)| {
            let (s, e) = (it.start.as_ref()?.value, it.end.as_ref()?.value);
            Some(Sprint { index: i, id: it.id().to_string(), title: it.title.value.clone(), start: s, end: e.max(s) })
        })
        .collect();
    out.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));
    // Duplicate ids are a check error; keep the first.
    let mut seen = HashSet::new();
    out.retain(|s| seen.insert(s.id.clone()));
    out
}
