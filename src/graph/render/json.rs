//! `cairn graph --format json`.

use serde_json::{json, Map, Value};

use super::{is_critical, Subgraph};
use crate::graph::schedule::Schedule;
use crate::graph::Graph;
use crate::load::Backlog;

/// `{"nodes": [{"id", "kind", "title", "status", ...}], "edges": [{"from",
/// "to", "type", "lag"?}], "critical_paths": [...]}`. Nodes also carry
/// `status_category`, `critical` and `slack_days`; an edge's `lag` is the
/// lag as written (`2d`) and `lag_days` the same in days.
pub fn render(b: &Backlog, g: &Graph, s: &Schedule, sub: &Subgraph) -> Value {
    let nodes: Vec<Value> = sub.nodes.iter().map(|&i| node(b, s, i)).collect();
    let edges: Vec<Value> = sub.edges.iter().map(|&e| edge(b, g, e)).collect();
    json!({ "nodes": nodes, "edges": edges, "critical_paths": paths(b, s, sub) })
}

/// [`render`] as compact JSON and a newline, written a node and an edge
/// at a time: the same bytes as `serde_json::to_vec(&render(..))`, without
/// the whole graph as `Value`s in memory first (at 100,000 items that is
/// hundreds of megabytes for a 30 MB file).
pub fn render_compact(b: &Backlog, g: &Graph, s: &Schedule, sub: &Subgraph) -> Vec<u8> {
    fn list(out: &mut Vec<u8>, items: impl Iterator<Item = Value>) {
        out.push(b'[');
        for (k, v) in items.enumerate() {
            if k > 0 {
                out.push(b',');
            }
            // Writing into a Vec cannot fail; a value that cannot be
            // written (none here: strings, numbers, booleans) is `null`.
            if serde_json::to_writer(&mut *out, &v).is_err() {
                out.extend_from_slice(b"null");
            }
        }
        out.push(b']');
    }
    let mut out = Vec::with_capacity(64 + 160 * sub.nodes.len() + 80 * sub.edges.len());
    out.extend_from_slice(b"{\"nodes\":");
    list(&mut out, sub.nodes.iter().map(|&i| node(b, s, i)));
    out.extend_from_slice(b",\"edges\":");
    list(&mut out, sub.edges.iter().map(|&e| edge(b, g, e)));
    out.extend_from_slice(b",\"critical_paths\":");
    list(&mut out, paths(b, s, sub).into_iter());
    out.extend_from_slice(b"}\n");
    out
}

fn node(b: &Backlog, s: &Schedule, i: usize) -> Value {
    let it = &b.items[i];
    json!({
        "id": it.id(),
        "kind": it.kind(),
        "title": it.title.value,
        "status": it.status(),
        "status_category": b.category(it).map(|c| c.as_str()),
        "critical": is_critical(s, i),
        "slack_days": s.get(i).map(|t| crate::util::json::num(round(t.slack))),
    })
}

fn edge(b: &Backlog, g: &Graph, e: usize) -> Value {
    let e = &g.edges[e];
    let mut o = Map::new();
    o.insert("from".into(), json!(b.items[e.from].id()));
    o.insert("to".into(), json!(b.items[e.to].id()));
    o.insert("type".into(), json!(e.ty.name()));
    if let (Some(text), Some(days)) = (&e.lag_text, e.lag) {
        o.insert("lag".into(), json!(text));
        o.insert("lag_days".into(), crate::util::json::num(days));
    }
    Value::Object(o)
}

fn paths(b: &Backlog, s: &Schedule, sub: &Subgraph) -> Vec<Value> {
    let in_sub: std::collections::HashSet<usize> = sub.nodes.iter().copied().collect();
    s.critical_paths(b)
        .into_iter()
        .filter(|p| in_sub.contains(&p.target))
        .map(|p| {
            let t = s.get(p.target);
            json!({
                "to": b.items[p.target].id(),
                "due": b.items[p.target].due.as_ref().map(|d| d.value.to_string()),
                "slack_days": t.map(|t| crate::util::json::num(round(t.slack))),
                "path": p.path.iter().map(|&i| b.items[i].id()).collect::<Vec<_>>(),
            })
        })
        .collect()
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
        let mut want = serde_json::to_vec(&render(&b, &g, &s, &sub)).unwrap();
        want.push(b'\n');
        assert_eq!(String::from_utf8(render_compact(&b, &g, &s, &sub)).unwrap(), String::from_utf8(want).unwrap());
        // And an empty graph.
        let e = backlog(&[]);
        let ge = Graph::build(&e);
        let se = Schedule::compute(&e, &ge);
        let sube = super::super::select(&e, &ge, &super::super::Selection::default());
        assert_eq!(render_compact(&e, &ge, &se, &sube), b"{\"nodes\":[],\"edges\":[],\"critical_paths\":[]}\n");
    }
}
