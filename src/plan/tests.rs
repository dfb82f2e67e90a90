//! Planner fixtures; every expected pick is worked out by hand in the comments.

use super::*;
use crate::graph::impact::tests::backlog;

fn sprint(id: &str, dates: &str, capacity: &str) -> (String, String) {
    (format!("sprints/{id}.md"), format!("---\ntitle: Sprint {id}\n{dates}{capacity}---\n"))
}

const S1_DATES: &str = "start: 2026-03-02\nend: 2026-03-13\n";

fn task(id: &str, fm: &str) -> (String, String) {
    (format!("tasks/{id}.md"), format!("---\ntitle: T {id}\nstatus: ready\n{fm}---\n"))
}

fn run(files: &[(String, String)], id: &str, opts: &Options) -> Result<Plan, PlanError> {
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let b = backlog(&refs);
    let g = Graph::build(&b);
    plan_sprint(&b, &g, id, opts)
}

fn picks(p: &Plan) -> Vec<&str> {
    p.picked.iter().map(|x| x.id.as_str()).collect()
}

fn skips(p: &Plan) -> Vec<(&str, SkipCode)> {
    p.skipped.iter().map(|x| (x.id.as_str(), x.code)).collect()
}

#[test]
fn capacity_exactly_filled() {
    // 10 points: a (high, 5) first, then the medium ones b (3) and c (2):
    // 10 used, 0 left; d (low, 4) does not fit the 0 left.
    let files = vec![
        sprint("s1", S1_DATES, "capacity: 10\n"),
        task("a", "priority: high\nestimate: 5\n"),
        task("b", "estimate: 3\n"),
        task("c", "estimate: 2\n"),
        task("d", "priority: low\nestimate: 4\n"),
    ];
    let p = run(&files, "s1", &Options::default()).unwrap();
    assert_eq!(p.mode, Mode::Total);
    assert_eq!(picks(&p), vec!["a", "b", "c"]);
    assert_eq!((p.capacity.total, p.capacity.planned, p.capacity.left), (10.0, 10.0, 0.0));
    assert_eq!(skips(&p), vec![("d", SkipCode::DoesNotFit)]);
    assert_eq!(p.skipped[0].reason, "skipped d: 4 pts does not fit the 0 left");
    assert!(p.picked[0].reason.starts_with("picked a: priority high, "), "{}", p.picked[0].reason);
    assert!(p.picked[0].reason.ends_with(", 5 pts, 5 of 10 left"), "{}", p.picked[0].reason);
}

#[test]
fn a_chain_split_at_the_capacity_boundary() {
    // 6 points. x1 (3) ← x2 (2) ← x3 (3) ← z (1), and y (low, 1).
    // x1 first (it unblocks 3), 3 left; x2 becomes eligible and outranks y:
    // 1 left; x3 (3) does not fit; y (1) does: 0 left; z waits on x3.
    let files = vec![
        sprint("s1", S1_DATES, "capacity: 6\n"),
        task("x1", "estimate: 3\n"),
        task("x2", "estimate: 2\ndepends_on: [x1]\n"),
        task("x3", "estimate: 3\ndepends_on: [x2]\n"),
        task("z", "estimate: 1\ndepends_on: [x3]\n"),
        task("y", "priority: low\nestimate: 1\n"),
    ];
    let p = run(&files, "s1", &Options::default()).unwrap();
    assert_eq!(picks(&p), vec!["x1", "x2", "y"]);
    assert_eq!(p.picked[0].unblocks, 3);
    assert_eq!(p.picked[0].unblocks_ids, vec!["x2", "x3", "z"]);
    assert!(p.picked[0].reason.contains("unblocks 3 (x2, x3, z)"), "{}", p.picked[0].reason);
    assert_eq!(skips(&p), vec![("x3", SkipCode::DoesNotFit), ("z", SkipCode::Blocked)]);
    assert_eq!(p.skipped[0].reason, "skipped x3: 3 pts does not fit the 1 left");
    assert_eq!(
        p.skipped[1].reason,
        "skipped z: depends on x3 which is not done and not planned (x3 is skipped: 3 pts does not fit the 1 left)"
    );
    assert_eq!(p.skipped[1].evidence, vec!["x3"]);
    assert_eq!(p.capacity.left, 0.0);
}

