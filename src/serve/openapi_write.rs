//! The write operations of the OpenAPI document (see [`super::openapi`]):
//! PATCH an item, POST a new one, POST a rename. Request schemas say only
//! what the server itself refuses with a 400; everything else (an unknown
//! field, a status the workflow does not allow) is the edit engine's check,
//! a 422 with diagnostics.

use serde_json::{json, Value};

use crate::load::Backlog;

pub fn security_schemes() -> Value {
    json!({"cairnToken": {
        "type": "apiKey", "in": "header", "name": "X-Cairn-Token",
        "description": "The per-process token the served pages embed (`<meta name=\"cairn-token\">`). A write also needs an `Origin` header equal to the server's own origin (`http://` + Host): a page of another site cannot write."
    }})
}

fn error(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// The responses every write can give, and `ok` for success.
fn responses(ok_status: &str, ok: Value) -> Value {
    let mut r = json!({
        "400": error("The body is not JSON, or not of the documented shape"),
        "403": error("No or a wrong `X-Cairn-Token`, or an `Origin` other than the server's"),
        "404": error("No such item"),
        "409": error("A file to change is read-only"),
        "412": error("`If-Match` names an older version of the file: it changed since it was read; nothing was written"),
        "413": error("The body is over 1 MiB"),
        "422": {
            "description": "The change would not check (an unknown field, a status the workflow does not allow, a taken id…): `error.details.diagnostics` are `cairn check --format json` diagnostics; nothing was written",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}, "example": {"error": {"code": "invalid_change", "message": "the change would not check: forbidden status transition `ready` → `done` for `fix-login`", "details": {"diagnostics": [{"severity": "error", "code": "E040", "message": "forbidden status transition `ready` → `done` for `fix-login`", "file": "bugs/fix-login.md", "line": 3, "column": 1, "id": "fix-login", "help": "the workflow allows `ready` → `in_progress`, `backlog`, `cancelled`; use --force to write it anyway"}]}}}}}
        },
        "503": error("The backlog does not build, or the server does not watch the root")
    });
    r[ok_status] = ok;
    r
}

fn item_ok(description: &str) -> Value {
    json!({
        "description": description,
        "headers": {
            "ETag": {"description": "The new etag, quoted", "schema": {"type": "string"}},
            "X-Cairn-Commit": commit_header()
        },
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ItemDetail"}}}
    })
}

