//! The live query API (`site.md`): pure functions from a snapshot and the
//! query parameters to a JSON body or an API error.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde_json::{json, Map, Value};

use super::build::Snapshot;
use crate::graph::ready;
use crate::graph::render::{self, Selection};
use crate::query::{self, Filter, QueryError, SortKey};

/// Default and largest page size of `GET /api/v1/items`.
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 1000;
/// How long one request may spend evaluating a `where` expression.
pub const QUERY_DEADLINE: Duration = Duration::from_secs(2);

/// Relation fields `expand` can replace by item objects.
pub const EXPANDABLE: &[&str] = &[
    "parent",
    "children",
    "depends_on",
    "blocks",
    "relates_to",
    "duplicates",
    "duplicated_by",
    "referenced_by",
    "sprint",
];

/// An API error: `{"error": {"code", "message", "details"}}`.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub details: Value,
}

impl ApiError {
    pub fn bad(code: &'static str, message: impl Into<String>, details: Value) -> ApiError {
        ApiError { status: 400, code, message: message.into(), details }
    }

    pub fn not_found(message: impl Into<String>, details: Value) -> ApiError {
        ApiError { status: 404, code: "not_found", message: message.into(), details }
    }

    pub fn body(&self) -> Vec<u8> {
        let v = json!({"error": {"code": self.code, "message": self.message, "details": self.details}});
        serde_json::to_vec(&v).unwrap_or_default()
    }
}

/// Decoded query parameters (the last value wins).
pub type Params = HashMap<String, String>;

/// Decodes `%XX` and, in queries, `+`; `None` for bad escapes or bad UTF-8.
pub fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |c: u8| (c as char).to_digit(16);
                let h = b.get(i + 1).and_then(|&c| hex(c))?;
                let l = b.get(i + 2).and_then(|&c| hex(c))?;
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Parses a query string.
pub fn parse_query(q: &str) -> Result<Params, ApiError> {
    let mut p = Params::new();
    for pair in q.split('&').filter(|s| !s.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(k), Some(v)) = (percent_decode(k, true), percent_decode(v, true)) else {
            return Err(ApiError::bad(
                "invalid_query",
                "the query string is not valid percent-encoded UTF-8",
                json!({}),
            ));
        };
        p.insert(k, v);
    }
    Ok(p)
}

/// The longest value of a query parameter, in characters (as `maxLength`
/// in the OpenAPI document): every accepted request fits in
/// [`super::http::MAX_URL`] even percent-encoded.
pub fn max_len(name: &str) -> usize {
    match name {
        "where" => MAX_WHERE,
        "cursor" => MAX_CURSOR,
        _ => MAX_TEXT,
    }
}

/// Longest `where` expression, `cursor`, and other parameter value.
pub const MAX_WHERE: usize = 1000;
pub const MAX_CURSOR: usize = 4096;
pub const MAX_TEXT: usize = 256;
/// Most names in `fields`.
pub const MAX_FIELDS: usize = 64;

/// Refuses unknown parameters and values over [`max_len`] (in name
/// order: the first problem is always the same one).
fn allow(p: &Params, known: &[&str]) -> Result<(), ApiError> {
    let mut keys: Vec<&String> = p.keys().collect();
    keys.sort();
    for k in keys {
        if !known.contains(&k.as_str()) {
            let hint = crate::util::suggest::hint(k, known.iter().copied());
            return Err(ApiError::bad(
                "unknown_parameter",
                format!("unknown query parameter `{k}`{hint}"),
                json!({"parameter": k, "allowed": known}),
            ));
        }
        let max = max_len(k);
        if p[k].chars().count() > max {
            return Err(ApiError::bad(
                "parameter_too_long",
                format!("`{k}` is longer than {max} characters"),
                json!({"parameter": k, "max": max}),
            ));
        }
    }
    Ok(())
}

