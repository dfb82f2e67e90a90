//! The `backlog-md` reader: a [Backlog.md](https://github.com/MrLesk/Backlog.md)
//! folder, and with `--with-history` its git history.
//!
//! - **The folder**: `SOURCE/backlog` (or `SOURCE/.backlog`) when it exists,
//!   else `SOURCE`; the task files are the `.md` files of `tasks/`,
//!   `drafts/`, `completed/`, `archive/tasks/` and `archive/drafts/`
//!   (`task-12 - Title.md`),
//!   read in path order.
//! - **The mapping**: the `backlog-md` preset's (`preset: backlog-md`, see
//!   `docs/dialects.md`), the one Backlog.md reading in place uses: its
//!   field aliases (`dependencies` → `depends_on`, `parent_task_id` →
//!   parent, `created_date`/`updated_date`/`due_date` → `created`/
//!   `updated`/`due`, …), its extra date formats (`2025-07-27 10:15`, read
//!   as UTC: `2025-07-27T10:15:00Z`), its lenient YAML (unquoted `@name`
//!   values, which YAML rejects, are strings) and its id equivalence (ids
//!   matched regardless of case and across the prefix change `task-4` ≡
//!   `BACK-4`).
//! - **Front-matter**: `id` → external id (else the file name's `task-N`),
//!   `title` (else the file name's title), `status` as written (the import
//!   maps `To Do`, `In Progress`, `Done`, `Won't Do` and `Draft` where the
//!   preset's status aliases do); without one, a draft is `Draft`, a
//!   completed task `Done` and an archived one `Archived` (cancelled).
//!   `assignee` (`@` dropped; one name or a list), `reporter`, `created`,
//!   `updated`, `due` (a date: a time is dropped), `labels`, `priority`,
//!   `milestone` (kept as a field: dropped with a warning unless
//!   `cairn.yml` declares it), `depends_on` and parent (both matched to a
//!   task's id under the preset's id equivalence).
//! - **Kinds**: a task with a parent is a `task`, others `story`.
//! - **Body**: the Markdown after the front-matter, sections and all
//!   (`## Acceptance Criteria` checklists count as acceptance criteria).
//! - **History** (`--with-history`): each commit's changes to task files,
//!   oldest first (first parents), as `Created`, `Set`/`Unset` per field
//!   (not `updated`, which every commit changes), `Body` and `Deleted`.
//!   A file removed and another added in the same commit are one task
//!   moved (to `completed/`, `archive/`, a new title) when their ids are
//!   equal under the preset's id equivalence (`task-7` ≡ `BACK-7`). Changes are
//!   given under each task's id at HEAD.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Change, ChangeKind, ImportError, Location, Problem, Record, Source};
use crate::config::dialect::{self, Dialect};
use crate::config::Config;

/// The folders holding task files, relative to the Backlog.md root.
const FOLDERS: [&str; 5] = ["tasks", "drafts", "completed", "archive/tasks", "archive/drafts"];

/// Reads a Backlog.md folder.
pub fn read(source: &Path, with_history: bool) -> Result<Source, ImportError> {
    let root = root_of(source);
    let d = preset()?;
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
            match parse_task(&d, &rel, &text) {
                Ok(r) => src.records.push(r),
                Err(p) => src.problems.push(p),
            }
        }
    }
    canonical_references(&d, &mut src.records);
    if with_history {
        src.history = history(&d, &root, &src.records)?;
    }
    Ok(src)
}

/// The mapping of the `backlog-md` preset (field and status aliases, date
/// formats, id equivalence, lenient YAML).
pub fn preset() -> Result<Dialect, ImportError> {
    let text = "preset: backlog-md\n";
    Config::parse(text, Path::new("backlog-md"))
        .map(|c| c.dialect)
        .map_err(|e| ImportError::Other(format!("the backlog-md preset: {e}")))
}

