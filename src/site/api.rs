//! The static JSON API under `api/v1/` (`site.md`): the item object of
//! `cli.md`, the graph, sprints, metrics, the audit trail and diagnostics.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::Inputs;
use crate::graph::render::{self, Selection};
use crate::graph::schedule::Schedule;

/// One line of JSON: the per-item files and the lists that grow with the
/// backlog are written compact (a third smaller than pretty-printed; the
/// site's size is what GitHub Pages limits).
fn compact(v: &Value) -> Vec<u8> {
    let mut s = serde_json::to_vec(v).unwrap_or_else(|_| b"null".to_vec());
    s.push(b'\n');
    s
}

fn pretty(v: &Value) -> Vec<u8> {
    let mut s = serde_json::to_vec_pretty(v).unwrap_or_else(|_| b"null".to_vec());
    s.push(b'\n');
    s
}

/// `api/v1/items/<id>.json`: the item object with `body`, `body_html` and its events (oldest first).
pub fn item_file(inp: &Inputs, i: usize, mut obj: Value, body_html: &str, events: &[usize]) -> (String, Vec<u8>) {
    let it = &inp.backlog.items[i];
    obj["body"] = json!(it.body);
    obj["body_html"] = json!(body_html);
    let evs: Vec<Value> = match inp.history {
        Some(ev) => events.iter().rev().filter_map(|&k| ev.events.get(k)).map(|e| json!(e)).collect(),
        None => Vec::new(),
    };
    obj["events"] = Value::Array(evs);
    (format!("api/v1/items/{}.json", it.id()), compact(&obj))
}

/// An item object as an entry of `items.json`'s list: one line of
/// compact JSON (a JSON string holds no raw line break).
pub fn item_entry(obj: &Value) -> String {
    serde_json::to_string(obj).unwrap_or_else(|_| "null".into())
}

/// `api/v1/items.json` from its entries ([`item_entry`]), in order:
/// `{"items":[` and the item objects, one a line (compact, yet a
/// line-oriented diff or `grep` still sees one item per line).
pub fn items_json<S: AsRef<str>>(entries: &[S]) -> Result<Vec<u8>, String> {
    let len: usize = entries.iter().map(|e| e.as_ref().len() + 2).sum();
    let mut s = crate::util::alloc::try_buffer("api/v1/items.json", len + 16)?;
    s.extend_from_slice(b"{\"items\":[");
    for (k, e) in entries.iter().enumerate() {
        s.extend_from_slice(if k > 0 { b",\n" } else { b"\n" });
        s.extend_from_slice(e.as_ref().as_bytes());
    }
    s.extend_from_slice(b"\n]}\n");
    Ok(s)
}

/// `api/v1/graph.json`: every item and edge, with the schedule.
pub fn graph_file(inp: &Inputs, sched: &Schedule) -> (String, Vec<u8>) {
    let (b, g) = (inp.backlog, inp.graph);
    let sub = render::select(b, g, &Selection::default());
    let mut graph = render::json::render_compact(b, g, sched, &sub);
    graph.push(b'\n');
    ("api/v1/graph.json".to_string(), graph)
}

/// The site-wide API files of neither items nor the graph: sprints,
/// metrics, the audit trail and diagnostics, from the site's inputs and
/// the sprints in date order with the items committed to each.
pub fn data_files(inp: &Inputs, sprints: &[usize], committed: &HashMap<usize, Vec<usize>>) -> Vec<(String, Vec<u8>)> {
    let (b, g) = (inp.backlog, inp.graph);
    let mut out = Vec::new();
    let sprints: Vec<Value> = sprints
        .iter()
        .map(|&k| {
            let mut o = crate::query::item_object(b, g, k, inp.derived.get(b.items[k].id()));
            let mut items: Vec<&str> =
                committed.get(&k).map(|v| v.iter().map(|&i| b.items[i].id()).collect()).unwrap_or_default();
            items.sort_unstable();
            o["items"] = json!(items);
            let committed: f64 =
                committed.get(&k).map(|v| v.iter().filter_map(|&i| b.items[i].estimate).sum()).unwrap_or(0.0);
            o["committed"] = crate::query::num(committed);
            o["burndown"] = match inp.analytics.burndown(b.items[k].id()) {
                Some(bd) => burndown_json(bd),
                None => Value::Null,
            };
            o
        })
        .collect();
    out.push(("api/v1/sprints.json".to_string(), pretty(&json!({ "sprints": sprints }))));
    let metrics = match inp.analytics.metrics() {
        Some(m) => m,
        None => {
            json!({ "available": false, "reason": inp.options.history_note.clone().unwrap_or_else(|| inp.analytics.unavailable_reason()) })
        }
    };
    out.push(("api/v1/metrics.json".to_string(), pretty(&metrics)));
    let mut audit = Vec::new();
    if let Some(ev) = inp.history {
        for e in &ev.events {
            if let Ok(line) = serde_json::to_vec(e) {
                audit.extend_from_slice(&line);
                audit.push(b'\n');
            }
        }
    }
    out.push(("api/v1/audit.jsonl".to_string(), audit));
    out.push(("api/v1/diagnostics.json".to_string(), compact(&crate::check::report::json_value(inp.report))));
    out
}

/// A sprint's burndown series in the static API: the unit, the commitment
/// and per day the numbers a chart draws (`cairn burndown --format json`
/// has the full record).
fn burndown_json(b: &crate::metrics::Burndown) -> Value {
    let days: Vec<Value> = b
        .days
        .iter()
        .map(|d| {
            json!({
                "date": d.date,
                "remaining": d.remaining,
                "completed": d.completed,
                "added": d.added,
                "removed": d.removed,
                "ideal": d.ideal,
            })
        })
        .collect();
    json!({ "unit": b.unit, "committed": b.committed, "days": days })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_json_from_entries_is_the_list_one_item_a_line() {
        let objs = [
            json!({ "id": "a", "title": "line\nbreak \"q\"", "labels": [], "fields": {}, "n": 1.5 }),
            json!({ "id": "b", "children": ["c", "d"], "ml": { "x": [1, { "y": null }] } }),
        ];
        for n in 0..=objs.len() {
            let entries: Vec<std::sync::Arc<str>> = objs[..n].iter().map(|o| item_entry(o).into()).collect();
            let bytes = items_json(&entries).unwrap();
            let parsed: Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(parsed, json!({ "items": objs[..n].to_vec() }));
            let text = String::from_utf8(bytes).unwrap();
            // `{"items":[`, one line per item, `]}`.
            assert_eq!(text.lines().count(), n + 2, "{text}");
            assert!(text.ends_with("]}\n"));
        }
    }
}
