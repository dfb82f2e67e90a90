//! Tool arguments: the JSON Schema of each tool's argument struct (from
//! `schemars`), and the check of a call's arguments against it, which names
//! the bad argument by its path (`arguments.limit: expected integer`), as
//! a JSON-RPC invalid-params error says it. The check covers what the
//! schemas of this module use: `type`, `properties`, `required`,
//! `additionalProperties`, `items`, `enum`, `minimum` and `maximum`.

use schemars::JsonSchema;
use serde_json::{Map, Value};

/// The input schema of `T` as a tool advertises it (no `$schema`, no
/// `title`: the tool has its own).
pub fn schema<T: JsonSchema>() -> Value {
    let mut v = schemars::schema_for!(T).to_value();
    if let Some(o) = v.as_object_mut() {
        o.remove("$schema");
        o.remove("title");
        o.entry("type").or_insert_with(|| Value::String("object".into()));
        o.entry("properties").or_insert_with(|| Value::Object(Map::new()));
    }
    v
}

/// Checks `args` against `schema`, then reads them into `T`. The error is
/// the message of an invalid-params error.
#[cfg(test)]
pub fn parse<T: JsonSchema + serde::de::DeserializeOwned>(args: Value) -> Result<T, String> {
    validate(&schema::<T>(), &args, "arguments")?;
    serde_json::from_value(args).map_err(|e| format!("arguments: {e}"))
}

/// The JSON type name of a value, as a schema's `type` names it.
fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn has_type(v: &Value, ty: &str) -> bool {
    let t = type_of(v);
    t == ty || (ty == "number" && t == "integer")
}

/// Checks `v` at `path` against `schema` (`true`/`{}`: anything).
pub fn validate(schema: &Value, v: &Value, path: &str) -> Result<(), String> {
    let Some(s) = schema.as_object() else {
        return match schema {
            Value::Bool(false) => Err(format!("{path}: not allowed")),
            _ => Ok(()),
        };
    };
    match s.get("type") {
        Some(Value::String(ty)) if !has_type(v, ty) => return Err(format!("{path}: expected {ty}")),
        Some(Value::Array(tys)) => {
            let names: Vec<&str> = tys.iter().filter_map(Value::as_str).collect();
            if !names.iter().any(|t| has_type(v, t)) {
                let shown: Vec<&str> = names.iter().copied().filter(|t| *t != "null").collect();
                let shown = if shown.is_empty() { names } else { shown };
                return Err(format!("{path}: expected {}", shown.join(" or ")));
            }
        }
        _ => {}
    }
    if let Some(Value::Array(allowed)) = s.get("enum") {
        if !allowed.contains(v) {
            let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
            return Err(format!("{path}: expected one of {}", list.join(", ")));
        }
    }
    if let Some(n) = v.as_f64() {
        if let Some(min) = s.get("minimum").and_then(Value::as_f64) {
            if n < min {
                return Err(format!("{path}: expected at least {min}"));
            }
        }
        if let Some(max) = s.get("maximum").and_then(Value::as_f64) {
            if n > max {
                return Err(format!("{path}: expected at most {max}"));
            }
        }
    }
    match v {
        Value::Object(o) => {
            let props = s.get("properties").and_then(Value::as_object);
            if let Some(Value::Array(req)) = s.get("required") {
                for r in req.iter().filter_map(Value::as_str) {
                    if !o.contains_key(r) {
                        return Err(format!("{path}.{r}: required"));
                    }
                }
            }
            for (k, x) in o {
                match props.and_then(|p| p.get(k)) {
                    Some(sub) => validate(sub, x, &format!("{path}.{k}"))?,
                    None => match s.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            let known: Vec<&str> =
                                props.map(|p| p.keys().map(String::as_str).collect()).unwrap_or_default();
                            return Err(format!("{path}.{k}: unknown argument (known: {})", known.join(", ")));
                        }
                        Some(sub) => validate(sub, x, &format!("{path}.{k}"))?,
                        None => {}
                    },
                }
            }
        }
        Value::Array(a) => {
            if let Some(items) = s.get("items") {
                for (i, x) in a.iter().enumerate() {
                    validate(items, x, &format!("{path}[{i}]"))?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(serde::Deserialize, JsonSchema, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct A {
        id: String,
        limit: Option<u32>,
        fields: Option<Vec<String>>,
        patch: Option<Map<String, Value>>,
    }

    #[test]
    fn bad_arguments_are_named_by_their_path() {
        let err = |v: Value| parse::<A>(v).err().unwrap_or_default();
        assert_eq!(err(json!({"id": "a", "limit": "ten"})), "arguments.limit: expected integer");
        assert_eq!(err(json!({"id": "a", "limit": 2.5})), "arguments.limit: expected integer");
        assert_eq!(err(json!({"id": "a", "limit": -1})), "arguments.limit: expected at least 0");
        assert_eq!(err(json!({"limit": 3})), "arguments.id: required");
        assert_eq!(err(json!({"id": "a", "fields": ["x", 3]})), "arguments.fields[1]: expected string");
        assert_eq!(err(json!({"id": "a", "patch": [1]})), "arguments.patch: expected object");
        assert!(err(json!({"id": "a", "colour": 1})).starts_with("arguments.colour: unknown argument"));
        assert_eq!(err(json!([1])), "arguments: expected object");
        let ok = parse::<A>(json!({"id": "a", "limit": 3, "patch": {"x": [1]}, "fields": null}));
        assert_eq!(ok.map(|a| (a.id, a.limit)).ok(), Some(("a".to_string(), Some(3))));
    }
}
