//! The JSON side of the `jira` reader: the REST search response
//! (`/rest/api/2|3/search?expand=changelog,names`: `{"issues": [...]}`, or a
//! bare array of issues). Fields by their system names; custom fields by
//! the response's `names` (`Story Points`, `Story point estimate`, `Sprint`,
//! `Epic Link`), else Jira Cloud's usual ids. The changelog's histories
//! become the history: status, assignee, summary, priority, labels, sprint,
//! story points, due date, parent and description changes.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::convert::{self, Comment};
use super::jira::{kind, relation, text};
use super::{Change, ChangeKind, Location, Problem, Record, Source};

/// Reads the text of a search response: one page (`{"issues": [...]}`),
/// a bare array of issues, or an array of pages (`jq -s . page-*.json`).
pub fn read_str(text: &str) -> Result<Source, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let pages = match v {
        Value::Array(a) if !a.is_empty() && a.iter().all(|p| p.get("issues").is_some()) => {
            a.into_iter().map(|p| (None, p)).collect()
        }
        v => vec![(None, v)],
    };
    read_pages(pages)
}

/// Reads the pages of a paginated search (`startAt`/`maxResults`/`total`),
/// each with the name of its file when there are several files. Issues are
/// taken in page order; an issue a later page repeats (the result moved
/// between requests) is read once. Pages that hold fewer issues than their
/// `total` are a problem: part of the export is missing.
pub fn read_pages(pages: Vec<(Option<String>, Value)>) -> Result<Source, String> {
    // (where, the page it is on, the issue)
    let mut all: Vec<(Location, usize, Value)> = Vec::new();
    let mut names: serde_json::Map<String, Value> = serde_json::Map::new();
    let mut total: Option<u64> = None;
    for (page_no, (file, page)) in pages.into_iter().enumerate() {
        let at = |n: usize| match &file {
            Some(f) => Location::File(format!("{f}, record {n}"), 0),
            None => Location::Record(n),
        };
        let issues = match page {
            Value::Array(a) => a,
            Value::Object(mut o) => {
                if let Some(Value::Object(n)) = o.remove("names") {
                    for (k, v) in n {
                        names.entry(k).or_insert(v);
                    }
                }
                total = total.max(o.get("total").and_then(Value::as_u64));
                match o.remove("issues") {
                    Some(Value::Array(a)) => a,
                    _ => return Err(with_file(&file, "no `issues` array: is this a Jira search response?")),
                }
            }
            _ => return Err(with_file(&file, "expected an object with `issues` or an array of issues")),
        };
        let base = all.len();
        all.extend(issues.into_iter().enumerate().map(|(i, v)| {
            let n = if file.is_some() { i + 1 } else { base + i + 1 };
            (at(n), page_no, v)
        }));
    }
    // Custom field ids by their names, with Jira Cloud's usual ids as the fallback.
    let mut ids: HashMap<&str, Vec<String>> = HashMap::new();
    for (id, name) in &names {
        ids.entry(name.as_str().unwrap_or_default()).or_default().push(id.clone());
    }
    let custom = |name: &str, default: &str| -> Vec<String> {
        ids.get(name).cloned().unwrap_or_else(|| vec![default.to_string()])
    };
    let cf = Custom {
        points: [custom("Story Points", "customfield_10016"), custom("Story point estimate", "customfield_10016")]
            .concat(),
        sprint: custom("Sprint", "customfield_10020"),
        epic: custom("Epic Link", "customfield_10014"),
    };
    let mut src = Source::default();
    let mut dates = HashMap::new();
    // Key → the page it was first read from: a later page repeating it is
    // pagination drift; a page repeating its own key is the plan's problem.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (at, page_no, issue) in &all {
        let key = text(&issue["key"]);
        if !key.is_empty() && *seen.entry(key).or_insert(*page_no) < *page_no {
            continue;
        }
        match record(issue, at.clone(), &cf, &mut src.history, &mut dates) {
            Ok(r) => src.records.push(r),
            Err(message) => src.problems.push(Problem { at: at.clone(), message }),
        }
    }
    if let Some(t) = total {
        let have = seen.len() as u64;
        if have < t {
            src.problems.push(Problem {
                at: Location::None,
                message: format!(
                    "the search found {t} issues and the export holds {have}: fetch the other pages (`startAt={have}`, …) and import them together (a folder of pages, or `jq -s . page-*.json`)"
                ),
            });
        }
    }
    convert::finish(&mut src, &dates);
    Ok(src)
}

fn with_file(file: &Option<String>, message: &str) -> String {
    match file {
        Some(f) => format!("{f}: {message}"),
        None => message.to_string(),
    }
}

struct Custom {
    points: Vec<String>,
    sprint: Vec<String>,
    epic: Vec<String>,
}

/// A user object's name: `displayName`, else `name`, else `accountId`.
fn user(v: &Value) -> (String, String) {
    let name = ["displayName", "name", "accountId"].iter().map(|k| text(&v[*k])).find(|s| !s.is_empty());
    (name.unwrap_or_default(), text(&v["emailAddress"]))
}

