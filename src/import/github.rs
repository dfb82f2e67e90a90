//! The `github` reader: the JSON array of `gh issue list --json
//! number,title,body,state,stateReason,labels,assignees,milestone,createdAt,closedAt,url,author`.
//!
//! An issue is a `story`, or a `bug` when it has a `bug` label (`bug`,
//! `type: bug`, `kind/bug`, any case). Its id is `#N`; its status `open`,
//! `closed` or, closed with `stateReason` `NOT_PLANNED`, `not planned`. The
//! milestone is the sprint (its due date the item's `due`). References in
//! the body (`depends on #12`, `blocked by #12`, `blocks #12`, `duplicate
//! of #12`, `relates to #12`) become relations. The parent (GitHub's
//! sub-issues): the issue's `parent` (`{"number": 12}`, where the export
//! has it), else "part of #12", "parent: #12", "sub-issue of #12" or
//! "child of #12" in its body, else the issue whose body tracks it in a
//! task list (`- [ ] #13`); a story with a parent story becomes a task
//! ([`convert::fit_kinds`]). History: the creation by the author, and the
//! closing (by the first assignee, else the author: the export does not
//! say who closed it).

use std::collections::HashMap;
use std::path::Path;

use serde_json::{json, Value};

use super::convert;
use super::{ChangeKind, ImportError, Location, Problem, Record, Source};

/// Reads `gh issue list --json …` output.
pub fn read(source: &Path) -> Result<Source, ImportError> {
    let text = super::read_text(source)?;
    read_str(&text).map_err(|e| ImportError::read(source, e))
}

/// Whether a label marks a bug.
fn is_bug_label(name: &str) -> bool {
    let l = name.trim().to_ascii_lowercase();
    matches!(l.as_str(), "bug" | "type: bug" | "type:bug" | "kind/bug" | "type/bug" | "defect")
}

/// The relations a body names: `(relation, "#N")`.
pub fn body_relations(body: &str) -> Vec<(String, String)> {
    const PHRASES: [(&str, &str); 8] = [
        ("depends on", "depends_on"),
        ("blocked by", "depends_on"),
        ("duplicate of", "duplicates"),
        ("duplicates", "duplicates"),
        ("relates to", "relates_to"),
        ("related to", "relates_to"),
        ("blocks", "blocks"),
        ("requires", "depends_on"),
    ];
    let lower = body.to_ascii_lowercase();
    let mut out: Vec<(usize, String, String)> = Vec::new();
    for (phrase, rel) in PHRASES {
        for (at, _) in lower.match_indices(phrase) {
            // A whole word: `unblocks` is not `blocks`.
            if lower[..at].chars().next_back().is_some_and(char::is_alphanumeric) {
                continue;
            }
            let mut rest = lower[at + phrase.len()..].trim_start_matches([' ', ':']);
            while let Some(num) = rest.strip_prefix('#') {
                let digits: String = num.chars().take_while(char::is_ascii_digit).collect();
                if digits.is_empty() {
                    break;
                }
                out.push((at, rel.to_string(), format!("#{digits}")));
                rest = num[digits.len()..].trim_start_matches([',', ' ']).trim_start_matches("and ");
            }
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.1 == b.1 && a.2 == b.2);
    out.into_iter().map(|(_, r, t)| (r, t)).collect()
}

/// The parent a body names (`part of #12`, `parent: #12`, `parent issue
/// #12`, `sub-issue of #12`, `child of #12`): the first, as `#N`.
pub fn body_parent(body: &str) -> Option<String> {
    const PHRASES: [&str; 6] = ["part of", "parent issue", "parent", "sub-issue of", "subissue of", "child of"];
    let lower = body.to_ascii_lowercase();
    let mut best: Option<(usize, String)> = None;
    for phrase in PHRASES {
        for (at, _) in lower.match_indices(phrase) {
            if lower[..at].chars().next_back().is_some_and(char::is_alphanumeric) {
                continue;
            }
            let rest = lower[at + phrase.len()..].trim_start_matches([' ', ':']);
            let Some(num) = rest.strip_prefix('#') else { continue };
            let digits: String = num.chars().take_while(char::is_ascii_digit).collect();
            if !digits.is_empty() && best.as_ref().is_none_or(|(b, _)| at < *b) {
                best = Some((at, format!("#{digits}")));
            }
        }
    }
    best.map(|(_, id)| id)
}

/// The issues a body tracks in a task list (`- [ ] #13`, `* [x] #14 text`),
/// as `#N`, in order.
pub fn tracked_issues(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in body.lines() {
        let l = line.trim_start();
        let Some(rest) = l.strip_prefix("- [").or_else(|| l.strip_prefix("* [")) else { continue };
        let Some(rest) =
            rest.strip_prefix(" ] ").or_else(|| rest.strip_prefix("x] ")).or_else(|| rest.strip_prefix("X] "))
        else {
            continue;
        };
        let Some(num) = rest.trim_start().strip_prefix('#') else { continue };
        let digits: String = num.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            out.push(format!("#{digits}"));
        }
    }
    out
}

