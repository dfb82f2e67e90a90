//! `policy:` — who may change which fields of which kinds — judged by
//! `cairn diff` commit by commit, in a repository built here with several
//! authors (emails `<name>@example.com`) and a CODEOWNERS file.

#[path = "support/git.rs"]
mod git;

use std::process::Command;

use serde_json::Value;

const CONFIG: &str = r#"name: Shop
policy:
  - name: owners prioritise
    kinds: [epic, feature]
    fields: [priority]
    allow: [codeowners, "*@pm.example.com"]
  - name: QA closes stories
    kinds: [story]
    transition: { to: done }
    allow: [qa@example.com]
"#;

fn item(kind: &str, title: &str, status: &str, extra: &str) -> String {
    format!("---\nkind: {kind}\ntitle: {title}\nstatus: {status}\n{extra}---\n")
}

fn cairn(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_cairn")).args(args).current_dir(dir).output().expect("cairn runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

#[test]
fn diff_reports_each_change_policy_does_not_allow_on_its_commit() {
    let r = git::Repo::new();
    r.write(".github/CODEOWNERS", "# who owns what\n/backlog/epics/ @ana\n/backlog/features/ @ana @ben\n")
        .write("backlog/cairn.yml", CONFIG)
        .write("backlog/epics/e1.md", &item("epic", "Checkout", "in_progress", "priority: medium\n"))
        .write("backlog/features/f1.md", &item("feature", "Cards", "in_progress", "parent: e1\npriority: low\n"))
        .write("backlog/stories/s1.md", &item("story", "Pay by card", "review", "parent: f1\n"));
    let base = r.commit("Ana", "2026-03-02T10:00:00Z", "base");
    // 1. Ben raises the epic's priority: he does not own epics/ → E041.
    r.write("backlog/epics/e1.md", &item("epic", "Checkout", "in_progress", "priority: high\n"));
    let c1 = r.commit("Ben", "2026-03-03T10:00:00Z", "prioritise checkout");
    // 2. Ben lowers the feature's: he owns features/ → allowed.
    r.write("backlog/features/f1.md", &item("feature", "Cards", "in_progress", "parent: e1\npriority: medium\n"));
    r.commit("Ben", "2026-03-03T11:00:00Z", "feature priority");
    // 3. Ben closes the story: only QA may → E041.
    r.write("backlog/stories/s1.md", &item("story", "Pay by card", "done", "parent: f1\n"));
    let c3 = r.commit("Ben", "2026-03-04T10:00:00Z", "close s1");
    // 4. QA reopens it (not guarded) and 5. closes it again (allowed).
    r.write("backlog/stories/s1.md", &item("story", "Pay by card", "review", "parent: f1\n"));
    r.commit("Qa", "2026-03-04T11:00:00Z", "reopen");
    r.write("backlog/stories/s1.md", &item("story", "Pay by card", "done", "parent: f1\n"));
    r.commit("Qa", "2026-03-04T12:00:00Z", "close again");
    // 6. Ben renames the epic (title is not guarded); Ana sets its priority (she owns epics/).
    r.write("backlog/epics/e1.md", &item("epic", "Checkout v2", "in_progress", "priority: highest\n"));
    r.commit("Ana", "2026-03-05T10:00:00Z", "epic");

    let root = r.path.join("backlog");
    let range = format!("{base}..HEAD");
    let (code, out, err) = cairn(&root, &["diff", &range, "--format", "json"]);
    assert_eq!(code, 1, "{out}{err}");
    let d: Value = serde_json::from_str(&out).expect("json");
    let v: Vec<(String, String, String, String)> = d["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .map(|v| {
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            (s("code"), s("id"), s("file"), s("message"))
        })
        .collect();
    let e1 = (
        "E041".to_string(),
        "e1".to_string(),
        "epics/e1.md".to_string(),
        format!(
            "Ben <ben@example.com> changed `priority` of `e1` in commit {}, which policy `owners prioritise` does not allow them",
            &c1[..12]
        ),
    );
    let s1 = (
        "E041".to_string(),
        "s1".to_string(),
        "stories/s1.md".to_string(),
        format!(
            "Ben <ben@example.com> moved `s1` from `review` to `done` in commit {}, which policy `QA closes stories` does not allow them",
            &c3[..12]
        ),
    );
    assert_eq!(v, [e1, s1]);
    // The violation sits on the field's line on the head side.
    let first = &d["violations"][0];
    assert_eq!((first["line"].as_u64(), first["column"].as_u64()), (Some(5), Some(1)), "{first}");

    // The same in the other formats.
    let (code, md, _) = cairn(&root, &["diff", &range, "--format", "markdown"]);
    assert_eq!(code, 1);
    assert_eq!(md.matches("| error | E041 |").count(), 2, "{md}");
    let (code, text, _) = cairn(&root, &["diff", &range]);
    assert_eq!(code, 1);
    assert_eq!(text.matches("E041").count(), 2, "{text}");

    // Up to commit 2 (both by allowed authors from 2 on): only commit 1's.
    let (_, out, _) = cairn(&root, &["diff", &format!("{c1}..HEAD"), "--format", "json"]);
    let d: Value = serde_json::from_str(&out).expect("json");
    let ids: Vec<&str> = d["violations"].as_array().expect("list").iter().filter_map(|v| v["id"].as_str()).collect();
    assert_eq!(ids, ["s1"]);
}

#[test]
fn bad_policy_rules_are_config_errors_with_hints() {
    let dir = tempfile::tempdir().expect("tmp");
    let cases = [
        (
            "policy: [{ name: p, fields: [priorty], allow: [a@b.c] }]\n",
            "policy rule `p` names unknown field `priorty`; did you mean `priority`?",
        ),
        (
            "policy: [{ name: p, kinds: [stroy], fields: [priority], allow: [a@b.c] }]\n",
            "policy rule `p` names unknown kind `stroy`; did you mean `story`?",
        ),
        (
            "policy: [{ name: p, transition: { to: donne }, allow: [a@b.c] }]\n",
            "policy rule `p`: unknown status `donne` in `transition`; did you mean `done`?",
        ),
        (
            "policy: [{ name: p, allow: [a@b.c] }]\n",
            "policy rule `p` guards nothing: give it `fields` or a `transition`",
        ),
        ("policy: [{ name: p, fields: [title], allow: [] }]\n", "policy rule `p` allows no one"),
        ("policy: [{ name: p, fields: [title], allow: [x], who: y }]\n", "unknown field `who`"),
    ];
    for (config, want) in cases {
        std::fs::write(dir.path().join("cairn.yml"), config).expect("config");
        let (code, out, err) = cairn(dir.path(), &["check"]);
        assert_eq!(code, 2, "{config}: {out}{err}");
        assert!(err.contains(want), "{config}: want `{want}` in\n{err}");
    }
}