/// A comma-separated list (`a,b`): empty or absent is none; an empty
/// entry or a space is an error (the OpenAPI document describes exactly
/// what is accepted).
fn list_param(p: &Params, name: &str, code: &'static str, max: usize) -> Result<Vec<String>, ApiError> {
    let Some(v) = p.get(name).filter(|v| !v.is_empty()) else { return Ok(Vec::new()) };
    let parts: Vec<String> = v.split(',').map(String::from).collect();
    if parts.len() > max {
        return Err(ApiError::bad(
            code,
            format!("`{name}` names more than {max} entries"),
            json!({"parameter": name, "max": max}),
        ));
    }
    if parts.iter().any(|x| x.is_empty() || x.chars().any(char::is_whitespace)) {
        return Err(ApiError::bad(
            code,
            format!("`{name}` must be names separated by commas (no spaces, no empty names), not `{v}`"),
            json!({"parameter": name}),
        ));
    }
    Ok(parts)
}

/// A whole number written with ASCII digits only (no sign, no spaces);
/// `None` otherwise. Too large a number saturates.
fn whole_number(v: &str) -> Option<usize> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(v.parse::<usize>().unwrap_or(usize::MAX))
}

/// Sorted matches by (`where`, `sort`).
type Matches = HashMap<(String, String), Arc<Vec<usize>>>;

/// Cached, sorted matches of (`where`, `sort`) for one snapshot.
#[derive(Default)]
pub struct QueryCache {
    inner: Mutex<(u64, Matches)>,
}

const CACHE_ENTRIES: usize = 256;

impl QueryCache {
    fn get(&self, generation: u64, key: &(String, String)) -> Option<Arc<Vec<usize>>> {
        let m = self.inner.lock().ok()?;
        if m.0 != generation {
            return None;
        }
        m.1.get(key).cloned()
    }

    fn put(&self, generation: u64, key: (String, String), v: Arc<Vec<usize>>) {
        if let Ok(mut m) = self.inner.lock() {
            if m.0 != generation {
                if generation < m.0 {
                    return;
                }
                m.0 = generation;
                m.1.clear();
            }
            if m.1.len() >= CACHE_ENTRIES {
                m.1.clear();
            }
            m.1.insert(key, v);
        }
    }
}

fn where_error(e: QueryError, expr: &str) -> ApiError {
    let details = json!({"parameter": "where", "expression": expr});
    match &e {
        QueryError::Where(m) => ApiError::bad("invalid_where", format!("invalid `where` expression: {m}"), details),
        QueryError::TooExpensive(m) => ApiError::bad(
            "where_too_expensive",
            format!(
                "the `where` expression is too expensive: {m} (limits: {} steps and {} KiB of built text per item, {} s per request)",
                query::expr::FUEL,
                query::expr::MAX_BYTES / 1024,
                QUERY_DEADLINE.as_secs()
            ),
            details,
        ),
        other => ApiError::bad("invalid_where", other.to_string(), details),
    }
}

fn names_error(e: QueryError) -> ApiError {
    match &e {
        QueryError::Sort(..) => ApiError::bad("invalid_sort", e.to_string(), json!({"parameter": "sort"})),
        QueryError::Field(..) => ApiError::bad("unknown_field", e.to_string(), json!({"parameter": "fields"})),
        QueryError::Where(_) | QueryError::TooExpensive(_) => {
            ApiError::bad("invalid_where", e.to_string(), json!({"parameter": "where"}))
        }
    }
}

/// Sorted indices of the listed items matching `filter`, evaluated until
/// `deadline`.
fn matches(
    s: &Snapshot,
    filter: Option<&Filter>,
    sort: &[SortKey],
    deadline: Instant,
) -> Result<Vec<usize>, QueryError> {
    let mut out: Vec<usize> = match filter {
        None => s.listed.clone(),
        Some(f) => {
            // Each object read from its JSON line (see `objects::Context`).
            let keep: Vec<Vec<bool>> = s
                .listed
                .par_chunks(512)
                .map(|chunk| {
                    f.apply_contexts(chunk.iter().map(|&i| super::objects::context_of(&s.objects[i])), Some(deadline))
                })
                .collect::<Result<_, _>>()?;
            s.listed.iter().zip(keep.into_iter().flatten()).filter(|(_, k)| *k).map(|(&i, _)| i).collect()
        }
    };
    let by_id = sort.len() == 1 && sort[0].field == "id" && !sort[0].desc;
    if !by_id && !sort.is_empty() {
        let b = &s.backlog;
        // Each object's sort keys and id only (as a cursor holds them),
        // not the whole object.
        let mut keyed: Vec<(Value, usize)> = out.par_iter().map(|&i| (sort_keys(&s.object(i), sort), i)).collect();
        keyed.par_sort_by(|(x, _), (y, _)| query::compare(b, x, y, sort));
        out = keyed.into_iter().map(|(_, i)| i).collect();
    }
    Ok(out)
}

