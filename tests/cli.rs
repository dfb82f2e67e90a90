//! The real binary on fixture backlogs: `check` (every reporter, exit
//! codes, bad input of every kind), `list`, `show`, `init`, `new`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

#[path = "support/git.rs"]
mod git_support;

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

/// Without history: "today" for W022 (overdue) would be the date of the
/// last commit of cairn's own repository, which holds the example, so the
/// result would change with every commit to cairn.
#[test]
fn example_backlog_checks_clean() {
    let out =
        cairn().args(["check", "--no-history", "-C"]).arg(example()).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("checked "), "{text}");
    assert!(text.ends_with(" items: 0 errors, 0 warnings\n"), "{text}");
    let v = json(
        &cairn()
            .args(["check", "--no-history", "--format", "json", "-C"])
            .arg(example())
            .assert()
            .success()
            .get_output()
            .stdout,
    );
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

/// `--color always|never` > `NO_COLOR` > `CLICOLOR_FORCE` > `TERM=dumb` >
/// terminal detection (the output here is a pipe: no colour by itself).
#[test]
fn colour_follows_flag_then_environment() {
    let dir = broken_backlog();
    let coloured = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = cairn();
        c.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE").env_remove("TERM");
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.arg("check").args(args).arg("-C").arg(dir.path()).assert().code(1).get_output().clone();
        (out.stdout.contains(&0x1b), out.stderr.contains(&0x1b))
    };
    assert_eq!(coloured(&[], &[]), (false, false));
    assert_eq!(coloured(&[], &[("CLICOLOR_FORCE", "1")]), (true, false));
    assert_eq!(coloured(&[], &[("CLICOLOR_FORCE", "0")]), (false, false));
    assert_eq!(coloured(&[], &[("CLICOLOR_FORCE", "1"), ("TERM", "dumb")]), (true, false));
    assert_eq!(coloured(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]), (false, false));
    assert_eq!(coloured(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]), (false, false));
    assert_eq!(coloured(&["--color", "always"], &[("NO_COLOR", "1"), ("TERM", "dumb")]), (true, false));
    // Messages on stderr follow the same rule.
    let err = cairn()
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .args(["show", "nope", "-C"])
        .arg(dir.path())
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(err.starts_with(b"\x1b["), "{}", String::from_utf8_lossy(&err));
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

