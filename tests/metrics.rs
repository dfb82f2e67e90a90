//! Burndown, metrics and insights on repositories built by the test with
//! controlled commit times, where every number is known by construction.

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

fn json_of(dir: &Path, args: &[&str]) -> Value {
    let (code, out, err) = cairn(dir, args);
    assert_eq!(code, 0, "cairn {args:?}: {err}");
    serde_json::from_str(&out).expect("json")
}

/// A story file.
fn story(status: &str, estimate: Option<f64>, sprint: Option<&str>, extra: &str) -> String {
    let mut s = format!("---\ntitle: Story\nstatus: {status}\n");
    if let Some(e) = estimate {
        s.push_str(&format!("estimate: {e}\n"));
    }
    if let Some(sp) = sprint {
        s.push_str(&format!("sprint: {sp}\n"));
    }
    s.push_str(extra);
    s.push_str("---\n\nBody.\n");
    s
}

/// The scripted history (times in UTC; with `tz` the config sets `timezone`).
///
/// Sprint s1 runs Mon 2024-03-04 .. Fri 2024-03-08 (5 days, so the ideal
/// line drops by committed / 4 a day); s2 runs 2024-03-11 .. 2024-03-15.
///
/// | when (UTC)        | change |
/// |-------------------|--------|
/// | 03-01 12:00       | sprints; a 3, b 5, c 2, d 8, e 4, f (no estimate) in s1, all `ready`; g 1 in the backlog, no sprint; epic `ep` due 03-18 with c, f, g, h as children |
/// | 03-04 10:00 (start day) | a → in_progress |
/// | 03-04 16:00       | h 2 created in s1 (still the start day: committed) |
/// | 03-05 10:00       | a → done, b → in_progress |
/// | 03-05 11:00       | g → sprint s1 (scope added mid-sprint) |
/// | 03-06             | no commit |
/// | 03-07 09:00       | a re-opened (→ in_progress), c estimate 2 → 5, d → cancelled |
/// | 03-07 14:00       | e → sprint s2 (moved to the next sprint) |
/// | 03-08 10:00       | a → done, b → done, h → in_progress |
/// | 03-11 10:00       | c → sprint s2 (carried over) |
/// | 03-12 10:00 (HEAD)| e → in_progress |
fn scripted(tz: Option<&str>) -> Repo {
    let r = Repo::new();
    if let Some(tz) = tz {
        r.write("cairn.yml", &format!("timezone: \"{tz}\"\n"));
    }
    r.write("sprints/s1.md", "---\ntitle: Sprint 1\nstart: 2024-03-04\nend: 2024-03-08\n---\n");
    r.write("sprints/s2.md", "---\ntitle: Sprint 2\nstart: 2024-03-11\nend: 2024-03-15\n---\n");
    r.write("epics/ep.md", "---\ntitle: The epic\nstatus: in_progress\ndue: 2024-03-18\n---\n");
    r.write("stories/a.md", &story("ready", Some(3.0), Some("s1"), ""));
    r.write("stories/b.md", &story("ready", Some(5.0), Some("s1"), ""));
    r.write("stories/c.md", &story("ready", Some(2.0), Some("s1"), "parent: ep\n"));
    r.write("stories/d.md", &story("ready", Some(8.0), Some("s1"), ""));
    r.write("stories/e.md", &story("ready", Some(4.0), Some("s1"), ""));
    r.write("stories/f.md", &story("ready", None, Some("s1"), "parent: ep\n"));
    r.write("stories/g.md", &story("backlog", Some(1.0), None, "parent: ep\n"));
    r.commit("Ana", "2024-03-01T12:00:00Z", "plan");
    r.write("stories/a.md", &story("in_progress", Some(3.0), Some("s1"), ""));
    r.commit("Ana", "2024-03-04T10:00:00Z", "start a");
    r.write("stories/h.md", &story("ready", Some(2.0), Some("s1"), "parent: ep\n"));
    r.commit("Ben", "2024-03-04T16:00:00Z", "add h on the start day");
    r.write("stories/a.md", &story("done", Some(3.0), Some("s1"), ""));
    r.write("stories/b.md", &story("in_progress", Some(5.0), Some("s1"), ""));
    r.commit("Ana", "2024-03-05T10:00:00Z", "a done, b started");
    r.write("stories/g.md", &story("backlog", Some(1.0), Some("s1"), "parent: ep\n"));
    r.commit("Ben", "2024-03-05T11:00:00Z", "g into s1");
    r.write("stories/a.md", &story("in_progress", Some(3.0), Some("s1"), ""));
    r.write("stories/c.md", &story("ready", Some(5.0), Some("s1"), "parent: ep\n"));
    r.write("stories/d.md", &story("cancelled", Some(8.0), Some("s1"), ""));
    r.commit("Ana", "2024-03-07T09:00:00Z", "a reopened, c re-estimated, d cancelled");
    r.write("stories/e.md", &story("ready", Some(4.0), Some("s2"), ""));
    r.commit("Ben", "2024-03-07T14:00:00Z", "e to s2");
    r.write("stories/a.md", &story("done", Some(3.0), Some("s1"), ""));
    r.write("stories/b.md", &story("done", Some(5.0), Some("s1"), ""));
    r.write("stories/h.md", &story("in_progress", Some(2.0), Some("s1"), "parent: ep\n"));
    r.commit("Ana", "2024-03-08T10:00:00Z", "a and b done, h started");
    r.write("stories/c.md", &story("ready", Some(5.0), Some("s2"), "parent: ep\n"));
    r.commit("Ben", "2024-03-11T10:00:00Z", "carry c over");
    r.write("stories/e.md", &story("in_progress", Some(4.0), Some("s2"), ""));
    r.commit("Ana", "2024-03-12T10:00:00Z", "start e");
    r
}

