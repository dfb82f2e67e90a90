//! A work item's impact page: what a delay of it delays. Bounded whatever
//! the size of the impact set: the nearest items (the first levels) in
//! full, grouped by kind, each with the last hops of its path; the longest
//! chain found, cut to its last hops; the rest as counts by kind; and a
//! picture of the item with its nearest waiters only.

use std::collections::BTreeMap;

use minijinja::{context, Environment, Value};

use super::{Shared, IMPACT_CHAIN, IMPACT_DRAW, IMPACT_LIST, IMPACT_VIA};
use crate::graph::impact;
use crate::graph::render;
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
        // The picture: the item and its nearest waiters.
        let drawn = &delayed[..delayed.len().min(IMPACT_DRAW)];
        let svg = (!drawn.is_empty()).then(|| Value::from_safe_string(self.picture(i, drawn)));
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
            description => format!("What slips if {} ({}) slips: the items that wait on it.", it.title.value, it.id()),
        };
        let title = format!("Impact · {}", it.title.value);
        self.page(env, "impact.html", &format!("impact/{}.html", it.id()), &title, "backlog", ctx)
    }

    /// A small picture of item `i` and its nearest waiters (`drawn`), each
    /// joined to the item it was reached from (a done one is drawn too):
    /// one column per distance, an arrow to what is waited on, the critical
    /// path in red. Its size is bounded by [`IMPACT_DRAW`], whatever waits.
    fn picture(&self, i: usize, drawn: &[impact::Delayed]) -> String {
        use std::fmt::Write as _;
        const W: f64 = 150.0;
        const H: f64 = 34.0;
        const GAP: f64 = 36.0;
        const PAD: f64 = 10.0;
        // (node, column) in drawing order: the item, then each drawn item
        // after the one it was reached from.
        let mut at: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
        let mut rows: Vec<usize> = Vec::new();
        let mut place = |node: usize, col: usize, at: &mut BTreeMap<usize, (usize, usize)>| {
            if let std::collections::btree_map::Entry::Vacant(e) = at.entry(node) {
                if rows.len() <= col {
                    rows.resize(col + 1, 0);
                }
                e.insert((col, rows[col]));
                rows[col] += 1;
            }
        };
        place(i, 0, &mut at);
        for d in drawn {
            place(d.prev, d.distance - 1, &mut at);
            place(d.node, d.distance, &mut at);
        }
        let cols = rows.len() as f64;
        let width = 2.0 * PAD + cols * W + (cols - 1.0) * GAP;
        let height = 2.0 * PAD + rows.iter().copied().max().unwrap_or(1) as f64 * (H + 8.0) - 8.0;
        let pos = |n: usize| {
            at.get(&n).map_or((0.0, 0.0), |&(c, r)| (PAD + c as f64 * (W + GAP), PAD + r as f64 * (H + 8.0)))
        };
        let n = charts::n;
        // Compact: the boxes' size, colours and fonts come from the style
        // sheet (`.ip` in the theme: the picture is inline, so the page's
        // style applies), each box is its position and two lines of text.
        let mut o = String::with_capacity(300 + 120 * at.len());
        let _ = write!(
            o,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"ip\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\
<defs><marker id=\"ia\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\"/></marker></defs>\
<g class=\"e\" marker-end=\"url(#ia)\">",
            w = n(width),
            h = n(height)
        );
        for d in drawn {
            let ((x1, y1), (x0, y0)) = (pos(d.node), pos(d.prev));
            let _ = write!(o, "<path d=\"M{},{}L{},{}\"/>", n(x1), n(y1 + H / 2.0), n(x0 + W), n(y0 + H / 2.0));
        }
        o.push_str("</g>");
        for &node in at.keys() {
            let (x, y) = pos(node);
            let it = &self.b.items[node];
            let cat = render::category(self.b, node);
            let crit = if render::is_critical(&self.sched, node) { " cp" } else { "" };
            let _ = write!(
                o,
                "\n<g class=\"c-{cat}{crit}\" transform=\"translate({},{})\"><rect width=\"{}\" height=\"{}\"/><text x=\"8\" y=\"14\" class=\"b\">{}</text><text x=\"8\" y=\"28\">{}</text></g>",
                n(x),
                n(y),
                n(W),
                n(H),
                render::svg::escape(&render::truncate(it.id(), 22)),
                render::svg::escape(&render::truncate(&it.title.value, 24)),
            );
        }
        o.push_str("</svg>");
        o
    }
}
