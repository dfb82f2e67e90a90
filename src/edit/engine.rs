//! The edit engine: operations in, an all-or-nothing change set out.
//!
//! ```text
//! plan(backlog, edits) ──▶ ChangeSet (path → new bytes)
//!                            ├─ check(backlog)  errors the change would introduce
//!                            ├─ apply()         temp files + renames, rolled back on failure
//!                            └─ commit(message) one git commit (gix), the user's identity
//! ```
//!
//! Every writer (the `set`, `mv`, `fmt` and `new` commands, and later
//! import, the planner, automation, MCP and serve) goes through here: it
//! changes only the bytes it must (see [`super::text`]), refuses a change
//! that would not check, detects files changed since they were read, and
//! never leaves a half-written backlog.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::text::{self, TextError};
use super::{rename, EditError, NewItem};
use crate::config::Role;
use crate::diag::Diagnostic;
use crate::load::{self, Backlog};
use crate::model::{self, Item, CORE_FIELDS, SPRINT_FIELDS};

/// One operation on the backlog.
#[derive(Clone, Debug)]
pub enum Op {
    /// Sets a front-matter field (a list value replaces the whole list).
    Set { id: String, field: String, value: Value },
    /// Removes a field.
    Unset { id: String, field: String },
    /// Adds a value to a list field (relations, labels, assignees, …).
    Add { id: String, field: String, value: Value },
    /// Removes a value from a list field (by value, or by `id` for `{id, lag}`).
    Remove { id: String, field: String, value: Value },
    /// Replaces the Markdown body.
    SetBody { id: String, body: String },
    /// Creates an item (as `cairn new`). Without a body, the kind's body
    /// template (see [`super::template`]); `Some("")` for none.
    Create { item: NewItem, body: Option<String> },
    /// Renames an item: its file (same folder), its `id:` if set, and every
    /// reference to it in every file.
    Rename { id: String, to: String },
    /// Moves an item's file to another root-relative path, keeping its id
    /// (an `id:` is written if the file name no longer gives it).
    Move { id: String, to: String },
    /// Rewrites the front-matter into its canonical form (`cairn fmt`). A
    /// file that cannot be formatted without changing a value is skipped
    /// (listed in [`ChangeSet::skipped`]), not an error.
    Format { id: String },
}

impl Op {
    fn id(&self) -> Option<&str> {
        match self {
            Op::Set { id, .. }
            | Op::Unset { id, .. }
            | Op::Add { id, .. }
            | Op::Remove { id, .. }
            | Op::SetBody { id, .. }
            | Op::Rename { id, .. }
            | Op::Move { id, .. }
            | Op::Format { id } => Some(id),
            Op::Create { .. } => None,
        }
    }

    /// A short description for commit messages: `set story-x status=done`.
    pub fn describe(&self) -> String {
        let v = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match self {
            Op::Set { id, field, value } => format!("set {id} {field}={}", v(value)),
            Op::Unset { id, field } => format!("set {id} --unset {field}"),
            Op::Add { id, field, value } => format!("set {id} {field}+={}", v(value)),
            Op::Remove { id, field, value } => format!("set {id} {field}-={}", v(value)),
            Op::SetBody { id, .. } => format!("set {id} body"),
            Op::Create { item, .. } => format!("new {} {}", item.kind, item.id.as_deref().unwrap_or(&item.title)),
            Op::Rename { id, to } => format!("mv {id} {to}"),
            Op::Move { id, to } => format!("move {id} to {to}"),
            Op::Format { id } => format!("fmt {id}"),
        }
    }
}

/// An operation and, optionally, the hash of the file it was computed from
/// (see [`file_hash`]): if the file changed since, the plan is a conflict.
#[derive(Clone, Debug)]
pub struct Edit {
    pub op: Op,
    pub expect: Option<String>,
}

impl From<Op> for Edit {
    fn from(op: Op) -> Self {
        Edit { op, expect: None }
    }
}

/// The hash of a file's bytes: its git blob id (what `git hash-object`
/// prints), so it is the same wherever it is computed.
pub fn file_hash(bytes: &[u8]) -> String {
    gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, bytes)
        .map(|id| id.to_string())
        .unwrap_or_default()
}

/// One file of a change set.
#[derive(Clone, Debug, PartialEq)]
pub struct FileChange {
    /// Root-relative path the new bytes go to.
    pub path: String,
    /// The file's previous path when the change moves it.
    pub from: Option<String>,
    /// The bytes the change was computed from (`None`: a new file).
    pub old: Option<Vec<u8>>,
    pub new: Vec<u8>,
}

impl FileChange {
    /// The path the file had before the change.
    pub fn old_path(&self) -> Option<&str> {
        match (&self.old, &self.from) {
            (None, _) => None,
            (Some(_), Some(f)) => Some(f),
            (Some(_), None) => Some(&self.path),
        }
    }
}

/// A set of file changes applied all or nothing.
#[derive(Clone, Debug, Default)]
pub struct ChangeSet {
    pub root: PathBuf,
    /// Sorted by path.
    pub changes: Vec<FileChange>,
    /// What the operations did, one line (`set story-x status=done`).
    pub summary: String,
    /// Files an operation left alone (path, why): `fmt` on a file it
    /// cannot format without changing a value.
    pub skipped: Vec<(String, String)>,
}

