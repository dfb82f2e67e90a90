//! The `jira` reader: a Jira CSV export (all fields: repeated `Labels`,
//! `Sprint`, `Watchers` and `Comment` columns, `Custom field (Story Points)`,
//! `Parent id`/`Parent`, `Custom field (Epic Link)`, `Inward`/`Outward issue
//! link (…)` columns, `11/May/24 3:26 PM` times), or the JSON of the REST
//! search API with `expand=changelog` (see [`super::jira_json`]).
//!
//! CSV times carry no zone (Jira writes them in the exporting user's zone):
//! they are taken as UTC.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{json, Value};

use super::convert::{self, Comment, Header};
use super::{ChangeKind, ImportError, Location, Problem, Record, Source};

/// Reads a Jira CSV or JSON export (JSON when the file starts with `{` or `[`).
pub fn read(source: &Path) -> Result<Source, ImportError> {
    let text = super::read_text(source)?;
    let text = text.trim_start_matches('\u{feff}');
    if text.trim_start().starts_with(['{', '[']) {
        return super::jira_json::read_str(text).map_err(|e| ImportError::read(source, e));
    }
    read_csv(text).map_err(|e| ImportError::read(source, e))
}

/// A Jira issue type in cairn's kinds.
pub fn kind(issue_type: &str) -> &'static str {
    match issue_type.trim().to_ascii_lowercase().as_str() {
        "epic" => "epic",
        "initiative" => "initiative",
        "bug" | "defect" => "bug",
        "task" | "sub-task" | "subtask" | "sub task" => "task",
        _ => "story",
    }
}

/// A link type and direction (`Blocks`, inward) as a cairn relation;
/// `None` for the side another record writes (an inward duplicate).
pub fn relation(link: &str, inward: bool) -> Option<&'static str> {
    let l = link.trim().to_ascii_lowercase();
    if l.contains("block") || l.contains("depend") {
        Some(if inward { "depends_on" } else { "blocks" })
    } else if l.contains("duplicat") {
        (!inward).then_some("duplicates")
    } else {
        Some("relates_to")
    }
}

/// A CSV `Comment` cell: `date;author id;body` (the body may hold `;`).
fn comment(cell: &str) -> Comment {
    let mut parts = cell.splitn(3, ';');
    let (a, b, c) = (parts.next().unwrap_or(""), parts.next(), parts.next());
    match (convert::parse_time(a), b, c) {
        (Some(t), Some(author), Some(text)) => {
            Comment { author: author.trim().to_string(), time: Some(t), text: text.to_string() }
        }
        _ => Comment { author: "unknown".into(), time: None, text: cell.to_string() },
    }
}

/// The link columns of a header: `(column name, link type, inward)`.
fn link_columns(h: &Header) -> Vec<(String, String, bool)> {
    let mut seen = std::collections::BTreeSet::new();
    h.names()
        .iter()
        .filter_map(|n| {
            let (inward, rest) = if let Some(r) = n.strip_prefix("Inward issue link (") {
                (true, r)
            } else {
                (false, n.strip_prefix("Outward issue link (")?)
            };
            let ty = rest.strip_suffix(')')?;
            seen.insert(n.clone()).then(|| (n.clone(), ty.to_string(), inward))
        })
        .collect()
}

/// Reads the text of a Jira CSV export.
pub fn read_csv(text: &str) -> Result<Source, String> {
    let (h, rows, mut problems) = convert::csv_rows(text)?;
    for col in ["Summary", "Issue key"] {
        if !h.has(col) {
            return Err(format!("no `{col}` column: is this a Jira CSV export?"));
        }
    }
    let links = link_columns(&h);
    // `Parent id` holds the parent's numeric issue id.
    let key_of: HashMap<&str, &str> = rows
        .iter()
        .map(|(_, r)| (h.get(r, "Issue id"), h.get(r, "Issue key")))
        .filter(|(i, _)| !i.is_empty())
        .collect();
    let mut src = Source::default();
    for (line, row) in &rows {
        match record(&h, row, *line, &links, &key_of, &mut src) {
            Ok(r) => src.records.push(r),
            Err(message) => problems.push(Problem { at: Location::Line(*line), message }),
        }
    }
    src.problems = problems;
    convert::finish(&mut src, &HashMap::new());
    Ok(src)
}

