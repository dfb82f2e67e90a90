//! `cairn import`: the markdown reader on the seeds' strategic backlog,
//! dry runs, second imports, bad records, and the history replay.

#[path = "support/git.rs"]
mod git_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

use cairn::import::{plan, replay, Change, ChangeKind, Location, Record, Source};

fn cairn() -> Command {
    let mut c = Command::cargo_bin("cairn").unwrap();
    c.env("NO_COLOR", "1").env("CAIRN_NO_CACHE", "1");
    c
}

fn seed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/project-backlog.md")
}

/// A fresh backlog (`cairn init --bare`).
fn bare() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    cairn().args(["init", "--bare"]).arg(d.path()).assert().success();
    d
}

/// Every file under `dir` with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), std::fs::read(e.path()).unwrap()))
        .collect()
}

/// The outline as the test reads it itself: (priority heading names, `###`
/// names, the bold leads of numbered items), each with the heading it is under.
/// (title, the heading it is under).
type Under = Vec<(String, String)>;

fn outline() -> (Vec<String>, Under, Under) {
    let text = std::fs::read_to_string(seed()).unwrap();
    let (mut prios, mut epics, mut stories) = (Vec::new(), Vec::new(), Vec::new());
    let (mut h2, mut h3) = (String::new(), String::new());
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            h2 = h.split_once(": ").map(|(_, n)| n).unwrap_or(h).trim().to_string();
            prios.push(h2.clone());
        } else if let Some(h) = line.strip_prefix("### ") {
            h3 = h.trim().to_string();
            epics.push((h3.clone(), h2.clone()));
        } else if line.starts_with(|c: char| c.is_ascii_digit()) {
            let lead = line.split("**").nth(1).unwrap().to_string();
            stories.push((lead, h3.clone()));
        }
    }
    (prios, epics, stories)
}

fn items(dir: &Path) -> Vec<cairn::model::Item> {
    cairn::load::load(dir).unwrap().items
}

#[test]
fn the_seed_outline_imports_as_initiatives_epics_and_fifty_stories() {
    let d = bare();
    let out = cairn().args(["import", "markdown"]).arg(seed()).arg("-C").arg(d.path()).assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let (prios, epics, stories) = outline();
    assert_eq!(stories.len(), 50);
    assert_eq!(stdout.lines().filter(|l| l.starts_with("created ")).count(), prios.len() + epics.len() + 50);
    let all = items(d.path());
    let by_id: BTreeMap<&str, &cairn::model::Item> = all.iter().map(|i| (i.id(), i)).collect();
    let titles = |kind: &str| -> Vec<String> {
        let mut v: Vec<String> = all.iter().filter(|i| i.kind() == kind).map(|i| i.title.value.clone()).collect();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(titles("initiative"), sorted(prios.clone()));
    assert_eq!(titles("epic"), sorted(epics.iter().map(|e| e.0.clone()).collect()));
    assert_eq!(titles("story"), sorted(stories.iter().map(|s| s.0.clone()).collect()));
    // References mapped: each story's parent is the epic it is listed under,
    // each epic's the initiative.
    let parent_title = |i: &cairn::model::Item| {
        i.parent.as_ref().and_then(|p| by_id.get(p.value.as_str())).map(|p| p.title.value.clone())
    };
    for (title, under) in epics.iter().chain(&stories) {
        let item = all.iter().find(|i| &i.title.value == title).unwrap();
        assert_eq!(parent_title(item).as_deref(), Some(under.as_str()), "{title}");
    }
    // Every item keeps its source id.
    assert!(all.iter().all(|i| i.fields.contains_key("external_id")));
    cairn().args(["check", "--no-history", "-C"]).arg(d.path()).assert().success();
}

#[test]
fn a_dry_run_writes_nothing_and_a_second_import_never_overwrites() {
    let d = bare();
    let before = files(d.path());
    cairn().args(["import", "markdown", "--dry-run"]).arg(seed()).arg("-C").arg(d.path()).assert().success();
    assert_eq!(files(d.path()), before);
    cairn().args(["import", "markdown"]).arg(seed()).arg("-C").arg(d.path()).assert().success();
    let first = files(d.path());
    let n = items(d.path()).len();
    cairn().args(["import", "markdown"]).arg(seed()).arg("-C").arg(d.path()).assert().success();
    let second = files(d.path());
    // Every file of the first import is as it was; as many new ones, new ids.
    for (p, bytes) in &first {
        assert_eq!(second.get(p), Some(bytes), "{}", p.display());
    }
    let all = items(d.path());
    assert_eq!(all.len(), 2 * n);
    let mut ids: Vec<&str> = all.iter().map(|i| i.id()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 2 * n);
}

#[test]
fn a_bad_record_fails_the_import_with_its_line_unless_keep_going() {
    let d = bare();
    let src = d.path().join("outline.md");
    // Line 4 is an empty list item.
    std::fs::write(&src, "## Epic\n\n1. **Good one** - fine\n2.\n3. **Another** - fine\n").unwrap();
    let before = files(d.path());
    let out = cairn().args(["import", "markdown"]).arg(&src).arg("-C").arg(d.path()).assert().code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("line 4"), "{stderr}");
    assert_eq!(files(d.path()), before);
    cairn().args(["import", "markdown", "--keep-going"]).arg(&src).arg("-C").arg(d.path()).assert().success();
    let mut titles: Vec<String> = items(d.path()).into_iter().map(|i| i.title.value).collect();
    titles.sort();
    assert_eq!(titles, ["Another", "Epic", "Good one"]);
}

