//! The serve builder: settled builds equal full builds.

use super::*;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// Saves `rel` with `from` replaced by `to`, rebuilds and settles;
/// returns the fast build and the settled one.
fn edit2(b: &mut Builder, rel: &str, from: &str, to: &str) -> (Arc<Snapshot>, Arc<Snapshot>) {
    let path = b.root().join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} has no `{from}`");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    let never = AtomicBool::new(false);
    b.prepare_spare();
    let changes = Changes { paths: BTreeSet::from([path]), rescan: false };
    let (fast, _, pending) = b.incremental(&changes, &never);
    assert!(fast.error.is_none(), "{:?}", fast.error);
    match b.settle(&pending, &never) {
        Some((s, _)) => (fast, s),
        None => (fast.clone(), fast),
    }
}

fn edit(b: &mut Builder, rel: &str, from: &str, to: &str) -> Arc<Snapshot> {
    edit2(b, rel, from, to).1
}

/// The served state equals a full build of the same files.
fn assert_same_as_full(s: &Snapshot, root: &Path) {
    let never = AtomicBool::new(false);
    let (full, _) = Builder::new(root.to_path_buf(), BuildOptions::default()).full(&never);
    let mut a: Vec<&Arc<str>> = s.site.keys().collect();
    let mut b: Vec<&Arc<str>> = full.site.keys().collect();
    a.sort();
    b.sort();
    assert_eq!(a, b, "the same files");
    for (k, v) in full.site.iter() {
        assert!(s.site[&**k] == *v, "{k} differs from a full build");
    }
    let diags = |s: &Snapshot| crate::check::report::json_value(&s.report).to_string();
    assert_eq!(diags(s), diags(&full));
    assert_eq!(s.objects, full.objects);
    assert_eq!(s.listed, full.listed);
}

#[test]
fn settled_builds_equal_full_builds_and_problems_show_after_settling() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("backlog");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("example-backlog"), &root);
    let never = AtomicBool::new(false);
    let mut b = Builder::new(root.clone(), BuildOptions::default());
    let (first, _) = b.full(&never);
    assert!(first.error.is_none());
    let errors = first.report.errors();
    let story = "stories/asm-stories-api.md";
    // Content only (title): the backlog is patched, graph and schedule kept.
    let (fast, s) = edit2(&mut b, story, "title: ", "title: Edited ");
    assert!(Arc::ptr_eq(&fast.graph, &first.graph), "the graph is kept");
    assert!(String::from_utf8_lossy(&fast.site["items/asm-stories-api.html"].bytes()).contains("Edited"));
    // A text-only edit keeps the sprints, counts and insights of the last
    // build: the item's page is already the settled one.
    assert_eq!(fast.site["items/asm-stories-api.html"], s.site["items/asm-stories-api.html"]);
    assert_same_as_full(&s, &root);
    // Status: the item and the ones it blocks change, the schedule too.
    let s = edit(&mut b, story, "status: in_progress", "status: done");
    assert_same_as_full(&s, &root);
    // A problem introduced by an edit shows up once settled.
    let s = edit(&mut b, story, "status: done", "status: no_such_status");
    assert!(s.report.errors() > errors, "the unknown status is reported");
    assert!(String::from_utf8_lossy(&s.site["problems.html"].bytes()).contains("no_such_status"));
    assert_same_as_full(&s, &root);
    // A relation: the graph changes.
    let s = edit(&mut b, story, "status: no_such_status", "status: todo");
    assert_same_as_full(&s, &root);
    let s = edit(&mut b, story, "depends_on: [asm-projects-api]", "depends_on: [asm-oauth-providers]");
    assert_same_as_full(&s, &root);
    // An estimate: the schedule of the items after it moves (their item,
    // graph and roadmap pages, far from the edited one).
    let s = edit(&mut b, story, "estimate: 8", "estimate: 13");
    assert_same_as_full(&s, &root);
    // And back: the error is gone.
    let s = edit(&mut b, story, "status: todo", "status: in_progress");
    assert_eq!(s.report.errors(), errors);
    assert_same_as_full(&s, &root);
    // A template of the backlog's own: the kept fragments of the lists
    // (rendered with the embedded macros) are not used again.
    let macros = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/macros.html")).unwrap();
    let own = macros.replacen("<tr><td>{{ idlink(c, root) }}", "<tr class=own><td>{{ idlink(c, root) }}", 1);
    assert_ne!(own, macros, "the backlog row is in macros.html");
    std::fs::create_dir_all(root.join("templates")).unwrap();
    let path = root.join("templates/macros.html");
    std::fs::write(&path, own).unwrap();
    let changes = Changes { paths: BTreeSet::from([path]), rescan: false };
    let (s, _, pending) = b.incremental(&changes, &never);
    let s = b.settle(&pending, &never).map(|(s, _)| s).unwrap_or(s);
    assert!(String::from_utf8_lossy(&s.site["backlog.html"].bytes()).contains("<tr class=own>"));
    assert_same_as_full(&s, &root);
    // And a title edit after it: the other rows are the new template's.
    let s = edit(&mut b, story, "title: Edited ", "title: Edited again ");
    assert_eq!(String::from_utf8_lossy(&s.site["backlog.html"].bytes()).matches("<tr><td>").count(), 0);
    assert_same_as_full(&s, &root);
}
