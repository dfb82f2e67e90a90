//! Reading other tools' backlogs in place: the `backlog-md` preset on a
//! generated Backlog.md repository with history (`cairn::gen::backlog_md`),
//! and the generic mapping keys of `cairn.yml` one by one.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cairn::gen::backlog_md::{self, Repo, Spec};
use serde_json::Value;

fn cairn(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let o =
        assert_cmd::Command::cargo_bin("cairn").expect("binary").current_dir(dir).args(args).output().expect("runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let (_, out, err) = cairn(dir, args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}\n{out}\n{err}"))
}

fn git(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir).args(args);
    c.env("GIT_CONFIG_NOSYSTEM", "1").env("HOME", dir).env("GIT_CONFIG_GLOBAL", "/dev/null");
    c
}

/// A generated Backlog.md repository, imported with `git fast-import`, its
/// `backlog/` folder holding a `cairn.yml` with `config` (untracked).
fn repository(tasks: usize, seed: u64, config: &str) -> (tempfile::TempDir, PathBuf, Repo) {
    let repo = backlog_md::generate(&Spec { tasks, seed });
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(git(dir.path(), &["init", "-q", "-b", "main"]).status().expect("git").success());
    let mut child = git(dir.path(), &["fast-import", "--quiet"]).stdin(Stdio::piped()).spawn().expect("git");
    child.stdin.take().expect("stdin").write_all(&backlog_md::fast_import(&repo)).expect("write");
    assert!(child.wait().expect("git").success());
    assert!(git(dir.path(), &["checkout", "-q", "-f", "main"]).status().expect("git").success());
    let root = dir.path().join("backlog");
    std::fs::write(root.join("cairn.yml"), config).expect("cairn.yml");
    (dir, root, repo)
}

#[test]
fn the_preset_leaves_only_the_repositorys_real_problems() {
    let (_d, root, repo) = repository(40, 3, "preset: backlog-md\n");
    let report = json(&root, &["check", "--format", "json"]);
    let errors: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| (d["code"].as_str().unwrap_or("").to_string(), d["id"].as_str().unwrap_or("").to_string()))
        .collect();
    // The one planted problem: the same id in `completed/` and `archive/tasks/`.
    let dup = repo.duplicate.clone().expect("a duplicate");
    assert_eq!(errors, vec![("E010".to_string(), dup)]);
    let mut warnings: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["severity"] == "warning")
        .map(|d| (d["code"].as_str().unwrap_or("").to_string(), d["id"].as_str().unwrap_or("").to_string()))
        .collect();
    warnings.sort();
    let expected: Vec<(String, String)> = repo.warnings.iter().map(|(c, id)| (c.to_string(), id.clone())).collect();
    assert_eq!(warnings, expected);
    // Every task file is an item (tasks, completed, archive, the doc and the decision).
    let files = backlog_md::final_files(&repo);
    let md = files.keys().filter(|p| p.ends_with(".md")).count();
    assert_eq!(report["items"], md);

    // Without the preset the same folder is thousands of problems' worth.
    std::fs::write(root.join("cairn.yml"), "").expect("cairn.yml");
    let bare = json(&root, &["check", "--format", "json"]);
    assert!(bare["errors"].as_u64().unwrap_or(0) > 40, "{}", bare["errors"]);
}