/// Task ids by their canonical spelling (the preset's id equivalence); the
/// first task with a spelling has it.
fn canon_map(d: &Dialect, records: &[Record]) -> HashMap<String, String> {
    let mut by_key: HashMap<String, String> = HashMap::new();
    for r in records {
        by_key.entry(d.ids.canonical(&r.external_id).into_owned()).or_insert_with(|| r.external_id.clone());
    }
    by_key
}

/// A record's parent and dependencies spelled as an equal id (`TASK-4` or
/// `task-4` for `BACK-4`) → the task's id.
fn canonicalize(d: &Dialect, r: &mut Record, by_key: &HashMap<String, String>) {
    let canon = |x: &str| -> String {
        by_key.get(d.ids.canonical(x.trim()).as_ref()).cloned().unwrap_or_else(|| x.to_string())
    };
    if let Some(p) = &r.parent {
        r.parent = Some(canon(p));
    }
    for (_, x) in &mut r.relations {
        *x = canon(x);
    }
}

fn canonical_references(d: &Dialect, records: &mut [Record]) {
    let by_key = canon_map(d, records);
    for r in records.iter_mut() {
        canonicalize(d, r, &by_key);
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

/// A date stays a date; a time in one of the preset's formats
/// (`2025-07-27 10:15`) is read as UTC (`2025-07-27T10:15:00Z`); an RFC 3339
/// datetime stays as written.
fn datetime(d: &Dialect, v: &Value) -> Option<Value> {
    let s = match v {
        Value::String(s) => s.trim(),
        _ => return None,
    };
    if let Ok(day) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(Value::String(day.format("%Y-%m-%d").to_string()));
    }
    if let Some(t) = chrono::FixedOffset::east_opt(0).and_then(|utc| d.date_text(s, utc)) {
        return Some(Value::String(t));
    }
    chrono::DateTime::parse_from_rfc3339(s).ok().map(|_| Value::String(s.to_string()))
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

/// One task file (`rel`: its path below the Backlog.md root) → a record,
/// read with the preset's mapping `d`.
pub fn parse_task(d: &Dialect, rel: &str, text: &str) -> Result<Record, Problem> {
    let at = |line: usize| Location::File(rel.to_string(), line);
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let split =
        crate::load::frontmatter::split(text).map_err(|e| Problem { at: at(1), message: e.message().to_string() })?;
    let yaml = if d.lenient_yaml { dialect::lenient_yaml(split.yaml) } else { split.yaml.into() };
    let fm: BTreeMap<String, Value> = if yaml.trim().is_empty() {
        BTreeMap::new()
    } else {
        serde_saphyr::from_str_with_options(&yaml, crate::util::yaml::options()).map_err(|e| Problem {
            at: at(split.yaml_line as usize),
            message: format!("front-matter: {}", crate::util::yaml::error_message(&e)),
        })?
    };
    // A cairn field's value: under its own name, else under the first of
    // the preset's aliases for it (`created_date` before `date`).
    let get = |field: &str| -> Option<&Value> {
        fm.get(field).or_else(|| {
            d.field_aliases.iter().filter(|(_, to)| *to == field).find_map(|(from, _)| fm.get(from.as_str()))
        })
    };
    let (file_id, file_title) = from_file_name(rel);
    let text_of = |k: &str| -> Option<String> {
        get(k).and_then(|v| match v {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    let id = text_of("id").filter(|s| !s.is_empty()).unwrap_or(file_id);
    let title = text_of("title").filter(|s| !s.is_empty()).unwrap_or(file_title);
    // Without a status, the folder's.
    let folder_status = if rel.starts_with("archive/") {
        Some("Archived")
    } else if rel.starts_with("completed/") {
        Some("Done")
    } else if rel.starts_with("drafts/") {
        Some("Draft")
    } else {
        None
    };
    let status = text_of("status").filter(|s| !s.is_empty()).or(folder_status.map(str::to_string));
    let parent = text_of("parent").filter(|s| !s.is_empty());
    let mut fields = BTreeMap::new();
    if let Some(v) = get("assignee") {
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
    if let Some(r) = get("reporter").and_then(person) {
        fields.insert("reporter".into(), Value::String(r));
    }
    for f in ["created", "updated"] {
        if let Some(v) = get(f).and_then(|v| datetime(d, v)) {
            fields.insert(f.into(), v);
        }
    }
    // Planned dates are dates in cairn: a time is dropped.
    for f in ["due", "start"] {
        if let Some(Value::String(t)) = get(f).and_then(|v| datetime(d, v)) {
            fields.insert(f.into(), Value::String(t.chars().take(10).collect()));
        }
    }
    let labels = get("labels").map(strings).unwrap_or_default();
    if !labels.is_empty() {
        fields.insert("labels".into(), Value::from(labels));
    }
    for f in ["priority", "milestone"] {
        if let Some(p) = text_of(f).filter(|s| !s.is_empty()) {
            fields.insert(f.into(), Value::String(p));
        }
    }
    let relations =
        get("depends_on").map(strings).unwrap_or_default().into_iter().map(|x| ("depends_on".to_string(), x)).collect();
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
fn history(d: &Dialect, root: &Path, records: &[Record]) -> Result<Vec<Change>, ImportError> {
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
    let by_key_now = canon_map(d, records);
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
        for f in diffs.into_iter().filter(|f| in_folder(&f.path) && f.path.ends_with(".md")) {
            let new = match f.new {
                Some(id) => {
                    let bytes = walk::read_blob(&repo.objects, id, &mut buf).map_err(|e| hist("reading", e))?;
                    // A task file this commit cannot parse is skipped: its
                    // state stays the last readable one.
                    match parse_task(d, &f.path, &String::from_utf8_lossy(&bytes)) {
                        Ok(mut r) => {
                            canonicalize(d, &mut r, &by_key_now);
                            Some(r)
                        }
                        Err(_) => continue,
                    }
                }
                None => None,
            };
            match (at_path.remove(&f.path), new) {
                (Some((t, old)), Some(n)) => {
                    at_path.insert(f.path.clone(), (t, old));
                    modified.push((f.path, n));
                }
                (Some((t, old)), None) => removed.push((f.path, t, old)),
                (None, Some(n)) => added.push((f.path, n)),
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
                by_id.insert(d.ids.canonical(&n.external_id).into_owned(), t);
                *old = n;
                emit(t, k, &mut changes);
            }
        }
        // Moves: an added file takes a removed one's task when their ids
        // are equal under the preset's rules (`task-7` ≡ `BACK-7`), in path
        // order. Hash lookups, so that a commit renaming every task stays
        // linear.
        let mut removed: Vec<Option<(String, usize, Record)>> = removed.into_iter().map(Some).collect();
        let mut index: HashMap<String, VecDeque<usize>> = HashMap::new();
        for (i, r) in removed.iter().enumerate() {
            if let Some((_, _, r)) = r {
                index.entry(d.ids.canonical(&r.external_id).into_owned()).or_default().push_back(i);
            }
        }
        let olds: Vec<Option<(usize, Record)>> = added
            .iter()
            .map(|(_, n)| {
                let found = index.get_mut(d.ids.canonical(&n.external_id).as_ref()).and_then(VecDeque::pop_front);
                found.and_then(|i| removed.get_mut(i)).and_then(Option::take).map(|(_, t, old)| (t, old))
            })
            .collect();
        for ((path, n), old) in added.into_iter().zip(olds) {
            let key = d.ids.canonical(&n.external_id).into_owned();
            let mut k = Vec::new();
            let t = match old {
                Some((t, old)) => {
                    diff(Some(&old), &n, &mut k);
                    t
                }
                None => {
                    diff(None, &n, &mut k);
                    match by_id.get(&key) {
                        Some(&t) => t,
                        None => {
                            ids.push(n.external_id.clone());
                            ids.len() - 1
                        }
                    }
                }
            };
            ids[t] = n.external_id.clone();
            by_id.insert(key, t);
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
    fn the_preset_is_the_mapping() {
        let d = preset().unwrap();
        assert_eq!(d.preset.as_deref(), Some("backlog-md"));
        assert!(d.lenient_yaml);
        // Ids equal under the preset's rules are one task.
        let records: Vec<Record> = ["BACK-4", "task-4.1", "doc-1"]
            .iter()
            .map(|id| Record { external_id: id.to_string(), ..Default::default() })
            .collect();
        let by_key = canon_map(&d, &records);
        let mut r = Record {
            parent: Some("task-4".into()),
            relations: vec![("depends_on".into(), "TASK-4.1".into()), ("depends_on".into(), "x-9".into())],
            ..Default::default()
        };
        canonicalize(&d, &mut r, &by_key);
        assert_eq!(r.parent.as_deref(), Some("BACK-4"));
        assert_eq!(
            r.relations,
            [("depends_on".to_string(), "task-4.1".to_string()), ("depends_on".into(), "x-9".into())]
        );
    }

    #[test]
    fn the_presets_status_aliases_map_as_their_statuses() {
        // The import maps a status as written; each alias of the preset
        // lands where the status it stands for does.
        let d = preset().unwrap();
        let cfg = Config::default();
        assert!(!d.status_aliases.is_empty());
        for (alias, status) in &d.status_aliases {
            let via_alias = super::super::plan::map_status(&cfg, "story", alias);
            assert!(via_alias.is_some(), "{alias}");
            assert_eq!(via_alias, super::super::plan::map_status(&cfg, "story", status), "{alias}");
        }
    }

    #[test]
    fn a_task_file_becomes_a_record() {
        let text = "---\nid: task-3\ntitle: Login page\nstatus: In Progress\nassignee:\n  - @ana\nreporter: @bo\ncreated_date: '2025-07-27 10:15'\nlabels: [ui, auth]\ndue_date: '2025-08-01 12:00'\npriority: high\ndependencies: [task-1, task-2]\nparent_task_id: task-1\n---\n\n## Description\n\nBuild it.\n\n## Acceptance Criteria\n<!-- AC:BEGIN -->\n- [ ] #1 Form posts\n<!-- AC:END -->\n";
        let d = preset().unwrap();
        let r = parse_task(&d, "tasks/task-3 - Login page.md", text).unwrap();
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
        let r = parse_task(&d, "completed/task-4 - Old thing.md", "---\nstatus:\n---\n").unwrap();
        assert_eq!(
            (r.external_id.as_str(), r.title.as_str(), r.status.as_deref()),
            ("task-4", "Old thing", Some("Done"))
        );
        // An archived task keeps the status it has (as read in place);
        // one without gets the folder's.
        let r = parse_task(&d, "archive/tasks/task-5 - A.md", "---\nstatus: Done\n---\n").unwrap();
        assert_eq!(r.status.as_deref(), Some("Done"));
        let r = parse_task(&d, "archive/tasks/task-5 - A.md", "---\n---\n").unwrap();
        assert_eq!(r.status.as_deref(), Some("Archived"));
        // The preset's aliases and lenient YAML: `date` is `created`, a flow
        // list of `@` names.
        let r = parse_task(&d, "tasks/task-6 - B.md", "---\ndate: '2025-07-27 10:15:30'\nassignee: [@ana, @bo]\n---\n")
            .unwrap();
        assert_eq!(r.fields["created"], Value::from("2025-07-27T10:15:30Z"));
        assert_eq!(r.fields["assignee"], Value::from(vec!["ana", "bo"]));
        assert!(parse_task(&d, "tasks/x.md", "no front-matter").is_err());
        assert!(parse_task(&d, "tasks/x.md", "---\ntitle: [unclosed\n---\n").is_err());
    }
}
