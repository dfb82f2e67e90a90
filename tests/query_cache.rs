//! Queries answered through the parse cache (`.cairn-cache/`) give a cold
//! run's answers after any change between two runs: a file edited in place
//! (same size, same modification time), edited, added, removed, renamed,
//! and `cairn.yml` changed; and so do those answered from the query index
//! (`.cairn-cache/columns.bin`), which must never be trusted stale or
//! damaged. Every file is dated an hour back so that the
//! cache keeps it (files changed within two seconds are not cached).

use std::path::Path;
use std::time::{Duration, SystemTime};

use assert_cmd::Command;
use serde_json::Value;

const HOUR: Duration = Duration::from_secs(3600);

fn cairn(root: &Path, args: &[&str], cached: bool) -> Value {
    let mut c = Command::cargo_bin("cairn").unwrap();
    c.env("NO_COLOR", "1").env_remove("CI").args(args).arg("-C").arg(root);
    if !cached {
        c.env("CAIRN_NO_CACHE", "1");
    }
    let out = c.output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn date(path: &Path, at: SystemTime) {
    std::fs::File::options().append(true).open(path).unwrap().set_modified(at).unwrap();
}

/// Dates every file and folder under `root` (but the cache) an hour back;
/// makes the cache folder first (making it changes the root's time).
fn age(root: &Path) {
    std::fs::create_dir_all(root.join(".cairn-cache")).unwrap();
    for e in walkdir::WalkDir::new(root).into_iter().filter_map(Result::ok) {
        if e.path().components().any(|c| c.as_os_str() == ".cairn-cache") {
            continue;
        }
        let at = SystemTime::now() - HOUR;
        if e.file_type().is_dir() {
            std::fs::File::open(e.path()).unwrap().set_modified(at).unwrap();
        } else {
            date(e.path(), at);
        }
    }
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn task(title: &str, status: &str, estimate: u32, depends: &str) -> String {
    let deps = if depends.is_empty() { String::new() } else { format!("depends_on: [{depends}]\n") };
    format!("---\ntitle: {title}\nstatus: {status}\nestimate: {estimate}\n{deps}---\n")
}

const WHERE: &str = "status == \"ready\" and estimate > 3";

/// (ready ids with titles, ids of `list --where WHERE`), warm twice and
/// cold, all three the same.
fn answers(root: &Path) -> (Vec<(String, String)>, Vec<String>) {
    let run = |cached: bool| {
        let ready = cairn(root, &["ready", "--format", "json"], cached);
        let ready: Vec<(String, String)> = ready["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| (o["id"].as_str().unwrap().to_string(), o["title"].as_str().unwrap().to_string()))
            .collect();
        let list = cairn(root, &["list", "--where", WHERE, "--format", "json"], cached);
        let list: Vec<String> =
            list["items"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_string()).collect();
        (ready, list)
    };
    let first = run(true);
    assert_eq!(run(true), first, "a second cached run");
    assert_eq!(run(false), first, "a run without the cache");
    first
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn cached_queries_see_every_change_between_two_runs() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "cairn.yml", "name: Cache\n");
    write(r, "tasks/a.md", &task("A", "ready", 5, ""));
    write(r, "tasks/b.md", &task("B", "ready", 2, "a"));
    write(r, "tasks/c.md", &task("C", "done", 1, ""));
    age(r);
    // b waits on a; only a has an estimate over 3.
    assert_eq!(answers(r), (pairs(&[("a", "A")]), vec!["a".to_string()]));
    assert!(r.join(".cairn-cache/items.bin").exists(), "the parse cache is written");
    assert!(r.join(".cairn-cache/files.bin").exists(), "the listing is written");

    // Edited in place: same size, the modification time put back.
    let a = r.join("tasks/a.md");
    let mtime = std::fs::metadata(&a).unwrap().modified().unwrap();
    write(r, "tasks/a.md", &task("Z", "ready", 5, ""));
    date(&a, mtime);
    assert_eq!(std::fs::metadata(&a).unwrap().modified().unwrap(), mtime);
    assert_eq!(answers(r), (pairs(&[("a", "Z")]), vec!["a".to_string()]));

    // Edited: a is done, so b is ready (its estimate is 2: no match).
    write(r, "tasks/a.md", &task("Z", "done", 5, ""));
    age(r);
    assert_eq!(answers(r), (pairs(&[("b", "B")]), vec![]));

    // Added: d is ready with an estimate of 4 (ready by id: b, d).
    write(r, "tasks/d.md", &task("D", "ready", 4, ""));
    age(r);
    assert_eq!(answers(r), (pairs(&[("b", "B"), ("d", "D")]), vec!["d".to_string()]));

    // Removed: b is gone.
    std::fs::remove_file(r.join("tasks/b.md")).unwrap();
    age(r);
    assert_eq!(answers(r), (pairs(&[("d", "D")]), vec!["d".to_string()]));

    // Renamed: d.md is now e.md, and the item's id follows its file name.
    std::fs::rename(r.join("tasks/d.md"), r.join("tasks/e.md")).unwrap();
    age(r);
    assert_eq!(answers(r), (pairs(&[("e", "D")]), vec!["e".to_string()]));

    // The configuration changed: e is ignored now.
    write(r, "cairn.yml", "name: Cache\nignore: [\"tasks/e.md\"]\n");
    age(r);
    assert_eq!(answers(r), (vec![], vec![]));
}

// ---- the query index (`.cairn-cache/columns.bin`) ----

/// The queries of the index, as `cairn` prints them (JSON and text).
const QUERIES: [&[&str]; 10] = [
    &["ready", "--format", "json"],
    &["ready"],
    &["ready", "--assignee", "ana", "--format", "json"],
    &["impact", "a", "--format", "json"],
    &["impact", "a"],
    &["list", "--where", WHERE, "--format", "json"],
    &["list", "--where", "parent == \"e\" or \"a\" in depends_on", "--format", "json", "--sort", "title"],
    &["list", "--where", "\"x\" in labels or assignee == [\"ana\"]", "--fields", "id,title,body"],
    ALL,
    &["list", "--where", "estimate > 1", "--format", "json", "--limit", "2"],
];

/// Every item, as JSON: a query that prints every row of the index.
const ALL: &[&str] = &["list", "--where", "id != \"\"", "--format", "json"];

/// stdout, stderr and exit code of `cairn -v ARGS` (cached unless `cold`).
fn run_code(root: &Path, args: &[&str], cold: bool) -> (String, String, Option<i32>) {
    let mut c = Command::cargo_bin("cairn").unwrap();
    c.env("NO_COLOR", "1").env_remove("CI").arg("-v").args(args).arg("-C").arg(root);
    if cold {
        c.env("CAIRN_NO_CACHE", "1");
    }
    let out = c.output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code())
}

/// stdout and stderr of a successful `cairn -v ARGS`.
fn run(root: &Path, args: &[&str], cold: bool) -> (String, String) {
    let (out, err, code) = run_code(root, args, cold);
    assert_eq!(code, Some(0), "{args:?}: {err}");
    (out, err)
}

/// Whether a run's log says it answered from the query index: its last
/// load was from the index (a row found damaged after the index was read
/// is followed by a normal load).
fn indexed(stderr: &str) -> bool {
    stderr.lines().rfind(|l| l.starts_with("[load]")).is_some_and(|l| l.contains("from the query index"))
}

/// Runs every query warm and cold; asserts the same bytes, and returns
/// whether each warm run was answered from the index.
fn same_as_cold(root: &Path) -> Vec<bool> {
    QUERIES
        .iter()
        .map(|args| {
            let (warm, log) = run(root, args, false);
            let (cold, _) = run(root, args, true);
            assert_eq!(warm, cold, "{args:?}");
            indexed(&log)
        })
        .collect()
}

/// An epic `e` with tasks: `a` ready (estimate 5, ana's), `b` waits on
/// `a`, `c` done, `d` ready under `e` (estimate 4, label x), `f`
/// (estimate 8) waits on `b`.
fn index_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "cairn.yml", "name: Index\n");
    write(r, "epics/e.md", "---\ntitle: Epic E\nstatus: in_progress\n---\nThe epic.\n");
    write(r, "tasks/a.md", "---\ntitle: Alpha\nstatus: ready\nestimate: 5\nassignee: ana\n---\nBody of a.\n");
    write(r, "tasks/b.md", &task("Bravo", "ready", 2, "a"));
    write(r, "tasks/c.md", &task("Charlie", "done", 1, ""));
    write(r, "tasks/d.md", "---\ntitle: Delta\nstatus: ready\nestimate: 4\nparent: e\nlabels: [x]\n---\nBody of d.\n");
    write(r, "tasks/f.md", &task("Foxtrot", "ready", 8, "b"));
    age(r);
    dir
}

