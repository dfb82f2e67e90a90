//! `cairn graph --format svg`: a layered (Sugiyama-style) drawing, built
//! here and nowhere else.
//!
//! 1. Layering edges are the waits-on edges (`depends_on`, `parent`) of the
//!    drawing; edges closing a cycle are found by a depth-first search in
//!    id order and left out of the layering (drawn dashed).
//! 2. Longest-path layering: an edge's target sits at least one layer left
//!    of its source, so dependencies and parents are on the left and work
//!    flows left to right.
//! 3. Edges spanning several layers get a dummy node per layer crossed.
//! 4. Order within layers: id order, then barycenter sweeps left→right and
//!    right→left (stable sorts, so the result is deterministic).
//! 5. Vertical placement: nodes move toward the mean of their neighbours,
//!    then a pass pushes them apart so no two boxes overlap.
//!
//! Nodes are coloured by status category; critical items and the waits-on
//! edges between them are drawn in red.

use super::dot::fill;
use super::{category, edge_label, is_critical, is_structural, truncate, Subgraph};
use crate::graph::schedule::Schedule;
use crate::graph::Graph;
use crate::load::Backlog;

/// Drawings above this many items are refused (draw one epic, or one
/// item's neighbourhood, instead).
pub const MAX_NODES: usize = 600;

const NODE_W: f64 = 210.0;
const NODE_H: f64 = 44.0;
const DUMMY_H: f64 = 6.0;
const GAP_X: f64 = 90.0;
const GAP_Y: f64 = 16.0;
const MARGIN: f64 = 20.0;
const LEGEND_H: f64 = 36.0;
/// Dummy nodes per node and edge of a drawing, at most (see [`layout`]).
const DUMMY_BUDGET: usize = 4;

/// XML text/attribute escaping.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    let _ = escape_to(&mut o, s);
    o
}

/// Writes `s` escaped; runs of plain characters are copied at once.
fn escape_to(w: &mut impl std::fmt::Write, s: &str) -> std::fmt::Result {
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let rep = match c {
            '<' => "&lt;",
            '>' => "&gt;",
            '&' => "&amp;",
            '"' => "&quot;",
            '\'' => "&#39;",
            c if c.is_control() && c != '\n' && c != '\t' => "",
            _ => continue,
        };
        w.write_str(&s[start..i])?;
        w.write_str(rep)?;
        start = i + c.len_utf8();
    }
    w.write_str(&s[start..])
}

/// `s` escaped, for `write!` (no allocation).
struct Esc<'a>(&'a str);

impl std::fmt::Display for Esc<'_> {
    fn fmt(&self, w: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        escape_to(w, self.0)
    }
}

/// The computed layout: per drawing node (real nodes first, then dummies)
/// its layer, and its top-left position.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    /// Number of real nodes (the first `real` entries).
    pub real: usize,
    pub layer: Vec<usize>,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub h: Vec<f64>,
    /// Per layout edge (index into `Subgraph::edges`): the chain of drawing
    /// nodes it passes through, source first, or `None` for edges drawn
    /// directly (non-layering or cycle-closing).
    pub chains: Vec<Option<Vec<usize>>>,
    /// Per layout edge: a layering edge drawn directly because the dummy
    /// budget ran out (solid, unlike cycle-closing and non-layering edges).
    pub direct: Vec<bool>,
    pub width: f64,
    pub height: f64,
}

