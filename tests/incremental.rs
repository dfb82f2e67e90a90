//! Incremental `cairn build`: after each of a series of edits, a build into
//! the folder of the last build (reusing what `.cairn-cache/` says did not
//! change) writes exactly the files a fresh full build writes, byte for
//! byte, and renders far fewer pages when a single item changed.

#[path = "support/git.rs"]
mod git_support;
#[path = "support/server.rs"]
mod server_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use git_support::Repo;
use server_support::copy_dir;

/// Runs `cairn -v build` and returns its stderr.
fn build(root: &Path, out: &Path, extra: &[&str]) -> String {
    let o = Command::cargo_bin("cairn")
        .unwrap()
        .args(["-v", "build", "-C"])
        .arg(root)
        .arg("--out")
        .arg(out)
        .args(extra)
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .env_remove("CAIRN_NO_CACHE")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    // 0, or 1 when the backlog has problems: the site is written either way.
    assert!(matches!(o.status.code(), Some(0 | 1)), "build failed: {err}");
    err
}

/// Every file under `dir` by its relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// `(rendered, total)` jobs of the `-v` render line, and whether the build
/// was incremental.
fn stats(log: &str) -> (usize, usize, bool) {
    let line = log.lines().find(|l| l.starts_with("[render+write]")).expect("a render line");
    let incremental = line.starts_with("[render+write] incremental:");
    let rest = line.split("rendered ").nth(1).expect("rendered N of M");
    let mut words = rest.split_whitespace();
    let n = words.next().unwrap().parse().unwrap();
    assert_eq!(words.next(), Some("of"));
    let total = words.next().unwrap().parse().unwrap();
    (n, total, incremental)
}

fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let p = root.join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{rel} has no `{from}`");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

/// `(rendered, total)` fragments of the site-wide lists (`-v`).
fn fragments(log: &str) -> (usize, usize) {
    let line =
        log.lines().find_map(|l| l.strip_prefix("[render+write] list fragments: rendered ")).expect("a fragments line");
    let (n, total) = line.split_once(" of ").expect("N of M");
    let total = total.split_whitespace().next().expect("M");
    (n.parse().unwrap(), total.parse().unwrap())
}

struct Bench {
    root: PathBuf,
    out: PathBuf,
    fresh: PathBuf,
    step: usize,
    /// The log of the last incremental build.
    log: String,
}

impl Bench {
    /// Builds incrementally into the same folder and fully into a new one;
    /// asserts both hold the same files with the same bytes. Returns the
    /// incremental build's stats.
    fn check(&mut self, what: &str) -> (usize, usize, bool) {
        let log = build(&self.root, &self.out, &[]);
        self.log = log.clone();
        self.step += 1;
        let fresh = self.fresh.join(format!("{}", self.step));
        let full_log = build(&self.root, &fresh, &["--full"]);
        let full = stats(&full_log);
        assert!(!full.2, "--full renders everything: {full_log}");
        let (a, b) = (files(&self.out), files(&fresh));
        let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
        assert_eq!(names(&a), names(&b), "after {what}: the same files");
        for (k, v) in &b {
            assert!(a[k] == *v, "after {what}: {k} differs from a full build");
        }
        let s = stats(&log);
        eprintln!("{what}: {}", log.lines().find(|l| l.starts_with("[render+write]")).unwrap_or(""));
        assert_eq!(s.1, full.1, "after {what}: the same jobs");
        s
    }

    /// A change of one item: the build is incremental and renders few jobs.
    fn check_small(&mut self, what: &str) {
        let (n, total, incremental) = self.check(what);
        assert!(incremental, "after {what}: an incremental build");
        assert!(n * 2 < total, "after {what}: {n} of {total} jobs rendered");
    }
}