const INDEX: &str = ".cairn-cache/columns.bin";

#[test]
fn queries_from_the_query_index_print_what_a_cold_load_prints() {
    let dir = index_fixture();
    let r = dir.path();
    // The first query writes the parse cache, the listing and the index.
    let (_, log) = run(r, &["ready"], false);
    assert!(!indexed(&log));
    assert!(r.join(INDEX).is_file(), "the query wrote the index");
    assert_eq!(same_as_cold(r), vec![true; QUERIES.len()], "every query is answered from the index");
    // What `ready` prints, by construction: a (unblocks b and f) then d
    // (its epic e waits on it), both of priority medium; impact of a: b
    // (1 hop), f (2 hops).
    let (ready, _) = run(r, &["ready", "--format", "json"], false);
    let ready: Value = serde_json::from_str(&ready).unwrap();
    let got: Vec<(&str, &str, u64)> = ready["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["id"].as_str().unwrap(), o["title"].as_str().unwrap(), o["unblocks"].as_u64().unwrap()))
        .collect();
    assert_eq!(got, vec![("a", "Alpha", 2), ("d", "Delta", 1)]);
    let (impact, _) = run(r, &["impact", "a", "--format", "json"], false);
    let impact: Value = serde_json::from_str(&impact).unwrap();
    let delayed: Vec<(&str, &str, u64)> = impact["delayed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["id"].as_str().unwrap(), o["title"].as_str().unwrap(), o["distance"].as_u64().unwrap()))
        .collect();
    assert_eq!(delayed, vec![("b", "Bravo", 1), ("f", "Foxtrot", 2)]);

    // A filter on a field the columns do not hold: the normal load, the same answer.
    let args = ["list", "--where", "title == \"Delta\"", "--format", "json"];
    let (warm, log) = run(r, &args, false);
    assert!(!indexed(&log), "title is not a column");
    assert_eq!(warm, run(r, &args, true).0);
    assert!(warm.contains("\"id\": \"d\""));

    // Errors are a cold load's too: an unknown id or sprint, a bad field.
    for args in [
        &["impact", "alpha"][..],
        &["ready", "--sprint", "s9"],
        &["list", "--where", "estimat > 3"],
        &["list", "--where", "status == \"ready\"", "--sort", "nope"],
    ] {
        let (out, err, code) = run_code(r, args, false);
        let (cold_out, cold_err, cold_code) = run_code(r, args, true);
        assert_eq!((out, code), (cold_out, cold_code), "{args:?}");
        let last = |s: &str| s.lines().filter(|l| !l.starts_with('[')).collect::<Vec<_>>().join("\n");
        assert_eq!(last(&err), last(&cold_err), "{args:?}");
        assert_ne!(code, Some(0), "{args:?}");
    }
}

#[test]
fn a_stale_index_is_not_used_and_is_written_again() {
    let dir = index_fixture();
    let r = dir.path();
    run(r, &["ready"], false);
    assert_eq!(same_as_cold(r), vec![true; QUERIES.len()]);

    // Edited in place: same size, same modification time. b is done now,
    // so f, which waits on b only, is ready.
    let b = r.join("tasks/b.md");
    let mtime = std::fs::metadata(&b).unwrap().modified().unwrap();
    std::fs::write(&b, task("Bravo", "done ", 2, "a")).unwrap();
    date(&b, mtime);
    let (out, log) = run(r, &["ready", "--format", "json"], false);
    assert!(!indexed(&log), "a changed file: the index does not stand");
    assert_eq!(out, run(r, &["ready", "--format", "json"], true).0);
    assert!(out.contains("\"id\": \"f\""), "f is ready once b is done");
    run(r, &["ready"], false);
    assert_eq!(same_as_cold(r), vec![true; QUERIES.len()], "the index stands again");
    // A file changed within two seconds of the load that wrote the index
    // (here dated ahead) is not trusted by it (racy clean): the normal
    // load, run after run, until it is older.
    date(&b, SystemTime::now() + HOUR);
    for _ in 0..2 {
        let (out, log) = run(r, &["ready", "--format", "json"], false);
        assert!(!indexed(&log), "b changed just now");
        assert_eq!(out, run(r, &["ready", "--format", "json"], true).0);
    }
    age(r);
    run(r, &["ready"], false);
    assert_eq!(same_as_cold(r), vec![true; QUERIES.len()], "the index stands again");

    // The id of d changed case, in place (same size and time): D.
    let d = r.join("tasks/d.md");
    let mtime = std::fs::metadata(&d).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&d).unwrap().replace("title: Delta\n", "id: D\ntitle: Dl\n");
    std::fs::write(&d, text).unwrap();
    date(&d, mtime);
    let (out, log) = run(r, &["list", "--where", WHERE, "--format", "json"], false);
    assert!(!indexed(&log));
    assert!(out.contains("\"id\": \"D\"") && !out.contains("\"id\": \"d\""), "{out}");
    assert_eq!(out, run(r, &["list", "--where", WHERE, "--format", "json"], true).0);
    age(r);
    run(r, &["ready"], false);
    assert_eq!(same_as_cold(r), vec![true; QUERIES.len()]);

    // Added (its folder changed): the walk, the same answer.
    write(r, "tasks/g.md", &task("Golf", "ready", 9, ""));
    age(r);
    let (out, _) = run(r, &["list", "--where", WHERE, "--format", "json"], false);
    assert_eq!(out, run(r, &["list", "--where", WHERE, "--format", "json"], true).0);
    assert!(out.contains("\"id\": \"g\""));
    assert_eq!(same_as_cold(r), vec![true; QUERIES.len()]);

    // Removed: f; renamed: g.md is h.md (the id follows the file name).
    std::fs::remove_file(r.join("tasks/f.md")).unwrap();
    std::fs::rename(r.join("tasks/g.md"), r.join("tasks/h.md")).unwrap();
    age(r);
    let (out, _) = run(r, &["ready", "--format", "json"], false);
    assert!(out.contains("\"id\": \"h\"") && !out.contains("\"id\": \"g\"") && !out.contains("\"id\": \"f\""));
    run(r, &["ready"], false);
    assert_eq!(same_as_cold(r), vec![true; QUERIES.len()]);

    // The configuration changed: a is ignored now, so nothing waits on it
    // (b's dependency names no item) and impact has no `a`.
    write(r, "cairn.yml", "name: Index\nignore: [\"tasks/a.md\"]\n");
    age(r);
    let (out, log) = run(r, &["ready", "--format", "json"], false);
    assert!(!indexed(&log), "another cairn.yml");
    assert_eq!(out, run(r, &["ready", "--format", "json"], true).0);
    assert!(!out.contains("\"id\": \"a\"") && out.contains("\"id\": \"h\""), "{out}");
    let (_, err, code) = run_code(r, &["impact", "a"], false);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no item with id `a`"), "{err}");
}

#[test]
fn a_damaged_index_is_never_trusted() {
    let dir = index_fixture();
    let r = dir.path();
    run(r, &["ready"], false);
    assert_eq!(same_as_cold(r), vec![true; QUERIES.len()]);
    let index = r.join(INDEX);
    let bytes = std::fs::read(&index).unwrap();
    // A flipped byte anywhere, or a truncation: a query that reads every
    // part of the index (every row) loads normally, prints the same
    // answers, and writes the index again.
    for at in [0, 9, 13, bytes.len() / 3, bytes.len() / 2, bytes.len() - 5, bytes.len() - 1] {
        let mut bad = bytes.clone();
        bad[at] ^= 0x41;
        std::fs::write(&index, &bad).unwrap();
        let (out, log) = run(r, ALL, false);
        assert!(!indexed(&log), "flipped byte {at} went unnoticed");
        assert_eq!(out, run(r, ALL, true).0, "flipped byte {at}");
        assert_eq!(std::fs::read(&index).unwrap(), bytes, "written again after byte {at}");
    }
    for len in [0, 8, 12, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&index, &bytes[..len]).unwrap();
        let (out, log) = run(r, &["ready", "--format", "json"], false);
        assert!(!indexed(&log), "an index cut at {len} went unnoticed");
        assert_eq!(out, run(r, &["ready", "--format", "json"], true).0);
    }
    assert_eq!(same_as_cold(r), vec![true; QUERIES.len()]);

    // Each row is checked when it is read: a flipped byte in the row of c
    // (done: no query but ALL prints it) leaves `ready` and `impact` on
    // the index, and is noticed by ALL. The title is only in the row.
    let at = bytes.windows(7).position(|w| w == b"Charlie").expect("c's row holds its title");
    let mut bad = bytes.clone();
    bad[at] ^= 0x41;
    std::fs::write(&index, &bad).unwrap();
    for args in [&["ready", "--format", "json"][..], &["impact", "a", "--format", "json"]] {
        let (out, log) = run(r, args, false);
        assert!(indexed(&log), "{args:?}: c's row is not read");
        assert_eq!(out, run(r, args, true).0, "{args:?}");
    }
    let (out, log) = run(r, ALL, false);
    assert!(!indexed(&log), "c's damaged row went unnoticed");
    assert_eq!(out, run(r, ALL, true).0);
    assert!(out.contains("\"title\": \"Charlie\""));
    assert_eq!(std::fs::read(&index).unwrap(), bytes, "written again");
    // The same for a row `ready` prints (a's), and one `impact` prints (b's).
    for (title, args) in
        [("Alpha", &["ready", "--format", "json"][..]), ("Bravo", &["impact", "a", "--format", "json"])]
    {
        let at = bytes.windows(title.len()).position(|w| w == title.as_bytes()).unwrap();
        let mut bad = bytes.clone();
        bad[at + 1] ^= 0x41;
        std::fs::write(&index, &bad).unwrap();
        let (out, log) = run(r, args, false);
        assert!(!indexed(&log), "{title}'s damaged row went unnoticed");
        assert_eq!(out, run(r, args, true).0, "{args:?}");
        assert!(out.contains(&format!("\"title\": \"{title}\"")));
        assert_eq!(std::fs::read(&index).unwrap(), bytes, "written again");
    }
}

