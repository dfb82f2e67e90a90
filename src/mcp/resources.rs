//! Resources: every item as `cairn://items/{id}`, its Markdown file as it
//! is on disk. `resources/list` pages by id (`nextCursor` is the last id of
//! a page, so an item added or removed between pages moves no other item
//! in or out of the listing).

use serde_json::{json, Map, Value};

use super::protocol::{RpcError, INTERNAL_ERROR, RESOURCE_NOT_FOUND};
use super::state::Session;

/// The scheme and path of item URIs.
pub const PREFIX: &str = "cairn://items/";
/// Resources per `resources/list` page.
pub const PAGE: usize = 500;

fn loaded(s: &mut Session) -> Result<&mut super::state::Loaded, RpcError> {
    s.fresh().map_err(|e| RpcError::new(INTERNAL_ERROR, format!("the backlog cannot be loaded: {e}")))
}

/// `resources/list`.
pub fn list(s: &mut Session, params: &Map<String, Value>) -> Result<Value, RpcError> {
    let after = match params.get("cursor") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) => Some(c.clone()),
        Some(_) => return Err(RpcError::params("params.cursor: expected string")),
    };
    let l = loaded(s)?;
    let b = &l.backlog;
    // Items are sorted by id: the page starts after the cursor's id.
    let start = after.as_deref().map_or(0, |c| b.items.partition_point(|it| it.id() <= c));
    let mut resources = Vec::new();
    let mut last = None;
    let mut more = false;
    for (i, it) in b.items.iter().enumerate().skip(start) {
        if b.index.get(it.id()) != Some(&i) {
            continue;
        }
        if resources.len() == PAGE {
            more = true;
            break;
        }
        let status = it.status().unwrap_or("no status");
        resources.push(json!({
            "uri": format!("{PREFIX}{}", it.id()),
            "name": it.id(),
            "title": it.title.value,
            "description": format!("{} · {status} · {}", it.kind(), it.path),
            "mimeType": "text/markdown",
        }));
        last = Some(it.id().to_string());
    }
    let mut v = json!({ "resources": resources });
    if more {
        v["nextCursor"] = json!(last);
    }
    Ok(v)
}

/// `resources/read`.
pub fn read(s: &mut Session, params: &Map<String, Value>) -> Result<Value, RpcError> {
    let uri = match params.get("uri") {
        Some(Value::String(u)) => u.clone(),
        Some(_) => return Err(RpcError::params("params.uri: expected string")),
        None => return Err(RpcError::params("params.uri: required")),
    };
    let not_found = |why: String| RpcError::new(RESOURCE_NOT_FOUND, why).with_data(json!({"uri": uri}));
    let Some(id) = uri.strip_prefix(PREFIX) else {
        return Err(not_found(format!("resource not found: `{uri}` (item URIs are {PREFIX}{{id}})")));
    };
    let l = loaded(s)?;
    let Some(item) = l.backlog.get(id) else {
        let hint = crate::util::suggest::hint(id, l.backlog.items.iter().map(|i| i.id()));
        return Err(not_found(format!("resource not found: no item with id `{id}`{hint}")));
    };
    let text = std::fs::read_to_string(l.backlog.root.join(&item.path))
        .map_err(|e| RpcError::new(INTERNAL_ERROR, format!("cannot read {}: {e}", item.path)))?;
    Ok(json!({"contents": [{"uri": uri, "mimeType": "text/markdown", "text": text}]}))
}

/// `resources/templates/list`.
pub fn templates() -> Value {
    json!({"resourceTemplates": [{
        "uriTemplate": format!("{PREFIX}{{id}}"),
        "name": "item",
        "title": "Backlog item",
        "description": "A backlog item's Markdown file (YAML front-matter and body), by id",
        "mimeType": "text/markdown",
    }]})
}
