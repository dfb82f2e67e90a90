//! `cairn analyze` on repositories built by the test with controlled commit
//! times, where every number is known by construction.

#[path = "support/git.rs"]
mod git_support;

use std::path::Path;

use git_support::Repo;
use serde_json::{json, Value};

fn cairn(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let o =
        assert_cmd::Command::cargo_bin("cairn").expect("binary").current_dir(dir).args(args).output().expect("runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn stdout(dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = cairn(dir, args);
    assert_eq!(code, 0, "cairn {args:?}: {err}");
    out
}

fn json_of(dir: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&stdout(dir, args)).expect("json")
}

/// A story: title = id, then the given front-matter lines.
fn story(status: &str, extra: &str) -> String {
    format!("---\ntitle: Story\nstatus: {status}\n{extra}---\n\nBody.\n")
}

/// The scripted history (UTC). Sprints of 5 days, a week apart:
/// s1 03-04..03-08, s2 03-11..03-15, s3 03-18..03-22 (capacity ana 5,
/// ben 10), s4 03-25..03-29. HEAD is on 2024-03-20: s1 and s2 are closed,
/// s3 is under way with 3 days left (20, 21, 22).
///
/// | when             | change |
/// |------------------|--------|
/// | 03-01 12:00      | sprints; p1 5, p2 5 in s1; p3 8, p4 6 in s2; the chain x → y → z → w (1 point each, w takes 10 days; x and z in progress); o 1 due 03-10 |
/// | 03-06 10:00      | p1, p2 done (s1 delivers 10) |
/// | 03-13 10:00      | p3, p4 done (s2 delivers 14) |
/// | 03-15 10:00      | a 3 (ana, high), b 2 (ana), c 5 (ben) into s3: committed 10 at the start |
/// | 03-19 10:00      | d 4 (ana, low) added to s3 mid-sprint; b done |
/// | 03-20 10:00 HEAD | o's body edited |
///
/// The schedule starts on 2024-03-18 at 1 point a day: w takes days 0–10,
/// then z, y and x one day each, so the chain is the critical path (slack
/// 0) to the project end on day 13; o (due 03-10, day −8) has a slack of
/// −8 days.
fn scripted() -> Repo {
    let r = Repo::new();
    r.write("cairn.yml", "schedule:\n  start: 2024-03-18\n  points_per_day: 1\n");
    r.write("sprints/s1.md", "---\ntitle: Sprint 1\nstart: 2024-03-04\nend: 2024-03-08\n---\n");
    r.write("sprints/s2.md", "---\ntitle: Sprint 2\nstart: 2024-03-11\nend: 2024-03-15\n---\n");
    r.write(
        "sprints/s3.md",
        "---\ntitle: Sprint 3\nstart: 2024-03-18\nend: 2024-03-22\ncapacity:\n  ana: 5\n  ben: 10\n---\n",
    );
    r.write("sprints/s4.md", "---\ntitle: Sprint 4\nstart: 2024-03-25\nend: 2024-03-29\n---\n");
    r.write("stories/p1.md", &story("ready", "estimate: 5\nsprint: s1\n"));
    r.write("stories/p2.md", &story("ready", "estimate: 5\nsprint: s1\n"));
    r.write("stories/p3.md", &story("ready", "estimate: 8\nsprint: s2\n"));
    r.write("stories/p4.md", &story("ready", "estimate: 6\nsprint: s2\n"));
    r.write("stories/x.md", &story("in_progress", "estimate: 1\ndepends_on: [y]\n"));
    r.write("stories/y.md", &story("ready", "estimate: 1\nassignee: ben\ndepends_on: [z]\n"));
    r.write("stories/z.md", &story("in_progress", "estimate: 1\nassignee: chen\ndepends_on: [w]\n"));
    r.write("stories/w.md", &story("ready", "estimate: 1\nduration: 10d\n"));
    r.write("stories/o.md", &story("ready", "estimate: 1\ndue: 2024-03-10\n"));
    r.commit("Ana", "2024-03-01T12:00:00Z", "plan");
    r.write("stories/p1.md", &story("done", "estimate: 5\nsprint: s1\n"));
    r.write("stories/p2.md", &story("done", "estimate: 5\nsprint: s1\n"));
    r.commit("Ana", "2024-03-06T10:00:00Z", "s1 delivered");
    r.write("stories/p3.md", &story("done", "estimate: 8\nsprint: s2\n"));
    r.write("stories/p4.md", &story("done", "estimate: 6\nsprint: s2\n"));
    r.commit("Ben", "2024-03-13T10:00:00Z", "s2 delivered");
    r.write("stories/a.md", &story("ready", "estimate: 3\nassignee: ana\nsprint: s3\npriority: high\n"));
    r.write("stories/b.md", &story("ready", "estimate: 2\nassignee: ana\nsprint: s3\n"));
    r.write("stories/c.md", &story("ready", "estimate: 5\nassignee: ben\nsprint: s3\n"));
    r.commit("Ana", "2024-03-15T10:00:00Z", "plan s3");
    r.write("stories/d.md", &story("ready", "estimate: 4\nassignee: ana\nsprint: s3\npriority: low\n"));
    r.write("stories/b.md", &story("done", "estimate: 2\nassignee: ana\nsprint: s3\n"));
    r.commit("Ben", "2024-03-19T10:00:00Z", "d added mid-sprint, b done");
    r.write("stories/o.md", "---\ntitle: Story\nstatus: ready\nestimate: 1\ndue: 2024-03-10\n---\n\nEdited.\n");
    r.commit("Ana", "2024-03-20T10:00:00Z", "edit o");
    r
}

