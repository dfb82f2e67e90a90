//! A work item's impact page: what a delay of it delays. Bounded whatever
//! the size of the impact set: the nearest items (the first levels), each
//! with its distance and the item it waits through; the longest chain
//! found, cut to its last hops; the rest as counts by kind; and a picture
//! of the item with its nearest waiters only.

use std::collections::BTreeMap;

use minijinja::{context, Environment, Value};

use super::{Shared, IMPACT_CHAIN, IMPACT_DRAW, IMPACT_LIST};
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
        // The nearest items, nearest first, each with its distance and the
        // item it waits through (none for a direct waiter): a page's size is
        // bounded whatever the shape of the graph.
        let listed = &delayed[..delayed.len().min(IMPACT_LIST)];
        // The longest chain found: the path to the farthest item, when it
        // is farther than the list goes (its ids as text: the list links).
        let far = delayed.last().filter(|f| listed.last().is_some_and(|l| f.distance > l.distance));
        let chain = far.map(|f| im.via(f.node, IMPACT_CHAIN));
        // Every card the list shows, once, with its fragments (the hop is
        // its id as text: it is mostly listed itself).
        let hop = |d: &impact::Delayed| (d.distance > 1).then_some(d.prev);
        let mut shown: Vec<usize> = listed.iter().map(|d| d.node).collect();
        shown.sort_unstable();
        shown.dedup();
        let chips = self.chips(env, "impact.html", &shown)?;
        let chip =
            |v: usize| shown.binary_search(&v).ok().and_then(|k| chips.get(k).cloned()).unwrap_or_else(|| self.card(v));
        let near: Vec<Value> = listed
            .iter()
            .map(|d| context! { card => chip(d.node), distance => d.distance, via => hop(d).map(|v| b.items[v].id()) })
            .collect();
        let chain = chain.zip(far).map(|(c, f)| {
            context! {
                distance => f.distance,
                cut => c.cut,
                ids => c.nodes.iter().map(|&v| b.items[v].id().to_string()).collect::<Vec<_>>(),
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
            near => near,
            critical => t.is_some_and(|t| t.critical),
            slack => t.map(|t| charts::n(t.slack)),
            svg => svg,
            drawn => drawn.len(),
            more => !im.complete,
            listed => listed.len(),
            chain => chain,
            rest => rest,
            terse => true,
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
        const H: f64 = 22.0;
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
        // Compact: the boxes' size (W × H), colours and fonts come from the
        // style sheet (`.ip` in the theme: the picture is inline, so the
        // page's style applies), each box is its position and its id (the
        // list under the picture gives the titles).
        let mut o = String::with_capacity(300 + 120 * at.len());
        let _ = write!(
            o,
            "<svg class=\"ip\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\"><g class=\"e\">",
            w = n(width),
            h = n(height)
        );
        for d in drawn {
            let ((x1, y1), (x0, y0)) = (pos(d.node), pos(d.prev));
            // An open arrowhead at the end, pointing left (every edge runs
            // from a column to the one before it): no marker to define.
            let _ = write!(
                o,
                "<path d=\"M{},{}L{},{}m7-4l-7,4 7,4\"/>",
                n(x1),
                n(y1 + H / 2.0),
                n(x0 + W),
                n(y0 + H / 2.0)
            );
        }
        o.push_str("</g>");
        for &node in at.keys() {
            let (x, y) = pos(node);
            let it = &self.b.items[node];
            let cat = render::category(self.b, node);
            let crit = if render::is_critical(&self.sched, node) { " cp" } else { "" };
            let _ = write!(
                o,
                "\n<g class=\"c-{cat}{crit}\" transform=\"translate({},{})\"><rect/><text>{}</text></g>",
                n(x),
                n(y),
                render::svg::escape(&render::truncate(it.id(), 22)),
            );
        }
        o.push_str("</svg>");
        o
    }
}
