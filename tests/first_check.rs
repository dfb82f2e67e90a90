//! The first `check` of a fresh clone, made faster, says exactly what it
//! said before: the front-matter fast path reads every file as the event
//! parser does, and `check` reports the same bytes in every format with it
//! and without it, with the parse cache written in the background or not
//! at all, and from the cache on the next run.

use std::path::{Path, PathBuf};

use cairn::check::{self, report, sarif};
use cairn::gen::{self, Shape, Spec};
use cairn::load::{self, frontmatter, yaml};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("example-backlog")
}

/// Every item file under `root`, root-relative, sorted.
fn item_files(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(root).sort_by_file_name().into_iter().filter_map(Result::ok) {
        let rel = e.path().strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        if e.file_type().is_file() && rel.ends_with(".md") && !rel.starts_with('.') {
            out.push((rel, std::fs::read_to_string(e.path()).unwrap()));
        }
    }
    out
}

/// Front-matter with problems of every kind the load reports (E001–E005,
/// E011–E019, E027–E034, W003–W008) and shapes the fast path leaves to the
/// event parser, next to ones it reads.
const WITH_ERRORS: &[(&str, &str)] = &[
    ("tasks/ok.md", "---\ntitle: Fine\nstatus: ready\nlabels: [a, b]\ndepends_on:\n  - missing\n---\nBody\n"),
    ("tasks/no-fm.md", "# Just markdown\n"),
    ("tasks/empty.md", ""),
    ("tasks/unclosed.md", "---\ntitle: x\n"),
    ("tasks/syntax.md", "---\ntitle: x\nstatus: [a\n---\n"),
    ("tasks/tab.md", "---\ntitle: x\n\tstatus: y\n---\n"),
    ("tasks/list.md", "---\n- a\n- b\n---\n"),
    ("tasks/dup.md", "---\ntitle: a\ntitle: b\nstatus: done\n---\n"),
    (
        "tasks/types.md",
        "---\ntitle: A\nstatus: done\nasignee: ana\npriority: urgent\nestimate: five\ndue: tomorrow\n---\n",
    ),
    ("tasks/status.md", "---\ntitle: A\nstatus: inprogress\n---\n"),
    ("tasks/quoted.md", "---\ntitle: \"Quoted: yes\"\nstatus: 'ready'\nestimate: 1e9\n---\n"),
    ("tasks/tags.md", "---\ntitle: A\nstatus: ready\nlabels: !!python/object/apply:os.system [ls]\n---\n"),
    ("tasks/comment.md", "---\n# a comment\ntitle: A # trailing\nstatus: ready\n---\n"),
    ("tasks/crlf.md", "---\r\ntitle: A\r\nstatus: ready\r\n---\r\nBody\r\n"),
    ("tasks/lag.md", "---\ntitle: A\nstatus: ready\ndepends_on: [{ id: ok, lag: 3x }]\n---\n"),
    ("tasks/url.md", "---\ntitle: A\nstatus: ready\nreferences: [{ url: \"javascript:alert(1)\" }]\n---\n"),
    ("tasks/self.md", "---\ntitle: A\nstatus: ready\nblocks:\n  - self\n---\n"),
    ("tasks/bad id.md", "---\ntitle: A\nstatus: ready\n---\n"),
    ("tasks/unicode.md", "---\ntitle: Café — naïve 🚀\nstatus: donne\nlabels: [é, ü]\n---\n# Heading\n- [ ] one\n"),
    (
        "tasks/done.md",
        "---\ntitle: A\nstatus: done\nstart: 2026-12-01\ndue: 2026-11-01\n---\n## Acceptance criteria\n- [ ] a\n",
    ),
    ("bugs/heading.md", "---\nstatus: backlog\n---\n# From heading\n"),
    ("misc/nokind.md", "---\ntitle: x\nstatus: backlog\n---\n"),
    ("sprints/s1.md", "---\ntitle: S1\nstart: 2026-11-16\nend: 2026-11-01\n---\n"),
];

fn write_files(root: &Path, files: &[(String, String)]) {
    for (rel, text) in files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

fn generated(spec: &Spec, shape: Shape) -> Vec<(String, String)> {
    gen::shaped(spec, shape).into_iter().map(|f| (f.path, f.text)).collect()
}

/// The test backlogs: the example, the one with errors, and generated ones
/// of every shape (the mixed one with seeded errors).
fn backlogs() -> Vec<(&'static str, tempfile::TempDir)> {
    let mut out = Vec::new();
    let copy = tempfile::tempdir().unwrap();
    // The example's files, not what runs on it left (`.cairn-cache/`).
    for e in walkdir::WalkDir::new(example()).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
        let rel = e.path().strip_prefix(example()).unwrap();
        if rel.starts_with(".cairn-cache") {
            continue;
        }
        let to = copy.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(e.path(), to).unwrap();
    }
    out.push(("example", copy));
    let errors = tempfile::tempdir().unwrap();
    write_files(errors.path(), &WITH_ERRORS.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect::<Vec<_>>());
    out.push(("errors", errors));
    let mixed = Spec { items: 1500, seed: 7, errors: 40 };
    for (name, shape) in [
        ("mixed", Shape::Mixed),
        ("chain", Shape::Chain),
        ("star", Shape::Star),
        ("bowtie", Shape::Bowtie),
        ("deep", Shape::Deep),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let spec = if shape == Shape::Mixed { mixed.clone() } else { Spec { items: 300, ..Spec::default() } };
        let files = generated(&spec, shape);
        write_files(dir.path(), &files);
        out.push((name, dir));
    }
    out
}

