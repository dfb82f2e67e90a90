//! Commands that write into the backlog: `init` and `new`, and the edit
//! engine every write goes through (`set`, `mv`, `fmt`, …; see
//! [`engine`]). Every write is atomic and never overwrites an existing file
//! unless that is the edit; every item path comes from
//! [`path::item_path`], which refuses ids and folders that would leave the root.

pub mod commit;
pub mod doc;
pub mod engine;
pub mod fmt;
pub mod patch;
pub mod path;
pub mod proposal;
pub mod rename;
pub mod scalar;
pub mod template;
pub mod text;
mod write;

pub use engine::{file_hash, plan, ChangeSet, Edit, FileChange, Op};

use std::path::{Path, PathBuf};

use crate::check;
use crate::config::{Config, Role, CONFIG_FILE};
use crate::diag::{self, Diagnostic, Severity};
use crate::load::{self, Backlog};

/// The commented default `cairn.yml` written by `cairn init`.
pub const DEFAULT_CONFIG: &str = include_str!("skeleton/cairn.yml");

/// One example item per kind, written by `cairn init` (kind, file stem, text).
pub const EXAMPLES: &[(&str, &str, &str)] = &[
    ("initiative", "improve-customer-retention", include_str!("skeleton/initiative.md")),
    ("epic", "customer-health-scoring", include_str!("skeleton/epic.md")),
    ("prd", "health-scoring-prd", include_str!("skeleton/prd.md")),
    ("feature", "at-risk-accounts-dashboard", include_str!("skeleton/feature.md")),
    ("story", "show-the-ten-lowest-scoring-accounts", include_str!("skeleton/story.md")),
    ("task", "add-the-health-score-api-endpoint", include_str!("skeleton/task.md")),
    ("bug", "scores-are-stale-after-a-plan-change", include_str!("skeleton/bug.md")),
    ("sprint", "sprint-1", include_str!("skeleton/sprint.md")),
];

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("{0} already exists; cairn init never overwrites it")]
    Exists(PathBuf),
    #[error("unknown kind `{0}`{1}")]
    UnknownKind(String, String),
    #[error("bad --set `{0}`: write FIELD=VALUE")]
    BadSet(String),
    #[error("cannot write {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error(transparent)]
    Path(#[from] path::PathError),
    #[error(transparent)]
    Load(#[from] load::LoadError),
    #[error("no item with id `{id}`{hint}")]
    UnknownId { id: String, hint: String },
    #[error("unknown field `{field}` for {kind} items{hint}")]
    UnknownField { field: String, kind: String, hint: String },
    #[error("invalid id `{0}`: ids are slugs of letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 100 characters")]
    InvalidId(String),
    #[error(
        "`id` of `{0}` is changed with `cairn mv {0} NEW_ID`, which also renames its file and every reference to it"
    )]
    IdField(String),
    #[error("the id `{0}` is already taken")]
    IdTaken(String),
    #[error("{0} already exists")]
    PathTaken(String),
    #[error("`{0}` is not a path for an item file under the root")]
    BadPath(String),
    #[error("`{field}` of `{id}` is not a list")]
    NotAList { id: String, field: String },
    #[error("`{field}` of `{id}` has no `{value}`{hint}")]
    NotInList { id: String, field: String, value: String, hint: String },
    #[error("cannot edit {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("{path} changed on disk since it was read; nothing was written (run the command again)")]
    Conflict { path: String },
    #[error("{0} is read-only; nothing was written")]
    ReadOnly(PathBuf),
    #[error("{cause}; restoring the files already written failed for {}: check them by hand", files.join(", "))]
    RollbackFailed { cause: String, files: Vec<String> },
    #[error("{0}")]
    Git(String),
}

/// What `init` wrote.
#[derive(Debug, Default)]
pub struct Initialized {
    /// Files created.
    pub created: Vec<PathBuf>,
    /// Existing files lines were added to (`.gitignore`).
    pub appended: Vec<PathBuf>,
}

/// The lines `init` makes sure `.gitignore` has: the default site output and
/// the parse cache.
pub const GITIGNORE_LINES: &[&str] = &["_site/", ".cairn-cache/"];

