//! Diagnostics, the base every stage reports through (rustc's
//! `rustc_errors` is the model): a diagnostic is data — a code, a severity,
//! a message, a position, and optional notes pointing at other places (the
//! other file of a duplicate id, each hop of a cycle). The codes table and
//! the [`Report`] the reporters print live here too; the reporters
//! themselves (human, JSON, GitHub, GitLab, SARIF) are `check`'s.
//!
//! This module sits below `load` and imports only `model` (for spans).

pub mod codes;

pub use codes::{code_index, explain, explain_text, severity_of, CodeInfo, Example, CODES};

use serde::Serialize;

use crate::model::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A secondary position with a message.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Note {
    pub message: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
    #[serde(skip)]
    pub len: u32,
}

/// One problem found in the backlog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    /// Path relative to the backlog root, `/`-separated.
    pub file: String,
    pub line: u32,
    pub column: u32,
    #[serde(skip)]
    pub len: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

impl Diagnostic {
    pub fn new(code: &'static str, file: &str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: severity_of(code),
            code,
            message: message.into(),
            file: file.to_string(),
            line: span.line.max(1),
            column: span.col.max(1),
            len: span.len,
            id: None,
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn with_id(mut self, id: &str) -> Self {
        self.id = Some(id.to_string());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, file: &str, span: Span, message: impl Into<String>) -> Self {
        self.notes.push(Note {
            message: message.into(),
            file: file.to_string(),
            line: span.line.max(1),
            column: span.col.max(1),
            len: span.len,
        });
        self
    }

    /// The order diagnostics are reported in: by file, position, code.
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        (&self.file, self.line, self.column, self.code, &self.message)
    }
}

/// Sorts diagnostics into report order and drops exact duplicates.
pub fn sort(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diags.dedup_by(|a, b| a.sort_key() == b.sort_key());
}

/// The outcome of a check: every diagnostic, sorted, and counts.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub items: usize,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Warning).count()
    }

    /// Turns every warning into an error (`--strict`).
    pub fn strict(mut self) -> Report {
        for d in &mut self.diagnostics {
            d.severity = Severity::Error;
        }
        self
    }
}
