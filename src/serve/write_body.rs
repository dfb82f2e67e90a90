//! The request bodies of serve's write API: `If-Match`, a JSON Merge Patch
//! of an item (→ edit operations) and a new item, checked against the
//! types the OpenAPI document gives them (a wrong one is a 422 before the
//! edit engine runs). The conversion itself is `edit::patch`'s (shared with
//! `cairn mcp`); this file says its refusals in HTTP.

use serde_json::{json, Map, Value};

use super::api::ApiError;
use super::write::{edit_diagnostic, err, refused};
use crate::edit::patch::{self, PatchError};
use crate::edit::{Edit, NewItem};

/// `If-Match: "hash"` → the hash (`*` or none: no condition).
pub(super) fn if_match(h: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(h) = h.map(str::trim) else { return Ok(None) };
    if h == "*" || h.is_empty() {
        return Ok(None);
    }
    let v = h.strip_prefix("W/").unwrap_or(h);
    let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v);
    if v.is_empty() || v.len() > 200 || v.contains([',', '"']) {
        return Err(err(400, "invalid_if_match", "If-Match is one etag: \"<etag>\" (the item's `etag`)", json!({})));
    }
    Ok(Some(v.to_string()))
}

/// A refusal of `edit::patch` as serve answers it: a wrong value is a 422
/// (with the request schema to read), a wrong shape a 400.
fn api_error(e: PatchError) -> ApiError {
    match e {
        PatchError::BadValue { field, value } => {
            let m = format!("`{field}` cannot be {value} (see the request schema in /api/v1/openapi.json)");
            refused(vec![edit_diagnostic(m, "")])
        }
        e @ PatchError::UnknownCustom { .. } => refused(vec![edit_diagnostic(e.to_string(), "")]),
        PatchError::Shape(m) => err(400, "invalid_body", m, json!({})),
    }
}

/// A JSON Merge Patch of an item → edits (see [`patch::merge_patch`]).
pub(super) fn patch_ops(
    config: &crate::config::Config,
    id: &str,
    body: Map<String, Value>,
    expect: Option<String>,
) -> Result<Vec<Edit>, ApiError> {
    patch::merge_patch(config, id, body, expect).map_err(api_error)
}

/// `{kind, title, parent?, id?, fields?, body?}` → a new item.
pub(super) fn new_item(
    config: &crate::config::Config,
    b: Map<String, Value>,
) -> Result<(NewItem, Option<String>), ApiError> {
    patch::new_item(config, b).map_err(api_error)
}
