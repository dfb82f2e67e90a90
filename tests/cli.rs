//! The real binary on fixture backlogs: `check` (every reporter, exit
//! codes, bad input of every kind), `list`, `show`, `init`, `new`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn cairn() -> Command {
    let mut c = Command::cargo_bin("cairn").unwrap();
    c.env("NO_COLOR", "1");
    c
}

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("example-backlog")
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

#[test]
fn example_backlog_checks_clean() {
    let out = cairn().args(["check", "-C"]).arg(example()).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("checked "), "{text}");
    assert!(text.ends_with(" items: 0 errors, 0 warnings\n"), "{text}");
    let v =
        json(&cairn().args(["check", "--format", "json", "-C"]).arg(example()).assert().success().get_output().stdout);
    assert!(v["items"].as_u64().unwrap() >= 60);
    assert_eq!(v["errors"], 0);
    assert_eq!(v["diagnostics"], serde_json::json!([]));
}

fn broken_backlog() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "epics/checkout.md", "---\ntitle: Checkout\nstatus: in_progress\n---\n");
    write(
        r,
        "stories/at-risk-widget.md",
        "---\nkind: story\ntitle: Widget\nstatus: inprogress\nparent: chekout\n---\n",
    );
    write(
        r,
        "tasks/t1.md",
        "---\ntitle: T1\nstatus: done\nasignee: ana\n---\n\n## Acceptance criteria\n- [ ] tested\n",
    );
    dir
}

#[test]
fn check_reports_every_problem_with_positions() {
    let dir = broken_backlog();
    let assert = cairn().args(["check", "--format", "json", "-C"]).arg(dir.path()).assert().code(1);
    let v = json(&assert.get_output().stdout);
    assert_eq!(v["items"], 3);
    assert_eq!(v["errors"], 3);
    assert_eq!(v["warnings"], 1);
    let diags = v["diagnostics"].as_array().unwrap();
    let find =
        |code: &str| diags.iter().find(|d| d["code"] == code).unwrap_or_else(|| panic!("no {code} in {diags:?}"));
    let e012 = find("E012");
    assert_eq!(e012["severity"], "error");
    assert_eq!(e012["file"], "stories/at-risk-widget.md");
    assert_eq!((e012["line"].as_u64(), e012["column"].as_u64()), (Some(4), Some(9)));
    assert_eq!(e012["id"], "at-risk-widget");
    assert_eq!(e012["message"], "unknown status `inprogress` for story; did you mean `in_progress`?");
    let e020 = find("E020");
    assert!(e020["message"].as_str().unwrap().contains("did you mean `checkout`"));
    assert_eq!((e020["line"].as_u64(), e020["column"].as_u64()), (Some(5), Some(9)));
    let e018 = find("E018");
    assert_eq!((e018["line"].as_u64(), e018["column"].as_u64()), (Some(4), Some(1)));
    assert_eq!(find("W004")["severity"], "warning");

    // --strict makes the warning an error.
    let v = json(
        &cairn()
            .args(["check", "--strict", "--format", "json", "-C"])
            .arg(dir.path())
            .assert()
            .code(1)
            .get_output()
            .stdout,
    );
    assert_eq!((v["errors"].as_u64(), v["warnings"].as_u64()), (Some(4), Some(0)));
}

#[test]
fn human_output_is_rustc_style() {
    let dir = broken_backlog();
    let out = cairn().args(["check", "-C"]).arg(dir.path()).assert().code(1).get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("error[E012]: unknown status `inprogress` for story; did you mean `in_progress`?\n --> stories/at-risk-widget.md:4:9\n  |\n4 | status: inprogress\n  |         ^^^^^^^^^^\n"),
        "{text}"
    );
    assert!(text.ends_with("checked 3 items: 3 errors, 1 warning\n"), "{text}");
    assert!(!text.contains('\x1b'), "no colour when not a terminal");
    let coloured = cairn()
        .args(["check", "--color", "always", "-C"])
        .arg(dir.path())
        .env_remove("NO_COLOR")
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(coloured).unwrap().contains('\x1b'));
}

