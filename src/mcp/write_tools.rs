//! The tools that write: `create_item`, `update_item` (a JSON Merge Patch
//! under an etag, as serve's `PATCH`) and `rename_item` (as `cairn mv`).
//! Each plans its change with the edit engine, checks it as `cairn set`
//! does (the errors it would introduce refuse it, unless `force`), writes
//! it atomically and, with `commit`, commits it.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::read_tools::{etag, find, fresh, read};
use super::state::{Loaded, Session};
use super::tools::ToolError;
use crate::edit::patch::{self, PatchError};
use crate::edit::{self, ChangeSet, Edit, EditError, Op};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// The item's kind (a kind of cairn.yml, e.g. `story`)
    pub kind: String,
    /// Its title, one line (the id is made from it unless `id` is given)
    pub title: String,
    /// The id of its parent (the kinds a parent may be are in cairn.yml)
    pub parent: Option<String>,
    /// Its id (default: made from the title)
    pub id: Option<String>,
    /// More fields, e.g. `{"priority": "high", "estimate": 3, "labels": ["api"]}`
    pub fields: Option<Map<String, Value>>,
    /// The Markdown body (default: the kind's template)
    pub body: Option<String>,
    /// Write it even if it would not check
    pub force: Option<bool>,
    /// Make one git commit of the change
    pub commit: Option<bool>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArgs {
    /// The item's id
    pub id: String,
    /// The etag show_item or list_items gave: the change is refused if the file changed since
    pub etag: String,
    /// A JSON Merge Patch of the item: `{"status": "done"}` sets, `null` removes a field, `body` replaces the body, `fields` patches custom fields
    pub patch: Map<String, Value>,
    /// Write it even if it would not check
    pub force: Option<bool>,
    /// Make one git commit of the change
    pub commit: Option<bool>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameArgs {
    /// The item's id now
    pub id: String,
    /// Its new id (and file name)
    pub to: String,
    /// If given, the rename is refused when the item's file changed since this etag
    pub etag: Option<String>,
    /// Write it even if it would not check
    pub force: Option<bool>,
    /// Make one git commit of the change
    pub commit: Option<bool>,
}

pub fn written_output() -> Value {
    json!({
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "path": {"type": "string"},
            "etag": {"type": "string", "description": "the item's etag after the change"},
            "changed": {"type": "array", "items": {"type": "string"}, "description": "the files written"},
            "summary": {"type": "string"},
            "commit": {"type": "string"},
            "diagnostics": {"type": "array", "items": {"type": "object"}},
        },
        "required": ["id", "path", "etag", "changed"],
    })
}

fn patch_error(e: PatchError) -> ToolError {
    ToolError::failed(format!("nothing was written: {e}"))
}

/// The conflict error: the file changed since `expected` was read.
fn conflict(l: &Loaded, id: &str, expected: Option<&str>) -> ToolError {
    let now = l.backlog.index.get(id).and_then(|&i| etag(l, i));
    let was = expected.map(|e| format!(" since etag `{e}` was read")).unwrap_or_default();
    let now_text = now.as_deref().map(|e| format!("; its current etag is `{e}`")).unwrap_or_default();
    ToolError::with(
        format!(
            "`{id}` changed on disk{was}; nothing was written{now_text}: read it again (show_item) and redo the change"
        ),
        json!({"conflict": true, "id": id, "etag": now}),
    )
}

fn edit_error(l: &Loaded, e: EditError, id: &str, expected: Option<&str>) -> ToolError {
    match e {
        EditError::Conflict { .. } => conflict(l, id, expected),
        e => ToolError::with(format!("nothing was written: {e}"), json!({"id": id})),
    }
}