/// `--format sarif` is a valid SARIF 2.1.0 log (checked against the
/// official schema, vendored under tests/fixtures/) for GitHub code
/// scanning: every code a rule, results that point at their rule and at
/// the file relative to the git work tree, the same bytes every run.
#[test]
fn sarif_report_is_valid_and_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let root = dir.path().join("backlog");
    write(&root, "stories/at-risk widget.md", "---\nid: w\ntitle: Widget\nstatus: inprogress\n---\n");
    write(&root, "tasks/t1.md", "---\ntitle: T1\nstatus: done\ndepends_on: [t2]\n---\n");
    write(&root, "tasks/t2.md", "---\ntitle: T2\nstatus: backlog\n---\n");
    write(&root, "tasks/dup.md", "---\ntitle: Dup\nstatus: backlog\n---\n");
    write(&root, "bugs/dup.md", "---\ntitle: Dup\nstatus: backlog\n---\n");
    let run = || cairn().args(["check", "--format", "sarif", "-C"]).arg(&root).assert().code(1).get_output().clone();
    let first = run();
    assert_eq!(first.stdout, run().stdout, "deterministic");
    let summary = String::from_utf8_lossy(&first.stderr).into_owned();
    assert!(summary.starts_with("checked ") && summary.ends_with(" items: 2 errors, 1 warning\n"), "{summary}");
    let log = json(&first.stdout);
    let mut schema: Value =
        serde_json::from_str(include_str!("fixtures/sarif-schema-2.1.0.json")).expect("the vendored schema is JSON");
    drop_broken_language_pattern(&mut schema);
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let mut bad = log.clone();
    bad["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&bad), "the schema is really checked");

    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"].as_array().map(Vec::len), Some(1));
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "cairn");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(driver["informationUri"].as_str().is_some_and(|u| u.starts_with("https://")));
    let rules = driver["rules"].as_array().unwrap();
    let explained = |code: &str| {
        String::from_utf8(cairn().args(["explain", code]).assert().success().get_output().stdout.clone()).unwrap()
    };
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        let text = explained(id);
        for part in [&rule["shortDescription"]["text"], &rule["fullDescription"]["text"]] {
            assert!(text.contains(part.as_str().unwrap()), "{id}: {part} not in `cairn explain`");
        }
        assert!(rule["help"]["text"].as_str().unwrap().contains("Example:"), "{id}");
        let level = if id.starts_with('W') { "warning" } else { "error" };
        assert_eq!(rule["defaultConfiguration"]["level"], level, "{id}");
    }
    let results = run["results"].as_array().unwrap();
    let find = |code: &str| results.iter().find(|r| r["ruleId"] == code).unwrap_or_else(|| panic!("no {code}"));
    assert_eq!(results.len(), 3);
    for r in results {
        let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], r["ruleId"]);
    }
    let e012 = find("E012");
    assert_eq!(e012["level"], "error");
    let loc = &e012["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "backlog/stories/at-risk%20widget.md");
    let end = 9 + "inprogress".len() as u64;
    assert_eq!(loc["region"], serde_json::json!({"startLine": 4, "startColumn": 9, "endLine": 4, "endColumn": end}));
    assert_eq!(find("W001")["level"], "warning");
    // The duplicate id names the other file as a related location.
    let e010 = find("E010");
    let uri = |loc: &Value| loc["physicalLocation"]["artifactLocation"]["uri"].as_str().map(str::to_string);
    let mut files: Vec<String> =
        [uri(&e010["locations"][0]), uri(&e010["relatedLocations"][0])].into_iter().flatten().collect();
    files.sort();
    assert_eq!(files, ["backlog/bugs/dup.md", "backlog/tasks/dup.md"]);
}

