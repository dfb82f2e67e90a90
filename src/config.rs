//! `cairn.yml`: kinds and the hierarchy, statuses and workflow, priorities,
//! custom fields, ignore globs. Every default of `format.md` is spelled out
//! here, so a bare folder of Markdown works with no config at all.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub mod automation;
pub mod dialect;
pub mod policy;
pub use dialect::Dialect;

/// The name of the config file at the backlog root.
pub const CONFIG_FILE: &str = "cairn.yml";

/// The largest `cairn.yml` read (a real one is a few kilobytes).
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The five priorities, highest first (defined by the model; re-exported here).
pub use crate::model::PRIORITIES;

/// A status category: drives boards and metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Todo,
    Doing,
    Done,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Todo => "todo",
            Category::Doing => "doing",
            Category::Done => "done",
        }
    }
}

/// What a kind is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Counts in boards and metrics; needs a status.
    #[default]
    Work,
    /// A document such as a PRD: referenced, never a parent; status optional.
    Document,
    /// A time box that work items are committed to.
    Sprint,
}

/// One status of the workflow.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusDef {
    pub name: String,
    pub category: Category,
    /// `false` means "closed but not delivered" (not counted as velocity).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub completed: bool,
}

fn yes() -> bool {
    true
}
fn is_true(b: &bool) -> bool {
    *b
}

/// A kind of item, as written in `cairn.yml` (every key optional: a kind
/// that already exists keeps what is not given).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KindSpec {
    /// The folder (first path segment under the root) whose files default to this kind.
    pub folder: Option<String>,
    /// Path globs (root-relative) whose files are of this kind, e.g.
    /// `["tasks/**", "completed/**"]`; they come before `folder`.
    pub paths: Option<Vec<String>>,
    /// The kinds an item of this kind may have as its parent.
    pub parents: Option<Vec<String>>,
    /// `work`, `document` or `sprint`.
    pub role: Option<Role>,
    /// Statuses of this kind, replacing the global list.
    pub statuses: Option<Vec<StatusDef>>,
    /// Human name, e.g. "User story".
    pub label: Option<String>,
}

/// A kind after defaults are applied.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KindDef {
    pub name: String,
    pub label: String,
    pub folder: String,
    pub parents: Vec<String>,
    pub role: Role,
    pub statuses: Option<Vec<StatusDef>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
}

/// The type of a custom field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    String,
    Number,
    Integer,
    Bool,
    Date,
    Url,
    Enum,
    List,
    Id,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Number => "number",
            FieldType::Integer => "integer",
            FieldType::Bool => "bool",
            FieldType::Date => "date",
            FieldType::Url => "url",
            FieldType::Enum => "enum",
            FieldType::List => "list",
            FieldType::Id => "id",
        }
    }
}

/// A custom field declared in `cairn.yml`; items write it at the top level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Allowed values of an `enum` field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// The kinds that may (and, if `required`, must) carry the field; all kinds when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinds: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

/// Which git history to read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryConfig {
    /// The branch to read; the checked-out one (HEAD) when absent.
    #[serde(default)]
    pub branch: Option<String>,
    /// Follow first parents only (a merged pull request is one change).
    #[serde(default = "yes")]
    pub first_parent: bool,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        HistoryConfig { branch: None, first_parent: true }
    }
}

/// Site settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub title: Option<String>,
    pub theme: Option<String>,
    /// The web page of a commit, `{sha}` standing for its id (e.g.
    /// `https://github.com/o/r/commit/{sha}`): the audit log links its
    /// commits there. When absent, GitHub and GitLab `origin` remotes are
    /// detected; an empty string turns the links off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_url: Option<String>,
    /// The most bytes the built site may hold (GitHub Pages publishes at
    /// most 1 GB): a build over it fails, naming the biggest page families
    /// and files, and leaves the last site in place. Default: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
}