/// A file as the plan goes: where it was, where it goes, its text now.
struct Working {
    from: Option<String>,
    path: String,
    old: Option<Vec<u8>>,
    text: String,
}

struct Planner<'b> {
    b: &'b Backlog,
    order: Vec<String>,
    /// By the file's original path (for new files: their path).
    files: BTreeMap<String, Working>,
    /// New id → the id it had in the backlog (renamed in this plan).
    renamed: HashMap<String, String>,
    /// Ids renamed away in this plan.
    gone: HashSet<String>,
    /// Ids created or renamed to in this plan.
    taken: HashSet<String>,
    /// Files an operation left alone, and why.
    skipped: Vec<(String, String)>,
}

fn text_error(path: &str, id: &str, e: TextError) -> EditError {
    match e {
        TextError::Doc(d) => EditError::Unreadable { path: path.to_string(), reason: d.to_string() },
        TextError::NotAList { field } => EditError::NotAList { id: id.to_string(), field },
        TextError::NotInList { field, value, hint } => EditError::NotInList { id: id.to_string(), field, value, hint },
    }
}

/// The front-matter keys an item of `kind` may have.
pub fn allowed_fields<'c>(config: &'c crate::config::Config, kind: &str) -> Vec<&'c str> {
    let mut v: Vec<&str> = CORE_FIELDS.to_vec();
    if config.kind(kind).is_some_and(|k| k.role == Role::Sprint) {
        v.extend_from_slice(SPRINT_FIELDS);
    }
    v.extend(config.fields.keys().map(String::as_str));
    v
}

/// Fields whose values are lists (or may be written as one).
fn is_list_field(config: &crate::config::Config, field: &str) -> bool {
    matches!(field, "assignee" | "labels" | "depends_on" | "blocks" | "relates_to" | "references")
        || config
            .fields
            .get(field)
            .is_some_and(|f| matches!(f.ty, crate::config::FieldType::List | crate::config::FieldType::Id))
}

/// Checks an id before any path is built from it.
pub fn valid_id(id: &str) -> Result<(), EditError> {
    if model::is_valid_id(id) {
        Ok(())
    } else {
        Err(EditError::InvalidId(id.to_string()))
    }
}

