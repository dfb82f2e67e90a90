//! The work graph through the real binary: `ready`, `impact`, `graph` and
//! the impact summary of `show`, on a small project whose schedule is
//! worked out by hand below; plus a property test of `impact` against a
//! brute-force reachability check.

use std::collections::{BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use proptest::prelude::*;
use serde_json::{json, Value};

fn cairn() -> Command {
    let mut c = Command::cargo_bin("cairn").unwrap();
    c.env("NO_COLOR", "1");
    c
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

/// The project, with day 0 = 2026-03-02 (`schedule.start`):
///
/// - e (epic) spans a, b, c.
/// - a: 3 days, 0–3. b: 2 days after a, 3–5. c: 4 days, 1 day after a, 4–8.
/// - d: 1 day after b and c, 8–9; due 2026-03-09 = day 7, so it must
///   finish by the end of day 7 = 8.
/// - x is done; y (2 days) depends on x, so it starts at once: 0–2.
/// - Project end: 9.
///
/// Backward pass: d LF 8, LS 7. b LF 7, LS 5. c LF 7, LS 3.
/// a LF = min(LS b, LS c − lag 1) = min(5, 2) = 2, LS −1. e (nobody waits on
/// it) LF 9. y LF 9, LS 7.
/// Slack: a −1, b 2, c −1, d −1, e 9 − 8 = 1, y 7: a, c, d are critical.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "cairn.yml", "schedule: { start: 2026-03-02 }\n");
    write(r, "epics/e.md", "---\ntitle: E\nstatus: in_progress\n---\n");
    write(r, "stories/a.md", "---\ntitle: A\nstatus: ready\npriority: high\nparent: e\nestimate: 3\n---\n");
    write(r, "stories/b.md", "---\ntitle: B\nstatus: backlog\nparent: e\nestimate: 2\ndepends_on: [a]\n---\n");
    write(
        r,
        "stories/c.md",
        "---\ntitle: C\nstatus: ready\nparent: e\nestimate: 4\ndepends_on: [{ id: a, lag: 1d }]\n---\n",
    );
    write(r, "stories/d.md", "---\ntitle: D\nstatus: ready\nestimate: 1\ndepends_on: [b, c]\ndue: 2026-03-09\n---\n");
    write(r, "stories/x.md", "---\ntitle: X\nstatus: done\nestimate: 5\n---\n");
    write(
        r,
        "stories/y.md",
        "---\ntitle: 'Fix \"quoted\" <tag> [x] & #1'\nstatus: ready\nestimate: 2\ndepends_on: [x]\nassignee: ana\nsprint: s1\n---\n",
    );
    write(r, "sprints/s1.md", "---\ntitle: Sprint 1\nstart: 2026-03-02\nend: 2026-03-13\n---\n");
    dir
}

fn run_json(root: &Path, args: &[&str]) -> Value {
    json(&cairn().args(args).arg("-C").arg(root).assert().success().get_output().stdout)
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_string()).collect()
}

#[test]
fn the_fixture_checks_clean() {
    let p = project();
    cairn().args(["check", "-C"]).arg(p.path()).assert().success();
}

#[test]
fn ready_lists_unblocked_todo_work_by_priority_then_unblocks() {
    let p = project();
    let v = run_json(p.path(), &["ready", "--format", "json"]);
    // a (high) unblocks b, c, e and d; y waits only on done work.
    assert_eq!(ids(&v["items"]), vec!["a", "y"]);
    assert_eq!(v["items"][0]["unblocks"], 4);
    assert_eq!(v["items"][1]["unblocks"], 0);
    assert_eq!(v["items"][0]["kind"], "story");
    assert_eq!(v["items"][0]["status_category"], "todo");
    assert_eq!(ids(&run_json(p.path(), &["ready", "--format", "json", "--assignee", "ana"])["items"]), vec!["y"]);
    assert_eq!(ids(&run_json(p.path(), &["ready", "--format", "json", "--sprint", "s1"])["items"]), vec!["y"]);
    let err =
        cairn().args(["ready", "--sprint", "S1", "-C"]).arg(p.path()).assert().code(2).get_output().stderr.clone();
    assert!(String::from_utf8_lossy(&err).contains("did you mean `s1`?"), "{}", String::from_utf8_lossy(&err));
    let text = cairn().args(["ready", "-C"]).arg(p.path()).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(text).unwrap();
    assert!(text.lines().nth(1).unwrap().starts_with("a "), "{text}");
}