#[test]
fn per_person_capacity() {
    // ana 5, ben 3 (8 in all). a1 (ana 3, high): ana 2 left. a2 (ana 3):
    // does not fit ana's 2. b1 (ben 2): ben 1. b2 (ben 2, low): does not
    // fit ben's 1. u (nobody, 1, low): team 8-3-2-1 = 2 left. shared (ana
    // and ben, 2, lowest): 1 each, fits ana's 2 and ben's 1: all 8 used.
    let files = vec![
        sprint("s1", S1_DATES, "capacity: { ana: 5, ben: 3 }\n"),
        task("a1", "priority: high\nassignee: ana\nestimate: 3\n"),
        task("a2", "assignee: ana\nestimate: 3\n"),
        task("b1", "assignee: ben\nestimate: 2\n"),
        task("b2", "priority: low\nassignee: ben\nestimate: 2\n"),
        task("u", "priority: low\nestimate: 1\n"),
        task("shared", "priority: lowest\nassignee: [ana, ben]\nestimate: 2\n"),
    ];
    let p = run(&files, "s1", &Options::default()).unwrap();
    assert_eq!(p.mode, Mode::PerPerson);
    assert_eq!(picks(&p), vec!["a1", "b1", "u", "shared"]);
    assert_eq!(skips(&p), vec![("a2", SkipCode::DoesNotFit), ("b2", SkipCode::DoesNotFit)]);
    assert_eq!(p.skipped[0].reason, "skipped a2: 3 pts does not fit the 2 left for ana");
    assert_eq!(p.skipped[1].reason, "skipped b2: 2 pts does not fit the 1 left for ben");
    assert!(p.picked[0].reason.ends_with("3 pts, 2 of 5 left for ana"), "{}", p.picked[0].reason);
    assert!(p.picked[2].reason.ends_with("1 pts, 2 of 8 left for the team"), "{}", p.picked[2].reason);
    let people: Vec<(&str, f64, f64, f64)> =
        p.capacity.people.iter().map(|x| (x.name.as_str(), x.capacity, x.planned, x.left)).collect();
    assert_eq!(people, vec![("ana", 5.0, 4.0, 1.0), ("ben", 3.0, 3.0, 0.0)]);
    assert_eq!((p.capacity.planned, p.capacity.left), (8.0, 0.0));
    // --capacity: one team total, no per-person limits: 3+3+2+2 = 10 by
    // order (a1, a2, b1, then b2 and u: b2 fits 2 → 0 left).
    let p = run(&files, "s1", &Options { capacity: Some(10.0) }).unwrap();
    assert_eq!(p.mode, Mode::Total);
    assert_eq!(p.capacity.planned, 10.0);
}