/// Writes `cairn.yml`, the kind folders, (unless `bare`) one example item of
/// each kind, and the [`GITIGNORE_LINES`] into `dir/.gitignore`.
pub fn init(dir: &Path, bare: bool) -> Result<Initialized, EditError> {
    let mut done = Initialized { created: init_files(dir, bare)?, appended: Vec::new() };
    let gitignore = dir.join(".gitignore");
    match add_gitignore_lines(&gitignore, GITIGNORE_LINES).map_err(|e| EditError::Io(gitignore.clone(), e))? {
        GitignoreChange::Created => done.created.push(gitignore),
        GitignoreChange::Appended => done.appended.push(gitignore),
        GitignoreChange::Unchanged => {}
    }
    Ok(done)
}

/// What [`add_gitignore_lines`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum GitignoreChange {
    Created,
    Appended,
    Unchanged,
}

/// Makes sure `path` (a `.gitignore`) has each of `lines`: creates the file,
/// or appends the missing lines to it, never rewriting what is there and
/// never adding a line it already has (`_site`, `/_site` and `/_site/` count
/// as `_site/`).
pub fn add_gitignore_lines(path: &Path, lines: &[&str]) -> std::io::Result<GitignoreChange> {
    use std::io::Write as _;
    let existing = match std::fs::read(path) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let norm = |l: &str| l.trim().trim_start_matches('/').trim_end_matches('/').to_string();
    let have: std::collections::HashSet<String> =
        existing.as_deref().map(|b| String::from_utf8_lossy(b).lines().map(norm).collect()).unwrap_or_default();
    let missing: Vec<&str> = lines.iter().copied().filter(|l| !have.contains(&norm(l))).collect();
    if missing.is_empty() {
        return Ok(GitignoreChange::Unchanged);
    }
    let mut text = String::new();
    if existing.as_ref().is_some_and(|b| !b.is_empty() && !b.ends_with(b"\n")) {
        text.push('\n');
    }
    for l in &missing {
        text.push_str(l);
        text.push('\n');
    }
    match existing {
        None => {
            crate::util::fs::create_new_atomic(path, text.as_bytes())?;
            Ok(GitignoreChange::Created)
        }
        Some(_) => {
            let mut f = std::fs::OpenOptions::new().append(true).open(path)?;
            f.write_all(text.as_bytes())?;
            Ok(GitignoreChange::Appended)
        }
    }
}

/// `cairn.yml`, the folders and the examples; the files created.
fn init_files(dir: &Path, bare: bool) -> Result<Vec<PathBuf>, EditError> {
    let cfg_path = dir.join(CONFIG_FILE);
    if cfg_path.exists() {
        return Err(EditError::Exists(cfg_path));
    }
    let cfg = Config::default();
    let mut written = Vec::new();
    crate::util::fs::create_new_atomic(&cfg_path, DEFAULT_CONFIG.as_bytes())
        .map_err(|e| EditError::Io(cfg_path.clone(), e))?;
    written.push(cfg_path);
    for k in &cfg.kinds {
        let folder = dir.join(&k.folder);
        std::fs::create_dir_all(&folder).map_err(|e| EditError::Io(folder.clone(), e))?;
    }
    if !bare {
        for (kind, stem, text) in EXAMPLES {
            let folder = cfg.kind(kind).map(|k| k.folder.clone()).unwrap_or_else(|| kind.to_string());
            let path = dir.join(folder).join(format!("{stem}.md"));
            if path.exists() {
                continue;
            }
            crate::util::fs::create_new_atomic(&path, text.as_bytes()).map_err(|e| EditError::Io(path.clone(), e))?;
            written.push(path);
        }
    }
    Ok(written)
}

/// A slug of a title: lowercase ASCII letters and digits joined by `-`.
pub fn slugify(title: &str) -> String {
    let mut s = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let mut s = s.trim_end_matches('-').to_string();
    if s.len() > 60 {
        s.truncate(60);
        s = s.trim_end_matches('-').to_string();
    }
    s
}

/// A YAML scalar for `s`: plain when it reads back as the same string,
/// else double-quoted.
pub fn yaml_string(s: &str) -> String {
    let plain_ok = !s.is_empty()
        && !s.contains(['\n', '\r', '\t'])
        && s.trim() == s
        && matches!(load::yaml::parse(&format!("k: {s}\n")).map(|n| n.value), Ok(load::yaml::Value::Map(m)) if m.len() == 1 && m[0].1.value == load::yaml::Value::Str(s.to_string()));
    if plain_ok {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
    }
}

/// What `new` should create.
#[derive(Debug, Default, Clone)]
pub struct NewItem {
    pub kind: String,
    pub title: String,
    pub parent: Option<String>,
    pub id: Option<String>,
    /// `FIELD=VALUE` pairs; VALUE is YAML (`3`, `[a, b]`, `"text"`).
    pub set: Vec<String>,
}