#[test]
fn impact_lists_every_waiter_with_distance_via_kinds_and_schedule() {
    let p = project();
    let v = run_json(p.path(), &["impact", "a", "--format", "json"]);
    assert_eq!(
        v,
        json!({
            "id": "a",
            "delayed": [
                {"id": "b", "kind": "story", "title": "B", "status": "backlog", "distance": 1, "via": ["b"], "via_truncated": false},
                {"id": "c", "kind": "story", "title": "C", "status": "ready", "distance": 1, "via": ["c"], "via_truncated": false},
                {"id": "e", "kind": "epic", "title": "E", "status": "in_progress", "distance": 1, "via": ["e"], "via_truncated": false},
                {"id": "d", "kind": "story", "title": "D", "status": "ready", "distance": 2, "via": ["b", "d"], "via_truncated": false},
            ],
            "by_kind": {"epic": 1, "story": 3},
            "critical": true,
            "slack_days": -1,
        })
    );
    let b = run_json(p.path(), &["impact", "b", "--format", "json"]);
    assert_eq!(ids(&b["delayed"]), vec!["d", "e"]);
    assert_eq!((b["critical"].clone(), b["slack_days"].clone()), (json!(false), json!(2)));
    let e = run_json(p.path(), &["impact", "e", "--format", "json"]);
    assert_eq!((e["delayed"].clone(), e["slack_days"].clone()), (json!([]), json!(1)));
    // A done item: its waiter is listed, it has no schedule.
    let x = run_json(p.path(), &["impact", "x", "--format", "json"]);
    assert_eq!(ids(&x["delayed"]), vec!["y"]);
    assert_eq!((x["critical"].clone(), x["slack_days"].clone()), (json!(false), Value::Null));
    let text = cairn().args(["impact", "a", "-C"]).arg(p.path()).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(text).unwrap();
    assert!(text.starts_with("if a slips, 4 items slip: 1 epic, 3 stories\n"), "{text}");
}

#[test]
fn a_long_chain_cuts_via_to_its_last_hops_and_says_so() {
    // t0 ← t1 ← … ← t14: t14 is 14 hops from t0; its via keeps the last
    // VIA_MAX = 10 (t5 … t14) and says the path was cut.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "tasks/t0.md", "---\ntitle: T0\nstatus: ready\n---\n");
    for k in 1..15 {
        write(
            dir.path(),
            &format!("tasks/t{k}.md"),
            &format!("---\ntitle: T{k}\nstatus: ready\ndepends_on: [t{}]\n---\n", k - 1),
        );
    }
    let v = run_json(dir.path(), &["impact", "t0", "--format", "json"]);
    let delayed = v["delayed"].as_array().unwrap();
    assert_eq!(delayed.len(), 14);
    let last = &delayed[13];
    assert_eq!((last["id"].clone(), last["distance"].clone()), (json!("t14"), json!(14)));
    let tail: Vec<String> = (5..15).map(|k| format!("t{k}")).collect();
    assert_eq!(last["via"], json!(tail));
    assert_eq!(last["via_truncated"], json!(true));
    // Ten hops or fewer: the whole path.
    let tenth = &delayed[9];
    assert_eq!(tenth["via"], json!((1..11).map(|k| format!("t{k}")).collect::<Vec<_>>()));
    assert_eq!(tenth["via_truncated"], json!(false));
    let text = cairn().args(["impact", "t0", "-C"]).arg(dir.path()).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains(&format!("via t0 → … → {}\n", tail.join(" → "))), "{text}");
}