impl<'b> Planner<'b> {
    fn item(&self, id: &str) -> Result<&'b Item, EditError> {
        let found = if self.gone.contains(id) {
            None
        } else {
            self.b.get(self.renamed.get(id).map(String::as_str).unwrap_or(id))
        };
        found.ok_or_else(|| {
            let hint = crate::util::suggest::hint(id, self.b.items.iter().map(|i| i.id()));
            EditError::UnknownId { id: id.to_string(), hint }
        })
    }

    /// The working copy of an existing item's file, read on first use.
    fn file(&mut self, item: &Item, expect: Option<&str>) -> Result<&mut Working, EditError> {
        if !self.files.contains_key(&item.path) {
            let abs = self.b.root.join(&item.path);
            let bytes = std::fs::read(&abs).map_err(|e| EditError::Io(abs.clone(), e))?;
            let text = match String::from_utf8(bytes.clone()) {
                Ok(t) => t,
                Err(_) => {
                    return Err(EditError::Unreadable {
                        path: item.path.clone(),
                        reason: "the file is not valid UTF-8".into(),
                    })
                }
            };
            self.files
                .insert(item.path.clone(), Working { from: None, path: item.path.clone(), old: Some(bytes), text });
        }
        let w = self
            .files
            .get_mut(&item.path)
            .ok_or_else(|| EditError::UnknownId { id: item.id().to_string(), hint: String::new() })?;
        if let (Some(want), Some(old)) = (expect, &w.old) {
            if file_hash(old) != want {
                return Err(EditError::Conflict { path: item.path.clone() });
            }
        }
        Ok(w)
    }

    fn field_op(
        &mut self,
        id: &str,
        field: &str,
        expect: Option<&str>,
        f: impl FnOnce(&str, &[String], &str) -> Result<String, TextError>,
    ) -> Result<(), EditError> {
        let item = self.item(id)?;
        if field == "id" {
            return Err(EditError::IdField(id.to_string()));
        }
        let allowed = allowed_fields(&self.b.config, item.kind());
        if !allowed.contains(&field) && !item.keys.contains_key(field) {
            let hint = crate::util::suggest::hint(field, allowed.iter().copied().chain(["body"]));
            return Err(EditError::UnknownField { field: field.to_string(), kind: item.kind().to_string(), hint });
        }
        let order = std::mem::take(&mut self.order);
        let result = (|| {
            let aliases = &self.b.config.dialect.field_aliases;
            let w = self.file(item, expect)?;
            let path = w.path.clone();
            // `fields.aliases`: the file's own spelling of the field is the
            // key written (`dependencies:` for `depends_on`).
            let key = text::written_key(aliases, &w.text, field);
            w.text = f(&w.text, &order, key).map_err(|e| text_error(&path, id, e))?;
            Ok(())
        })();
        self.order = order;
        result
    }

    /// `statuses.aliases`: a status written as another tool's spelling
    /// (`Done` for `done`) when the item's file spells its status so.
    fn spelled(&self, id: &str, field: &str, value: &Value) -> Value {
        let d = &self.b.config.dialect;
        if field != "status" || d.status_spellings.is_empty() {
            return value.clone();
        }
        let (Some(new), Some(item)) = (value.as_str(), self.b.get(id)) else { return value.clone() };
        let written = item.status.as_ref().map(|s| s.span).and_then(|span| {
            let bytes = std::fs::read(self.b.root.join(&item.path)).ok()?;
            let text = String::from_utf8(bytes).ok()?;
            let line = text.lines().nth(span.line.checked_sub(1)? as usize)?;
            Some(line.trim_start().strip_prefix("status:")?.trim().trim_matches(['"', '\'']).to_string())
        });
        match written {
            Some(w) if d.status_alias(&w).is_some() => match d.status_spellings.get(new) {
                Some(s) => Value::String(s.clone()),
                None => value.clone(),
            },
            _ => value.clone(),
        }
    }

    fn apply(&mut self, edit: &Edit) -> Result<(), EditError> {
        let expect = edit.expect.as_deref();
        match &edit.op {
            Op::Set { id, field, value } => {
                let value = self.spelled(id, field, value);
                self.field_op(id, field, expect, |t, o, k| text::set(t, o, k, &value))
            }
            Op::Unset { id, field } => self.field_op(id, field, expect, |t, _, k| text::unset(t, k)),
            Op::Add { id, field, value } => {
                self.list_field(id, field)?;
                self.field_op(id, field, expect, |t, o, k| text::add(t, o, k, value))
            }
            Op::Remove { id, field, value } => {
                self.list_field(id, field)?;
                self.field_op(id, field, expect, |t, _, k| text::remove(t, k, value))
            }
            Op::SetBody { id, body } => {
                let item = self.item(id)?;
                let w = self.file(item, expect)?;
                let path = w.path.clone();
                w.text = text::set_body(&w.text, body).map_err(|e| text_error(&path, id, e))?;
                Ok(())
            }
            Op::Create { item, body } => self.create(item, body.as_deref()),
            Op::Rename { id, to } => self.rename(id, to, expect),
            Op::Move { id, to } => self.move_to(id, to, expect),
            Op::Format { id } => {
                let item = self.item(id)?;
                let style = self.style();
                let w = self.file(item, expect)?;
                match super::fmt::format(&w.text, &style) {
                    Ok(t) => w.text = t,
                    Err(e) => {
                        let p = w.path.clone();
                        self.skipped.push((p, e.to_string()));
                    }
                }
                Ok(())
            }
        }
    }

    fn list_field(&self, id: &str, field: &str) -> Result<(), EditError> {
        if is_list_field(&self.b.config, field) || !allowed_fields(&self.b.config, "").contains(&field) {
            Ok(())
        } else {
            Err(EditError::NotAList { id: id.to_string(), field: field.to_string() })
        }
    }

    fn create(&mut self, req: &NewItem, body: Option<&str>) -> Result<(), EditError> {
        if let Some(id) = &req.id {
            valid_id(id)?;
            if self.b.index.contains_key(id) || self.taken.contains(id) {
                return Err(EditError::IdTaken(id.clone()));
            }
        }
        // Unchecked here: the change set is checked as a whole.
        let (super::path::ItemPath { rel, .. }, text) = super::render_new(self.b, req)?;
        let id = model::is_valid_id(load::item::stem(&rel))
            .then(|| load::item::stem(&rel).to_string())
            .ok_or_else(|| EditError::InvalidId(load::item::stem(&rel).to_string()))?;
        if self.files.contains_key(&rel) || self.taken.contains(&id) {
            return Err(EditError::PathTaken(rel.clone()));
        }
        let mut t = text;
        let template = match body {
            Some(_) => None,
            None => super::template::body(&self.b.root, &req.kind, &id, &req.title)
                .map_err(|e| EditError::Io(super::template::override_path(&self.b.root, &req.kind), e))?,
        };
        if let Some(b) = body.or(template.as_deref()).filter(|b| !b.trim().is_empty()) {
            t = text::set_body(&t, b).map_err(|e| text_error(&rel, &id, e))?;
        }
        // The same canonical form `fmt` gives.
        let style = self.style();
        if let Ok(f) = super::fmt::format(&t, &style) {
            t = f;
        }
        self.taken.insert(id);
        self.files.insert(rel.clone(), Working { from: None, path: rel, old: None, text: t });
        Ok(())
    }

    fn rename(&mut self, id: &str, to: &str, expect: Option<&str>) -> Result<(), EditError> {
        valid_id(to)?;
        let item = self.item(id)?;
        if to == id {
            return Ok(());
        }
        if self.b.index.contains_key(to) || self.taken.contains(to) {
            return Err(EditError::IdTaken(to.to_string()));
        }
        let new_path = rename::renamed_path(&item.path, item.id(), to);
        if self.b.root.join(&new_path).exists() || self.files.values().any(|w| w.path == new_path) {
            return Err(EditError::PathTaken(new_path));
        }
        // The item itself: its `id:` if written, its path.
        {
            let order = self.order.clone();
            let w = self.file(item, expect)?;
            let has_id = super::doc::Doc::parse(&w.text).map(|d| d.get("id").is_some()).unwrap_or(false);
            if has_id {
                let p = w.path.clone();
                w.text = text::set(&w.text, &order, "id", &Value::String(to.to_string()))
                    .map_err(|e| text_error(&p, id, e))?;
            }
            if w.from.is_none() {
                w.from = Some(w.path.clone());
            }
            w.path = new_path.clone();
        }
        // Every file that names it.
        let fields = rename::ref_fields(&self.b.config);
        let referrers: Vec<&'b Item> = rename::referrers(self.b, id);
        let b = self.b;
        let is_from = |s: &str| rename::names_id(b, item.id(), s);
        for r in referrers {
            let w = self.file(r, None)?;
            let path = w.path.clone();
            let from_path = w.from.clone().unwrap_or_else(|| w.path.clone());
            w.text = rename::rewrite(&w.text, &fields, &is_from, to, &from_path, &item.path, &new_path)
                .map_err(|e| text_error(&path, r.id(), e))?;
        }
        self.renamed.insert(to.to_string(), item.id().to_string());
        self.gone.insert(id.to_string());
        self.taken.insert(to.to_string());
        Ok(())
    }

    fn move_to(&mut self, id: &str, to: &str, expect: Option<&str>) -> Result<(), EditError> {
        let to = to.trim_start_matches("./");
        let ignore = load::ignore_set(&self.b.config);
        if to.contains('\\')
            || to.starts_with('/')
            || to.split('/').any(|s| s.is_empty() || s == "." || s == "..")
            || !load::is_item_path(to, &ignore)
        {
            return Err(EditError::BadPath(to.to_string()));
        }
        let item = self.item(id)?;
        if to == item.path {
            return Ok(());
        }
        if self.b.root.join(to).exists() || self.files.values().any(|w| w.path == to) {
            return Err(EditError::PathTaken(to.to_string()));
        }
        let order = self.order.clone();
        let w = self.file(item, expect)?;
        let has_id = super::doc::Doc::parse(&w.text).map(|d| d.get("id").is_some()).unwrap_or(false);
        if !has_id && load::item::stem(to) != id {
            let p = w.path.clone();
            w.text =
                text::set(&w.text, &order, "id", &Value::String(id.to_string())).map_err(|e| text_error(&p, id, e))?;
        }
        if w.from.is_none() {
            w.from = Some(w.path.clone());
        }
        w.path = to.to_string();
        Ok(())
    }
}