#[test]
fn dependencies_and_parent_task_ids_are_edges() {
    let (_d, root, repo) = repository(40, 3, "preset: backlog-md\n");
    let graph = json(&root, &["graph", "--format", "json"]);
    let edges = |ty: &str| -> BTreeSet<(String, String)> {
        graph["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .filter(|e| e["type"] == ty)
            .map(|e| (e["from"].as_str().unwrap_or("").to_string(), e["to"].as_str().unwrap_or("").to_string()))
            .collect()
    };
    let deps: BTreeSet<(String, String)> = repo.dependencies.iter().cloned().collect();
    assert!(!deps.is_empty());
    assert_eq!(edges("depends_on"), deps);
    let parents: BTreeSet<(String, String)> = repo.parents.iter().cloned().collect();
    assert!(!parents.is_empty());
    assert_eq!(edges("parent"), parents);
    // `ready` lists open tasks whose dependencies are all closed: none of
    // them waits on an open task.
    let (code, out, err) = cairn(&root, &["ready", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let ready: Value = serde_json::from_str(&out).expect("json");
    let ids: Vec<&str> = ready["items"].as_array().expect("items").iter().filter_map(|r| r["id"].as_str()).collect();
    assert!(!ids.is_empty());
    let files = backlog_md::final_files(&repo);
    let open: BTreeSet<String> = files
        .values()
        .filter(|t| t.contains("\nstatus: To Do\n") || t.to_lowercase().contains("\nstatus: in progress\n"))
        .filter_map(|t| t.lines().nth(1).and_then(|l| l.strip_prefix("id: ")).map(str::to_string))
        .collect();
    for id in ids {
        assert!(deps.iter().filter(|(from, _)| from == id).all(|(_, to)| !open.contains(to)), "{id}");
    }
}

#[test]
fn history_follows_the_id_prefix_change_as_one_item() {
    let (_d, root, repo) = repository(40, 3, "preset: backlog-md\n");
    assert!(!repo.renamed.is_empty());
    for (old, new) in &repo.renamed {
        let (code, out, err) = cairn(&root, &["log", new, "--format", "jsonl"]);
        assert_eq!(code, 0, "{err}");
        let ev: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).expect("json")).collect();
        assert!(ev.iter().all(|e| e["id"] == new.as_str()));
        assert_eq!(ev.first().map(|e| e["action"].clone()), Some(Value::from("created")), "{new}");
        let created_at = ev[0]["path"].as_str().unwrap_or("");
        assert!(created_at.starts_with(&format!("tasks/{} - ", old.to_lowercase())), "{created_at}");
        let renamed: Vec<&Value> =
            ev.iter().filter(|e| e["action"] == "renamed" && e["old_id"] == old.as_str()).collect();
        assert_eq!(renamed.len(), 1, "{new}: {ev:?}");
        assert!(!ev.iter().any(|e| e["action"] == "deleted"), "{new}");
    }
    // Status spellings are statuses in history too: metrics see deliveries.
    let (code, out, err) = cairn(&root, &["metrics", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let m: Value = serde_json::from_str(&out).expect("json");
    let delivered = backlog_md::final_files(&repo).values().filter(|t| t.contains("\nstatus: Done\n")).count();
    assert!(delivered > 0);
    assert!(m["cycle_time"]["all"]["count"].as_u64().unwrap_or(0) > 0, "{}", m["cycle_time"]);
}

#[test]
fn the_site_shows_backlog_md_sections_and_counts_acceptance_criteria() {
    let (_d, root, repo) = repository(30, 5, "preset: backlog-md\n");
    // The build succeeds; it exits 1 for the planted duplicate id.
    let (code, _, err) = cairn(&root, &["build"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("1 error"), "{err}");
    let files = backlog_md::final_files(&repo);
    let (_, text) = files
        .iter()
        .find(|(p, t)| p.contains("/tasks/") && t.contains("## Implementation Notes"))
        .expect("a done task");
    let id = text.lines().nth(1).and_then(|l| l.strip_prefix("id: ")).expect("id");
    let page = std::fs::read_to_string(root.join(format!("_site/items/{id}.html"))).expect("item page");
    for h in ["Description", "Acceptance Criteria", "Implementation Plan", "Implementation Notes", "Definition of Done"]
    {
        assert!(page.contains(&format!(">{h}</h2>")), "{h}");
    }
    assert!(!page.contains("AC:BEGIN") && !page.contains("SECTION:"));
    // The acceptance criteria and, with the preset, the definition of done.
    let section = |begin: &str, end: &str| -> Vec<String> {
        let inner = text.split(begin).nth(1).and_then(|r| r.split(end).next()).unwrap_or("");
        inner.lines().filter(|l| l.starts_with("- [")).map(str::to_string).collect()
    };
    let mut lines = section("<!-- AC:BEGIN -->", "<!-- AC:END -->");
    lines.extend(section("<!-- DOD:BEGIN -->", "<!-- DOD:END -->"));
    let total = lines.len();
    let done = lines.iter().filter(|l| l.starts_with("- [x]")).count();
    assert!(total > 2);
    let shown = json(&root, &["show", id, "--format", "json"]);
    assert_eq!(shown["acceptance"]["total"], total);
    assert_eq!(shown["acceptance"]["done"], done);
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

#[test]
fn each_mapping_key_applies_to_items() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "cairn.yml",
        "fields:\n  aliases: { dependencies: depends_on, parent_task_id: parent, created_date: created }\n\
         kinds:\n  story: { paths: [\"work/**\", \"done/stories/**\"] }\n\
         kind_from: type\n\
         statuses:\n  aliases: { \"To Do\": ready, \"Won't Do\": cancelled }\n\
         dates: { formats: [\"%Y-%m-%d %H:%M\"] }\n\
         ids: { aliases: { case_insensitive: true, prefixes: { \"task-\": \"back-\" } } }\n\
         yaml: { lenient: true }\n\
         references: { external_paths: true }\n",
    );
    // Kind by a path glob; status spelled another way, in any case; a
    // date in an extra format; `@name` unquoted; a path as a reference.
    write(
        root,
        "work/nested/BACK-1 - First.md",
        "---\nid: BACK-1\ntitle: First\nstatus: to do\nassignee: @ana\ncreated_date: '2025-07-27 10:15'\nreferences: [docs/api.md]\n---\n",
    );
    // Kind from a field; references follow equal ids (`TASK-1` is `BACK-1`).
    write(
        root,
        "misc/second.md",
        "---\nid: second\ntype: bug\ntitle: Second\nstatus: Won't Do\ndependencies: [TASK-1]\n---\n",
    );
    write(root, "tasks/third.md", "---\nid: third\ntitle: Third\nstatus: done\nparent_task_id: task-1\n---\n");
    let report = json(root, &["check", "--format", "json"]);
    assert_eq!(report["diagnostics"], serde_json::json!([]), "{report}");
    let first = json(root, &["show", "BACK-1", "--format", "json"]);
    assert_eq!(first["kind"], "story");
    assert_eq!(first["status"], "ready");
    assert_eq!(first["assignee"], serde_json::json!(["@ana"]));
    assert_eq!(first["created"], "2025-07-27T10:15:00Z");
    let second = json(root, &["show", "second", "--format", "json"]);
    assert_eq!(second["kind"], "bug");
    assert_eq!(second["status"], "cancelled");
    let graph = json(root, &["graph", "--format", "json"]);
    let edges: BTreeSet<(String, String, String)> = graph["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or("").to_string();
            (s("from"), s("to"), s("type"))
        })
        .collect();
    let expected: BTreeSet<(String, String, String)> = [
        ("second".to_string(), "BACK-1".to_string(), "depends_on".to_string()),
        ("third".to_string(), "BACK-1".to_string(), "parent".to_string()),
    ]
    .into_iter()
    .collect();
    assert_eq!(edges, expected);
    // Without `yaml.lenient`, `@ana` is a YAML error; without the alias a
    // status spelling is unknown, with a did-you-mean.
    write(root, "cairn.yml", "kinds:\n  story: { paths: [\"work/**\"] }\n");
    let report = json(root, &["check", "--format", "json"]);
    let codes: BTreeSet<&str> =
        report["diagnostics"].as_array().expect("diagnostics").iter().filter_map(|d| d["code"].as_str()).collect();
    assert!(codes.contains("E003") || codes.contains("E002"), "{codes:?}");
}

#[test]
fn a_mapping_change_invalidates_the_parse_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "cairn.yml", "statuses:\n  aliases: { \"To Do\": ready }\n");
    write(root, "stories/a.md", "---\ntitle: A\nstatus: To Do\n---\n");
    assert_eq!(json(root, &["check", "--format", "json"])["errors"], 0);
    write(root, "cairn.yml", "statuses:\n  aliases: { \"To Do\": backlog }\n");
    assert_eq!(json(root, &["show", "a", "--format", "json"])["status"], "backlog");
    write(root, "cairn.yml", "");
    assert_eq!(json(root, &["check", "--format", "json"])["errors"], 1);
}

