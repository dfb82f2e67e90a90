//! JSON in, edits out: a JSON Merge Patch of an item (→ [`Edit`]s) and a
//! new item as a JSON object (→ [`NewItem`]), each value checked against
//! the type the format or `cairn.yml` gives its field before the edit
//! engine runs. Shared by serve's write API and `cairn mcp`; each says a
//! refusal in its own words (an HTTP status, a tool error).

use serde_json::{Map, Value};

use super::{Edit, NewItem, Op};
use crate::config::Config;

/// Why a patch or a new item was refused before the edit engine ran.
#[derive(Debug, Clone, PartialEq)]
pub enum PatchError {
    /// A field's value has the wrong type (`title` not one line, an
    /// unknown status, a date that is not `YYYY-MM-DD`, …).
    BadValue { field: String, value: Value },
    /// `fields` names a field `cairn.yml` does not define (`known`: the
    /// custom fields, comma-separated, or `none`).
    UnknownCustom { field: String, known: String },
    /// The object is not of the expected shape (a missing `kind`, an
    /// unknown key, …): the message says what is.
    Shape(String),
}

impl std::fmt::Display for PatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PatchError::BadValue { field, value } => write!(f, "`{field}` cannot be {value}"),
            PatchError::UnknownCustom { field, known } => {
                write!(f, "`fields` has no `{field}`: the custom fields are {known}")
            }
            PatchError::Shape(m) => f.write_str(m),
        }
    }
}

/// A JSON Merge Patch of item `id` → edits: `null` unsets, any other value
/// (a list or an object too) replaces the field's value, `body` replaces
/// the body, `fields` (the item object's custom fields) patches those
/// fields one by one. `expect` (the file's etag) is checked on the first
/// edit, the one that reads the file.
pub fn merge_patch(
    config: &Config,
    id: &str,
    patch: Map<String, Value>,
    expect: Option<String>,
) -> Result<Vec<Edit>, PatchError> {
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
    if let Some(first) = edits.first_mut() {
        first.expect = expect;
    }
    Ok(edits)
}

/// A title: one line with something on it.
pub fn valid_title(t: &str) -> bool {
    !t.trim().is_empty() && !t.contains(['\n', '\r'])
}

/// Whether `v` is a value of the type `field` has (the format's own fields
/// and the custom fields of `cairn.yml`; a field neither knows passes, the
/// edit engine's check decides). `null` (unset) passes but for `title`.
pub fn valid_value(config: &Config, field: &str, v: &Value) -> Result<(), PatchError> {
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
                        return Err(PatchError::UnknownCustom { field: k.clone(), known: custom_names(config) });
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
        Ok(())
    } else {
        Err(PatchError::BadValue { field: field.to_string(), value: v.clone() })
    }
}

fn known_status(config: &Config, s: &str) -> bool {
    config.statuses.iter().chain(config.kinds.iter().flat_map(|k| k.statuses.iter().flatten())).any(|x| x.name == s)
}

fn custom_names(config: &Config) -> String {
    let v: Vec<&str> = config.fields.keys().map(String::as_str).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// `{kind, title, parent?, id?, fields?, body?}` → a new item and its body.
pub fn new_item(config: &Config, mut b: Map<String, Value>) -> Result<(NewItem, Option<String>), PatchError> {
    let bad = |m: &str| PatchError::Shape(m.to_string());
    let mut text = |k: &str, required: bool| -> Result<Option<String>, PatchError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config() -> Config {
        Config::default()
    }

    #[test]
    fn a_merge_patch_sets_unsets_and_checks_the_etag_once() {
        let c = config();
        let patch = json!({"title": "New", "estimate": null, "body": "b"});
        let edits =
            merge_patch(&c, "x", patch.as_object().cloned().unwrap_or_default(), Some("e1".into())).unwrap_or_default();
        assert_eq!(edits.len(), 3);
        assert_eq!(edits[0].expect.as_deref(), Some("e1"));
        assert!(edits[1..].iter().all(|e| e.expect.is_none()));
        assert!(matches!(&edits[1].op, Op::Unset { field, .. } if field == "estimate"));
        assert!(matches!(&edits[2].op, Op::SetBody { body, .. } if body == "b"));
    }

    #[test]
    fn wrong_types_are_refused() {
        let c = config();
        let bad = merge_patch(&c, "x", json!({"estimate": "big"}).as_object().cloned().unwrap_or_default(), None);
        assert_eq!(bad.err(), Some(PatchError::BadValue { field: "estimate".into(), value: json!("big") }));
        let shape = new_item(&c, json!({"title": "T"}).as_object().cloned().unwrap_or_default());
        assert_eq!(shape.err(), Some(PatchError::Shape("`kind` is required and a string".into())));
    }
}