/// The example backlog (sprints with goals and capacities, custom fields,
/// references with titles, checklists, acceptance criteria, several
/// assignees, dates, fractional estimates…) copied and aged: the rows the
/// index writes straight to the output (`list --format json` by id,
/// `ready --format json`) are byte for byte a cold load's.
#[test]
fn rows_written_from_the_index_are_a_cold_loads_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("example-backlog");
    for e in walkdir::WalkDir::new(&src).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
        let rel = e.path().strip_prefix(&src).unwrap();
        let to = r.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(e.path(), to).unwrap();
    }
    age(r);
    run(r, &["ready"], false);
    let queries: [&[&str]; 5] = [
        ALL,
        &["list", "--where", "kind == \"sprint\" or estimate > 2", "--format", "json"],
        &["list", "--where", "status_category != \"done\"", "--format", "json", "--limit", "7"],
        &["ready", "--format", "json"],
        &["list", "--where", "id == \"no-such-item\"", "--format", "json"],
    ];
    for args in queries {
        let (warm, log) = run(r, args, false);
        assert!(indexed(&log), "{args:?}: answered from the index");
        assert_eq!(warm, run(r, args, true).0, "{args:?}");
    }
    // What the fixture holds, so that the comparison above covered it.
    let all: Value = serde_json::from_str(&run(r, ALL, false).0).unwrap();
    let items = all["items"].as_array().unwrap();
    let has = |key: &str| items.iter().any(|o| o.get(key).is_some_and(|v| !v.is_null()));
    for key in ["goal", "capacity", "end", "checklist", "references"] {
        assert!(has(key), "the example backlog has an item with {key}");
    }
    assert!(items.iter().any(|o| o["fields"].as_object().is_some_and(|f| !f.is_empty())));
    assert_eq!(
        run(r, &["list", "--where", "id == \"no-such-item\"", "--format", "json"], false).0,
        "{\n  \"items\": []\n}\n"
    );
}

