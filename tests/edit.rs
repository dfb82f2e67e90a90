//! The write side: the edit engine (byte-for-byte edits, conflicts,
//! all-or-nothing writes), `set`, `mv`, `fmt`, `new --body/--edit`, and
//! `--commit` on repositories built by the test. Property tests: `set`
//! changes only the edited key's lines; `fmt` is idempotent and keeps every
//! value.

#[path = "support/git.rs"]
mod git_support;

use std::path::{Path, PathBuf};

use cairn::config::Config;
use cairn::edit::{self, text, EditError, Op};
use git_support::Repo;
use proptest::prelude::*;
use serde_json::{json, Value};

fn cairn(dir: &Path, args: &[&str]) -> (i32, String, String) {
    cairn_env(dir, args, &[])
}

fn cairn_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = assert_cmd::Command::cargo_bin("cairn").expect("binary");
    c.current_dir(dir).args(args).env("NO_COLOR", "1");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().expect("runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap()
}

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("example-backlog")
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(from).unwrap();
        if rel.components().any(|c| c.as_os_str().to_string_lossy().starts_with('.')) {
            continue;
        }
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// A backlog with one epic and one story whose file uses every style the
/// engine must keep: a BOM, CRLF, comments, flow and block lists, quoted
/// and block scalars, a body.
const STORY: &str = "\u{feff}---\r\n# The widget story\r\ntitle: \"Widget: the 'at-risk' list\"  # quoted on purpose\r\nstatus: ready\r\npriority: high\r\nlabels: [ui, 'retention']\r\ndepends_on:\r\n    - api   # the endpoint\r\n    - { id: schema, lag: 2d }\r\nnote_free: 1\r\nml:\r\n  data_notes: |\r\n    Line one.\r\n    Line two.\r\n---\r\n\r\nBody with [[api]] and `[[api]]`.\r\n";

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "cairn.yml", "fields:\n  note_free: { type: number }\n");
    write(r, "epics/e.md", "---\ntitle: E\nstatus: in_progress\n---\n");
    write(r, "stories/widget.md", STORY);
    write(r, "tasks/api.md", "---\ntitle: API\nstatus: ready\n---\n");
    write(r, "tasks/schema.md", "---\ntitle: Schema\nstatus: ready\n---\n");
    dir
}

