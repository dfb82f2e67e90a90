//! `cairn roadmap`: the schedule as a timeline, on a backlog whose
//! schedule is worked out by hand below (project start Monday 2 March 2026,
//! one point a day).
//!
//! ```text
//! a: 3 points, days 0–3  → 2–4 March
//! b: 2 points after a    → 5–6 March, due 5 March: late
//! m: duration 0 after b  → a milestone on 7 March
//! c: 1 point, no deps    → 2 March, slack 4 days (late finish 6 March)
//! ```

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

fn backlog() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tmp");
    let r = d.path();
    write(r, "cairn.yml", "name: Shop\nschedule: { start: 2026-03-02, points_per_day: 1 }\n");
    write(r, "epics/e.md", "---\nkind: epic\ntitle: Checkout\nstatus: in_progress\n---\n");
    write(r, "features/f.md", "---\nkind: feature\ntitle: Cards\nstatus: in_progress\nparent: e\n---\n");
    write(r, "stories/a.md", "---\nkind: story\ntitle: Card form\nstatus: ready\nparent: f\nestimate: 3\n---\n");
    write(
        r,
        "stories/b.md",
        "---\nkind: story\ntitle: \"Pay: by card, now\"\nstatus: ready\nparent: f\nestimate: 2\ndepends_on: [a]\ndue: 2026-03-05\n---\n",
    );
    write(
        r,
        "stories/m.md",
        "---\nkind: story\ntitle: Launch\nstatus: ready\nparent: f\nduration: 0\ndepends_on: [b]\n---\n",
    );
    write(r, "stories/c.md", "---\nkind: story\ntitle: Receipts\nstatus: ready\nparent: f\nestimate: 1\n---\n");
    write(r, "stories/done.md", "---\nkind: story\ntitle: Old\nstatus: done\nparent: f\nestimate: 5\n---\n");
    write(r, "sprints/s1.md", "---\nkind: sprint\ntitle: Sprint 1\nstart: 2026-03-02\nend: 2026-03-13\n---\n");
    d
}

fn roadmap(root: &Path, args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .arg("roadmap")
        .args(args)
        .args(["--today", "2026-03-04"])
        .current_dir(root)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).expect("utf-8")
}

#[test]
fn the_json_holds_the_schedule_in_hierarchy_order() {
    let d = backlog();
    let v: Value = serde_json::from_str(&roadmap(d.path(), &["--format", "json"])).expect("json");
    assert_eq!(
        (&v["start"], &v["end"], &v["today"]),
        (&json!("2026-03-02"), &json!("2026-03-06"), &json!("2026-03-04"))
    );
    let rows: Vec<Value> = v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| json!([r["id"], r["depth"], r["start"], r["finish"], r["critical"], r["milestone"], r["overdue"]]))
        .collect();
    assert_eq!(
        rows,
        [
            json!(["e", 0, "2026-03-02", "2026-03-06", true, false, false]),
            json!(["f", 1, "2026-03-02", "2026-03-06", true, false, false]),
            json!(["a", 2, "2026-03-02", "2026-03-04", true, false, false]),
            json!(["c", 2, "2026-03-02", "2026-03-02", false, false, false]),
            json!(["b", 2, "2026-03-05", "2026-03-06", true, false, true]),
            json!(["m", 2, "2026-03-07", "2026-03-07", true, true, false]),
        ]
    );
    let c = &v["rows"][3];
    assert_eq!((&c["slack_days"], &c["late_finish"]), (&json!(4.0), &json!("2026-03-06")));
    assert_eq!(v["rows"][4]["depends_on"], json!(["a"]));
    assert_eq!(v["sprints"], json!([{"id": "s1", "title": "Sprint 1", "start": "2026-03-02", "end": "2026-03-13"}]));
    // A subtree: the feature and its stories, under its epic.
    let sub: Value = serde_json::from_str(&roadmap(d.path(), &["f", "--format", "json"])).expect("json");
    let ids: Vec<&str> = sub["rows"].as_array().expect("rows").iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids, ["e", "f", "a", "c", "b", "m"]);
}

#[test]
fn mermaid_gantt_has_explicit_dates() {
    let d = backlog();
    let want = "gantt
    dateFormat YYYY-MM-DD
    axisFormat %Y-%m-%d
    title Shop
    todayMarker stroke-width:2px,stroke:#d33
    %% today 2026-03-04
    section Checkout
    Checkout :crit, t_e, 2026-03-02, 2026-03-07
    · Cards :crit, t_f, 2026-03-02, 2026-03-07
    · · Card form :crit, t_a, 2026-03-02, 2026-03-05
    · · Receipts :t_c, 2026-03-02, 2026-03-03
    · · Pay﹕ by card, now :crit, active, t_b, 2026-03-05, 2026-03-07
    · · Launch :crit, milestone, t_m, 2026-03-07, 0d
";
    assert_eq!(roadmap(d.path(), &["--format", "mermaid"]), want);
}

