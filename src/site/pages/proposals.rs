//! The proposals page: every proposal in `proposals/`, open first, then
//! applied, then rejected, each with what, why, evidence and patch.

use minijinja::{context, Environment, Value};

use super::Shared;
use crate::load::proposals::Status;
use crate::site::SiteError;

impl Shared<'_> {
    pub(super) fn proposals_page(&self, env: &Environment) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let group = |status: Status| -> Vec<Value> {
            self.inp
                .options
                .proposals
                .iter()
                .filter(|p| p.status == status)
                .map(|p| {
                    // The items it touches, linked where they have a page.
                    let mut ids: Vec<&str> = p.ops.iter().map(|o| o.id.as_str()).collect();
                    ids.dedup();
                    let items: Vec<Value> = ids
                        .iter()
                        .map(|id| {
                            let url = b.index.get(*id).and_then(|&i| self.urls[i].clone());
                            context! { id => *id, url => url }
                        })
                        .collect();
                    context! {
                        id => p.id.clone(),
                        title => p.title.clone(),
                        created => p.created.clone(),
                        source => p.source.clone(),
                        status => status.name(),
                        reason => p.reason.clone(),
                        what => p.what.clone(),
                        why => p.why.clone(),
                        evidence => p.evidence.clone(),
                        patch => p.patch.clone(),
                        path => p.path.clone(),
                        items => items,
                    }
                })
                .collect()
        };
        let groups: Vec<Value> = [(Status::Open, "Open"), (Status::Applied, "Applied"), (Status::Rejected, "Rejected")]
            .into_iter()
            .map(|(s, label)| context! { key => s.name(), label => label, proposals => group(s) })
            .collect();
        let ctx = context! { groups => groups, total => self.inp.options.proposals.len() };
        self.page(env, "proposals.html", "proposals.html", "Proposals", "proposals", ctx)
    }
}