fn record(x: &str, title: &str, status: &str, fields: &[(&str, Value)]) -> Record {
    Record {
        at: Location::Record(1),
        external_id: x.into(),
        kind: "story".into(),
        title: title.into(),
        status: Some(status.into()),
        fields: fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        ..Record::default()
    }
}

fn change(time: i64, who: &str, x: &str, what: ChangeKind) -> Change {
    Change {
        time,
        author: who.into(),
        email: format!("{}@example.com", who.to_lowercase()),
        external_id: x.into(),
        what,
    }
}

fn set(field: &str, v: Value) -> ChangeKind {
    ChangeKind::Set { field: field.into(), value: v }
}

/// (time, author, id, action, field, new value) of a log event.
type Ev = (i64, String, String, String, Option<String>, Value);

#[test]
fn the_replayed_history_is_the_sources_change_list() {
    let repo = git_support::Repo::new();
    let t0 = 1_700_000_000;
    let source = Source {
        records: vec![
            record("A-1", "Alpha", "Done", &[("estimate", Value::from(3))]),
            record("A-2", "Beta", "In Progress", &[("labels", Value::from(vec!["x"]))]),
        ],
        history: vec![
            change(t0, "Ana", "A-1", ChangeKind::Created),
            change(t0 + 60, "Bo", "A-2", ChangeKind::Created),
            change(t0 + 3600, "Ana", "A-1", set("status", "In Progress".into())),
            change(t0 + 3600, "Ana", "A-1", set("estimate", Value::from(3))),
            change(t0 + 7200, "Cy", "A-1", set("status", "Done".into())),
            change(t0 + 7200, "Cy", "A-2", set("status", "In Progress".into())),
            change(t0 + 7300, "Bo", "A-2", set("labels", Value::from(vec!["x"]))),
        ],
        problems: Vec::new(),
    };
    let backlog = cairn::load::load(&repo.path).unwrap();
    let planned = plan::plan(&backlog, &source, &plan::Options::default()).unwrap();
    replay::replay(&backlog, &source, &planned, "cairn import test").unwrap();
    // What the log must say, from the source: created, or the field and its
    // value as the import maps it.
    let cfg = &backlog.config;
    let mut want: Vec<Ev> = source
        .history
        .iter()
        .map(|c| {
            let id = planned.ids[&c.external_id].clone();
            match &c.what {
                ChangeKind::Created => (c.time, c.author.clone(), id, "created".into(), None, Value::Null),
                ChangeKind::Set { field, value } => {
                    let v = if field == "status" {
                        Value::from(plan::map_status(cfg, "story", value.as_str().unwrap()).unwrap())
                    } else {
                        value.clone()
                    };
                    (c.time, c.author.clone(), id, "updated".into(), Some(field.clone()), v)
                }
                other => panic!("not in this test: {other:?}"),
            }
        })
        .collect();
    want.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    let out = cairn().args(["log", "--format", "json", "--no-cache", "-C"]).arg(&repo.path).assert().success();
    let log: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let mut got: Vec<Ev> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let t = chrono::DateTime::parse_from_rfc3339(e["time"].as_str().unwrap()).unwrap().timestamp();
            let action = e["action"].as_str().unwrap().to_string();
            let field = e["field"].as_str().map(str::to_string);
            let new = if action == "created" { Value::Null } else { e["new"].clone() };
            (t, e["author"].as_str().unwrap().to_string(), e["id"].as_str().unwrap().to_string(), action, field, new)
        })
        .collect();
    got.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    assert_eq!(got, want);
    // The work tree holds exactly the import's files, committed.
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    for c in &planned.changes.changes {
        assert_eq!(std::fs::read(repo.path.join(&c.path)).unwrap(), c.new);
    }
}