/// The result of planning a new item: where it goes, its text, and the
/// diagnostics it would have.
#[derive(Debug)]
pub struct Planned {
    pub path: PathBuf,
    pub rel: String,
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
}

/// Plans a new item in `backlog` without writing anything.
pub fn plan_new(backlog: &Backlog, req: &NewItem) -> Result<Planned, EditError> {
    let (path::ItemPath { rel, path }, fm) = render_new(backlog, req)?;
    let cfg = &backlog.config;
    // Check the backlog as it would be with the new item.
    let (item, mut diags) = load::parse_item_text(&fm, &rel, cfg);
    let mut items = backlog.items.clone();
    items.extend(item);
    let trial = Backlog::from_items(backlog.root.clone(), cfg.clone(), items, Vec::new(), backlog.files + 1);
    let report = check::check_backlog(&trial);
    diags.extend(report.diagnostics.into_iter().filter(|d| d.file == rel));
    diag::sort(&mut diags);
    Ok(Planned { path, rel, text: fm, diagnostics: diags })
}

/// A new item's path and front-matter text, unchecked (what [`plan_new`]
/// checks; the edit engine checks a whole change set once).
pub fn render_new(backlog: &Backlog, req: &NewItem) -> Result<(path::ItemPath, String), EditError> {
    let cfg = &backlog.config;
    let Some(kind) = cfg.kind(&req.kind) else {
        let hint = crate::util::suggest::hint(&req.kind, cfg.kinds.iter().map(|k| k.name.as_str()));
        return Err(EditError::UnknownKind(req.kind.clone(), hint));
    };
    let base = match &req.id {
        Some(id) => {
            // Before any path is built from it.
            path::validate_id(id)?;
            id.clone()
        }
        None => {
            let s = slugify(&req.title);
            if s.is_empty() {
                kind.name.clone()
            } else {
                s
            }
        }
    };
    let taken = |id: &str| -> Result<bool, EditError> {
        Ok(backlog.index.contains_key(id) || path::item_path(&backlog.root, kind, id)?.path.exists())
    };
    let mut id = base.clone();
    let mut n = 2;
    while taken(&id)? {
        id = format!("{base}-{n}");
        n += 1;
    }
    let ip = path::item_path(&backlog.root, kind, &id)?;
    let mut fm = String::from("---\n");
    fm.push_str(&format!("title: {}\n", yaml_string(&req.title)));
    if kind.role == Role::Work {
        if let Some(first) = cfg.statuses_of(&kind.name).first() {
            fm.push_str(&format!("status: {}\n", first.name));
        }
    }
    if let Some(p) = &req.parent {
        fm.push_str(&format!("parent: {}\n", yaml_string(p)));
    }
    for s in &req.set {
        let (k, v) = s.split_once('=').ok_or_else(|| EditError::BadSet(s.clone()))?;
        let k = k.trim();
        if k.is_empty() || k.contains([':', ' ', '#']) {
            return Err(EditError::BadSet(s.clone()));
        }
        let v = v.trim();
        // A value that is not valid YAML on its own is written as a string.
        let ok = load::yaml::parse(&format!("k: {v}\n")).is_ok() && !v.is_empty();
        let v = if ok { v.to_string() } else { yaml_string(v) };
        let line = format!("{k}: {v}\n");
        // --set status=… replaces the default status line.
        if k == "status" {
            if let Some(pos) = fm.find("\nstatus: ") {
                let end = fm[pos + 1..].find('\n').map(|e| pos + 1 + e + 1).unwrap_or(fm.len());
                fm.replace_range(pos + 1..end, &line);
                continue;
            }
        }
        fm.push_str(&line);
    }
    fm.push_str("---\n");
    Ok((ip, fm))
}

/// Whether a plan may be written (no errors on the new item).
pub fn plan_ok(p: &Planned) -> bool {
    !p.diagnostics.iter().any(|d| d.severity == Severity::Error)
}

