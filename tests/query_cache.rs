//! Queries answered through the parse cache (`.cairn-cache/`) give a cold
//! run's answers after any change between two runs: a file edited in place
//! (same size, same modification time), edited, added, removed, renamed,
//! and `cairn.yml` changed. Every file is dated an hour back so that the
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