/// What [`query::compare`] reads of `object`: its sort key values and id.
fn sort_keys(object: &Value, sort: &[SortKey]) -> Value {
    let mut o = Map::new();
    for k in sort {
        o.insert(k.field.clone(), query::get(object, &k.field).clone());
    }
    o.insert("id".into(), query::get(object, "id").clone());
    Value::Object(o)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 || s.len() > 8192 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// The cursor after `object`: its sort key values and id, as hex of JSON.
fn cursor_of(object: &Value, sort: &[SortKey]) -> String {
    let mut keys: Vec<Value> = sort.iter().map(|k| query::get(object, &k.field).clone()).collect();
    keys.push(query::get(object, "id").clone());
    hex(&serde_json::to_vec(&keys).unwrap_or_default())
}

/// A cursor back into an object the comparator understands.
fn decode_cursor(c: &str, sort: &[SortKey]) -> Option<Value> {
    let v: Value = serde_json::from_slice(&unhex(c)?).ok()?;
    let a = v.as_array()?;
    if a.len() != sort.len() + 1 || !a.last()?.is_string() {
        return None;
    }
    let mut o = Map::new();
    for (k, val) in sort.iter().zip(a) {
        o.insert(k.field.clone(), val.clone());
    }
    o.insert("id".into(), a[sort.len()].clone());
    Some(Value::Object(o))
}

fn expand(s: &Snapshot, mut o: Value, fields: &[String]) -> Value {
    let obj_of = |v: &Value| match v.as_str().and_then(|id| s.find(id)) {
        Some(i) => s.object(i),
        None => v.clone(),
    };
    for f in fields {
        if let Some(v) = o.get_mut(f.as_str()) {
            let new = match &*v {
                Value::Array(a) => Value::Array(a.iter().map(obj_of).collect()),
                Value::String(_) => obj_of(v),
                other => other.clone(),
            };
            *v = new;
        }
    }
    o
}

/// `GET /api/v1/items`; a `where` expression is evaluated until
/// `deadline`.
pub fn items(s: &Snapshot, cache: &QueryCache, p: &Params, deadline: Instant) -> Result<Vec<u8>, ApiError> {
    allow(p, &["where", "sort", "fields", "limit", "cursor", "expand"])?;
    let expr = p.get("where").map(String::as_str).filter(|e| !e.trim().is_empty());
    let filter = expr
        .map(|e| {
            let f = Filter::new(e).map_err(|err| where_error(err, e))?;
            f.check_fields(&s.backlog).map_err(|err| where_error(err, e))?;
            Ok(f)
        })
        .transpose()?;
    let sort_spec = p.get("sort").map(String::as_str).filter(|x| !x.is_empty()).unwrap_or("id");
    if sort_spec.split(',').any(|k| k.is_empty() || k.chars().any(char::is_whitespace)) {
        return Err(ApiError::bad(
            "invalid_sort",
            format!("`sort` must be keys separated by commas, e.g. `priority:desc,id` (no spaces, no empty keys), not `{sort_spec}`"),
            json!({"parameter": "sort"}),
        ));
    }
    let sort = query::parse_sort(sort_spec).map_err(names_error)?;
    let fields = list_param(p, "fields", "unknown_field", MAX_FIELDS)?;
    query::validate_names(&s.backlog, &sort, &fields).map_err(names_error)?;
    let limit = match p.get("limit") {
        None => DEFAULT_LIMIT,
        Some(l) => match whole_number(l) {
            Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                return Err(ApiError::bad(
                    "invalid_limit",
                    format!("`limit` must be a whole number from 1 to {MAX_LIMIT}, not `{l}`"),
                    json!({"parameter": "limit", "max": MAX_LIMIT}),
                ))
            }
        },
    };
    let expand_fields = list_param(p, "expand", "invalid_expand", EXPANDABLE.len())?;
    for f in &expand_fields {
        if !EXPANDABLE.contains(&f.as_str()) {
            let hint = crate::util::suggest::hint(f, EXPANDABLE.iter().copied());
            return Err(ApiError::bad(
                "invalid_expand",
                format!("cannot expand `{f}`{hint}"),
                json!({"parameter": "expand", "allowed": EXPANDABLE}),
            ));
        }
    }
    let after = match p.get("cursor").filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(decode_cursor(c, &sort).ok_or_else(|| {
            ApiError::bad(
                "invalid_cursor",
                "`cursor` is not a cursor of this query (pass `next_cursor` back unchanged, with the same `sort`)",
                json!({"parameter": "cursor"}),
            )
        })?),
    };
    let key = (expr.unwrap_or("").to_string(), sort_spec.to_string());
    let all = match cache.get(s.generation, &key) {
        Some(m) => m,
        None => {
            let m =
                Arc::new(matches(s, filter.as_ref(), &sort, deadline).map_err(|e| where_error(e, expr.unwrap_or("")))?);
            cache.put(s.generation, key, m.clone());
            m
        }
    };
    let start = match &after {
        None => 0,
        Some(c) => all.partition_point(|&i| query::compare(&s.backlog, &s.object(i), c, &sort).is_le()),
    };
    let end = (start + limit).min(all.len());
    let page = &all[start..end];
    let has_more = end < all.len();
    let next = if has_more { page.last().map(|&i| cursor_of(&s.object(i), &sort)) } else { None };
    let want_body = fields.iter().any(|f| f == "body");
    let mut out = Vec::with_capacity(page.len() * 700 + 64);
    out.extend_from_slice(b"{\"data\":[");
    for (n, &i) in page.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        if fields.is_empty() && expand_fields.is_empty() {
            out.extend_from_slice(&s.objects[i]);
            continue;
        }
        let mut o = s.object(i);
        if want_body {
            o["body"] = json!(s.backlog.items[i].body);
        }
        let o = expand(s, o, &expand_fields);
        let o = if fields.is_empty() { o } else { query::select(&o, &fields) };
        out.extend_from_slice(&serde_json::to_vec(&o).unwrap_or_default());
    }
    out.extend_from_slice(b"],\"next_cursor\":");
    out.extend_from_slice(&serde_json::to_vec(&next).unwrap_or_default());
    out.extend_from_slice(b",\"has_more\":");
    out.extend_from_slice(if has_more { b"true" } else { b"false" });
    out.push(b'}');
    Ok(out)
}