#[test]
fn unknown_ids_exit_2_with_a_suggestion() {
    let p = project();
    for cmd in ["impact", "graph"] {
        let out = cairn().args([cmd, "dd", "-C"]).arg(p.path()).assert().code(2).get_output().stderr.clone();
        let err = String::from_utf8_lossy(&out);
        assert!(err.contains("no item with id `dd`"), "{err}");
    }
    let out = cairn()
        .args(["graph", "--relations", "depends", "-C"])
        .arg(p.path())
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("did you mean `depends_on`?"));
}

#[test]
fn graph_json_has_typed_edges_in_contract_directions() {
    let p = project();
    let v = run_json(p.path(), &["graph", "--format", "json"]);
    assert_eq!(ids(&v["nodes"]), vec!["a", "b", "c", "d", "e", "s1", "x", "y"]);
    assert_eq!(
        v["nodes"][0],
        json!({"id": "a", "kind": "story", "title": "A", "status": "ready", "status_category": "todo", "critical": true, "slack_days": -1})
    );
    let edges: Vec<(String, String, String, Option<String>)> = v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap().into(),
                e["to"].as_str().unwrap().into(),
                e["type"].as_str().unwrap().into(),
                e.get("lag").map(|l| l.as_str().unwrap().into()),
            )
        })
        .collect();
    let e = |f: &str, t: &str, ty: &str, lag: Option<&str>| (f.into(), t.into(), ty.into(), lag.map(String::from));
    assert_eq!(
        edges,
        vec![
            e("a", "e", "parent", None),
            e("b", "a", "depends_on", None),
            e("b", "e", "parent", None),
            e("c", "a", "depends_on", Some("1d")),
            e("c", "e", "parent", None),
            e("d", "b", "depends_on", None),
            e("d", "c", "depends_on", None),
            e("y", "x", "depends_on", None),
        ]
    );
    // The critical path toward d's due date: a, then c (the longer branch), then d.
    let paths = v["critical_paths"].as_array().unwrap();
    let to_d = paths.iter().find(|p| p["to"] == "d").unwrap();
    assert_eq!(to_d["path"], json!(["a", "c", "d"]));
    assert_eq!(to_d["slack_days"], -1);

    let deps = run_json(p.path(), &["graph", "--format", "json", "--relations", "depends_on"]);
    assert_eq!(deps["edges"].as_array().unwrap().len(), 5);
    let around = run_json(p.path(), &["graph", "a", "--depth", "1", "--format", "json"]);
    assert_eq!(ids(&around["nodes"]), vec!["a", "b", "c", "e"]);
}

#[test]
fn mermaid_dot_and_svg_are_well_formed_and_escaped() {
    let p = project();
    let out = |fmt: &str| {
        let o =
            cairn().args(["graph", "--format", fmt, "-C"]).arg(p.path()).assert().success().get_output().stdout.clone();
        String::from_utf8(o).unwrap()
    };
    let m = out("mermaid");
    assert!(m.starts_with("flowchart RL\n"));
    assert!(m.contains("#quot;quoted#quot; #lt;tag#gt; #91;x#93; #amp; #35;1"), "{m}");
    for line in m.lines().skip(1) {
        let first = line.split_whitespace().next().unwrap();
        assert!(
            ["classDef", "class", "linkStyle"].contains(&first)
                || first.starts_with('n') && first[1..].split('[').next().unwrap().chars().all(|c| c.is_ascii_digit()),
            "bad mermaid line: {line}"
        );
    }
    let d = out("dot");
    assert!(d.starts_with("digraph cairn {") && d.trim_end().ends_with('}'));
    assert!(d.contains("\"c\" -> \"a\" [label=\"depends_on +1d\""), "{d}");
    assert!(d.contains("Fix \\\"quoted\\\""), "{d}");
    let s = out("svg");
    assert!(s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(s.trim_end().ends_with("</svg>"));
    assert!(s.contains("Fix &quot;quoted&quot; &lt;tag&gt; [x] &amp; #1"));
    assert_eq!(s.matches("<g class=\"node").count(), 8);
    assert_eq!(s.matches("class=\"node todo critical\"").count(), 3, "a, c, d are critical");
    // Deterministic.
    assert_eq!(s, out("svg"));
    assert_eq!(m, out("mermaid"));
}

#[test]
fn show_gains_the_impact_summary_and_rollups() {
    let p = project();
    let v = run_json(p.path(), &["show", "a", "--format", "json"]);
    let im = &v["impact"];
    assert_eq!(im["delayed"], 4);
    assert_eq!(im["by_kind"], json!({"epic": 1, "story": 3}));
    assert_eq!(im["critical"], true);
    assert_eq!(im["slack_days"], -1);
    assert_eq!(im["schedule"]["early_start"], "2026-03-02");
    assert_eq!(im["schedule"]["early_finish"], "2026-03-04");
    assert_eq!(im["schedule"]["late_start"], "2026-03-01");
    assert_eq!(im["schedule"]["late_finish_day"], 2);
    let e = run_json(p.path(), &["show", "e", "--format", "json"]);
    assert_eq!(e["progress"]["children"], json!({"done": 0, "total": 3}));
    assert_eq!(e["progress"]["estimate"], json!({"done": 0, "total": 9}));
    assert_eq!(e["impact"]["schedule"]["early_start_day"], 0);
    assert_eq!(e["impact"]["schedule"]["early_finish_day"], 8);
    let text = cairn().args(["show", "a", "-C"]).arg(p.path()).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("impact: 4 open items wait on this (1 epic, 3 stories)"), "{text}");
    assert!(text.contains("critical (slack -1 days)"), "{text}");
}