/// Plans `edits` on `backlog`: reads the files they touch and computes
/// their new bytes. Nothing is written. Errors: an unknown id or field, a
/// value that cannot go where it is asked to, a file changed since the hash
/// an edit carries, an id or path already taken.
pub fn plan<E: Into<Edit>>(backlog: &Backlog, edits: impl IntoIterator<Item = E>) -> Result<ChangeSet, EditError> {
    let mut p = Planner {
        b: backlog,
        order: text::key_order(&backlog.config),
        files: BTreeMap::new(),
        renamed: HashMap::new(),
        gone: HashSet::new(),
        taken: HashSet::new(),
        skipped: Vec::new(),
    };
    let mut summary: Vec<String> = Vec::new();
    for e in edits {
        let e: Edit = e.into();
        if let Some(id) = e.op.id() {
            if id.is_empty() {
                return Err(EditError::UnknownId { id: String::new(), hint: String::new() });
            }
        }
        p.apply(&e)?;
        summary.push(e.op.describe());
    }
    let skipped = std::mem::take(&mut p.skipped);
    Ok(ChangeSet { root: backlog.root.clone(), changes: p.finish(), summary: join_summary(&summary), skipped })
}

/// `set x a=1; set x b=2` → `set x a=1 b=2`.
fn join_summary(parts: &[String]) -> String {
    let mut out: Vec<String> = Vec::new();
    for p in parts {
        if let (Some(last), Some(rest)) = (out.last_mut(), p.strip_prefix("set ")) {
            if let Some(tail) = last.strip_prefix("set ") {
                let id = tail.split(' ').next().unwrap_or("");
                if let Some(more) = rest.strip_prefix(&format!("{id} ")) {
                    last.push(' ');
                    last.push_str(more);
                    continue;
                }
            }
        }
        out.push(p.clone());
    }
    out.join("; ")
}

impl Planner<'_> {
    /// How `fmt` writes in this backlog (the planner's key order).
    fn style(&self) -> super::fmt::Style {
        super::fmt::Style { order: self.order.clone(), keep_quotes: self.b.config.dialect.keep_quotes }
    }

    fn finish(self) -> Vec<FileChange> {
        let mut out: Vec<FileChange> = self
            .files
            .into_values()
            .filter(|w| w.from.is_some() || w.old.as_deref() != Some(w.text.as_bytes()))
            .map(|w| FileChange { path: w.path, from: w.from, old: w.old, new: w.text.into_bytes() })
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }
}