/// The example backlog committed in a new repository, and a bench that
/// builds it into a temporary folder (kept alive by the returned guards).
fn example_bench() -> (Repo, tempfile::TempDir, Bench) {
    let repo = Repo::new();
    let root = repo.path.clone();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("example-backlog"), &root);
    repo.commit("Ana", "2026-11-20T10:00:00Z", "the backlog");
    let tmp = tempfile::tempdir().unwrap();
    let b = Bench { root, out: tmp.path().join("site"), fresh: tmp.path().join("fresh"), step: 0, log: String::new() };
    (repo, tmp, b)
}

#[test]
fn incremental_builds_equal_full_builds_after_every_kind_of_edit() {
    let (repo, _tmp, mut b) = example_bench();
    let root = b.root.clone();
    let first = stats(&build(&root, &b.out, &[]));
    assert!(!first.2, "the first build is a full one");
    // Nothing changed: nothing but the site-wide pages is rendered.
    b.check_small("no change");

    let story = "stories/asm-stories-api.md";
    assert_eq!(fragments(&b.log).0, 0, "no change: every list fragment is the last build's");
    edit(&root, story, "title: Story and task", "title: Edited story and task");
    b.check_small("a title edit");
    // The story's card and item object changed, nothing else: its backlog
    // row, its card on the board of all work, on the default board (its
    // sprint is the active one) and on its sprint's board — each rendered
    // where it is used — and its entry of items.json.
    assert_eq!(fragments(&b.log).0, 1 + 1 + 1 + 1 + 1, "a title edit: {}", b.log);
    // The fragments' bytes are in a store of their own beside the state
    // (`.cairn-cache/site-*.frags`); one whose bytes changed under a
    // fragment's range is not trusted: that fragment is rendered again.
    let mut garbled = 0;
    for e in std::fs::read_dir(root.join(".cairn-cache")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "frags") {
            let mut bytes = std::fs::read(&p).unwrap();
            let at = (bytes.len() / 2..bytes.len()).find(|&k| bytes[k].is_ascii_alphanumeric()).unwrap();
            bytes[at] = if bytes[at] == b'Z' { b'Y' } else { b'Z' };
            std::fs::write(&p, bytes).unwrap();
            garbled += 1;
        }
    }
    assert!(garbled > 0, "a store of fragments");
    b.check_small("a store of fragments changed by hand");
    // Nothing changed: the site-wide pages are kept as well (no list
    // fragment is even asked for).
    assert_eq!(fragments(&b.log), (0, 0), "no change: {}", b.log);
    edit(&root, "stories/asm-oauth-providers.md", "title: Sign in with", "title: Log in with");
    b.check_small("another title edit, over the changed store");
    let (rendered, total) = fragments(&b.log);
    assert!((1..total).contains(&rendered), "the fragment whose bytes changed, not all: {rendered} of {total}");
    edit(&root, story, "status: in_progress", "status: in_review");
    b.check("a status edit");
    edit(&root, story, "parent: asm-crud-endpoints", "parent: asm-auth");
    b.check("a parent change");
    edit(&root, story, "depends_on: [asm-projects-api]", "depends_on: [asm-projects-api, asm-dependency-cycle-check]");
    b.check("a dependency added");
    edit(&root, story, "sprint: 2026-s47", "sprint: 2026-s48");
    b.check("a sprint change");
    // An estimate: the schedule of what waits on it moves (their roadmap
    // rows, under other epics too).
    edit(&root, story, "estimate: 8", "estimate: 13");
    b.check("an estimate change");
    // A sprint's dates: its band is on every roadmap page.
    edit(&root, "sprints/2026-s48.md", "end: 2026-12-11", "end: 2026-12-14");
    b.check("a sprint's dates changed");
    // The focus views of the epic's descendants name it in their breadcrumb.
    edit(&root, "epics/health-scoring.md", "title: Develop a proactive", "title: Develop a reactive");
    b.check("an epic's title edit");
    // A new item that sorts before most others and waits on the story:
    // every index after it moves (signatures hold no index), and the
    // story's item object gains it under `blocks`.
    std::fs::write(
        root.join("stories/aaa-new-story.md"),
        "---\ntitle: A new story\nstatus: ready\ndepends_on: [asm-stories-api]\n---\n\nNew.\n",
    )
    .unwrap();
    b.check("a new item");
    let items = std::fs::read_to_string(b.out.join("api/v1/items.json")).unwrap();
    let entry = items.lines().find(|l| l.contains("\"id\":\"asm-stories-api\"")).unwrap();
    let blocks = entry.split("\"blocks\":[").nth(1).and_then(|r| r.split(']').next()).unwrap();
    assert!(blocks.contains("\"aaa-new-story\""), "{entry}");
    repo.remove("bugs/widget-timezone-off-by-one.md");
    b.check("a deletion");
    let o = Command::cargo_bin("cairn")
        .unwrap()
        .args(["mv", "pool-timeout-errors", "pool-timeouts", "-C"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    b.check("a rename");
    // A `macros.html` from before the `backlog_row` macro: the backlog's
    // rows come from the embedded one.
    let macros = include_str!("../templates/macros.html");
    let start = macros.find("{% macro backlog_row").unwrap();
    let end = start + macros[start..].find("{% endmacro %}\n").unwrap() + "{% endmacro %}\n".len();
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::write(root.join("templates/macros.html"), format!("{}{}", &macros[..start], &macros[end..])).unwrap();
    b.check("a macros.html override without backlog_row");
    let backlog = std::fs::read_to_string(b.out.join("backlog.html")).unwrap();
    assert!(backlog.contains("<tr><td><a href=\"items/asm-stories-api.html\">asm-stories-api</a><td>"), "{backlog}");
    std::fs::remove_file(root.join("templates/macros.html")).unwrap();
    b.check("the macros.html override removed");
    let item = include_str!("../templates/item.html");
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::write(root.join("templates/item.html"), format!("{item}\n<!-- overridden -->\n")).unwrap();
    b.check("a template override");
    edit(&root, "cairn.yml", "title: \"Acme backlog\"", "title: \"Acme backlog (edited)\"");
    b.check("a cairn.yml change");
    repo.commit("Ben", "2026-11-21T10:00:00Z", "the edits");
    b.check("a new commit");
    // A file of the output replaced by hand (an editor's save: a new file
    // renamed over it) is not reused: a full build.
    replace(&b.out.join("items/account-schema.html"), "tampered");
    let log = build(&root, &b.out, &[]);
    assert!(log.contains("in the output folder was changed"), "{log}");
    assert!(!stats(&log).2, "a full build: {log}");
    b.check_small("a build after the altered one");
    // So is a file added to it by hand (a full build has no such file).
    std::fs::write(b.out.join("items/extra.html"), "added").unwrap();
    let (_, _, incremental) = b.check("a file added to the output");
    assert!(!incremental, "a full build");
    // Nor one removed.
    std::fs::remove_file(b.out.join("badges/account-schema.svg")).unwrap();
    let (_, _, incremental) = b.check("a file removed from the output");
    assert!(!incremental, "a full build");
    edit(&root, story, "title: Edited story", "title: Twice edited story");
    b.check_small("a title edit after the history moved");
}

/// Replaces a file the way an editor saves one: new bytes in a new file,
/// renamed over it (its folder's modification time changes). A file
/// written over in place is not noticed by an incremental build (docs/cli.md).
fn replace(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp-by-hand");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// The number in the navigation's Problems link of a page (`None`: no count).
#[cfg(unix)]
fn nav_count(html: &str) -> Option<usize> {
    let nav = html.split("problems.html\"").nth(1)?.split("</nav>").next()?;
    let n = nav.split("<span class=\"count").nth(1)?.split('>').nth(1)?.split('<').next()?;
    Some(n.parse().unwrap())
}

#[cfg(unix)]
fn inode(p: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).unwrap().ino()
}

/// The number of problems is shown by the overview and the problems page
/// alone (not in every page's frame): a dependency edit that adds a problem
/// re-renders those and the pages of the edited item, not every page.
#[cfg(unix)]
#[test]
fn a_dependency_edit_that_adds_a_problem_renders_only_the_pages_that_show_it() {
    let (_repo, _tmp, mut b) = example_bench();
    let root = b.root.clone();
    build(&root, &b.out, &[]);
    b.check_small("no change");
    let diagnostics = |out: &Path| -> usize {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("api/v1/diagnostics.json")).unwrap()).unwrap();
        v["diagnostics"].as_array().unwrap().len()
    };
    let before = diagnostics(&b.out);
    // An item far from the edit (another epic, no relation to the story).
    let far = b.out.join("items/account-schema.html");
    let far_ino = inode(&far);
    edit(
        &root,
        "stories/asm-oauth-providers.md",
        "depends_on: [asm-jwt-login]",
        "depends_on: [asm-jwt-login, no-such-item]",
    );
    b.check_small("a dependency on an unknown item");
    let after = diagnostics(&b.out);
    assert_ne!(after, before, "the edit changes the number of problems");
    let read = |p: &str| std::fs::read_to_string(b.out.join(p)).unwrap();
    let problems = read("problems.html");
    assert!(problems.contains("no-such-item"), "the problem is listed: {problems}");
    // The count is on the overview and the problems page, as many as listed.
    assert_eq!(nav_count(&read("index.html")), Some(after));
    assert_eq!(nav_count(&problems), Some(after));
    assert!(read("index.html").contains("count count-error"), "an error: the count says so");
    // Not in the frame of other pages; and a page far from the edit is the
    // last build's file (hard-linked, not written again).
    let far_html = std::fs::read_to_string(&far).unwrap();
    assert_eq!(nav_count(&far_html), None, "{far_html}");
    assert_eq!(nav_count(&read("backlog.html")), None);
    assert_eq!(inode(&far), far_ino, "items/account-schema.html was not written again");
    // And back: the problem goes away, still incrementally.
    edit(
        &root,
        "stories/asm-oauth-providers.md",
        "depends_on: [asm-jwt-login, no-such-item]",
        "depends_on: [asm-jwt-login]",
    );
    b.check_small("the unknown dependency removed");
    assert_eq!(diagnostics(&b.out), before);
    assert_eq!(inode(&far), far_ino);
    // A base.html of the backlog's own that shows the count on every page:
    // a change of it renders every page again (the same bytes as a full
    // build, the count included).
    let base = include_str!("../templates/base.html");
    let own = base.replace("page.section in [\"overview\", \"problems\"] and ", "");
    assert_ne!(own, base, "the condition is in base.html");
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::write(root.join("templates/base.html"), own).unwrap();
    b.check("a base.html that shows the count on every page");
    edit(
        &root,
        "stories/asm-oauth-providers.md",
        "depends_on: [asm-jwt-login]",
        "depends_on: [asm-jwt-login, no-such-item]",
    );
    let (_, _, incremental) = b.check("a dependency on an unknown item, with that base.html");
    assert!(!incremental, "every page shows the count: a full build");
    assert_eq!(nav_count(&std::fs::read_to_string(&far).unwrap()), Some(diagnostics(&b.out)));
}