#[test]
fn cycles_do_not_hang_or_crash_any_command() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "tasks/a.md", "---\ntitle: A\nstatus: ready\nestimate: 1\ndepends_on: [b]\n---\n");
    write(r, "tasks/b.md", "---\ntitle: B\nstatus: ready\nestimate: 1\ndepends_on: [a]\n---\n");
    write(r, "features/f.md", "---\ntitle: F\nstatus: ready\nparent: f2\n---\n");
    write(r, "features/f2.md", "---\ntitle: F2\nstatus: ready\nparent: f\n---\n");
    write(r, "stories/s.md", "---\ntitle: S\nstatus: ready\nparent: f\ndepends_on: [f]\n---\n");
    cairn().args(["check", "-C"]).arg(r).assert().code(1);
    let v = run_json(r, &["impact", "a", "--format", "json"]);
    assert_eq!(ids(&v["delayed"]), vec!["b"]);
    let v = run_json(r, &["impact", "s", "--format", "json"]);
    assert_eq!(ids(&v["delayed"]), vec!["f", "f2"]);
    run_json(r, &["ready", "--format", "json"]);
    run_json(r, &["graph", "--format", "json"]);
    for fmt in ["svg", "dot", "mermaid"] {
        cairn().args(["graph", "--format", fmt, "-C"]).arg(r).assert().success();
    }
    cairn().args(["show", "s", "-C"]).arg(r).assert().success();
}

#[test]
fn the_example_backlog_answers_deterministically() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("example-backlog");
    let r1 = run_json(&root, &["ready", "--format", "json"]);
    assert!(!r1["items"].as_array().unwrap().is_empty());
    assert_eq!(r1, run_json(&root, &["ready", "--format", "json"]));
    let first = r1["items"][0]["id"].as_str().unwrap().to_string();
    let i1 = run_json(&root, &["impact", &first, "--format", "json"]);
    assert_eq!(i1["delayed"].as_array().unwrap().len() as u64, r1["items"][0]["unblocks"].as_u64().unwrap());
    let g = run_json(&root, &["graph", "--format", "json"]);
    assert!(g["edges"].as_array().unwrap().len() > 50);
    cairn().args(["graph", "--format", "svg", "-C"]).arg(&root).assert().success();
}

// ---- property test: impact is exactly the set of open items that reach X ----

