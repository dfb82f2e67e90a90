//! `cairn plan` and `cairn proposal` end to end: the patch (checked with
//! `git apply` too), `--apply` then `check`, proposals applied, refused when
//! stale, rejected; and a property test of the planner on random backlogs.

#[path = "support/git.rs"]
mod git_support;

use std::path::Path;

use git_support::Repo;
use proptest::prelude::*;
use serde_json::Value;

fn git_env(home: &Path) -> Vec<(String, String)> {
    let h = home.display().to_string();
    vec![
        ("HOME".into(), h.clone()),
        ("XDG_CONFIG_HOME".into(), h),
        ("GIT_CONFIG_NOSYSTEM".into(), "1".into()),
        ("GIT_CONFIG_GLOBAL".into(), "/dev/null".into()),
        ("NO_COLOR".into(), "1".into()),
    ]
}

fn cairn(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut c = assert_cmd::Command::cargo_bin("cairn").expect("binary");
    c.current_dir(dir).args(args);
    for (k, v) in git_env(dir) {
        c.env(k, v);
    }
    let o = c.output().expect("runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

const A: &str = "---\ntitle: A\nstatus: ready\npriority: high\nestimate: 3\n---\n";
const B: &str = "---\ntitle: B\nstatus: ready\nestimate: 2\ndepends_on: [a]\n---\n";
const C: &str = "---\ntitle: C\nstatus: ready\nestimate: 3\n---\n";
const D: &str = "---\ntitle: D\nstatus: ready\n---\n";
const T1: &str = "2026-03-01T09:00:00Z";

/// Capacity 6. a (high, 3) first: 3 left. b (2, waits on a, critical:
/// slack 0) before c (3, slack 2): 1 left. c does not fit; d has no estimate.
fn fixture() -> Repo {
    let repo = Repo::new();
    repo.write("cairn.yml", "")
        .write("sprints/s1.md", "---\ntitle: Sprint 1\nstart: 2026-03-02\nend: 2026-03-13\ncapacity: 6\n---\n")
        .write("tasks/a.md", A)
        .write("tasks/b.md", B)
        .write("tasks/c.md", C)
        .write("tasks/d.md", D);
    repo.commit("Ana", T1, "backlog");
    repo
}

fn read(repo: &Repo, rel: &str) -> String {
    std::fs::read_to_string(repo.path.join(rel)).unwrap_or_default()
}

#[test]
fn json_picks_and_skips_with_reasons() {
    let repo = fixture();
    let (code, out, err) = cairn(&repo.path, &["plan", "s1", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    let keys: Vec<&str> = v.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(keys, vec!["sprint", "mode", "capacity", "already", "picked", "skipped", "cycles", "notes"]);
    assert_eq!(v["mode"], "total");
    let ids = |k: &str| v[k].as_array().expect("array").iter().map(|x| x["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids("picked"), vec!["a", "b"]);
    assert_eq!(ids("skipped"), vec!["c", "d"]);
    assert_eq!(v["skipped"][0]["code"], "does_not_fit");
    assert_eq!(v["skipped"][0]["reason"], "skipped c: 3 pts does not fit the 1 left");
    assert_eq!(v["skipped"][1]["code"], "unestimated");
    assert_eq!(v["picked"][0]["reason"], "picked a: priority high, unblocks 1 (b), slack 0 days, 3 pts, 3 of 6 left");
    assert_eq!(v["picked"][1]["left"], 1);
    let cap = &v["capacity"];
    assert_eq!((cap["total"].clone(), cap["planned"].clone(), cap["left"].clone()), (6.into(), 5.into(), 1.into()));
    // Deterministic: the same bytes again.
    assert_eq!(cairn(&repo.path, &["plan", "s1", "--format", "json"]).1, out);
}

#[test]
fn patch_is_a_unified_diff_that_git_applies_and_apply_writes_the_same() {
    let repo = fixture();
    let (code, patch, err) = cairn(&repo.path, &["plan", "s1", "--format", "patch"]);
    assert_eq!(code, 0, "{err}");
    // `sprint` goes where the format's key order puts it: after `estimate`,
    // before `depends_on`; three lines of context where there are three.
    let want = "--- a/tasks/a.md\n+++ b/tasks/a.md\n@@ -3,4 +3,5 @@\n status: ready\n priority: high\n estimate: 3\n+sprint: s1\n ---\n\
                --- a/tasks/b.md\n+++ b/tasks/b.md\n@@ -2,5 +2,6 @@\n title: B\n status: ready\n estimate: 2\n+sprint: s1\n depends_on: [a]\n ---\n";
    assert_eq!(patch, want);
    std::fs::write(repo.path.join("plan.patch"), &patch).expect("write");
    repo.git(&["apply", "plan.patch"]);
    let by_git = (read(&repo, "tasks/a.md"), read(&repo, "tasks/b.md"));
    repo.git(&["checkout", "--", "tasks"]);
    std::fs::remove_file(repo.path.join("plan.patch")).expect("rm");
    let (code, _, err) = cairn(&repo.path, &["plan", "s1", "--apply"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!((read(&repo, "tasks/a.md"), read(&repo, "tasks/b.md")), by_git);
    assert_eq!(read(&repo, "tasks/c.md"), C);
    let (code, _, err) = cairn(&repo.path, &["check"]);
    assert_eq!(code, 0, "{err}");
    // Planned again: a and b are in the sprint (5 of 6); c still does not fit.
    let (_, out, _) = cairn(&repo.path, &["plan", "s1", "--format", "json"]);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["picked"], serde_json::json!([]));
    assert_eq!(v["capacity"]["already"], 5);
    assert_eq!(cairn(&repo.path, &["plan", "s1", "--format", "patch"]).1, "");
}

#[test]
fn bad_sprints_exit_2_with_what_to_do() {
    let repo = fixture();
    repo.write("sprints/s2.md", "---\ntitle: Sprint 2\ncapacity: 4\n---\n");
    let (code, _, err) = cairn(&repo.path, &["plan", "s-1"]);
    assert_eq!(code, 2);
    assert!(err.contains("no sprint `s-1`; did you mean `s1`?"), "{err}");
    let (code, _, err) = cairn(&repo.path, &["plan", "s2"]);
    assert_eq!(code, 2);
    assert!(err.contains("add `start: YYYY-MM-DD` and `end: YYYY-MM-DD` to sprints/s2.md"), "{err}");
    let (code, _, err) = cairn(&repo.path, &["plan", "s1", "--commit"]);
    assert_eq!(code, 2, "{err}");
}

fn propose(repo: &Repo) -> String {
    let (code, out, err) = cairn(&repo.path, &["plan", "s1", "--propose"]);
    assert_eq!(code, 0, "{err}");
    let path = out.trim().to_string();
    assert!(path.starts_with("proposals/plan-s1-") && path.ends_with(".md"), "{path}");
    path
}

fn front(text: &str, key: &str) -> Option<String> {
    let fm = text.split("---\n").nth(1)?;
    fm.lines().find_map(|l| l.strip_prefix(&format!("{key}: ")).map(str::to_string))
}

#[test]
fn propose_then_apply() {
    let repo = fixture();
    let path = propose(&repo);
    let id = path.trim_start_matches("proposals/").trim_end_matches(".md").to_string();
    let text = read(&repo, &path);
    // created is HEAD's time, not the clock; nothing else was written.
    assert_eq!(front(&text, "created").as_deref(), Some(T1));
    assert_eq!(front(&text, "status").as_deref(), Some("open"));
    assert_eq!(front(&text, "source").as_deref(), Some("plan"));
    assert!(text.contains("## What\n\nPut 2 items into sprint s1 (Sprint 1, 2026-03-02 to 2026-03-13): a, b.\n"));
    assert!(text.contains("- skipped c: 3 pts does not fit the 1 left\n"), "{text}");
    assert!(text.contains("```diff\n--- a/tasks/a.md\n"), "{text}");
    assert_eq!(read(&repo, "tasks/a.md"), A);
    // The proposal is not an item: check sees the same 5 items.
    let (code, out, err) = cairn(&repo.path, &["check", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(serde_json::from_str::<Value>(&out).expect("json")["items"], 5, "{out}");
    let (_, out, _) = cairn(&repo.path, &["proposal", "list"]);
    assert_eq!(out, format!("{id}  open  Plan sprint s1: 2 items, 5 pts\n"));
    // The same plan proposed twice: refused, one file.
    let (code, _, err) = cairn(&repo.path, &["plan", "s1", "--propose"]);
    assert_eq!(code, 1);
    assert!(err.contains("already exists"), "{err}");

    let before = repo.git(&["rev-list", "--count", "HEAD"]);
    let (code, out, err) = cairn(&repo.path, &["proposal", "apply", &id, "--commit"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, format!("{path}\ntasks/a.md\ntasks/b.md\n"));
    assert!(read(&repo, "tasks/a.md").contains("sprint: s1\n"));
    assert!(read(&repo, "tasks/b.md").contains("sprint: s1\n"));
    assert_eq!(read(&repo, "tasks/c.md"), C);
    assert_eq!(front(&read(&repo, &path), "status").as_deref(), Some("applied"));
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]), (before.parse::<u32>().unwrap() + 1).to_string());
    let files = repo.git(&["show", "--name-only", "--format=%s", "HEAD"]);
    assert_eq!(files, format!("cairn: apply proposal {id}\n\n{path}\ntasks/a.md\ntasks/b.md"));
    assert_eq!(cairn(&repo.path, &["check"]).0, 0);
    // Applied once only.
    let (code, _, err) = cairn(&repo.path, &["proposal", "apply", &id]);
    assert_eq!(code, 1);
    assert!(err.contains("is already applied"), "{err}");
}

#[test]
fn a_stale_proposal_is_refused_and_nothing_is_written() {
    let repo = fixture();
    let path = propose(&repo);
    let id = path.trim_start_matches("proposals/").trim_end_matches(".md").to_string();
    let changed = A.replace("title: A", "title: A, renamed");
    repo.write("tasks/a.md", &changed);
    let proposal = read(&repo, &path);
    let (code, out, err) = cairn(&repo.path, &["proposal", "apply", &id]);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert!(err.contains(&format!("proposal `{id}` is stale: tasks/a.md changed since it was made")), "{err}");
    assert_eq!(read(&repo, "tasks/a.md"), changed);
    assert_eq!(read(&repo, "tasks/b.md"), B);
    assert_eq!(read(&repo, &path), proposal);
    // A base path that leaves the root is never read: stale.
    repo.write("tasks/a.md", A);
    let outside = proposal.replacen("\"tasks/a.md\": \"", "\"../a.md\": \"", 1);
    assert_ne!(outside, proposal);
    repo.write(&path, &outside);
    let (code, _, err) = cairn(&repo.path, &["proposal", "apply", &id]);
    assert_eq!(code, 1);
    assert!(err.contains("is stale: ../a.md changed since it was made"), "{err}");
    assert_eq!(read(&repo, "tasks/b.md"), B);
}

#[test]
fn reject_records_status_and_reason() {
    let repo = fixture();
    let path = propose(&repo);
    let id = path.trim_start_matches("proposals/").trim_end_matches(".md").to_string();
    let (code, _, err) =
        cairn(&repo.path, &["proposal", "reject", &id, "--reason", "c first: the customer asked", "--commit"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = cairn(&repo.path, &["proposal", "show", &id, "--format", "json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!((v["status"].clone(), v["reason"].clone()), ("rejected".into(), "c first: the customer asked".into()));
    assert_eq!(
        repo.git(&["show", "--name-only", "--format=%s", "HEAD"]),
        format!("cairn: reject proposal {id}\n\n{path}")
    );
    assert_eq!(read(&repo, "tasks/a.md"), A);
    let (code, _, err) = cairn(&repo.path, &["proposal", "apply", &id]);
    assert_eq!(code, 1);
    assert!(err.contains("already rejected"), "{err}");
    let (code, _, err) = cairn(&repo.path, &["proposal", "show", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("no proposal `nope`"), "{err}");
}

// ---- the property -------------------------------------------------------

#[derive(Clone, Debug)]
struct Gen {
    status: usize,
    estimate: Option<u8>,
    priority: usize,
    assignee: usize,
    sprint: usize,
    deps: Vec<usize>,
}

fn gen_item(n: usize) -> impl Strategy<Value = Gen> {
    (0..4usize, proptest::option::of(0..6u8), 0..5usize, 0..4usize, 0..4usize, proptest::collection::vec(0..n, 0..3))
        .prop_map(|(status, estimate, priority, assignee, sprint, deps)| Gen {
            status,
            estimate,
            priority,
            assignee,
            sprint,
            deps,
        })
}

fn backlogs() -> impl Strategy<Value = (Vec<Gen>, u8, u8, bool)> {
    (1..25usize).prop_flat_map(|n| (proptest::collection::vec(gen_item(n), n), 0..10u8, 0..10u8, any::<bool>()))
}

const STATUSES: [&str; 4] = ["backlog", "ready", "in_progress", "done"];
const PRIORITIES: [&str; 5] = ["highest", "high", "medium", "low", "lowest"];
const PEOPLE: [&str; 4] = ["", "ana", "ben", "cy"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// A plan never exceeds the capacity (the team's, each person's) and
    /// never picks an item whose dependency is neither done, nor in the
    /// sprint, nor picked before it.
    #[test]
    fn never_over_capacity_never_before_a_dependency((items, ana, ben, per_person) in backlogs()) {
        let cfg = cairn::config::Config::default();
        let cap = if per_person { format!("{{ ana: {ana}, ben: {ben} }}") } else { format!("{}", ana + ben) };
        let mut files = vec![
            ("sprints/s1.md".to_string(), format!("---\ntitle: S1\nstart: 2026-03-02\nend: 2026-03-13\ncapacity: {cap}\n---\n")),
            ("sprints/s0.md".to_string(), "---\ntitle: S0\nstart: 2026-02-23\nend: 2026-03-06\ncapacity: 5\n---\n".to_string()),
        ];
        for (k, g) in items.iter().enumerate() {
            let mut fm = format!("title: T{k}\nstatus: {}\npriority: {}\n", STATUSES[g.status], PRIORITIES[g.priority]);
            if let Some(e) = g.estimate { fm.push_str(&format!("estimate: {e}\n")); }
            if g.assignee > 0 { fm.push_str(&format!("assignee: {}\n", PEOPLE[g.assignee])); }
            match g.sprint { 1 => fm.push_str("sprint: s1\n"), 2 => fm.push_str("sprint: s0\n"), _ => {} }
            if !g.deps.is_empty() {
                let d: Vec<String> = g.deps.iter().map(|d| format!("t{d}")).collect();
                fm.push_str(&format!("depends_on: [{}]\n", d.join(", ")));
            }
            files.push((format!("tasks/t{k}.md"), format!("---\n{fm}---\n")));
        }
        let parsed: Vec<_> = files.iter().filter_map(|(p, t)| cairn::load::parse_item_text(t, p, &cfg).0).collect();
        prop_assert_eq!(parsed.len(), files.len());
        let b = cairn::load::Backlog::from_items(".".into(), cfg, parsed, vec![], files.len());
        let g = cairn::graph::Graph::build(&b);
        let plan = cairn::plan::plan_sprint(&b, &g, "s1", &cairn::plan::Options::default()).expect("plans");

        // What the test computes itself: points already in s1 and open,
        // assigned work in s0 (which overlaps s1), per person and in all.
        let est = |g: &Gen| g.estimate.map_or(0.0, f64::from);
        let person = |g: &Gen| (g.assignee > 0).then(|| PEOPLE[g.assignee]);
        let already: f64 = items.iter().filter(|g| g.sprint == 1).map(est).sum();
        let mut used: std::collections::HashMap<&str, f64> = Default::default();
        for g in items.iter().filter(|g| g.sprint == 1) {
            if let Some(p) = person(g) { *used.entry(p).or_default() += est(g); }
        }
        let mut elsewhere = 0.0;
        if per_person {
            for g in items.iter().filter(|g| g.sprint == 2 && g.status != 3 && g.estimate.is_some()) {
                if let Some(p @ ("ana" | "ben")) = person(g) { *used.entry(p).or_default() += est(g); elsewhere += est(g); }
            }
        }
        let total = f64::from(ana) + f64::from(ben);
        let picked: f64 = plan.picked.iter().map(|p| p.estimate).sum();
        prop_assert!(picked <= (total - elsewhere - already).max(0.0) + 1e-9, "{} > {} - {} - {}", picked, total, elsewhere, already);
        if per_person {
            for (name, cap) in [("ana", ana), ("ben", ben)] {
                let mine: f64 = plan.picked.iter().filter(|p| p.assignee.iter().any(|a| a == name)).map(|p| p.estimate).sum();
                let room = (f64::from(cap) - used.get(name).copied().unwrap_or(0.0)).max(0.0);
                prop_assert!(mine <= room + 1e-9, "{}: {} > {}", name, mine, room);
            }
        }
        let mut before: std::collections::HashSet<String> = Default::default();
        for p in &plan.picked {
            let k: usize = p.id[1..].parse().expect("t<k>");
            let it = &items[k];
            prop_assert!(it.estimate.is_some() && it.status < 2 && (it.sprint == 0 || it.sprint == 3));
            for &d in &it.deps {
                let dep = &items[d];
                let ok = dep.status == 3 || dep.sprint == 1 || before.contains(&format!("t{d}"));
                prop_assert!(ok, "{} picked before its dependency t{}", p.id, d);
            }
            before.insert(p.id.clone());
        }
    }
}