/// The SARIF 2.1.0 schema (the OASIS one as well) gives the `language`
/// property of runs and tool components a malformed regex, with a stray
/// `]`, that a validator refuses to compile. cairn never writes `language`:
/// the pattern is dropped from the in-memory copy, the vendored file stays
/// as published.
fn drop_broken_language_pattern(v: &mut Value) {
    const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match v {
        Value::Object(map) => {
            if map.get("pattern").and_then(Value::as_str) == Some(BROKEN) {
                map.remove("pattern");
            }
            map.values_mut().for_each(drop_broken_language_pattern);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_broken_language_pattern),
        _ => {}
    }
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
    write(r, "tasks/flow9c9n.md", "---\ntitle: x\nstatus: ready\nlabels: [a,\nb]\n---\n");
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        std::fs::write(r.join("tasks").join(std::ffi::OsStr::from_bytes(b"caf\xe9.md")), "---\ntitle: x\n---\n")
            .unwrap();
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
    assert_eq!(at("tasks/flow9c9n.md"), ("E003".into(), 5, 1));
    #[cfg(unix)]
    {
        assert_eq!(at("tasks/caf\u{fffd}.md").0, "E004");
        let d = diags.iter().find(|d| d["file"] == "tasks/caf\u{fffd}.md").unwrap();
        assert!(d["message"].as_str().unwrap().starts_with("file name is not valid UTF-8"), "{d}");
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
    // Several close ids: the closest three, closest first.
    let dir = tempfile::tempdir().unwrap();
    for id in ["log-in-form", "log-in-page", "log-in-api", "logout", "sign-up"] {
        write(dir.path(), &format!("stories/{id}.md"), "---\ntitle: T\nstatus: backlog\n---\n");
    }
    let err = cairn().args(["show", "login", "-C"]).arg(dir.path()).assert().code(2).get_output().stderr.clone();
    let err = String::from_utf8(err).unwrap();
    assert_eq!(err, "error: no item with id `login`; did you mean `log-in-api`, `log-in-form` or `log-in-page`?\n");
}

#[test]
fn init_new_and_root_discovery() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("backlog");
    cairn().arg("init").arg(&root).assert().success();
    assert_eq!(std::fs::read_to_string(root.join(".gitignore")).unwrap(), "_site/\n.cairn-cache/\n");
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

/// `new --id` takes ids by the format's id rule: nothing is written outside
/// the kind's folder, no folder is created, and the refusal is a usage error.
#[test]
fn new_refuses_ids_that_leave_the_root() {
    let dir = tempfile::tempdir().unwrap();
    // Deep enough that `../../../x` stays inside the temporary folder.
    let root = dir.path().join("a/b/backlog");
    cairn().args(["init", "--bare"]).arg(&root).assert().success();
    let before = walk_all(dir.path());
    for id in ["../../../x", "a/b", "/tmp/x", "..", ".hidden", "x y", "-x"] {
        let out = cairn().args(["new", "task", "Escape", &format!("--id={id}"), "-C"]).arg(&root).assert().code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(err.contains(&format!("invalid id `{id}`")) && err.contains("ids are slugs"), "{id}: {err}");
        assert_eq!(walk_all(dir.path()), before, "{id}: nothing written");
    }
    // A valid id is still taken as given.
    let out = cairn().args(["new", "task", "Fine", "--id", "T-1.a_b", "-C"]).arg(&root).assert().success();
    assert!(String::from_utf8_lossy(&out.get_output().stdout).trim_end().ends_with("tasks/T-1.a_b.md"));
    assert!(root.join("tasks/T-1.a_b.md").is_file());
}

/// Every path below `dir`, sorted.
fn walk_all(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out.sort();
    out
}

/// From the top of a repository whose backlog is in `backlog/`, every
/// item is "of unknown kind" (E014): one note says where cairn.yml is and
/// what to pass. Not with `-q`, and not when the root has a cairn.yml.
#[test]
fn a_backlog_in_a_subfolder_is_pointed_at() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path();
    cairn().arg("init").arg(top.join("backlog")).assert().success();
    let out = cairn().current_dir(top).arg("check").assert().code(1).get_output().clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr,
        "note: no cairn.yml in this folder, but found `backlog/cairn.yml`: if the backlog is there, pass `-C backlog`\n"
    );
    assert!(String::from_utf8(out.stdout).unwrap().contains("error[E014]"));
    // Two levels down, with the root given by -C: the path to pass is
    // relative to the current folder.
    let product = top.join("product");
    std::fs::create_dir(&product).unwrap();
    std::fs::rename(top.join("backlog"), product.join("plan")).unwrap();
    let out =
        cairn().current_dir(top).args(["list", "--format", "ids", "-C", "."]).assert().success().get_output().clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.ends_with("found `product/plan/cairn.yml`: if the backlog is there, pass `-C product/plan`\n"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("note:").count(), 1);
    cairn().current_dir(top).args(["check", "-q"]).assert().code(1).stderr("");
    cairn().current_dir(product.join("plan")).arg("check").assert().success().stderr("");
}

#[test]
fn explain_codes() {
    let out = cairn().args(["explain", "w008"]).assert().success().get_output().stdout.clone();
    assert!(String::from_utf8(out).unwrap().starts_with("W008 yaml-tag-ignored: YAML tag ignored\n"));
    let out = cairn().args(["explain", "W012"]).assert().success().get_output().stdout.clone();
    assert!(String::from_utf8(out).unwrap().starts_with("W012 unreadable-object: Unreadable git object\n"));
    cairn().args(["explain", "E999"]).assert().code(2);
    let out = cairn().args(["explain", "e012"]).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("E012 unknown-status: Unknown status\n\nThe status is not one of"), "{text}");
    assert!(
        text.contains("\nExample:\n\n  # stories/log-in.md\n  ---\n  title: Log in\n  status: inprogress\n  ---\n"),
        "{text}"
    );
    assert!(text.contains("\nHow to fix it:\n\n  Use one of the statuses"), "{text}");
    // Without a code: one line per code.
    let out = cairn().arg("explain").assert().success().get_output().stdout.clone();
    let list = String::from_utf8(out).unwrap();
    assert!(list.lines().any(|l| l.starts_with("E012  unknown-status ") && l.ends_with("  Unknown status")), "{list}");
    assert!(list.lines().count() > 40 && list.lines().all(|l| l.starts_with('E') || l.starts_with('W')), "{list}");
    let err = cairn().args(["explain", "E12"]).assert().code(2).get_output().stderr.clone();
    assert!(String::from_utf8(err).unwrap().contains("unknown diagnostic code `E12`; did you mean `E012`?"));
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

