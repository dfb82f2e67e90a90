//! cairn packaged for CI: the GitHub Action (`action.yml` and its scripts,
//! run here with a fake event file and `GITHUB_*` variables, the comment
//! step in dry-run mode), the GitLab template and the pre-commit hooks.

#[path = "support/git.rs"]
mod git;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

fn repo_file(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn yaml(rel: &str) -> Value {
    let text = std::fs::read_to_string(repo_file(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The folder of the `cairn` binary under test, first on a PATH.
fn path_with_cairn() -> String {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_cairn"));
    let dir = bin.parent().expect("bin dir").display().to_string();
    format!("{dir}:{}", std::env::var("PATH").unwrap_or_default())
}

fn bash(script: &str, env: &[(&str, &str)], cwd: &Path) -> Output {
    let mut c = Command::new("bash");
    c.arg(repo_file(script)).current_dir(cwd).env("PATH", path_with_cairn());
    for k in ["GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_PATH", "CAIRN_ACTION_DRY_RUN", "GITHUB_EVENT_PATH"] {
        c.env_remove(k);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("bash runs")
}

/// Borrowed `(name, value)` pairs of an owned environment.
fn pairs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

const STORY: &str = "---\nkind: story\ntitle: Login\nstatus: ready\n---\n";

/// A backlog in `backlog/` with two commits: base (one story) and head
/// (its status moved, a second story, and `extra` files).
fn pull_request(extra: &[(&str, &str)]) -> (git::Repo, String, String) {
    let r = git::Repo::new();
    r.write("backlog/cairn.yml", "name: Shop\n").write("backlog/stories/login.md", STORY);
    let base = r.commit("Ana", "2026-03-02T10:00:00Z", "base");
    r.write("backlog/stories/login.md", &STORY.replace("ready", "in_progress"))
        .write("backlog/stories/logout.md", "---\nkind: story\ntitle: Logout\nstatus: ready\n---\n");
    for (p, t) in extra {
        r.write(p, t);
    }
    let head = r.commit("Ben", "2026-03-03T10:00:00Z", "head");
    (r, base, head)
}

fn event(dir: &Path, number: u64, base: &str, head: &str) -> PathBuf {
    let p = dir.join("event.json");
    let v = json!({
        "action": "synchronize",
        "number": number,
        "pull_request": {"number": number, "base": {"sha": base, "ref": "main"}, "head": {"sha": head, "ref": "login"}},
        "repository": {"full_name": "acme/shop"}
    });
    std::fs::write(&p, v.to_string()).expect("event");
    p
}

fn requests(file: &Path) -> Vec<Value> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON request a line"))
        .collect()
}

fn cairn_diff(root: &Path, range: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["diff", "-C"])
        .arg(root)
        .args([range, "--format", "markdown"])
        .output()
        .expect("cairn diff");
    String::from_utf8(o.stdout).expect("utf-8")
}

#[test]
fn the_comment_step_creates_then_updates_one_comment_with_the_backlog_diff() {
    let (r, base, head) = pull_request(&[]);
    let tmp = tempfile::tempdir().expect("tmp");
    let ev = event(tmp.path(), 7, &base, &head);
    let dry = tmp.path().join("requests.jsonl");
    let output = tmp.path().join("output");
    let summary = tmp.path().join("summary.md");
    let env = |existing: &str| -> Vec<(&'static str, String)> {
        vec![
            ("GITHUB_EVENT_PATH", ev.to_str().expect("path").to_string()),
            ("GITHUB_REPOSITORY", "acme/shop".to_string()),
            ("CAIRN_ROOT", "backlog".to_string()),
            ("CAIRN_ACTION_DRY_RUN", dry.to_str().expect("path").to_string()),
            ("CAIRN_ACTION_EXISTING_COMMENT", existing.to_string()),
            ("GITHUB_OUTPUT", output.to_str().expect("path").to_string()),
            ("GITHUB_STEP_SUMMARY", summary.to_str().expect("path").to_string()),
            ("RUNNER_TEMP", tmp.path().to_str().expect("path").to_string()),
        ]
    };
    let first = env("");
    let o = bash("ci/github/pr-comment.sh", &pairs(&first), &r.path);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let diff = cairn_diff(&r.path.join("backlog"), &format!("{base}..{head}"));
    assert!(diff.contains("Logout") && diff.contains("in_progress"), "{diff}");
    let want_body = format!("<!-- cairn-diff -->\n{diff}");
    let reqs = requests(&dry);
    assert_eq!(reqs, [json!({"method": "POST", "path": "repos/acme/shop/issues/7/comments", "body": want_body})]);
    let out = std::fs::read_to_string(&output).expect("GITHUB_OUTPUT");
    let md = tmp.path().join("cairn-diff-7.md");
    assert_eq!(out, format!("file={}\n", md.display()));
    assert_eq!(std::fs::read_to_string(&md).expect("diff file"), want_body);
    assert_eq!(std::fs::read_to_string(&summary).expect("summary"), diff, "the summary has no marker");

    // The next push: the comment made before is updated, not a second one.
    let second = env("4242");
    let o = bash("ci/github/pr-comment.sh", &pairs(&second), &r.path);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let reqs = requests(&dry);
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1], json!({"method": "PATCH", "path": "repos/acme/shop/issues/comments/4242", "body": want_body}));
}

#[test]
fn a_change_that_breaks_the_backlog_is_commented_and_fails_the_step() {
    let bad = "---\nkind: story\ntitle: Orphan\nstatus: ready\nparent: no-such-feature\n---\n";
    let (r, base, head) = pull_request(&[("backlog/stories/orphan.md", bad)]);
    let tmp = tempfile::tempdir().expect("tmp");
    let ev = event(tmp.path(), 9, &base, &head);
    let dry = tmp.path().join("requests.jsonl");
    let env = [
        ("GITHUB_EVENT_PATH", ev.to_str().expect("path")),
        ("GITHUB_REPOSITORY", "acme/shop"),
        ("CAIRN_ROOT", "backlog"),
        ("CAIRN_ACTION_DRY_RUN", dry.to_str().expect("path")),
        ("RUNNER_TEMP", tmp.path().to_str().expect("path")),
    ];
    let o = bash("ci/github/pr-comment.sh", &env, &r.path);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let reqs = requests(&dry);
    assert_eq!(reqs.len(), 1, "the comment is posted before the step fails");
    let body = reqs[0]["body"].as_str().expect("body");
    assert!(body.starts_with("<!-- cairn-diff -->\n❌ **cairn diff**"), "{body}");
    assert!(body.contains("no-such-feature"), "{body}");
}

#[test]
fn a_payload_that_is_not_a_pull_request_is_a_clear_error() {
    let (r, _, _) = pull_request(&[]);
    let tmp = tempfile::tempdir().expect("tmp");
    let ev = tmp.path().join("push.json");
    std::fs::write(&ev, r#"{"ref": "refs/heads/main", "after": "abc"}"#).expect("event");
    let dry = tmp.path().join("requests.jsonl");
    let env = [
        ("GITHUB_EVENT_PATH", ev.to_str().expect("path")),
        ("GITHUB_REPOSITORY", "acme/shop"),
        ("CAIRN_ACTION_DRY_RUN", dry.to_str().expect("path")),
    ];
    let o = bash("ci/github/pr-comment.sh", &env, &r.path);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("not a pull_request event payload") && err.contains("pull_request"), "{err}");
    assert!(requests(&dry).is_empty());
}

#[test]
fn the_install_step_puts_a_given_binary_on_the_path() {
    let tmp = tempfile::tempdir().expect("tmp");
    let gh_path = tmp.path().join("path");
    let bin = env!("CARGO_BIN_EXE_cairn");
    let env = [("CAIRN_BIN", bin), ("GITHUB_PATH", gh_path.to_str().expect("path"))];
    let o = bash("ci/github/install.sh", &env, tmp.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dir = Path::new(bin).parent().expect("dir").canonicalize().expect("canonical");
    assert_eq!(std::fs::read_to_string(&gh_path).expect("GITHUB_PATH"), format!("{}\n", dir.display()));
    let not_exe = tmp.path().join("cairn.txt");
    std::fs::write(&not_exe, "").expect("file");
    let env = [("CAIRN_BIN", not_exe.to_str().expect("path")), ("GITHUB_PATH", gh_path.to_str().expect("path"))];
    let o = bash("ci/github/install.sh", &env, tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stdout).contains("is not an executable file"));
}

/// Every `${{ inputs.X }}` names a declared input; every script a step
/// runs exists and parses (`bash -n`), and so does every `run:` block.
#[test]
fn the_action_is_consistent() {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    let declared: BTreeSet<String> = action["inputs"].as_object().expect("inputs").keys().cloned().collect();
    let text = std::fs::read_to_string(repo_file("action.yml")).expect("action.yml");
    let mut used = BTreeSet::new();
    for part in text.split("inputs.").skip(1) {
        let name: String = part.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
        used.insert(name);
    }
    let undeclared: Vec<_> = used.difference(&declared).collect();
    assert!(undeclared.is_empty(), "used but not declared: {undeclared:?}");
    let steps = action["runs"]["steps"].as_array().expect("steps");
    let mut scripts = 0;
    for s in steps {
        let Some(run) = s["run"].as_str() else { continue };
        assert_eq!(s["shell"], "bash", "{s}");
        // `${{ … }}` expressions are GitHub's: stand-ins for `bash -n`.
        let plain =
            run.split("${{").map(|p| p.split_once("}}").map_or(p, |(_, rest)| rest)).collect::<Vec<_>>().join("X");
        let o = Command::new("bash").args(["-n", "-c", &plain]).output().expect("bash");
        assert!(o.status.success(), "{run}: {}", String::from_utf8_lossy(&o.stderr));
        if let Some(script) = run.split("$GITHUB_ACTION_PATH/").nth(1) {
            let script = script.trim_end_matches(|c: char| c == '"' || c.is_whitespace());
            let p = repo_file(script);
            assert!(p.is_file(), "{script}");
            let o = Command::new("bash").arg("-n").arg(&p).output().expect("bash");
            assert!(o.status.success(), "{script}: {}", String::from_utf8_lossy(&o.stderr));
            scripts += 1;
        }
    }
    assert_eq!(scripts, 2, "install and pr-comment");
}

/// The hooks' commands pass on a clean backlog and fail on a broken one.
#[test]
fn the_pre_commit_hooks_run_cairn() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_array().expect("a list of hooks");
    let ids: Vec<&str> = hooks.iter().filter_map(|h| h["id"].as_str()).collect();
    assert_eq!(ids, ["cairn-check", "cairn-fmt"]);
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("cairn.yml"), "name: Shop\n").expect("config");
    std::fs::create_dir(dir.path().join("stories")).expect("mkdir");
    std::fs::write(dir.path().join("stories/login.md"), STORY).expect("story");
    let run = |entry: &str| {
        let mut words = entry.split_whitespace();
        assert_eq!(words.next(), Some("cairn"));
        Command::new(env!("CARGO_BIN_EXE_cairn")).args(words).current_dir(dir.path()).output().expect("runs")
    };
    for h in hooks {
        assert_eq!(h["pass_filenames"], false, "{h}");
        let o = run(h["entry"].as_str().expect("entry"));
        assert!(o.status.success(), "{h}: {}", String::from_utf8_lossy(&o.stderr));
    }
    // Out of canonical form, and a broken reference: each hook fails.
    std::fs::write(dir.path().join("stories/login.md"), STORY.replace("title: Login", "title: \"Login\"")).expect("w");
    std::fs::write(dir.path().join("stories/bad.md"), "---\nkind: story\ntitle: Bad\nparent: nope\n---\n").expect("w");
    for h in hooks {
        let o = run(h["entry"].as_str().expect("entry"));
        assert_eq!(o.status.code(), Some(1), "{h}");
    }
}

