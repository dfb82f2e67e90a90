//! The `backlog-md` reader: a [Backlog.md](https://github.com/MrLesk/Backlog.md)
//! folder, and with `--with-history` its git history.
//!
//! - **The folder**: `SOURCE/backlog` (or `SOURCE/.backlog`) when it exists,
//!   else `SOURCE`; the task files are the `.md` files of `tasks/`,
//!   `drafts/`, `completed/`, `archive/tasks/` and `archive/drafts/`
//!   (`task-12 - Title.md`),
//!   read in path order.
//! - **Front-matter**: `id` → external id (else the file name's `task-N`),
//!   `title` (else the file name's title), `status` as written (a draft
//!   without one is `Draft`, a completed task `Done`; archived tasks are
//!   `Archived`, which maps to cancelled), `assignee` (`@` dropped; one
//!   name or a list), `reporter`, `created_date`/`updated_date` → `created`/
//!   `updated` (`2025-07-27 10:15` is read as UTC: `2025-07-27T10:15:00Z`),
//!   `due_date`/`planned_start` → `due`/`start` (dates), `labels`,
//!   `priority`, `milestone` (kept as a field: dropped with a
//!   warning unless `cairn.yml` declares it), `dependencies` → `depends_on`,
//!   `parent_task_id` → parent (both matched to a task's id regardless of
//!   case, by number alone, `4` → `task-4`, or across a prefix change,
//!   `task-4` → `BACK-4`). Unquoted `@name` values, which YAML
//!   rejects, are read as strings.
//! - **Kinds**: a task with a parent is a `task`, others `story`.
//! - **Body**: the Markdown after the front-matter, sections and all
//!   (`## Acceptance Criteria` checklists count as acceptance criteria).
//! - **History** (`--with-history`): each commit's changes to task files,
//!   oldest first (first parents), as `Created`, `Set`/`Unset` per field
//!   (not `updated`, which every commit changes), `Body` and `Deleted`.
//!   A file removed and another added in the same commit are one task
//!   moved (to `completed/`, `archive/`, a new title) when they have the same
//!   `id` (case-insensitive), or when the ids differ only in their prefix
//!   (`task-7` → `BACK-7`: the same number after the last `-`). Changes are
//!   given under each task's id at HEAD.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Change, ChangeKind, ImportError, Location, Problem, Record, Source};

/// The folders holding task files, relative to the Backlog.md root.
const FOLDERS: [&str; 5] = ["tasks", "drafts", "completed", "archive/tasks", "archive/drafts"];

/// Reads a Backlog.md folder.
pub fn read(source: &Path, with_history: bool) -> Result<Source, ImportError> {
    let root = root_of(source);
    if !root.is_dir() {
        return Err(ImportError::read(source, "not a folder"));
    }
    let mut src = Source::default();
    for folder in FOLDERS {
        let dir = root.join(folder);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "md"))
            .collect();
        paths.sort();
        for p in paths {
            let rel = format!("{folder}/{}", p.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
            let text = match super::read_text(&p) {
                Ok(t) => t,
                Err(e) => {
                    src.problems.push(Problem { at: Location::File(rel, 0), message: e.to_string() });
                    continue;
                }
            };
            match parse_task(&rel, &text) {
                Ok(r) => src.records.push(r),
                Err(p) => src.problems.push(p),
            }
        }
    }
    canonical_references(&mut src.records);
    if with_history {
        src.history = history(&root, &src.records)?;
    }
    Ok(src)
}

/// Task ids by key: the lowercase id, and the number alone (`4`); the
/// first task with a key has it.
fn canon_map(records: &[Record]) -> HashMap<String, String> {
    let mut by_key: HashMap<String, String> = HashMap::new();
    for r in records {
        by_key.entry(r.external_id.to_ascii_lowercase()).or_insert_with(|| r.external_id.clone());
    }
    for r in records {
        if let Some(n) = number(&r.external_id) {
            by_key.entry(n.to_string()).or_insert_with(|| r.external_id.clone());
        }
    }
    by_key
}

