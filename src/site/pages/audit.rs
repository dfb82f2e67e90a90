//! The audit log: every change from history, newest first, paged.

use std::collections::BTreeSet;

use minijinja::{context, Environment};

use super::{Shared, AUDIT_PAGE};
use crate::site::SiteError;

impl Shared<'_> {
    pub(super) fn audit_pages(&self) -> usize {
        let n = self.events.map(|e| e.events.len()).unwrap_or(0);
        n.div_ceil(AUDIT_PAGE).max(1)
    }

    pub(super) fn audit(&self, env: &Environment, page: usize) -> Result<(String, Vec<u8>), SiteError> {
        let pages = self.audit_pages();
        let total = self.events.map(|e| e.events.len()).unwrap_or(0);
        let start = (page - 1) * AUDIT_PAGE;
        // Newest first.
        let idx: Vec<usize> = (0..total).rev().skip(start).take(AUDIT_PAGE).collect();
        let path = if page == 1 { "audit.html".to_string() } else { format!("audit/{page}.html") };
        let url_of = |p: usize| if p == 1 { "audit.html".to_string() } else { format!("audit/{p}.html") };
        let events = self.event_views(idx);
        // The filters offer the people and fields of this page's events.
        let authors: BTreeSet<&str> = events.iter().map(|e| e.author.as_str()).collect();
        let fields: BTreeSet<&str> = events.iter().map(|e| e.field.as_deref().unwrap_or(e.action)).collect();
        let ctx = context! {
            authors => authors,
            fields => fields,
            events => events,
            total => total,
            pagination => context! {
                page => page,
                pages => pages,
                prev => (page > 1).then(|| url_of(page - 1)),
                next => (page < pages).then(|| url_of(page + 1)),
                first => start + 1,
                last => (start + AUDIT_PAGE).min(total),
            },
            history_note => self.history_reason(),
        };
        let title = if page == 1 { "Audit log".to_string() } else { format!("Audit log · page {page}") };
        self.page(env, "audit.html", &path, &title, "audit", ctx)
    }
}