/// `cairn man DIR` writes cairn.1 and one page per subcommand, each a
/// roff page about its command.
#[test]
fn man_writes_a_page_per_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("man/man1");
    let out = cairn().arg("man").arg(&out_dir).assert().success().get_output().stdout.clone();
    let cmd = <cairn::cli::Cli as clap::CommandFactory>::command();
    let subcommands: Vec<String> =
        cmd.get_subcommands().filter(|s| !s.is_hide_set()).map(|s| s.get_name().to_string()).collect();
    assert!(subcommands.len() > 15 && subcommands.iter().any(|s| s == "man"), "{subcommands:?}");
    // Nested subcommands (`cairn proposal apply`) get their own page too.
    let mut expected: Vec<String> = Vec::new();
    for s in cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        expected.push(format!("cairn-{}.1", s.get_name()));
        for n in s.get_subcommands().filter(|n| !n.is_hide_set() && n.get_name() != "help") {
            expected.push(format!("cairn-{}-{}.1", s.get_name(), n.get_name()));
        }
    }
    expected.push("cairn.1".into());
    expected.sort();
    let mut files: Vec<String> =
        std::fs::read_dir(&out_dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(files, expected);
    assert_eq!(String::from_utf8(out).unwrap().lines().count(), expected.len());
    let main = std::fs::read_to_string(out_dir.join("cairn.1")).unwrap();
    assert!(main.starts_with(".ie \\n(.g .ds Aq \\(aq") || main.contains(".TH cairn 1"), "{main}");
    assert!(main.contains(".TH cairn 1") && main.contains("cairn\\-check(1)"), "{main}");
    let check = std::fs::read_to_string(out_dir.join("cairn-check.1")).unwrap();
    let title = format!(".TH cairn-check 1 {} cairn \"User Commands\"\n", env!("CARGO_PKG_VERSION"));
    assert!(check.contains(&title) && check.contains("sarif"), "{check}");
    // Again over the same folder: the pages are replaced, nothing else left.
    cairn().arg("man").arg(&out_dir).assert().success();
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), expected.len());
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

/// `check` in a folder without item files (empty, or only a cairn.yml)
/// writes nothing: no `.cairn-cache/`.
#[test]
fn check_in_an_empty_folder_writes_no_cache() {
    let dir = tempfile::tempdir().unwrap();
    let check = || cairn().env_remove("CI").env_remove("CAIRN_NO_CACHE").args(["check", "-C"]).arg(dir.path()).assert();
    check().success();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "the empty folder stays empty");
    write(dir.path(), "cairn.yml", "name: x\n");
    write(dir.path(), "notes/readme.txt", "not an item\n");
    check().success();
    assert!(!dir.path().join(".cairn-cache").exists(), "no items, no cache");
    // With an item, the cache is written (as before).
    write(dir.path(), "tasks/a.md", "---\ntitle: A\nstatus: ready\n---\n");
    check().success();
    assert!(dir.path().join(".cairn-cache/items.bin").is_file());
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

