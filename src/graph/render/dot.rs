//! `cairn graph --format dot` (Graphviz).

use super::{category, edge_label, is_critical, is_structural, truncate, Subgraph};
use crate::graph::schedule::Schedule;
use crate::graph::Graph;
use crate::load::Backlog;

/// A DOT string literal's contents.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' | '\r' => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// Fill colour of a status category (shared with the SVG legend).
pub fn fill(cat: &str) -> &'static str {
    match cat {
        "todo" => "#e8eef7",
        "doing" => "#fff2cc",
        "done" => "#d9f2d9",
        _ => "#ffffff",
    }
}

pub fn render(b: &Backlog, g: &Graph, s: &Schedule, sub: &Subgraph) -> String {
    let mut o = String::from("digraph cairn {\n  rankdir=RL;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=8];\n");
    for &i in &sub.nodes {
        let it = &b.items[i];
        let cat = category(b, i);
        let crit = if is_critical(s, i) { ", color=\"#d62728\", penwidth=2.5" } else { "" };
        o.push_str(&format!(
            "  \"{}\" [label=\"{}\\n{}\", fillcolor=\"{}\", tooltip=\"{} [{}] {}\"{crit}];\n",
            escape(it.id()),
            escape(it.id()),
            escape(&truncate(&it.title.value, 40)),
            fill(cat),
            escape(it.kind()),
            escape(it.status().unwrap_or("")),
            escape(&it.title.value),
        ));
    }
    for &e in &sub.edges {
        let ed = &g.edges[e];
        let mut attrs = vec![format!("label=\"{}\"", escape(&edge_label(g, e)))];
        if !is_structural(&ed.ty) {
            attrs.push("style=dashed".into());
            attrs.push("constraint=false".into());
        }
        if is_structural(&ed.ty) && is_critical(s, ed.from) && is_critical(s, ed.to) {
            attrs.push("color=\"#d62728\"".into());
            attrs.push("penwidth=2".into());
        }
        o.push_str(&format!(
            "  \"{}\" -> \"{}\" [{}];\n",
            escape(b.items[ed.from].id()),
            escape(b.items[ed.to].id()),
            attrs.join(", ")
        ));
    }
    o.push_str("}\n");
    o
}