/// A description: a string (API v2) or Atlassian Document Format (v3),
/// whose text nodes are joined, a blank line between blocks.
pub fn description(v: &Value) -> String {
    fn walk(v: &Value, out: &mut String) {
        match v {
            Value::String(s) => out.push_str(s),
            Value::Object(o) => {
                if let Some(t) = o.get("text").and_then(Value::as_str) {
                    out.push_str(t);
                }
                if o.get("type").and_then(Value::as_str) == Some("hardBreak") {
                    out.push('\n');
                }
                for c in o.get("content").and_then(Value::as_array).into_iter().flatten() {
                    walk(c, out);
                    if c.get("content").is_some() && !out.ends_with("\n\n") {
                        out.push_str("\n\n");
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = String::new();
    walk(v, &mut out);
    out.trim().to_string()
}

/// A sprint field's value: the last sprint's name (objects with `name`,
/// or the old `…[id=1,name=PAY Sprint 1,…]` strings).
fn sprint(v: &Value) -> Option<String> {
    let last = match v {
        Value::Array(a) => a.last()?,
        other => other,
    };
    match last {
        Value::Object(o) => o.get("name").map(text),
        Value::String(s) => match s.split_once("name=") {
            Some((_, rest)) => rest.split(',').next().map(str::to_string),
            None => Some(s.clone()),
        },
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

fn first<'a>(f: &'a Value, ids: &[String]) -> Option<&'a Value> {
    ids.iter().filter_map(|id| f.get(id)).find(|v| !v.is_null())
}

/// A sprint's start and end dates by name.
type Dates = HashMap<String, (Option<String>, Option<String>)>;

/// The dates of the sprint objects of a sprint field.
fn sprint_dates(v: &Value, dates: &mut Dates) {
    for s in v.as_array().into_iter().flatten() {
        let day = |k: &str| convert::parse_time(&text(&s[k])).map(convert::date);
        if let Some(name) = s["name"].as_str() {
            dates.entry(name.to_string()).or_insert((day("startDate"), day("endDate")));
        }
    }
}

fn record(
    issue: &Value,
    at: Location,
    cf: &Custom,
    history: &mut Vec<Change>,
    dates: &mut Dates,
) -> Result<Record, String> {
    let key = text(&issue["key"]);
    let f = &issue["fields"];
    if key.is_empty() || !f.is_object() {
        return Err("an issue without `key` or `fields`".into());
    }
    let title = text(&f["summary"]);
    if title.is_empty() {
        return Err(format!("{key} has no summary"));
    }
    let created = convert::time_field("created", &text(&f["created"]))?;
    let due = convert::time_field("duedate", &text(&f["duedate"]))?;
    let mut r = Record {
        at,
        external_id: key.clone(),
        kind: kind(&text(&f["issuetype"]["name"])).to_string(),
        title,
        ..Record::default()
    };
    r.status = Some(text(&f["status"]["name"])).filter(|s| !s.is_empty());
    r.parent = Some(text(&f["parent"]["key"]))
        .filter(|s| !s.is_empty())
        .or_else(|| first(f, &cf.epic).map(text).filter(|s| !s.is_empty()));
    for link in f["issuelinks"].as_array().into_iter().flatten() {
        let ty = text(&link["type"]["name"]);
        for (side, inward) in [("inwardIssue", true), ("outwardIssue", false)] {
            let target = text(&link[side]["key"]);
            if let (false, Some(rel)) = (target.is_empty(), relation(&ty, inward)) {
                r.relations.push((rel.to_string(), target));
            }
        }
    }
    if let Some(p) = convert::priority_name(&text(&f["priority"]["name"])) {
        r.fields.insert("priority".into(), json!(p));
    }
    let (assignee, _) = user(&f["assignee"]);
    let (reporter, reporter_email) = user(&f["reporter"]);
    convert::set_str(&mut r, "assignee", &assignee);
    convert::set_str(&mut r, "reporter", &reporter);
    if let Some(t) = created {
        r.fields.insert("created".into(), json!(convert::rfc3339(t)));
    }
    if let Some(d) = due {
        r.fields.insert("due".into(), json!(convert::date(d)));
    }
    if let Some(p) = first(f, &cf.points) {
        let e = p.as_f64().filter(|x| x.is_finite() && *x >= 0.0);
        let e = e.ok_or_else(|| format!("{key}: story points `{p}` are not a number ≥ 0"))?;
        r.fields.insert("estimate".into(), crate::util::json::num(e));
    }
    let labels = f["labels"].as_array().into_iter().flatten().map(text).collect();
    convert::set_list(&mut r, "labels", labels);
    if let Some(v) = first(f, &cf.sprint) {
        sprint_dates(v, dates);
    }
    if let Some(s) = first(f, &cf.sprint).and_then(sprint) {
        r.fields.insert("sprint".into(), json!(s));
    }
    let mut comments: Vec<Comment> = f["comment"]["comments"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| Comment {
            author: user(&c["author"]).0,
            time: convert::parse_time(&text(&c["created"])),
            text: description(&c["body"]),
        })
        .collect();
    r.body = convert::join_body(&[description(&f["description"]), convert::comments_md(&mut comments)]);
    let mut changes = Vec::new();
    // Each field's value before its first change: the first item's `fromString`.
    let mut initial: HashMap<String, Option<Value>> = HashMap::new();
    let mut entries: Vec<(chrono::DateTime<chrono::Utc>, &Value)> = Vec::new();
    for h in issue["changelog"]["histories"].as_array().into_iter().flatten() {
        let Some(t) = convert::parse_time(&text(&h["created"])) else {
            return Err(format!("{key}: a changelog entry's time `{}` is not a time", text(&h["created"])));
        };
        entries.push((t, h));
    }
    entries.sort_by_key(|e| e.0);
    for (t, h) in entries {
        let (who, email) = user(&h["author"]);
        let who = if who.is_empty() { "jira".to_string() } else { who };
        for item in h["items"].as_array().into_iter().flatten() {
            let Some(what) = change_item(item, cf) else { continue };
            let field = match &what {
                ChangeKind::Set { field, .. } | ChangeKind::Unset { field } => field.clone(),
                _ => "body".to_string(),
            };
            initial.entry(field).or_insert_with(|| {
                let mut before = item.clone();
                before["toString"] = item["fromString"].clone();
                match change_item(&before, cf) {
                    Some(ChangeKind::Set { value, .. }) => Some(value),
                    Some(ChangeKind::Body(b)) => Some(Value::String(b)),
                    _ => None,
                }
            });
            changes.push(convert::change(t, &who, &email, &key, what));
        }
    }
    if let Some(t) = created {
        let by = if reporter.is_empty() { "jira".to_string() } else { reporter.clone() };
        history.push(convert::change(t, &by, &reporter_email, &key, ChangeKind::Created));
        history.extend(convert::birth(&r, t, &by, &reporter_email, &initial));
    }
    history.extend(changes);
    Ok(r)
}

/// One changelog item as a change; `None` for fields cairn does not keep.
fn change_item(item: &Value, cf: &Custom) -> Option<ChangeKind> {
    let field = text(&item["field"]);
    let to = text(&item["toString"]);
    let id = text(&item["fieldId"]);
    let is = |names: &[&str]| names.iter().any(|n| field.eq_ignore_ascii_case(n));
    let custom = |ids: &[String]| !id.is_empty() && ids.contains(&id);
    let (name, value) = if is(&["status"]) {
        ("status", json!(to))
    } else if is(&["assignee"]) {
        ("assignee", json!(to))
    } else if is(&["summary"]) {
        ("title", json!(to))
    } else if is(&["priority"]) {
        ("priority", json!(convert::priority_name(&to)?))
    } else if is(&["labels"]) {
        ("labels", json!(to.split_whitespace().collect::<Vec<_>>()))
    } else if is(&["sprint"]) || custom(&cf.sprint) {
        ("sprint", json!(to.split(',').map(str::trim).rfind(|s| !s.is_empty())?))
    } else if is(&["story points", "story point estimate"]) || custom(&cf.points) {
        match to.trim() {
            "" => ("estimate", Value::Null),
            t => ("estimate", crate::util::json::num(t.parse::<f64>().ok()?)),
        }
    } else if is(&["duedate"]) {
        match to.trim() {
            "" => ("due", Value::Null),
            t => ("due", json!(convert::date(convert::parse_time(t)?))),
        }
    } else if is(&["parent", "epic link", "IssueParentAssociation"]) {
        ("parent", json!(to))
    } else if is(&["description"]) {
        return Some(ChangeKind::Body(to));
    } else {
        return None;
    };
    if value.is_null() || value.as_str() == Some("") || value.as_array().is_some_and(Vec::is_empty) {
        return Some(ChangeKind::Unset { field: name.to_string() });
    }
    Some(ChangeKind::Set { field: name.to_string(), value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adf_descriptions_become_text() {
        let adf = json!({"type": "doc", "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "One"}, {"type": "hardBreak"}, {"type": "text", "text": "two"}]},
            {"type": "paragraph", "content": [{"type": "text", "text": "Three"}]}
        ]});
        assert_eq!(description(&adf), "One\ntwo\n\nThree");
        assert_eq!(description(&json!("plain")), "plain");
        assert_eq!(description(&Value::Null), "");
    }

    #[test]
    fn sprints_old_and_new() {
        assert_eq!(sprint(&json!([{"name": "S1"}, {"name": "S2"}])).as_deref(), Some("S2"));
        let old = json!(["com.atlassian.greenhopper.service.sprint.Sprint@1[id=1,rapidViewId=2,state=CLOSED,name=PAY Sprint 1,startDate=x]"]);
        assert_eq!(sprint(&old).as_deref(), Some("PAY Sprint 1"));
        assert_eq!(sprint(&json!([])), None);
    }
}
