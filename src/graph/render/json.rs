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
    let nodes: Vec<Value> = sub
        .nodes
        .iter()
        .map(|&i| {
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
        })
        .collect();
    let edges: Vec<Value> = sub
        .edges
        .iter()
        .map(|&e| {
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
        })
        .collect();
    let in_sub: std::collections::HashSet<usize> = sub.nodes.iter().copied().collect();
    let paths: Vec<Value> = s
        .critical_paths(b)
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
        .collect();
    json!({ "nodes": nodes, "edges": edges, "critical_paths": paths })
}

/// Rounds to 1/1000 of a day so float noise never shows.
pub fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
