//! The OpenAPI 3.1 document of the live API (`/api/v1/openapi.json`).
//! `tests/serve.rs` validates real responses against its schemas and runs
//! schemathesis against it: every parameter's schema is exactly what the
//! server accepts (names are enumerated from the configuration).

use serde_json::{json, Value};

use super::api;
use super::openapi_write as writes;
use crate::graph::render;
use crate::load::Backlog;
use crate::query;

fn nullable(t: &str) -> Value {
    json!({"type": [t, "null"]})
}

fn ids() -> Value {
    json!({"type": "array", "items": {"type": "string"}})
}

/// An id, or with `expand` the item object it names.
fn rel() -> Value {
    json!({"type": ["string", "object", "null"], "description": "An item id; an Item object when named in `expand`"})
}

fn rels() -> Value {
    json!({"type": "array", "items": {"type": ["string", "object"]}, "description": "Item ids; Item objects when named in `expand`"})
}

fn error_responses() -> Value {
    json!({
        "400": {"description": "A bad parameter (an invalid `where` expression, an unknown field…)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "404": {"description": "No such item", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    })
}

fn ok(schema: &str, description: &str) -> Value {
    let mut r = error_responses();
    r["200"] = json!({"description": description, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    r
}

/// A string's schema with the server's length limit for `name`.
fn text(name: &str) -> Value {
    json!({"type": "string", "maxLength": api::max_len(name)})
}

fn param(name: &str, location: &str, description: &str, mut schema: Value) -> Value {
    if schema["type"] == "string" && schema.get("maxLength").is_none() {
        schema["maxLength"] = json!(api::max_len(name));
    }
    json!({"name": name, "in": location, "required": location == "path", "description": description, "schema": schema})
}

/// A comma-separated list of names (`a,b`), as OpenAPI's form style
/// without explode: an array of the names.
fn list_param(name: &str, description: &str, names: &[&str], max: usize) -> Value {
    json!({
        "name": name, "in": "query", "required": false, "description": description,
        "style": "form", "explode": false,
        "schema": {"type": "array", "items": {"enum": names}, "maxItems": max}
    })
}

/// `s` with regex metacharacters escaped.
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\^$.|?*+()[]{}/-".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The pattern of `a,b,c` over `names` (empty allowed), with an optional
/// `:asc`/`:desc` after each name when `directions`.
fn names_pattern(names: &[&str], directions: bool) -> String {
    let alt = names.iter().map(|n| regex_escape(n)).collect::<Vec<_>>().join("|");
    let one = if directions { format!("(?:{alt})(?::(?:asc|desc))?") } else { format!("(?:{alt})") };
    format!("^(?:{one}(?:,{one})*)?$")
}

/// `YYYY-MM-DD` or an RFC 3339 date-time (`2024-05-01T09:30:00Z`, `…+02:00`).
pub const TIME_PATTERN: &str =
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2}))?$";

/// The document, for the backlog's configuration (custom fields are sort
/// keys and fields, `id` custom fields are relations).
pub fn document(b: &Backlog) -> Value {
    let s = json!({"type": "string"});
    let example_id = b.items.first().map(|i| i.id().to_string()).unwrap_or_else(|| "an-item".into());
    let id_path = json!({"name": "id", "in": "path", "required": true, "description": "An item id", "schema": {"type": "string", "minLength": 1}, "example": example_id});
    let fields_names = query::field_names(b);
    let expand = list_param(
        "expand",
        "Relation fields to replace by item objects, comma-separated",
        api::EXPANDABLE,
        api::EXPANDABLE.len(),
    );
    let fields = list_param(
        "fields",
        "Fields to keep, comma-separated (`body` adds the Markdown body)",
        &fields_names,
        api::MAX_FIELDS,
    );
    let relations = render::relation_names(b);
    let relation_names: Vec<&str> = relations.iter().map(String::as_str).collect();
    let time = |name: &str, what: &str| {
        param(
            name,
            "query",
            what,
            json!({"type": "string", "pattern": TIME_PATTERN, "maxLength": api::max_len(name), "anyOf": [{"format": "date"}, {"format": "date-time"}]}),
        )
    };
    let progress = json!({"type": "object", "required": ["done", "total"], "properties": {"done": {"type": "integer"}, "total": {"type": "integer"}}});
    let item = json!({
        "type": "object",
        "description": "The item object of `cli.md` (as `cairn list --format json`).",
        "required": ["id", "kind", "title", "status", "status_category", "priority", "assignee", "parent", "children", "depends_on", "blocks", "relates_to", "duplicates", "duplicated_by", "references", "referenced_by", "path", "checklist", "acceptance", "fields"],
        "properties": {
            "id": {"type": "string"},
            "kind": {"type": "string"},
            "title": {"type": "string"},
            "status": nullable("string"),
            "status_category": {"enum": ["todo", "doing", "done", "cancelled", null]},
            "priority": {"type": "string"},
            "assignee": ids(),
            "reporter": nullable("string"),
            "created": nullable("string"),
            "updated": nullable("string"),
            "due": nullable("string"),
            "start": nullable("string"),
            "estimate": nullable("number"),
            "labels": ids(),
            "sprint": rel(),
            "parent": rel(),
            "children": rels(),
            "depends_on": rels(),
            "blocks": rels(),
            "relates_to": rels(),
            "duplicates": rel(),
            "duplicated_by": rels(),
            "references": {"type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "object", "required": ["url"], "properties": {"url": {"type": "string"}, "title": {"type": "string"}}}]}},
            "referenced_by": rels(),
            "path": {"type": "string"},
            "checklist": progress,
            "acceptance": progress,
            "ml": {},
            "fields": {"type": "object"},
            "body": {"type": "string"},
            "unblocks": {"type": "integer"},
            "etag": {"type": "string", "description": "The hash of the item's file (its git blob id): send it as `If-Match: \"<etag>\"` with a PATCH (single-item responses only)"}
        }
    });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "cairn live API",
            "version": "1",
            "description": "The live query API of `cairn serve`: the item objects of the static API (`api/v1/*.json`), filtered with `where` expressions (the same minijinja expressions as `cairn list --where`), sorted, projected and paginated with stable cursors; and the write API (PATCH, POST), which needs the `X-Cairn-Token` the served pages embed (`<meta name=\"cairn-token\">`) and an `Origin` equal to the server's own origin."
        },
        "servers": [{"url": "/"}],
        "paths": {
            "/api/v1/items": {"get": {
                "operationId": "listItems",
                "summary": "Items, filtered, sorted and paginated",
                "parameters": [
                    param("where", "query", "A minijinja expression over an item's fields, e.g. `status == \"in_progress\" and estimate > 3`; an invalid expression, an unknown field, filter or function, or an expression over the evaluation limits is a 400", s.clone()),
                    param("sort", "query", "Sort keys, comma-separated, each with an optional `:asc`/`:desc`, e.g. `priority:desc,id` (default `id`)", json!({"type": "string", "pattern": names_pattern(&fields_names, true)})),
                    fields.clone(),
                    param("limit", "query", "Page size, 1 to 1000 (default 50)", json!({"type": "integer", "minimum": 1, "maximum": api::MAX_LIMIT, "default": api::DEFAULT_LIMIT})),
                    param("cursor", "query", "`next_cursor` of the previous page, with the same `where` and `sort` (any other value is a 400)", json!({"type": "string", "pattern": "^(?:[0-9a-fA-F]{2})*$", "maxLength": api::MAX_CURSOR})),
                    expand.clone()
                ],
                "responses": ok("ItemPage", "One page of items")
            }, "post": writes::create(b)},
            "/api/v1/items/{id}": {"get": {
                "operationId": "getItem",
                "summary": "One item with its body, rendered body and history events",
                "parameters": [id_path.clone(), expand, fields],
                "responses": ok("ItemDetail", "The item")
            }, "patch": writes::patch(b, &id_path, &example_id)},
            "/api/v1/items/{id}/rename": {"post": writes::rename(&id_path)},
            "/api/v1/impact/{id}": {"get": {
                "operationId": "getImpact",
                "summary": "What slips if this item slips (as `cairn impact --format json`)",
                "parameters": [id_path],
                "responses": ok("Impact", "The impact")
            }},
            "/api/v1/ready": {"get": {
                "operationId": "listReady",
                "summary": "Work that can start now (as `cairn ready --format json`)",
                "parameters": [param("sprint", "query", "Only items of this sprint", s.clone()), param("assignee", "query", "Only items of this assignee", s.clone())],
                "responses": ok("Ready", "The ready items")
            }},
            "/api/v1/graph": {"get": {
                "operationId": "getGraph",
                "summary": "The typed graph, whole or around one item (as `cairn graph --format json`)",
                "parameters": [{
                    "name": "selection", "in": "query", "required": false, "style": "form", "explode": true,
                    "description": "`root`: draw around this item; `depth`: edges away from `root` (default 2; only with `root`); `relations`: edge types to keep, comma-separated, e.g. `depends_on,parent`",
                    "schema": {
                        "type": "object",
                        "additionalProperties": false,
                        "properties": {
                            "root": text("root"),
                            "depth": {"type": "integer", "minimum": 0, "maximum": 1000},
                            "relations": {"type": "string", "pattern": names_pattern(&relation_names, false), "maxLength": api::max_len("relations")}
                        },
                        "dependentRequired": {"depth": ["root"]}
                    }
                }],
                "responses": ok("Graph", "The graph")
            }},
            "/api/v1/events": {"get": {
                "operationId": "listEvents",
                "summary": "The audit trail from git history (as `cairn log --format json`)",
                "parameters": [
                    time("since", "Only events at or after this date (`YYYY-MM-DD`) or RFC 3339 time"),
                    time("until", "Only events up to this date (inclusive) or RFC 3339 time"),
                    param("item", "query", "Only the events of this item", s.clone()),
                    param("author", "query", "Case-insensitive substring of the author's name or email", s.clone()),
                    param("limit", "query", "At most this many events", json!({"type": "integer", "minimum": 0}))
                ],
                "responses": ok("Events", "The events, oldest first")
            }},
            "/healthz": {"get": {"operationId": "health", "summary": "200 when the last build succeeded and the root is watched, 503 otherwise", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}, "503": {"description": "the last build failed (`failed`), or edits are not picked up (`stale`)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}}}},
            "/metrics": {"get": {"operationId": "metrics", "summary": "Prometheus text format", "responses": {"200": {"description": "metrics", "content": {"text/plain": {"schema": s.clone()}}}}}}
        },
        "components": {"securitySchemes": writes::security_schemes(), "schemas": {
            "Item": item,
            "ItemPage": {
                "type": "object",
                "required": ["data", "next_cursor", "has_more"],
                "additionalProperties": false,
                "properties": {
                    "data": {"type": "array", "items": {"type": "object", "description": "An Item, or the fields asked for"}},
                    "next_cursor": nullable("string"),
                    "has_more": {"type": "boolean"}
                }
            },
            "ItemDetail": {
                "type": "object",
                "required": ["data"],
                "properties": {"data": {"anyOf": [
                    {"allOf": [{"$ref": "#/components/schemas/Item"}, {"type": "object", "required": ["body", "events"], "properties": {"body": {"type": "string"}, "body_html": nullable("string"), "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}}}]},
                    {"type": "object", "description": "With `fields`: only the fields asked for"}
                ]}}
            },
            "Impact": {
                "type": "object",
                "required": ["id", "delayed", "by_kind", "critical", "slack_days"],
                "properties": {
                    "id": {"type": "string"},
                    "delayed": {"type": "array", "items": {"type": "object", "required": ["id", "kind", "title", "status", "distance", "via"], "properties": {"id": {"type": "string"}, "kind": {"type": "string"}, "title": {"type": "string"}, "status": nullable("string"), "distance": {"type": "integer"}, "via": ids()}}},
                    "by_kind": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "critical": {"type": "boolean"},
                    "slack_days": nullable("number")
                }
            },
            "Ready": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/Item"}, {"type": "object", "required": ["unblocks"]}]}}}},
            "Graph": {
                "type": "object",
                "required": ["nodes", "edges"],
                "properties": {
                    "nodes": {"type": "array", "items": {"type": "object", "required": ["id", "kind", "title", "status"], "properties": {"id": {"type": "string"}, "kind": {"type": "string"}, "title": {"type": "string"}, "status": nullable("string")}}},
                    "edges": {"type": "array", "items": {"type": "object", "required": ["from", "to", "type"], "properties": {"from": {"type": "string"}, "to": {"type": "string"}, "type": {"type": "string"}, "lag": {"type": "string", "description": "as written, e.g. `2d`"}, "lag_days": {"type": "number"}}}}
                }
            },
            "Event": {
                "type": "object",
                "required": ["commit", "time", "author", "email", "id", "path", "action", "field"],
                "properties": {
                    "commit": {"type": "string", "pattern": "^[0-9a-f]{40}$"},
                    "time": {"type": "string"},
                    "author": {"type": "string"},
                    "email": {"type": "string"},
                    "id": {"type": "string"},
                    "path": {"type": "string"},
                    "action": {"enum": ["created", "updated", "deleted", "renamed"]},
                    "field": nullable("string"),
                    "old": {},
                    "new": {}
                }
            },
            "Events": {"type": "object", "required": ["events"], "properties": {"events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}}},
            "Health": {
                "type": "object",
                "required": ["status", "generation"],
                "additionalProperties": false,
                "properties": {
                    "status": {"enum": ["ok", "failed", "stale"]},
                    "generation": {"type": "integer", "minimum": 0},
                    "error": {"type": "string", "description": "Why the last build failed (the last good site is served)"},
                    "stale": {"type": "string", "description": "Why edits are not picked up"}
                }
            },
            "Error": {
                "type": "object",
                "required": ["error"],
                "additionalProperties": false,
                "properties": {"error": {
                    "type": "object",
                    "required": ["code", "message", "details"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "object"}}
                }}
            }
        }}
    })
}