/// `cairn burndown` without a sprint: the sprint under way on the HEAD
/// commit's date (or `--today`); none or several: an error naming them.
#[test]
fn burndown_defaults_to_the_sprint_under_way() {
    let r = git_support::Repo::new();
    r.write("sprints/s1.md", "---\ntitle: Sprint 1\nstart: 2024-03-04\nend: 2024-03-08\n---\n");
    r.write("sprints/s2.md", "---\ntitle: Sprint 2\nstart: 2024-03-11\nend: 2024-03-15\n---\n");
    r.write("stories/a.md", "---\ntitle: A\nstatus: ready\nestimate: 3\nsprint: s2\n---\n");
    r.commit("Ana", "2024-03-01T12:00:00Z", "plan");
    r.write("stories/a.md", "---\ntitle: A\nstatus: done\nestimate: 3\nsprint: s2\n---\n");
    r.commit("Ana", "2024-03-12T10:00:00Z", "a done");
    let run = |args: &[&str]| cairn().current_dir(&r.path).arg("burndown").args(args).output().unwrap();
    let named = run(&["s2", "--format", "json"]);
    assert!(named.status.success(), "{}", String::from_utf8_lossy(&named.stderr));
    let default = run(&["--format", "json"]);
    assert!(default.status.success(), "{}", String::from_utf8_lossy(&default.stderr));
    assert_eq!(default.stdout, named.stdout);
    assert_eq!(json(&default.stdout)["sprint"], "s2");
    // On the last day of s1 (inclusive), s1.
    assert_eq!(json(&run(&["--format", "json", "--today", "2024-03-08"]).stdout)["sprint"], "s1");
    // Between sprints: no sprint is under way; the error lists them, latest first.
    let none = run(&["--today", "2024-03-09"]);
    assert_eq!(none.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&none.stderr),
        "error: no sprint is under way on 2024-03-09; name one: `cairn burndown SPRINT` (sprints: s2 (2024-03-11 to 2024-03-15, planned), s1 (2024-03-04 to 2024-03-08, closed))\n"
    );
    // Two sprints at once: name one.
    r.write("sprints/s3.md", "---\ntitle: Sprint 3\nstart: 2024-03-12\nend: 2024-03-20\n---\n");
    r.commit("Ana", "2024-03-12T11:00:00Z", "overlapping sprint");
    let both = run(&[]);
    assert_eq!(both.status.code(), Some(2));
    let err = String::from_utf8_lossy(&both.stderr);
    assert!(err.starts_with("error: 2 sprints are under way on 2024-03-12; name one"), "{err}");
    assert!(err.contains("s2 (2024-03-11 to 2024-03-15, active), s3 (2024-03-12 to 2024-03-20, active)"), "{err}");
    // An unknown sprint: the close one, or the list.
    let err = run(&["s22"]).stderr;
    assert_eq!(String::from_utf8_lossy(&err), "error: unknown sprint `s22`; did you mean `s2`?\n");
    let err = run(&["x"]).stderr;
    assert!(String::from_utf8_lossy(&err).starts_with("error: unknown sprint `x` (sprints: s3 (2024-03-12 to"));
}

/// "an epic", not "a epic"; "1 warning", "1 story", "1 day", not "1
/// warnings", "1 story" for many, "1 days".
#[test]
fn messages_use_articles_and_number() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "epics/accounts.md", "---\ntitle: Accounts\nstatus: backlog\n---\n");
    write(r, "tasks/form.md", "---\ntitle: Form\nstatus: backlog\nparent: accounts\nsprint: accounts\n---\n");
    write(r, "stories/a.md", "---\ntitle: A\nstatus: in_progress\ndepends_on: [b]\n---\n");
    write(r, "stories/b.md", "---\ntitle: B\nstatus: backlog\n---\n");
    let v = json(&cairn().args(["check", "--format", "json", "-C"]).arg(r).assert().code(1).get_output().stdout);
    let messages: Vec<&str> =
        v["diagnostics"].as_array().unwrap().iter().filter_map(|d| d["message"].as_str()).collect();
    assert!(messages.contains(&"the parent of a task must be a story or a bug; `accounts` is an epic"), "{messages:?}");
    assert!(messages.contains(&"`accounts` is an epic, not a sprint"), "{messages:?}");
    let human = cairn().args(["check", "-C"]).arg(r).assert().code(1).get_output().stdout.clone();
    assert!(String::from_utf8(human).unwrap().ends_with("checked 4 items: 2 errors, 1 warning\n"));
    let text = cairn().args(["show", "b", "-C"]).arg(r).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("impact: 1 open item waits on this (1 story)\n"), "{text}");
    let text = cairn().args(["impact", "b", "-C"]).arg(r).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(text).unwrap();
    assert!(text.starts_with("if b slips, 1 item slips: 1 story\n"), "{text}");
    assert!(!text.contains(" 1 days"), "{text}");
}