/// Lays out a subgraph. `edges` are (from, to, layering) over positions in
/// `0..n`.
pub fn layout(n: usize, edges: &[(usize, usize, bool)]) -> Layout {
    // 1. Cycle breaking: DFS in index order; an edge to a node on the stack
    //    closes a cycle.
    let mut adj: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for (k, &(a, c, layering)) in edges.iter().enumerate() {
        if layering && a != c {
            adj[a].push((c, k));
        }
    }
    let mut back = vec![false; edges.len()];
    let mut state = vec![0u8; n];
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some(&mut (u, ref mut next)) = stack.last_mut() {
            if *next < adj[u].len() {
                let (v, k) = adj[u][*next];
                *next += 1;
                match state[v] {
                    0 => {
                        state[v] = 1;
                        stack.push((v, 0));
                    }
                    1 => back[k] = true,
                    _ => {}
                }
            } else {
                state[u] = 2;
                stack.pop();
            }
        }
    }
    let layering: Vec<usize> =
        (0..edges.len()).filter(|&k| edges[k].2 && !back[k] && edges[k].0 != edges[k].1).collect();

    // 2. Longest-path layering: layer(from) ≥ layer(to) + 1.
    let mut indeg = vec![0usize; n];
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &k in &layering {
        let (a, c, _) = edges[k];
        succ[c].push(a);
        indeg[a] += 1;
    }
    let mut layer = vec![0usize; n];
    let mut queue: std::collections::VecDeque<usize> = (0..n).filter(|&u| indeg[u] == 0).collect();
    while let Some(u) = queue.pop_front() {
        for &v in &succ[u] {
            layer[v] = layer[v].max(layer[u] + 1);
            indeg[v] -= 1;
            if indeg[v] == 0 {
                queue.push_back(v);
            }
        }
    }

    // 3. Dummy nodes along long edges, the shortest first, up to a budget
    //    linear in the drawing: past it (a long chain with many edges
    //    across it), the longest edges are drawn directly instead.
    let mut node_layer = layer.clone();
    let mut chains: Vec<Option<Vec<usize>>> = vec![None; edges.len()];
    let mut direct = vec![false; edges.len()];
    let mut links: Vec<(usize, usize)> = Vec::new(); // (left, right) between adjacent layers
    let span = |k: usize| layer[edges[k].0].saturating_sub(layer[edges[k].1]);
    let mut by_span: Vec<usize> = layering.clone();
    by_span.sort_by_key(|&k| (span(k), k));
    let mut budget = DUMMY_BUDGET * (n + edges.len());
    let mut chained = vec![false; edges.len()];
    for &k in &by_span {
        let need = span(k).saturating_sub(1);
        if need <= budget {
            budget -= need;
            chained[k] = true;
        } else {
            direct[k] = true;
        }
    }
    for &k in layering.iter().filter(|&&k| chained[k]) {
        let (a, c, _) = edges[k];
        let mut chain = vec![a];
        let mut prev = a;
        for l in (node_layer[c] + 1..node_layer[a]).rev() {
            let d = node_layer.len();
            node_layer.push(l);
            links.push((d, prev));
            chain.push(d);
            prev = d;
        }
        links.push((c, prev));
        chain.push(c);
        chains[k] = Some(chain);
    }
    let total = node_layer.len();
    let layers = node_layer.iter().copied().max().map_or(0, |m| m + 1);
    let mut left_of: Vec<Vec<usize>> = vec![Vec::new(); total];
    let mut right_of: Vec<Vec<usize>> = vec![Vec::new(); total];
    for &(l, r) in &links {
        right_of[l].push(r);
        left_of[r].push(l);
    }

    // 4. Ordering by barycenter sweeps.
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); layers];
    for u in 0..total {
        rows[node_layer[u]].push(u);
    }
    let mut pos = vec![0f64; total];
    let set_pos = |rows: &Vec<Vec<usize>>, pos: &mut Vec<f64>| {
        for row in rows {
            for (k, &u) in row.iter().enumerate() {
                pos[u] = k as f64;
            }
        }
    };
    set_pos(&rows, &mut pos);
    for sweep in 0..8 {
        let forward = sweep % 2 == 0;
        let order: Vec<usize> =
            if forward { (1..layers).collect() } else { (0..layers.saturating_sub(1)).rev().collect() };
        for l in order {
            let mut keyed: Vec<(f64, f64, usize)> = rows[l]
                .iter()
                .map(|&u| {
                    let nb = if forward { &left_of[u] } else { &right_of[u] };
                    let bc =
                        if nb.is_empty() { pos[u] } else { nb.iter().map(|&v| pos[v]).sum::<f64>() / nb.len() as f64 };
                    (bc, pos[u], u)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
            rows[l] = keyed.into_iter().map(|x| x.2).collect();
            for (k, &u) in rows[l].iter().enumerate() {
                pos[u] = k as f64;
            }
        }
    }

    // 5. Coordinates.
    let h: Vec<f64> = (0..total).map(|u| if u < n { NODE_H } else { DUMMY_H }).collect();
    let mut y = vec![0f64; total];
    for row in &rows {
        let mut cur = 0.0;
        for &u in row {
            y[u] = cur;
            cur += h[u] + GAP_Y;
        }
    }
    let tallest = rows.iter().map(|r| r.iter().map(|&u| h[u] + GAP_Y).sum::<f64>() - GAP_Y).fold(0.0, f64::max);
    // Start every column centred on the tallest one.
    for row in &rows {
        let used = row.iter().map(|&u| h[u] + GAP_Y).sum::<f64>() - GAP_Y;
        let off = ((tallest - used) / 2.0).max(0.0);
        for &u in row {
            y[u] += off;
        }
    }
    let center = |y: &Vec<f64>, u: usize| y[u] + h[u] / 2.0;
    for sweep in 0..4 {
        let forward = sweep % 2 == 0;
        let order: Vec<usize> =
            if forward { (1..layers).collect() } else { (0..layers.saturating_sub(1)).rev().collect() };
        for l in order {
            let row = &rows[l];
            let desired: Vec<f64> = row
                .iter()
                .map(|&u| {
                    let nb = if forward { &left_of[u] } else { &right_of[u] };
                    if nb.is_empty() {
                        y[u]
                    } else {
                        nb.iter().map(|&v| center(&y, v)).sum::<f64>() / nb.len() as f64 - h[u] / 2.0
                    }
                })
                .collect();
            // Within [0, tallest]: push apart top-down, pull up bottom-up,
            // push apart again (so nothing overlaps and nothing drifts).
            let mut ny = desired.clone();
            let Some(last) = row.len().checked_sub(1) else { continue };
            ny[0] = ny[0].max(0.0);
            for k in 1..row.len() {
                ny[k] = ny[k].max(ny[k - 1] + h[row[k - 1]] + GAP_Y);
            }
            ny[last] = ny[last].min(tallest - h[row[last]]);
            for k in (0..last).rev() {
                ny[k] = ny[k].min(ny[k + 1] - h[row[k]] - GAP_Y);
            }
            ny[0] = ny[0].max(0.0);
            for k in 1..row.len() {
                ny[k] = ny[k].max(ny[k - 1] + h[row[k - 1]] + GAP_Y);
            }
            for (k, &u) in row.iter().enumerate() {
                y[u] = ny[k];
            }
        }
    }
    let min_y = y.iter().copied().fold(f64::INFINITY, f64::min);
    let min_y = if min_y.is_finite() { min_y } else { 0.0 };
    let top = MARGIN + LEGEND_H;
    for v in y.iter_mut() {
        *v = *v - min_y + top;
    }
    let x: Vec<f64> = (0..total).map(|u| MARGIN + node_layer[u] as f64 * (NODE_W + GAP_X)).collect();
    let height = (0..total).map(|u| y[u] + h[u]).fold(top, f64::max) + MARGIN;
    let width = (MARGIN * 2.0 + layers as f64 * (NODE_W + GAP_X) - GAP_X).max(560.0);
    Layout { real: n, layer: node_layer, x, y, h, chains, direct, width, height }
}

/// A coordinate with at most one decimal, written without allocating.
#[derive(Clone, Copy)]
struct Num(f64);

impl std::fmt::Display for Num {
    fn fmt(&self, w: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tenths as an integer, written by hand: the drawing of every impact
        // page writes thousands of these.
        let tenths = (self.0 * 10.0).round();
        if !tenths.is_finite() || tenths.abs() >= 1e15 {
            let r = tenths / 10.0;
            return if r.fract() == 0.0 { write!(w, "{}", r as i64) } else { write!(w, "{r:.1}") };
        }
        let t = tenths as i64;
        let mut buf = [0u8; 24];
        let mut at = buf.len();
        let mut rest = t.unsigned_abs();
        let digit = rest % 10;
        rest /= 10;
        if digit != 0 {
            at -= 2;
            buf[at] = b'.';
            buf[at + 1] = b'0' + digit as u8;
        }
        loop {
            at -= 1;
            buf[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        if t < 0 {
            at -= 1;
            buf[at] = b'-';
        }
        w.write_str(std::str::from_utf8(&buf[at..]).unwrap_or("0"))
    }
}

fn f(x: f64) -> Num {
    Num(x)
}

/// What a page adds to a drawing (the command line draws without).
#[derive(Default)]
pub struct Options<'a> {
    /// The link of a node (its item page, relative to the page), if any:
    /// the node is then an `<a>`.
    pub href: Option<&'a (dyn Fn(usize) -> Option<String> + Sync)>,
    /// Per node of the subgraph (same order): its distance from the item
    /// the drawing is around (`data-depth`).
    pub depth: Option<&'a [usize]>,
    /// The item the drawing is around (outlined, class `center`).
    pub center: Option<usize>,
    /// Leave out the `data-` attributes (a page without filters: its
    /// bytes, thousands of times over, are the build's time).
    pub bare: bool,
    /// Colours, strokes and fonts by class (`gv` on the `<svg>`), for a
    /// page whose style sheet draws them: a node is its box, its two
    /// lines and its links, not a dozen attributes repeated per node.
    pub styled: bool,
}

/// A drawing and its size in pixels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Drawing {
    pub svg: String,
    pub width: f64,
    pub height: f64,
}

/// Renders the subgraph as a standalone SVG document.
pub fn render(b: &Backlog, g: &Graph, s: &Schedule, sub: &Subgraph) -> String {
    render_with(b, g, s, sub, &Options::default()).svg
}

/// [`render`] with a page's links, distances and center. Every node
/// carries its id, kind, status, labels (`|`-separated) and sprint as
/// `data-` attributes and every edge the ids of its ends, for a page's
/// filters; the picture is the same.
pub fn render_with(b: &Backlog, g: &Graph, s: &Schedule, sub: &Subgraph, opt: &Options) -> Drawing {
    use std::fmt::Write as _;
    let n = sub.nodes.len();
    let local: std::collections::HashMap<usize, usize> = sub.nodes.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    let edges: Vec<(usize, usize, bool)> = sub
        .edges
        .iter()
        .filter_map(|&e| {
            let ed = &g.edges[e];
            Some((*local.get(&ed.from)?, *local.get(&ed.to)?, is_structural(&ed.ty)))
        })
        .collect();
    let lay = layout(n, &edges);
    let mut o = String::new();
    let styled = opt.styled;
    if styled {
        // Inline in a page: no namespace, no background, no legend (the
        // page's style sheet paints the background and the page's caption
        // is the legend); whole-pixel coordinates.
        let (w, h) = (lay.width.round(), lay.height.round());
        let _ =
            writeln!(o, "<svg width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" class=\"gv\">", f(w), f(h), f(w), f(h));
    } else {
        let _ = writeln!(
            o,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" font-family=\"-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif\">",
            f(lay.width),
            f(lay.height),
            f(lay.width),
            f(lay.height),
        );
    }
    o.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker>");
    o.push_str("<marker id=\"arrow-critical\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#d62728\"/></marker></defs>\n");
    // A styled drawing's coordinates are whole pixels.
    let f = |x: f64| if styled { Num(x.round()) } else { Num(x) };
    if !styled {
        let _ = writeln!(o, "<rect width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>", f(lay.width), f(lay.height));
        // Legend.
        let mut lx = MARGIN;
        for (label, cat) in [("to do", "todo"), ("in progress", "doing"), ("done", "done")] {
            let _ = writeln!(o,
            "<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"14\" rx=\"3\" fill=\"{}\" stroke=\"#888\"/><text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#333\">{label}</text>",
            f(lx), f(MARGIN), fill(cat), f(lx + 20.0), f(MARGIN + 12.0)
        );
            lx += 110.0;
        }
        let _ = writeln!(o,
        "<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"14\" rx=\"3\" fill=\"#fff\" stroke=\"#d62728\" stroke-width=\"2.5\"/><text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#333\">critical path · arrows point to what is waited on</text>",
        f(lx), f(MARGIN), f(lx + 20.0), f(MARGIN + 12.0)
    );
    }
    // Edges first, under the nodes.
    o.push_str(if styled { "<g fill=\"none\" marker-end=\"url(#arrow)\">\n" } else { "<g fill=\"none\">\n" });
    for (k, &e) in sub.edges.iter().enumerate() {
        let ed = &g.edges[e];
        let Some(&(a, c, structural)) = edges.get(k) else { continue };
        let critical = structural && is_critical(s, ed.from) && is_critical(s, ed.to);
        let (stroke, width, marker) =
            if critical { ("#d62728", "2.2", "arrow-critical") } else { ("#777", "1.2", "arrow") };
        let solid = structural && (lay.chains[k].is_some() || lay.direct[k]);
        let dash = if solid { "" } else { " stroke-dasharray=\"5,4\"" };
        let d = match &lay.chains[k] {
            Some(chain) => chain_path(&lay, chain, styled),
            None => direct_path(&lay, a, c, styled),
        };
        if styled {
            // The group's marker and the style sheet's stroke, unless
            // critical (`c`) or dashed (`d`).
            let class = match (critical, solid) {
                (true, true) => " class=\"c\" marker-end=\"url(#arrow-critical)\"",
                (true, false) => " class=\"c d\" marker-end=\"url(#arrow-critical)\"",
                (false, true) => "",
                (false, false) => " class=\"d\"",
            };
            let _ = write!(o, "<path d=\"{d}\"{class}");
        } else {
            let _ = write!(
                o,
                "<path d=\"{d}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash} marker-end=\"url(#{marker})\""
            );
        }
        if !opt.bare && styled {
            // A page's edge names its ends by their place among the
            // drawing's nodes (in order: `<a class="node">`), not by id:
            // the script maps them back.
            let _ = write!(o, " data-e=\"{a} {c}\"");
        } else if !opt.bare {
            let _ = write!(o, " data-from=\"{}\" data-to=\"{}\"", Esc(b.items[ed.from].id()), Esc(b.items[ed.to].id()));
        }
        if styled {
            // No title: the page's script builds the hover text from the
            // ends' ids.
            o.push_str("/>\n");
        } else {
            let _ = writeln!(
                o,
                "><title>{} → {}: {}</title></path>",
                Esc(b.items[ed.from].id()),
                Esc(b.items[ed.to].id()),
                Esc(&edge_label(g, e))
            );
        }
        if let Some(lag) = &ed.lag_text {
            // Label the lag near the dependent's end.
            let (px, py) = (lay.x[a] - 8.0, lay.y[a] + NODE_H / 2.0 - 4.0);
            let _ = writeln!(
                o,
                "<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#555\" text-anchor=\"end\">+{}</text>",
                f(px),
                f(py),
                Esc(lag)
            );
        }
    }
    o.push_str("</g>\n");
    // Nodes.
    for (k, &i) in sub.nodes.iter().enumerate() {
        let it = &b.items[i];
        let cat = category(b, i);
        let crit = is_critical(s, i);
        let (stroke, sw) = if crit { ("#d62728", "2.5") } else { ("#8a8a8a", "1") };
        let slack = s.get(i).map(|t| format!(", slack {} d", super::json::round(t.slack)));
        let slack = slack.as_deref().unwrap_or("");
        let center = opt.center == Some(i);
        let (stroke, sw) = if center { ("#1f4e9c", "3.5") } else { (stroke, sw) };
        let href = opt.href.and_then(|h| h(i));
        // In a page, a linked node is one element: the link itself, moved
        // to its place (its box and texts placed by the style sheet).
        let one = styled && href.is_some();
        let _ = write!(
            o,
            "<{} class=\"node {cat}{}{}\"",
            if one { "a" } else { "g" },
            if crit { " critical" } else { "" },
            if center { " center" } else { "" }
        );
        if !opt.bare {
            if styled && opt.href.is_some() {
                // Its id is the anchor's (`n-<id>`, below).
                let _ = write!(o, " id=\"n-{}\"", Esc(it.id()));
            } else {
                let _ = write!(o, " data-id=\"{}\"", Esc(it.id()));
            }
            let _ = write!(o, " data-kind=\"{}\" data-status=\"{}\"", Esc(it.kind()), Esc(it.status().unwrap_or("")));
            // Empty ones left out when styled (the script reads a missing
            // attribute as empty); a label given twice, once.
            let mut seen = std::collections::HashSet::new();
            let labels: Vec<&str> = it.labels.iter().map(|l| l.as_str()).filter(|l| seen.insert(*l)).collect();
            let labels = labels.join("|");
            let sprint = it.sprint.as_ref().map_or("", |s| s.value.as_str());
            if !styled || !labels.is_empty() {
                let _ = write!(o, " data-labels=\"{}\"", Esc(&labels));
            }
            if !styled || !sprint.is_empty() {
                let _ = write!(o, " data-sprint=\"{}\"", Esc(sprint));
            }
        }
        if opt.href.is_some() && !opt.bare && !styled {
            // A page's anchor: `#n-<id>` scrolls to the node (and focuses
            // the view on it with the page's script).
            let _ = write!(o, " id=\"n-{}\"", Esc(it.id()));
        }
        if let Some(d) = opt.depth.and_then(|d| d.get(k)) {
            let _ = write!(o, " data-depth=\"{d}\"");
        }
        if one {
            let (x, y) = (lay.x[k].round(), lay.y[k].round());
            let _ = write!(
                o,
                " href=\"{}\" transform=\"translate({},{})\"",
                Esc(href.as_deref().unwrap_or("")),
                f(x),
                f(y)
            );
        }
        o.push('>');
        if let Some(h) = href.as_ref().filter(|_| !one) {
            let _ = write!(o, "<a href=\"{}\">", Esc(h));
        }
        if one {
            // The box (its size in the style sheet), the id in bold (the
            // first text) and the title, placed by the style sheet; the full
            // title as the hover text only when the box cuts it (the script
            // adds kind and status).
            let title = truncate(&it.title.value, 32);
            if title != it.title.value {
                let _ = write!(o, "<title>{}</title>", Esc(&it.title.value));
            }
            let _ = writeln!(o, "<rect/><text>{}</text><text>{}</text></a>", Esc(&truncate(it.id(), 30)), Esc(&title),);
            continue;
        }
        if styled {
            // The box (its size in the style sheet), the id in bold (the
            // first text) and the title; the full title as the hover text
            // only when the box cuts it (the script adds kind and status).
            let title = truncate(&it.title.value, 32);
            if title != it.title.value {
                let _ = write!(o, "<title>{}</title>", Esc(&it.title.value));
            }
            let (x, y) = (lay.x[k].round(), lay.y[k].round());
            let _ = writeln!(
                o,
                "<rect x=\"{}\" y=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\">{}</text>{}</g>",
                f(x),
                f(y),
                f(x + 8.0),
                f(y + 18.0),
                Esc(&truncate(it.id(), 30)),
                f(x + 8.0),
                f(y + 35.0),
                Esc(&title),
                if href.is_some() { "</a>" } else { "" },
            );
            continue;
        }
        let _ = write!(
            o,
            "<title>{} ({}, {}{}): {}</title>",
            Esc(it.id()),
            Esc(it.kind()),
            Esc(it.status().unwrap_or("no status")),
            slack,
            Esc(&it.title.value),
        );
        let _ = write!(
            o,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"{}\" stroke=\"{stroke}\" stroke-width=\"{sw}\"/>",
            f(lay.x[k]),
            f(lay.y[k]),
            f(NODE_W),
            f(NODE_H),
            fill(cat),
        );
        let _ = writeln!(o,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" font-weight=\"600\" fill=\"#111\">{}</text><text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#333\">{}</text>{}</g>",
            f(lay.x[k] + 8.0),
            f(lay.y[k] + 18.0),
            Esc(&truncate(it.id(), 30)),
            f(lay.x[k] + 8.0),
            f(lay.y[k] + 35.0),
            Esc(&truncate(&it.title.value, 32)),
            if href.is_some() { "</a>" } else { "" },
        );
    }
    o.push_str("</svg>\n");
    Drawing { svg: o, width: lay.width, height: lay.height }
}

/// A smooth path along a chain of drawing nodes, right to left: from the
/// left side of the first (the edge's source) to the right side of the
/// last (its target).
fn chain_path(l: &Layout, chain: &[usize], whole: bool) -> String {
    let f = |x: f64| if whole { Num(x.round()) } else { Num(x) };
    let sp = if whole { "" } else { " " };
    let mut pts: Vec<(f64, f64)> = Vec::with_capacity(chain.len() * 2);
    for (k, &u) in chain.iter().enumerate() {
        let cy = l.y[u] + l.h[u] / 2.0;
        if u < l.real {
            if k == 0 {
                pts.push((l.x[u], cy));
            } else {
                pts.push((l.x[u] + NODE_W, cy));
            }
        } else {
            pts.push((l.x[u] + NODE_W, cy));
            pts.push((l.x[u], cy));
        }
    }
    use std::fmt::Write as _;
    let mut d = String::with_capacity(16 + pts.len() * 24);
    let Some(&(x, y)) = pts.first() else { return d };
    let _ = write!(d, "M{},{}", f(x), f(y));
    for w in pts.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if whole {
            // In a page: whole pixels, each step relative to the last
            // point (shorter numbers, the same curve).
            let (x0, y0, x1, y1) = (x0.round(), y0.round(), x1.round(), y1.round());
            let (dx, dy, mx) = (Num(x1 - x0), Num(y1 - y0), Num(((x0 + x1) / 2.0).round() - x0));
            if (y0 - y1).abs() < 0.5 {
                let _ = write!(d, "h{dx}");
            } else {
                let _ = write!(d, "c{mx},0 {mx},{dy} {dx},{dy}");
            }
            continue;
        }
        if (y0 - y1).abs() < 0.5 {
            let _ = write!(d, "{sp}L{},{}", f(x1), f(y1));
        } else {
            let mx = (x0 + x1) / 2.0;
            let _ = write!(d, "{sp}C{},{} {},{} {},{}", f(mx), f(y0), f(mx), f(y1), f(x1), f(y1));
        }
    }
    d
}

