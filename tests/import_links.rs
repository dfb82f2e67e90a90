//! What links records across a source and across the files of one export:
//! GitHub's sub-issues (a `parent` object, "part of #N" in a body, task
//! lists in the parent's body), Linear's relation columns, Jira search
//! results in pages and Jira CSV exports split into several files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cairn::import::{self, Format, Location, Record, Source};
use serde_json::{json, Value};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import").join(name)
}

fn read(format: Format, path: &Path) -> Source {
    import::read(format, path, false).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn by_id(src: &Source) -> BTreeMap<&str, &Record> {
    src.records.iter().map(|r| (r.external_id.as_str(), r)).collect()
}

fn rels(r: &Record) -> Vec<(&str, &str)> {
    r.relations.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

/// The records without their locations (which name the file they came from).
fn without_at(src: &Source) -> Vec<Record> {
    src.records.iter().map(|r| Record { at: Location::None, ..r.clone() }).collect()
}

// ---------------------------------------------------------------- github

fn issue(number: u64, title: &str, body: &str, extra: Value) -> Value {
    let mut v = json!({
        "number": number, "title": title, "body": body, "state": "OPEN", "stateReason": null,
        "labels": [], "assignees": [], "milestone": null,
        "createdAt": "2024-05-01T10:00:00Z", "closedAt": null,
        "url": format!("https://github.com/acme/app/issues/{number}"), "author": {"login": "ana"}
    });
    if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    v
}

#[test]
fn github_sub_issues_get_their_parent_from_the_object_the_body_or_a_task_list() {
    let dir = tempfile::tempdir().unwrap();
    let issues = json!([
        issue(1, "Checkout revamp", "The epic.\n\n- [ ] #2\n- [x] #3 card form\n- [ ] #9 not in the export", json!({})),
        issue(2, "Card form", "", json!({})),
        issue(3, "Wallets", "Part of #4 (named in its own body: that wins)", json!({})),
        issue(4, "Payments", "", json!({})),
        issue(5, "Receipts", "", json!({"parent": {"number": 4}})),
        issue(6, "Refunds", "Sub-issue of #6 is itself: ignored", json!({})),
        issue(7, "Crash on pay", "parent: #4", json!({"labels": [{"name": "bug"}]})),
    ]);
    let path = dir.path().join("issues.json");
    std::fs::write(&path, serde_json::to_string_pretty(&issues).unwrap()).unwrap();
    let src = read(Format::Github, &path);
    assert!(src.problems.is_empty(), "{:?}", src.problems);
    let r = by_id(&src);
    let parent = |id: &str| r[id].parent.as_deref();
    assert_eq!(parent("#1"), None);
    assert_eq!(parent("#2"), Some("#1"), "tracked in #1's task list");
    assert_eq!(parent("#3"), Some("#4"), "its own body names its parent before #1's task list");
    assert_eq!(parent("#5"), Some("#4"), "the `parent` object");
    assert_eq!(parent("#6"), None, "an issue is not its own parent");
    assert_eq!(parent("#7"), Some("#4"));
    // A story under a story is a task; a bug stays a bug.
    let kind = |id: &str| r[id].kind.as_str();
    assert_eq!((kind("#1"), kind("#2"), kind("#5"), kind("#7")), ("story", "task", "task", "bug"));
}

#[test]
fn github_task_list_parents_are_written_by_the_import() {
    let dir = tempfile::tempdir().unwrap();
    let issues = json!([
        issue(10, "Search", "- [ ] #11\n- [ ] #12", json!({})),
        issue(11, "Search box", "", json!({})),
        issue(12, "Search results page", "", json!({})),
    ]);
    let path = dir.path().join("issues.json");
    std::fs::write(&path, issues.to_string()).unwrap();
    let root = dir.path().join("backlog");
    let out = assert_cmd::Command::cargo_bin("cairn")
        .unwrap()
        .args(["import", "github"])
        .arg(&path)
        .arg("--into")
        .arg(&root)
        .arg("-q")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let task = std::fs::read_to_string(root.join("tasks/search-box.md")).unwrap();
    assert!(task.contains("\nparent: search\n"), "{task}");
    assert!(root.join("tasks/search-results-page.md").is_file());
    assert!(root.join("stories/search.md").is_file());
}

// ---------------------------------------------------------------- linear

#[test]
fn linear_relation_columns_become_relations() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "ID,Title,Status,Blocked by,Blocking,Related to,Duplicate of\n\
               ENG-1,Login,Todo,\"ENG-2, ENG-3\",,ENG-4,\n\
               ENG-2,Session store,Todo,,ENG-1,,\n\
               ENG-3,Password hashing,Todo,ENG-3,ENG-1,,\n\
               ENG-4,Sign-up,Todo,,,\"ENG-1,ENG-1\",\n\
               ENG-5,Login (again),Canceled,,,,ENG-1\n";
    let path = dir.path().join("linear.csv");
    std::fs::write(&path, csv).unwrap();
    let src = read(Format::Linear, &path);
    assert!(src.problems.is_empty(), "{:?}", src.problems);
    let r = by_id(&src);
    assert_eq!(rels(r["ENG-1"]), [("depends_on", "ENG-2"), ("depends_on", "ENG-3"), ("relates_to", "ENG-4")]);
    assert_eq!(rels(r["ENG-2"]), [("blocks", "ENG-1")]);
    assert_eq!(rels(r["ENG-3"]), [("blocks", "ENG-1")], "a self-reference is dropped");
    assert_eq!(rels(r["ENG-4"]), [("relates_to", "ENG-1")], "a repeated id counts once");
    assert_eq!(rels(r["ENG-5"]), [("duplicates", "ENG-1")]);
}

// ---------------------------------------------------------------- jira pages

/// The JSON fixture cut into pages of `size` issues, as the search API
/// returns them (`startAt`, `maxResults`, `total`, `names` on each).
fn pages(size: usize) -> (Value, Vec<Value>) {
    let whole: Value = serde_json::from_str(&std::fs::read_to_string(fixture("jira.json")).unwrap()).unwrap();
    let issues = whole["issues"].as_array().unwrap().clone();
    let total = issues.len();
    let pages = issues
        .chunks(size)
        .enumerate()
        .map(|(i, chunk)| {
            json!({"startAt": i * size, "maxResults": size, "total": total, "names": whole["names"], "issues": chunk})
        })
        .collect();
    (whole, pages)
}

#[test]
fn jira_search_pages_in_a_folder_read_as_the_whole_result() {
    let whole = read(Format::Jira, &fixture("jira.json"));
    let (_, mut pages) = pages(5);
    assert!(pages.len() >= 3, "the fixture should make at least three pages");
    // The result moved between requests: the second page repeats the first's last issue.
    let last_of_first = pages[0]["issues"].as_array().unwrap().last().unwrap().clone();
    pages[1]["issues"].as_array_mut().unwrap().insert(0, last_of_first);
    let dir = tempfile::tempdir().unwrap();
    for (i, p) in pages.iter().enumerate() {
        std::fs::write(dir.path().join(format!("page-{i}.json")), p.to_string()).unwrap();
    }
    std::fs::write(dir.path().join("README.txt"), "not a page").unwrap();
    let paged = read(Format::Jira, dir.path());
    assert!(paged.problems.is_empty(), "{:?}", paged.problems);
    assert_eq!(without_at(&paged), without_at(&whole));
    assert_eq!(paged.history, whole.history);
    // A record's location names its page.
    let second = pages[1]["issues"][1]["key"].as_str().unwrap();
    let at = &by_id(&paged)[second].at;
    assert_eq!(at, &Location::File("page-1.json, record 2".into(), 0));

    // `jq -s . page-*.json`: one file holding the array of pages.
    let file = dir.path().join("all.json");
    std::fs::write(&file, Value::Array(pages.clone()).to_string()).unwrap();
    let slurped = read(Format::Jira, &file);
    assert!(slurped.problems.is_empty(), "{:?}", slurped.problems);
    assert_eq!(without_at(&slurped), without_at(&whole));
}

#[test]
fn a_missing_page_is_a_problem_that_says_what_to_fetch() {
    let (whole, pages) = pages(5);
    let total = whole["issues"].as_array().unwrap().len();
    let dir = tempfile::tempdir().unwrap();
    for (i, p) in pages.iter().enumerate().take(2) {
        std::fs::write(dir.path().join(format!("page-{i}.json")), p.to_string()).unwrap();
    }
    let src = read(Format::Jira, dir.path());
    let want = format!("the search found {total} issues and the export holds 10: fetch the other pages (`startAt=10`");
    assert!(src.problems.iter().any(|p| p.at == Location::None && p.message.starts_with(&want)), "{:?}", src.problems);
    assert_eq!(src.records.iter().filter(|r| r.kind != "sprint").count(), 10);
}

// ---------------------------------------------------------------- jira CSV files

#[test]
fn a_jira_csv_export_split_into_files_reads_as_one_with_parents_across_files() {
    let text = std::fs::read_to_string(fixture("jira.csv")).unwrap();
    let whole = read(Format::Jira, &fixture("jira.csv"));
    let mut rd = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    let (header, body) = rows.split_first().unwrap();
    let half = body.len() / 2;
    let dir = tempfile::tempdir().unwrap();
    for (name, part) in [("export-1.csv", &body[..half]), ("export-2.csv", &body[half - 1..])] {
        // The second file repeats the first's last row (Jira's export moved on).
        let mut w = csv::Writer::from_path(dir.path().join(name)).unwrap();
        w.write_record(header).unwrap();
        for r in part {
            w.write_record(r).unwrap();
        }
        w.flush().unwrap();
    }
    let split = read(Format::Jira, dir.path());
    assert!(split.problems.is_empty(), "{:?}", split.problems);
    assert_eq!(without_at(&split), without_at(&whole));
    // Parents named by `Parent id` resolve though the parent is in the other file.
    let parents_whole: Vec<_> = whole.records.iter().map(|r| r.parent.clone()).collect();
    assert!(parents_whole.iter().any(Option::is_some), "the fixture has parents");
    let key = header.iter().position(|h| h == "Issue key").unwrap();
    let mut second = csv::ReaderBuilder::new().has_headers(false).from_path(dir.path().join("export-2.csv")).unwrap();
    let third = second.records().nth(2).unwrap().unwrap();
    let line = third.position().unwrap().line() as usize;
    assert_eq!(by_id(&split)[&third[key]].at, Location::File("export-2.csv".into(), line));
}

#[test]
fn a_folder_mixing_pages_and_csv_files_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("jira.csv"), dir.path().join("a.csv")).unwrap();
    std::fs::copy(fixture("jira.json"), dir.path().join("b.json")).unwrap();
    let err = import::read(Format::Jira, dir.path(), false).unwrap_err().to_string();
    assert!(err.contains("mixes JSON pages and CSV files"), "{err}");
    let empty = tempfile::tempdir().unwrap();
    let err = import::read(Format::Jira, empty.path(), false).unwrap_err().to_string();
    assert!(err.contains("no .json or .csv files"), "{err}");
}