/// A record's parent and dependencies spelled in another case (`TASK-4`
/// for `task-4`), by number alone (`4`) or with an earlier prefix
/// (`task-4` for `BACK-4`) → the task's id.
fn canonicalize(r: &mut Record, by_key: &HashMap<String, String>) {
    let canon = |x: &str| -> String {
        let lower = x.trim().to_ascii_lowercase();
        by_key
            .get(&lower)
            .or_else(|| number(&lower).and_then(|n| by_key.get(n)))
            .cloned()
            .unwrap_or_else(|| x.to_string())
    };
    if let Some(p) = &r.parent {
        r.parent = Some(canon(p));
    }
    for (_, x) in &mut r.relations {
        *x = canon(x);
    }
}

fn canonical_references(records: &mut [Record]) {
    let by_key = canon_map(records);
    for r in records.iter_mut() {
        canonicalize(r, &by_key);
    }
}

/// The Backlog.md root for a source path.
fn root_of(source: &Path) -> PathBuf {
    for sub in ["backlog", ".backlog"] {
        let p = source.join(sub);
        if p.join("tasks").is_dir() || p.join("completed").is_dir() || p.join("drafts").is_dir() {
            return p;
        }
    }
    source.to_path_buf()
}

/// Quotes unquoted `@name` scalars (`assignee: @ana`, `- @ana`,
/// `[@ana, @bo]`), which YAML rejects (`@` is reserved). Only an `@` that
/// starts a value is touched (`title: mail me @ noon` stays).
pub fn quote_at(yaml: &str) -> String {
    let mut out = String::with_capacity(yaml.len() + 16);
    for line in yaml.split_inclusive('\n') {
        let mut cur = String::with_capacity(line.len() + 8);
        let mut quote: Option<char> = None;
        let mut flow = 0usize;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == '"' || c == '\'' => quote = Some(c),
                None if c == '[' => flow += 1,
                None if c == ']' => flow = flow.saturating_sub(1),
                None if c == '@' => {
                    let before = cur.trim_end();
                    let starts_value = cur.ends_with([' ', '\t', '[', ','])
                        && (before.ends_with(':')
                            || before.ends_with('[')
                            || (flow > 0 && before.ends_with(','))
                            || before.trim_start() == "-");
                    if starts_value {
                        // The token runs to a `,` or `]` in a flow list, a ` #`
                        // comment or the line's end.
                        let mut tok = String::from("@");
                        while let Some(&d) = chars.peek() {
                            if matches!(d, '\n' | '\r')
                                || (flow > 0 && matches!(d, ',' | ']'))
                                || (d == '#' && tok.ends_with([' ', '\t']))
                            {
                                break;
                            }
                            tok.push(d);
                            chars.next();
                        }
                        let t = tok.trim_end();
                        cur.push('"');
                        cur.push_str(&t.replace('\\', "\\\\").replace('"', "\\\""));
                        cur.push('"');
                        cur.push_str(&tok[t.len()..]);
                        continue;
                    }
                }
                None => {}
            }
            cur.push(c);
        }
        out.push_str(&cur);
    }
    out
}

/// `2025-07-27 10:15` → `2025-07-27T10:15:00Z`; a date stays a date.
fn datetime(v: &Value) -> Option<Value> {
    let s = match v {
        Value::String(s) => s.trim().to_string(),
        _ => return None,
    };
    if let Ok(d) = chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
        return Some(Value::String(d.format("%Y-%m-%d").to_string()));
    }
    for f in ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(&s, f) {
            return Some(Value::String(t.format("%Y-%m-%dT%H:%M:%SZ").to_string()));
        }
    }
    chrono::DateTime::parse_from_rfc3339(&s).ok().map(|_| Value::String(s))
}