/// Schedule settings (critical path, slack).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    /// How many estimate units one person-day delivers (estimate → duration).
    #[serde(default = "default_points_per_day")]
    pub points_per_day: f64,
    /// Where the schedule starts when an item has no `start` (YYYY-MM-DD).
    #[serde(default)]
    pub start: Option<String>,
}

fn default_points_per_day() -> f64 {
    1.0
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        ScheduleConfig { points_per_day: default_points_per_day(), start: None }
    }
}

/// `cairn.yml` exactly as written (all keys optional).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "cairn.yml", description = "Configuration of a cairn backlog root.")]
pub struct ConfigFile {
    /// A named bundle of settings to start from (`backlog-md`); this file's
    /// own keys override it.
    pub preset: Option<String>,
    /// The product or team name.
    pub name: Option<String>,
    /// Where the site will be served from.
    pub base_url: Option<String>,
    /// `points`, `hours` or `days`.
    pub estimate_unit: Option<String>,
    /// Add or change kinds (key: kind name).
    pub kinds: Option<BTreeMap<String, KindSpec>>,
    /// The statuses of every kind without its own list, in workflow order;
    /// or a mapping with that list (`values`) and `aliases`.
    pub statuses: Option<dialect::StatusesSpec>,
    /// Allowed transitions, checked by `cairn diff`.
    pub workflow: Option<BTreeMap<String, Vec<String>>>,
    /// Custom fields, and `aliases` (field names another tool writes).
    pub fields: Option<dialect::FieldsSpec>,
    /// A field whose value names the item's kind (e.g. `type`).
    pub kind_from: Option<String>,
    /// Extra date formats.
    pub dates: Option<dialect::DatesConfig>,
    /// Id equivalence rules.
    pub ids: Option<dialect::IdsConfig>,
    /// Lenient front-matter YAML.
    pub yaml: Option<dialect::YamlConfig>,
    /// How `references:` entries are read.
    pub references: Option<dialect::ReferencesConfig>,
    /// Which checklists count as acceptance criteria.
    pub acceptance: Option<dialect::AcceptanceConfig>,
    /// Globs (relative to the root) of files that are not items.
    pub ignore: Option<Vec<String>>,
    /// Who may change which fields of which kinds (checked by `cairn diff`).
    pub policy: Option<Vec<policy::PolicyRule>>,
    pub history: Option<HistoryConfig>,
    pub site: Option<SiteConfig>,
    pub schedule: Option<ScheduleConfig>,
    /// IANA-free fixed offset such as `+01:00`, or `UTC` (the default).
    pub timezone: Option<String>,
    /// Automation rules (`cairn automate`) and pull-request transitions
    /// (`cairn event github`); see docs/automation.md.
    #[schemars(with = "Option<automation::AutomationSchema>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automation: Option<automation::AutomationSpec>,
}

/// The effective configuration: the file merged over the defaults.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Config {
    pub name: String,
    pub base_url: String,
    pub estimate_unit: String,
    pub kinds: Vec<KindDef>,
    pub statuses: Vec<StatusDef>,
    pub workflow: BTreeMap<String, Vec<String>>,
    pub fields: BTreeMap<String, FieldDef>,
    pub ignore: Vec<String>,
    pub history: HistoryConfig,
    pub site: SiteConfig,
    pub schedule: ScheduleConfig,
    pub timezone: String,
    /// Reading other tools' backlogs: aliases, kinds by path, and so on.
    pub dialect: Dialect,
    /// `policy:` rules.
    pub policy: Vec<policy::PolicyRule>,
    /// `automation:` as written (typed by [`automation::parse`]).
    #[serde(skip_serializing_if = "automation::AutomationSpec::is_empty")]
    pub automation: automation::AutomationSpec,
}

/// An error in `cairn.yml`: a position and a message.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}:{column}: {message}")]
    Invalid { path: PathBuf, line: u64, column: u64, message: String },
}

fn kind(name: &str, label: &str, folder: &str, parents: &[&str], role: Role) -> KindDef {
    KindDef {
        name: name.into(),
        label: label.into(),
        folder: folder.into(),
        parents: parents.iter().map(|s| s.to_string()).collect(),
        role,
        statuses: None,
        paths: Vec::new(),
    }
}