/// The site-wide pages (overview, backlog, boards, graph, roadmap, static
/// API…) are kept, not rendered again, when nothing they list changed —
/// after an edit that changes no item (the same text written again) — and
/// rendered again when an item's place in a sorted list moves; one changed
/// or removed by hand is repaired by the next build.
#[cfg(unix)]
#[test]
fn site_wide_pages_are_kept_when_nothing_they_list_changed() {
    let (_repo, _tmp, mut b) = example_bench();
    let root = b.root.clone();
    build(&root, &b.out, &[]);
    let site_wide = ["index.html", "backlog.html", "board/index.html", "graph.html", "api/v1/items.json"];
    let inodes = |out: &Path| -> Vec<u64> { site_wide.iter().map(|p| inode(&out.join(p))).collect() };
    let before = inodes(&b.out);
    let backlog_before = std::fs::read_to_string(b.out.join("backlog.html")).unwrap();
    // The same text written again (a newer modification time): no item changed.
    let story = "stories/asm-stories-api.md";
    let text = std::fs::read_to_string(root.join(story)).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(root.join(story), &text).unwrap();
    b.check_small("the same text written again");
    assert_eq!(fragments(&b.log), (0, 0), "no list rendered: {}", b.log);
    assert_eq!(inodes(&b.out), before, "the site-wide files are the last build's");
    // A priority edit moves the story in the backlog's order (the table is
    // sorted by rank): rendered again, the same bytes as a full build.
    edit(&root, story, "priority: highest", "priority: lowest");
    b.check_small("a priority edit (the backlog's order)");
    let after = inodes(&b.out);
    assert_ne!(after[1], before[1], "backlog.html was rendered again");
    let place = |html: &str| {
        let rows: Vec<&str> = html.split("<tr").skip(1).collect();
        rows.iter().position(|r| r.contains("items/asm-stories-api.html")).expect("the story's row")
    };
    let backlog = std::fs::read_to_string(b.out.join("backlog.html")).unwrap();
    assert!(place(&backlog) > place(&backlog_before), "the lowest priority: further down");
    // A site-wide file replaced by hand, then one removed: each repaired.
    replace(&b.out.join("backlog.html"), "tampered");
    let log = build(&root, &b.out, &[]);
    assert!(log.contains("in the output folder was changed"), "{log}");
    b.check_small("a build after backlog.html was changed by hand");
    std::fs::remove_file(b.out.join("api/v1/items.json")).unwrap();
    let (_, _, incremental) = b.check("api/v1/items.json removed by hand");
    assert!(!incremental, "a full build");
    b.check_small("a build after items.json was removed");
}