/// Writes a planned item atomically, refusing to overwrite.
pub fn write_new(p: &Planned) -> Result<(), EditError> {
    crate::util::fs::create_new_atomic(&p.path, p.text.as_bytes()).map_err(|e| EditError::Io(p.path.clone(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_file_spells_out_the_defaults() {
        let parsed = Config::parse(DEFAULT_CONFIG, Path::new("cairn.yml")).unwrap();
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn init_then_check_is_clean() {
        let dir = tempfile::tempdir().unwrap();
        let files = init(dir.path(), false).unwrap().created;
        assert_eq!(files.len(), 1 + EXAMPLES.len() + 1);
        assert_eq!(std::fs::read_to_string(dir.path().join(".gitignore")).unwrap(), "_site/\n.cairn-cache/\n");
        let b = load::load(dir.path()).unwrap();
        assert_eq!(b.items.len(), EXAMPLES.len());
        let r = check::check_backlog(&b);
        assert!(r.diagnostics.is_empty(), "{:#?}", r.diagnostics);
        assert!(matches!(init(dir.path(), true), Err(EditError::Exists(_))));
    }

    #[test]
    fn gitignore_lines_are_added_once_and_never_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".gitignore");
        // Appended after a last line without a newline; what is there stays.
        std::fs::write(&p, "target/\n/_site").unwrap();
        assert_eq!(add_gitignore_lines(&p, GITIGNORE_LINES).unwrap(), GitignoreChange::Appended);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "target/\n/_site\n.cairn-cache/\n");
        // Twice changes nothing.
        assert_eq!(add_gitignore_lines(&p, GITIGNORE_LINES).unwrap(), GitignoreChange::Unchanged);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "target/\n/_site\n.cairn-cache/\n");
        // init in a folder with a .gitignore (but no cairn.yml) appends.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".gitignore"), "*.log\n").unwrap();
        let done = init(dir.path(), true).unwrap();
        assert_eq!(done.appended, vec![dir.path().join(".gitignore")]);
        assert_eq!(std::fs::read_to_string(dir.path().join(".gitignore")).unwrap(), "*.log\n_site/\n.cairn-cache/\n");
        // A refused init (cairn.yml exists) touches nothing.
        std::fs::write(dir.path().join(".gitignore"), "x\n").unwrap();
        assert!(init(dir.path(), true).is_err());
        assert_eq!(std::fs::read_to_string(dir.path().join(".gitignore")).unwrap(), "x\n");
    }

    /// The `$schema` line `init` writes into cairn.yml is the config
    /// schema's `$id`, so editors find the schema wherever the backlog is.
    #[test]
    fn the_schema_line_is_the_schemas_id() {
        let line = format!("# yaml-language-server: $schema={}\n", crate::schema::config_schema_url());
        assert!(DEFAULT_CONFIG.contains(&line), "{line}");
        assert_eq!(crate::schema::config_schema()["$id"], crate::schema::config_schema_url());
    }

    #[test]
    fn slugs_and_quoting() {
        assert_eq!(slugify("Implement the \"At-Risk Accounts\" widget!"), "implement-the-at-risk-accounts-widget");
        assert_eq!(slugify("   "), "");
        assert_eq!(yaml_string("Plain title"), "Plain title");
        assert_eq!(yaml_string("Fix: colon"), "\"Fix: colon\"");
        assert_eq!(yaml_string("123"), "\"123\"");
        assert_eq!(yaml_string("- dash"), "\"- dash\"");
        assert_eq!(yaml_string("yes"), yaml_string("yes"));
    }

    #[test]
    fn new_items_get_unique_ids_and_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        init(dir.path(), false).unwrap();
        let b = load::load(dir.path()).unwrap();
        let req = NewItem {
            kind: "story".into(),
            title: "Show the ten lowest-scoring accounts".into(),
            parent: Some("at-risk-accounts-dashboard".into()),
            set: vec!["estimate=5".into(), "labels=[ui, retention]".into()],
            ..Default::default()
        };
        let p = plan_new(&b, &req).unwrap();
        assert_eq!(p.rel, "stories/show-the-ten-lowest-scoring-accounts-2.md");
        assert!(plan_ok(&p), "{:?}", p.diagnostics);
        assert_eq!(p.text, "---\ntitle: Show the ten lowest-scoring accounts\nstatus: backlog\nparent: at-risk-accounts-dashboard\nestimate: 5\nlabels: [ui, retention]\n---\n");
        write_new(&p).unwrap();
        assert!(write_new(&p).is_err());
        let bad =
            NewItem { kind: "story".into(), title: "X".into(), parent: Some("nope".into()), ..Default::default() };
        let p = plan_new(&b, &bad).unwrap();
        assert!(!plan_ok(&p));
        assert!(
            matches!(plan_new(&b, &NewItem { kind: "stroy".into(), ..Default::default() }), Err(EditError::UnknownKind(_, h)) if h.contains("story"))
        );
    }
}