/// The key two diagnostics are "the same problem" by: code, item (or
/// file) and message, so moved lines do not count as new problems.
fn problem_key(d: &Diagnostic) -> (&'static str, String, String) {
    (d.code, d.id.clone().unwrap_or_else(|| d.file.clone()), d.message.clone())
}

impl ChangeSet {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Whether the change keeps every file where it is, with its id, and
    /// names no other item differently: then it cannot change what the
    /// backlog-wide error rules report (see
    /// [`crate::check::same_cross_item_inputs`]), and checking the changed
    /// files alone is the whole check. `backlog` must hold the changed items.
    pub fn is_local(&self, backlog: &Backlog) -> bool {
        self.changes.iter().all(|c| {
            c.from.is_none()
                && c.old.is_some()
                && backlog.items.iter().find(|i| i.path == c.path).is_some_and(|old| {
                    let (new, _) = load::parse_item_bytes(&c.new, &c.path, &backlog.config);
                    new.is_some_and(|new| crate::check::same_cross_item_inputs(&backlog.config, old, &new))
                })
        })
    }

    /// The changed files parsed as items (in the order of `changes`).
    fn parse(&self, config: &crate::config::Config) -> Vec<(Option<Item>, Vec<Diagnostic>)> {
        use rayon::prelude::*;
        self.changes.par_iter().map(|c| load::parse_item_bytes(&c.new, &c.path, config)).collect()
    }

    /// The backlog as it would be after the change (in memory).
    pub fn trial(&self, backlog: &Backlog) -> Backlog {
        self.trial_with(backlog, self.parse(&backlog.config))
    }

    fn trial_with(&self, backlog: &Backlog, parsed: Vec<(Option<Item>, Vec<Diagnostic>)>) -> Backlog {
        let gone: HashSet<&str> = self.changes.iter().filter_map(|c| c.old_path()).collect();
        let mut items: Vec<Item> = Vec::with_capacity(backlog.items.len() + self.changes.len());
        items.extend(backlog.items.iter().filter(|i| !gone.contains(i.path.as_str())).cloned());
        let mut diags: Vec<Diagnostic> =
            backlog.diagnostics.iter().filter(|d| !gone.contains(d.file.as_str())).cloned().collect();
        for (item, d) in parsed {
            items.extend(item);
            diags.extend(d);
        }
        let files = backlog.files + self.changes.iter().filter(|c| c.old.is_none()).count();
        Backlog::from_items(backlog.root.clone(), backlog.config.clone(), items, diags, files)
    }

    /// Runs `f` on the backlog as it would be after the change, made by
    /// moving the items out of `backlog` (no copy) and back afterwards.
    fn with_trial<R>(
        &self,
        backlog: &mut Backlog,
        parsed: Vec<(Option<Item>, Vec<Diagnostic>)>,
        f: impl FnOnce(&Backlog) -> R,
    ) -> R {
        let gone: HashSet<&str> = self.changes.iter().filter_map(|c| c.old_path()).collect();
        let orig_items = std::mem::take(&mut backlog.items);
        let orig_index = std::mem::take(&mut backlog.index);
        let orig_diags = std::mem::take(&mut backlog.diagnostics);
        let n = orig_items.len();
        let mut removed: Vec<(usize, Item)> = Vec::new();
        let mut items: Vec<(usize, Item)> = Vec::with_capacity(n + parsed.len());
        for (i, it) in orig_items.into_iter().enumerate() {
            if gone.contains(it.path.as_str()) {
                removed.push((i, it));
            } else {
                items.push((i, it));
            }
        }
        let mut diags: Vec<Diagnostic> =
            orig_diags.iter().filter(|d| !gone.contains(d.file.as_str())).cloned().collect();
        for (it, d) in parsed {
            items.extend(it.map(|it| (usize::MAX, it)));
            diags.extend(d);
        }
        // The order `Backlog::from_items` sorts by (it sorts stably again,
        // so the tags stay with their items).
        items.sort_by(|a, b| a.1.id.value.cmp(&b.1.id.value).then_with(|| a.1.path.cmp(&b.1.path)));
        let (tags, its): (Vec<usize>, Vec<Item>) = items.into_iter().unzip();
        let files = backlog.files + self.changes.iter().filter(|c| c.old.is_none()).count();
        let trial = Backlog::from_items(
            std::mem::take(&mut backlog.root),
            std::mem::take(&mut backlog.config),
            its,
            diags,
            files,
        );
        let r = f(&trial);
        backlog.root = trial.root;
        backlog.config = trial.config;
        let mut slots: Vec<Option<Item>> = (0..n).map(|_| None).collect();
        for (tag, it) in tags.into_iter().zip(trial.items) {
            if tag != usize::MAX {
                slots[tag] = Some(it);
            }
        }
        for (i, it) in removed {
            slots[i] = Some(it);
        }
        backlog.items = slots.into_iter().flatten().collect();
        backlog.index = orig_index;
        backlog.diagnostics = orig_diags;
        r
    }