/// The GitLab template's jobs: check writes a Code Quality report (a JSON
/// array), diff runs on merge requests, pages publishes `public/`.
#[test]
fn the_gitlab_template_has_its_jobs() {
    let t = yaml("ci/gitlab/cairn.gitlab-ci.yml");
    let script = |job: &str| -> String {
        t[job]["script"]
            .as_array()
            .unwrap_or_else(|| panic!("{job} has a script"))
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(script("cairn:check").contains("--format gitlab > gl-code-quality-report.json"));
    assert_eq!(t["cairn:check"]["artifacts"]["reports"]["codequality"], "gl-code-quality-report.json");
    assert!(script("cairn:diff").contains("$CI_MERGE_REQUEST_DIFF_BASE_SHA..$CI_COMMIT_SHA"));
    assert!(script("pages").contains("--out \"$CI_PROJECT_DIR/public\""));
    assert_eq!(t["pages"]["artifacts"]["paths"], json!(["public"]));
    for job in ["cairn:check", "cairn:diff", "pages"] {
        assert_eq!(t[job]["extends"], ".cairn");
    }
    // The report the check job writes is what GitLab reads: a JSON array.
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("bad.md"), "---\nkind: story\ntitle: Bad\nparent: nope\n---\n").expect("w");
    let o = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["check", "--format", "gitlab"])
        .current_dir(dir.path())
        .output()
        .expect("runs");
    let report: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(report.as_array().is_some_and(|a| !a.is_empty()), "{report}");
}
