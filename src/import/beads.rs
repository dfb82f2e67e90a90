//! The `beads` reader: a beads `issues.jsonl` (one issue per line: `id`,
//! `title`, `description`, `design`, `acceptance_criteria`, `notes`,
//! `status`, `priority` 0–4, `issue_type`, `assignee`, `labels`,
//! `created_at`, `closed_at`, `close_reason`, `due_at`, `comments`,
//! `dependencies` with `type`).
//!
//! Issue types `epic`, `feature`, `bug` and `task` are those kinds, any
//! other (`chore`, …) a `task`. Dependencies: `parent-child` names the
//! parent (else a dotted id `bd-a1.2` has the parent `bd-a1` when that is
//! in the file), `blocks` (and `conditional-blocks`, `waits-for`) are
//! `depends_on`, `related`, `discovered-from` and `supersedes` are
//! `relates_to`, `duplicates` is `duplicates`. Priority 0 is `highest`, 4
//! `lowest`. History: the creation and, for a closed issue, its closing.

use std::collections::HashSet;
use std::path::Path;

use serde_json::{json, Value};

use super::convert::{self, Comment};
use super::{ChangeKind, ImportError, Location, Problem, Record, Source};

/// Reads a beads `issues.jsonl`.
pub fn read(source: &Path) -> Result<Source, ImportError> {
    let text = super::read_text(source)?;
    Ok(read_str(&text))
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// A beads dependency type as a cairn relation (`parent` for parent-child).
pub fn relation(ty: &str) -> &'static str {
    match ty {
        "parent-child" => "parent",
        "blocks" | "conditional-blocks" | "waits-for" => "depends_on",
        "duplicates" => "duplicates",
        _ => "relates_to",
    }
}

/// Reads the text of an `issues.jsonl`.
pub fn read_str(text: &str) -> Source {
    let mut src = Source::default();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let res = serde_json::from_str::<Value>(line.trim_start_matches('\u{feff}'))
            .map_err(|e| format!("not a JSON object: {e}"))
            .and_then(|v| record(&v, line_no, &mut src));
        match res {
            Ok(r) => src.records.push(r),
            Err(message) => src.problems.push(Problem { at: Location::Line(line_no), message }),
        }
    }
    // A dotted id's parent, when no parent-child dependency named one.
    let ids: HashSet<String> = src.records.iter().map(|r| r.external_id.clone()).collect();
    for r in &mut src.records {
        if r.parent.is_none() {
            if let Some((head, _)) = r.external_id.rsplit_once('.') {
                if ids.contains(head) {
                    r.parent = Some(head.to_string());
                }
            }
        }
    }
    convert::sort_history(&mut src.history);
    convert::fit_kinds(&mut src);
    src
}

fn record(v: &Value, line: usize, src: &mut Source) -> Result<Record, String> {
    if !v.is_object() {
        return Err("not a JSON object".into());
    }
    let id = s(&v["id"]).trim();
    let title = s(&v["title"]).trim();
    if id.is_empty() {
        return Err("an issue without `id`".into());
    }
    if title.is_empty() {
        return Err(format!("{id} has no title"));
    }
    let priority = match &v["priority"] {
        Value::Null => None,
        p => Some(
            p.as_i64().and_then(convert::priority_number).ok_or_else(|| format!("{id}: priority {p} is not 0–4"))?,
        ),
    };
    let created = convert::time_field("created_at", s(&v["created_at"]))?;
    let closed = convert::time_field("closed_at", s(&v["closed_at"]))?;
    let due = convert::time_field("due_at", s(&v["due_at"]))?;
    let kind = match s(&v["issue_type"]) {
        k @ ("epic" | "feature" | "bug" | "task") => k,
        _ => "task",
    };
    let mut r = Record {
        at: Location::Line(line),
        external_id: id.to_string(),
        kind: kind.to_string(),
        title: title.to_string(),
        status: Some(s(&v["status"]).to_string()).filter(|x| !x.is_empty()),
        ..Record::default()
    };
    for d in v["dependencies"].as_array().into_iter().flatten() {
        let (from, to) = (s(&d["issue_id"]), s(&d["depends_on_id"]));
        if to.is_empty() || (!from.is_empty() && from != id) {
            continue;
        }
        match relation(s(&d["type"])) {
            "parent" => r.parent = Some(to.to_string()),
            rel => r.relations.push((rel.to_string(), to.to_string())),
        }
    }
    if let Some(p) = priority {
        r.fields.insert("priority".into(), json!(p));
    }
    convert::set_str(&mut r, "assignee", s(&v["assignee"]));
    convert::set_str(&mut r, "reporter", s(&v["created_by"]));
    convert::set_list(
        &mut r,
        "labels",
        v["labels"].as_array().into_iter().flatten().map(|l| s(l).to_string()).collect(),
    );
    if let Some(t) = created {
        r.fields.insert("created".into(), json!(convert::rfc3339(t)));
    }
    if let Some(d) = due {
        r.fields.insert("due".into(), json!(convert::date(d)));
    }
    let section = |name: &str, text: &str| {
        if text.trim().is_empty() {
            String::new()
        } else {
            format!("## {name}\n\n{}", text.trim())
        }
    };
    let acceptance: Vec<(String, bool)> = s(&v["acceptance_criteria"])
        .lines()
        .map(|l| l.trim().trim_start_matches("- "))
        .filter(|l| !l.is_empty())
        .map(|l| (l.to_string(), false))
        .collect();
    let mut comments: Vec<Comment> = v["comments"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| Comment {
            author: s(&c["author"]).to_string(),
            time: convert::parse_time(s(&c["created_at"])),
            text: s(&c["text"]).to_string(),
        })
        .collect();
    r.body = convert::join_body(&[
        s(&v["description"]).to_string(),
        section("Design", s(&v["design"])),
        if acceptance.is_empty() { String::new() } else { convert::checklist_md("Acceptance criteria", &acceptance) },
        section("Notes", s(&v["notes"])),
        section("Close reason", s(&v["close_reason"])),
        convert::comments_md(&mut comments),
    ]);
    let who = [s(&v["created_by"]), s(&v["assignee"])].into_iter().find(|x| !x.is_empty()).unwrap_or("beads");
    if let Some(t) = created {
        src.history.push(convert::change(t, who, "", id, ChangeKind::Created));
        src.history.extend(convert::birth(&r, t, who, "", &std::collections::HashMap::new()));
    }
    if let (Some(t), Some("closed")) = (closed, r.status.as_deref()) {
        let by = Some(s(&v["assignee"])).filter(|x| !x.is_empty()).unwrap_or(who);
        src.history.push(convert::change(t, by, "", id, convert::set("status", json!("closed"))));
    }
    Ok(r)
}