    /// The errors the change would introduce: what `cairn check` would
    /// report after it and not before (same code, item and message), and
    /// status changes the `workflow` does not allow (E040). Empty: the
    /// change may be written.
    pub fn check(&self, backlog: &Backlog) -> Vec<Diagnostic> {
        self.check_in(&mut backlog.clone())
    }

    /// [`ChangeSet::check`] without a copy of the backlog: when every
    /// change keeps its file's path and id (a `set`), the changed items are
    /// swapped into `backlog` for the check and swapped back after, so
    /// `backlog` is as it was when this returns.
    pub fn check_in(&self, backlog: &mut Backlog) -> Vec<Diagnostic> {
        let mut parsed = self.parse(&backlog.config);
        // `ids.aliases`: the new versions' references follow equal ids, as a load's do.
        load::ids::follow_ids_into(backlog, &mut parsed.iter_mut().filter_map(|(i, _)| i.as_mut()).collect::<Vec<_>>());
        let by_path: HashMap<&str, usize> =
            backlog.items.iter().enumerate().map(|(i, it)| (it.path.as_str(), i)).collect();
        // (index of the old item, index in `changes`) of every changed file that was an item.
        let olds: Vec<(usize, usize)> = self
            .changes
            .iter()
            .enumerate()
            .filter_map(|(k, c)| c.old_path().and_then(|p| by_path.get(p)).map(|&i| (i, k)))
            .collect();
        let in_place = olds.len() == self.changes.len()
            && self.changes.iter().zip(&parsed).all(|(c, (it, _))| {
                c.from.is_none()
                    && it.as_ref().is_some_and(|it| {
                        by_path.get(c.path.as_str()).is_some_and(|&i| backlog.items[i].id() == it.id())
                    })
            });
        drop(by_path);
        // Ids and paths the change renames: a problem an item had before
        // is the same problem under its new name.
        let renamed: HashMap<String, String> = olds
            .iter()
            .filter_map(|&(i, k)| {
                let (old, new) = (backlog.items[i].id(), parsed[k].0.as_ref()?.id());
                (old != new).then(|| (old.to_string(), new.to_string()))
            })
            .chain(self.changes.iter().filter_map(|c| Some((c.from.clone()?, c.path.clone()))))
            .collect();
        let mut wf = Vec::new();
        // Errors after the change, and whether they are new already.
        let mut only_new = false;
        let after = if in_place {
            let gone: HashSet<String> = self.changes.iter().map(|c| c.path.clone()).collect();
            let orig_diags = std::mem::take(&mut backlog.diagnostics);
            backlog.diagnostics = orig_diags.iter().filter(|d| !gone.contains(&d.file)).cloned().collect();
            let kept = backlog.diagnostics.len();
            let mut swapped: Vec<(usize, Item)> = Vec::with_capacity(olds.len());
            for ((i, _), (item, d)) in olds.iter().zip(parsed) {
                if let Some(item) = item {
                    swapped.push((*i, std::mem::replace(&mut backlog.items[*i], item)));
                }
                backlog.diagnostics.extend(d);
            }
            // When no changed item names other items differently (the common
            // `set`), the rules over the whole backlog report what they did
            // before: only the changed files' own errors can be new.
            let local = swapped
                .iter()
                .all(|(i, old)| crate::check::same_cross_item_inputs(&backlog.config, old, &backlog.items[*i]));
            let after = if local {
                let mut e: Vec<Diagnostic> = backlog.diagnostics[kept..]
                    .iter()
                    .filter(|d| d.severity == crate::diag::Severity::Error)
                    .cloned()
                    .collect();
                let mut before: HashMap<(&str, String, String), usize> = HashMap::new();
                for d in
                    orig_diags.iter().filter(|d| gone.contains(&d.file) && d.severity == crate::diag::Severity::Error)
                {
                    *before.entry(problem_key(d)).or_default() += 1;
                }
                e.retain(|d| match before.get_mut(&problem_key(d)) {
                    Some(n) if *n > 0 => {
                        *n -= 1;
                        false
                    }
                    _ => true,
                });
                only_new = true;
                e
            } else {
                crate::check::errors(backlog, &crate::graph::Graph::build(backlog))
            };
            for (i, old) in swapped {
                let new = std::mem::replace(&mut backlog.items[i], old);
                wf.extend(workflow_violation(&backlog.config, &backlog.items[i], &new));
            }
            backlog.diagnostics = orig_diags;
            after
        } else {
            let new_items: Vec<Option<Item>> = parsed.iter().map(|(i, _)| i.clone()).collect();
            for &(i, k) in &olds {
                if let Some(new) = &new_items[k] {
                    wf.extend(workflow_violation(&backlog.config, &backlog.items[i], new));
                }
            }
            self.with_trial(backlog, parsed, |trial| crate::check::errors(trial, &crate::graph::Graph::build(trial)))
        };
        let mut out = Vec::new();
        if only_new {
            out = after;
        } else if !after.is_empty() {
            let mut before: HashMap<(&str, String, String), usize> = HashMap::new();
            for d in crate::check::errors(backlog, &crate::graph::Graph::build(backlog)) {
                let (code, who, message) = problem_key(&d);
                let who = renamed.get(&who).cloned().unwrap_or(who);
                *before.entry((code, who, message)).or_default() += 1;
            }
            for d in after {
                match before.get_mut(&problem_key(&d)) {
                    Some(n) if *n > 0 => *n -= 1,
                    _ => out.push(d),
                }
            }
        }
        out.extend(wf);
        crate::diag::sort(&mut out);
        out
    }

