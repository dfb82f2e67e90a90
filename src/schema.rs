//! JSON Schema (2020-12) of item front-matter and of `cairn.yml`, for
//! editors. The config schema is derived from the config types with
//! schemars; the item schema is built from the format's field list and a
//! config's kinds, statuses and custom fields.

use serde_json::{json, Map, Value};

use crate::config::{Config, ConfigFile, FieldType, PRIORITIES};

const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Where the committed schemas are published: their `$id`s, and the
/// `# yaml-language-server: $schema=` line `cairn init` writes into
/// `cairn.yml` (and the example backlog carries), so a copied backlog
/// still finds its schema.
pub const SCHEMA_BASE_URL: &str = "https://raw.githubusercontent.com/cairn-backlog/cairn/main/schema/";

/// The `$id` of the config schema (`schema/config.schema.json`).
pub fn config_schema_url() -> String {
    format!("{SCHEMA_BASE_URL}config.schema.json")
}

/// The `$id` of the item schema (`schema/item.schema.json`).
pub fn item_schema_url() -> String {
    format!("{SCHEMA_BASE_URL}item.schema.json")
}

/// The schema of `cairn.yml`.
pub fn config_schema() -> Value {
    let schema = schemars::schema_for!(ConfigFile);
    let mut v = serde_json::to_value(&schema).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert("$schema".into(), json!(DIALECT));
        o.insert("$id".into(), json!(config_schema_url()));
    }
    v
}

/// A calendar date `YYYY-MM-DD`, exactly: months 01-12, the days each month
/// has, February 29 in leap years only (what `util::time::parse_date` takes).
const DATE: &str = concat!(
    "(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))",
    "|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)"
);

/// The time of an RFC 3339 datetime as `util::time::parse_datetime` takes it:
/// `T`, `t` or a space, hours 00-23, seconds up to 60 (a leap second), an
/// optional fraction, and `Z` or an offset up to ±23:59.
const TIME: &str =
    "[Tt ](?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\\.[0-9]+)?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])";

/// The numbers items may hold are smaller than this in size.
const LIMIT: f64 = crate::model::NUMBER_LIMIT;

/// The shared definitions. Each says what `load::item` accepts for that
/// kind of value, so the schema and `cairn check` agree (tests/schema.rs
/// runs a corpus through both):
/// - `text`: strings, and numbers and booleans, which check reads as text
///   (`title: 2026` is the title "2026");
/// - `id`: the id rule, or a whole number (`parent: 42`);
/// - lists (`texts`, `ids`) may be one value, a list, or empty (`null`);
/// - dates and lags are exact patterns; numbers are finite and less than
///   one billion in size.
fn defs() -> Value {
    json!({
        "id": {"anyOf": [
            {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$", "maxLength": crate::model::MAX_ID_LEN, "not": {"pattern": "\\.md$"}},
            {"type": "integer", "minimum": 0, "maximum": i64::MAX}
        ]},
        "ids": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/id"}, {"type": "array", "items": {"$ref": "#/$defs/id"}}]},
        "text": {"type": ["string", "number", "boolean"]},
        "texts": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/text"}, {"type": "array", "items": {"$ref": "#/$defs/text"}}]},
        "date": {"type": "string", "format": "date", "pattern": format!("^{DATE}$")},
        "optional_date": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/date"}]},
        "datetime": {"type": "string", "pattern": format!("^{DATE}(?:{TIME})?$")},
        "lag": {"anyOf": [
            {"type": "string", "pattern": "^[0-9]{1,9}(?:\\.[0-9]+)? *[dwh]$"},
            {"type": "number", "minimum": 0, "exclusiveMaximum": LIMIT}
        ]},
        "number": {"type": "number", "exclusiveMinimum": -LIMIT, "exclusiveMaximum": LIMIT},
        "url": {"type": "string", "pattern": "^(?:[Hh][Tt][Tt][Pp][Ss]?://|[Mm][Aa][Ii][Ll][Tt][Oo]:)[^\\t\\n\\x0B\\x0C\\r ]+$"},
        "metric": {"type": "number", "minimum": 0, "maximum": 1},
        "dependency": {"type": "object", "required": ["id"], "additionalProperties": false, "properties": {"id": {"$ref": "#/$defs/id"}, "lag": {"$ref": "#/$defs/lag"}}},
        "reference": {"anyOf": [
            {"$ref": "#/$defs/url"},
            {"$ref": "#/$defs/id"},
            {
                "type": "object",
                "additionalProperties": false,
                "properties": {"url": {"$ref": "#/$defs/url"}, "title": {"$ref": "#/$defs/text"}, "id": {"$ref": "#/$defs/id"}},
                "oneOf": [{"required": ["url"]}, {"required": ["id"]}]
            }
        ]},
        "ml": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "dataset": {"anyOf": [{"type": "string"}, {"type": "object"}]},
                "model": {"anyOf": [{"type": "string"}, {"type": "object"}]},
                "metrics": {"type": "object", "additionalProperties": {"$ref": "#/$defs/metric"}},
                "ethical_review": {"enum": ["pending", "approved", "requires_mitigation", "not_required"]},
                "explainability": {"anyOf": [{"$ref": "#/$defs/metric"}, {"enum": ["low", "medium", "high"]}]},
                "data_notes": {"$ref": "#/$defs/text"}
            }
        }
    })
}

fn def(name: &str) -> Value {
    json!({"$ref": format!("#/$defs/{name}")})
}