/// The PRD fixture as the test reads it: (title, feature it is under,
/// acceptance criteria lines as `- [ ] …`) of each story, the features with
/// their own criteria, and the PRD's title.
type Criteria = Vec<(String, String, Vec<String>)>;

fn prd_fixture() -> (String, Criteria, Criteria) {
    let text = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/prd.md"))
        .unwrap();
    let title = text.lines().next().unwrap().trim_start_matches("# ").to_string();
    let (mut features, mut stories): (Criteria, Criteria) = (Vec::new(), Vec::new());
    let mut in_req = false;
    let mut in_feature_criteria = false;
    let mut story_lines: Option<Vec<String>> = None;
    for line in text.lines() {
        let t = line.trim();
        if line.starts_with("## ") {
            in_req = line == "## Requirements";
            continue;
        }
        if !in_req {
            continue;
        }
        if let Some(h) = line.strip_prefix("### ") {
            features.push((h.to_string(), String::new(), Vec::new()));
            in_feature_criteria = false;
        } else if line == "#### Acceptance criteria" {
            in_feature_criteria = true;
        } else if line.starts_with(|c: char| c.is_ascii_digit()) {
            let rest = line.split_once(". ").unwrap().1;
            let feature = features.last().unwrap().0.clone();
            stories.push((rest.to_string(), feature, Vec::new()));
            story_lines = (!rest.starts_with("**")).then(Vec::new);
            if let Some((_, lead)) = rest.split_once("**").and_then(|(_, r)| r.split_once("**").map(|x| ((), x.0))) {
                stories.last_mut().unwrap().0 = lead.to_string();
            } else if let Some(l) = &mut story_lines {
                l.push(rest.to_string());
            }
        } else if let Some(c) = t.strip_prefix("- ") {
            if let Some(l) = story_lines.take() {
                stories.last_mut().unwrap().0 = l.join(" ");
            }
            let c = if c.starts_with("[x] ") { format!("- {c}") } else { format!("- [ ] {c}") };
            if in_feature_criteria {
                features.last_mut().unwrap().2.push(c);
            } else if !c.contains("Acceptance criteria") {
                stories.last_mut().unwrap().2.push(c);
            }
        } else if t.is_empty() || t == "Acceptance criteria:" {
            if let Some(l) = story_lines.take() {
                stories.last_mut().unwrap().0 = l.join(" ");
            }
        } else if let Some(l) = &mut story_lines {
            l.push(t.to_string());
        }
    }
    (title, features, stories)
}