fn status(name: &str, category: Category, completed: bool) -> StatusDef {
    StatusDef { name: name.into(), category, completed }
}

impl Default for Config {
    fn default() -> Self {
        let kinds = vec![
            kind("initiative", "Initiative", "initiatives", &[], Role::Work),
            kind("epic", "Epic", "epics", &["initiative"], Role::Work),
            kind("prd", "PRD", "prds", &[], Role::Document),
            kind("feature", "Feature", "features", &["epic"], Role::Work),
            kind("story", "Story", "stories", &["feature", "epic"], Role::Work),
            kind("task", "Task", "tasks", &["story", "bug"], Role::Work),
            kind("bug", "Bug", "bugs", &["feature", "epic", "story"], Role::Work),
            kind("sprint", "Sprint", "sprints", &[], Role::Sprint),
        ];
        let statuses = vec![
            status("backlog", Category::Todo, true),
            status("ready", Category::Todo, true),
            status("in_progress", Category::Doing, true),
            status("review", Category::Doing, true),
            status("done", Category::Done, true),
            status("cancelled", Category::Done, false),
        ];
        let workflow = [
            ("backlog", &["ready", "cancelled"][..]),
            ("ready", &["in_progress", "backlog", "cancelled"][..]),
            ("in_progress", &["review", "ready", "cancelled"][..]),
            ("review", &["done", "in_progress"][..]),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
        .collect();
        Config {
            name: "Backlog".into(),
            base_url: "/".into(),
            estimate_unit: "points".into(),
            kinds,
            statuses,
            workflow,
            fields: BTreeMap::new(),
            ignore: Vec::new(),
            history: HistoryConfig::default(),
            site: SiteConfig { title: None, theme: Some("default".into()), commit_url: None, max_bytes: None },
            schedule: ScheduleConfig::default(),
            timezone: "UTC".into(),
            dialect: Dialect::default(),
            policy: Vec::new(),
            automation: automation::AutomationSpec::default(),
        }
    }
}

impl Config {
    /// Reads `ROOT/cairn.yml` if present, else the defaults.
    pub fn load(root: &Path) -> Result<Config, ConfigError> {
        Config::load_text(root).map(|(c, _)| c)
    }