#[test]
fn github_annotations_use_worktree_paths() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let root = dir.path().join("backlog");
    write(&root, "stories/at-risk-widget.md", "---\ntitle: Widget\nstatus: inprogress\n---\n");
    let out =
        cairn().args(["check", "--format", "github", "-C"]).arg(&root).assert().code(1).get_output().stdout.clone();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "::error file=backlog/stories/at-risk-widget.md,line=3,col=9,title=E012::unknown status `inprogress` for story; did you mean `in_progress`?%0Ahelp: statuses of story are backlog, ready, in_progress, review, done, cancelled\n"
    );
    let v = json(&cairn().args(["check", "--format", "gitlab", "-C"]).arg(&root).assert().code(1).get_output().stdout);
    assert_eq!(v[0]["location"]["path"], "backlog/stories/at-risk-widget.md");
    assert_eq!(v[0]["location"]["lines"]["begin"], 3);
    assert_eq!(v[0]["check_name"], "E012");
    assert!(v[0]["description"].as_str().unwrap().contains("inprogress"));
    assert!(v[0]["fingerprint"].is_string());
    assert_eq!(v[0]["severity"], "major");
}

#[test]
fn usage_errors_exit_2() {
    cairn().args(["check", "-C", "/definitely/not/here"]).assert().code(2);
    cairn().args(["check", "--format", "xml"]).assert().code(2);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "cairn.yml", "name: x\nstatusses: []\n");
    let err = cairn().args(["check", "-C"]).arg(dir.path()).assert().code(2).get_output().stderr.clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("cairn.yml:2:1") && err.contains("statusses"), "{err}");
}

/// Every kind of malformed file gets a diagnostic at the right place, in one
/// run, and nothing panics.
#[test]
fn bad_input_of_every_kind() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "tasks/good.md", "---\ntitle: Good\nstatus: ready\n---\n");
    write(r, "tasks/empty.md", "");
    write(r, "tasks/dashes.md", "---");
    write(r, "tasks/unclosed.md", "---\ntitle: x\nstatus: ready\n");
    write(r, "tasks/syntax.md", "---\ntitle: x\nstatus: [ready\n---\n");
    write(r, "tasks/tabs.md", "---\ntitle: x\n\tstatus: ready\n---\n");
    write(r, "tasks/dupkey.md", "---\ntitle: x\nstatus: ready\ntitle: y\n---\n");
    write(r, "tasks/nofm.md", "# Just a heading\n");
    std::fs::write(r.join("tasks/latin1.md"), b"---\ntitle: caf\xe9\nstatus: ready\n---\n").unwrap();
    let mut bomb = String::from("---\ntitle: bomb\nstatus: ready\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut prev = 'a';
    for c in 'b'..='p' {
        bomb.push_str(&format!(
            "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
        ));
        prev = c;
    }
    bomb.push_str("---\n");
    write(r, "tasks/bomb.md", &bomb);
    write(
        r,
        "tasks/deep.md",
        &format!("---\ntitle: deep\nstatus: ready\nx: {}{}\n---\n", "[".repeat(5000), "]".repeat(5000)),
    );
    let big = std::fs::File::create(r.join("tasks/big.md")).unwrap();
    big.set_len(50 * 1024 * 1024).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(r.join("tasks"), r.join("tasks/loop")).unwrap();
        std::os::unix::fs::symlink("/etc", r.join("outside")).unwrap();
    }
    let assert = cairn()
        .args(["check", "--format", "json", "-C"])
        .arg(r)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1);
    let v = json(&assert.get_output().stdout);
    let diags = v["diagnostics"].as_array().unwrap();
    let at = |file: &str| -> (String, u64, u64) {
        let d =
            diags.iter().find(|d| d["file"] == file).unwrap_or_else(|| panic!("no diagnostic for {file}: {diags:#?}"));
        (d["code"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap())
    };
    assert_eq!(at("tasks/empty.md").0, "E001");
    assert_eq!(at("tasks/dashes.md").0, "E002");
    assert_eq!(at("tasks/unclosed.md").0, "E002");
    assert_eq!(at("tasks/nofm.md").0, "E001");
    let (code, line, _) = at("tasks/syntax.md");
    assert_eq!(code, "E003");
    assert!(line >= 3, "syntax error line {line}");
    assert_eq!(at("tasks/tabs.md"), ("E003".into(), 3, 1));
    assert_eq!(at("tasks/dupkey.md"), ("E019".into(), 4, 1));
    assert_eq!(at("tasks/latin1.md"), ("E004".into(), 2, 11));
    assert_eq!(at("tasks/bomb.md").0, "E003");
    assert_eq!(at("tasks/deep.md").0, "E003");
    assert_eq!(at("tasks/big.md").0, "E006");
    #[cfg(unix)]
    {
        assert_eq!(at("tasks/loop").0, "W006");
        assert_eq!(at("outside").0, "W006");
    }
    assert!(!diags.iter().any(|d| d["file"] == "tasks/good.md"));
}