#[test]
fn a_prd_imports_as_a_prd_item_features_and_stories_with_their_acceptance_criteria() {
    let d = bare();
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/prd.md");
    cairn().args(["import", "prd"]).arg(&fixture).arg("-C").arg(d.path()).assert().success();
    let (title, features, stories) = prd_fixture();
    assert_eq!((features.len(), stories.len()), (3, 4));
    let all = items(d.path());
    let prds: Vec<&cairn::model::Item> = all.iter().filter(|i| i.kind() == "prd").collect();
    assert_eq!(prds.len(), 1);
    let prd = prds[0];
    assert_eq!(prd.title.value, title);
    // The PRD's body is the document less its title and requirements.
    assert!(prd.body.contains("## Overview") && prd.body.contains("## Non-goals"), "{}", prd.body);
    assert!(!prd.body.contains("## Requirements"));
    let by_id: BTreeMap<&str, &cairn::model::Item> = all.iter().map(|i| (i.id(), i)).collect();
    let checklist = |i: &cairn::model::Item| -> Vec<String> {
        i.body.lines().filter(|l| l.starts_with("- [")).map(str::to_string).collect()
    };
    let check = |kind: &str, want: &Criteria| {
        let got: Vec<(String, String, Vec<String>)> = all
            .iter()
            .filter(|i| i.kind() == kind)
            .map(|i| {
                let parent = i
                    .parent
                    .as_ref()
                    .and_then(|p| by_id.get(p.value.as_str()))
                    .map(|p| p.title.value.clone())
                    .unwrap_or_default();
                (i.title.value.clone(), parent, checklist(i))
            })
            .collect();
        let mut got = got;
        got.sort();
        let mut want = want.clone();
        want.sort();
        assert_eq!(got, want, "{kind}");
    };
    check("feature", &features);
    check("story", &stories);
    // Every feature and story references the PRD.
    for i in all.iter().filter(|i| i.kind() != "prd") {
        let refs: Vec<&str> = i
            .references
            .iter()
            .filter_map(|r| match r {
                cairn::model::Reference::Item(x) => Some(x.value.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(refs, [prd.id()], "{}", i.id());
    }
    cairn().args(["check", "--no-history", "-C"]).arg(d.path()).assert().success();
}

/// A Backlog.md task file.
fn task_file(id: &str, title: &str, status: &str, extra: &str) -> String {
    format!("---\nid: {id}\ntitle: {title}\nstatus: {status}\n{extra}---\n")
}

#[test]
fn a_backlog_md_history_replays_as_the_change_list_of_its_commits() {
    let src = git_support::Repo::new();
    let t = |h: i64| 1_750_000_000 + h * 3600;
    let at = |h: i64| chrono::DateTime::from_timestamp(t(h), 0).unwrap().to_rfc3339();
    // t0: two tasks; an unquoted `@` assignee.
    src.write("backlog/tasks/task-1 - Login.md", &task_file("task-1", "Login", "To Do", "labels: [auth]\n"));
    src.write(
        "backlog/tasks/task-2 - Signup.md",
        &task_file("task-2", "Signup", "To Do", "assignee: @bo\ndependencies: [task-1]\n"),
    );
    src.write("backlog/config.yml", "project_name: demo\n");
    src.commit("Ana", &at(0), "tasks");
    // t1, t2: status changes.
    src.write("backlog/tasks/task-1 - Login.md", &task_file("task-1", "Login", "In Progress", "labels: [auth]\n"));
    src.commit("Bo", &at(1), "start");
    src.write("backlog/tasks/task-1 - Login.md", &task_file("task-1", "Login", "Done", "labels: [auth]\n"));
    src.commit("Cy", &at(2), "done");
    // t3: moved to completed/ (nothing else changes); two new tasks.
    src.remove("backlog/tasks/task-1 - Login.md");
    src.write("backlog/completed/task-1 - Login.md", &task_file("task-1", "Login", "Done", "labels: [auth]\n"));
    src.write("backlog/tasks/task-3 - Docs.md", &task_file("task-3", "Docs", "To Do", "priority: high\n"));
    src.write("backlog/tasks/task-4 - Spike.md", &task_file("task-4", "Spike", "To Do", ""));
    src.commit("Ana", &at(3), "move");
    // t4: the id prefix changes (files renamed, references too): no change.
    for (old, new, body) in [
        (
            "completed/task-1 - Login.md",
            "completed/back-1 - Login.md",
            task_file("BACK-1", "Login", "Done", "labels: [auth]\n"),
        ),
        (
            "tasks/task-2 - Signup.md",
            "tasks/back-2 - Signup.md",
            task_file("BACK-2", "Signup", "To Do", "assignee: @bo\ndependencies: [BACK-1]\n"),
        ),
        ("tasks/task-3 - Docs.md", "tasks/back-3 - Docs.md", task_file("BACK-3", "Docs", "To Do", "priority: high\n")),
        ("tasks/task-4 - Spike.md", "tasks/back-4 - Spike.md", task_file("BACK-4", "Spike", "To Do", "")),
    ] {
        src.remove(&format!("backlog/{old}"));
        src.write(&format!("backlog/{new}"), &body);
    }
    src.commit("Bo", &at(4), "prefix");
    // t5: one task deleted, another started with one more dependency.
    src.remove("backlog/tasks/back-4 - Spike.md");
    src.write(
        "backlog/tasks/back-2 - Signup.md",
        &task_file("BACK-2", "Signup", "In Progress", "assignee: @bo\ndependencies: [BACK-1, back-3]\n"),
    );
    src.commit("Cy", &at(5), "start signup");
    // t6: a broken file (no closing `---`) is skipped; t7 repairs it.
    src.write("backlog/tasks/back-3 - Docs.md", "---\nid: BACK-3\ntitle: Docs\nstatus: Done\n");
    src.commit("Ana", &at(6), "oops");
    src.write("backlog/tasks/back-3 - Docs.md", &task_file("BACK-3", "Docs", "In Progress", "priority: high\n"));
    src.commit("Bo", &at(7), "fix");

    // The change list, as constructed above (the deleted task is not imported).
    let s = |v: &str| Value::from(v);
    let want_history = vec![
        change(t(0), "Ana", "BACK-1", ChangeKind::Created),
        change(t(0), "Ana", "BACK-1", set("title", s("Login"))),
        change(t(0), "Ana", "BACK-1", set("status", s("To Do"))),
        change(t(0), "Ana", "BACK-1", set("labels", Value::from(vec!["auth"]))),
        change(t(0), "Ana", "BACK-2", ChangeKind::Created),
        change(t(0), "Ana", "BACK-2", set("title", s("Signup"))),
        change(t(0), "Ana", "BACK-2", set("status", s("To Do"))),
        change(t(0), "Ana", "BACK-2", set("depends_on", Value::from(vec!["BACK-1"]))),
        change(t(0), "Ana", "BACK-2", set("assignee", s("bo"))),
        change(t(1), "Bo", "BACK-1", set("status", s("In Progress"))),
        change(t(2), "Cy", "BACK-1", set("status", s("Done"))),
        change(t(3), "Ana", "BACK-3", ChangeKind::Created),
        change(t(3), "Ana", "BACK-3", set("title", s("Docs"))),
        change(t(3), "Ana", "BACK-3", set("status", s("To Do"))),
        change(t(3), "Ana", "BACK-3", set("priority", s("high"))),
        change(t(5), "Cy", "BACK-2", set("status", s("In Progress"))),
        change(t(5), "Cy", "BACK-2", set("depends_on", Value::from(vec!["BACK-1", "BACK-3"]))),
        change(t(7), "Bo", "BACK-3", set("status", s("In Progress"))),
    ];
    let source = cairn::import::backlog_md::read(&src.path, true).unwrap();
    assert!(source.problems.is_empty(), "{:?}", source.problems);
    assert_eq!(source.history, want_history);

    // Imported with history into a fresh repository: the log is that list,
    // one event per created task and per field changed after.
    let dst = git_support::Repo::new();
    cairn().args(["import", "backlog-md", "--with-history"]).arg(&src.path).arg("-C").arg(&dst.path).assert().success();
    let backlog = cairn::load::load(&dst.path).unwrap();
    let id_of = |x: &str| -> String {
        backlog
            .items
            .iter()
            .find(|i| matches!(i.fields.get("external_id").map(|f| &f.value), Some(Value::String(e)) if e == x))
            .map(|i| i.id().to_string())
            .unwrap()
    };
    let created: std::collections::HashSet<(i64, &str)> = want_history
        .iter()
        .filter(|c| c.what == ChangeKind::Created)
        .map(|c| (c.time, c.external_id.as_str()))
        .collect();
    let mut want: Vec<Ev> = want_history
        .iter()
        .filter_map(|c| {
            let id = id_of(&c.external_id);
            match &c.what {
                ChangeKind::Created => Some((c.time, c.author.clone(), id, "created".into(), None, Value::Null)),
                // Fields set with the create are in its one event.
                _ if created.contains(&(c.time, c.external_id.as_str())) => None,
                ChangeKind::Set { field, value } => {
                    let v = match field.as_str() {
                        "status" => Value::from(plan::map_status(&backlog.config, "story", value.as_str()?)?),
                        "depends_on" => Value::from(
                            value.as_array()?.iter().map(|x| id_of(x.as_str().unwrap_or_default())).collect::<Vec<_>>(),
                        ),
                        _ => value.clone(),
                    };
                    Some((c.time, c.author.clone(), id, "updated".into(), Some(field.clone()), v))
                }
                other => panic!("not in this test: {other:?}"),
            }
        })
        .collect();
    want.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    let out = cairn().args(["log", "--format", "json", "--no-cache", "-C"]).arg(&dst.path).assert().success();
    let log: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let mut got: Vec<Ev> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let t = chrono::DateTime::parse_from_rfc3339(e["time"].as_str().unwrap()).unwrap().timestamp();
            let action = e["action"].as_str().unwrap().to_string();
            let field = e["field"].as_str().map(str::to_string);
            let new = if action == "created" { Value::Null } else { e["new"].clone() };
            (t, e["author"].as_str().unwrap().to_string(), e["id"].as_str().unwrap().to_string(), action, field, new)
        })
        .collect();
    got.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    assert_eq!(got, want);
    assert_eq!(dst.git(&["status", "--porcelain"]), "");
}

#[test]
fn a_bad_backlog_md_task_fails_the_import_with_its_file_unless_keep_going() {
    let d = bare();
    let src = tempfile::tempdir().unwrap();
    let tasks = src.path().join("backlog/tasks");
    std::fs::create_dir_all(&tasks).unwrap();
    std::fs::write(
        tasks.join("task-1 - Good.md"),
        "---\nid: task-1\ntitle: Good\nstatus: To Do\nassignee: [@ana, @bo]\n---\n\n## Description\n\nFine.\n",
    )
    .unwrap();
    std::fs::write(tasks.join("task-2 - Bad.md"), "---\nid: task-2\ntitle: [unclosed\n---\n").unwrap();
    let before = files(d.path());
    let out = cairn().args(["import", "backlog-md"]).arg(src.path()).arg("-C").arg(d.path()).assert().code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("tasks/task-2 - Bad.md:2"), "{stderr}");
    assert_eq!(files(d.path()), before);
    cairn().args(["import", "backlog-md", "--keep-going"]).arg(src.path()).arg("-C").arg(d.path()).assert().success();
    let all = items(d.path());
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].title.value, "Good");
    assert_eq!(all[0].body.trim(), "## Description\n\nFine.");
    assert_eq!(all[0].assignee, ["ana", "bo"]);
}
