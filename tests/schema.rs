//! The JSON Schemas in `schema/` are generated from the same definitions as
//! the compiler, are up to date, accept the example backlog, and reject the
//! same bad items that `cairn check` rejects.

use std::path::{Path, PathBuf};

use cairn::config::Config;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap();
    s.push('\n');
    s
}

/// Fails when a committed schema differs from the generated one. Run with
/// `CAIRN_UPDATE_SCHEMA=1 cargo test --test schema` to rewrite them.
#[test]
fn committed_schemas_are_up_to_date() {
    let pairs = [
        ("schema/item.schema.json", cairn::schema::item_schema(None)),
        ("schema/config.schema.json", cairn::schema::config_schema()),
    ];
    for (path, generated) in pairs {
        let full = repo().join(path);
        if std::env::var_os("CAIRN_UPDATE_SCHEMA").is_some() {
            // Written aside and renamed over: the other tests of this file
            // read the schemas meanwhile and must never see half of one.
            let tmp = full.with_extension("json.tmp");
            std::fs::write(&tmp, pretty(&generated)).unwrap();
            std::fs::rename(&tmp, &full).unwrap();
        }
        let committed = std::fs::read_to_string(&full).unwrap_or_default();
        assert_eq!(
            committed,
            pretty(&generated),
            "{path} is stale: run `CAIRN_UPDATE_SCHEMA=1 cargo test --test schema`"
        );
    }
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::validator_for(schema).expect("schema compiles")
}

fn item_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in walk(root) {
        let rel = e.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        if cairn::load::is_item_path(&rel, &globset::GlobSet::empty()) {
            out.push(e);
        }
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn example_backlog_validates_against_its_schemas() {
    let root = repo().join("example-backlog");
    let cfg_text = std::fs::read_to_string(root.join("cairn.yml")).unwrap();
    // Its schema line names the schema by its `$id` (a relative path would
    // break in a copy of the folder).
    let modeline = format!("# yaml-language-server: $schema={}", cairn::schema::config_schema_url());
    assert_eq!(cfg_text.lines().next(), Some(modeline.as_str()));
    let cfg = Config::parse(&cfg_text, Path::new("cairn.yml")).unwrap();
    // cairn.yml against the committed config schema.
    let cfg_json = cairn::load::yaml::parse(&cfg_text).unwrap().value.to_json();
    let cv = validator(
        &serde_json::from_str(&std::fs::read_to_string(repo().join("schema/config.schema.json")).unwrap()).unwrap(),
    );
    let errors: Vec<String> = cv.iter_errors(&cfg_json).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    // Every item against the schema of this backlog's config.
    let iv = validator(&cairn::schema::item_schema(Some(&cfg)));
    let files = item_files(&root);
    assert!(files.len() >= 60);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let fm = cairn::schema::front_matter_json(&text).unwrap();
        let errors: Vec<String> = iv.iter_errors(&fm).map(|e| format!("{e} at {}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", f.display());
    }
}

/// Bad items: each is rejected by the committed item schema and by `cairn check`.
const BAD: &[(&str, &str, &str)] = &[
    ("tasks/a.md", "---\ntitle: A\nstatus: inprogress\n---\n", "E012"),
    ("tasks/a.md", "---\ntitle: A\nstatus: done\npriority: urgent\n---\n", "E016"),
    ("tasks/a.md", "---\ntitle: A\nstatus: done\nestimate: five\n---\n", "E017"),
    ("tasks/a.md", "---\ntitle: A\nstatus: done\nestimate: -2\n---\n", "E030"),
    ("tasks/a.md", "---\ntitle: A\nstatus: done\ndue: 2026/11/30\n---\n", "E017"),
    ("tasks/a.md", "---\ntitle: A\nstatus: done\nasignee: ana\n---\n", "E018"),
    ("tasks/a.md", "---\ntitle: A\nstatus: done\ndepends_on: [{ id: b, lag: soon }]\n---\n", "E027"),
    ("tasks/a.md", "---\ntitle: A\nstatus: done\nreferences: [{ url: \"javascript:alert(1)\" }]\n---\n", "E028"),
    ("tasks/a.md", "---\ntitle: A\nstatus: done\nml: { metrics: { f1: 1.5 } }\n---\n", "E029"),
    ("tasks/a.md", "---\nid: \"../escape\"\ntitle: A\nstatus: done\n---\n", "E011"),
    ("tasks/a.md", "---\ntitle: A\nkind: saga\nstatus: done\n---\n", "E014"),
    ("tasks/a.md", "---\ntitle: A\nstatus: done\nml: { ethical_review: maybe }\n---\n", "E030"),
];

#[test]
fn bad_items_are_rejected_by_schema_and_check() {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("schema/item.schema.json")).unwrap()).unwrap();
    let v = validator(&schema);
    let cfg = Config::default();
    for (path, text, code) in BAD {
        let fm = cairn::schema::front_matter_json(text).unwrap();
        assert!(!v.is_valid(&fm), "schema accepted {text:?}");
        let (_, diags) = cairn::load::parse_item_text(text, path, &cfg);
        assert!(diags.iter().any(|d| d.code == *code), "check did not report {code} for {text:?}: {diags:?}");
    }
    // And a good item is accepted by both.
    let good = "---\ntitle: A\nstatus: done\nestimate: 3\ndepends_on: [{ id: b, lag: 2d }]\nml: { metrics: { f1: 0.9 }, ethical_review: approved }\n---\n";
    assert!(v.is_valid(&cairn::schema::front_matter_json(good).unwrap()));
    assert!(cairn::load::parse_item_text(good, "tasks/a.md", &cfg).1.is_empty());
}

