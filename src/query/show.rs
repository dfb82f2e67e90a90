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
    o["impact"] = impact_summary(b, g, i);
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

/// What slips if item `i` slips, and its place in the schedule: `delayed`
/// (count), `by_kind`, `critical`, `slack_days`, and `schedule` (earliest
/// and latest start and finish as day offsets from the project start, and
/// as dates when the project start is known), null when not scheduled.
pub fn impact_summary(b: &Backlog, g: &Graph, i: usize) -> Value {
    use crate::graph::render::json::round;
    let delayed = crate::graph::impact::impact(b, g, i).delayed;
    let sched = crate::graph::schedule::Schedule::compute(b, g);
    let t = sched.get(i).copied();
    let day = |x: f64| super::num(round(x));
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
    json!({
        "delayed": delayed.len(),
        "by_kind": crate::graph::impact::by_kind(b, &delayed),
        "critical": t.is_some_and(|t| t.critical),
        "slack_days": t.map(|t| day(t.slack)),
        "schedule": t.map(|t| json!({
            "duration_days": day(t.duration),
            "early_start_day": day(t.es),
            "early_finish_day": day(t.ef),
            "late_start_day": day(t.ls),
            "late_finish_day": day(t.lf),
            "early_start": date(sched.date(t.es)),
            "early_finish": date(sched.finish_date(t.es, t.ef)),
            "late_start": date(sched.date(t.ls)),
            "late_finish": date(sched.finish_date(t.ls, t.lf)),
        })),
    })
}

fn s(v: &Value) -> String {
    super::display(v)
}

/// `{"story": 3, "epic": 1}` → `["3 stories", "1 epic"]`.
pub fn counts_by_kind(by_kind: &Value) -> Vec<String> {
    let Some(m) = by_kind.as_object() else { return Vec::new() };
    m.iter().map(|(k, c)| format!("{} {}", s(c), crate::util::text::noun(c.as_f64() == Some(1.0), k))).collect()
}

/// A number of days: `1 day`, `0 days`, `2.5 days`.
pub fn days(v: &Value) -> String {
    format!("{} {}", s(v), crate::util::text::noun(v.as_f64() == Some(1.0), "day"))
}

fn impact_text(im: &Value) -> String {
    let mut out = String::new();
    let n = im["delayed"].as_u64().unwrap_or(0);
    let kinds = counts_by_kind(&im["by_kind"]);
    if n == 0 {
        out.push_str("impact: nothing waits on this item\n");
    } else {
        out.push_str(&format!(
            "impact: {n} open {} on this ({})\n",
            if n == 1 { "item waits" } else { "items wait" },
            kinds.join(", ")
        ));
    }
    let sc = &im["schedule"];
    if sc.is_object() {
        let when = |date: &str, day: &str| match sc[date].as_str() {
            Some(d) => d.to_string(),
            None => format!("day {}", s(&sc[day])),
        };
        out.push_str(&format!(
            "schedule: {} day{}, earliest {} – {}, latest {} – {}, {}\n",
            s(&sc["duration_days"]),
            if sc["duration_days"].as_f64() == Some(1.0) { "" } else { "s" },
            when("early_start", "early_start_day"),
            when("early_finish", "early_finish_day"),
            when("late_start", "late_start_day"),
            when("late_finish", "late_finish_day"),
            if im["critical"].as_bool() == Some(true) {
                format!("critical (slack {})", days(&im["slack_days"]))
            } else {
                format!("slack {}", days(&im["slack_days"]))
            }
        ));
    }
    out
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
    if let Some(im) = v.get("impact") {
        out.push_str(&impact_text(im));
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