fn find(s: &Snapshot, id: &str) -> Result<usize, ApiError> {
    s.find(id).ok_or_else(|| {
        let hint = crate::util::suggest::hint(id, s.listed.iter().map(|&i| s.backlog.items[i].id()));
        ApiError::not_found(format!("no item with id `{id}`{hint}"), json!({"id": id}))
    })
}

/// `GET /api/v1/items/<id>`: the item object with `body`, `body_html` and
/// its events, as in the static `api/v1/items/<id>.json`.
pub fn item(s: &Snapshot, id: &str, p: &Params) -> Result<Vec<u8>, ApiError> {
    allow(p, &["expand", "fields"])?;
    let i = find(s, id)?;
    let expand_fields = list_param(p, "expand", "invalid_expand", EXPANDABLE.len())?;
    if let Some(f) = expand_fields.iter().find(|f| !EXPANDABLE.contains(&f.as_str())) {
        return Err(ApiError::bad(
            "invalid_expand",
            format!("cannot expand `{f}`"),
            json!({"parameter": "expand", "allowed": EXPANDABLE}),
        ));
    }
    let fields = list_param(p, "fields", "unknown_field", MAX_FIELDS)?;
    query::validate_names(&s.backlog, &[], &fields).map_err(names_error)?;
    let mut o = s.object(i);
    let static_file = s
        .site
        .get(format!("api/v1/items/{id}.json").as_str())
        .and_then(|p| serde_json::from_slice::<Value>(&p.bytes()).ok());
    o["body"] = json!(s.backlog.items[i].body);
    o["body_html"] = static_file.as_ref().and_then(|f| f.get("body_html")).cloned().unwrap_or(Value::Null);
    o["events"] = match &s.events {
        Some(ev) => Value::Array(ev.events.iter().filter(|e| e.id == id).map(|e| json!(e)).collect()),
        None => json!([]),
    };
    let o = expand(s, o, &expand_fields);
    let o = if fields.is_empty() { o } else { query::select(&o, &fields) };
    Ok(serde_json::to_vec(&json!({ "data": o })).unwrap_or_default())
}