/// The config of the corpus: one custom field of each type.
const CORPUS_CONFIG: &str = "fields:
  team: { type: enum, values: [growth, data] }
  impact: { type: number, min: 0, max: 10 }
  n: { type: integer }
  review: { type: date }
  link: { type: url }
  tags: { type: list }
  owner: { type: id }
  note: { type: string }
  flag: { type: bool }
";

/// Items the corpus items may point at (a task, a story with a number for
/// an id, a sprint).
const TARGETS: &[(&str, &str)] = &[
    ("tasks/b.md", "---\ntitle: B\nstatus: ready\n---\n"),
    ("stories/st.md", "---\ntitle: St\nstatus: ready\n---\n"),
    ("stories/5.md", "---\ntitle: Five\nstatus: ready\n---\n"),
    ("sprints/s1.md", "---\ntitle: S1\nstart: 2026-11-16\nend: 2026-11-27\n---\n"),
];

/// Front-matter lines added to `title: A` / `status: ready` of `tasks/a.md`:
/// valid values and mutations of every field, for whatever the schema can
/// say (see `item_schema`'s doc for what it cannot).
const CORPUS: &[&str] = &[
    "",
    // ids
    "id: a1",
    "id: A.b_c-d",
    "id: 7",
    "id: 7.0",
    "id: -7",
    "id: 1.5",
    "id: \"a b\"",
    "id: \" a\"",
    "id: x.md",
    "id: ''",
    "id: [a]",
    "id: null",
    "id: true",
    "id: .hidden",
    // relations
    "parent: st",
    "parent: 5",
    "parent: 5.0",
    "parent: ' st'",
    "parent: [st]",
    "parent: null",
    "parent: 1.5",
    "parent: -1",
    "sprint: s1",
    "sprint: [s1]",
    "sprint: null",
    "depends_on: b",
    "depends_on: [b]",
    "depends_on: [b, 5]",
    "depends_on: {id: b}",
    "depends_on: {id: b, lag: 2d}",
    "depends_on: [{id: b, lag: 2}]",
    "depends_on: [{id: b, lag: 2.5}]",
    "depends_on: [{id: b, lag: -2}]",
    "depends_on: [{id: b, lag: 1000000000}]",
    "depends_on: [{id: b, lag: 999999999d}]",
    "depends_on: [{id: b, lag: 1000000000d}]",
    "depends_on: [{id: b, lag: '2 d'}]",
    "depends_on: [{id: b, lag: 1.5w}]",
    "depends_on: [{id: b, lag: +2d}]",
    "depends_on: [{id: b, lag: .5d}]",
    "depends_on: [{id: b, lag: 2x}]",
    "depends_on: [{id: b, lag: null}]",
    "depends_on: [{lag: 2d}]",
    "depends_on: [{id: b, extra: 1}]",
    "depends_on: null",
    "depends_on: [[b]]",
    "depends_on: [null]",
    "blocks: b",
    "blocks: [b]",
    "blocks: null",
    "blocks: [1.5]",
    "relates_to: {a: b}",
    "relates_to: [st, 5]",
    "duplicates: b",
    "duplicates: [b]",
    // references
    "references: b",
    "references: https://x.y",
    "references: [https://x.y, b]",
    "references: ['HTTPS://X.Y']",
    "references: ['MAILTO:a@b']",
    "references: ['mailto:']",
    "references: ['http://a']",
    "references: ['http://']",
    "references: ['https://a b']",
    "references: ['ftp://x']",
    "references: [{url: 'https://x'}]",
    "references: {url: 'https://x', title: Design}",
    "references: [{url: 'https://x', title: 5}]",
    "references: [{id: b}]",
    "references: [{id: b, title: T}]",
    "references: [{id: b, url: 'https://x'}]",
    "references: [{title: T}]",
    "references: [{url: 'javascript:alert(1)'}]",
    "references: [{url: 5}]",
    "references: [{url: 'https://x', title: null}]",
    "references: null",
    "references: [null]",
    // status, priority, people, labels
    "status: inprogress",
    "status: 5",
    "status: null",
    "status: [ready]",
    "priority: high",
    "priority: urgent",
    "priority: null",
    "priority: 1",
    "labels: 5",
    "labels: [a, 5, true, 1.5]",
    "labels: null",
    "labels: [null]",
    "labels: [[a]]",
    "labels: {a: 1}",
    "assignee: ana",
    "assignee: [ana, 7]",
    "assignee: null",
    "reporter: 5",
    "reporter: null",
    "reporter: ana",
    "kind: task",
    "kind: saga",
    "kind: 5",
    "asignee: ana",
    "5: x",
    "true: x",
    // dates
    "due: 2026-12-31",
    "due: 2026-13-01",
    "due: 2026-02-30",
    "due: 2026-02-29",
    "due: 2024-02-29",
    "due: 2100-02-29",
    "due: 2000-02-29",
    "due: 2026-04-31",
    "due: 2026-00-10",
    "due: 2026-01-00",
    "due: 2026/11/30",
    "due: 20261130",
    "due: '+202-01-01'",
    "due: null",
    "due: 2026-1-3",
    "start: 2026-11-30",
    "start: 2026-11-31",
    // datetimes
    "created: 2026-11-30",
    "created: 2026-11-30T10:00:00Z",
    "created: 2026-11-30t10:00:00z",
    "created: 2026-11-30 10:00:00Z",
    "created: 2026-11-30T25:00:00Z",
    "created: 2026-11-30T24:00:00Z",
    "created: 2026-11-30T10:60:00Z",
    "created: 2026-11-30T10:59:60Z",
    "created: 2026-11-30T10:00Z",
    "created: 2026-11-30T10:00:00",
    "created: 2026-11-30T10:00:00.123+01:00",
    "created: 2026-11-30T10:00:00+24:00",
    "created: 2026-11-30T10:00:00+23:59",
    "created: 2026-02-30T10:00:00Z",
    "created: 2025-02-29T10:00:00Z",
    "created: 2024-02-29T10:00:00Z",
    "created: 2026-11-30T10:00:00.Z",
    "created: 2026",
    "created: null",
    "updated: 2026-11-30T10:00:00-00:00",
    "updated: 2026-11-30T10:00:00.5z",
    // numbers
    "estimate: 5",
    "estimate: 0",
    "estimate: -1",
    "estimate: 2.5",
    "estimate: five",
    "estimate: '5'",
    "estimate: 99999999999999999999999999",
    "estimate: 999999999",
    "estimate: 1000000000",
    "estimate: null",
    "estimate: true",
    "estimate: 1e3",
    "estimate: 0x10",
    "duration: 3d",
    "duration: 3",
    "duration: -3",
    "duration: 1w",
    "duration: soon",
    // ml
    "ml: {metrics: {f1: 0.9}}",
    "ml: {metrics: {f1: 1.5}}",
    "ml: {metrics: {f1: '0.9'}}",
    "ml: {metrics: null}",
    "ml: {ethical_review: approved}",
    "ml: {ethical_review: maybe}",
    "ml: {explainability: high}",
    "ml: {explainability: 0.5}",
    "ml: {explainability: 2}",
    "ml: {dataset: s3://x}",
    "ml: {dataset: 5}",
    "ml: {model: {id: m}}",
    "ml: {data_notes: 5}",
    "ml: {data_notes: null}",
    "ml: {foo: 1}",
    "ml: null",
    "ml: 5",
    // custom fields
    "team: growth",
    "team: grwth",
    "team: null",
    "impact: 5",
    "impact: 11",
    "impact: -1",
    "impact: '5'",
    "impact: 1e12",
    "n: 3",
    "n: 3.0",
    "n: 3.5",
    "n: 1e10",
    "review: 2026-11-30",
    "review: 2026-02-30",
    "review: null",
    "link: https://x",
    "link: ftp://x",
    "link: 5",
    "tags: [a, 5]",
    "tags: null",
    "tags: 5",
    "owner: b",
    "owner: [b, 5]",
    "owner: null",
    "owner: 1.5",
    "note: 5",
    "note: text",
    "note: null",
    "flag: true",
    "flag: yes",
    "flag: null",
    "flag: 1",
];

