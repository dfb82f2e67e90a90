//! History: events from real repositories built by the test, `log`, `diff`,
//! derived fields, the cache.

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

fn events(dir: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["log", "--format", "jsonl"];
    args.extend(extra);
    let (code, out, err) = cairn(dir, &args);
    assert_eq!(code, 0, "{err}");
    out.lines().map(|l| serde_json::from_str(l).expect("json line")).collect()
}

/// (time, author, id, action, field, old, new) of each event.
fn brief(ev: &[Value]) -> Vec<Value> {
    ev.iter().map(|e| json!([e["time"], e["author"], e["id"], e["action"], e["field"], e["old"], e["new"]])).collect()
}

const T1: &str = "2024-03-01T09:00:00Z";
const T2: &str = "2024-03-02T09:00:00Z";
const T3: &str = "2024-03-03T09:00:00Z";
const T4: &str = "2024-03-04T09:00:00Z";
const T5: &str = "2024-03-05T09:00:00Z";

fn story(title: &str, status: &str, extra: &str, body: &str) -> String {
    format!("---\ntitle: {title}\nstatus: {status}\n{extra}---\n{body}")
}

#[test]
fn events_created_updated_renamed_broken_fixed() {
    let r = Repo::new();
    r.write("cairn.yml", "name: T\n").write("stories/a.md", &story("A", "ready", "", "Body\n"));
    let c1 = r.commit("Ana", T1, "create a");
    r.write("stories/a.md", &story("A", "in_progress", "estimate: 3\n", "Body 2\n"))
        .write("stories/b.md", &story("B", "backlog", "", ""));
    r.commit("Ben", T2, "work");
    // Move b to another folder and edit it in the same commit; break a.
    r.remove("stories/b.md");
    r.write("tasks/b.md", &story("B", "ready", "", "")).write("stories/a.md", "---\ntitle: [broken\n---\n");
    r.commit("Ana", T3, "move b, break a");
    // Fix a: compared with its last good state.
    r.write("stories/a.md", &story("A", "review", "estimate: 3\n", "Body 2\n"));
    r.commit("Ben", T4, "fix a");
    let ev = events(&r.path, &[]);
    assert_eq!(
        brief(&ev),
        vec![
            json!([T1, "Ana", "a", "created", null, null, {"status": "ready", "title": "A"}]),
            json!([T2, "Ben", "a", "updated", "body", null, null]),
            json!([T2, "Ben", "a", "updated", "estimate", null, 3]),
            json!([T2, "Ben", "a", "updated", "status", "ready", "in_progress"]),
            json!([T2, "Ben", "b", "created", null, null, {"status": "backlog", "title": "B"}]),
            json!([T3, "Ana", "b", "renamed", null, "stories/b.md", "tasks/b.md"]),
            // A move between kind folders changes the kind too.
            json!([T3, "Ana", "b", "updated", "kind", "story", "task"]),
            json!([T3, "Ana", "b", "updated", "status", "backlog", "ready"]),
            json!([T4, "Ben", "a", "updated", "status", "in_progress", "review"]),
        ]
    );
    assert_eq!(ev[0]["commit"], c1);
    assert_eq!(ev[0]["email"], "ana@example.com");
    assert_eq!(ev[0]["path"], "stories/a.md");
    assert_eq!(ev[5]["path"], "tasks/b.md");
    let keys: Vec<&String> = ev[0].as_object().expect("object").keys().collect();
    assert_eq!(keys, ["commit", "time", "author", "email", "id", "path", "action", "field", "old", "new"]);

    // Filters.
    assert_eq!(events(&r.path, &["a"]).len(), 5);
    assert_eq!(events(&r.path, &["--author", "ben"]).len(), 5);
    assert_eq!(events(&r.path, &["--since", "2024-03-03"]).len(), 4);
    assert_eq!(events(&r.path, &["--until", "2024-03-02"]).len(), 5);
    assert_eq!(events(&r.path, &["--since", &c1]).len(), 8);
    assert_eq!(events(&r.path, &["--until", "HEAD~2"]).len(), 5);
    let (code, out, _) = cairn(&r.path, &["log", "--format", "json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["events"].as_array().map(Vec::len), Some(9));
    let (code, _, err) = cairn(&r.path, &["log", "--since", "no-such-rev"]);
    assert_eq!(code, 2, "{err}");

    // Derived fields in list and show.
    let (code, out, err) = cairn(&r.path, &["list", "--format", "json", "--fields", "id,created,updated,reporter"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["items"][0], json!({"id": "a", "created": T1, "updated": T4, "reporter": "Ana"}));
    assert_eq!(v["items"][1], json!({"id": "b", "created": T2, "updated": T3, "reporter": "Ben"}));
    let (code, out, _) = cairn(&r.path, &["show", "a", "--format", "json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["created"], T1);
    assert_eq!(v["history"][0]["field"], "status");
}

#[test]
fn id_change_is_delete_and_create() {
    let r = Repo::new();
    r.write("stories/a.md", &story("A", "ready", "", ""));
    r.commit("Ana", T1, "a");
    r.write("stories/a.md", &story("A", "ready", "id: a2\n", ""));
    r.commit("Ana", T2, "rename id");
    let b = brief(&events(&r.path, &[]));
    assert_eq!(b[1], json!([T2, "Ana", "a", "deleted", null, {"status": "ready", "title": "A"}, null]));
    assert_eq!(b[2], json!([T2, "Ana", "a2", "created", null, null, {"id": "a2", "status": "ready", "title": "A"}]));
    assert_eq!(b.len(), 3);
}

#[test]
fn subfolder_root_that_moved() {
    let r = Repo::new();
    r.write("src/main.rs", "fn main() {}\n")
        .write("plan/cairn.yml", "")
        .write("plan/stories/a.md", &story("A", "ready", "", ""));
    r.commit("Ana", T1, "start");
    r.write("src/main.rs", "fn main() { }\n");
    r.commit("Ana", T2, "code only");
    r.git(&["mv", "plan", "backlog"]);
    r.commit("Ben", T3, "move the backlog");
    r.write("backlog/stories/a.md", &story("A", "done", "", ""));
    r.commit("Ben", T4, "done");
    let root = r.path.join("backlog");
    let b = brief(&events(&root, &[]));
    assert_eq!(
        b,
        vec![
            json!([T1, "Ana", "a", "created", null, null, {"status": "ready", "title": "A"}]),
            json!([T4, "Ben", "a", "updated", "status", "ready", "done"]),
        ]
    );
}

#[test]
fn shallow_clone_warns_once_and_starts_at_the_boundary() {
    let r = Repo::new();
    r.write("stories/a.md", &story("A", "ready", "", ""));
    r.commit("Ana", T1, "1");
    r.write("stories/a.md", &story("A", "done", "", ""));
    r.commit("Ben", T2, "2");
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("file://{}", r.path.display());
    git_support::git_in(dir.path(), &["clone", "-q", "--depth", "1", &url, "c"], &[]);
    let clone = dir.path().join("c");
    let (code, out, err) = cairn(&clone, &["log", "--format", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches("shallow").count(), 1, "{err}");
    assert!(err.contains("fetch-depth: 0"), "{err}");
    let ev: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert_eq!(brief(&ev), vec![json!([T2, "Ben", "a", "created", null, null, {"status": "done", "title": "A"}])]);
}

#[test]
fn no_repository_and_empty_repository() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("cairn.yml"), "").expect("write");
    let (code, out, err) = cairn(dir.path(), &["log"]);
    assert_eq!((code, out.as_str()), (0, ""));
    assert!(err.contains("no git repository"), "{err}");
    let (code, _, err) = cairn(dir.path(), &["diff"]);
    assert_eq!(code, 2, "{err}");

    let r = Repo::new();
    r.write("stories/a.md", &story("A", "ready", "", ""));
    let (code, out, err) = cairn(&r.path, &["log", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "{\n  \"events\": []\n}\n");
    assert_eq!(err, "");
}

#[test]
fn detached_head_and_non_utf8_paths() {
    let r = Repo::new();
    r.write("stories/a.md", &story("A", "ready", "", ""));
    r.commit("Ana", T1, "1");
    r.write("stories/a.md", &story("A", "done", "", ""));
    r.commit("Ana", T2, "2");
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"stories/caf\xe9.md");
        std::fs::write(r.path.join(name), story("C", "ready", "", "")).expect("write");
        r.commit("Ana", T3, "3");
    }
    r.git(&["checkout", "-q", "--detach", "HEAD~1"]);
    assert_eq!(events(&r.path, &[]).len(), 2);
    r.git(&["checkout", "-q", "main"]);
    let n = events(&r.path, &[]).len();
    assert!(n >= 2);
}

#[test]
fn merges_first_parent_and_all_parents() {
    let r = Repo::new();
    r.write("stories/a.md", &story("A", "ready", "", ""));
    r.commit("Ana", T1, "a");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("stories/a.md", &story("A", "in_progress", "", ""));
    let side = r.commit("Ben", T2, "start a");
    r.git(&["checkout", "-q", "main"]);
    r.write("stories/b.md", &story("B", "ready", "", ""));
    r.commit("Ana", T3, "b");
    let merge = r.merge("feature", "Cleo", T4);

    let ev = events(&r.path, &[]);
    let b = brief(&ev);
    assert_eq!(b.len(), 3);
    assert_eq!(b[2], json!([T4, "Cleo", "a", "updated", "status", "ready", "in_progress"]));
    assert_eq!(ev[2]["commit"], merge);

    r.write("cairn.yml", "history: { first_parent: false }\n");
    let ev = events(&r.path, &[]);
    let b = brief(&ev);
    assert_eq!(b.len(), 3, "{b:#?}");
    let status: Vec<&Value> = ev.iter().filter(|e| e["field"] == "status").collect();
    assert_eq!(status.len(), 1);
    assert_eq!(status[0]["commit"], side);
    assert_eq!(status[0]["author"], "Ben");
    assert_eq!(status[0]["time"], T2);
}

#[test]
fn cached_and_uncached_runs_print_the_same() {
    let r = Repo::new();
    r.write("stories/a.md", &story("A", "ready", "", ""));
    r.commit("Ana", T1, "1");
    r.write("stories/b.md", &story("B", "ready", "", "x\n"));
    r.commit("Ana", T2, "2");
    let (_, first, _) = cairn(&r.path, &["log", "--format", "jsonl"]);
    assert!(r.path.join(".cairn-cache/history.json").exists());
    // The walk's end is kept beside the cache (HEAD and its history time).
    let head: Value =
        serde_json::from_slice(&std::fs::read(r.path.join(".cairn-cache/history-head.json")).expect("head file"))
            .expect("json");
    assert_eq!(head["head"].as_str(), Some(r.git(&["rev-parse", "HEAD"]).trim()));
    // HEAD unchanged: the cached walk, no commit read again.
    let (_, cached, _) = cairn(&r.path, &["log", "--format", "jsonl"]);
    assert_eq!(first, cached);
    r.write("stories/b.md", &story("B", "done", "", "y\n"));
    r.commit("Ben", T3, "3");
    let (_, incremental, _) = cairn(&r.path, &["log", "--format", "jsonl"]);
    let (_, uncached, _) = cairn(&r.path, &["log", "--no-cache", "--format", "jsonl"]);
    assert_eq!(incremental, uncached);
    assert_eq!(incremental.lines().count(), 4);
    // A corrupt cache is rebuilt silently.
    std::fs::write(r.path.join(".cairn-cache/history.json"), "{ not json").expect("write");
    let (code, again, err) = cairn(&r.path, &["log", "--format", "jsonl"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(again, uncached);
    // A cache written by another build of cairn (say, one with other
    // history semantics) is never read, even if it covers these commits.
    let cache = r.path.join(".cairn-cache/history.json");
    let mut c: Value = serde_json::from_slice(&std::fs::read(&cache).expect("cache")).expect("json");
    c["version"] = json!("0.0.0-other-build");
    c["events"][0]["n"] = json!({"title": "from another build"});
    std::fs::write(&cache, serde_json::to_vec(&c).expect("json")).expect("write");
    let (_, other_build, _) = cairn(&r.path, &["log", "--format", "jsonl"]);
    assert_eq!(other_build, uncached);
    // History rewritten: the cache no longer matches.
    r.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let (_, after_reset, _) = cairn(&r.path, &["log", "--format", "jsonl"]);
    assert_eq!(after_reset, first);
}

#[test]
fn diff_reports_transitions_and_only_new_errors() {
    let r = Repo::new();
    r.write("cairn.yml", "name: T\n")
        .write("stories/a.md", &story("A", "backlog", "", ""))
        .write("stories/old-bad.md", &story("Old", "backlog", "parent: nowhere\n", ""))
        .write("stories/c.md", &story("C", "ready", "relates_to: [a]\n", ""));
    let base = r.commit("Ana", T1, "base");
    // Nothing changed: exit 0 even though an error exists at BASE.
    let (code, out, err) = cairn(&r.path, &["diff", "HEAD", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["violations"], json!([]));
    assert_eq!(v["base"], "HEAD");
    assert_eq!(v["head"], "WORKTREE");

    // backlog → done is not in the default workflow.
    r.write("stories/a.md", &story("A", "done", "", ""))
        .write("stories/c.md", &story("C", "ready", "relates_to: [a, c2]\n", ""))
        .write("stories/new.md", &story("New", "ready", "", ""));
    r.git(&["mv", "stories/old-bad.md", "stories/old-bad2.md"]);
    let (code, out, _) = cairn(&r.path, &["diff", &base, "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["added"][0]["id"], "new");
    assert_eq!(v["removed"][0]["id"], "old-bad");
    assert_eq!(v["added"][1]["id"], "old-bad2");
    assert_eq!(v["changed"][0]["id"], "a");
    assert_eq!(v["changed"][0]["changes"][0], json!({"field": "status", "old": "backlog", "new": "done"}));
    assert_eq!(v["changed"][1]["changes"][0]["added"], json!(["c2"]));
    let codes: Vec<&str> =
        v["violations"].as_array().expect("array").iter().filter_map(|d| d["code"].as_str()).collect();
    // The forbidden transition and the new unknown reference `c2`; `old-bad2`'s
    // unknown parent is new too (another id), but `old-bad`'s was not.
    assert!(codes.contains(&"E040"), "{codes:?}");
    assert!(v["violations"]
        .as_array()
        .expect("array")
        .iter()
        .any(|d| d["message"].as_str().is_some_and(|m| m.contains("c2"))));

    // Fix the transition and the reference: no violation from old errors.
    r.write("stories/a.md", &story("A", "ready", "", ""))
        .write("stories/c.md", &story("C", "ready", "relates_to: [a]\n", ""));
    r.git(&["mv", "stories/old-bad2.md", "stories/old-bad.md"]);
    let (code, out, _) = cairn(&r.path, &["diff", &base]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 violations"), "{out}");

    // Revision ranges and markdown.
    r.write("stories/a.md", &story("A", "done", "", ""));
    let head = r.commit("Ben", T5, "skip review");
    let (code, out, _) = cairn(&r.path, &["diff", &format!("{base}..{head}"), "--format", "markdown"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("❌ **cairn diff**"), "{out}");
    assert!(out.contains("| `a` | status | \"backlog\" | \"done\" |"), "{out}");
}

/// `build`'s "today" is the HEAD commit's date, as for `check`: the active
/// sprint and overdue items (W022, on the problems page) follow the commit,
/// not the day the site is built, and two builds give the same bytes.
#[test]
fn build_dates_the_site_by_the_head_commit() {
    let repo = Repo::new();
    repo.write("sprints/s1.md", "---\ntitle: March one\nstart: 2024-03-04\nend: 2024-03-15\n---\n")
        .write("sprints/s2.md", "---\ntitle: Far future\nstart: 2099-01-05\nend: 2099-01-16\n---\n")
        .write("stories/late.md", "---\ntitle: Late story\nstatus: ready\ndue: 2024-03-05\nsprint: s1\n---\n")
        .write("stories/fine.md", "---\ntitle: Fine story\nstatus: ready\ndue: 2024-03-20\nsprint: s1\n---\n");
    repo.commit("Ana", "2024-03-06T09:00:00Z", "plan");
    let build = |out: &str| {
        let (code, _, err) = cairn(&repo.path, &["build", "--out", out]);
        assert_eq!(code, 0, "{err}");
        repo.path.join(out)
    };
    let site = build("site-a");
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains("Active sprint"), "2024-03-06 is inside s1");
    assert!(index.contains("March one"));
    let problems = std::fs::read_to_string(site.join("problems.html")).unwrap();
    assert!(problems.contains("W022"), "late.md is overdue on 2024-03-06");
    assert!(!problems.contains("fine.md"), "fine.md is not due yet");
    let (_, out, _) = cairn(&repo.path, &["check", "--format", "json"]);
    assert!(out.contains("\"W022\""), "check agrees");
    // Same commit, same bytes.
    let again = build("site-b");
    for f in ["index.html", "problems.html", "sprints/s1.html"] {
        assert_eq!(std::fs::read(site.join(f)).ok(), std::fs::read(again.join(f)).ok(), "{f}");
    }
}

/// "Today" is HEAD's history time, not its raw committer time: a HEAD
/// committed on a clock that is behind its parent's still dates `check`
/// (W022) and the site by the parent's time, as `log` and the metrics do.
#[test]
fn today_is_the_head_commits_history_time_when_its_clock_is_behind() {
    let repo = Repo::new();
    repo.write("stories/late.md", "---\ntitle: Late story\nstatus: ready\ndue: 2024-03-05\n---\n");
    repo.commit("Ana", "2024-03-10T09:00:00Z", "plan");
    // A second commit whose clock says March 1st (five days before the due date).
    repo.write("stories/other.md", "---\ntitle: Other\nstatus: ready\n---\n");
    repo.commit("Ben", "2024-03-01T09:00:00Z", "skewed clock");
    let (_, out, _) = cairn(&repo.path, &["check", "--format", "json"]);
    assert!(out.contains("\"W022\""), "HEAD's history time is 2024-03-10, after the due date: {out}");
    let (code, _, err) = cairn(&repo.path, &["build", "--out", "site"]);
    assert_eq!(code, 0, "{err}");
    let problems = std::fs::read_to_string(repo.path.join("site/problems.html")).unwrap();
    assert!(problems.contains("W022"), "the site agrees with check");
}

/// The file of a loose object.
fn loose(r: &Repo, id: &str) -> std::path::PathBuf {
    r.path.join(".git/objects").join(&id[..2]).join(&id[2..])
}

/// Three commits: a goes ready → in_progress → review (+ estimate); b is
/// created and edited; c is created last.
fn three_commits() -> Repo {
    let r = Repo::new();
    r.write("stories/a.md", &story("A", "ready", "", "")).write("stories/b.md", &story("B", "ready", "", ""));
    r.commit("Ana", T1, "1");
    r.write("stories/a.md", &story("A", "in_progress", "", "")).write("stories/b.md", &story("B", "done", "", ""));
    r.commit("Ben", T2, "2");
    r.write("stories/a.md", &story("A", "review", "estimate: 3\n", ""))
        .write("stories/c.md", &story("C", "ready", "", ""));
    r.commit("Ana", T3, "3");
    r
}

#[test]
fn a_missing_blob_is_skipped_with_one_warning_naming_it() {
    let r = three_commits();
    // a's middle version (in_progress) is lost.
    let blob = r.git(&["rev-parse", "HEAD~1:stories/a.md"]);
    std::fs::remove_file(loose(&r, &blob)).expect("delete the loose blob");
    let (code, out, err) = cairn(&r.path, &["log", "--format", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches("W012").count(), 1, "{err}");
    assert!(err.contains(&format!("blob {blob}")), "the warning names the object: {err}");
    assert!(!err.contains("shallow"), "a missing object is not a shallow boundary: {err}");
    let ev: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    // Every event that does not need the lost blob; a's two changes through
    // it become one change from its last readable state, where it can be read again.
    assert_eq!(
        brief(&ev),
        vec![
            json!([T1, "Ana", "a", "created", null, null, {"status": "ready", "title": "A"}]),
            json!([T1, "Ana", "b", "created", null, null, {"status": "ready", "title": "B"}]),
            json!([T2, "Ben", "b", "updated", "status", "ready", "done"]),
            json!([T3, "Ana", "a", "updated", "estimate", null, 3]),
            json!([T3, "Ana", "a", "updated", "status", "ready", "review"]),
            json!([T3, "Ana", "c", "created", null, null, {"status": "ready", "title": "C"}]),
        ]
    );
    // Nothing cached from an incomplete read; metrics, burndown's source, still work.
    assert!(!r.path.join(".cairn-cache/history.json").exists());
    let (code, _, err) = cairn(&r.path, &["metrics", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&format!("blob {blob}")), "{err}");
    // The site keeps its audit trail: the same events as `log`.
    let (code, _, err) = cairn(&r.path, &["build", "--out", "site"]);
    assert_eq!(code, 0, "{err}");
    let audit = std::fs::read_to_string(r.path.join("site/api/v1/audit.jsonl")).expect("audit.jsonl");
    assert_eq!(audit.lines().count(), ev.len(), "{audit}");
    let (code, text, _) = cairn(&r.path, &["explain", "W012"]);
    assert_eq!(code, 0);
    assert!(text.contains("unreadable-object"), "{text}");
}

#[test]
fn a_missing_tree_hides_only_its_commit() {
    let r = three_commits();
    // The stories folder of the second commit is lost: its changes show up
    // in the third commit, compared with the first.
    let tree = r.git(&["rev-parse", "HEAD~1:stories"]);
    std::fs::remove_file(loose(&r, &tree)).expect("delete the loose tree");
    let (code, out, err) = cairn(&r.path, &["log", "--format", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&format!("tree {tree}")), "{err}");
    assert!(!err.contains("shallow"), "{err}");
    let ev: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert_eq!(
        brief(&ev),
        vec![
            json!([T1, "Ana", "a", "created", null, null, {"status": "ready", "title": "A"}]),
            json!([T1, "Ana", "b", "created", null, null, {"status": "ready", "title": "B"}]),
            json!([T3, "Ana", "a", "updated", "estimate", null, 3]),
            json!([T3, "Ana", "a", "updated", "status", "ready", "review"]),
            json!([T3, "Ana", "b", "updated", "status", "ready", "done"]),
            json!([T3, "Ana", "c", "created", null, null, {"status": "ready", "title": "C"}]),
        ]
    );
}

#[test]
fn a_missing_commit_ends_the_walk_with_a_warning_not_as_shallow() {
    let r = three_commits();
    let middle = r.git(&["rev-parse", "HEAD~1"]);
    std::fs::remove_file(loose(&r, &middle)).expect("delete the loose commit");
    let (code, out, err) = cairn(&r.path, &["log", "--format", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&format!("commit {middle}")), "{err}");
    assert!(!err.contains("shallow"), "{err}");
    // What lies behind the lost commit cannot be reached: the last commit
    // is where the history starts.
    let ev: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    let ids: Vec<(&str, &str)> =
        ev.iter().map(|e| (e["id"].as_str().unwrap_or(""), e["action"].as_str().unwrap_or(""))).collect();
    assert_eq!(ids, vec![("a", "created"), ("b", "created"), ("c", "created")]);
    assert!(ev.iter().all(|e| e["time"] == T3));
}

#[test]
fn diff_beyond_a_shallow_clone_says_how_to_fetch() {
    let r = three_commits();
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("file://{}", r.path.display());
    git_support::git_in(dir.path(), &["clone", "-q", "--depth", "1", &url, "c"], &[]);
    let clone = dir.path().join("c");
    for rev in ["HEAD~1", "HEAD~1..HEAD", "main~2"] {
        let (code, out, err) = cairn(&clone, &["diff", rev]);
        assert_eq!(code, 2, "{rev}: {out}{err}");
        assert!(err.contains("shallow clone"), "{rev}: {err}");
        assert!(err.contains("git fetch --deepen=N") && err.contains("git fetch --unshallow"), "{rev}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one clear line, no internals: {err}");
    }
    // A name that exists nowhere is still just unknown.
    let (code, _, err) = cairn(&clone, &["diff", "no-such-branch"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown revision `no-such-branch`") && !err.contains("shallow"), "{err}");
    // What is there still diffs.
    let (code, _, err) = cairn(&clone, &["diff", "HEAD"]);
    assert_eq!(code, 0, "{err}");
    // Two commits deep: HEAD~1 is there (a in_progress → review, c added), HEAD~2 is not.
    git_support::git_in(dir.path(), &["clone", "-q", "--depth", "2", &url, "c2"], &[]);
    let clone2 = dir.path().join("c2");
    let (code, out, err) = cairn(&clone2, &["diff", "HEAD~2..HEAD~1", "--format", "json"]);
    assert_eq!(code, 2, "HEAD~2 is beyond the boundary: {out}{err}");
    assert!(err.contains("git fetch --deepen=N"), "{err}");
    let (code, out, err) = cairn(&clone2, &["diff", "HEAD~1..HEAD", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["added"][0]["id"], "c");
    let (code, out, err) = cairn(&clone2, &["diff", "HEAD~1", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
}

/// Base: s in_progress, t and u ready, v in_progress. Then, one commit each:
/// s → review, u → in_progress, v → done (forbidden: in_progress → done);
/// s → done, u → ready, v → review (from done: no rule);
/// t → done (forbidden: ready → done).
#[test]
fn diff_judges_status_moves_commit_by_commit() {
    let r = Repo::new();
    r.write("stories/s.md", &story("S", "in_progress", "", ""))
        .write("stories/t.md", &story("T", "ready", "", ""))
        .write("stories/u.md", &story("U", "ready", "", ""))
        .write("stories/v.md", &story("V", "in_progress", "", ""));
    let base = r.commit("Ana", T1, "base");
    r.write("stories/s.md", &story("S", "review", "", ""))
        .write("stories/u.md", &story("U", "in_progress", "", ""))
        .write("stories/v.md", &story("V", "done", "", ""));
    let c1 = r.commit("Ana", T2, "1");
    r.write("stories/s.md", &story("S", "done", "", ""))
        .write("stories/u.md", &story("U", "ready", "", ""))
        .write("stories/v.md", &story("V", "review", "", ""));
    let c2 = r.commit("Ana", T3, "2");
    r.write("stories/t.md", &story("T", "done", "", ""));
    let c3 = r.commit("Ana", T4, "3");
    let e040 = |range: &str| -> (i32, Vec<(String, String)>) {
        let (code, out, err) = cairn(&r.path, &["diff", range, "--format", "json"]);
        let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
        let found = v["violations"]
            .as_array()
            .expect("violations")
            .iter()
            .filter(|d| d["code"] == "E040")
            .map(|d| (d["id"].as_str().unwrap_or("").to_string(), d["message"].as_str().unwrap_or("").to_string()))
            .collect();
        (code, found)
    };
    // s: in_progress → review → done, each move allowed, though the
    // endpoints (in_progress → done) are not: no violation. v: the
    // endpoints (in_progress → review) are allowed, its first move is not.
    let (code, found) = e040(&format!("{base}..{c2}"));
    assert_eq!(code, 1);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "v");
    assert!(found[0].1.contains("`in_progress` → `done`") && found[0].1.contains(&c1[..12]), "{found:?}");
    // t's one forbidden move is named with its commit.
    let (code, found) = e040(&format!("{base}..{c3}"));
    assert_eq!(code, 1);
    let ids: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(ids, ["t", "v"], "{found:?}");
    assert!(found[0].1.contains(&c3[..12]), "{found:?}");
    // Only allowed moves: exit 0.
    let (code, found) = e040(&format!("{c1}..{c2}"));
    assert_eq!((code, found.len()), (0, 0), "{found:?}");
    // To the working tree, HEAD → WORKTREE is the last step: u ready → done is forbidden there.
    r.write("stories/u.md", &story("U", "done", "", ""));
    let (code, found) = e040(&c2);
    assert_eq!(code, 1);
    let got: Vec<(&str, bool)> = found.iter().map(|f| (f.0.as_str(), f.1.contains("working tree"))).collect();
    assert_eq!(got, [("t", false), ("u", true)], "{found:?}");
}

/// `first_parent: false`: every commit in time order, a merge credited only
/// with what exists in no parent (here an edit made while merging), to its
/// committer. First-parent: the merge brings the branch's changes as one.
#[test]
fn merges_credit_each_change_once() {
    let r = Repo::new();
    r.write("stories/a.md", &story("A", "ready", "", "")).write("stories/b.md", &story("B", "ready", "", ""));
    r.commit("Ana", T1, "a, b");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("stories/a.md", &story("A", "in_progress", "", ""));
    r.commit("Ben", T2, "start a");
    r.write("stories/c.md", &story("C", "ready", "", ""));
    r.commit("Ben", T3, "c");
    r.git(&["checkout", "-q", "main"]);
    r.write("stories/b.md", &story("B", "in_progress", "", ""));
    r.commit("Ana", T4, "start b");
    r.git(&["merge", "-q", "--no-ff", "--no-commit", "feature"]);
    r.write("stories/a.md", &story("A merged", "in_progress", "", ""));
    let merge = r.commit("Cleo", T5, "merge feature");

    let created = |t: &str| json!({"status": "ready", "title": t});
    r.write("cairn.yml", "history: { first_parent: false }\n");
    let ev = events(&r.path, &["--no-cache"]);
    assert_eq!(
        brief(&ev),
        vec![
            json!([T1, "Ana", "a", "created", null, null, created("A")]),
            json!([T1, "Ana", "b", "created", null, null, created("B")]),
            json!([T2, "Ben", "a", "updated", "status", "ready", "in_progress"]),
            json!([T3, "Ben", "c", "created", null, null, created("C")]),
            json!([T4, "Ana", "b", "updated", "status", "ready", "in_progress"]),
            json!([T5, "Cleo", "a", "updated", "title", "A", "A merged"]),
        ]
    );
    assert_eq!(ev[5]["commit"], merge);
    // The cache gives the same.
    assert_eq!(brief(&events(&r.path, &[])), brief(&ev));
    assert_eq!(brief(&events(&r.path, &[])), brief(&ev));

    r.write("cairn.yml", "");
    assert_eq!(
        brief(&events(&r.path, &[])),
        vec![
            json!([T1, "Ana", "a", "created", null, null, created("A")]),
            json!([T1, "Ana", "b", "created", null, null, created("B")]),
            json!([T4, "Ana", "b", "updated", "status", "ready", "in_progress"]),
            json!([T5, "Cleo", "a", "updated", "status", "ready", "in_progress"]),
            json!([T5, "Cleo", "a", "updated", "title", "A", "A merged"]),
            json!([T5, "Cleo", "c", "created", null, null, created("C")]),
        ]
    );
}

#[test]
fn a_commit_whose_clock_is_behind_takes_its_parents_time() {
    let r = Repo::new();
    r.write("stories/a.md", &story("A", "ready", "", ""));
    r.commit("Ana", T3, "a");
    // Committed on a machine whose clock is two days behind.
    r.write("stories/a.md", &story("A", "in_progress", "", ""));
    r.commit("Ben", T1, "start a");
    r.write("stories/a.md", &story("A", "review", "", ""));
    r.commit("Ana", T4, "review a");
    let times: Vec<Value> = events(&r.path, &[]).iter().map(|e| e["time"].clone()).collect();
    assert_eq!(times, vec![json!(T3), json!(T3), json!(T4)]);
    // `--until` and `--since` dates use the same time.
    assert_eq!(events(&r.path, &["--until", "2024-03-02"]).len(), 0);
    assert_eq!(events(&r.path, &["--since", "2024-03-03", "--until", "2024-03-03"]).len(), 2);
}

#[test]
fn a_move_between_kind_folders_is_a_kind_change_in_log_and_diff() {
    let r = Repo::new();
    r.write("stories/x.md", &story("X", "ready", "", ""));
    let c1 = r.commit("Ana", T1, "x");
    r.remove("stories/x.md").write("bugs/x.md", &story("X", "ready", "", ""));
    r.commit("Ben", T2, "x is a bug");
    let b = brief(&events(&r.path, &["x"]));
    assert_eq!(
        b[1..],
        [
            json!([T2, "Ben", "x", "renamed", null, "stories/x.md", "bugs/x.md"]),
            json!([T2, "Ben", "x", "updated", "kind", "story", "bug"]),
        ]
    );
    let (code, out, err) = cairn(&r.path, &["diff", &format!("{c1}..HEAD"), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["renamed"], json!([{"id": "x", "from": "stories/x.md", "to": "bugs/x.md"}]));
    assert_eq!(v["changed"][0]["changes"], json!([{"field": "kind", "old": "story", "new": "bug"}]));
}
