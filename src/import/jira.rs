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

/// Reads a Jira CSV or JSON export (JSON when the file starts with `{` or
/// `[`), or a folder of them: the pages of a search (`*.json`) or the CSV
/// files of an export Jira split at its 1,000-issue limit (`*.csv`), read
/// together in file-name order.
pub fn read(source: &Path) -> Result<Source, ImportError> {
    if source.is_dir() {
        return read_dir(source);
    }
    let text = super::read_text(source)?;
    let text = text.trim_start_matches('\u{feff}');
    if is_json(text) {
        return super::jira_json::read_str(text).map_err(|e| ImportError::read(source, e));
    }
    read_csv(text).map_err(|e| ImportError::read(source, e))
}

fn is_json(text: &str) -> bool {
    text.trim_start().starts_with(['{', '['])
}

/// A folder of pages or CSV files.
fn read_dir(dir: &Path) -> Result<Source, ImportError> {
    let mut files: Vec<(String, String)> = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| ImportError::read(dir, e))?;
    for e in entries {
        let e = e.map_err(|e| ImportError::read(dir, e))?;
        let name = e.file_name().to_string_lossy().to_string();
        let ext = Path::new(&name).extension().and_then(|x| x.to_str()).map(str::to_ascii_lowercase);
        if matches!(ext.as_deref(), Some("json" | "csv")) && e.path().is_file() {
            let text = super::read_text(&e.path())?;
            files.push((name, text.trim_start_matches('\u{feff}').to_string()));
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(ImportError::read(dir, "no .json or .csv files in the folder"));
    }
    let json = files.iter().filter(|(_, t)| is_json(t)).count();
    if json == files.len() {
        let mut pages = Vec::with_capacity(files.len());
        for (name, text) in files {
            let v: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| ImportError::read(&dir.join(&name), format!("not JSON: {e}")))?;
            pages.push((Some(name), v));
        }
        return super::jira_json::read_pages(pages).map_err(|e| ImportError::read(dir, e));
    }
    if json > 0 {
        return Err(ImportError::read(dir, "the folder mixes JSON pages and CSV files: import one kind at a time"));
    }
    let named: Vec<(Option<String>, &str)> = files.iter().map(|(n, t)| (Some(n.clone()), t.as_str())).collect();
    read_csvs(&named).map_err(|e| ImportError::read(dir, e))
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
    read_csvs(&[(None, text)])
}

/// Reads CSV exports together (the files of one export, each with its
/// name when there are several): parents and links may cross files; an
/// issue key a later file repeats (the export moved on between files) is
/// read from the first file only.
pub fn read_csvs(files: &[(Option<String>, &str)]) -> Result<Source, String> {
    let mut parsed = Vec::with_capacity(files.len());
    for (name, text) in files {
        let in_file = |e: String| match name {
            Some(n) => format!("{n}: {e}"),
            None => e,
        };
        let (h, rows, problems) = convert::csv_rows(text).map_err(in_file)?;
        for col in ["Summary", "Issue key"] {
            if !h.has(col) {
                return Err(in_file(format!("no `{col}` column: is this a Jira CSV export?")));
            }
        }
        parsed.push((name, h, rows, problems));
    }
    // `Parent id` holds the parent's numeric issue id.
    let key_of: HashMap<&str, &str> = parsed
        .iter()
        .flat_map(|(_, h, rows, _)| rows.iter().map(move |(_, r)| (h.get(r, "Issue id"), h.get(r, "Issue key"))))
        .filter(|(i, _)| !i.is_empty())
        .collect();
    let mut src = Source::default();
    // Key → the file it was first read from.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut all_problems = Vec::new();
    for (f, (name, h, rows, problems)) in parsed.iter().enumerate() {
        let at = |line: usize| match name {
            Some(n) => Location::File(n.clone(), line),
            None => Location::Line(line),
        };
        let links = link_columns(h);
        for (line, row) in rows {
            let key = h.get(row, "Issue key");
            if !key.is_empty() && *seen.entry(key).or_insert(f) < f {
                continue;
            }
            match record(h, row, *line, &links, &key_of, &mut src) {
                Ok(mut r) => {
                    r.at = at(*line);
                    src.records.push(r)
                }
                Err(message) => all_problems.push(Problem { at: at(*line), message }),
            }
        }
        all_problems.extend(problems.iter().map(|p| match (&p.at, name) {
            (Location::Line(l), Some(n)) => Problem { at: Location::File(n.clone(), *l), message: p.message.clone() },
            _ => p.clone(),
        }));
    }
    src.problems = all_problems;
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