#[test]
fn list_filters_sorts_and_formats() {
    let v = json(
        &cairn()
            .args([
                "list",
                "--format",
                "json",
                "--where",
                "kind == \"story\" and estimate > 3",
                "--sort",
                "estimate:desc,id",
                "-C",
            ])
            .arg(example())
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    let items = v["items"].as_array().unwrap();
    assert!(!items.is_empty());
    let mut last = f64::MAX;
    for it in items {
        assert_eq!(it["kind"], "story");
        let e = it["estimate"].as_f64().unwrap();
        assert!(e > 3.0 && e <= last);
        last = e;
        for key in [
            "id",
            "title",
            "status",
            "status_category",
            "priority",
            "assignee",
            "children",
            "depends_on",
            "blocks",
            "relates_to",
            "duplicated_by",
            "references",
            "referenced_by",
            "path",
            "checklist",
            "acceptance",
            "fields",
        ] {
            assert!(it.get(key).is_some(), "missing {key}");
        }
        assert!(it["assignee"].is_array());
        assert!(it.get("body").is_none());
    }
    let ids = cairn()
        .args(["list", "--format", "ids", "--where", "kind == \"sprint\"", "-C"])
        .arg(example())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8(ids).unwrap(), "2026-s46\n2026-s47\n2026-s48\n");
    let csv = cairn()
        .args(["list", "--format", "csv", "--fields", "id,title", "--limit", "2", "-C"])
        .arg(example())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("id,title\r\n"));
    assert_eq!(csv.lines().count(), 3);
    let v = json(
        &cairn()
            .args(["list", "--format", "json", "--fields", "id,body", "--limit", "1", "-C"])
            .arg(example())
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(v["items"][0].as_object().unwrap().keys().collect::<Vec<_>>(), vec!["id", "body"]);
    let err = cairn()
        .args(["list", "--where", "status ==", "-C"])
        .arg(example())
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(err).unwrap().contains("invalid --where expression"));
    let err =
        cairn().args(["list", "--sort", "priorty", "-C"]).arg(example()).assert().code(2).get_output().stderr.clone();
    assert!(String::from_utf8(err).unwrap().contains("did you mean `priority`"));
}