#[test]
fn the_preset_and_every_mapping_key_validate_against_the_config_schema() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(manifest.join("schema/config.schema.json")).expect("schema");
    let schema: Value = serde_json::from_str(&text).expect("json");
    let v = jsonschema::validator_for(&schema).expect("compiles");
    let preset = std::fs::read_to_string(manifest.join("src/config/presets/backlog-md.yml")).expect("preset");
    let all = "preset: backlog-md\nfields:\n  aliases: { dependencies: depends_on }\n  team: { type: string }\n\
               kinds:\n  story: { paths: [\"work/**\"] }\nkind_from: type\nstatuses:\n  aliases: { \"To Do\": ready }\n\
               dates: { formats: [\"%Y-%m-%d %H:%M\"] }\nids: { aliases: { case_insensitive: true, prefixes: { \"task-\": \"back-\" } } }\n\
               yaml: { lenient: true }\nreferences: { external_paths: true }\n";
    for doc in [preset.as_str(), all] {
        let value: Value = serde_saphyr::from_str(doc).expect("yaml");
        let errors: Vec<String> = v.iter_errors(&value).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
    let typo: Value = serde_saphyr::from_str("feilds: {}\n").expect("yaml");
    assert!(!v.is_valid(&typo));
}

#[test]
fn set_on_a_task_whose_references_follow_equal_ids() {
    let (_d, root, repo) = repository(40, 3, "preset: backlog-md\n");
    let files = backlog_md::final_files(&repo);
    let ids: BTreeSet<&str> =
        files.values().filter_map(|t| t.lines().nth(1).and_then(|l| l.strip_prefix("id: "))).collect();
    // A task whose dependency is written with an id no item has exactly
    // (`task-4` for `BACK-4`, `back-4` for `BACK-4`).
    let (path, text) = files
        .iter()
        .find(|(p, t)| {
            p.starts_with("backlog/tasks/")
                && t.split("dependencies:\n").nth(1).is_some_and(|rest| {
                    rest.lines().take_while(|l| l.starts_with("  - ")).any(|l| !ids.contains(&l[4..]))
                })
        })
        .expect("a task with a dependency in another spelling");
    let id = text.lines().nth(1).and_then(|l| l.strip_prefix("id: ")).expect("id");
    let (code, _, err) = cairn(&root, &["set", id, "priority=low"]);
    assert_eq!(code, 0, "{err}");
    let after = std::fs::read_to_string(root.parent().expect("repo").join(path)).expect("file");
    assert!(after.contains("\npriority: low\n"), "{after}");
}

