//! The view of one item for `cairn show`: the item object, its body, its
//! relations both ways with titles, and its progress.

use serde_json::{json, Value};

use crate::graph::{rollup, Graph};
use crate::load::Backlog;

/// `cairn show --format json`: the item object plus `body`, `progress`
/// (for parents) and `related` (id → title, kind, status of every item named).
pub fn view(b: &Backlog, g: &Graph, i: usize) -> Value {
    let mut o = super::item_object(b, g, i, None);
    o["body"] = json!(b.items[i].body);
    let r = rollup::rollup(b, g, i);
    if r.items_total > 0 {
        o["progress"] = json!({
            "children": {"done": r.children_done, "total": r.children_total},
            "items": {"done": r.items_done, "total": r.items_total},
            "estimate": {"done": super::num(r.estimate_done), "total": super::num(r.estimate_total)},
        });
    }
    let mut related = serde_json::Map::new();
    for key in [
        "parent",
        "children",
        "depends_on",
        "blocks",
        "relates_to",
        "duplicates",
        "duplicated_by",
        "references",
        "referenced_by",
    ] {
        let ids: Vec<String> = match &o[key] {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a.iter().filter_map(|v| v.as_str().map(String::from)).collect(),
            _ => vec![],
        };
        for id in ids {
            if let Some(it) = b.get(&id) {
                related.insert(id, json!({"title": it.title.value, "kind": it.kind(), "status": it.status()}));
            }
        }
    }
    o["related"] = Value::Object(related);
    o
}

fn s(v: &Value) -> String {
    super::display(v)
}

/// `cairn show` as text.
pub fn text(v: &Value) -> String {
    let mut out = String::new();
    out.push_str(&format!("{} {}: {}\n", s(&v["kind"]), s(&v["id"]), s(&v["title"])));
    let mut meta = Vec::new();
    for key in [
        "status", "priority", "assignee", "estimate", "sprint", "start", "due", "labels", "reporter", "created",
        "updated",
    ] {
        let val = s(&v[key]);
        if !val.is_empty() {
            meta.push((key, val));
        }
    }
    if let Some(f) = v["fields"].as_object() {
        for (k, val) in f {
            meta.push((k.as_str(), s(val)));
        }
    }
    let w = meta.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, val) in &meta {
        out.push_str(&format!("  {k:w$}  {val}\n"));
    }
    out.push_str(&format!("  {:w$}  {}\n", "path", s(&v["path"])));
    if let Some(p) = v.get("progress") {
        out.push_str(&format!(
            "\nprogress: {}/{} children done, {}/{} items, {}/{} estimate\n",
            p["children"]["done"],
            p["children"]["total"],
            p["items"]["done"],
            p["items"]["total"],
            p["estimate"]["done"],
            p["estimate"]["total"]
        ));
    }
    let c = &v["checklist"];
    if c["total"].as_u64().unwrap_or(0) > 0 {
        out.push_str(&format!(
            "checklist: {}/{} ({} acceptance criteria, {} checked)\n",
            c["done"], c["total"], v["acceptance"]["total"], v["acceptance"]["done"]
        ));
    }
    let related = &v["related"];
    let mut rel_lines = String::new();
    for (key, label) in [
        ("parent", "parent"),
        ("children", "children"),
        ("depends_on", "depends on"),
        ("blocks", "blocks"),
        ("relates_to", "relates to"),
        ("duplicates", "duplicates"),
        ("duplicated_by", "duplicated by"),
        ("references", "references"),
        ("referenced_by", "referenced by"),
    ] {
        let entries: Vec<String> = match &v[key] {
            Value::String(id) => vec![id.clone()],
            Value::Array(a) => a.iter().map(|x| x.as_str().map(String::from).unwrap_or_else(|| s(x))).collect(),
            _ => vec![],
        };
        for e in entries {
            let extra = related
                .get(&e)
                .map(|r| format!("  {} [{}] {}", s(&r["kind"]), s(&r["status"]), s(&r["title"])))
                .unwrap_or_default();
            rel_lines.push_str(&format!("  {label:13} {e}{extra}\n"));
        }
    }
    if !rel_lines.is_empty() {
        out.push_str("\nrelations:\n");
        out.push_str(&rel_lines);
    }
    let body = s(&v["body"]);
    if !body.trim().is_empty() {
        out.push('\n');
        out.push_str(body.trim_matches('\n'));
        out.push('\n');
    }
    out
}
