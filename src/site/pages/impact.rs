//! A work item's impact page: what a delay of it delays. Bounded whatever
//! the size of the impact set: the nearest items (the first levels) in
//! full, grouped by kind, each with the last hops of its path; the longest
//! chain found, cut to its last hops; the rest as counts by kind; and a
//! picture of the item with its nearest waiters only.

use std::collections::{BTreeMap, BTreeSet};

use minijinja::{context, Environment, Value};

use super::{Shared, IMPACT_CHAIN, IMPACT_DRAW, IMPACT_LIST, IMPACT_VIA};
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
        let vias: Vec<impact::Via> = listed.iter().map(|d| im.via(d.node, IMPACT_VIA + 1)).collect();
        // The longest chain found: the path to the farthest item, when it
        // is farther than the list goes.
        let far = delayed.last().filter(|f| listed.last().is_some_and(|l| f.distance > l.distance));
        let chain = far.map(|f| im.via(f.node, IMPACT_CHAIN));
        // Every card the page shows, once, with its fragments.
        let mut shown: Vec<usize> = listed
            .iter()
            .zip(&vias)
            .flat_map(|(d, v)| std::iter::once(d.node).chain(v.nodes.iter().copied()))
            .chain(chain.iter().flat_map(|c| c.nodes.iter().copied()))
            .collect();
        shown.sort_unstable();
        shown.dedup();
        let chips = self.chips(env, "impact.html", &shown)?;
        let chip =
            |v: usize| shown.binary_search(&v).ok().and_then(|k| chips.get(k).cloned()).unwrap_or_else(|| self.card(v));
        for (d, v) in listed.iter().zip(&vias) {
            let k = b.items[d.node].kind();
            let pos = kind_order.iter().position(|x| *x == k).unwrap_or(usize::MAX);
            // The hops between the item and this one (the last ones, after
            // an ellipsis): none for a direct waiter.
            let hops = v.nodes.split_last().map(|(_, h)| h).unwrap_or(&[]);
            let via: Vec<Value> = hops.iter().map(|&v| chip(v)).collect();
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
        let chain = chain.zip(far).map(|(c, f)| {
            context! {
                distance => f.distance,
                cut => c.cut,
                items => c.nodes.iter().map(|&v| chip(v)).collect::<Vec<_>>(),
            }
        });
        // What the list leaves out, counted by kind.
        let rest: Vec<Value> = impact::by_kind(b, &delayed[listed.len()..])
            .into_iter()
            .map(|(k, n)| context! { label => self.kind_label(&k, n), count => n })
            .collect();
        // The picture: the item and its nearest waiters, with the item
        // each was reached from (a done one is not in the list).
        let drawn = &delayed[..delayed.len().min(IMPACT_DRAW)];
        let nodes: BTreeSet<usize> = std::iter::once(i).chain(drawn.iter().flat_map(|d| [d.node, d.prev])).collect();
        let svg = if delayed.is_empty() {
            None
        } else {
            // The edges between two drawn items, each pair looked up from
            // its smaller side: a hub with 100,000 dependencies drawn on
            // 100,000 pages costs nothing per page.
            let mut edges: Vec<usize> = Vec::new();
            for &u in &nodes {
                for &v in &nodes {
                    let (out, inc) = (&self.g.out[u], &self.g.inc[v]);
                    let side = if out.len() <= inc.len() { out } else { inc };
                    edges.extend(side.iter().copied().filter(|&e| {
                        let ed = &self.g.edges[e];
                        ed.from == u && ed.to == v && render::is_structural(&ed.ty)
                    }));
                }
            }
            edges.sort_by(|&x, &y| {
                let (a, c) = (&self.g.edges[x], &self.g.edges[y]);
                (a.from, a.to, &a.ty).cmp(&(c.from, c.to, &c.ty))
            });
            edges.dedup();
            let sub = Subgraph { nodes: nodes.iter().copied().collect(), edges };
            Some(Value::from_safe_string(render::svg::render(b, self.g, &self.sched, &sub)))
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
            drawn => drawn.len(),
            more => !im.complete,
            listed => listed.len(),
            chain => chain,
            rest => rest,
        };
        let title = format!("Impact · {}", it.title.value);
        self.page(env, "impact.html", &format!("impact/{}.html", it.id()), &title, "backlog", ctx)
    }
}