    /// [`Config::load`], also giving the file's text (empty without one):
    /// what the parse cache is keyed by.
    pub fn load_text(root: &Path) -> Result<(Config, String), ConfigError> {
        let path = root.join(CONFIG_FILE);
        let io = |source| ConfigError::Io { path: path.clone(), source };
        // Only a regular file, read through one bounded open: a FIFO or a
        // device named `cairn.yml` is an error, not a read that never ends.
        let bytes = match crate::util::fs::read_regular(&path, MAX_CONFIG_BYTES) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Config::default(), String::new())),
            Err(e) => return Err(io(e)),
        };
        let text = String::from_utf8(bytes)
            .map_err(|_| io(std::io::Error::new(std::io::ErrorKind::InvalidData, "not valid UTF-8")))?;
        let config = Config::parse(&text, &path)?;
        // The preset is part of what the file means: the cache key carries it.
        let key = match config.dialect.preset.as_deref().and_then(dialect::preset) {
            Some(p) => format!("{text}\n# preset\n{p}"),
            None => text,
        };
        Ok((config, key))
    }

    /// Parses the text of a `cairn.yml`; `path` is only used in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |line: u64, column: u64, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message,
        };
        let file = parse_file(text).map_err(|(l, c, m)| invalid(l, c, m))?;
        Config::from_file(file).map_err(|m| invalid(1, 1, m))
    }

    /// Merges a parsed file over the defaults (over its preset first, when
    /// it names one) and validates the result.
    pub fn from_file(file: ConfigFile) -> Result<Config, String> {
        let mut c = Config::default();
        if let Some(name) = &file.preset {
            let Some(text) = dialect::preset(name) else {
                let hint = crate::util::suggest::hint(name, dialect::PRESETS.iter().map(|(n, _)| *n));
                let names: Vec<&str> = dialect::PRESETS.iter().map(|(n, _)| *n).collect();
                return Err(format!("unknown preset `{name}`{hint} (presets: {})", names.join(", ")));
            };
            let preset = parse_file(text).map_err(|(l, _, m)| format!("preset `{name}` line {l}: {m}"))?;
            c.apply(preset)?;
            c.dialect.preset = Some(name.clone());
        }
        c.apply(file)?;
        c.validate()?;
        Ok(c)
    }

    /// Applies the keys a file sets over this config: scalars and lists
    /// are replaced, kinds, custom fields and aliases merged by name.
    fn apply(&mut self, file: ConfigFile) -> Result<(), String> {
        let c = self;
        if let Some(v) = file.name {
            c.name = v;
        }
        if let Some(v) = file.base_url {
            c.base_url = v;
        }
        if let Some(v) = file.estimate_unit {
            c.estimate_unit = v;
        }
        let (statuses, status_aliases) = match file.statuses {
            Some(dialect::StatusesSpec::List(v)) => (Some(v), BTreeMap::new()),
            Some(dialect::StatusesSpec::Map(m)) => (m.values, m.aliases),
            None => (None, BTreeMap::new()),
        };
        if let Some(v) = statuses {
            if v.is_empty() {
                return Err("`statuses` must list at least one status".into());
            }
            c.statuses = v;
        }
        for (from, to) in status_aliases {
            c.dialect.status_spellings.entry(to.clone()).or_insert_with(|| from.clone());
            c.dialect.status_aliases.insert(from.to_lowercase(), to);
        }
        if let Some(v) = file.workflow {
            c.workflow = v;
        }
        if let Some(v) = file.fields {
            c.fields.extend(v.custom);
            c.dialect.field_aliases.extend(v.aliases);
        }
        if let Some(v) = file.kind_from {
            c.dialect.kind_from = Some(v);
        }
        if let Some(v) = file.dates {
            c.dialect.date_formats = v.formats;
        }
        if let Some(v) = file.ids {
            c.dialect.ids = v.aliases;
        }
        if let Some(v) = file.yaml {
            c.dialect.lenient_yaml = v.lenient;
            c.dialect.key_order = v.key_order;
            c.dialect.keep_quotes = v.keep_quotes;
        }
        if let Some(v) = file.references {
            c.dialect.external_paths = v.external_paths;
        }
        if let Some(v) = file.acceptance {
            c.dialect.acceptance_sections = v.sections;
        }
        if let Some(v) = file.ignore {
            c.ignore = v;
        }
        if let Some(v) = file.policy {
            c.policy = v;
        }
        if let Some(v) = file.history {
            c.history = v;
        }
        if let Some(v) = file.site {
            c.site = v;
        }
        if let Some(v) = file.schedule {
            c.schedule = v;
        }
        if let Some(v) = file.timezone {
            c.timezone = v;
        }
        if let Some(v) = file.automation {
            c.automation = v;
        }
        for (name, spec) in file.kinds.unwrap_or_default() {
            let idx = match c.kinds.iter().position(|k| k.name == name) {
                Some(i) => i,
                None => {
                    c.kinds.push(KindDef {
                        name: name.clone(),
                        label: name.clone(),
                        folder: name.clone(),
                        parents: Vec::new(),
                        role: Role::Work,
                        statuses: None,
                        paths: Vec::new(),
                    });
                    c.kinds.len() - 1
                }
            };
            let k = &mut c.kinds[idx];
            if let Some(v) = spec.folder {
                k.folder = v;
            }
            if let Some(v) = spec.paths {
                k.paths = v;
            }
            if let Some(v) = spec.parents {
                k.parents = v;
            }
            if let Some(v) = spec.role {
                k.role = v;
            }
            if let Some(v) = spec.statuses {
                k.statuses = Some(v);
            }
            if let Some(v) = spec.label {
                k.label = v;
            }
        }
        let patterns = c.kinds.iter().flat_map(|k| k.paths.iter().map(|g| (g.clone(), k.name.clone()))).collect();
        c.dialect.kind_paths = dialect::KindPaths::new(patterns)?;
        Ok(())
    }

    fn validate(&self) -> Result<(), String> {
        let slug = |s: &str| crate::model::is_valid_id(s);
        for k in &self.kinds {
            if !slug(&k.name) {
                return Err(format!("kind name `{}` is not a valid slug", k.name));
            }
            for p in &k.parents {
                if self.kind(p).is_none() {
                    return Err(format!("kind `{}` names unknown parent kind `{p}`", k.name));
                }
            }
        }
        let names: Vec<&str> = self.statuses.iter().map(|s| s.name.as_str()).collect();
        for (from, tos) in &self.workflow {
            for s in std::iter::once(from).chain(tos) {
                if !names.contains(&s.as_str())
                    && !self.kinds.iter().any(|k| k.statuses.iter().flatten().any(|x| &x.name == s))
                {
                    return Err(format!("workflow names unknown status `{s}`"));
                }
            }
        }
        for (name, f) in &self.fields {
            if crate::model::CORE_FIELDS.contains(&name.as_str()) {
                return Err(format!("custom field `{name}` has the name of a core field"));
            }
            if f.ty == FieldType::Enum && f.values.is_empty() {
                return Err(format!("enum field `{name}` needs `values`"));
            }
            for k in f.kinds.iter().flatten() {
                if self.kind(k).is_none() {
                    return Err(format!("field `{name}` names unknown kind `{k}`"));
                }
            }
        }
        for g in &self.ignore {
            globset::Glob::new(g).map_err(|e| format!("bad ignore glob `{g}`: {e}"))?;
        }
        if crate::util::time::parse_offset(&self.timezone).is_none() {
            return Err(format!("timezone `{}` must be `UTC` or an offset like `+01:00`", self.timezone));
        }
        if let Some(u) = self.site.commit_url.as_deref().filter(|u| !u.is_empty()) {
            let scheme = u.starts_with("https://") || u.starts_with("http://");
            if !scheme || !u.contains("{sha}") || u.contains(['"', '<', '>', ' ', '\'']) {
                return Err(format!(
                    "site.commit_url `{u}` must be an http(s) URL containing `{{sha}}`, like `https://github.com/o/r/commit/{{sha}}`"
                ));
            }
        }
        if self.schedule.points_per_day.is_nan() || self.schedule.points_per_day <= 0.0 {
            return Err("schedule.points_per_day must be greater than 0".into());
        }
        dialect::validate(self)?;
        policy::validate(self)
    }

    pub fn kind(&self, name: &str) -> Option<&KindDef> {
        self.kinds.iter().find(|k| k.name == name)
    }

    /// The kind whose default folder is `folder`.
    pub fn kind_for_folder(&self, folder: &str) -> Option<&KindDef> {
        self.kinds.iter().find(|k| k.folder == folder)
    }

    /// The kind a file at `path` (root-relative) defaults to: the first
    /// `kinds.<kind>.paths` glob it matches, else its first folder's kind.
    pub fn kind_for_path(&self, path: &str) -> Option<&KindDef> {
        if let Some(k) = self.dialect.kind_paths.kind(path) {
            return self.kind(k);
        }
        let (folder, _) = path.split_once('/')?;
        self.kind_for_folder(folder)
    }

    /// The statuses an item of `kind` may have, in workflow order.
    pub fn statuses_of(&self, kind: &str) -> &[StatusDef] {
        match self.kind(kind).and_then(|k| k.statuses.as_deref()) {
            Some(s) => s,
            None => &self.statuses,
        }
    }

    pub fn status(&self, kind: &str, name: &str) -> Option<&StatusDef> {
        self.statuses_of(kind).iter().find(|s| s.name == name)
    }

    /// The category of a status of a kind (`None` for an unknown status).
    pub fn category(&self, kind: &str, status: &str) -> Option<Category> {
        self.status(kind, status).map(|s| s.category)
    }

    pub fn is_work(&self, kind: &str) -> bool {
        self.kind(kind).is_some_and(|k| k.role == Role::Work)
    }

    pub fn site_title(&self) -> &str {
        self.site.title.as_deref().unwrap_or(&self.name)
    }

    /// The planning levels: work kinds that group work rather than being
    /// done in a sprint — `initiative`, `epic` and `feature`, every kind
    /// that may be a parent of one of them, and a kind with no parent
    /// kinds that is a parent kind itself (the top of a two-level
    /// hierarchy such as epic › story).
    pub fn is_planning_kind(&self, kind: &str) -> bool {
        let is_parent = |k: &str| self.kinds.iter().any(|c| c.role == Role::Work && c.parents.iter().any(|p| p == k));
        let Some(def) = self.kind(kind).filter(|d| d.role == Role::Work) else { return false };
        if def.parents.is_empty() && is_parent(kind) {
            return true;
        }
        // Up from the named levels through the parent kinds (each once).
        let mut seen: Vec<&str> = Vec::new();
        let mut stack: Vec<&str> =
            ["initiative", "epic", "feature"].into_iter().filter(|k| self.kind(k).is_some()).collect();
        while let Some(k) = stack.pop() {
            if seen.contains(&k) {
                continue;
            }
            seen.push(k);
            if k == kind {
                return true;
            }
            if let Some(d) = self.kind(k) {
                stack.extend(d.parents.iter().map(String::as_str));
            }
        }
        false
    }

    /// Board work: the work kinds that are not planning levels (stories,
    /// tasks, bugs by default) — what sprint boards show.
    pub fn is_board_work(&self, kind: &str) -> bool {
        self.is_work(kind) && !self.is_planning_kind(kind)
    }
}