/// Parents from task lists: an issue a task list tracks gets the tracking
/// issue as its parent, unless it names one itself (or is tracked by an
/// earlier issue too: the first one wins).
fn tracked_parents(src: &mut Source, tracked: &[(String, Vec<String>)]) {
    let mut parent_of: HashMap<&str, &str> = HashMap::new();
    for (parent, children) in tracked {
        for c in children {
            if c != parent {
                parent_of.entry(c.as_str()).or_insert(parent.as_str());
            }
        }
    }
    for r in &mut src.records {
        if r.parent.is_none() {
            if let Some(p) = parent_of.get(r.external_id.as_str()) {
                r.parent = Some(p.to_string());
            }
        }
    }
}

/// Reads the text of a `gh issue list --json` array.
pub fn read_str(text: &str) -> Result<Source, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let issues = v.as_array().ok_or("expected the JSON array of `gh issue list --json …`")?;
    let mut src = Source::default();
    let mut milestones = HashMap::new();
    let mut tracked: Vec<(String, Vec<String>)> = Vec::new();
    for (i, issue) in issues.iter().enumerate() {
        match record(issue, i + 1, &mut src, &mut milestones) {
            Ok(r) => {
                let t = tracked_issues(&r.body);
                if !t.is_empty() {
                    tracked.push((r.external_id.clone(), t));
                }
                src.records.push(r)
            }
            Err(message) => src.problems.push(Problem { at: Location::Record(i + 1), message }),
        }
    }
    tracked_parents(&mut src, &tracked);
    convert::fit_kinds(&mut src);
    convert::sort_history(&mut src.history);
    convert::add_sprints(&mut src, &milestones);
    Ok(src)
}

/// The `parent` an issue object carries (`{"number": 12}` or `12`), as `#N`.
fn parent_of(issue: &Value) -> Option<String> {
    let p = &issue["parent"];
    p["number"].as_u64().or_else(|| p.as_u64()).map(|n| format!("#{n}"))
}

fn login(v: &Value) -> String {
    v["login"].as_str().unwrap_or_default().to_string()
}

/// A sprint's start and end dates by name.
type Dates = HashMap<String, (Option<String>, Option<String>)>;