fn record(
    h: &Header,
    row: &csv::StringRecord,
    line: usize,
    links: &[(String, String, bool)],
    key_of: &HashMap<&str, &str>,
    src: &mut Source,
) -> Result<Record, String> {
    let key = h.get(row, "Issue key");
    let title = h.get(row, "Summary");
    if key.is_empty() {
        return Err("no Issue key".into());
    }
    if title.is_empty() {
        return Err(format!("{key} has no Summary"));
    }
    let created = convert::time_field("Created", h.get(row, "Created"))?;
    let resolved = convert::time_field("Resolved", h.get(row, "Resolved"))?;
    let due = convert::time_field("Due Date", h.get(row, "Due Date"))?;
    let estimate = ["Custom field (Story Points)", "Custom field (Story point estimate)"]
        .iter()
        .map(|c| convert::number_field(c, h.get(row, c)))
        .find(|r| !matches!(r, Ok(None)))
        .unwrap_or(Ok(None))?;
    let mut r = Record {
        at: Location::Line(line),
        external_id: key.to_string(),
        kind: kind(h.get(row, "Issue Type")).to_string(),
        title: title.to_string(),
        ..Record::default()
    };
    let status = h.get(row, "Status");
    r.status = (!status.is_empty()).then(|| status.to_string());
    let parent = ["Parent id", "Parent", "Parent key", "Custom field (Epic Link)", "Custom field (Parent Link)"]
        .iter()
        .map(|c| h.get(row, c))
        .find(|v| !v.is_empty());
    r.parent = parent.map(|p| key_of.get(p).copied().unwrap_or(p).to_string());
    for (col, ty, inward) in links {
        if let Some(rel) = relation(ty, *inward) {
            for target in h.all(row, col) {
                r.relations.push((rel.to_string(), target.to_string()));
            }
        }
    }
    if let Some(p) = convert::priority_name(h.get(row, "Priority")) {
        r.fields.insert("priority".into(), json!(p));
    }
    convert::set_str(&mut r, "assignee", h.get(row, "Assignee"));
    convert::set_str(&mut r, "reporter", h.get(row, "Reporter"));
    if let Some(t) = created {
        r.fields.insert("created".into(), json!(convert::rfc3339(t)));
    }
    if let Some(d) = due {
        r.fields.insert("due".into(), json!(convert::date(d)));
    }
    if let Some(e) = estimate {
        r.fields.insert("estimate".into(), crate::util::json::num(e));
    }
    convert::set_list(&mut r, "labels", h.all(row, "Labels").map(str::to_string).collect());
    // Sprints are listed oldest first; the item is in the last one.
    if let Some(s) = h.all(row, "Sprint").last() {
        r.fields.insert("sprint".into(), json!(s));
    }
    let mut comments: Vec<Comment> = h.all(row, "Comment").map(comment).collect();
    r.body = convert::join_body(&[h.get(row, "Description").to_string(), convert::comments_md(&mut comments)]);
    let who = |f: &str| h.get(row, f).to_string();
    let reporter = [who("Reporter"), who("Creator"), who("Assignee")].into_iter().find(|s| !s.is_empty());
    let reporter = reporter.unwrap_or_else(|| "jira".into());
    if let Some(t) = created {
        src.history.push(convert::change(t, &reporter, "", key, ChangeKind::Created));
        src.history.extend(convert::birth(&r, t, &reporter, "", &HashMap::new()));
    }
    if let (Some(t), Some(s)) = (resolved, &r.status) {
        let by = Some(who("Assignee")).filter(|s| !s.is_empty()).unwrap_or_else(|| reporter.clone());
        src.history.push(convert::change(t, &by, "", key, convert::set("status", json!(s))));
    }
    Ok(r)
}

/// A JSON value's text (`"x"` → `x`, numbers as written, null → empty).
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_split_on_the_first_two_semicolons() {
        let c = comment("11/May/24 3:26 PM;557058:f1;Looks good; ship it");
        assert_eq!(c.author, "557058:f1");
        assert_eq!(c.text, "Looks good; ship it");
        assert_eq!(c.time.map(convert::rfc3339).as_deref(), Some("2024-05-11T15:26:00Z"));
        let odd = comment("no date here");
        assert_eq!((odd.author.as_str(), odd.text.as_str(), odd.time), ("unknown", "no date here", None));
    }

    #[test]
    fn link_directions() {
        assert_eq!(relation("Blocks", true), Some("depends_on"));
        assert_eq!(relation("Blocks", false), Some("blocks"));
        assert_eq!(relation("Duplicate", false), Some("duplicates"));
        assert_eq!(relation("Duplicate", true), None);
        assert_eq!(relation("Relates", true), Some("relates_to"));
    }
}