/// Plans `edits`, checks them, writes them (and commits them with
/// `commit`). `id` and `expected` are for a conflict's message.
fn write(
    s: &mut Session,
    edits: Vec<Edit>,
    id: &str,
    expected: Option<&str>,
    force: bool,
    commit: bool,
) -> Result<(ChangeSet, Value), ToolError> {
    let l = fresh(s)?;
    let cs = edit::plan(&l.backlog, edits).map_err(|e| edit_error(l, e, id, expected))?;
    if cs.is_empty() {
        return Ok((cs, json!({})));
    }
    if commit {
        edit::commit::ready(&l.backlog.root).map_err(|e| ToolError::failed(format!("nothing was written: {e}")))?;
    }
    // Restores the backlog after checking (no copy for a change in place).
    let problems = cs.check_in(&mut l.backlog);
    if !problems.is_empty() && !force {
        let n = problems.len();
        let message = match problems.first() {
            Some(d) if n == 1 => format!("the change would not check, nothing was written: {}", d.message),
            _ => format!("the change would introduce {n} errors; nothing was written (force writes it anyway)"),
        };
        return Err(ToolError::with(message, json!({"diagnostics": problems})));
    }
    cs.apply().map_err(|e| edit_error(l, e, id, expected))?;
    let mut extra = json!({"summary": cs.summary});
    if !problems.is_empty() {
        extra["diagnostics"] = json!(problems);
    }
    if commit {
        let c = cs
            .commit(&format!("cairn: {}", cs.summary))
            .map_err(|e| ToolError::failed(format!("the change was written but not committed: {e}")))?;
        extra["commit"] = json!(c);
    }
    Ok((cs, extra))
}

/// The result of a write: the item's id, path and etag after it, the files
/// written, and `extra`.
fn written(cs: &ChangeSet, id: &str, path: Option<String>, extra: Value) -> Value {
    let path = path.unwrap_or_default();
    let etag = cs
        .changes
        .iter()
        .find(|c| c.path == path)
        .map(|c| edit::file_hash(&c.new))
        .or_else(|| std::fs::read(cs.root.join(&path)).ok().map(|b| edit::file_hash(&b)));
    let mut v = json!({
        "id": id,
        "path": path,
        "etag": etag.unwrap_or_default(),
        "changed": cs.changes.iter().map(|c| c.path.clone()).collect::<Vec<_>>(),
    });
    if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    v
}

pub fn create_item(s: &mut Session, a: Value) -> Result<Value, ToolError> {
    let a: CreateArgs = read(a)?;
    let mut body = Map::new();
    body.insert("kind".into(), json!(a.kind));
    body.insert("title".into(), json!(a.title));
    for (k, v) in [("parent", a.parent), ("id", a.id), ("body", a.body)] {
        if let Some(v) = v {
            body.insert(k.into(), json!(v));
        }
    }
    if let Some(f) = a.fields {
        body.insert("fields".into(), Value::Object(f));
    }
    let config = fresh(s)?.backlog.config.clone();
    let (item, text) = patch::new_item(&config, body).map_err(patch_error)?;
    let edits = vec![Edit::from(Op::Create { item, body: text })];
    let (cs, extra) = write(s, edits, "", None, a.force == Some(true), a.commit == Some(true))?;
    let created = cs.changes.iter().find(|c| c.old.is_none());
    let id = created
        .and_then(|c| crate::load::parse_item_bytes(&c.new, &c.path, &config).0)
        .map(|i| i.id().to_string())
        .unwrap_or_default();
    Ok(written(&cs, &id, created.map(|c| c.path.clone()), extra))
}

pub fn update_item(s: &mut Session, a: Value) -> Result<Value, ToolError> {
    let a: UpdateArgs = read(a)?;
    let l = fresh(s)?;
    let i = find(l, &a.id)?;
    let path = l.backlog.items[i].path.clone();
    if a.patch.is_empty() {
        // Nothing to write; a stale etag is still a conflict.
        let now = etag(l, i);
        if now.as_deref() != Some(a.etag.as_str()) {
            return Err(conflict(l, &a.id, Some(&a.etag)));
        }
        return Ok(json!({"id": a.id, "path": path, "etag": now.unwrap_or_default(), "changed": []}));
    }
    let edits = patch::merge_patch(&l.backlog.config, &a.id, a.patch, Some(a.etag.clone())).map_err(patch_error)?;
    let (cs, extra) = write(s, edits, &a.id, Some(&a.etag), a.force == Some(true), a.commit == Some(true))?;
    Ok(written(&cs, &a.id, Some(path), extra))
}

pub fn rename_item(s: &mut Session, a: Value) -> Result<Value, ToolError> {
    let a: RenameArgs = read(a)?;
    let l = fresh(s)?;
    find(l, &a.id)?;
    let edits = vec![Edit { op: Op::Rename { id: a.id.clone(), to: a.to.clone() }, expect: a.etag.clone() }];
    let (cs, mut extra) = write(s, edits, &a.id, a.etag.as_deref(), a.force == Some(true), a.commit == Some(true))?;
    let moved = cs.changes.iter().find(|c| c.from.is_some());
    extra["from"] = json!(a.id);
    Ok(written(&cs, &a.to, moved.map(|c| c.path.clone()), extra))
}