#[test]
fn ids_equal_under_the_rules_are_a_duplicate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "cairn.yml", "preset: backlog-md\n");
    write(root, "completed/task-7 - Old.md", "---\nid: task-7\ntitle: Old\nstatus: Done\n---\n");
    write(root, "tasks/back-7 - New.md", "---\nid: BACK-7\ntitle: New\nstatus: To Do\n---\n");
    write(
        root,
        "tasks/back-8 - Other.md",
        "---\nid: BACK-8\ntitle: Other\nstatus: To Do\ndependencies: [back-7]\n---\n",
    );
    let report = json(root, &["check", "--format", "json"]);
    let diags = report["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(diags.len(), 1, "{report}");
    // Items sort by id: `BACK-7` comes first, `task-7` is the duplicate.
    assert_eq!(diags[0]["code"], "E010");
    assert_eq!(diags[0]["id"], "task-7");
    assert_eq!(
        diags[0]["message"],
        "duplicate id `task-7`: equal to `BACK-7` of `tasks/back-7 - New.md` under `ids.aliases`"
    );
}

#[test]
fn the_item_schema_of_a_preset_root_accepts_backlog_md_front_matter() {
    let (_d, root, repo) = repository(30, 5, "preset: backlog-md\n");
    let (code, out, err) = cairn(&root, &["schema", "item"]);
    assert_eq!(code, 0, "{err}");
    let schema: Value = serde_json::from_str(&out).expect("json");
    let v = jsonschema::validator_for(&schema).expect("compiles");
    let files = backlog_md::final_files(&repo);
    // Files without unquoted `@name` (plain YAML; `yaml.lenient` is not a
    // schema matter).
    let mut checked = 0;
    for (path, text) in files.iter().filter(|(p, t)| p.ends_with(".md") && !t.contains(": @")) {
        let fm = cairn::schema::front_matter_json(text).expect("front-matter");
        let errors: Vec<String> = v.iter_errors(&fm).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{path}: {errors:?}");
        checked += 1;
    }
    assert!(checked > 5);
    let bad = serde_json::json!({"id": "task-1", "title": "A", "status": "Don"});
    assert!(!v.is_valid(&bad));
    let spelled = serde_json::json!({"id": "task-1", "title": "A", "status": "won't do", "dependencies": ["task-2"]});
    assert!(v.is_valid(&spelled));
}