fn record(issue: &Value, n: usize, src: &mut Source, milestones: &mut Dates) -> Result<Record, String> {
    if !issue.is_object() {
        return Err("an issue is not an object".into());
    }
    let number = issue["number"].as_u64().ok_or_else(|| format!("`number` {} is not a number", issue["number"]))?;
    let id = format!("#{number}");
    let title = issue["title"].as_str().unwrap_or_default().trim();
    if title.is_empty() {
        return Err(format!("{id} has no title"));
    }
    let created = convert::time_field("createdAt", issue["createdAt"].as_str().unwrap_or_default())?;
    let closed = convert::time_field("closedAt", issue["closedAt"].as_str().unwrap_or_default())?;
    let labels: Vec<String> = issue["labels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["name"].as_str())
        .map(str::to_string)
        .collect();
    let state = issue["state"].as_str().unwrap_or("OPEN");
    let status = match (state.eq_ignore_ascii_case("closed"), issue["stateReason"].as_str()) {
        (true, Some(r)) if r.eq_ignore_ascii_case("not_planned") => "not planned",
        (true, _) => "closed",
        (false, _) => "open",
    };
    let body = issue["body"].as_str().unwrap_or_default();
    let mut r = Record {
        at: Location::Record(n),
        external_id: id.clone(),
        kind: if labels.iter().any(|l| is_bug_label(l)) { "bug" } else { "story" }.to_string(),
        title: title.to_string(),
        status: Some(status.to_string()),
        relations: body_relations(body).into_iter().filter(|(_, t)| *t != id).collect(),
        parent: parent_of(issue).or_else(|| body_parent(body)).filter(|p| *p != id),
        body: convert::join_body(&[body.replace("\r\n", "\n")]),
        ..Record::default()
    };
    let assignees: Vec<String> =
        issue["assignees"].as_array().into_iter().flatten().map(login).filter(|l| !l.is_empty()).collect();
    match assignees.as_slice() {
        [] => {}
        [one] => convert::set_str(&mut r, "assignee", one),
        many => convert::set_list(&mut r, "assignee", many.to_vec()),
    }
    let author = login(&issue["author"]);
    convert::set_str(&mut r, "reporter", &author);
    convert::set_list(&mut r, "labels", labels);
    if let Some(m) = issue["milestone"].as_object() {
        convert::set_str(&mut r, "sprint", m.get("title").and_then(Value::as_str).unwrap_or_default());
        let due = convert::time_field("milestone dueOn", m.get("dueOn").and_then(Value::as_str).unwrap_or_default())?;
        if let Some(d) = due {
            r.fields.insert("due".into(), json!(convert::date(d)));
        }
        let title = m.get("title").and_then(Value::as_str).unwrap_or_default().trim();
        if !title.is_empty() {
            milestones.entry(title.to_string()).or_insert((None, due.map(convert::date)));
        }
    }
    if let Some(t) = created {
        r.fields.insert("created".into(), json!(convert::rfc3339(t)));
    }
    let author = if author.is_empty() { "github".to_string() } else { author };
    if let Some(t) = created {
        src.history.push(convert::change(t, &author, "", &id, ChangeKind::Created));
        src.history.extend(convert::birth(&r, t, &author, "", &HashMap::new()));
    }
    if let (Some(t), true) = (closed, state.eq_ignore_ascii_case("closed")) {
        let by = assignees.first().cloned().unwrap_or_else(|| author.clone());
        src.history.push(convert::change(t, &by, "", &id, convert::set("status", json!(status))));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_references_become_relations() {
        let got =
            body_relations("Depends on #40 and #41.\nBlocked by: #7\nThis unblocks #9. Duplicate of #3, relates to #2");
        let want: Vec<(String, String)> = [
            ("depends_on", "#40"),
            ("depends_on", "#41"),
            ("depends_on", "#7"),
            ("duplicates", "#3"),
            ("relates_to", "#2"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(got, want);
        assert_eq!(body_relations("no refs, #5 alone"), vec![]);
    }

    #[test]
    fn a_body_names_its_parent_and_tracks_children_in_task_lists() {
        assert_eq!(body_parent("Part of #12, see also #4").as_deref(), Some("#12"));
        assert_eq!(body_parent("Sub-issue of #3.\nParent: #9").as_deref(), Some("#3"));
        assert_eq!(body_parent("apart of #12"), None);
        assert_eq!(body_parent("parent: none"), None);
        let body =
            "Tasks:\n- [ ] #13\n- [x] #14 done already\n* [ ] #15\n- [ ] not an issue\n- #16\n  - [ ] #17 nested";
        assert_eq!(tracked_issues(body), ["#13", "#14", "#15", "#17"]);
    }
}
