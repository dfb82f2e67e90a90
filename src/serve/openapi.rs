//! The OpenAPI 3.1 document of the live API (`/api/v1/openapi.json`).
//! `tests/serve.rs` validates real responses against its schemas.

use serde_json::{json, Value};

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

fn param(name: &str, location: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": location, "required": location == "path", "description": description, "schema": schema})
}

/// The document.
pub fn document() -> Value {
    let s = json!({"type": "string"});
    let id_path = param("id", "path", "An item id", s.clone());
    let expand = param(
        "expand",
        "query",
        "Comma-separated relation fields to replace by item objects",
        json!({"type": "string", "examples": ["parent,children"]}),
    );
    let fields = param("fields", "query", "Comma-separated fields to keep (`body` adds the Markdown body)", s.clone());
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
            "unblocks": {"type": "integer"}
        }
    });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "cairn live API",
            "version": "1",
            "description": "The live query API of `cairn serve`: the item objects of the static API (`api/v1/*.json`), filtered with `where` expressions (the same minijinja expressions as `cairn list --where`), sorted, projected and paginated with stable cursors. Read-only."
        },
        "servers": [{"url": "/"}],
        "paths": {
            "/api/v1/items": {"get": {
                "operationId": "listItems",
                "summary": "Items, filtered, sorted and paginated",
                "parameters": [
                    param("where", "query", "A minijinja expression over an item's fields, e.g. `status == \"in_progress\" and estimate > 3`", s.clone()),
                    param("sort", "query", "Sort keys, e.g. `priority:desc,id` (default `id`)", s.clone()),
                    fields,
                    param("limit", "query", "Page size, 1 to 1000 (default 50)", json!({"type": "integer", "minimum": 1, "maximum": 1000, "default": 50})),
                    param("cursor", "query", "`next_cursor` of the previous page, with the same `where` and `sort`", s.clone()),
                    expand.clone()
                ],
                "responses": ok("ItemPage", "One page of items")
            }},
            "/api/v1/items/{id}": {"get": {
                "operationId": "getItem",
                "summary": "One item with its body, rendered body and history events",
                "parameters": [id_path.clone(), expand, param("fields", "query", "Fields to keep", s.clone())],
                "responses": ok("ItemDetail", "The item")
            }},
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
                "parameters": [
                    param("root", "query", "Draw around this item", s.clone()),
                    param("depth", "query", "Edges away from `root` (default 2)", json!({"type": "integer", "minimum": 0})),
                    param("relations", "query", "Edge types to keep, e.g. `depends_on,parent`", s.clone())
                ],
                "responses": ok("Graph", "The graph")
            }},
            "/api/v1/events": {"get": {
                "operationId": "listEvents",
                "summary": "The audit trail from git history (as `cairn log --format json`)",
                "parameters": [
                    param("since", "query", "Only events at or after this date or RFC 3339 time", s.clone()),
                    param("until", "query", "Only events up to this date (inclusive) or time", s.clone()),
                    param("item", "query", "Only the events of this item", s.clone()),
                    param("author", "query", "Case-insensitive substring of the author's name or email", s.clone()),
                    param("limit", "query", "At most this many events", json!({"type": "integer", "minimum": 0}))
                ],
                "responses": ok("Events", "The events, oldest first")
            }},
            "/healthz": {"get": {"operationId": "health", "summary": "200 when the last build succeeded, 503 otherwise", "responses": {"200": {"description": "ok", "content": {"text/plain": {"schema": s.clone()}}}, "503": {"description": "the last build failed", "content": {"text/plain": {"schema": s.clone()}}}}}},
            "/metrics": {"get": {"operationId": "metrics", "summary": "Prometheus text format", "responses": {"200": {"description": "metrics", "content": {"text/plain": {"schema": s.clone()}}}}}}
        },
        "components": {"schemas": {
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
                "properties": {"data": {"allOf": [{"$ref": "#/components/schemas/Item"}, {"type": "object", "required": ["body", "events"], "properties": {"body": {"type": "string"}, "body_html": nullable("string"), "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}}}]}}
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