#[test]
fn an_over_committed_person() {
    // ana has 8 in s2 but 5 points of open work in s1, which overlaps s2
    // (03-09..03-13): 3 left. p1 (3) takes them; p2 (1) does not fit. The
    // done item in s1 and the work in s0 (not overlapping) do not count.
    let files = vec![
        sprint("s0", "start: 2026-02-02\nend: 2026-02-13\n", "capacity: { ana: 8 }\n"),
        sprint("s1", S1_DATES, "capacity: { ana: 8 }\n"),
        sprint("s2", "start: 2026-03-09\nend: 2026-03-20\n", "capacity: { ana: 8 }\n"),
        task("o1", "assignee: ana\nestimate: 5\nsprint: s1\n"),
        ("tasks/o2.md".into(), "---\ntitle: O2\nstatus: done\nassignee: ana\nestimate: 4\nsprint: s1\n---\n".into()),
        (
            "tasks/o0.md".into(),
            "---\ntitle: O0\nstatus: in_progress\nassignee: ana\nestimate: 4\nsprint: s0\n---\n".into(),
        ),
        task("p1", "assignee: ana\nestimate: 3\n"),
        task("p2", "assignee: ana\nestimate: 1\n"),
    ];
    let p = run(&files, "s2", &Options::default()).unwrap();
    assert_eq!(picks(&p), vec!["p1"]);
    let ana = &p.capacity.people[0];
    assert_eq!((ana.capacity, ana.committed_elsewhere, ana.left), (8.0, 5.0, 0.0));
    assert_eq!(ana.elsewhere.len(), 1);
    assert_eq!((ana.elsewhere[0].sprint.as_str(), ana.elsewhere[0].items.clone()), ("s1", vec!["o1".to_string()]));
    assert_eq!(p.skipped[0].reason, "skipped p2: 1 pts does not fit the 0 left for ana");
    assert_eq!(p.capacity.committed_elsewhere, 5.0);
}

#[test]
fn ties_are_broken_by_id_and_the_sprint_keeps_what_it_has() {
    // m (3) is in s1 already: 7-3 = 4 left. t-a, t-b, t-c are equal in
    // every key but the id: t-a and t-b take the 4; t-c does not fit.
    let files = vec![
        sprint("s1", S1_DATES, "capacity: 7\n"),
        task("m", "estimate: 3\nsprint: s1\n"),
        task("t-c", "estimate: 2\n"),
        task("t-a", "estimate: 2\n"),
        task("t-b", "estimate: 2\n"),
    ];
    let p = run(&files, "s1", &Options::default()).unwrap();
    assert_eq!(picks(&p), vec!["t-a", "t-b"]);
    assert_eq!(p.already.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), vec!["m"]);
    assert_eq!(p.capacity.already, 3.0);
    assert_eq!(skips(&p), vec![("t-c", SkipCode::DoesNotFit)]);
    // The same input, the same bytes.
    let again = run(&files, "s1", &Options::default()).unwrap();
    assert_eq!(serde_json::to_string(&p).unwrap(), serde_json::to_string(&again).unwrap());
}

#[test]
fn unestimated_containers_and_dependencies_on_the_sprint() {
    // e has an open child st: a container. n has no estimate. d depends on
    // m, already in the sprint: eligible. Capacity 20 holds everything else.
    let files = vec![
        sprint("s1", S1_DATES, "capacity: 20\n"),
        ("epics/e.md".into(), "---\ntitle: E\nstatus: ready\nestimate: 8\n---\n".into()),
        ("stories/st.md".into(), "---\ntitle: St\nstatus: ready\nparent: e\nestimate: 2\n---\n".into()),
        task("n", ""),
        ("tasks/m.md".into(), "---\ntitle: M\nstatus: in_progress\nestimate: 1\nsprint: s1\n---\n".into()),
        task("d", "estimate: 1\ndepends_on: [m]\n"),
    ];
    let p = run(&files, "s1", &Options::default()).unwrap();
    assert_eq!(picks(&p), vec!["st", "d"]);
    assert_eq!(skips(&p), vec![("n", SkipCode::Unestimated), ("e", SkipCode::Container)]);
    assert_eq!(p.skipped[1].reason, "skipped e: a container with 1 open child: st");
    assert_eq!(p.skipped[0].reason, "skipped n: unestimated: add `estimate:` to plan it");
}