#[test]
fn edits_write_the_files_own_spellings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "cairn.yml", "preset: backlog-md\n");
    write(root, "tasks/task-1 - One.md", "---\nid: task-1\ntitle: One\nstatus: To Do\ndependencies: []\n---\n");
    write(root, "tasks/task-2 - Two.md", "---\nid: task-2\ntitle: Two\nstatus: Done\n---\n");
    let (code, _, err) = cairn(root, &["set", "task-1", "status=in_progress", "depends_on+=task-2"]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(root.join("tasks/task-1 - One.md")).expect("file");
    assert!(text.contains("\nstatus: In Progress\n"), "{text}");
    assert!(text.contains("dependencies:") && text.contains("task-2") && !text.contains("depends_on"), "{text}");
    assert_eq!(json(root, &["check", "--format", "json"])["diagnostics"], serde_json::json!([]));
}

#[test]
fn the_importer_reads_a_generated_repository_with_the_presets_mapping() {
    use cairn::import::{backlog_md as import, ChangeKind};
    let (_d, root, repo) = repository(40, 3, "preset: backlog-md\n");
    let source = import::read(&root, true).expect("import");
    assert!(source.problems.is_empty(), "{:?}", source.problems);
    // One record per task file at the last commit (the planted duplicate
    // is two files).
    let folders = ["tasks/", "drafts/", "completed/", "archive/tasks/", "archive/drafts/"];
    let task_files = backlog_md::final_files(&repo)
        .keys()
        .filter_map(|p| p.strip_prefix("backlog/"))
        .filter(|p| folders.iter().any(|f| p.starts_with(f)) && p.ends_with(".md"))
        .count();
    assert_eq!(source.records.len(), task_files);
    // Dependencies and parents written as earlier ids (`task-3` for
    // `BACK-3`) are the generator's edges.
    let deps: BTreeSet<(String, String)> = source
        .records
        .iter()
        .flat_map(|r| r.relations.iter().map(|(_, to)| (r.external_id.clone(), to.clone())))
        .collect();
    assert!(!repo.dependencies.is_empty());
    assert_eq!(deps, repo.dependencies.iter().cloned().collect());
    let parents: BTreeSet<(String, String)> =
        source.records.iter().filter_map(|r| Some((r.external_id.clone(), r.parent.clone()?))).collect();
    assert!(!repo.parents.is_empty());
    assert_eq!(parents, repo.parents.iter().cloned().collect());
    // A task renamed by the prefix change is one task: created once, under
    // its new id, never deleted.
    assert!(!repo.renamed.is_empty());
    for (_, new) in repo.renamed.iter().filter(|(_, new)| repo.duplicate.as_ref() != Some(new)) {
        let of: Vec<&ChangeKind> = source.history.iter().filter(|c| &c.external_id == new).map(|c| &c.what).collect();
        assert_eq!(of.first(), Some(&&ChangeKind::Created), "{new}");
        assert_eq!(of.iter().filter(|k| ***k == ChangeKind::Created).count(), 1, "{new}");
        assert!(!of.contains(&&ChangeKind::Deleted), "{new}");
    }
}