/// (date, remaining, completed, added, removed, ideal) of each day.
fn series(b: &Value) -> Vec<Value> {
    b["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| json!([d["date"], d["remaining"], d["completed"], d["added"], d["removed"], d["ideal"]]))
        .collect()
}

#[test]
fn burndown_of_a_closed_sprint() {
    let r = scripted(None);
    let b = json_of(&r.path, &["burndown", "s1", "--format", "json"]);
    assert_eq!(b["sprint"], "s1");
    assert_eq!(b["start"], "2024-03-04");
    assert_eq!(b["end"], "2024-03-08");
    assert_eq!(b["unit"], "points");
    assert_eq!(b["state"], "closed");
    // Committed at the end of the start day: a 3 + b 5 + c 2 + d 8 + e 4 +
    // f 0 + h 2 (created on the start day) = 24, 7 items; g (no sprint) is not.
    assert_eq!(b["committed"], 24.0);
    assert_eq!(b["committed_items"], 7);
    assert_eq!(
        series(&b),
        vec![
            // Start day: nothing done; ideal = committed.
            json!(["2024-03-04", 24.0, 0.0, 0.0, 0.0, 24.0]),
            // a done (3 completed), g (1) added: 24 - 3 + 1 = 22; ideal 24 × 3/4.
            json!(["2024-03-05", 22.0, 3.0, 1.0, 0.0, 18.0]),
            // No commit: unchanged; ideal 24 × 2/4.
            json!(["2024-03-06", 22.0, 3.0, 0.0, 0.0, 12.0]),
            // a re-opened (+3 back), c re-estimated 2 → 5 (+3), d cancelled
            // (−8, not completed), e moved to s2 (−4, removed):
            // 22 + 3 + 3 − 8 − 4 = 16; completed back to 0.
            json!(["2024-03-07", 16.0, 0.0, 0.0, 4.0, 6.0]),
            // a and b done: 16 − 3 − 5 = 8 remaining (c 5, h 2, g 1, f 0); 8 completed.
            json!(["2024-03-08", 8.0, 8.0, 0.0, 0.0, 0.0]),
        ]
    );
    let days = b["days"].as_array().expect("days");
    // f has no estimate: counted separately while open.
    assert!(days.iter().all(|d| d["unestimated"] == 1));
    assert_eq!(days[2]["re_estimated"], 0.0);
    assert_eq!(days[3]["re_estimated"], 3.0);
    let changes: Vec<Value> = days[3]["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| json!([c["id"], c["change"], c["points"]]))
        .collect();
    assert_eq!(
        changes,
        vec![
            json!(["a", "reopened", 3.0]),
            json!(["c", "re_estimated", 3.0]),
            json!(["d", "cancelled", 8.0]),
            json!(["e", "removed", 4.0]),
        ]
    );
}

#[test]
fn burndown_of_a_sprint_that_has_not_ended() {
    let r = scripted(None);
    // Today = the HEAD commit's date, 2024-03-12: two days of s2.
    let b = json_of(&r.path, &["burndown", "s2", "--format", "json"]);
    assert_eq!(b["state"], "active");
    // e 4 (moved on 03-07) + c 5 (carried over on the start day) = 9.
    assert_eq!(b["committed"], 9.0);
    assert_eq!(
        series(&b),
        vec![json!(["2024-03-11", 9.0, 0.0, 0.0, 0.0, 9.0]), json!(["2024-03-12", 9.0, 0.0, 0.0, 0.0, 6.75])]
    );
    // --today moves "today": one more day (nothing changed), ideal 9 × 2/4.
    let b = json_of(&r.path, &["burndown", "s2", "--format", "json", "--today", "2024-03-13"]);
    assert_eq!(series(&b).last(), Some(&json!(["2024-03-13", 9.0, 0.0, 0.0, 0.0, 4.5])));
    // Before the start: planned, no days.
    let b = json_of(&r.path, &["burndown", "s2", "--format", "json", "--today", "2024-03-08"]);
    assert_eq!(b["state"], "planned");
    assert_eq!(b["days"], json!([]));
}

#[test]
fn timezone_moves_changes_to_the_local_day() {
    // In +10:00 (local = UTC + 10 h): h's creation (03-04 16:00 UTC) lands
    // on 03-05 02:00, after the start day, so it is scope added, not
    // committed; e's move (03-07 14:00 UTC) lands on 03-08 00:00.
    let r = scripted(Some("+10:00"));
    let b = json_of(&r.path, &["burndown", "s1", "--format", "json"]);
    // Committed: a 3 + b 5 + c 2 + d 8 + e 4 + f 0 = 22.
    assert_eq!(b["committed"], 22.0);
    assert_eq!(
        series(&b),
        vec![
            json!(["2024-03-04", 22.0, 0.0, 0.0, 0.0, 22.0]),
            // a done (−3), h 2 and g 1 added: 22 − 3 + 3 = 22; ideal 22 × 3/4.
            json!(["2024-03-05", 22.0, 3.0, 3.0, 0.0, 16.5]),
            json!(["2024-03-06", 22.0, 3.0, 0.0, 0.0, 11.0]),
            // a re-opened (+3), c +3, d cancelled (−8): 20; e still in.
            json!(["2024-03-07", 20.0, 0.0, 0.0, 0.0, 5.5]),
            // e removed (−4), a and b done (−8): 8.
            json!(["2024-03-08", 8.0, 8.0, 0.0, 4.0, 0.0]),
        ]
    );
}

#[test]
fn metrics_known_by_construction() {
    let r = scripted(None);
    let m = json_of(&r.path, &["metrics", "--format", "json"]);
    assert_eq!(m["today"], "2024-03-12");
    // Velocity: s1 is the only closed sprint: a 3 + b 5 delivered by its end.
    assert_eq!(m["velocity"]["sprints"], json!([{"sprint": "s1", "points": 8.0}]));
    assert_eq!(m["velocity"]["average_last_3"], 8.0);
    let s1 = &m["sprints"][0];
    assert_eq!((s1["committed"].clone(), s1["completed"].clone()), (json!(24.0), json!(8.0)));
    // 8 / 24.
    assert_eq!(s1["completion_ratio"], 0.33);
    // Scope creep: 1 point added (g) of 24 committed = 4.17%; 4 removed (e).
    assert_eq!(
        m["scope_creep"][0],
        json!({"sprint": "s1", "committed": 24.0, "added": 1.0, "removed": 4.0, "percent": 4.17})
    );
    assert_eq!(m["scope_creep"][1]["sprint"], "s2");
    // Cycle time: a from 03-04 10:00 (first in progress) to 03-08 10:00
    // (last done, after the re-open) = 4 days; b 03-05 10:00 → 03-08 10:00 = 3.
    // Median of {3, 4} = 3.5; 85th percentile (nearest rank 2 of 2) = 4.
    assert_eq!(m["cycle_time"]["all"], json!({"count": 2, "median": 3.5, "p85": 4.0}));
    assert_eq!(m["cycle_time"]["by_kind"]["story"]["count"], 2);
    // Lead time: created 03-01 12:00 → done 03-08 10:00 = 6 d 22 h = 6.92 days, both.
    assert_eq!(m["lead_time"]["all"], json!({"count": 2, "median": 6.92, "p85": 6.92}));
    // Throughput: both delivered in ISO week 2024-W10 (Mon 03-04).
    assert_eq!(m["throughput"], json!([{"week": "2024-W10", "start": "2024-03-04", "items": 2, "points": 8.0}]));
    // Cumulative flow from the first event (03-01) to today (03-12): 12 days.
    let cfd = m["cumulative_flow"].as_array().expect("cfd");
    assert_eq!(cfd.len(), 12);
    let counts = |k: usize| json!([cfd[k]["date"], cfd[k]["todo"], cfd[k]["doing"], cfd[k]["done"]]);
    // 03-01: a–g ready/backlog; the epic is in progress.
    assert_eq!(counts(0), json!(["2024-03-01", 7, 1, 0]));
    // 03-07: a, b, ep doing; d cancelled (done category); c, e, f, g, h to do.
    assert_eq!(counts(6), json!(["2024-03-07", 5, 3, 1]));
    // 03-12: a, b, d done; e, h, ep doing; c, f, g to do.
    assert_eq!(counts(11), json!(["2024-03-12", 3, 3, 3]));
    // Forecast: the epic has c 5 + g 1 + h 2 + f 0 = 8 open points; the only
    // velocity is 8, so every trial needs 1 sprint; the cadence is 7 days
    // (s1 → s2 starts): 03-12 + 7 = 03-19, after the due date 03-18.
    let f = &m["forecasts"][0];
    assert_eq!(f["id"], "ep");
    assert_eq!(f["remaining"], 8.0);
    assert_eq!((f["p50"].clone(), f["p85"].clone()), (json!("2024-03-19"), json!("2024-03-19")));
    assert_eq!(f["late"], true);
    assert_eq!(m["forecast_basis"]["velocities"], json!([8.0]));
    assert_eq!(m["forecast_basis"]["sprint_days"], 7);
    let rules: Vec<&str> =
        m["insights"].as_array().expect("insights").iter().filter_map(|i| i["rule"].as_str()).collect();
    assert!(rules.contains(&"forecast-past-due"), "{rules:?}");
    // s2 plans c 5 + e 4 = 9, above the recent velocity 8.
    assert!(rules.contains(&"over-velocity"), "{rules:?}");
    // The epic has been in progress without a change since 03-01, but it
    // moves through its children: not stale.
    assert!(!rules.contains(&"stale"), "{rules:?}");
    // Deterministic: the same output twice, with and without the cache.
    let (_, a1, _) = cairn(&r.path, &["metrics", "--format", "json"]);
    let (_, a2, _) = cairn(&r.path, &["metrics", "--format", "json", "--no-cache"]);
    assert_eq!(a1, a2);
    // Text output names the numbers too.
    let (code, text, _) = cairn(&r.path, &["metrics"]);
    assert_eq!(code, 0);
    assert!(text.contains("average of the last 3: 8"), "{text}");
}

#[test]
fn stale_items_with_a_later_today() {
    let r = scripted(None);
    // On 03-20, h (last change 03-08 10:00) and e (03-12 10:00) have been in
    // progress for more than 7 days without a change (the epic, a parent, is not counted).
    let m = json_of(&r.path, &["metrics", "--format", "json", "--today", "2024-03-20"]);
    let stale = m["insights"].as_array().expect("insights").iter().find(|i| i["rule"] == "stale").cloned();
    assert_eq!(stale.map(|s| s["items"].clone()), Some(json!(["e", "h"])));
}

#[test]
fn burndown_svg_and_text() {
    let r = scripted(None);
    let (code, svg, err) = cairn(&r.path, &["burndown", "s1", "--format", "svg"]);
    assert_eq!(code, 0, "{err}");
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(svg.contains("c-ideal") && svg.contains("<title"), "{svg}");
    let (code, text, _) = cairn(&r.path, &["burndown", "s1"]);
    assert_eq!(code, 0);
    assert!(text.contains("2024-03-07") && text.contains("e removed"), "{text}");
}

#[test]
fn burndown_errors() {
    let r = scripted(None);
    let (code, _, err) = cairn(&r.path, &["burndown", "s3"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown sprint `s3`"), "{err}");
    let (code, _, _) = cairn(&r.path, &["burndown", "s1", "--today", "yesterday"]);
    assert_eq!(code, 2);
    // No git repository: exit 2.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("sprints")).expect("mkdir");
    std::fs::write(dir.path().join("sprints/s1.md"), "---\ntitle: S\nstart: 2024-03-04\nend: 2024-03-08\n---\n")
        .expect("write");
    let (code, _, err) = cairn(dir.path(), &["burndown", "s1"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = cairn(dir.path(), &["metrics"]);
    assert_eq!(code, 2);
}

#[test]
fn check_warns_about_risky_items() {
    let r = Repo::new();
    r.write("sprints/s1.md", "---\ntitle: Sprint 1\nstart: 2024-03-04\nend: 2024-03-08\n---\n");
    r.write("sprints/s2.md", "---\ntitle: Sprint 2\nstart: 2024-03-11\nend: 2024-03-15\n---\n");
    // x is in progress while y is not done (W020), and y is planned in the later s2 (W021).
    r.write("stories/x.md", &story("in_progress", Some(1.0), Some("s1"), "depends_on: [y]\n"));
    r.write("stories/y.md", &story("ready", Some(1.0), Some("s2"), ""));
    // z is open and due before HEAD's date (W022); w duplicates y and is open (W023).
    r.write("stories/z.md", &story("ready", None, None, "due: 2024-03-01\n"));
    r.write("stories/w.md", &story("ready", None, None, "duplicates: y\n"));
    r.commit("Ana", "2024-03-05T10:00:00Z", "risky");
    let codes = |args: &[&str]| -> Vec<(String, String)> {
        let v = json_of(&r.path, args);
        v["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|d| (d["code"].as_str().unwrap_or("").to_string(), d["id"].as_str().unwrap_or("").to_string()))
            .collect()
    };
    let all = codes(&["check", "--format", "json"]);
    for (code, id) in [("W020", "x"), ("W021", "x"), ("W022", "z"), ("W023", "w")] {
        assert!(all.contains(&(code.to_string(), id.to_string())), "{code} {id} in {all:?}");
    }
    // --no-history: no git, so no "today", so no W022.
    let nh = codes(&["check", "--format", "json", "--no-history"]);
    assert!(!nh.iter().any(|(c, _)| c == "W022"), "{nh:?}");
    assert!(nh.iter().any(|(c, _)| c == "W020"), "{nh:?}");
    let (code, text, _) = cairn(&r.path, &["explain", "W021"]);
    assert_eq!(code, 0);
    assert!(text.contains("dependency-in-later-sprint"));
}

#[test]
fn site_shows_the_same_numbers() {
    let r = scripted(None);
    let out = tempfile::tempdir().expect("tempdir");
    let site = out.path().join("site");
    let site_s = site.to_string_lossy().to_string();
    let (code, _, err) = cairn(&r.path, &["build", "--out", &site_s]);
    assert_eq!(code, 0, "{err}");
    let read = |p: &str| std::fs::read_to_string(site.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    // The static API's metrics are the CLI's JSON.
    let api: Value = serde_json::from_str(&read("api/v1/metrics.json")).expect("json");
    let cli = json_of(&r.path, &["metrics", "--format", "json"]);
    assert_eq!(api["velocity"], cli["velocity"]);
    assert_eq!(api["cumulative_flow"], cli["cumulative_flow"]);
    // The sprint page: the burndown chart the CLI draws, and the scope changes day by day.
    let page = read("sprints/s1.html");
    let (_, svg, _) = cairn(&r.path, &["burndown", "s1", "--format", "svg"]);
    assert!(page.contains(svg.trim()), "the sprint page embeds `cairn burndown --format svg`");
    assert!(page.contains("Day by day") && page.contains("re estimated"), "scope changes listed");
    let metrics = read("metrics.html");
    for id in ["velocity-t", "throughput-t", "cfd-t"] {
        assert!(metrics.contains(id), "{id} chart on metrics.html");
    }
    assert!(read("insights.html").contains("forecast to finish after its due date"));
}

/// `--today D` takes the backlog as of the last commit on or before D:
/// b was due 03-05 until 03-10, when its due date moved to 03-30 and
/// sprint s2 was planned.
#[test]
fn today_means_as_of_that_day() {
    let r = Repo::new();
    r.write("sprints/s1.md", "---\ntitle: Sprint 1\nstart: 2024-03-04\nend: 2024-03-08\n---\n");
    r.write("stories/b.md", &story("ready", Some(2.0), Some("s1"), "due: 2024-03-05\n"));
    r.commit("Ana", "2024-03-01T12:00:00Z", "plan");
    r.write("stories/b.md", &story("ready", Some(2.0), Some("s1"), "due: 2024-03-30\n"));
    r.write("sprints/s2.md", "---\ntitle: Sprint 2\nstart: 2024-03-11\nend: 2024-03-15\n---\n");
    r.commit("Ben", "2024-03-10T12:00:00Z", "replan");
    let overdue = |args: &[&str]| -> Option<Value> {
        let m = json_of(&r.path, args);
        m["insights"].as_array().expect("insights").iter().find(|i| i["rule"] == "overdue").map(|i| i["items"].clone())
    };
    // On 03-06 b was open and due the day before (as the plan stood then).
    assert_eq!(overdue(&["metrics", "--format", "json", "--today", "2024-03-06"]), Some(json!(["b"])));
    // From 03-10 on it is due 03-30.
    assert_eq!(overdue(&["metrics", "--format", "json", "--today", "2024-03-12"]), None);
    assert_eq!(overdue(&["metrics", "--format", "json"]), None);
    // s2 did not exist on 03-06.
    let (code, _, err) = cairn(&r.path, &["burndown", "s2", "--today", "2024-03-06"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown sprint `s2`"), "{err}");
    let b = json_of(&r.path, &["burndown", "s2", "--format", "json", "--today", "2024-03-10"]);
    assert_eq!(b["state"], "planned");
    // Before the first commit there was no backlog yet.
    let m = json_of(&r.path, &["metrics", "--format", "json", "--today", "2024-02-01"]);
    assert_eq!(m["insights"], json!([]));
    // Uncommitted files do not change the past.
    r.write("stories/b.md", &story("done", Some(2.0), Some("s1"), "due: 2024-03-05\n"));
    assert_eq!(overdue(&["metrics", "--format", "json", "--today", "2024-03-06"]), Some(json!(["b"])));
}

/// With `first_parent: false`, a branch's commits count at their own
/// (monotone) times, not at the time of the main-line commits the walk
/// happens to visit first: x started 03-02 and was done 03-03 on a branch
/// merged on 03-06, after an unrelated main-line commit on 03-05.
#[test]
fn metrics_use_each_commits_own_time() {
    let r = Repo::new();
    r.write("cairn.yml", "history: { first_parent: false }\n");
    r.write("stories/x.md", &story("ready", Some(1.0), None, ""));
    r.commit("Ana", "2024-03-01T10:00:00Z", "x");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("stories/x.md", &story("in_progress", Some(1.0), None, ""));
    r.commit("Ben", "2024-03-02T10:00:00Z", "start x");
    r.write("stories/x.md", &story("done", Some(1.0), None, ""));
    r.commit("Ben", "2024-03-03T10:00:00Z", "x done");
    r.git(&["checkout", "-q", "main"]);
    r.write("stories/y.md", &story("ready", Some(1.0), None, ""));
    r.commit("Ana", "2024-03-05T10:00:00Z", "y");
    r.merge("feature", "Cleo", "2024-03-06T10:00:00Z");
    let m = json_of(&r.path, &["metrics", "--format", "json"]);
    // Cycle time 03-02 → 03-03 = 1 day; lead time 03-01 → 03-03 = 2 days.
    assert_eq!(m["cycle_time"]["all"], json!({"count": 1, "median": 1.0, "p85": 1.0}));
    assert_eq!(m["lead_time"]["all"], json!({"count": 1, "median": 2.0, "p85": 2.0}));
}
