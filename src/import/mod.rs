//! `cairn import`: other trackers' exports and plain documents into items.
//!
//! ```text
//! source ──reader──▶ Source { records, history, problems }
//!                      └──plan──▶ ChangeSet (one edit-engine change set: every create)
//!                                   ├─ check, apply (all or nothing)
//!                                   └─ replay (--with-history): the history as git commits
//! ```
//!
//! A reader (one module per [`Format`]) turns its source into a [`Source`]:
//! records in cairn's terms (kind, title, status as the source spells it,
//! parent and relations by the source's own ids, fields by cairn's names)
//! and, when the source has one, its own change list. Readers never touch
//! the backlog: ids, status mapping, kinds the config lacks, references and
//! writing are the pipeline's ([`plan`]), the same for every format.

pub mod backlog_md;
pub mod beads;
pub mod convert;
pub mod github;
pub mod jira;
pub mod jira_json;
pub mod linear;
pub mod markdown;
pub mod plan;
pub mod prd;
pub mod replay;
pub mod trello;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde_json::Value;

/// Where a record or problem is in the source, for messages.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Location {
    /// A 1-based line of a text source (CSV, Markdown, JSON Lines).
    Line(usize),
    /// A 1-based record number (an element of a JSON array, a card).
    Record(usize),
    /// A file of a folder source (Backlog.md), root-relative, and a 1-based
    /// line in it (0: the whole file).
    File(String, usize),
    /// No position (the source as a whole).
    #[default]
    None,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Record(n) => write!(f, "record {n}"),
            Location::File(p, 0) => write!(f, "{p}"),
            Location::File(p, n) => write!(f, "{p}:{n}"),
            Location::None => write!(f, "the source"),
        }
    }
}

/// What a reader returns.
#[derive(Clone, Debug, Default)]
pub struct Source {
    /// The items, in source order (parents need not come first).
    pub records: Vec<Record>,
    /// The source's own history, oldest first (stable for equal times);
    /// empty when the source has none.
    pub history: Vec<Change>,
    /// Rows the reader could not turn into records (an unparseable line, a
    /// record without a title). Errors unless `--keep-going`.
    pub problems: Vec<Problem>,
}

/// One item as the source has it, in cairn's terms.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record {
    /// Where it is in the source.
    pub at: Location,
    /// The source's id (`PROJ-12`, `#34`, `task-7`, a heading's path…):
    /// written as `external_id`, and what `parent` and `relations` name.
    /// Unique within a source.
    pub external_id: String,
    /// A cairn kind (`story`, `epic`, …). When the backlog's config has no
    /// such kind the pipeline falls back (see [`plan::kind_for`]).
    pub kind: String,
    pub title: String,
    /// The status as the source spells it (`To Do`, `In Progress`,
    /// `Closed`); the pipeline maps it to the kind's statuses
    /// ([`plan::map_status`]). `None`: the kind's first status.
    pub status: Option<String>,
    /// The parent's external id.
    pub parent: Option<String>,
    /// `(relation, external id)`: relation is `depends_on`, `blocks`,
    /// `relates_to`, `duplicates` or `references`.
    pub relations: Vec<(String, String)>,
    /// Other fields by cairn's names (`estimate`, `priority`, `assignee`,
    /// `labels`, `due`, `start`, `sprint`, `created`, `reporter`, custom
    /// fields of the config). Values are JSON; a priority is mapped like a
    /// status (`P1`, `Highest`, `urgent` → cairn's priorities), dates and
    /// datetimes are written as given. Fields the target kind does not
    /// allow are dropped with a warning.
    pub fields: BTreeMap<String, Value>,
    /// The Markdown body (may be empty).
    pub body: String,
}

/// One change in the source's history.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// Seconds since the Unix epoch (UTC).
    pub time: i64,
    pub author: String,
    /// The author's email; empty when the source has none (the replay then
    /// writes `NAME@import.invalid`, see [`replay`]).
    pub email: String,
    /// The record the change is to.
    pub external_id: String,
    pub what: ChangeKind,
}

/// What a [`Change`] did.
#[derive(Clone, Debug, PartialEq)]
pub enum ChangeKind {
    /// The record came into being (with the fields its first `Set`s give;
    /// a replay starts it from its title, kind and first status).
    Created,
    /// A field took a value (`status` as the source spells it; `parent`
    /// and relations by external id; `title`).
    Set { field: String, value: Value },
    /// A field was cleared.
    Unset { field: String },
    /// The body was replaced.
    Body(String),
    /// The record was deleted (its file goes; a later `Created` brings it
    /// back).
    Deleted,
}

/// Something a reader could not use.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub at: Location,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// The formats `cairn import` reads (`clap` value names: `backlog-md`,
/// `jira`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A Backlog.md folder (`backlog/` with tasks/, drafts/, completed/,
    /// archive/).
    BacklogMd,
    /// A Jira CSV export, or JSON from the search API (`expand=changelog`).
    Jira,
    /// `gh issue list --json …` output.
    Github,
    /// A Linear CSV export.
    Linear,
    /// A Trello board JSON export.
    Trello,
    /// A beads `issues.jsonl`.
    Beads,
    /// A Markdown outline: headings → initiatives/epics/features, numbered
    /// or bulleted items → stories.
    Markdown,
    /// A PRD document → a prd item, features and stories.
    Prd,
}

impl Format {
    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::BacklogMd => "backlog-md",
            Format::Jira => "jira",
            Format::Github => "github",
            Format::Linear => "linear",
            Format::Trello => "trello",
            Format::Beads => "beads",
            Format::Markdown => "markdown",
            Format::Prd => "prd",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an import could not start or finish.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("format `{0}` is not available in this build")]
    Unavailable(Format),
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    /// The source has bad rows and `--keep-going` was not given.
    #[error("{} in the source; nothing was written (--keep-going skips them)\n{}", crate::util::text::count(.0.len(), "problem"), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Problems(Vec<Problem>),
    #[error(transparent)]
    Edit(#[from] crate::edit::EditError),
    #[error("--with-history: {0}")]
    History(String),
    #[error("{0}")]
    Other(String),
}

impl ImportError {
    /// A read error for `path`.
    pub fn read(path: &Path, reason: impl fmt::Display) -> ImportError {
        ImportError::Read { path: path.display().to_string(), reason: reason.to_string() }
    }
}

/// Reads `source` as `format`. `with_history`: also read the source's
/// change list where that costs extra (a Backlog.md repository's git log);
/// readers whose history comes with the records fill it regardless.
pub fn read(format: Format, source: &Path, with_history: bool) -> Result<Source, ImportError> {
    match format {
        Format::Markdown => markdown::read(source),
        Format::Prd => prd::read(source),
        Format::BacklogMd => backlog_md::read(source, with_history),
        Format::Jira => jira::read(source),
        Format::Github => github::read(source),
        Format::Linear => linear::read(source),
        Format::Trello => trello::read(source),
        Format::Beads => beads::read(source),
    }
}

/// Reads a whole text file (UTF-8), for readers.
pub fn read_text(path: &Path) -> Result<String, ImportError> {
    let bytes = std::fs::read(path).map_err(|e| ImportError::read(path, e))?;
    String::from_utf8(bytes).map_err(|_| ImportError::read(path, "the file is not valid UTF-8"))
}
