//! The `linear` reader: Linear's CSV export (`ID, Team, Title, Description,
//! Status, Estimate, Priority, Project, Creator, Assignee, Labels, Cycle
//! Number, Cycle Name, Created, Started, Completed, Canceled, Due Date,
//! Parent issue, …`).
//!
//! Cells Linear prefixed with `'` so that spreadsheets do not run them as
//! formulas lose that quote. An issue with a `Bug` label is a `bug`, a
//! sub-issue (one with a `Parent issue`) a `task`, any other a `story`.
//! The cycle is the sprint (`Cycle Name`, else `Cycle N`). Relation
//! columns, where the export has them (comma-separated issue ids):
//! `Blocked by` → `depends_on`, `Blocks`/`Blocking` → `blocks`, `Related
//! to`/`Related issues`/`Related` → `relates_to`, `Duplicate of` →
//! `duplicates`. History: the
//! creation by the creator, `Started` (to `In Progress`), and `Completed` or
//! `Canceled` (to the status).

use std::collections::HashMap;
use std::path::Path;

use serde_json::json;

use super::convert::{self, Header};
use super::{ChangeKind, ImportError, Location, Problem, Record, Source};

/// Reads a Linear CSV export.
pub fn read(source: &Path) -> Result<Source, ImportError> {
    let text = super::read_text(source)?;
    read_str(&text).map_err(|e| ImportError::read(source, e))
}

/// Reads the text of a Linear CSV export.
pub fn read_str(text: &str) -> Result<Source, String> {
    let (h, rows, mut problems) = convert::csv_rows(text.trim_start_matches('\u{feff}'))?;
    for col in ["ID", "Title"] {
        if !h.has(col) {
            return Err(format!("no `{col}` column: is this a Linear CSV export?"));
        }
    }
    let mut src = Source::default();
    let mut cycles = HashMap::new();
    for (line, row) in &rows {
        match record(&h, row, *line, &mut src, &mut cycles) {
            Ok(r) => src.records.push(r),
            Err(message) => problems.push(Problem { at: Location::Line(*line), message }),
        }
    }
    src.problems = problems;
    convert::finish(&mut src, &cycles);
    Ok(src)
}

/// Linear's relation columns (as its exports and API spell them; header
/// names are case-insensitive) and cairn's relation for each.
const RELATION_COLUMNS: &[(&[&str], &str)] = &[
    (&["Blocked by"], "depends_on"),
    (&["Blocks", "Blocking"], "blocks"),
    (&["Related to", "Related issues", "Related"], "relates_to"),
    (&["Duplicate of"], "duplicates"),
];

/// A sprint's start and end dates by name.
type Dates = HashMap<String, (Option<String>, Option<String>)>;

fn record(
    h: &Header,
    row: &csv::StringRecord,
    line: usize,
    src: &mut Source,
    cycles: &mut Dates,
) -> Result<Record, String> {
    let get = |c: &str| convert::unformula(h.get(row, c)).trim();
    let id = get("ID");
    let title = get("Title");
    if id.is_empty() {
        return Err("no ID".into());
    }
    if title.is_empty() {
        return Err(format!("{id} has no Title"));
    }
    let created = convert::time_field("Created", get("Created"))?;
    let started = convert::time_field("Started", get("Started"))?;
    let completed = convert::time_field("Completed", get("Completed"))?;
    let canceled = convert::time_field("Canceled", get("Canceled"))?;
    let due = convert::time_field("Due Date", get("Due Date"))?;
    let estimate = convert::number_field("Estimate", get("Estimate"))?;
    let labels = convert::split_list(get("Labels"));
    let parent = get("Parent issue");
    let kind = if labels.iter().any(|l| l.eq_ignore_ascii_case("bug")) {
        "bug"
    } else if !parent.is_empty() {
        "task"
    } else {
        "story"
    };
    let mut relations = Vec::new();
    for (columns, rel) in RELATION_COLUMNS {
        for c in *columns {
            for to in convert::split_list(get(c)) {
                if to != id && !relations.iter().any(|(r, t): &(String, String)| r == rel && *t == to) {
                    relations.push((rel.to_string(), to));
                }
            }
        }
    }
    let mut r = Record {
        at: Location::Line(line),
        relations,
        external_id: id.to_string(),
        kind: kind.to_string(),
        title: title.to_string(),
        status: Some(get("Status").to_string()).filter(|s| !s.is_empty()),
        parent: (!parent.is_empty()).then(|| parent.to_string()),
        body: convert::join_body(&[convert::unformula(h.get(row, "Description")).to_string()]),
        ..Record::default()
    };
    if let Some(p) = convert::priority_name(get("Priority")) {
        r.fields.insert("priority".into(), json!(p));
    }
    convert::set_str(&mut r, "assignee", get("Assignee"));
    convert::set_str(&mut r, "reporter", get("Creator"));
    convert::set_list(&mut r, "labels", labels);
    let cycle = match (get("Cycle Name"), get("Cycle Number")) {
        ("", "") => String::new(),
        ("", n) => format!("Cycle {n}"),
        (name, _) => name.to_string(),
    };
    convert::set_str(&mut r, "sprint", &cycle);
    if !cycle.is_empty() {
        let start = convert::time_field("Cycle Start", get("Cycle Start"))?.map(convert::date);
        let end = convert::time_field("Cycle End", get("Cycle End"))?.map(convert::date);
        cycles.entry(cycle.clone()).or_insert((start, end));
    }
    if let Some(e) = estimate {
        r.fields.insert("estimate".into(), crate::util::json::num(e));
    }
    if let Some(t) = created {
        r.fields.insert("created".into(), json!(convert::rfc3339(t)));
    }
    if let Some(d) = due {
        r.fields.insert("due".into(), json!(convert::date(d)));
    }
    let creator = Some(get("Creator")).filter(|s| !s.is_empty()).unwrap_or("linear");
    let worker = Some(get("Assignee")).filter(|s| !s.is_empty()).unwrap_or(creator);
    if let Some(t) = created {
        src.history.push(convert::change(t, creator, "", id, ChangeKind::Created));
        src.history.extend(convert::birth(&r, t, creator, "", &HashMap::new()));
    }
    if let Some(t) = started {
        src.history.push(convert::change(t, worker, "", id, convert::set("status", json!("In Progress"))));
    }
    if let (Some(t), Some(s)) = (completed.or(canceled), &r.status) {
        src.history.push(convert::change(t, worker, "", id, convert::set("status", json!(s))));
    }
    Ok(r)
}