#[test]
fn cycles_are_reported_and_planned_around() {
    // c1 ⇄ c2 is a cycle; w waits on c1; f is free.
    let files = vec![
        sprint("s1", S1_DATES, "capacity: 10\n"),
        task("c1", "estimate: 1\ndepends_on: [c2]\n"),
        task("c2", "estimate: 1\ndepends_on: [c1]\n"),
        task("w", "estimate: 1\ndepends_on: [c1]\n"),
        task("f", "estimate: 1\n"),
    ];
    let p = run(&files, "s1", &Options::default()).unwrap();
    assert_eq!(picks(&p), vec!["f"]);
    assert_eq!(p.cycles, vec![vec!["c1", "c2", "c1"]]);
    assert_eq!(skips(&p), vec![("w", SkipCode::Blocked), ("c1", SkipCode::Cycle), ("c2", SkipCode::Cycle)]);
    assert_eq!(p.skipped[1].reason, "skipped c1: on a dependency cycle: c1 → c2 → c1");
    assert_eq!(p.skipped[1].evidence, vec!["c1", "c2", "c1"]);
}

#[test]
fn capacity_zero_is_an_empty_plan_with_the_reason() {
    let files = vec![sprint("s1", S1_DATES, "capacity: { ana: 0 }\n"), task("a", "assignee: ana\nestimate: 1\n")];
    let p = run(&files, "s1", &Options::default()).unwrap();
    assert!(p.picked.is_empty() && p.skipped.is_empty());
    assert_eq!(p.notes, vec!["the capacity of s1 is 0: nothing can be planned"]);
    let p = run(&files, "s1", &Options { capacity: Some(0.0) }).unwrap();
    assert!(p.picked.is_empty());
    // Full before planning: 3 in the sprint of 3.
    let files = vec![
        sprint("s1", S1_DATES, "capacity: 3\n"),
        task("m", "estimate: 3\nsprint: s1\n"),
        task("a", "estimate: 1\n"),
    ];
    let p = run(&files, "s1", &Options::default()).unwrap();
    assert!(p.picked.is_empty() && p.skipped.is_empty());
    assert_eq!(p.notes, vec!["no points left in s1 (3 of 3 taken before planning): nothing can be planned"]);
}

#[test]
fn carried_over_work_is_planned_again() {
    // c0 sits in s0, which ended before s1 starts, still ready: a candidate.
    let files = vec![
        sprint("s0", "start: 2026-02-02\nend: 2026-02-13\n", "capacity: 5\n"),
        sprint("s1", S1_DATES, "capacity: 5\n"),
        task("c0", "estimate: 2\nsprint: s0\n"),
    ];
    assert_eq!(picks(&run(&files, "s1", &Options::default()).unwrap()), vec!["c0"]);
}

#[test]
fn bad_sprints_say_what_to_add() {
    let files = vec![
        sprint("s1", S1_DATES, "capacity: 5\n"),
        sprint("nodates", "", "capacity: 5\n"),
        sprint("noend", "start: 2026-03-02\n", "capacity: 5\n"),
        sprint("nocap", S1_DATES, ""),
        task("a", "estimate: 1\n"),
    ];
    let err = |id: &str, o: &Options| run(&files, id, o).unwrap_err().to_string();
    let o = Options::default();
    assert_eq!(err("s-1", &o), "no sprint `s-1`; did you mean `s1`?");
    assert_eq!(err("a", &o), "`a` is a task item, not a sprint");
    assert_eq!(
        err("nodates", &o),
        "sprint `nodates` has no dates: add `start: YYYY-MM-DD` and `end: YYYY-MM-DD` to sprints/nodates.md"
    );
    assert_eq!(err("noend", &o), "sprint `noend` has no end date: add `end: YYYY-MM-DD` to sprints/noend.md");
    assert!(err("nocap", &o).starts_with("sprint `nocap` has no capacity: add `capacity: { ana: 8, ben: 10 }`"));
    assert!(err("nocap", &o).ends_with("to sprints/nocap.md, or pass --capacity N"));
    assert_eq!(picks(&run(&files, "nocap", &Options { capacity: Some(1.0) }).unwrap()), vec!["a"]);
    assert_eq!(
        err("s1", &Options { capacity: Some(-1.0) }),
        "--capacity must be a number of points, 0 or more (got -1)"
    );
}