/// Every front-matter of the test backlogs reads the same through the fast
/// path as through the event parser alone (trees, spans, errors), and the
/// generated items, all of the common shape, take the fast path.
#[test]
fn the_fast_path_reads_every_front_matter_as_the_event_parser() {
    for (name, dir) in backlogs() {
        let (mut fast, mut all) = (0, 0);
        for (rel, text) in item_files(dir.path()) {
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            let Ok(split) = frontmatter::split(text) else { continue };
            all += 1;
            let full = yaml::full_document(split.yaml).map(|d| format!("{:?} {:?}", d.root, d.ignored_tags));
            let both = yaml::parse_document(split.yaml).map(|d| format!("{:?} {:?}", d.root, d.ignored_tags));
            assert_eq!(both, full, "{name}: {rel}");
            if let Some(node) = yaml::simple::parse(split.yaml) {
                fast += 1;
                assert_eq!(Ok(format!("{node:?} []")), full, "{name}: {rel}");
            }
        }
        eprintln!("{name}: {fast} of {all} front-matters on the fast path");
        match name {
            // A few seeded errors are not of the common shape; everything
            // else is (1,491 of 1,500 when this was written).
            "mixed" => assert!(fast * 100 >= all * 98, "{name}: {fast} of {all}"),
            "chain" | "star" | "bowtie" | "deep" => assert_eq!(fast, all, "{name}"),
            _ => assert!(fast > 0, "{name}"),
        }
    }
}

/// `check`'s output in every format, as the command writes it.
fn outputs(root: &Path, cached: Option<bool>) -> Vec<(&'static str, String)> {
    let b = match cached {
        None => load::load(root).unwrap(),
        Some(save) => load::load_cached(root, save).unwrap(),
    };
    let g = cairn::graph::Graph::build(&b);
    let r = check::check_on(&b, &g, chrono::NaiveDate::from_ymd_opt(2026, 11, 20));
    vec![
        ("human", report::human(&r, root, false)),
        ("human, color", report::human(&r, root, true)),
        ("json", serde_json::to_string_pretty(&report::json_report(&r)).unwrap()),
        ("github", report::github(&r, root)),
        ("gitlab", report::gitlab(&r, root)),
        ("sarif", serde_json::to_string_pretty(&sarif::log(&r, root)).unwrap()),
        ("summary", report::summary(&r)),
    ]
}

/// The same bytes in every format: through the event parser alone without
/// the cache (as before the fast path), through the fast path without the
/// cache, writing the cache on a fresh clone, and from the cache.
#[test]
fn check_reports_the_same_bytes_in_every_format() {
    for (name, dir) in backlogs() {
        let root = dir.path();
        // Files just written are "racy" and not cached: age them.
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for e in walkdir::WalkDir::new(root).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
            std::fs::File::options().append(true).open(e.path()).unwrap().set_modified(old).unwrap();
        }
        yaml::set_fast_path(false);
        let before = outputs(root, None);
        yaml::set_fast_path(true);
        assert!(before.iter().any(|(_, o)| !o.is_empty()));
        assert_eq!(outputs(root, None), before, "{name}: fast path, no cache");
        assert!(!load::cache::path(root).exists(), "{name}");
        assert_eq!(outputs(root, Some(true)), before, "{name}: fresh clone, cache written");
        assert!(load::cache::path(root).is_file(), "{name}: the cache is written");
        assert_eq!(outputs(root, Some(true)), before, "{name}: from the cache");
    }
}

/// `cairn check` on a fresh clone writes the parse cache while its rules
/// run: it prints the same bytes (stdout, stderr, exit code) in every
/// format as without the cache and as from the cache it wrote, and the
/// cache is whole when the command returns.
#[test]
fn the_command_prints_the_same_with_the_cache_written_alongside() {
    let run = |root: &Path, format: &str, no_cache: bool| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_cairn"));
        c.args(["check", "--no-history", "--format", format, "-C"]).arg(root).env_remove("CI");
        if no_cache {
            c.env("CAIRN_NO_CACHE", "1");
        } else {
            c.env_remove("CAIRN_NO_CACHE");
        }
        let o = c.output().unwrap();
        (o.status.code(), String::from_utf8(o.stdout).unwrap(), String::from_utf8(o.stderr).unwrap())
    };
    for (name, dir) in backlogs().into_iter().filter(|(n, _)| matches!(*n, "example" | "errors" | "mixed")) {
        let root = dir.path();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for e in walkdir::WalkDir::new(root).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
            std::fs::File::options().append(true).open(e.path()).unwrap().set_modified(old).unwrap();
        }
        for format in ["human", "json", "github", "gitlab", "sarif"] {
            let cache = load::cache::path(root);
            let _ = std::fs::remove_dir_all(root.join(".cairn-cache"));
            let uncached = run(root, format, true);
            assert!(!cache.exists());
            assert_eq!(run(root, format, false), uncached, "{name} {format}: fresh clone");
            let bytes = std::fs::read(&cache).expect("the cache is written before the command returns");
            assert_eq!(run(root, format, false), uncached, "{name} {format}: from the cache");
            assert_eq!(std::fs::read(&cache).unwrap(), bytes, "{name} {format}: read, not rewritten");
            let leftovers: Vec<_> = std::fs::read_dir(root.join(".cairn-cache"))
                .unwrap()
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().contains("cairn-tmp"))
                .collect();
            assert!(leftovers.is_empty(), "{name} {format}: {leftovers:?}");
        }
    }
}
