//! The docs index: every document with its summary.

use minijinja::{context, Environment, Value};

use super::cards::role;
use super::Shared;
use crate::config::Role;
use crate::graph::EdgeType;
use crate::site::{markdown, SiteError};

impl Shared<'_> {
    pub(super) fn docs(&self, env: &Environment) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let docs: Vec<Value> = (0..b.items.len())
            .filter(|&i| self.urls[i].is_some() && role(b, i) == Role::Document)
            .map(|i| {
                let refs = self.g.sources(i, &EdgeType::References).count();
                context! { card => self.card(i), summary => markdown::plain(&b.items[i].body, 220), referenced_by => refs }
            })
            .collect();
        self.page(env, "docs.html", "docs/index.html", "Docs", "docs", context! { docs => docs })
    }
}