/// A backlog's first run makes `.cairn-cache/`, which changes the root
/// folder just then: the listing is written all the same (with the root's
/// entries, checked again by the next runs), so the next query, at once,
/// is answered from the index — and a change at the root is still seen.
#[test]
fn the_query_after_the_first_run_uses_the_index() {
    let dir = index_fixture();
    let r = dir.path();
    std::fs::remove_dir_all(r.join(".cairn-cache")).unwrap();
    let hour_ago = SystemTime::now() - HOUR;
    std::fs::File::open(r).unwrap().set_modified(hour_ago).unwrap();
    let (_, log, _) = run_code(r, &["check"], false);
    assert!(!indexed(&log));
    let (out, log) = run(r, &["ready", "--format", "json"], false);
    assert!(!indexed(&log), "check writes no index: the first query does");
    assert_eq!(out, run(r, &["ready", "--format", "json"], true).0);
    let modified = std::fs::metadata(r).unwrap().modified().unwrap();
    assert!(modified > hour_ago, "making the cache folder changed the root");
    assert_eq!(same_as_cold(r), vec![true; QUERIES.len()], "answered from the index at once");
    // An item added at the root: its stamp changed; walked again, and seen.
    write(r, "top.md", &task("Top", "ready", 7, ""));
    let (out, log) = run(r, &["list", "--where", WHERE, "--format", "json"], false);
    assert!(!indexed(&log));
    assert!(out.contains("\"id\": \"top\""), "{out}");
    assert_eq!(out, run(r, &["list", "--where", WHERE, "--format", "json"], true).0);
}