/// A curve between two real nodes for edges outside the layering.
fn direct_path(l: &Layout, a: usize, c: usize, whole: bool) -> String {
    let f = |x: f64| if whole { Num(x.round()) } else { Num(x) };
    let sp = if whole { "" } else { " " };
    let (ya, yc) = (l.y[a] + NODE_H / 2.0, l.y[c] + NODE_H / 2.0);
    if l.layer[a] == l.layer[c] {
        // Same column: a bulge to the right.
        let x = l.x[a] + NODE_W;
        let bulge = x + 40.0;
        return format!("M{},{}{sp}C{},{} {},{} {},{}", f(x), f(ya), f(bulge), f(ya), f(bulge), f(yc), f(x), f(yc));
    }
    let (x0, x1) = if l.layer[a] > l.layer[c] { (l.x[a], l.x[c] + NODE_W) } else { (l.x[a] + NODE_W, l.x[c]) };
    let mx = (x0 + x1) / 2.0;
    if whole {
        let (x0, x1, ya, yc) = (x0.round(), x1.round(), ya.round(), yc.round());
        let m = Num((mx).round() - x0);
        return format!("M{},{}c{m},0 {m},{} {},{}", Num(x0), Num(ya), Num(yc - ya), Num(x1 - x0), Num(yc - ya));
    }
    format!("M{},{}{sp}C{},{} {},{} {},{}", f(x0), f(ya), f(mx), f(ya), f(mx), f(yc), f(x1), f(yc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overlaps(l: &Layout) -> bool {
        for u in 0..l.real {
            for v in u + 1..l.real {
                if l.layer[u] == l.layer[v] && (l.y[u] - l.y[v]).abs() < NODE_H {
                    return true;
                }
            }
        }
        false
    }

    /// The hand-written number and escape writers print what `format!`
    /// and the escaping table give.
    #[test]
    fn numbers_and_escapes_are_written_as_before() {
        let reference = |x: f64| {
            let r = (x * 10.0).round() / 10.0;
            if r.fract() == 0.0 {
                format!("{}", r as i64)
            } else {
                format!("{r:.1}")
            }
        };
        let mut x = -1234.56f64;
        while x < 5000.0 {
            assert_eq!(f(x).to_string(), reference(x), "{x}");
            x += 0.037;
        }
        for x in [0.0, -0.0, 0.04, -0.04, 0.05, -0.05, 0.95, 9.96, -9.96, 1e14, f64::NAN, f64::INFINITY] {
            assert_eq!(f(x).to_string(), reference(x), "{x}");
        }
        let s = "a<b>&\"c'\u{1}d\n—🚀";
        assert_eq!(escape(s), "a&lt;b&gt;&amp;&quot;c&#39;d\n—🚀");
        assert_eq!(Esc(s).to_string(), escape(s));
    }

    #[test]
    fn dependencies_sit_left_of_dependents_and_nothing_overlaps() {
        // 0 depends on 1, 1 on 2, 0 on 2 (a long edge), 3 on 2.
        let l = layout(4, &[(0, 1, true), (1, 2, true), (0, 2, true), (3, 2, true)]);
        assert_eq!(&l.layer[..4], &[2, 1, 0, 1]);
        assert!(l.x[2] < l.x[1] && l.x[1] < l.x[0]);
        assert_eq!(l.layer.len(), 5, "one dummy for the edge spanning two layers");
        assert_eq!(l.chains[2].as_ref().map(|c| c.len()), Some(3));
        assert!(!overlaps(&l));
    }

    #[test]
    fn cycles_and_non_layering_edges_do_not_hang_or_layer() {
        let l = layout(3, &[(0, 1, true), (1, 2, true), (2, 0, true), (0, 2, false)]);
        assert_eq!(l.chains.iter().filter(|c| c.is_none()).count(), 2);
        assert!(!overlaps(&l));
    }

    #[test]
    fn dummies_stay_linear_on_a_long_chain_with_edges_across_it() {
        // A chain of 400 and 400 edges from its end to every link: all
        // chained, that would be 80,000 dummies.
        let n = 400;
        let mut edges: Vec<(usize, usize, bool)> = (1..n).map(|k| (k, k - 1, true)).collect();
        edges.extend((0..n - 1).map(|k| (n - 1, k, true)));
        let l = layout(n, &edges);
        let dummies = l.layer.len() - n;
        assert!(dummies <= DUMMY_BUDGET * (n + edges.len()), "{dummies} dummies");
        assert!(l.direct.iter().any(|&d| d), "the longest edges are drawn directly");
        // The chain's own edges still run through adjacent layers.
        assert!((0..n - 1).all(|k| l.chains[k].as_ref().is_some_and(|c| c.len() == 2)));
    }

    #[test]
    fn layout_is_deterministic_and_free_of_overlaps_on_a_wide_graph() {
        let mut edges = Vec::new();
        for k in 1..200usize {
            edges.push((k, (k * 7 + 3) % k, true));
        }
        let a = layout(200, &edges);
        assert_eq!(a, layout(200, &edges));
        assert!(!overlaps(&a));
    }
}