#[test]
fn mv_follows_equal_ids_and_backlog_md_file_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "cairn.yml", "preset: backlog-md\n");
    write(root, "tasks/back-3 - Parser.md", "---\nid: BACK-3\ntitle: Parser\nstatus: To Do\nassignee: @ana\n---\n");
    write(
        root,
        "tasks/back-4 - Lexer.md",
        "---\nid: BACK-4\ntitle: Lexer\nstatus: To Do\nassignee: [@bo, @cy]\nparent_task_id: back-3\n---\nAfter [[back-3]].\n",
    );
    write(
        root,
        "tasks/back-5 - Tests.md",
        "---\nid: BACK-5\ntitle: Tests\nstatus: To Do\ndependencies:\n  - task-3\n---\n",
    );
    let (code, _, err) = cairn(root, &["mv", "BACK-3", "BACK-30"]);
    assert_eq!(code, 0, "{err}");
    assert!(!root.join("tasks/back-3 - Parser.md").exists());
    let moved = std::fs::read_to_string(root.join("tasks/back-30 - Parser.md")).expect("renamed file");
    assert_eq!(moved, "---\nid: BACK-30\ntitle: Parser\nstatus: To Do\nassignee: @ana\n---\n");
    let other = std::fs::read_to_string(root.join("tasks/back-4 - Lexer.md")).expect("file");
    assert_eq!(
        other,
        "---\nid: BACK-4\ntitle: Lexer\nstatus: To Do\nassignee: [@bo, @cy]\nparent_task_id: BACK-30\n---\nAfter [[BACK-30]].\n"
    );
    let third = std::fs::read_to_string(root.join("tasks/back-5 - Tests.md")).expect("file");
    assert_eq!(third, "---\nid: BACK-5\ntitle: Tests\nstatus: To Do\ndependencies:\n  - BACK-30\n---\n");
    let report = json(root, &["check", "--format", "json"]);
    let codes: Vec<&str> =
        report["diagnostics"].as_array().expect("list").iter().filter_map(|d| d["code"].as_str()).collect();
    assert!(!codes.iter().any(|c| c.starts_with('E')), "{report}");
}

#[test]
fn fmt_keeps_backlog_md_order_and_quotes() {
    let (_d, root, _repo) = repository(40, 7, "preset: backlog-md\n");
    // What Backlog.md writes is already canonical: nothing to do.
    let (code, out, err) = cairn(&root, &["fmt", "--check"]);
    assert_eq!(code, 0, "{out}{err}");
    write(
        &root,
        "tasks/back-900 - Shuffled.md",
        "---\npriority: high\nstatus: To Do\ncreated_date: '2025-07-01 10:00'\ntitle: Shuffled\nassignee: @ana\nid: BACK-900\nlabels: [\"ui\"]\n---\nBody\n",
    );
    let (code, out, _) = cairn(&root, &["fmt", "--check"]);
    assert_eq!((code, out.trim()), (1, "tasks/back-900 - Shuffled.md"));
    let (code, _, err) = cairn(&root, &["fmt"]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(root.join("tasks/back-900 - Shuffled.md")).expect("file");
    assert_eq!(
        text,
        "---\nid: BACK-900\ntitle: Shuffled\nstatus: To Do\nassignee: @ana\ncreated_date: '2025-07-01 10:00'\nlabels:\n  - \"ui\"\npriority: high\n---\nBody\n"
    );
    assert_eq!(cairn(&root, &["fmt", "--check"]).0, 0, "idempotent");
}