/// `GET /api/v1/impact/<id>`: as `cairn impact ID --format json`.
pub fn impact(s: &Snapshot, id: &str, p: &Params) -> Result<Vec<u8>, ApiError> {
    allow(p, &[])?;
    let i = find(s, id)?;
    let b = &s.backlog;
    let g = &s.graph;
    let v = query::impact_json(b, g, s.schedule(), i);
    Ok(serde_json::to_vec(&v).unwrap_or_default())
}

/// `GET /api/v1/ready`: as `cairn ready --format json`.
pub fn ready(s: &Snapshot, p: &Params) -> Result<Vec<u8>, ApiError> {
    allow(p, &["sprint", "assignee"])?;
    let b = &s.backlog;
    if let Some(sp) = p.get("sprint") {
        let is_sprint =
            |i: &crate::model::Item| b.config.kind(i.kind()).is_some_and(|k| k.role == crate::config::Role::Sprint);
        if !b.get(sp).is_some_and(is_sprint) {
            return Err(ApiError::not_found(format!("no sprint with id `{sp}`"), json!({"parameter": "sprint"})));
        }
    }
    let filter =
        ready::Filter { sprint: p.get("sprint").map(String::as_str), assignee: p.get("assignee").map(String::as_str) };
    let objects: Vec<Value> = ready::ready(b, &s.graph, &filter)
        .iter()
        .map(|r| {
            let mut o = query::item_object(b, &s.graph, r.node, None);
            o["unblocks"] = json!(r.unblocks);
            o
        })
        .collect();
    Ok(serde_json::to_vec(&json!({ "items": objects })).unwrap_or_default())
}

/// `GET /api/v1/graph?root=<id>&depth=N&relations=a,b`: as `cairn graph --format json`.
pub fn graph(s: &Snapshot, p: &Params) -> Result<Vec<u8>, ApiError> {
    allow(p, &["root", "depth", "relations"])?;
    let b = &s.backlog;
    let relations = list_param(p, "relations", "invalid_relation", MAX_TEXT)?;
    let known = render::relation_names(b);
    for r in &relations {
        if !known.contains(r) {
            let hint = crate::util::suggest::hint(r, known.iter().map(String::as_str));
            return Err(ApiError::bad(
                "invalid_relation",
                format!("unknown relation `{r}`{hint}"),
                json!({"parameter": "relations", "allowed": known}),
            ));
        }
    }
    let center = p.get("root").map(|id| find(s, id)).transpose()?;
    let depth = match p.get("depth") {
        None => None,
        Some(d) => match whole_number(d) {
            Some(n) if n <= 1000 => Some(n),
            _ => {
                return Err(ApiError::bad(
                    "invalid_depth",
                    format!("`depth` must be a whole number from 0 to 1000, not `{d}`"),
                    json!({"parameter": "depth"}),
                ))
            }
        },
    };
    if center.is_none() && depth.is_some() {
        return Err(ApiError::bad("invalid_depth", "`depth` needs `root`", json!({"parameter": "depth"})));
    }
    let sel = Selection {
        center,
        depth: depth.unwrap_or(2),
        relations: if relations.is_empty() { None } else { Some(relations) },
    };
    let sub = render::select(b, &s.graph, &sel);
    let v = render::json::render(b, &s.graph, s.schedule(), &sub);
    Ok(serde_json::to_vec(&v).unwrap_or_default())
}