/// The site-wide jobs an incremental build rendered (`-v`).
fn site_wide(log: &str) -> Vec<String> {
    let line = log
        .lines()
        .find_map(|l| l.strip_prefix("[render+write] site-wide jobs rendered:"))
        .expect("a site-wide jobs line");
    line.split_whitespace().map(str::to_string).collect()
}

/// Each site-wide job is keyed by what it shows: a title edit keeps the
/// pages that show no title of a work item (problems, sprints, metrics,
/// the docs index) and renders again those that do (backlog, boards,
/// static API); a status edit renders the sprints and metrics pages again
/// (a sprint's numbers count statuses) and still keeps the problems page.
#[test]
fn a_title_edit_keeps_the_site_wide_pages_that_show_no_title() {
    let (_repo, _tmp, mut b) = example_bench();
    let root = b.root.clone();
    build(&root, &b.out, &[]);
    let story = "stories/asm-stories-api.md";
    let insights = std::fs::read_to_string(b.out.join("insights.html")).unwrap();
    assert!(!insights.contains("items/asm-stories-api.html"), "the story is in no insight");
    edit(&root, story, "title: Story and task endpoints", "title: Story and task routes");
    b.check_small("a title edit");
    let jobs = site_wide(&b.log);
    for kept in ["Problems", "Sprints", "Metrics", "Docs", "Insights"] {
        assert!(!jobs.iter().any(|j| j == kept), "{kept} kept after a title edit: {jobs:?}");
    }
    for shown in ["Backlog", "Api", "Overview"] {
        assert!(jobs.iter().any(|j| j == shown), "{shown} rendered after a title edit: {jobs:?}");
    }
    let backlog = std::fs::read_to_string(b.out.join("backlog.html")).unwrap();
    assert!(backlog.contains("Story and task routes"), "the new title is in the backlog");
    edit(&root, story, "status: in_progress", "status: review");
    b.check_small("a status edit");
    let jobs = site_wide(&b.log);
    assert!(!jobs.iter().any(|j| j == "Problems"), "no diagnostic changed: {jobs:?}");
    for shown in ["Sprints", "Metrics"] {
        assert!(jobs.iter().any(|j| j == shown), "{shown} rendered after a status edit: {jobs:?}");
    }
    // The title of an item an insight names: the insights page shows it.
    let named = insights.split("items/").nth(1).and_then(|r| r.split(".html").next()).expect("an item in an insight");
    let file = walkdir::WalkDir::new(&root)
        .into_iter()
        .map(Result::unwrap)
        .find(|e| e.file_name().to_string_lossy() == format!("{named}.md"))
        .expect("the named item's file");
    let rel = file.path().strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
    let text = std::fs::read_to_string(file.path()).unwrap();
    let title = text.lines().find_map(|l| l.strip_prefix("title: ")).expect("a title").to_string();
    edit(&root, &rel, &format!("title: {title}"), &format!("title: {title} (renamed)"));
    b.check_small("a title edit of an item an insight names");
    let jobs = site_wide(&b.log);
    assert!(jobs.iter().any(|j| j == "Insights"), "Insights rendered: {jobs:?}");
    let now = std::fs::read_to_string(b.out.join("insights.html")).unwrap();
    assert!(now.contains(&format!("{title} (renamed)")), "the new title on the insights page");
}