    /// The new texts by path, for showing diagnostics against them.
    pub fn texts(&self) -> Vec<(String, String)> {
        self.changes.iter().map(|c| (c.path.clone(), String::from_utf8_lossy(&c.new).into_owned())).collect()
    }

    /// Writes the change: every file to a temporary file beside it, then
    /// each renamed into place; if anything fails, the files already
    /// replaced get their old bytes back and nothing else changes. Right
    /// before the renames, every file is compared with the bytes the change
    /// was computed from: a file changed since is a conflict.
    pub fn apply(&self) -> Result<(), EditError> {
        super::write::apply(&self.root, &self.changes)
    }

    /// One git commit of exactly these files (see [`super::commit`]).
    pub fn commit(&self, message: &str) -> Result<String, EditError> {
        super::commit::commit(&self.root, &self.changes, message)
    }
}

/// Finds the file of item `id` without loading the backlog: `ID.md` in a
/// kind's folder whose front-matter gives it that id. `None` when it is not
/// found so (an `id:` set in another file, a nested folder, two
/// candidates): load the backlog then. A backlog of just this item is
/// enough to plan and check a change that [`ChangeSet::is_local`] accepts.
pub fn locate(root: &Path, config: &crate::config::Config, id: &str) -> Option<Backlog> {
    if !model::is_valid_id(id) {
        return None;
    }
    let ignore = load::ignore_set(config);
    let mut folders: Vec<&str> = config.kinds.iter().map(|k| k.folder.as_str()).collect();
    folders.sort_unstable();
    folders.dedup();
    let mut found = None;
    for f in folders {
        let rel = format!("{f}/{id}.md");
        if !load::is_item_path(&rel, &ignore) {
            continue;
        }
        let abs = root.join(&rel);
        let Ok(meta) = std::fs::metadata(&abs) else { continue };
        if !meta.is_file() || meta.len() > load::MAX_FILE_BYTES {
            return None;
        }
        let bytes = std::fs::read(&abs).ok()?;
        let (item, diags) = load::parse_item_bytes(&bytes, &rel, config);
        match item {
            Some(it) if it.id() == id => {
                if found.is_some() {
                    return None;
                }
                found = Some((it, diags));
            }
            _ => {}
        }
    }
    let (item, diags) = found?;
    Some(Backlog::from_items(root.to_path_buf(), config.clone(), vec![item], diags, 1))
}

/// A status change from `old` to `new` that the `workflow` does not allow.
fn workflow_violation(config: &crate::config::Config, old: &Item, new: &Item) -> Option<Diagnostic> {
    let (from, to) = (old.status()?, new.status()?);
    // Same status: no move; an unknown status is E012's business.
    if from == to || config.status(new.kind(), to).is_none() {
        return None;
    }
    let allowed = config.workflow.get(from)?;
    if allowed.iter().any(|s| s == to) {
        return None;
    }
    let list = allowed.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
    Some(
        Diagnostic::new(
            "E040",
            &new.path,
            new.key_span("status"),
            format!("forbidden status transition `{from}` → `{to}` for `{}`", new.id()),
        )
        .with_id(new.id())
        .with_help(format!("the workflow allows `{from}` → {list}; use --force to write it anyway")),
    )
}