/// Titles, with `status: ready` (a title in the body is beyond the schema).
const TITLES: &[&str] = &[
    "title: Hello",
    "title: 123",
    "title: 1.5",
    "title: true",
    "title: ''",
    "title: ' '",
    "title: null",
    "title: [a]",
    "title: {a: 1}",
];

/// Whether `cairn check` reports an error on `tasks/a.md` with front-matter
/// `fm`, in a backlog holding [`TARGETS`].
fn check_rejects(fm: &str, cfg: &Config) -> bool {
    let parse = |path: &str, text: &str| cairn::load::parse_item_text(text, path, cfg);
    let mut items = Vec::new();
    let mut diags = Vec::new();
    for (path, text) in TARGETS.iter().copied().chain([("tasks/a.md", format!("---\n{fm}---\n").as_str())]) {
        let (item, d) = parse(path, text);
        items.extend(item);
        diags.extend(d);
    }
    let backlog = cairn::load::Backlog::from_items(PathBuf::from("/nowhere"), cfg.clone(), items, diags, 5);
    let report = cairn::check::check_backlog(&backlog);
    let errors: Vec<_> = report.diagnostics.iter().filter(|d| d.severity == cairn::check::Severity::Error).collect();
    assert!(errors.iter().all(|d| d.file == "tasks/a.md"), "the targets are valid: {errors:?}");
    !errors.is_empty()
}

