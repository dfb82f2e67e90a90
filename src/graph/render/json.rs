//! `cairn graph --format json`.

use serde::Serialize;
use serde_json::Value;

use super::{is_critical, Subgraph};
use crate::graph::schedule::Schedule;
use crate::graph::Graph;
use crate::load::Backlog;

/// `{"nodes": [{"id", "kind", "title", "status", ...}], "edges": [{"from",
/// "to", "type", "lag"?}], "critical_paths": [...]}`. Nodes also carry
/// `status_category`, `critical` and `slack_days`; an edge's `lag` is the
/// lag as written (`2d`) and `lag_days` the same in days.
pub fn render(b: &Backlog, g: &Graph, s: &Schedule, sub: &Subgraph) -> Value {
    serde_json::to_value(doc(b, g, s, sub)).unwrap_or(Value::Null)
}

/// [`render`] as one line of compact JSON (the same bytes as
/// `serde_json::to_vec(&render(…))`), written straight from the graph
/// without making a [`Value`] of every node and edge first.
pub fn render_compact(b: &Backlog, g: &Graph, s: &Schedule, sub: &Subgraph) -> Vec<u8> {
    serde_json::to_vec(&doc(b, g, s, sub)).unwrap_or_else(|_| b"null".to_vec())
}

/// The fields in the order [`render`] has always written them.
#[derive(Serialize)]
struct Doc<'a> {
    nodes: Vec<Node<'a>>,
    edges: Vec<EdgeOut<'a>>,
    critical_paths: Vec<PathOut<'a>>,
}

/// A critical path, its fields in the order [`render`] has always
/// written them (no `Value` of each made first).
#[derive(Serialize)]
struct PathOut<'a> {
    to: &'a str,
    due: Option<String>,
    slack_days: Option<Value>,
    path: Vec<&'a str>,
}

#[derive(Serialize)]
struct Node<'a> {
    id: &'a str,
    kind: &'a str,
    title: &'a str,
    status: Option<&'a str>,
    status_category: Option<&'a str>,
    critical: bool,
    slack_days: Option<Value>,
}

#[derive(Serialize)]
struct EdgeOut<'a> {
    from: &'a str,
    to: &'a str,
    #[serde(rename = "type")]
    ty: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    lag: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lag_days: Option<Value>,
}

fn doc<'a>(b: &'a Backlog, g: &'a Graph, s: &Schedule, sub: &Subgraph) -> Doc<'a> {
    let nodes: Vec<Node> = sub
        .nodes
        .iter()
        .map(|&i| {
            let it = &b.items[i];
            Node {
                id: it.id(),
                kind: it.kind(),
                title: &it.title.value,
                status: it.status(),
                status_category: b.category(it).map(|c| c.as_str()),
                critical: is_critical(s, i),
                slack_days: s.get(i).map(|t| crate::util::json::num(round(t.slack))),
            }
        })
        .collect();
    let edges: Vec<EdgeOut> = sub
        .edges
        .iter()
        .map(|&e| {
            let e = &g.edges[e];
            let lag = match (&e.lag_text, e.lag) {
                (Some(text), Some(days)) => Some((text.as_str(), crate::util::json::num(days))),
                _ => None,
            };
            EdgeOut {
                from: b.items[e.from].id(),
                to: b.items[e.to].id(),
                ty: e.ty.name(),
                lag: lag.as_ref().map(|l| l.0),
                lag_days: lag.map(|l| l.1),
            }
        })
        .collect();
    // `sub.nodes` is sorted (`select`): membership by binary search.
    let critical_paths: Vec<PathOut> = s
        .critical_paths(b)
        .into_iter()
        .filter(|p| sub.nodes.binary_search(&p.target).is_ok())
        .map(|p| PathOut {
            to: b.items[p.target].id(),
            due: b.items[p.target].due.as_ref().map(|d| d.value.to_string()),
            slack_days: s.get(p.target).map(|t| crate::util::json::num(round(t.slack))),
            path: p.path.iter().map(|&i| b.items[i].id()).collect(),
        })
        .collect();
    Doc { nodes, edges, critical_paths }
}

/// Rounds to 1/1000 of a day so float noise never shows.
pub fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::impact::tests::backlog;

    #[test]
    fn the_compact_writer_prints_the_bytes_of_the_value() {
        // Nodes with and without status, slack and due date; edges with a
        // lag; a critical path: every branch of the three lists.
        let b = backlog(&[
            ("epics/e.md", "---\ntitle: E \"quoted\"\nstatus: ready\ndue: 2026-03-01\n---\n"),
            ("tasks/a.md", "---\ntitle: A\nstatus: in_progress\nestimate: 3\nparent: e\n---\n"),
            ("tasks/b.md", "---\ntitle: B\nstatus: ready\nestimate: 2\ndepends_on: [{ id: a, lag: 2d }]\n---\n"),
            ("tasks/c.md", "---\ntitle: C ünïcode\nstatus: done\ndepends_on: [b]\n---\n"),
            ("prds/p.md", "---\ntitle: P\nreferences: [e]\n---\n"),
        ]);
        let g = Graph::build(&b);
        let s = Schedule::compute(&b, &g);
        let sub = super::super::select(&b, &g, &super::super::Selection::default());
        let want = serde_json::to_vec(&render(&b, &g, &s, &sub)).unwrap();
        assert_eq!(String::from_utf8(render_compact(&b, &g, &s, &sub)).unwrap(), String::from_utf8(want).unwrap());
        // And an empty graph.
        let e = backlog(&[]);
        let ge = Graph::build(&e);
        let se = Schedule::compute(&e, &ge);
        let sube = super::super::select(&e, &ge, &super::super::Selection::default());
        assert_eq!(render_compact(&e, &ge, &se, &sube), b"{\"nodes\":[],\"edges\":[],\"critical_paths\":[]}");
    }
}