#[test]
fn set_changes_only_the_bytes_of_its_values() {
    let dir = fixture();
    let r = dir.path();
    let (code, out, err) =
        cairn(r, &["set", "widget", "status=in_progress", "estimate=5", "labels+=ml", "depends_on-=schema"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim_end(), "stories/widget.md");
    let want = STORY
        .replace("status: ready", "status: in_progress")
        .replace("priority: high\r\n", "priority: high\r\nestimate: 5\r\n")
        .replace("[ui, 'retention']", "[ui, 'retention', ml]")
        .replace("    - { id: schema, lag: 2d }\r\n", "");
    assert_eq!(read(r, "stories/widget.md"), want);
    // A block list grows with its own indent; --unset removes one key.
    let (code, _, err) = cairn(r, &["set", "widget", "depends_on+=schema", "--unset", "estimate"]);
    assert_eq!(code, 0, "{err}");
    let want2 = want.replace("estimate: 5\r\n", "").replace("# the endpoint\r\n", "# the endpoint\r\n    - schema\r\n");
    assert_eq!(read(r, "stories/widget.md"), want2);
    // Titles are quoted only when they must be.
    let (code, _, err) = cairn(r, &["set", "widget", "title=Plain title"]);
    assert_eq!(code, 0, "{err}");
    let want3 = want2.replace("\"Widget: the 'at-risk' list\"", "Plain title");
    assert_eq!(read(r, "stories/widget.md"), want3);
    let (code, _, _) = cairn(r, &["set", "widget", "title=Fix: a colon"]);
    assert_eq!(code, 0);
    assert!(read(r, "stories/widget.md").contains("title: \"Fix: a colon\"  # quoted on purpose\r\n"));
    let (code, _, err) = cairn(r, &["check"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn set_body_from_a_file_and_stdin() {
    let dir = fixture();
    let r = dir.path();
    write(r, "notes.txt", "New body.\n\n- [ ] one\n");
    let (code, _, err) = cairn(r, &["set", "api", "body=@notes.txt"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(read(r, "tasks/api.md"), "---\ntitle: API\nstatus: ready\n---\n\nNew body.\n\n- [ ] one\n");
    let o = assert_cmd::Command::cargo_bin("cairn")
        .unwrap()
        .current_dir(r)
        .args(["set", "widget", "body=@-"])
        .write_stdin("From stdin\n")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = read(r, "stories/widget.md");
    assert!(t.ends_with("---\r\n\r\nFrom stdin\r\n"), "{t:?}");
    assert!(t.starts_with(&STORY[..STORY.find("---\r\n\r\n").unwrap()]));
}

#[test]
fn set_refusals_name_the_problem_and_write_nothing() {
    let dir = fixture();
    let r = dir.path();
    let before = read(r, "stories/widget.md");
    let (code, _, err) = cairn(r, &["set", "widgt", "status=done"]);
    assert_eq!(code, 2);
    assert!(err.contains("no item with id `widgt`; did you mean `widget`?"), "{err}");
    let (code, _, err) = cairn(r, &["set", "widget", "stauts=done"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `status`?"), "{err}");
    // A wrong type: the expected type is named, shown against the new text.
    let (code, _, err) = cairn(r, &["set", "widget", "estimate=five"]);
    assert_eq!(code, 1);
    assert!(err.contains("`estimate` must be a number, found `five`"), "{err}");
    assert!(err.contains("estimate: five"), "{err}");
    assert!(err.contains("--force"), "{err}");
    let (code, _, err) = cairn(r, &["set", "widget", "due=someday"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("must be a date (YYYY-MM-DD)"), "{err}");
    // The workflow: ready → done is not a move it allows.
    let (code, _, err) = cairn(r, &["set", "widget", "status=done"]);
    assert_eq!(code, 1);
    assert!(err.contains("error[E040]: forbidden status transition `ready` → `done`"), "{err}");
    let (code, _, err) = cairn(r, &["set", "widget", "labels-=nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("has no `nope`"), "{err}");
    // A change that names another item is checked against the whole backlog.
    let (code, _, err) = cairn(r, &["set", "widget", "parent=apii"]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown parent `apii`: no item has this id; did you mean `api`?"), "{err}");
    let (code, _, err) = cairn(r, &["set", "widget", "id=other"]);
    assert_eq!(code, 2);
    assert!(err.contains("cairn mv"), "{err}");
    assert_eq!(read(r, "stories/widget.md"), before);
    // --force writes it anyway.
    let (code, _, err) = cairn(r, &["set", "widget", "status=done", "--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(read(r, "stories/widget.md").contains("status: done\r\n"));
}

#[test]
fn items_whose_id_is_not_their_file_name_are_found() {
    let dir = fixture();
    let r = dir.path();
    write(r, "stories/deep/named-otherwise.md", "---\nid: custom\ntitle: C\nstatus: ready\n---\n");
    let (code, out, err) = cairn(r, &["set", "custom", "priority=low", "parent=e"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim_end(), "stories/deep/named-otherwise.md");
    assert_eq!(
        read(r, "stories/deep/named-otherwise.md"),
        "---\nid: custom\ntitle: C\nstatus: ready\npriority: low\nparent: e\n---\n"
    );
}

#[test]
fn an_error_already_there_does_not_block_other_edits() {
    let dir = fixture();
    let r = dir.path();
    write(r, "tasks/broken.md", "---\ntitle: Broken\nstatus: ready\nparent: nowhere\n---\n");
    let (code, _, err) = cairn(r, &["set", "broken", "priority=high"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(read(r, "tasks/broken.md"), "---\ntitle: Broken\nstatus: ready\npriority: high\nparent: nowhere\n---\n");
}

#[test]
fn conflicts_and_read_only_files() {
    let dir = fixture();
    let r = dir.path();
    let b = cairn::load::load(r).unwrap();
    // The file changed between reading and writing: nothing is written.
    let cs =
        edit::plan(&b, [Op::Set { id: "api".into(), field: "status".into(), value: json!("in_progress") }]).unwrap();
    write(r, "tasks/api.md", "---\ntitle: API\nstatus: review\n---\n");
    assert!(matches!(cs.apply(), Err(EditError::Conflict { .. })));
    assert_eq!(read(r, "tasks/api.md"), "---\ntitle: API\nstatus: review\n---\n");
    // An edit computed from an older version of the file.
    let stale = edit::Edit {
        op: Op::Set { id: "api".into(), field: "priority".into(), value: json!("low") },
        expect: Some(edit::file_hash(b"---\ntitle: API\nstatus: ready\n---\n")),
    };
    assert!(matches!(edit::plan(&b, [stale]), Err(EditError::Conflict { .. })));
    // Two files, the second changed meanwhile: the first is not written either.
    let b = cairn::load::load(r).unwrap();
    let cs = edit::plan(
        &b,
        [
            Op::Set { id: "api".into(), field: "priority".into(), value: json!("low") },
            Op::Set { id: "schema".into(), field: "priority".into(), value: json!("low") },
        ],
    )
    .unwrap();
    write(r, "tasks/schema.md", "---\ntitle: Schema 2\nstatus: ready\n---\n");
    assert!(matches!(cs.apply(), Err(EditError::Conflict { .. })));
    assert_eq!(read(r, "tasks/api.md"), "---\ntitle: API\nstatus: review\n---\n");
    // A read-only file is refused with a clear message, untouched.
    let p = r.join("tasks/api.md");
    let mut perm = std::fs::metadata(&p).unwrap().permissions();
    perm.set_readonly(true);
    std::fs::set_permissions(&p, perm).unwrap();
    let (code, _, err) = cairn(r, &["set", "api", "priority=low"]);
    assert_eq!(code, 2);
    assert!(err.contains("read-only; nothing was written"), "{err}");
    assert_eq!(read(r, "tasks/api.md"), "---\ntitle: API\nstatus: review\n---\n");
    let leftovers: Vec<_> = std::fs::read_dir(r.join("tasks"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// Every (file, relation, id) naming `id` in a backlog.
fn refs_to(b: &cairn::load::Backlog, id: &str) -> Vec<(String, String)> {
    let mut v = Vec::new();
    for it in &b.items {
        for (rel, r) in it.written_refs() {
            if r.value == id {
                v.push((it.id().to_string(), rel.to_string()));
            }
        }
        if it.sprint.as_ref().is_some_and(|s| s.value == id) {
            v.push((it.id().to_string(), "sprint".into()));
        }
        for (k, f) in &it.fields {
            if f.value == json!(id) {
                v.push((it.id().to_string(), k.clone()));
            }
        }
        let links = it.body.matches(&format!("[[{id}]]")).count();
        for _ in 0..links {
            v.push((it.id().to_string(), "body".into()));
        }
    }
    v.sort();
    v
}

#[test]
fn mv_rewrites_every_reference_in_the_example_backlog() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    copy_dir(&example(), r);
    let before = cairn::load::load(r).unwrap();
    // health-score-api: a parent, a dependency (also `{id, lag}`-less), a
    // relates_to, and a `[[link]]` in a body.
    let old_refs = refs_to(&before, "health-score-api");
    assert!(old_refs.len() >= 5, "{old_refs:?}");
    assert!(old_refs.iter().any(|(_, r)| r == "body"));
    let (code, out, err) = cairn(r, &["mv", "health-score-api", "score-api"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().next(), Some("stories/score-api.md"));
    assert!(!r.join("stories/health-score-api.md").exists());
    let after = cairn::load::load(r).unwrap();
    assert!(refs_to(&after, "health-score-api").is_empty());
    assert_eq!(refs_to(&after, "score-api"), old_refs);
    let (code, out, err) = cairn(r, &["check"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.ends_with("0 errors, 0 warnings\n"), "{out}");
    // Only the references changed, byte for byte.
    let old = std::fs::read_to_string(example().join("tasks/score-endpoint.md")).unwrap();
    assert_eq!(read(r, "tasks/score-endpoint.md"), old.replace("parent: health-score-api", "parent: score-api"));
    // A `{id, lag}` dependency and a sprint are references too.
    let (code, _, err) = cairn(r, &["mv", "account-schema", "accounts-schema"]);
    assert_eq!(code, 0, "{err}");
    assert!(read(r, "stories/at-risk-widget.md").contains("{ id: accounts-schema, lag: 2d }"));
    let sprint_refs = refs_to(&after, "2026-s47");
    let (code, _, err) = cairn(r, &["mv", "2026-s47", "sprint-47"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(refs_to(&cairn::load::load(r).unwrap(), "sprint-47"), sprint_refs);
    let (code, _, err) = cairn(r, &["check"]);
    assert_eq!(code, 0, "{err}");
    // Refusals: a taken id, an invalid id, an unknown one.
    assert_eq!(cairn(r, &["mv", "score-api", "score-cache"]).0, 2);
    let (code, _, err) = cairn(r, &["mv", "score-api", "../../etc/passwd"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid id"), "{err}");
    assert!(cairn(r, &["mv", "scor-api", "x"]).2.contains("did you mean `score-api`"));
}

fn git_env(home: &Path) -> Vec<(String, String)> {
    let h = home.display().to_string();
    vec![
        ("HOME".into(), h.clone()),
        ("XDG_CONFIG_HOME".into(), h),
        ("GIT_CONFIG_NOSYSTEM".into(), "1".into()),
        ("GIT_CONFIG_GLOBAL".into(), "/dev/null".into()),
    ]
}

fn cairn_git(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let env = git_env(dir);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    cairn_env(dir, args, &env)
}

#[test]
fn set_commit_makes_one_commit_with_the_configured_identity() {
    let repo = Repo::new();
    repo.git(&["config", "user.name", "Ana Example"]);
    repo.git(&["config", "user.email", "ana@example.com"]);
    repo.write("backlog/cairn.yml", "");
    repo.write("backlog/stories/a.md", "---\ntitle: A\nstatus: ready\n---\n");
    repo.write("backlog/stories/b.md", "---\ntitle: B\nstatus: ready\n---\n");
    repo.write("README.md", "code\n");
    repo.commit("Ben", "2026-11-01T10:00:00Z", "start");
    // An unrelated change in the work tree stays out of the commit.
    repo.write("README.md", "code changed\n");
    let root = repo.path.join("backlog");
    let (code, out, err) = cairn_git(&root, &["set", "a", "status=in_progress", "--commit"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim_end(), "stories/a.md");
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]), "2");
    assert_eq!(
        repo.git(&["log", "-1", "--format=%an <%ae>|%cn <%ce>|%s"]),
        "Ana Example <ana@example.com>|Ana Example <ana@example.com>|cairn: set a status=in_progress"
    );
    assert_eq!(repo.git(&["show", "--name-only", "--format=", "HEAD"]), "backlog/stories/a.md");
    assert_eq!(repo.git(&["show", "HEAD:backlog/stories/a.md"]), "---\ntitle: A\nstatus: in_progress\n---");
    // The index agrees: only the unrelated file shows as changed.
    assert_eq!(repo.git(&["status", "--porcelain"]), "M README.md");
    // mv in one commit: history shows one `renamed` event, no delete/create.
    let (code, _, err) = cairn_git(&root, &["set", "b", "relates_to+=a", "--commit"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = cairn_git(&root, &["mv", "a", "alpha", "--commit"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]), "4");
    assert_eq!(repo.git(&["log", "-1", "--format=%s"]), "cairn: mv a alpha");
    assert_eq!(repo.git(&["status", "--porcelain"]), "M README.md");
    let (code, out, err) = cairn_git(&root, &["log", "--format", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    let events: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let last: Vec<&Value> = events.iter().filter(|e| e["commit"] == events.last().unwrap()["commit"]).collect();
    let got: Vec<(String, String, Value)> = last
        .iter()
        .map(|e| (e["id"].as_str().unwrap().to_string(), e["action"].as_str().unwrap().to_string(), e["field"].clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("alpha".to_string(), "renamed".to_string(), Value::Null),
            ("b".to_string(), "updated".to_string(), json!("relates_to")),
        ]
    );
    assert_eq!(last[0]["old"], "stories/a.md");
    assert_eq!(last[0]["new"], "stories/alpha.md");
    assert_eq!(last[0]["old_id"], "a");
}

#[test]
fn commit_refusals_write_nothing() {
    // No repository.
    let dir = fixture();
    let before = read(dir.path(), "tasks/api.md");
    let (code, _, err) = cairn_git(dir.path(), &["set", "api", "priority=low", "--commit"]);
    assert_eq!(code, 2);
    assert!(err.contains("needs a git repository"), "{err}");
    assert_eq!(read(dir.path(), "tasks/api.md"), before);
    // A repository, but no identity.
    let home = tempfile::tempdir().unwrap();
    let repo = home.path().join("r");
    std::fs::create_dir_all(&repo).unwrap();
    let env = git_env(home.path());
    let env_ref: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    git_support::git_in(&repo, &["init", "-q", "-b", "main"], &env_ref);
    write(&repo, "tasks/t.md", "---\ntitle: T\nstatus: ready\n---\n");
    let mut env2 = env_ref.clone();
    env2.push(("EMAIL", ""));
    let (code, _, err) = cairn_env(&repo, &["set", "t", "priority=low", "--commit"], &env2);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no git identity"), "{err}");
    assert_eq!(read(&repo, "tasks/t.md"), "---\ntitle: T\nstatus: ready\n---\n");
}

#[test]
fn fmt_check_lists_fmt_fixes_and_values_stay() {
    let dir = fixture();
    let r = dir.path();
    write(r, "tasks/messy.md", "---\nstatus: \"ready\"\nlabels: [b, a]\ntitle: 'Messy'\n---\nBody\n");
    let list = |r: &Path| cairn(r, &["list", "--format", "json", "--fields", "body"]).1;
    let values = list(r);
    let (code, out, _) = cairn(r, &["fmt", "--check"]);
    assert_eq!(code, 1);
    assert_eq!(out, "stories/widget.md\ntasks/messy.md\n");
    let (code, out, err) = cairn(r, &["fmt"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "stories/widget.md\ntasks/messy.md\n");
    assert_eq!(read(r, "tasks/messy.md"), "---\ntitle: Messy\nstatus: ready\nlabels:\n  - b\n  - a\n---\nBody\n");
    assert_eq!(cairn(r, &["fmt", "--check"]).0, 0);
    assert_eq!(cairn(r, &["fmt"]).1, "");
    assert_eq!(list(r), values);
    // The BOM, CRLF, comments and the block scalar survived.
    let w = read(r, "stories/widget.md");
    assert!(w.starts_with("\u{feff}---\r\n# The widget story\r\ntitle: "), "{w:?}");
    assert!(w.contains("  # quoted on purpose\r\n") && w.contains("    - api   # the endpoint\r\n"));
    assert!(w.contains("  data_notes: |\r\n    Line one.\r\n    Line two.\r\n"));
    // Named items only; unknown ids are refused.
    assert_eq!(cairn(r, &["fmt", "--check", "api"]).0, 0);
    assert_eq!(cairn(r, &["fmt", "nope"]).0, 2);
}

#[test]
fn new_with_a_body_a_template_and_an_editor() {
    let dir = fixture();
    let r = dir.path();
    // The built-in story template.
    let (code, out, err) = cairn(r, &["new", "story", "Export scores", "--parent", "e", "--set", "estimate=3"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim_end(), "stories/export-scores.md");
    let t = read(r, "stories/export-scores.md");
    assert!(t.starts_with("---\ntitle: Export scores\nstatus: backlog\nestimate: 3\nparent: e\n---\n\nAs a …, I want …, so that ….\n\n## Acceptance criteria\n- [ ] …\n"), "{t}");
    // A body given on the command line or in a file; a template in the backlog.
    let (code, _, err) = cairn(r, &["new", "task", "Write it", "--body", "Just do it."]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(read(r, "tasks/write-it.md"), "---\ntitle: Write it\nstatus: backlog\n---\n\nJust do it.\n");
    write(r, "body.md", "From a file.\n");
    assert_eq!(cairn(r, &["new", "task", "Filed", "--body-file", "body.md"]).0, 0);
    assert!(read(r, "tasks/filed.md").ends_with("---\n\nFrom a file.\n"));
    write(r, "templates/items/task.md", "Task {{ title }} ({{ id }}).\n");
    assert_eq!(cairn(r, &["new", "task", "Templated"]).0, 0);
    assert!(read(r, "tasks/templated.md").ends_with("---\n\nTask Templated (templated).\n"));
    // --edit: the editor's result is checked.
    let script = r.join("editor.sh");
    std::fs::write(&script, "#!/bin/sh\nprintf 'Edited.\\n' >> \"$1\"\n").unwrap();
    let bad = r.join("bad-editor.sh");
    std::fs::write(&bad, "#!/bin/sh\nprintf -- '---\\ntitle: X\\nstatus: nonsense\\n---\\n' > \"$1\"\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for s in [&script, &bad] {
            std::fs::set_permissions(s, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    let (code, _, err) = cairn_env(
        r,
        &["new", "task", "Edited one", "--body", "Start.", "--edit"],
        &[("VISUAL", script.to_str().unwrap())],
    );
    assert_eq!(code, 0, "{err}");
    assert!(read(r, "tasks/edited-one.md").ends_with("\nStart.\nEdited.\n"));
    let (code, _, err) =
        cairn_env(r, &["new", "task", "Broken one", "--edit"], &[("EDITOR", bad.to_str().unwrap()), ("VISUAL", "")]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown status `nonsense`"), "{err}");
    assert!(r.join("tasks/broken-one.md").exists(), "the user's text is kept");
    // No editor: refused before anything is written.
    let (code, _, err) = cairn_env(r, &["new", "task", "No editor", "--edit"], &[("EDITOR", ""), ("VISUAL", "")]);
    assert_eq!(code, 2);
    assert!(err.contains("$VISUAL or $EDITOR"), "{err}");
    assert!(!r.join("tasks/no-editor.md").exists());
    // Bad ids never become paths.
    let (code, _, err) = cairn(r, &["new", "task", "X", "--id", "../../escape"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid id"), "{err}");
}

// ---- property tests ----

/// One generated front-matter entry: key, value text, and how it is written.
#[derive(Clone, Debug)]
enum Val {
    Plain(String),
    Quoted(String),
    Number(i64),
    Flow(Vec<String>),
    Block(Vec<String>),
    FlowMap(String, String),
    Literal(Vec<String>),
    Empty,
}

fn word() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,8}".prop_filter("not YAML keywords", |w| {
        !["y", "n", "yes", "no", "on", "off", "null", "true", "false"].contains(&w.as_str())
    })
}

fn val() -> impl Strategy<Value = Val> {
    prop_oneof![
        word().prop_map(Val::Plain),
        "[A-Za-z :#,'-]{0,12}".prop_map(Val::Quoted),
        (-1000i64..1000).prop_map(Val::Number),
        proptest::collection::vec(word(), 0..4).prop_map(Val::Flow),
        proptest::collection::vec(word(), 1..4).prop_map(Val::Block),
        (word(), word()).prop_map(|(a, b)| Val::FlowMap(a, b)),
        proptest::collection::vec("[a-z ]{1,10}", 1..3).prop_map(Val::Literal),
        Just(Val::Empty),
    ]
}

fn render(key: &str, v: &Val, nl: &str, comment: bool, indent: usize) -> String {
    let c = if comment { "  # note" } else { "" };
    let pad = " ".repeat(indent);
    match v {
        Val::Plain(s) => format!("{key}: {s}{c}{nl}"),
        Val::Quoted(s) => format!("{key}: {}{c}{nl}", serde_json::to_string(s).unwrap()),
        Val::Number(n) => format!("{key}: {n}{c}{nl}"),
        Val::Flow(items) => format!("{key}: [{}]{c}{nl}", items.join(", ")),
        Val::Block(items) => {
            let mut s = format!("{key}:{c}{nl}");
            for i in items {
                s.push_str(&format!("{pad}- {i}{nl}"));
            }
            s
        }
        Val::FlowMap(a, b) => format!("{key}: {{ id: {a}, lag: {b} }}{c}{nl}"),
        Val::Literal(lines) => {
            let mut s = format!("{key}: |{nl}");
            for l in lines {
                s.push_str(&format!("{pad}{}{nl}", l.trim()));
            }
            s
        }
        Val::Empty => format!("{key}:{c}{nl}"),
    }
}

const KEYS: &[&str] = &["title", "status", "labels", "depends_on", "estimate", "custom_a", "zeta", "assignee", "due"];

fn front_matter() -> impl Strategy<Value = (String, Vec<String>)> {
    (
        proptest::sample::subsequence(KEYS.to_vec(), 1..KEYS.len()).prop_shuffle(),
        proptest::collection::vec((val(), any::<bool>(), any::<bool>(), 2usize..5), KEYS.len()),
        any::<bool>(),
        any::<bool>(),
        "[a-zA-Z .\n]{0,40}",
    )
        .prop_map(|(keys, vals, crlf, bom, body)| {
            let nl = if crlf { "\r\n" } else { "\n" };
            let mut s = String::new();
            if bom {
                s.push('\u{feff}');
            }
            s.push_str("---");
            s.push_str(nl);
            for (k, (v, comment, above, indent)) in keys.iter().zip(vals) {
                if above {
                    s.push_str(&format!("# about {k}{nl}"));
                }
                s.push_str(&render(k, &v, nl, comment && !matches!(v, Val::Literal(_)), indent));
            }
            s.push_str("---");
            s.push_str(nl);
            s.push_str(&body.replace('\n', nl));
            (s, keys.iter().map(|k| k.to_string()).collect())
        })
}

/// Top-level values of a file's front-matter, by key.
fn values(text: &str) -> std::collections::BTreeMap<String, Value> {
    let t = text.strip_prefix('\u{feff}').unwrap_or(text);
    let split = cairn::load::frontmatter::split(t).unwrap();
    let n = cairn::load::yaml::parse(split.yaml).unwrap();
    match n.value {
        cairn::load::yaml::Value::Map(m) => {
            m.into_iter().map(|(k, v)| (k.value.scalar_text(), v.value.to_json())).collect()
        }
        _ => Default::default(),
    }
}

/// The text without one entry's lines (its key line through its last line).
fn without(text: &str, key: &str) -> String {
    let d = edit::doc::Doc::parse(text).unwrap();
    match d.get(key) {
        Some(e) => format!("{}{}", &text[..e.start], &text[e.end..]),
        None => text.to_string(),
    }
}

fn new_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        word().prop_map(Value::String),
        "[A-Za-z :#,'\"-]{1,12}".prop_map(Value::String),
        (-50i64..50).prop_map(|n| json!(n)),
        proptest::collection::vec(word(), 1..4).prop_map(|v| json!(v)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn set_changes_only_the_edited_key((text, keys) in front_matter(), pick in 0usize..20, v in new_value()) {
        let order = text::key_order(&Config::default());
        let key = if pick < keys.len() { keys[pick].clone() } else { KEYS[pick % KEYS.len()].to_string() };
        let out = text::set(&text, &order, &key, &v).unwrap();
        let before = values(&text);
        let after = values(&out);
        prop_assert_eq!(after.get(&key), Some(&v), "{}", out);
        for (k, old) in &before {
            if k != &key {
                prop_assert_eq!(after.get(k), Some(old), "{} changed", k);
            }
        }
        // Every byte outside the edited entry's lines is as it was.
        prop_assert_eq!(without(&out, &key), without(&text, &key));
    }

    #[test]
    fn fmt_is_idempotent_and_keeps_values((text, _) in front_matter()) {
        let style = edit::fmt::Style::of(&Config::default());
        let once = edit::fmt::format(&text, &style).unwrap();
        prop_assert_eq!(values(&once), values(&text));
        let twice = edit::fmt::format(&once, &style).unwrap();
        prop_assert_eq!(&twice, &once);
        let body = |t: &str| { let d = edit::doc::Doc::parse(t).unwrap(); t[d.body_start..].to_string() };
        prop_assert_eq!(body(&once), body(&text));
        prop_assert_eq!(once.starts_with('\u{feff}'), text.starts_with('\u{feff}'));
        let comments = |t: &str| t.matches("# note").count() + t.matches("# about").count();
        prop_assert_eq!(comments(&once), comments(&text), "comments kept");
    }
}

#[cfg(unix)]
#[test]
fn a_symlinked_item_is_written_through_its_link() {
    let dir = fixture();
    let r = dir.path();
    write(r, "shared/real.md", "---\ntitle: Real\nstatus: ready\n---\n");
    std::os::unix::fs::symlink(r.join("shared/real.md"), r.join("tasks/linked.md")).unwrap();
    // `shared/real.md` is an item too (id `real`); the link is `linked`.
    write(r, "cairn.yml", "fields:\n  note_free: { type: number }\nignore: [\"shared/**\"]\n");
    let (code, _, err) = cairn(r, &["set", "linked", "priority=low"]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::symlink_metadata(r.join("tasks/linked.md")).unwrap().file_type().is_symlink());
    assert_eq!(read(r, "shared/real.md"), "---\ntitle: Real\nstatus: ready\npriority: low\n---\n");
}