#[test]
fn icalendar_has_due_dates_sprints_and_milestones() {
    let d = backlog();
    let ics = roadmap(d.path(), &["--format", "ics"]);
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    assert!(ics.split("\r\n").all(|l| l.len() <= 75), "folded at 75 octets");
    assert!(!ics.replace("\r\n", "").contains('\n'), "CRLF line ends only");
    let events: Vec<&str> = ics.split("BEGIN:VEVENT\r\n").skip(1).collect();
    assert_eq!(events.len(), 3, "{ics}");
    assert_eq!(
        events[0],
        "UID:sprint-s1@cairn\r\nDTSTAMP:20260304T000000Z\r\nDTSTART;VALUE=DATE:20260302\r\nDTEND;VALUE=DATE:20260314\r\nSUMMARY:Sprint 1\r\nDESCRIPTION:Sprint s1\r\nEND:VEVENT\r\n"
    );
    assert!(events[1].starts_with("UID:milestone-m@cairn\r\nDTSTAMP:20260304T000000Z\r\nDTSTART;VALUE=DATE:20260307\r\nDTEND;VALUE=DATE:20260308\r\nSUMMARY:◆ Launch\r\n"));
    assert!(events[2].contains("UID:due-b@cairn\r\n") && events[2].contains("SUMMARY:Due: Pay: by card\\, now\r\n"));
    assert!(events[2].contains("DTSTART;VALUE=DATE:20260305\r\nDTEND;VALUE=DATE:20260306\r\n"));
}

#[test]
fn the_svg_gantt_draws_bars_slack_due_dates_and_today() {
    let d = backlog();
    let svg = roadmap(d.path(), &["--arrows"]);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"gantt\""));
    assert_eq!(svg.matches("<g class=\"g-row\">").count(), 6);
    assert_eq!(svg.matches("class=\"g-crit\"").count(), 2, "a and b: critical leaf bars");
    assert_eq!(svg.matches("class=\"g-bar\"").count(), 1, "c");
    assert_eq!(svg.matches("class=\"g-slack\"").count(), 1, "c's slack");
    assert_eq!(svg.matches("class=\"g-sum\"").count(), 2, "e and f");
    assert_eq!(svg.matches("class=\"g-ms\"").count(), 1, "m");
    assert_eq!(svg.matches("class=\"g-late\"").count(), 1, "b is due before it can finish");
    assert_eq!(svg.matches("class=\"g-dep\"").count(), 2, "b after a, m after b");
    assert!(svg.contains("<title>today 2026-03-04</title>"));
    assert!(svg.contains(">Sprint 1</text>"));
    assert!(svg.contains("Pay: by card, now"));
    assert_eq!(svg, roadmap(d.path(), &["--arrows"]), "deterministic");
}

#[test]
fn without_a_start_there_are_no_dates_and_a_clear_warning() {
    let d = tempfile::tempdir().expect("tmp");
    write(d.path(), "stories/a.md", "---\nkind: story\ntitle: A\nstatus: ready\nestimate: 1\n---\n");
    let o = Command::new(env!("CARGO_BIN_EXE_cairn")).args(["roadmap"]).current_dir(d.path()).output().expect("runs");
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("set `schedule.start` in cairn.yml"));
    assert!(String::from_utf8_lossy(&o.stdout).contains("No dates"));
    let o = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["roadmap", "nope"])
        .current_dir(d.path())
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_due_date_far_away_does_not_make_the_picture_huge() {
    let d = backlog();
    write(
        d.path(),
        "stories/far.md",
        "---\nkind: story\ntitle: Far\nstatus: ready\nparent: f\nestimate: 1\ndue: 9999-12-31\n---\n",
    );
    let svg = roadmap(d.path(), &["--format", "svg"]);
    // Ten years at 2 px a day and the labels, not millions of pixels.
    let width: f64 = svg.split("width=\"").nth(1).and_then(|w| w.split('"').next()).unwrap().parse().unwrap();
    assert!(width <= 300.0 + 3661.0 * 2.0 + 20.0, "width {width}");
    assert!(svg.len() < 200_000, "{} bytes", svg.len());
    assert!(svg.contains("Far"));
}