#[test]
fn show_text_and_json() {
    let v = json(
        &cairn()
            .args(["show", "2026-s47", "--format", "json", "-C"])
            .arg(example())
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(v["id"], "2026-s47");
    assert_eq!(v["kind"], "sprint");
    let dir = broken_backlog();
    let text = cairn().args(["show", "checkout", "-C"]).arg(dir.path()).assert().success().get_output().stdout.clone();
    assert!(String::from_utf8(text).unwrap().starts_with("epic checkout: Checkout\n"));
    let err = cairn().args(["show", "chekout", "-C"]).arg(dir.path()).assert().code(2).get_output().stderr.clone();
    assert!(String::from_utf8(err).unwrap().contains("did you mean `checkout`"));
}

#[test]
fn init_new_and_root_discovery() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("backlog");
    cairn().arg("init").arg(&root).assert().success();
    cairn().arg("init").arg(&root).assert().code(2);
    cairn().args(["check", "-C"]).arg(&root).assert().success();
    // `new` from a subfolder finds the root by cairn.yml.
    let out = cairn()
        .current_dir(root.join("stories"))
        .args([
            "new",
            "story",
            "Export health scores to CSV",
            "--parent",
            "at-risk-accounts-dashboard",
            "--set",
            "estimate=3",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(out).unwrap().trim_end().ends_with("export-health-scores-to-csv.md"));
    let text = std::fs::read_to_string(root.join("stories/export-health-scores-to-csv.md")).unwrap();
    // Keys in canonical order (as `cairn fmt` writes them), the story template as body.
    assert!(
        text.starts_with("---\ntitle: Export health scores to CSV\nstatus: backlog\nestimate: 3\nparent: at-risk-accounts-dashboard\n---\n\nAs a …, I want …, so that ….\n"),
        "{text}"
    );
    // A new item that would not check is refused and nothing is written.
    cairn().args(["new", "story", "Orphan", "--parent", "nowhere", "-C"]).arg(&root).assert().code(1);
    assert!(!root.join("stories/orphan.md").exists());
    cairn().args(["check", "-C"]).arg(&root).assert().success();
}

#[test]
fn explain_codes() {
    let out = cairn().args(["explain", "E012"]).assert().success().get_output().stdout.clone();
    assert!(String::from_utf8(out).unwrap().starts_with("E012 (unknown-status):"));
    cairn().args(["explain", "E999"]).assert().code(2);
}

#[test]
fn version_and_completions() {
    let out = cairn().arg("--version").assert().success().get_output().stdout.clone();
    let v = String::from_utf8(out).unwrap();
    assert!(v.starts_with(&format!("cairn {} (", env!("CARGO_PKG_VERSION"))), "{v}");
    let out = cairn().args(["completions", "bash"]).assert().success().get_output().stdout.clone();
    let s = String::from_utf8(out).unwrap();
    assert!(s.contains("_cairn()") && s.contains("check"), "{s}");
    cairn().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn cancelled_items_may_wait_on_open_work() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "tasks/a.md", "---\ntitle: A\nstatus: in_progress\n---\n");
    write(dir.path(), "tasks/b.md", "---\ntitle: B\nstatus: cancelled\ndepends_on: [a]\n---\n");
    write(dir.path(), "tasks/c.md", "---\ntitle: C\nstatus: done\ndepends_on: [a]\n---\n");
    let v =
        json(&cairn().args(["check", "--format", "json", "-C"]).arg(dir.path()).assert().success().get_output().stdout);
    let ids: Vec<&str> = v["diagnostics"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["c"]);
    assert_eq!(v["diagnostics"][0]["code"], "W001");
}

#[test]
fn the_parse_cache_is_written_outside_ci_only_and_changes_nothing() {
    let dir = broken_backlog();
    let check = |ci: bool| {
        let mut c = cairn();
        if ci {
            c.env("CI", "true");
        } else {
            c.env_remove("CI");
        }
        c.args(["check", "--format", "json", "-C"]).arg(dir.path()).assert().code(1).get_output().stdout.clone()
    };
    let cache = dir.path().join(".cairn-cache/items.bin");
    let in_ci = check(true);
    assert!(!cache.exists(), "CI runs do not write the cache");
    assert_eq!(check(false), in_ci);
    assert!(cache.is_file(), "other runs do");
    assert_eq!(check(false), in_ci, "and read it back to the same result");
    assert_eq!(check(true), in_ci);
}