/// Where a root-relative path is on disk.
pub fn abs(root: &Path, rel: &str) -> PathBuf {
    root.join(rel)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn backlog(dir: &Path, files: &[(&str, &str)]) -> Backlog {
        for (p, t) in files {
            let path = dir.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, t).unwrap();
        }
        load::load(dir).unwrap()
    }

    fn set(id: &str, field: &str, v: Value) -> Op {
        Op::Set { id: id.into(), field: field.into(), value: v }
    }

    #[test]
    fn plan_check_apply() {
        let dir = tempfile::tempdir().unwrap();
        let b = backlog(
            dir.path(),
            &[
                ("stories/a.md", "---\ntitle: A  # the title\nstatus: ready\n---\nBody\n"),
                ("stories/b.md", "---\ntitle: B\nstatus: backlog\n---\n"),
            ],
        );
        let cs = plan(&b, [set("a", "status", json!("in_progress")), set("a", "estimate", json!(3))]).unwrap();
        assert_eq!(cs.summary, "set a status=in_progress estimate=3");
        assert_eq!(cs.changes.len(), 1);
        assert!(cs.check(&b).is_empty());
        cs.apply().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("stories/a.md")).unwrap(),
            "---\ntitle: A  # the title\nstatus: in_progress\nestimate: 3\n---\nBody\n"
        );
    }

    #[test]
    fn refusals() {
        let dir = tempfile::tempdir().unwrap();
        let b = backlog(dir.path(), &[("stories/a.md", "---\ntitle: A\nstatus: ready\n---\n")]);
        assert!(
            matches!(plan(&b, [set("aa", "status", json!("done"))]), Err(EditError::UnknownId { hint, .. }) if hint.contains("`a`"))
        );
        assert!(
            matches!(plan(&b, [set("a", "stauts", json!("done"))]), Err(EditError::UnknownField { hint, .. }) if hint.contains("`status`"))
        );
        assert!(matches!(plan(&b, [set("a", "id", json!("x"))]), Err(EditError::IdField(_))));
        assert!(matches!(
            plan(&b, [Op::Add { id: "a".into(), field: "status".into(), value: json!("x") }]),
            Err(EditError::NotAList { .. })
        ));
        // Would not check: an unknown status; a forbidden transition.
        let cs = plan(&b, [set("a", "status", json!("inprogress"))]).unwrap();
        let d = cs.check(&b);
        assert_eq!(d.iter().map(|d| d.code).collect::<Vec<_>>(), ["E012"]);
        let cs = plan(&b, [set("a", "status", json!("done"))]).unwrap();
        assert_eq!(cs.check(&b).iter().map(|d| d.code).collect::<Vec<_>>(), ["E040"]);
        let cs = plan(&b, [set("a", "estimate", json!("five"))]).unwrap();
        let d = cs.check(&b);
        assert_eq!(d[0].code, "E017");
        assert!(d[0].message.contains("must be a number"), "{}", d[0].message);
        // Bad ids never reach a path.
        assert!(matches!(plan(&b, [Op::Rename { id: "a".into(), to: "../x".into() }]), Err(EditError::InvalidId(_))));
    }

    /// The errors introduced, computed the slow way: the whole backlog's
    /// error rules on a copy, before and after.
    fn full(cs: &ChangeSet, b: &Backlog) -> Vec<(&'static str, String)> {
        let key = |d: &Diagnostic| (d.code, d.message.clone());
        let before: Vec<_> = crate::check::errors(b, &crate::graph::Graph::build(b)).iter().map(key).collect();
        let t = cs.trial(b);
        let mut after: Vec<_> = crate::check::errors(&t, &crate::graph::Graph::build(&t)).iter().map(key).collect();
        for k in before {
            if let Some(p) = after.iter().position(|a| *a == k) {
                after.remove(p);
            }
        }
        after.sort();
        after
    }

    #[test]
    fn the_quick_check_agrees_with_the_full_one() {
        let dir = tempfile::tempdir().unwrap();
        let b = backlog(
            dir.path(),
            &[
                ("epics/e.md", "---\ntitle: E\nstatus: in_progress\n---\n"),
                ("stories/a.md", "---\ntitle: A\nstatus: ready\nparent: e\nestimate: x\n---\n"),
                ("stories/b.md", "---\ntitle: B\nstatus: ready\ndepends_on: [a]\n---\n"),
            ],
        );
        let cases: Vec<Op> = vec![
            set("a", "estimate", json!(3)),
            set("a", "priority", json!("urgent")),
            set("a", "title", json!("")),
            set("a", "parent", json!("nowhere")),
            set("a", "parent", json!("b")),
            Op::Add { id: "a".into(), field: "depends_on".into(), value: json!("b") },
            set("a", "kind", json!("task")),
            set("b", "labels", json!(["x"])),
            Op::Rename { id: "a".into(), to: "z".into() },
            Op::Rename { id: "e".into(), to: "b2".into() },
        ];
        for op in cases {
            let desc = op.describe();
            let cs = plan(&b, [op]).unwrap();
            let mut copy = b.clone();
            let quick: Vec<(&str, String)> = {
                let mut v: Vec<_> = cs
                    .check_in(&mut copy)
                    .into_iter()
                    .map(|d| (d.code, d.message))
                    .filter(|(c, _)| *c != "E040")
                    .collect();
                v.sort();
                v
            };
            assert_eq!(quick, full(&cs, &b), "{desc}");
            assert_eq!(copy.items.len(), b.items.len());
            assert_eq!(copy.index, b.index);
            assert_eq!(copy.diagnostics, b.diagnostics);
            assert!(copy
                .items
                .iter()
                .zip(&b.items)
                .all(|(x, y)| x.path == y.path && x.estimate == y.estimate && x.parent == y.parent));
        }
    }

    #[test]
    fn conflicts_are_detected() {
        let dir = tempfile::tempdir().unwrap();
        let text = "---\ntitle: A\nstatus: ready\n---\n";
        let b = backlog(dir.path(), &[("stories/a.md", text)]);
        let stale = Edit { op: set("a", "status", json!("in_progress")), expect: Some(file_hash(b"other")) };
        assert!(matches!(plan(&b, [stale]), Err(EditError::Conflict { .. })));
        let fresh = Edit { op: set("a", "status", json!("in_progress")), expect: Some(file_hash(text.as_bytes())) };
        let cs = plan(&b, [fresh]).unwrap();
        std::fs::write(dir.path().join("stories/a.md"), "---\ntitle: A\nstatus: review\n---\n").unwrap();
        assert!(matches!(cs.apply(), Err(EditError::Conflict { .. })));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("stories/a.md")).unwrap(),
            "---\ntitle: A\nstatus: review\n---\n"
        );
    }
}