#[test]
fn analysis_json_by_construction() {
    let r = scripted();
    let a = json_of(&r.path, &["analyze", "--format", "json"]);
    assert_eq!(a["today"], "2024-03-20");
    assert_eq!(a["history"], true);
    assert_eq!(a["history_note"], Value::Null);
    assert_eq!(
        a["sprint"],
        json!({"id": "s3", "title": "Sprint 3", "start": "2024-03-18", "end": "2024-03-22", "state": "active", "days_left": 3})
    );

    // 13 work items (p1–p4, a–d, x, y, z, w, o): p1–p4 and b done.
    let p = &a["progress"];
    assert_eq!((p["items_done"].clone(), p["items_total"].clone()), (json!(5), json!(13)));
    // 5+5+8+6 + 3+2+5+4 + 5×1 = 43 points; 24 + 2 done.
    assert_eq!((p["points_done"].clone(), p["points_total"].clone()), (json!(26.0), json!(43.0)));
    assert_eq!(
        p["sprint"],
        json!({"sprint": "s3", "committed": 10.0, "committed_items": 3, "completed": 2.0,
               "scope_items": 4, "scope": 14.0, "done_items": 1, "remaining": 12.0})
    );

    // s1 delivered 10, s2 14: rising, +40% (14 against 10).
    let v = &a["velocity"];
    assert_eq!(
        v["sprints"],
        json!([{"sprint": "s1", "title": "Sprint 1", "points": 10.0}, {"sprint": "s2", "title": "Sprint 2", "points": 14.0}])
    );
    assert_eq!(v["average"], 12.0);
    assert_eq!(v["trend"], json!({"direction": "rising", "last": 14.0, "before": 10.0, "change_percent": 40.0}));

    // 17 open points (a 3, c 5, d 4, and five 1-point items): one sprint
    // delivers at most 14, two at least 20, so every trial needs 2 sprints
    // of 7 days (the cadence): 2024-03-20 + 14 days.
    let f = &a["forecast"];
    assert_eq!((f["remaining_items"].clone(), f["remaining"].clone()), (json!(8), json!(17.0)));
    assert_eq!(f["backlog"], json!({"sprints_p50": 2, "sprints_p85": 2, "p50": "2024-04-03", "p85": "2024-04-03"}));
    assert_eq!(f["basis"]["velocities"], json!([10.0, 14.0]));
    // s3: 12 points left; 12 per 5-day sprint is 2.4 a day: 5 days needed, 3 left.
    assert_eq!(
        f["sprint"],
        json!({"remaining": 12.0, "days_left": 3, "velocity": 12.0, "sprint_days": 5, "per_day": 2.4,
               "days_needed": 5.0, "likely_done": false})
    );

    // Scope creep: d (4) added on 03-19 against 10 committed: 40%.
    let sc = &a["scope_creep"];
    assert_eq!(sc["sprint"], "s3");
    assert_eq!((sc["committed"].clone(), sc["committed_items"].clone()), (json!(10.0), json!(3)));
    assert_eq!(sc["added"], json!([{"id": "d", "date": "2024-03-19", "points": 4.0}]));
    assert_eq!(sc["added_points"], 4.0);
    assert_eq!(sc["percent"], 40.0);
    assert_eq!(sc["over_threshold"], true);

    // o was due 03-10: 10 days late on 03-20.
    let od = &a["overdue"]["items"];
    assert_eq!(
        od,
        &json!([{"item": {"id": "o", "title": "Story", "status": "ready", "assignee": []}, "due": "2024-03-10", "days_late": 10}])
    );

    // The blocked items in progress: x (x → y → z → w) and z (z → w).
    let bl = &a["blockers"];
    assert_eq!(bl["waiting"], 3);
    let chain_ids = |b: &Value| {
        b["chain"].as_array().map(|c| c.iter().map(|l| l["id"].clone()).collect::<Vec<_>>()).unwrap_or_default()
    };
    assert_eq!(bl["items"][0]["item"]["id"], "x");
    assert_eq!(chain_ids(&bl["items"][0]), vec![json!("y"), json!("z"), json!("w")]);
    assert_eq!(bl["items"][0]["more"], 0);
    assert_eq!(bl["items"][1]["item"]["id"], "z");
    assert_eq!(chain_ids(&bl["items"][1]), vec![json!("w")]);
    assert_eq!(bl["items"].as_array().map(Vec::len), Some(2));

    // Capacity: 14 planned of 15; ana has a 3 + b 2 + d 4 = 9 of 5.
    let c = &a["capacity"];
    assert_eq!(
        (c["planned"].clone(), c["capacity"].clone(), c["over"].clone()),
        (json!(14.0), json!(15.0), json!(false))
    );
    assert_eq!(c["over_people"], json!(["ana"]));
    assert_eq!(c["people"][0], json!({"person": "ana", "assigned": 9.0, "capacity": 5.0, "items": ["a", "b", "d"]}));
    assert_eq!(c["people"][1], json!({"person": "ben", "assigned": 5.0, "capacity": 10.0, "items": ["c"]}));

    // The fix: move d (ana's lowest priority, 4) to s4, which brings her to 5.
    assert_eq!(
        a["fixes"],
        json!([{"item": "d", "field": "sprint", "value": "s4", "why": "ana is over capacity in s3 (9 of 5 points)"}])
    );

    // Critical and blocked or overdue: o (slack −8), x (waits on y), z (waits on w).
    assert_eq!(
        a["risks"]["critical"],
        json!([
            {"item": {"id": "o", "title": "Story", "status": "ready", "assignee": []}, "reasons": ["overdue"], "waits_on": [], "due": "2024-03-10", "slack_days": -8.0},
            {"item": {"id": "x", "title": "Story", "status": "in_progress", "assignee": []}, "reasons": ["blocked"], "waits_on": ["y"], "due": null, "slack_days": 0.0},
            {"item": {"id": "z", "title": "Story", "status": "in_progress", "assignee": ["chen"]}, "reasons": ["blocked"], "waits_on": ["w"], "due": null, "slack_days": 0.0}
        ])
    );
    // o takes day 0 (2024-03-18), after its due date.
    assert_eq!(a["risks"]["late"][0]["item"]["id"], "o");
    assert_eq!(
        (a["risks"]["late"][0]["finish"].clone(), a["risks"]["late"][0]["basis"].clone()),
        (json!("2024-03-18"), json!("schedule"))
    );
    // s3 plans 14 against an average velocity of 12: the insight engine's finding, carried as a risk.
    let rules: Vec<&str> = a["risks"]["insights"]
        .as_array()
        .map(|v| v.iter().filter_map(|x| x["rule"].as_str()).collect())
        .unwrap_or_default();
    assert!(rules.contains(&"over-velocity"), "{rules:?}");
}

