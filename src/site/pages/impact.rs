//! A work item's impact page: what a delay of it delays, grouped by kind,
//! each with the last hops of its path, and the picture when small enough.

use std::collections::{BTreeMap, BTreeSet};

use minijinja::{context, Environment, Value};

use super::{Shared, IMPACT_LIST, IMPACT_VIA, MAX_IMPACT_NODES};
use crate::graph::impact;
use crate::graph::render::{self, Subgraph};
use crate::site::{charts, SiteError};

impl Shared<'_> {
    pub(super) fn impact_page(
        &self,
        env: &Environment,
        i: usize,
        im: &impact::Impact,
        by_kind: &[Value],
    ) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let it = &b.items[i];
        let delayed = &im.delayed;
        let mut groups: BTreeMap<usize, (String, Vec<Value>)> = BTreeMap::new();
        let kind_order: Vec<&str> = b.config.kinds.iter().map(|k| k.name.as_str()).collect();
        // The nearest items, each with the last hops of its path: a page's
        // size is bounded whatever the shape of the graph.
        let listed = &delayed[..delayed.len().min(IMPACT_LIST)];
        let vias: Vec<impact::Via> = listed.iter().map(|d| im.via(d.node, IMPACT_VIA)).collect();
        // Every card the page shows, once, with its fragments.
        let mut shown: Vec<usize> = listed
            .iter()
            .zip(&vias)
            .flat_map(|(d, v)| std::iter::once(d.node).chain(v.nodes.iter().copied()))
            .collect();
        shown.sort_unstable();
        shown.dedup();
        let chips = self.chips(env, "impact.html", &shown)?;
        let chip =
            |v: usize| shown.binary_search(&v).ok().and_then(|k| chips.get(k).cloned()).unwrap_or_else(|| self.card(v));
        for (d, v) in listed.iter().zip(&vias) {
            let k = b.items[d.node].kind();
            let pos = kind_order.iter().position(|x| *x == k).unwrap_or(usize::MAX);
            let via: Vec<Value> = v.nodes.iter().map(|&v| chip(v)).collect();
            groups.entry(pos).or_insert_with(|| (k.to_string(), Vec::new())).1.push(context! {
                card => chip(d.node),
                distance => d.distance,
                via => via,
                via_cut => v.cut,
            });
        }
        let groups: Vec<Value> = groups
            .into_values()
            .map(|(k, items)| context! { kind => k.clone(), label => self.kind_label(&k, items.len()), items => items })
            .collect();
        let nodes: BTreeSet<usize> = std::iter::once(i).chain(delayed.iter().map(|d| d.node)).collect();
        let too_large = nodes.len() > MAX_IMPACT_NODES || !im.complete;
        let svg = if delayed.is_empty() || too_large {
            None
        } else {
            let mut edges: Vec<usize> = nodes
                .iter()
                .flat_map(|&u| self.g.out[u].iter().copied())
                .filter(|&e| {
                    let ed = &self.g.edges[e];
                    render::is_structural(&ed.ty) && nodes.contains(&ed.to)
                })
                .collect();
            edges.sort_by(|&x, &y| {
                let (a, c) = (&self.g.edges[x], &self.g.edges[y]);
                (a.from, a.to, &a.ty).cmp(&(c.from, c.to, &c.ty))
            });
            edges.dedup();
            let sub = Subgraph { nodes: nodes.iter().copied().collect(), edges };
            Some(self.graph_view_with(&format!("impact/{}.html", it.id()), &sub, None, Some(i), false))
        };
        let t = self.sched.get(i).copied();
        let ctx = context! {
            item => self.card(i),
            delayed => delayed.len(),
            by_kind => by_kind,
            groups => groups,
            critical => t.is_some_and(|t| t.critical),
            slack => t.map(|t| charts::n(t.slack)),
            svg => svg,
            too_large => too_large,
            more => !im.complete,
            listed => listed.len(),
        };
        let title = format!("Impact · {}", it.title.value);
        self.page(env, "impact.html", &format!("impact/{}.html", it.id()), &title, "backlog", ctx)
    }
}
