//! JSON Schema (2020-12) of item front-matter and of `cairn.yml`, for
//! editors. The config schema is derived from the config types with
//! schemars; the item schema is built from the format's field list and a
//! config's kinds, statuses and custom fields.

use serde_json::{json, Map, Value};

use crate::config::{Config, ConfigFile, FieldType, PRIORITIES};

const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The schema of `cairn.yml`.
pub fn config_schema() -> Value {
    let schema = schemars::schema_for!(ConfigFile);
    let mut v = serde_json::to_value(&schema).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert("$schema".into(), json!(DIALECT));
        o.insert("$id".into(), json!("https://cairn.dev/schema/config.schema.json"));
    }
    v
}

fn id_def() -> Value {
    json!({"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$", "maxLength": crate::model::MAX_ID_LEN})
}

fn ids(single: bool) -> Value {
    if single {
        json!({"$ref": "#/$defs/id"})
    } else {
        json!({"anyOf": [{"$ref": "#/$defs/id"}, {"type": "array", "items": {"$ref": "#/$defs/id"}}]})
    }
}

/// The schema of an item's front-matter. With a config, kinds, statuses and
/// custom fields are those of the config and unknown keys are refused; the
/// committed `schema/item.schema.json` is this for the default config.
pub fn item_schema(cfg: Option<&Config>) -> Value {
    let default = Config::default();
    let cfg = cfg.unwrap_or(&default);
    let kinds: Vec<&str> = cfg.kinds.iter().map(|k| k.name.as_str()).collect();
    let mut statuses: Vec<&str> = cfg.statuses.iter().map(|s| s.name.as_str()).collect();
    for k in &cfg.kinds {
        for s in k.statuses.iter().flatten() {
            if !statuses.contains(&s.name.as_str()) {
                statuses.push(&s.name);
            }
        }
    }
    let strings = json!({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]});
    let mut props = Map::new();
    let mut p = |k: &str, v: Value| {
        props.insert(k.to_string(), v);
    };
    p("id", json!({"$ref": "#/$defs/id", "description": "The item's id; default: the file stem."}));
    p("kind", json!({"enum": kinds, "description": "Default: from the folder the file is in."}));
    p("title", json!({"type": "string", "minLength": 1}));
    p("status", json!({"enum": statuses}));
    p("priority", json!({"enum": PRIORITIES}));
    p("assignee", strings.clone());
    p("reporter", json!({"type": "string"}));
    p("created", json!({"$ref": "#/$defs/datetime"}));
    p("updated", json!({"$ref": "#/$defs/datetime"}));
    p("due", json!({"$ref": "#/$defs/date"}));
    p("start", json!({"$ref": "#/$defs/date"}));
    p("end", json!({"$ref": "#/$defs/date", "description": "Sprints only."}));
    p("goal", json!({"type": "string", "description": "Sprints only."}));
    p(
        "capacity",
        json!({"description": "Sprints only: points per person.", "anyOf": [{"type": "number", "minimum": 0}, {"type": "object", "additionalProperties": {"type": "number", "minimum": 0}}]}),
    );
    p("estimate", json!({"type": "number", "minimum": 0}));
    p("duration", json!({"anyOf": [{"$ref": "#/$defs/lag"}, {"type": "number", "minimum": 0}]}));
    p("labels", strings);
    p("sprint", ids(true));
    p("parent", ids(true));
    p(
        "depends_on",
        json!({"anyOf": [
            {"$ref": "#/$defs/id"},
            {"type": "array", "items": {"anyOf": [
                {"$ref": "#/$defs/id"},
                {"type": "object", "required": ["id"], "additionalProperties": false, "properties": {"id": {"$ref": "#/$defs/id"}, "lag": {"$ref": "#/$defs/lag"}}}
            ]}}
        ]}),
    );
    p("blocks", ids(false));
    p("relates_to", ids(false));
    p("duplicates", ids(true));
    p(
        "references",
        json!({"anyOf": [
            {"$ref": "#/$defs/id"},
            {"type": "array", "items": {"anyOf": [
                {"$ref": "#/$defs/url"},
                {"$ref": "#/$defs/id"},
                {"type": "object", "required": ["url"], "additionalProperties": false, "properties": {"url": {"$ref": "#/$defs/url"}, "title": {"type": "string"}}},
                {"type": "object", "required": ["id"], "additionalProperties": false, "properties": {"id": {"$ref": "#/$defs/id"}}}
            ]}}
        ]}),
    );
    p("ml", json!({"$ref": "#/$defs/ml"}));
    for (name, f) in &cfg.fields {
        let mut s = match f.ty {
            FieldType::String => json!({"type": "string"}),
            FieldType::Number => json!({"type": "number"}),
            FieldType::Integer => json!({"type": "integer"}),
            FieldType::Bool => json!({"type": "boolean"}),
            FieldType::Date => json!({"$ref": "#/$defs/date"}),
            FieldType::Url => json!({"$ref": "#/$defs/url"}),
            FieldType::Enum => json!({"enum": f.values}),
            FieldType::List => json!({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}),
            FieldType::Id => ids(false),
        };
        if let Some(o) = s.as_object_mut() {
            if let Some(m) = f.min {
                o.insert("minimum".into(), json!(m));
            }
            if let Some(m) = f.max {
                o.insert("maximum".into(), json!(m));
            }
            o.insert("description".into(), json!(format!("Custom field ({})", f.ty.as_str())));
        }
        p(name, s);
    }
    json!({
        "$schema": DIALECT,
        "$id": "https://cairn.dev/schema/item.schema.json",
        "title": "cairn item front-matter",
        "description": "The YAML front-matter of a backlog item (see format.md). Generate the schema of a backlog with custom fields or statuses with `cairn schema item`.",
        "type": "object",
        "properties": props,
        "additionalProperties": false,
        "$defs": {
            "id": id_def(),
            "date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
            "datetime": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:[0-9]{2}))?$"},
            "lag": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?\\s*[dwh]$"},
            "url": {"type": "string", "pattern": "^([Hh][Tt][Tt][Pp][Ss]?://.+|[Mm][Aa][Ii][Ll][Tt][Oo]:.+)$"},
            "metric": {"type": "number", "minimum": 0, "maximum": 1},
            "ml": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "dataset": {"anyOf": [{"type": "string"}, {"type": "object"}]},
                    "model": {"anyOf": [{"type": "string"}, {"type": "object"}]},
                    "metrics": {"type": "object", "additionalProperties": {"$ref": "#/$defs/metric"}},
                    "ethical_review": {"enum": ["pending", "approved", "requires_mitigation", "not_required"]},
                    "explainability": {"anyOf": [{"$ref": "#/$defs/metric"}, {"enum": ["low", "medium", "high"]}]},
                    "data_notes": {"type": "string"}
                }
            }
        }
    })
}

/// The front-matter of an item file as JSON (for validating against the
/// schema), or `None` if it does not parse.
pub fn front_matter_json(text: &str) -> Option<Value> {
    let split = crate::load::frontmatter::split(text.strip_prefix('\u{feff}').unwrap_or(text)).ok()?;
    if split.yaml.trim().is_empty() {
        return Some(json!({}));
    }
    crate::load::yaml::parse(split.yaml).ok().map(|n| n.value.to_json())
}