/// The item schema and `cairn check` give the same verdict on every item
/// of the corpus (with and without `format` validation, as editors differ).
#[test]
fn schema_and_check_agree_on_a_corpus() {
    let cfg = Config::parse(CORPUS_CONFIG, Path::new("cairn.yml")).unwrap();
    let schema = cairn::schema::item_schema(Some(&cfg));
    let plain = validator(&schema);
    let formats = jsonschema::options().should_validate_formats(true).build(&schema).expect("schema compiles");
    let cases = CORPUS
        .iter()
        .map(|extra| format!("title: A\nstatus: ready\n{extra}\n"))
        .chain(TITLES.iter().map(|t| format!("{t}\nstatus: ready\n")));
    let (mut accepted, mut rejected, mut disagree) = (0, 0, Vec::new());
    for fm in cases {
        let json = cairn::schema::front_matter_json(&format!("---\n{fm}---\n")).expect("the corpus is valid YAML");
        let by_check = check_rejects(&fm, &cfg);
        for (name, v) in [("schema", &plain), ("schema with formats", &formats)] {
            let by_schema = !v.is_valid(&json);
            if by_schema != by_check {
                disagree.push(format!("{fm:?}: check {}, {name} {}", verdict(by_check), verdict(by_schema)));
            }
        }
        if by_check {
            rejected += 1;
        } else {
            accepted += 1;
        }
    }
    assert!(disagree.is_empty(), "{} disagreements:\n{}", disagree.len(), disagree.join("\n"));
    assert!(accepted > 80 && rejected > 80, "{accepted} accepted, {rejected} rejected");
    // The cases of the issue, by name.
    for (fm, bad) in [
        ("due: 2026-13-01", true),
        ("due: 2026-02-30", true),
        ("created: 2026-11-30T25:00:00Z", true),
        ("title: 123", false),
        ("labels: 5", false),
    ] {
        let fm = if fm.starts_with("title") {
            format!("{fm}\nstatus: ready\n")
        } else {
            format!("title: A\nstatus: ready\n{fm}\n")
        };
        assert_eq!(check_rejects(&fm, &cfg), bad, "{fm}");
    }
}

fn verdict(rejects: bool) -> &'static str {
    if rejects {
        "rejects"
    } else {
        "accepts"
    }
}
