//! The backlog table (`backlog.html`): every work item with a page.

use std::collections::BTreeSet;

use minijinja::{context, Environment};

use super::Shared;
use crate::site::SiteError;

impl Shared<'_> {
    pub(super) fn backlog(&self, env: &Environment) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let items: Vec<usize> =
            (0..b.items.len()).filter(|&i| self.urls[i].is_some() && self.cards[i].is_work).collect();
        // The rank is the last build's when nothing it reads changed.
        let items = self.frags.order(
            "backlog",
            || crate::graph::ready::rank_sig(b, self.g, &items),
            b.items.len(),
            || crate::graph::ready::rank(b, self.g, &items),
        );
        let kinds: BTreeSet<&str> = items.iter().map(|&i| b.items[i].kind()).collect();
        let statuses: BTreeSet<&str> = items.iter().filter_map(|&i| b.items[i].status()).collect();
        // The rows, `m.backlog_row(c, root)` per item, as fragments kept
        // between builds (see `lists`), for a template that shows them.
        let rows = if Self::reads(env, "backlog.html", "rows_html") {
            self.macro_list(env, "backlog_row", "", &items)?
        } else {
            ().into()
        };
        let ctx = context! {
            rows_html => rows,
            items => self.cards_of(items.iter().copied()),
            kinds => kinds.into_iter().collect::<Vec<_>>(),
            statuses => statuses.into_iter().collect::<Vec<_>>(),
        };
        self.page(env, "backlog.html", "backlog.html", "Backlog", "backlog", ctx)
    }
}