/// A list of `items`: one value, a list of them, or nothing.
fn list_of(item: Value) -> Value {
    json!({"anyOf": [{"type": "null"}, item, {"type": "array", "items": item}]})
}

/// The schema of an item's front-matter. With a config, kinds, statuses and
/// custom fields are those of the config and unknown keys are refused; the
/// committed `schema/item.schema.json` is this for the default config.
///
/// What it cannot say, because it depends on more than the front-matter:
/// the kind from the folder and kind-specific rules (statuses per kind,
/// sprint-only fields, custom fields for some kinds, required fields,
/// `status` required on work items), the title from a `# ` heading, whether
/// referenced ids exist, and duplicate keys (JSON has none).
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
    let mut props = Map::new();
    let mut p = |k: &str, v: Value| {
        props.insert(k.to_string(), v);
    };
    p("id", json!({"$ref": "#/$defs/id", "description": "The item's id; default: the file stem."}));
    p("kind", json!({"enum": kinds, "description": "Default: from the folder the file is in."}));
    p(
        "title",
        json!({"anyOf": [{"type": "string", "pattern": "\\S"}, {"type": ["number", "boolean"]}], "description": "Default: the body's first `# ` heading."}),
    );
    p("status", json!({"enum": statuses}));
    p("priority", json!({"enum": PRIORITIES}));
    p("assignee", def("texts"));
    p("reporter", def("text"));
    p("created", def("datetime"));
    p("updated", def("datetime"));
    p("due", def("optional_date"));
    p("start", def("optional_date"));
    p("end", json!({"$ref": "#/$defs/optional_date", "description": "Sprints only."}));
    p("goal", json!({"$ref": "#/$defs/text", "description": "Sprints only."}));
    p(
        "capacity",
        json!({"description": "Sprints only: points per person.", "anyOf": [{"$ref": "#/$defs/number"}, {"type": "object", "additionalProperties": {"$ref": "#/$defs/number"}}]}),
    );
    p("estimate", json!({"type": "number", "minimum": 0, "exclusiveMaximum": LIMIT}));
    p("duration", def("lag"));
    p("labels", def("texts"));
    p("sprint", def("id"));
    p("parent", def("id"));
    p("depends_on", list_of(json!({"anyOf": [def("id"), def("dependency")]})));
    p("blocks", def("ids"));
    p("relates_to", def("ids"));
    p("duplicates", def("id"));
    p("references", list_of(def("reference")));
    p("ml", def("ml"));
    p(
        "external_id",
        json!({"$ref": "#/$defs/text", "description": "The id the item had where it was imported from (`cairn import`)."}),
    );
    for (name, f) in &cfg.fields {
        let mut s = match f.ty {
            FieldType::String => def("text"),
            FieldType::Number => json!({"$ref": "#/$defs/number"}),
            FieldType::Integer => json!({"$ref": "#/$defs/number", "type": "integer"}),
            FieldType::Bool => json!({"type": "boolean"}),
            FieldType::Date => def("optional_date"),
            FieldType::Url => def("url"),
            FieldType::Enum => json!({"enum": f.values}),
            FieldType::List => def("texts"),
            FieldType::Id => def("ids"),
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
    dialect_properties(cfg, &mut props);
    json!({
        "$schema": DIALECT,
        "$id": item_schema_url(),
        "title": "cairn item front-matter",
        "description": "The YAML front-matter of a backlog item (see format.md). Generate the schema of a backlog with custom fields or statuses with `cairn schema item`.",
        "type": "object",
        "properties": props,
        "additionalProperties": false,
        "$defs": defs()
    })
}

/// What the mapping keys of `cairn.yml` (see dialects.md) accept besides
/// the format: another tool's field names (`fields.aliases`), status
/// spellings in any case (`statuses.aliases`), dates in the extra formats
/// (as strings: a strftime format is no pattern), paths as references, and
/// the `kind_from` field.
fn dialect_properties(cfg: &Config, props: &mut Map<String, Value>) {
    let d = &cfg.dialect;
    if !d.status_aliases.is_empty() {
        let spellings: Vec<String> = d.status_aliases.keys().map(|a| format!("^{}$", any_case(a))).collect();
        if let Some(status) = props.get("status").cloned() {
            let aliases = json!({"type": "string", "pattern": spellings.join("|")});
            props.insert("status".into(), json!({"anyOf": [status, aliases]}));
        }
    }
    if !d.date_formats.is_empty() {
        for key in ["created", "updated", "due", "start"] {
            if let Some(v) = props.get(key).cloned() {
                props.insert(key.into(), json!({"anyOf": [v, {"type": "string"}]}));
            }
        }
    }
    if d.external_paths {
        if let Some(v) = props.get("references").cloned() {
            props.insert("references".into(), json!({"anyOf": [v, def("texts")]}));
        }
    }
    if let Some(f) = &d.kind_from {
        if let Some(kind) = props.get("kind").cloned() {
            props.entry(f.clone()).or_insert(kind);
        }
    }
    for (alias, target) in &d.field_aliases {
        if let Some(v) = props.get(target).cloned() {
            props.insert(alias.clone(), v);
        }
    }
}

/// A regex matching `s` in any ASCII case (JSON Schema patterns have no
/// case-insensitive flag).
fn any_case(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphabetic() {
            out.push_str(&format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase()));
        } else if ".^$*+?()[]{}|/\\".contains(c) {
            out.push('\\');
            out.push(c);
        } else {
            out.push(c);
        }
    }
    out
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