/// The schemas of the core fields a write sets (what `serve::write`
/// refuses with a 422 before the check).
fn core_fields(b: &Backlog) -> serde_json::Map<String, Value> {
    let mut names: Vec<&str> = b.config.statuses.iter().map(|s| s.name.as_str()).collect();
    for k in &b.config.kinds {
        names.extend(k.statuses.iter().flatten().map(|s| s.name.as_str()));
    }
    names.sort_unstable();
    names.dedup();
    let statuses: Vec<Value> = names.into_iter().map(|n| json!(n)).chain([Value::Null]).collect();
    let priorities: Vec<Value> = crate::config::PRIORITIES.iter().map(|p| json!(p)).chain([Value::Null]).collect();
    let name = json!({"type": "string", "minLength": 1});
    let names = json!({"type": "array", "items": name});
    let v = json!({
        "title": {"type": "string", "pattern": TITLE_PATTERN},
        "status": {"enum": statuses, "description": "A status of the item's kind; a change must be allowed by `workflow`"},
        "priority": {"enum": priorities},
        "assignee": {"oneOf": [name, names, {"type": "null"}], "description": "A name or a list of names"},
        "estimate": {"type": ["number", "null"]},
        "sprint": {"type": ["string", "null"], "minLength": 1, "description": "A sprint's id"},
        "labels": {"oneOf": [names, {"type": "null"}]}
    });
    match v {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

/// The schemas of the configuration's custom fields.
fn custom_fields(b: &Backlog) -> serde_json::Map<String, Value> {
    use crate::config::FieldType as T;
    b.config
        .fields
        .iter()
        .map(|(k, def)| {
            let s = match def.ty {
                T::String | T::Url | T::Id => json!({"type": ["string", "null"], "minLength": 1}),
                T::Date => {
                    json!({"type": ["string", "null"], "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"})
                }
                T::Number => json!({"type": ["number", "null"]}),
                T::Integer => json!({"type": ["integer", "null"]}),
                T::Bool => json!({"type": ["boolean", "null"]}),
                T::Enum => {
                    json!({"enum": def.values.iter().map(|v| json!(v)).chain([Value::Null]).collect::<Vec<_>>()})
                }
                T::List => json!({"type": ["array", "null"], "items": {"type": "string", "minLength": 1}}),
            };
            (k.clone(), s)
        })
        .collect()
}

/// A title: one line with something on it.
const TITLE_PATTERN: &str = r"^[^\r\n]*[^\s][^\r\n]*$";

/// A new item's title: the id is made of its ASCII letters and digits.
const CREATE_TITLE_PATTERN: &str = r"^[^\r\n]*[A-Za-z0-9][^\r\n]*$";

/// An item id (`model::is_valid_id`).
const ID_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$";

pub fn patch(b: &Backlog, id_path: &Value, example_id: &str) -> Value {
    let mut props = core_fields(b);
    props.insert("fields".into(), json!({"type": "object", "description": "Custom fields by name", "properties": custom_fields(b), "additionalProperties": false}));
    props.insert("body".into(), json!({"type": ["string", "null"], "description": "The Markdown body (null: empty)"}));
    let fields = json!({
        "type": "object",
        "additionalProperties": false,
        "description": "A JSON Merge Patch (RFC 7396) of the item's front-matter: each key sets that field, `null` removes it, a list replaces the value as a whole; `body` replaces the Markdown body; `fields` patches the custom fields by name. (Other front-matter keys of the item's kind — `due`, `parent`, `depends_on`… — are accepted too.) A value the check refuses (an unknown sprint, a field the item's kind does not have, a status the workflow does not allow from the current one) is a 422.",
        "properties": props
    });
    json!({
        "operationId": "patchItem",
        "summary": "Change an item's fields or body (JSON Merge Patch, with If-Match)",
        "description": "Applied through the edit engine: only the changed keys' lines are rewritten, the result is checked (a 422 if it would not), and the file is written atomically. The response is the new item object once the site is rebuilt (open pages are told over server-sent events).",
        "security": [{"cairnToken": []}],
        "parameters": [
            id_path,
            {"name": "If-Match", "in": "header", "required": false, "description": "The item's `etag` (from GET /api/v1/items/{id}), quoted: the write is refused with 412 if the file changed since. `*` or no header: no condition.", "schema": {"type": "string", "maxLength": 200}, "example": "\"3b18e512dba79e4c8300dd08aeb37f8e728b8dad\""}
        ],
        "requestBody": {"required": true, "content": {
            "application/merge-patch+json": {"schema": fields.clone(), "example": {"status": "in_progress", "assignee": "ana", "estimate": 3, "labels": ["api"], "sprint": null}},
            "application/json": {"schema": fields, "example": {"status": "in_progress"}}
        }},
        "responses": responses("200", item_ok(&format!("The changed item (e.g. `{example_id}`), with its new `etag`")))
    })
}

pub fn create(b: &Backlog) -> Value {
    let kinds: Vec<&str> =
        b.config.kinds.iter().filter(|k| b.config.is_work(&k.name)).map(|k| k.name.as_str()).collect();
    let example_kind = kinds.iter().find(|k| **k == "story").or(kinds.first()).copied().unwrap_or("story");
    let nullable_text = json!({"type": ["string", "null"]});
    let all_kinds: Vec<&str> = b.config.kinds.iter().map(|k| k.name.as_str()).collect();
    let mut create_fields = core_fields(b);
    create_fields.remove("title");
    create_fields.extend(custom_fields(b));
    json!({
        "operationId": "createItem",
        "summary": "Create an item (as `cairn new`)",
        "description": format!("The id is a slug of the title unless `id` is given; without `body`, the kind's body template. Kinds: {}.", kinds.join(", ")),
        "security": [{"cairnToken": []}],
        "requestBody": {"required": true, "content": {"application/json": {
            "schema": {
                "type": "object",
                "required": ["kind", "title"],
                "additionalProperties": false,
                "properties": {
                    "kind": {"enum": all_kinds, "description": "An item kind of the configuration"},
                    "title": {"type": "string", "pattern": CREATE_TITLE_PATTERN, "description": "One line with at least one ASCII letter or digit (the id is a slug of it)"},
                    "parent": nullable_text.clone(),
                    "id": {"type": ["string", "null"], "pattern": ID_PATTERN},
                    "fields": {"type": ["object", "null"], "description": "Front-matter fields by name (`estimate`, `labels`, custom fields…)", "properties": create_fields, "additionalProperties": false},
                    "body": nullable_text
                }
            },
            "example": {"kind": example_kind, "title": "Export the board as CSV", "fields": {"estimate": 2, "labels": ["csv"]}, "body": "So that managers can chart it.\n"}
        }}},
        "responses": responses("201", json!({
            "description": "The new item; `Location` is its URL in this API",
            "headers": {
                "Location": {"description": "/api/v1/items/{id}", "schema": {"type": "string"}},
                "ETag": {"description": "The new file's etag, quoted", "schema": {"type": "string"}},
                "X-Cairn-Commit": commit_header()
            },
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ItemDetail"}}}
        }))
    })
}

pub fn rename(id_path: &Value) -> Value {
    json!({
        "operationId": "renameItem",
        "summary": "Rename an item (as `cairn mv`): its file, its id and every reference to it",
        "security": [{"cairnToken": []}],
        "parameters": [id_path],
        "requestBody": {"required": true, "content": {"application/json": {
            "schema": {"type": "object", "required": ["to"], "additionalProperties": false, "properties": {"to": {"type": "string", "pattern": ID_PATTERN, "description": "The new id"}}},
            "example": {"to": "export-the-board-as-csv"}
        }}},
        "responses": responses("200", item_ok("The item under its new id"))
    })
}

/// The header a write answers with under `serve --commit`.
fn commit_header() -> Value {
    json!({"description": "Under `cairn serve --commit`: the id of the commit that holds the change", "schema": {"type": "string"}})
}