/// Parses the text of a `cairn.yml` into its keys, errors as (line, column,
/// message), an unknown key with a did-you-mean.
fn parse_file(text: &str) -> Result<ConfigFile, (u64, u64, String)> {
    if text.trim().is_empty() {
        return Ok(ConfigFile::default());
    }
    let options = crate::util::yaml::options();
    serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let (line, column) = e.location().map(|l| (l.line(), l.column())).unwrap_or((1, 1));
        (line, column, with_hint(crate::util::yaml::error_message(&e)))
    })
}

/// `unknown field `feilds`, expected one of `a`, `b`` → the same with
/// "; did you mean `fields`?" when one is close.
fn with_hint(message: String) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else { return message };
    let Some((word, expected)) = rest.split_once('`') else { return message };
    let list = expected.trim_start_matches(',').trim_start();
    let list = list.strip_prefix("expected one of ").or_else(|| list.strip_prefix("expected ")).unwrap_or("");
    let candidates = list.split(", ").map(|c| c.trim_matches('`'));
    let hint = crate::util::suggest::hint(word, candidates);
    format!("{message}{hint}")
}

/// Finds the backlog root: `explicit` if given, else the nearest folder
/// upward from `cwd` holding `cairn.yml`, else `cwd`.
pub fn find_root(explicit: Option<&Path>, cwd: &Path) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    let mut dir = Some(cwd);
    while let Some(d) = dir {
        if d.join(CONFIG_FILE).is_file() {
            return d.to_path_buf();
        }
        dir = d.parent();
    }
    cwd.to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn board_work_is_the_work_below_the_planning_levels() {
        let c = Config::default();
        let board: Vec<&str> = c.kinds.iter().map(|k| k.name.as_str()).filter(|k| c.is_board_work(k)).collect();
        assert_eq!(board, ["story", "task", "bug"]);
        let two =
            Config::parse("kinds:\n  saga: { parents: [] }\n  ticket: { parents: [saga] }\n", Path::new("c")).unwrap();
        assert!(two.is_planning_kind("saga") && two.is_board_work("ticket"));
    }

    #[test]
    fn defaults_follow_the_format() {
        let c = Config::default();
        assert_eq!(c.kind("story").map(|k| k.parents.clone()), Some(vec!["feature".to_string(), "epic".to_string()]));
        assert_eq!(c.kind_for_folder("tasks").map(|k| k.name.as_str()), Some("task"));
        assert_eq!(c.category("story", "in_progress"), Some(Category::Doing));
        assert!(!c.status("bug", "cancelled").map(|s| s.completed).unwrap_or(true));
        assert!(!c.is_work("prd"));
    }

    #[test]
    fn file_merges_over_defaults() {
        let text = "kinds:\n  spike: { parents: [epic], folder: spikes }\n  story: { parents: [epic] }\nfields:\n  team: { type: enum, values: [a, b] }\n";
        let c = Config::parse(text, Path::new("cairn.yml")).unwrap();
        assert_eq!(c.kind("spike").unwrap().folder, "spikes");
        assert_eq!(c.kind("story").unwrap().parents, vec!["epic".to_string()]);
        assert_eq!(c.kind("story").unwrap().folder, "stories");
        assert_eq!(c.fields["team"].values, vec!["a", "b"]);
    }

    #[test]
    fn unknown_key_has_a_position() {
        let err = Config::parse("name: x\nstatusses: []\n", Path::new("cairn.yml")).unwrap_err();
        match err {
            ConfigError::Invalid { line, message, .. } => {
                assert_eq!(line, 2);
                assert!(message.contains("statusses"), "{message}");
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn semantic_errors_are_reported() {
        assert!(Config::parse("workflow: { backlog: [nowhere] }\n", Path::new("c")).is_err());
        assert!(Config::parse("kinds: { story: { parents: [saga] } }\n", Path::new("c")).is_err());
        assert!(Config::parse("fields: { title: { type: string } }\n", Path::new("c")).is_err());
        assert!(Config::parse("timezone: Mars/Olympus\n", Path::new("c")).is_err());
        assert!(Config::parse("site:\n  commit_url: https://example.com/c/{sha}\n", Path::new("c")).is_ok());
        assert!(Config::parse("site:\n  commit_url: ''\n", Path::new("c")).is_ok());
        for bad in ["https://example.com/c/", "ftp://x/{sha}", "javascript:alert(1)//{sha}"] {
            let text = format!("site:\n  commit_url: \"{bad}\"\n");
            assert!(Config::parse(&text, Path::new("c")).is_err(), "{bad}");
        }
        let Err(e) = Config::parse("site:\n  commit_ulr: x\n", Path::new("c")) else { panic!("a typo is an error") };
        assert!(e.to_string().contains("commit_url"), "did you mean: {e}");
    }

    #[test]
    fn root_discovery_walks_upward() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("a/cairn.yml"), "").unwrap();
        assert_eq!(find_root(None, &dir.path().join("a/b")), dir.path().join("a"));
        assert_eq!(find_root(Some(Path::new("/x")), dir.path()), PathBuf::from("/x"));
        assert_eq!(find_root(None, dir.path()), dir.path().to_path_buf());
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_named_cairn_yml_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(CONFIG_FILE);
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // Nothing ever writes to the FIFO: reading it would block forever.
        match Config::load(dir.path()) {
            Err(ConfigError::Io { source, .. }) => assert_eq!(source.kind(), std::io::ErrorKind::InvalidInput),
            other => panic!("expected a read error, got {other:?}"),
        }
    }

    #[test]
    fn an_oversized_cairn_yml_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from("name: x\n");
        while (text.len() as u64) <= MAX_CONFIG_BYTES {
            text.push_str("# padding padding padding padding padding padding padding padding\n");
        }
        std::fs::write(dir.path().join(CONFIG_FILE), text).unwrap();
        assert!(matches!(Config::load(dir.path()), Err(ConfigError::Io { .. })));
    }
}