/// A random backlog of tasks `t0..tN`: done flags, parents and dependencies
/// (cycles, self-dependencies and parent loops included).
fn arb_backlog() -> impl Strategy<Value = Vec<(bool, Option<usize>, Vec<usize>)>> {
    (2usize..12).prop_flat_map(|n| {
        proptest::collection::vec(
            (any::<bool>(), proptest::option::weighted(0.5, 0..n), proptest::collection::vec(0..n, 0..3)),
            n,
        )
    })
}

fn build(spec: &[(bool, Option<usize>, Vec<usize>)]) -> cairn::load::Backlog {
    let cfg = cairn::config::Config::default();
    let items: Vec<_> = spec
        .iter()
        .enumerate()
        .filter_map(|(i, (done, parent, deps))| {
            let mut t = format!("---\ntitle: T{i}\nstatus: {}\n", if *done { "done" } else { "ready" });
            if let Some(p) = parent {
                t.push_str(&format!("parent: t{p:02}\n"));
            }
            if !deps.is_empty() {
                let d: Vec<String> = deps.iter().map(|d| format!("t{d:02}")).collect();
                t.push_str(&format!("depends_on: [{}]\n", d.join(", ")));
            }
            t.push_str("---\n");
            cairn::load::parse_item_text(&t, &format!("tasks/t{i:02}.md"), &cfg).0
        })
        .collect();
    cairn::load::Backlog::from_items(".".into(), cfg, items, vec![], spec.len())
}

proptest! {
    #[test]
    fn impact_is_the_set_of_open_items_reaching_x(spec in arb_backlog(), pick in 0usize..12) {
        let b = build(&spec);
        prop_assert_eq!(b.items.len(), spec.len());
        let g = cairn::graph::Graph::build(&b);
        let x = pick % spec.len();
        let x_id = format!("t{x:02}");
        let xi = b.index[&x_id];
        // Brute force: Y waits on Z when Y depends on Z or Z's parent is Y.
        let id = |k: usize| format!("t{k:02}");
        let waits_on = |y: usize| -> Vec<usize> {
            let mut w = spec[y].2.clone();
            w.extend((0..spec.len()).filter(|&z| spec[z].1 == Some(y)));
            w
        };
        let mut expected = BTreeSet::new();
        let mut dist_expected = std::collections::BTreeMap::new();
        for y in 0..spec.len() {
            if y == x || spec[y].0 {
                continue;
            }
            // BFS from y along waits-on, looking for x.
            let mut seen = vec![usize::MAX; spec.len()];
            seen[y] = 0;
            let mut q = VecDeque::from([y]);
            while let Some(u) = q.pop_front() {
                for z in waits_on(u) {
                    if seen[z] == usize::MAX {
                        seen[z] = seen[u] + 1;
                        q.push_back(z);
                    }
                }
            }
            if seen[x] != usize::MAX {
                expected.insert(id(y));
                dist_expected.insert(id(y), seen[x]);
            }
        }
        let im = cairn::graph::impact::impact(&b, &g, xi);
        prop_assert!(im.complete);
        let got = &im.delayed;
        let got_ids: BTreeSet<String> = got.iter().map(|d| b.items[d.node].id().to_string()).collect();
        prop_assert_eq!(&got_ids, &expected);
        prop_assert_eq!(got_ids.len(), got.len(), "each item once");
        for d in got {
            let name = b.items[d.node].id().to_string();
            prop_assert_eq!(d.distance, dist_expected[&name], "shortest distance of {}", name);
            let via = im.path(d.node);
            prop_assert_eq!(via.len(), d.distance);
            prop_assert_eq!(via.last().copied(), Some(d.node));
            prop_assert_eq!(via.len().checked_sub(2).map_or(xi, |k| via[k]), d.prev);
            // Each hop of `via` is a waits-on edge, starting from X.
            let mut prev = xi;
            for &v in &via {
                prop_assert!(cairn::graph::impact::waiters(&g, prev).contains(&v));
                prev = v;
            }
        }
        // `ready`'s unblocks count agrees with impact.
        let mut c = cairn::graph::impact::Counter::new(b.items.len());
        prop_assert_eq!(c.count(&b, &g, xi), got.len());
    }
}