/// The spare sites beside the cache (`.cairn-cache/site-<hash>.spare`).
fn spares(root: &Path) -> usize {
    std::fs::read_dir(root.join(".cairn-cache"))
        .map(|d| d.filter_map(Result::ok).filter(|e| e.file_name().to_string_lossy().ends_with(".spare")).count())
        .unwrap_or(0)
}

/// A `--full` build keeps the output it replaces as the spare when the
/// last state still describes it, so the next edit writes a few files into
/// the spare instead of linking every kept file into a new folder; an
/// output with a file written over in place is not kept (that file must
/// not come back from the spare). Either way the next build writes what a
/// fresh full build writes.
#[test]
fn a_full_build_keeps_the_output_it_replaces_as_the_spare_unless_it_was_altered() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("backlog");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("example-backlog"), &root);
    let out = dir.path().join("site");
    let fresh = dir.path().join("fresh");
    let story = "stories/asm-stories-api.md";
    build(&root, &out, &["--no-history"]);
    build(&root, &out, &["--no-history", "--full"]);
    assert_eq!(spares(&root), 1, "the replaced output is the spare");
    edit(&root, story, "title: ", "title: Edited ");
    let log = build(&root, &out, &["--no-history"]);
    assert!(stats(&log).2, "{log}");
    assert!(log.contains("check output"), "the spare is brought up to date and swapped in: {log}");
    build(&root, &fresh, &["--no-history", "--full"]);
    assert_eq!(files(&out), files(&fresh), "after the edit");
    // A file of the output written over in place (not noticed by an
    // incremental build: `--full` is the remedy, docs/cli.md).
    let index = out.join("index.html");
    let mut f = std::fs::OpenOptions::new().append(true).open(&index).unwrap();
    std::io::Write::write_all(&mut f, b"<!-- by hand -->").unwrap();
    drop(f);
    build(&root, &out, &["--no-history", "--full"]);
    assert_eq!(spares(&root), 0, "an altered output is not kept");
    edit(&root, story, "title: Edited ", "title: Edited again ");
    let log = build(&root, &out, &["--no-history"]);
    assert!(!log.contains("check output"), "no spare to use: a new folder {log}");
    std::fs::remove_dir_all(&fresh).unwrap();
    build(&root, &fresh, &["--no-history", "--full"]);
    assert_eq!(files(&out), files(&fresh), "after the second edit");
    assert!(!String::from_utf8_lossy(&std::fs::read(&index).unwrap()).contains("by hand"));
    // And once more through the spare the edit left.
    edit(&root, story, "title: Edited again ", "title: ");
    let log = build(&root, &out, &["--no-history"]);
    assert!(log.contains("check output"), "{log}");
    std::fs::remove_dir_all(&fresh).unwrap();
    build(&root, &fresh, &["--no-history", "--full"]);
    assert_eq!(files(&out), files(&fresh), "after the third edit");
}
