//! Prompts: `break_down_prd` hands the client's model a PRD's text, the
//! hierarchy rules of `cairn.yml` (which kinds may be the parent of which)
//! and the way to write the result (`create_item`, then `check`).

use serde_json::{json, Map, Value};

use super::protocol::{RpcError, INTERNAL_ERROR};
use super::state::Session;
use crate::config::Config;

/// `prompts/list`.
pub fn list() -> Value {
    json!({"prompts": [{
        "name": "break_down_prd",
        "title": "Break down a PRD",
        "description": "Turn a PRD item into epics, features, stories and tasks under it, following this backlog's hierarchy rules, with create_item",
        "arguments": [{"name": "id", "description": "The PRD item's id", "required": true}],
    }]})
}

/// The hierarchy rules of `config`, one line per kind.
fn hierarchy(config: &Config) -> String {
    let mut s = String::new();
    for k in &config.kinds {
        let role = serde_json::to_value(k.role).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        let parents = if k.parents.is_empty() {
            "no parent".to_string()
        } else {
            format!("parent may be {}", k.parents.join(" or "))
        };
        s.push_str(&format!("- `{}` ({}, {role}): {parents}\n", k.name, k.label));
    }
    s
}

/// `prompts/get`.
pub fn get(s: &mut Session, params: &Map<String, Value>) -> Result<Value, RpcError> {
    match params.get("name") {
        Some(Value::String(n)) if n == "break_down_prd" => {}
        Some(Value::String(n)) => {
            return Err(RpcError::params(format!("unknown prompt `{n}` (prompts: break_down_prd)")))
        }
        Some(_) => return Err(RpcError::params("params.name: expected string")),
        None => return Err(RpcError::params("params.name: required")),
    }
    let id = match params.get("arguments").and_then(|a| a.get("id")) {
        Some(Value::String(id)) => id.clone(),
        Some(_) => return Err(RpcError::params("params.arguments.id: expected string")),
        None => return Err(RpcError::params("params.arguments.id: required")),
    };
    let l = s.fresh().map_err(|e| RpcError::new(INTERNAL_ERROR, format!("the backlog cannot be loaded: {e}")))?;
    let Some(item) = l.backlog.get(&id) else {
        let hint = crate::util::suggest::hint(&id, l.backlog.items.iter().map(|i| i.id()));
        return Err(RpcError::params(format!("params.arguments.id: no item with id `{id}`{hint}")));
    };
    let text = std::fs::read_to_string(l.backlog.root.join(&item.path))
        .map_err(|e| RpcError::new(INTERNAL_ERROR, format!("cannot read {}: {e}", item.path)))?;
    let config = &l.backlog.config;
    let kind = item.kind();
    let children: Vec<String> =
        config.kinds.iter().filter(|k| k.parents.iter().any(|p| p == kind)).map(|k| format!("`{}`", k.name)).collect();
    let document = config.kind(kind).is_some_and(|k| k.role == crate::config::Role::Document);
    let under = if document {
        format!(
            "A `{kind}` is a document: it is never a parent. Give the top items (those without a parent among the new ones) \
             `references: [\"{id}\"]` (in create_item's `fields`) and build the hierarchy below them."
        )
    } else if children.is_empty() {
        format!(
            "No kind may have a `{kind}` as its parent here: put the new items under an item that may be their parent."
        )
    } else {
        format!("Kinds that may have this `{kind}` as their parent: {}.", children.join(", "))
    };
    let prompt = format!(
        "Break the {kind} `{id}` (\"{title}\") down into backlog items.\n\n\
         Its file, {path}:\n\n````markdown\n{text}\n````\n\n\
         The kinds of this backlog and the kinds each may have as its parent (cairn.yml):\n{rules}\n{under}\n\n\
         Then:\n\
         1. Propose the items: for each a kind, a one-line title, its parent, and a body with acceptance criteria; \
            an estimate and a priority where the PRD says enough.\n\
         2. Create them with the `create_item` tool (kind, title, parent, fields such as priority and estimate, body), \
            parents before children: a child's parent is the id `create_item` returned for its parent.\n\
         3. Keep to the hierarchy rules above; `create_item` refuses an item that would not check and says why.\n\
         4. At the end, run the `check` tool and fix what it reports with `update_item`.",
        title = item.title.value,
        path = item.path,
        rules = hierarchy(config),
    );
    Ok(json!({
        "description": format!("Break down {id} into backlog items"),
        "messages": [{"role": "user", "content": {"type": "text", "text": prompt}}],
    }))
}
