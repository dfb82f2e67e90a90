//! The request bodies of serve's write API: `If-Match`, a JSON Merge Patch
//! of an item (→ edit operations) and a new item, checked against the
//! types the OpenAPI document gives them (a wrong one is a 422 before the
//! edit engine runs).

use serde_json::{json, Map, Value};

use super::api::ApiError;
use super::write::{edit_diagnostic, err, refused};
use crate::edit::{Edit, NewItem, Op};

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

/// A JSON Merge Patch of an item → edits: `null` unsets, any other value
/// (a list or an object too) replaces the field's value, `body` replaces
/// the body, `fields` (the item object's custom fields) patches those
/// fields one by one.
pub(super) fn patch_ops(
    config: &crate::config::Config,
    id: &str,
    patch: Map<String, Value>,
    expect: Option<String>,
) -> Result<Vec<Edit>, ApiError> {
    let mut ops = Vec::new();
    let field = |name: String, v: Value, ops: &mut Vec<Op>| match v {
        Value::Null => ops.push(Op::Unset { id: id.to_string(), field: name }),
        v => ops.push(Op::Set { id: id.to_string(), field: name, value: v }),
    };
    for (k, v) in patch {
        valid_value(config, &k, &v)?;
        match (k.as_str(), v) {
            ("body", Value::String(b)) => ops.push(Op::SetBody { id: id.to_string(), body: b }),
            ("body", _) => ops.push(Op::SetBody { id: id.to_string(), body: String::new() }),
            ("fields", Value::Object(m)) => {
                for (name, v) in m {
                    field(name, v, &mut ops);
                }
            }
            (_, v) => field(k, v, &mut ops),
        }
    }
    let mut edits: Vec<Edit> = ops.into_iter().map(Edit::from).collect();
    // The first edit reads the file: the etag is checked there.
    if let Some(first) = edits.first_mut() {
        first.expect = expect;
    }
    Ok(edits)
}

/// A title: one line with something on it.
fn valid_title(t: &str) -> bool {
    !t.trim().is_empty() && !t.contains(['\n', '\r'])
}

/// The types the OpenAPI document gives a patch's fields (see
/// `openapi_write::core_fields` and `custom_fields`); the rest is the edit engine's check. A
/// wrong one is a 422.
fn valid_value(config: &crate::config::Config, field: &str, v: &Value) -> Result<(), ApiError> {
    use crate::config::FieldType as T;
    let names = |v: &Value| v.as_array().is_some_and(|a| a.iter().all(|x| x.as_str().is_some_and(|s| !s.is_empty())));
    let name = |v: &Value| v.as_str().is_some_and(|s| !s.is_empty());
    let ok = match field {
        "title" => v.as_str().is_some_and(valid_title),
        "status" => v.is_null() || v.as_str().is_some_and(|s| known_status(config, s)),
        "sprint" => v.is_null() || name(v),
        "priority" => v.is_null() || v.as_str().is_some_and(|p| crate::config::PRIORITIES.contains(&p)),
        "assignee" => v.is_null() || name(v) || names(v),
        "labels" => v.is_null() || names(v),
        "estimate" => v.is_null() || v.as_f64().is_some_and(|n| n.is_finite()),
        "body" => v.is_string() || v.is_null(),
        "fields" => match v.as_object() {
            Some(m) => {
                for (k, x) in m {
                    if !config.fields.contains_key(k) {
                        let m = format!("`fields` has no `{k}`: the custom fields are {}", custom_names(config));
                        return Err(refused(vec![edit_diagnostic(m, "")]));
                    }
                    valid_value(config, k, x)?;
                }
                true
            }
            None => false,
        },
        f => match config.fields.get(f) {
            None => true,
            Some(def) => {
                v.is_null()
                    || match def.ty {
                        T::String | T::Url | T::Id => name(v),
                        T::Date => v.as_str().is_some_and(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()),
                        T::Number => v.as_f64().is_some_and(|n| n.is_finite()),
                        T::Integer => v.is_i64() || v.is_u64(),
                        T::Bool => v.is_boolean(),
                        T::Enum => v.as_str().is_some_and(|s| def.values.iter().any(|x| x == s)),
                        T::List => names(v),
                    }
            }
        },
    };
    if ok {
        return Ok(());
    }
    let m = format!("`{field}` cannot be {v} (see the request schema in /api/v1/openapi.json)");
    Err(refused(vec![edit_diagnostic(m, "")]))
}

fn known_status(config: &crate::config::Config, s: &str) -> bool {
    config.statuses.iter().chain(config.kinds.iter().flat_map(|k| k.statuses.iter().flatten())).any(|x| x.name == s)
}

fn custom_names(config: &crate::config::Config) -> String {
    let v: Vec<&str> = config.fields.keys().map(String::as_str).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// `{kind, title, parent?, id?, fields?, body?}` → a new item.
pub(super) fn new_item(
    config: &crate::config::Config,
    mut b: Map<String, Value>,
) -> Result<(NewItem, Option<String>), ApiError> {
    let bad = |m: &str| err(400, "invalid_body", m.to_string(), json!({}));
    let mut text = |k: &str, required: bool| -> Result<Option<String>, ApiError> {
        match b.remove(k) {
            Some(Value::String(s)) => Ok(Some(s)),
            None | Some(Value::Null) if !required => Ok(None),
            _ => Err(bad(&format!("`{k}` is {}a string", if required { "required and " } else { "" }))),
        }
    };
    let kind = text("kind", true)?.unwrap_or_default();
    let title = text("title", true)?.unwrap_or_default();
    if !valid_title(&title) || !title.chars().any(|c| c.is_ascii_alphanumeric()) {
        return Err(bad(
            "`title` is one line with at least one letter or digit (A-Z, a-z, 0-9: the id is made of them)",
        ));
    }
    let parent = text("parent", false)?;
    let id = text("id", false)?;
    let body = text("body", false)?;
    let mut set = Vec::new();
    match b.remove("fields") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                if k == "body" || k == "fields" {
                    return Err(bad(&format!("`{k}` is not a field of `fields`")));
                }
                valid_value(config, &k, &v)?;
                if !v.is_null() {
                    // JSON is YAML: the value is written as given.
                    set.push(format!("{k}={v}"));
                }
            }
        }
        Some(_) => return Err(bad("`fields` is an object of field values")),
    }
    if let Some(k) = b.keys().next() {
        return Err(bad(&format!("unknown key `{k}`: the body is {{kind, title, parent?, id?, fields?, body?}}")));
    }
    Ok((NewItem { kind, title, parent, id, set }, body))
}