/// Whether `s` has the shape of `YYYY-MM-DD` or an RFC 3339 date-time
/// (`super::openapi::TIME_PATTERN`).
fn time_shape(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let date = b.len() >= 10 && digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10);
    if !date {
        return false;
    }
    if b.len() == 10 {
        return true;
    }
    let time = b.len() >= 19
        && matches!(b[10], b'T' | b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !time {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()),
        _ => false,
    }
}

fn time_bound(p: &Params, name: &str, until: bool) -> Result<Option<i64>, ApiError> {
    let Some(spec) = p.get(name) else { return Ok(None) };
    if time_shape(spec) {
        if let Some(d) = crate::util::time::parse_date(spec) {
            let day = if until { d.succ_opt().unwrap_or(d) } else { d };
            let secs = day.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp()).unwrap_or(0);
            return Ok(Some(if until { secs - 1 } else { secs }));
        }
        if let Some(t) = crate::util::time::parse_datetime(&spec.to_ascii_uppercase()) {
            return Ok(Some(t.timestamp()));
        }
    }
    Err(ApiError::bad(
        "invalid_time",
        format!("`{name}` must be a date (YYYY-MM-DD) or an RFC 3339 time, not `{spec}`"),
        json!({"parameter": name}),
    ))
}

/// `GET /api/v1/events?since=&until=&item=&author=&limit=`: as `cairn log --format json`.
pub fn events(s: &Snapshot, p: &Params) -> Result<Vec<u8>, ApiError> {
    allow(p, &["since", "until", "item", "author", "limit"])?;
    let since = time_bound(p, "since", false)?;
    let until = time_bound(p, "until", true)?;
    let limit = match p.get("limit") {
        None => usize::MAX,
        Some(l) => whole_number(l).ok_or_else(|| {
            ApiError::bad(
                "invalid_limit",
                format!("`limit` must be a whole number, not `{l}`"),
                json!({"parameter": "limit"}),
            )
        })?,
    };
    let author = p.get("author").map(|a| a.to_lowercase());
    let item = p.get("item");
    let list: Vec<Value> = match &s.events {
        None => Vec::new(),
        Some(ev) => ev
            .events
            .iter()
            .filter(|e| {
                item.is_none_or(|id| &e.id == id)
                    && since.is_none_or(|t| e.seconds >= t)
                    && until.is_none_or(|t| e.seconds <= t)
                    && author
                        .as_deref()
                        .is_none_or(|w| e.author.to_lowercase().contains(w) || e.email.to_lowercase().contains(w))
            })
            .take(limit)
            .map(|e| json!(e))
            .collect(),
    };
    Ok(serde_json::to_vec(&json!({ "events": list })).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("a%2Fb+c", true).as_deref(), Some("a/b c"));
        assert_eq!(percent_decode("a+b", false).as_deref(), Some("a+b"));
        assert_eq!(percent_decode("%zz", true), None);
        assert_eq!(percent_decode("%ff", true), None);
        let p = parse_query("where=status%20%3D%3D%20%22done%22&limit=5").unwrap();
        assert_eq!(p["where"], "status == \"done\"");
    }

    #[test]
    fn cursors_round_trip() {
        let sort = vec![SortKey { field: "priority".into(), desc: true }];
        let o = json!({"id": "a", "priority": "high"});
        let c = cursor_of(&o, &sort);
        assert_eq!(decode_cursor(&c, &sort), Some(json!({"priority": "high", "id": "a"})));
        assert_eq!(decode_cursor("zz", &sort), None);
        assert_eq!(decode_cursor(&c, &[]), None);
    }
}