/// A name without its `@`.
fn person(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim(),
        _ => return None,
    };
    let s = s.trim_start_matches('@').trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// One or many strings.
fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().flat_map(strings).collect(),
        Value::String(s) => s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect(),
        Value::Number(n) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

/// `task-12 - Fix the login.md` → (`task-12`, `Fix the login`).
fn from_file_name(rel: &str) -> (String, String) {
    let name = rel.rsplit('/').next().unwrap_or(rel).trim_end_matches(".md");
    match name.split_once(" - ") {
        Some((id, title)) => (id.trim().to_string(), title.trim().to_string()),
        None => (name.to_string(), String::new()),
    }
}

/// One task file (`rel`: its path below the Backlog.md root) → a record.
pub fn parse_task(rel: &str, text: &str) -> Result<Record, Problem> {
    let at = |line: usize| Location::File(rel.to_string(), line);
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let split =
        crate::load::frontmatter::split(text).map_err(|e| Problem { at: at(1), message: e.message().to_string() })?;
    let yaml = quote_at(split.yaml);
    let fm: BTreeMap<String, Value> = if yaml.trim().is_empty() {
        BTreeMap::new()
    } else {
        serde_saphyr::from_str_with_options(&yaml, crate::util::yaml::options()).map_err(|e| Problem {
            at: at(split.yaml_line as usize),
            message: format!("front-matter: {}", crate::util::yaml::error_message(&e)),
        })?
    };
    let (file_id, file_title) = from_file_name(rel);
    let text_of = |k: &str| -> Option<String> {
        fm.get(k).and_then(|v| match v {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    let id = text_of("id").filter(|s| !s.is_empty()).unwrap_or(file_id);
    let title = text_of("title").filter(|s| !s.is_empty()).unwrap_or(file_title);
    let folder_status = if rel.starts_with("archive/") {
        Some("Archived")
    } else if rel.starts_with("completed/") {
        Some("Done")
    } else if rel.starts_with("drafts/") {
        Some("Draft")
    } else {
        None
    };
    let status = match folder_status {
        Some("Archived") => Some("Archived".to_string()),
        f => text_of("status").filter(|s| !s.is_empty()).or(f.map(str::to_string)),
    };
    let parent = text_of("parent_task_id").or_else(|| text_of("parent")).filter(|s| !s.is_empty());
    let mut fields = BTreeMap::new();
    if let Some(v) = fm.get("assignee") {
        let names: Vec<String> = match v {
            Value::Array(a) => a.iter().filter_map(person).collect(),
            v => person(v).into_iter().collect(),
        };
        match names.len() {
            0 => {}
            1 => {
                fields.insert("assignee".to_string(), Value::String(names[0].clone()));
            }
            _ => {
                fields.insert("assignee".to_string(), Value::from(names));
            }
        }
    }
    if let Some(r) = fm.get("reporter").and_then(person) {
        fields.insert("reporter".into(), Value::String(r));
    }
    for (from, to) in [("created_date", "created"), ("updated_date", "updated")] {
        if let Some(v) = fm.get(from).and_then(datetime) {
            fields.insert(to.into(), v);
        }
    }
    // Planned dates are dates in cairn: a time is dropped.
    for (from, to) in [("due_date", "due"), ("planned_start", "start")] {
        if let Some(Value::String(d)) = fm.get(from).and_then(datetime) {
            fields.insert(to.into(), Value::String(d.chars().take(10).collect()));
        }
    }
    let labels = fm.get("labels").map(strings).unwrap_or_default();
    if !labels.is_empty() {
        fields.insert("labels".into(), Value::from(labels));
    }
    if let Some(p) = text_of("priority").filter(|s| !s.is_empty()) {
        fields.insert("priority".into(), Value::String(p));
    }
    if let Some(m) = text_of("milestone").filter(|s| !s.is_empty()) {
        fields.insert("milestone".into(), Value::String(m));
    }
    let relations = fm
        .get("dependencies")
        .map(strings)
        .unwrap_or_default()
        .into_iter()
        .map(|d| ("depends_on".to_string(), d))
        .collect();
    if title.is_empty() {
        return Err(Problem { at: at(1), message: "a task without a title".into() });
    }
    Ok(Record {
        at: at(1),
        external_id: id,
        kind: if parent.is_some() { "task" } else { "story" }.into(),
        title,
        status,
        parent,
        relations,
        fields,
        body: split.body.trim().to_string(),
    })
}

/// `task-7`, `BACK-7` → `7`; `None` without a number after the last `-`.
fn number(id: &str) -> Option<&str> {
    let n = id.rsplit_once('-').map_or(id, |(_, n)| n);
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit() || b == b'.')).then_some(n)
}

/// The changes from one state of a task to the next (`None`: created).
fn diff(old: Option<&Record>, new: &Record, out: &mut Vec<ChangeKind>) {
    let set = |field: &str, value: Value| ChangeKind::Set { field: field.into(), value };
    let blank = Record::default();
    let o = match old {
        Some(o) => o,
        None => {
            out.push(ChangeKind::Created);
            &blank
        }
    };
    if o.title != new.title {
        out.push(set("title", Value::String(new.title.clone())));
    }
    if o.status != new.status {
        out.push(match &new.status {
            Some(s) => set("status", Value::String(s.clone())),
            None => ChangeKind::Unset { field: "status".into() },
        });
    }
    if o.parent != new.parent {
        out.push(match &new.parent {
            Some(p) => set("parent", Value::String(p.clone())),
            None => ChangeKind::Unset { field: "parent".into() },
        });
    }
    let deps = |r: &Record| -> Vec<Value> { r.relations.iter().map(|(_, x)| Value::String(x.clone())).collect() };
    if deps(o) != deps(new) {
        out.push(if new.relations.is_empty() {
            ChangeKind::Unset { field: "depends_on".into() }
        } else {
            set("depends_on", Value::Array(deps(new)))
        });
    }
    for (k, v) in &new.fields {
        if k != "updated" && o.fields.get(k) != Some(v) {
            out.push(set(k, v.clone()));
        }
    }
    for k in o.fields.keys() {
        if k != "updated" && !new.fields.contains_key(k) {
            out.push(ChangeKind::Unset { field: k.clone() });
        }
    }
    if o.body != new.body {
        out.push(ChangeKind::Body(new.body.clone()));
    }
}

fn hist(what: &str, e: impl std::fmt::Display) -> ImportError {
    ImportError::History(format!("{what}: {e}"))
}

/// The task files' changes in the git history of `root`, under the ids of
/// `records` (the tasks as the work tree has them).
fn history(root: &Path, records: &[Record]) -> Result<Vec<Change>, ImportError> {
    use crate::history::walk;
    let Some(g) = walk::open(root) else {
        return Err(ImportError::History(format!("{} is not in a git repository", root.display())));
    };
    let repo = walk::local(&g.repo);
    let Some(head) = walk::start(&repo, None).map_err(|e| hist("reading HEAD", e))? else {
        return Ok(Vec::new());
    };
    let commits = walk::commits(&repo, head, true).map_err(|e| hist("walking the history", e))?;
    let ignore = globset::GlobSet::empty();
    // References in earlier states name the tasks by today's ids, so that
    // a prefix change is no change.
    let by_key_now = canon_map(records);
    let mut buf = Vec::new();
    // Per task (an index): its current id; per path: the task and its state.
    let mut ids: Vec<String> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut at_path: HashMap<String, (usize, Record)> = HashMap::new();
    let mut changes: Vec<(usize, i64, String, String, ChangeKind)> = Vec::new();
    let mut prev: Option<gix::ObjectId> = None;
    let in_folder = |p: &str| FOLDERS.iter().any(|f| p.strip_prefix(f).is_some_and(|r| r.starts_with('/')));
    for c in &commits.commits {
        let tree = walk::subtree(&repo.objects, c.tree, &g.root_in_repo, &mut buf).map_err(|e| hist("reading", e))?;
        if tree == prev {
            continue;
        }
        let diffs = walk::diff_trees(&repo.objects, prev, tree, &ignore, None).map_err(|e| hist("reading", e))?;
        prev = tree;
        let mut removed: Vec<(String, usize, Record)> = Vec::new();
        let mut added: Vec<(String, Record)> = Vec::new();
        let mut modified: Vec<(String, Record)> = Vec::new();
        for d in diffs.into_iter().filter(|d| in_folder(&d.path) && d.path.ends_with(".md")) {
            let new = match d.new {
                Some(id) => {
                    let bytes = walk::read_blob(&repo.objects, id, &mut buf).map_err(|e| hist("reading", e))?;
                    // A task file this commit cannot parse is skipped: its
                    // state stays the last readable one.
                    match parse_task(&d.path, &String::from_utf8_lossy(&bytes)) {
                        Ok(mut r) => {
                            canonicalize(&mut r, &by_key_now);
                            Some(r)
                        }
                        Err(_) => continue,
                    }
                }
                None => None,
            };
            match (at_path.remove(&d.path), new) {
                (Some((t, old)), Some(n)) => {
                    at_path.insert(d.path.clone(), (t, old));
                    modified.push((d.path, n));
                }
                (Some((t, old)), None) => removed.push((d.path, t, old)),
                (None, Some(n)) => added.push((d.path, n)),
                (None, None) => {}
            }
        }
        let emit = |t: usize, kinds: Vec<ChangeKind>, changes: &mut Vec<_>| {
            for k in kinds {
                changes.push((t, c.time, c.author.clone(), c.email.clone(), k));
            }
        };
        for (path, n) in modified {
            if let Some((t, old)) = at_path.get_mut(&path) {
                let mut k = Vec::new();
                diff(Some(old), &n, &mut k);
                let t = *t;
                ids[t] = n.external_id.clone();
                by_id.insert(n.external_id.to_ascii_lowercase(), t);
                *old = n;
                emit(t, k, &mut changes);
            }
        }
        // Moves: an added file takes a removed one's task when the ids are
        // the same (first), else when their numbers are (a prefix change);
        // each in path order. Hash lookups, so that a commit renaming every
        // task stays linear.
        let mut removed: Vec<Option<(String, usize, Record)>> = removed.into_iter().map(Some).collect();
        let mut olds: Vec<Option<(usize, Record)>> = (0..added.len()).map(|_| None).collect();
        let keys: [fn(&str) -> Option<String>; 2] =
            [|id| Some(id.to_ascii_lowercase()), |id| number(id).map(str::to_string)];
        for key in keys {
            let mut index: HashMap<String, VecDeque<usize>> = HashMap::new();
            for (i, r) in removed.iter().enumerate() {
                if let Some(k) = r.as_ref().and_then(|r| key(&r.2.external_id)) {
                    index.entry(k).or_default().push_back(i);
                }
            }
            for (a, (_, n)) in added.iter().enumerate() {
                if olds[a].is_some() {
                    continue;
                }
                let found = key(&n.external_id).and_then(|k| index.get_mut(&k)).and_then(VecDeque::pop_front);
                if let Some((_, t, old)) = found.and_then(|i| removed.get_mut(i)).and_then(Option::take) {
                    olds[a] = Some((t, old));
                }
            }
        }
        for ((path, n), old) in added.into_iter().zip(olds) {
            let lower = n.external_id.to_ascii_lowercase();
            let mut k = Vec::new();
            let t = match old {
                Some((t, old)) => {
                    diff(Some(&old), &n, &mut k);
                    t
                }
                None => {
                    diff(None, &n, &mut k);
                    match by_id.get(&lower) {
                        Some(&t) => t,
                        None => {
                            ids.push(n.external_id.clone());
                            ids.len() - 1
                        }
                    }
                }
            };
            ids[t] = n.external_id.clone();
            by_id.insert(lower, t);
            at_path.insert(path, (t, n));
            emit(t, k, &mut changes);
        }
        for (_, t, _) in removed.into_iter().flatten() {
            emit(t, vec![ChangeKind::Deleted], &mut changes);
        }
    }
    // Each task's id at the end of the history; the work tree's ids win
    // (uncommitted edits) when a file is at the same path.
    let known: std::collections::HashSet<&str> = records.iter().map(|r| r.external_id.as_str()).collect();
    Ok(changes
        .into_iter()
        .filter(|(t, ..)| known.contains(ids[*t].as_str()))
        .map(|(t, time, author, email, what)| Change { time, author, email, external_id: ids[t].clone(), what })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquoted_at_names_are_quoted() {
        assert_eq!(quote_at("assignee: @ana\n"), "assignee: \"@ana\"\n");
        assert_eq!(quote_at("assignee: [@ana, @bo]\n"), "assignee: [\"@ana\", \"@bo\"]\n");
        assert_eq!(quote_at("  - @ana\n"), "  - \"@ana\"\n");
        assert_eq!(quote_at("reporter: '@ana'\nx: a@b\n"), "reporter: '@ana'\nx: a@b\n");
        assert_eq!(quote_at("title: mail me @ noon, a - @b\n"), "title: mail me @ noon, a - @b\n");
        assert_eq!(quote_at("assignee: @ana # lead\n"), "assignee: \"@ana\" # lead\n");
    }

    #[test]
    fn a_task_file_becomes_a_record() {
        let text = "---\nid: task-3\ntitle: Login page\nstatus: In Progress\nassignee:\n  - @ana\nreporter: @bo\ncreated_date: '2025-07-27 10:15'\nlabels: [ui, auth]\ndue_date: '2025-08-01 12:00'\npriority: high\ndependencies: [task-1, task-2]\nparent_task_id: task-1\n---\n\n## Description\n\nBuild it.\n\n## Acceptance Criteria\n<!-- AC:BEGIN -->\n- [ ] #1 Form posts\n<!-- AC:END -->\n";
        let r = parse_task("tasks/task-3 - Login page.md", text).unwrap();
        assert_eq!(r.external_id, "task-3");
        assert_eq!(r.title, "Login page");
        assert_eq!(r.status.as_deref(), Some("In Progress"));
        assert_eq!(r.parent.as_deref(), Some("task-1"));
        assert_eq!(r.kind, "task");
        assert_eq!(
            r.relations,
            vec![("depends_on".to_string(), "task-1".to_string()), ("depends_on".to_string(), "task-2".to_string())]
        );
        assert_eq!(r.fields["assignee"], Value::from("ana"));
        assert_eq!(r.fields["reporter"], Value::from("bo"));
        assert_eq!(r.fields["created"], Value::from("2025-07-27T10:15:00Z"));
        assert_eq!(r.fields["labels"], Value::from(vec!["ui", "auth"]));
        assert_eq!(r.fields["due"], Value::from("2025-08-01"));
        assert!(r.body.starts_with("## Description") && r.body.contains("- [ ] #1 Form posts"));
        // Folder defaults and file-name fallbacks.
        let r = parse_task("completed/task-4 - Old thing.md", "---\nstatus:\n---\n").unwrap();
        assert_eq!(
            (r.external_id.as_str(), r.title.as_str(), r.status.as_deref()),
            ("task-4", "Old thing", Some("Done"))
        );
        assert!(parse_task("tasks/x.md", "no front-matter").is_err());
        assert!(parse_task("tasks/x.md", "---\ntitle: [unclosed\n---\n").is_err());
    }
}