#[test]
fn analysis_in_words() {
    let r = scripted();
    let text = stdout(&r.path, &["analyze"]);
    for line in [
        "Project analysis as of 2024-03-20",
        "5 of 13 work items done (38.46%); 26 of 43 points done (60.47%).",
        "Sprint 3 (s3), 2024-03-18 to 2024-03-22, active: committed 10 points at the start (3 items), completed 2 points; now 14 points in scope, 12 points remaining; 3 days left.",
        "Velocity is rising: 14 in s2 against an average of 10 over the 1 sprint before (+40%).",
        "The open work (8 items, 17 points) is likely done by 2024-04-03 (50% and 85%), in 2 sprints at the recent velocities (10, 14).",
        "x (in_progress, unassigned) is on the critical path (slack 0 days) and blocked by y.",
        "o (ready, unassigned) is on the critical path (slack -8 days) and overdue (due 2024-03-10).",
        "o is due 2024-03-10 but scheduled to finish 2024-03-18.",
        "Sprint 3 (s3): 12 points remaining need about 5 days at the recent pace (12 points per 5-day sprint); 3 days left: unlikely to be done in time.",
        "x (in_progress, unassigned) waits on y (ready, ben) which waits on z (in_progress, chen) which waits on w (ready, unassigned).",
        "4 points added after the start day against 10 points committed at the start: +40%, over the 20% threshold: d on 2024-03-19 (4).",
        "o (ready, unassigned) was due 2024-03-10 (10 days late).",
        "ana has 9 points assigned against a capacity of 5: a, b, d.",
        "d: set sprint to s4, because ana is over capacity in s3 (9 of 5 points).",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    let md = stdout(&r.path, &["analyze", "--format", "markdown"]);
    assert!(md.starts_with("## Project analysis as of 2024-03-20\n"), "{md}");
    for line in [
        "### Blockers\n\n- `x` (in\\_progress, unassigned) waits on `y` (ready, ben) which waits on `z` (in\\_progress, chen) which waits on `w` (ready, unassigned).\n",
        "### Capacity\n\n",
        "- ana has 9 points assigned against a capacity of 5: `a`, `b`, `d`.\n",
        "- `o` (ready, unassigned) was due 2024-03-10 (10 days late).\n",
    ] {
        assert!(md.contains(line), "missing {line:?} in:\n{md}");
    }
    assert!(!md.contains('<'), "no HTML: {md}");
    // Same repository, same bytes.
    assert_eq!(stdout(&r.path, &["analyze", "--format", "markdown"]), md);
    assert_eq!(
        stdout(&r.path, &["analyze", "--format", "json", "--no-cache"]),
        stdout(&r.path, &["analyze", "--format", "json"])
    );
}

#[test]
fn another_sprint_and_an_unknown_one() {
    let r = scripted();
    let a = json_of(&r.path, &["analyze", "--format", "json", "--sprint", "s2"]);
    assert_eq!(a["sprint"]["state"], "closed");
    assert_eq!(a["sprint"]["days_left"], 0);
    // s2: p3 8 + p4 6 committed at the start, all delivered, nothing added.
    assert_eq!(a["progress"]["sprint"]["committed"], 14.0);
    assert_eq!(a["progress"]["sprint"]["completed"], 14.0);
    assert_eq!(a["scope_creep"]["added"], json!([]));
    assert_eq!(a["scope_creep"]["percent"], 0.0);
    assert_eq!(a["forecast"]["sprint"], Value::Null);
    let (code, _, err) = cairn(&r.path, &["analyze", "--sprint", "s9"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown sprint `s9`"), "{err}");
}

/// `--today` looks back: on 2024-03-14 (after "s2 delivered", before s3
/// was planned) s2 is under way with 2 days left (14, 15), and the backlog
/// is the one of 03-13: p1–p4 done, the five others open, a–d not there yet.
#[test]
fn today_analyses_the_backlog_as_it_was() {
    let r = scripted();
    let a = json_of(&r.path, &["analyze", "--format", "json", "--today", "2024-03-14"]);
    assert_eq!(a["today"], "2024-03-14");
    assert_eq!(
        a["sprint"],
        json!({"id": "s2", "title": "Sprint 2", "start": "2024-03-11", "end": "2024-03-15", "state": "active", "days_left": 2})
    );
    // p1–p4, x, y, z, w, o: 9 items, 4 done; 24 of 29 points.
    let p = &a["progress"];
    assert_eq!((p["items_done"].clone(), p["items_total"].clone()), (json!(4), json!(9)));
    assert_eq!((p["points_done"].clone(), p["points_total"].clone()), (json!(24.0), json!(29.0)));
    let v = &a["velocity"]["sprints"];
    // Velocity counts closed sprints: s1 only (s2 is still under way).
    assert_eq!(v, &json!([{"sprint": "s1", "title": "Sprint 1", "points": 10.0}]));
    // --propose fixes the backlog as it is now, so it refuses a past day.
    let (code, _, err) = cairn(&r.path, &["analyze", "--today", "2024-03-14", "--propose"]);
    assert_eq!(code, 2);
    assert!(err.contains("--today"), "{err}");
    // Without git there is no past to look at.
    let d = tempfile::tempdir().expect("tmp");
    std::fs::write(d.path().join("cairn.yml"), "name: x\n").expect("write");
    let (code, _, err) = cairn(d.path(), &["analyze", "--today", "2024-03-14"]);
    assert_eq!(code, 2);
    assert!(err.contains("needs git history"), "{err}");
}

/// Without git the report still comes out; the history-based sections say
/// why they are empty. A 2,000-long chain is printed capped, and a cycle
/// is named.
#[test]
fn long_chain_and_cycle_without_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let w = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    w("cairn.yml", "{}\n");
    // c0000 (in progress) → c0001 → … → c1999: 1,999 links below c0000.
    for i in 0..2000 {
        let status = if i == 0 { "in_progress" } else { "ready" };
        let dep = if i + 1 < 2000 { format!("depends_on: [c{:04}]\n", i + 1) } else { String::new() };
        w(&format!("stories/c{i:04}.md"), &story(status, &dep));
    }
    w("stories/q1.md", &story("in_progress", "depends_on: [q2]\n"));
    w("stories/q2.md", &story("ready", "depends_on: [q1]\n"));
    w("stories/r1.md", &story("in_progress", "depends_on: [r1]\n"));
    let a = json_of(dir.path(), &["analyze", "--format", "json"]);
    assert_eq!(a["history"], false);
    assert_eq!(a["history_note"], "not a git repository: no history");
    assert_eq!(a["today"], Value::Null);
    let b = &a["blockers"]["items"][0];
    assert_eq!(b["item"]["id"], "c0000");
    assert_eq!(b["chain"].as_array().map(Vec::len), Some(5));
    assert_eq!(b["chain"][4]["id"], "c0005");
    assert_eq!(b["more"], 1994);
    assert_eq!(b["end"]["id"], "c1999");
    assert_eq!(b["cycle"], false);
    let q = &a["blockers"]["items"][1];
    assert_eq!((q["item"]["id"].clone(), q["cycle"].clone()), (json!("q1"), json!(true)));
    // r1 waits on itself.
    let r1 = &a["blockers"]["items"][2];
    assert_eq!(
        (r1["item"]["id"].clone(), r1["chain"].clone(), r1["cycle"].clone()),
        (json!("r1"), json!([]), json!(true))
    );
    // Every open item but c1999 waits: c0000–c1998, q1, q2, r1.
    assert_eq!(a["blockers"]["waiting"], 2002);

    let text = stdout(dir.path(), &["analyze"]);
    for line in [
        "Project analysis (not a git repository: no history)",
        "c0000 (in_progress, unassigned) waits on c0001 (ready, unassigned) which waits on c0002 (ready, unassigned) which waits on c0003 (ready, unassigned) which waits on c0004 (ready, unassigned) which waits on c0005 (ready, unassigned) … and 1,994 more, down to c1999 (ready, unassigned).",
        "q1 (in_progress, unassigned) waits on q2 (ready, unassigned), which closes a dependency cycle.",
        "r1 (in_progress, unassigned) waits on itself, which closes a dependency cycle.",
        "1,999 more items in the backlog wait on open dependencies",
        "No velocity: not a git repository: no history.",
        "Overdue items not checked: not a git repository: no history: today is unknown.",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
}

/// The suggested fixes as a proposal: written, listed, then applied through
/// the edit engine (d moves to s4), and the same findings make the same id.
#[test]
fn the_fixes_become_a_proposal_people_apply() {
    let r = scripted();
    let (code, out, err) = cairn(&r.path, &["analyze", "--propose", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let path = out.lines().last().expect("the proposal's path").to_string();
    assert!(path.starts_with("proposals/analyze-") && path.ends_with(".md"), "{path}");
    let text = std::fs::read_to_string(r.path.join(&path)).expect("proposal file");
    assert!(text.contains("source: analyze") && text.contains("status: open"), "{text}");
    assert!(text.contains("d: ana is over capacity in s3 (9 of 5 points)"), "{text}");
    // Proposing again: the same proposal, already there (exit 1, nothing new).
    let (code, _, _) = cairn(&r.path, &["analyze", "--propose"]);
    assert_eq!(code, 1);
    let id = path.trim_start_matches("proposals/").trim_end_matches(".md");
    let (code, _, err) = cairn(&r.path, &["proposal", "apply", id]);
    assert_eq!(code, 0, "{err}");
    let d = std::fs::read_to_string(r.path.join("stories/d.md")).expect("d");
    assert!(d.contains("\nsprint: s4\n"), "{d}");
    let text = std::fs::read_to_string(r.path.join(&path)).expect("proposal file");
    assert!(text.contains("status: applied"), "{text}");
}
