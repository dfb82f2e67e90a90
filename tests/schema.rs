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
            std::fs::write(&full, pretty(&generated)).unwrap();
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
