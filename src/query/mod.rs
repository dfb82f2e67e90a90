//! Queries over items: the item object of the JSON contract, `where`
//! expressions (minijinja's expression language), sorting, field selection,
//! and table/CSV output.

pub mod columns;
pub mod export;
pub mod expr;
pub mod show;

pub use expr::{context_value, Filter};

use std::cmp::Ordering;
use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::graph::{EdgeType, Graph};
use crate::load::view::View;
use crate::load::Backlog;
use crate::model::Reference;

/// Derived values that are not in the front-matter (from git history).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Derived {
    pub created: Option<String>,
    pub updated: Option<String>,
    pub reporter: Option<String>,
}

/// A key of the item object, in the object's order (the last three only
/// on sprints).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    Id,
    Kind,
    Title,
    Status,
    StatusCategory,
    Priority,
    Assignee,
    Reporter,
    Created,
    Updated,
    Due,
    Start,
    Estimate,
    Labels,
    Sprint,
    Parent,
    Children,
    DependsOn,
    Blocks,
    RelatesTo,
    Duplicates,
    DuplicatedBy,
    References,
    ReferencedBy,
    Path,
    Checklist,
    Acceptance,
    Ml,
    Fields,
    End,
    Goal,
    Capacity,
}

/// Every key with its name, in the object's order.
const KEYS: [(Key, &str); 32] = [
    (Key::Id, "id"),
    (Key::Kind, "kind"),
    (Key::Title, "title"),
    (Key::Status, "status"),
    (Key::StatusCategory, "status_category"),
    (Key::Priority, "priority"),
    (Key::Assignee, "assignee"),
    (Key::Reporter, "reporter"),
    (Key::Created, "created"),
    (Key::Updated, "updated"),
    (Key::Due, "due"),
    (Key::Start, "start"),
    (Key::Estimate, "estimate"),
    (Key::Labels, "labels"),
    (Key::Sprint, "sprint"),
    (Key::Parent, "parent"),
    (Key::Children, "children"),
    (Key::DependsOn, "depends_on"),
    (Key::Blocks, "blocks"),
    (Key::RelatesTo, "relates_to"),
    (Key::Duplicates, "duplicates"),
    (Key::DuplicatedBy, "duplicated_by"),
    (Key::References, "references"),
    (Key::ReferencedBy, "referenced_by"),
    (Key::Path, "path"),
    (Key::Checklist, "checklist"),
    (Key::Acceptance, "acceptance"),
    (Key::Ml, "ml"),
    (Key::Fields, "fields"),
    (Key::End, "end"),
    (Key::Goal, "goal"),
    (Key::Capacity, "capacity"),
];

/// Whether the item object of item `i` has the sprint keys.
fn is_sprint(b: &(impl View + ?Sized), i: usize) -> bool {
    b.is_sprint(i)
}

/// The keys of the item object whose values come from what a [`View`]
/// answers and the graph (no whole item): what the query index's columns
/// hold.
const COLUMN_KEYS: [Key; 21] = [
    Key::Id,
    Key::Kind,
    Key::Status,
    Key::StatusCategory,
    Key::Priority,
    Key::Assignee,
    Key::Due,
    Key::Start,
    Key::Estimate,
    Key::Labels,
    Key::Sprint,
    Key::Parent,
    Key::Children,
    Key::DependsOn,
    Key::Blocks,
    Key::RelatesTo,
    Key::Duplicates,
    Key::DuplicatedBy,
    Key::ReferencedBy,
    Key::Path,
    Key::End,
];

/// Whether a `where` expression reading `names` (see [`Filter::reads`])
/// reads only keys of [`COLUMN_KEYS`]: then [`where_context`] needs no
/// whole item, and the query runs on the columns of the query index.
pub fn on_columns(names: &[String]) -> bool {
    names.iter().all(|n| KEYS.iter().any(|(k, name)| name == n && COLUMN_KEYS.contains(k)))
}

/// The value of a column key ([`COLUMN_KEYS`]) of item `i`, borrowed from
/// the view: made here only, then a JSON value ([`Col::json`], for the
/// object and `where`) or compact JSON text ([`Col::write`], for rows
/// written straight to the output).
enum Col<'a> {
    /// A string, or null.
    Str(Option<&'a str>),
    /// A list of strings.
    Strs(Vec<&'a str>),
    /// A number (integral ones as integers, [`num`]), or null.
    Num(Option<f64>),
    /// A date (`YYYY-MM-DD`), or null.
    Date(Option<chrono::NaiveDate>),
}

impl Col<'_> {
    fn json(&self) -> Value {
        match self {
            Col::Str(s) => json!(s),
            Col::Strs(v) => json!(v),
            Col::Num(x) => json!(x.map(num)),
            Col::Date(d) => json!(d.map(|d| d.to_string())),
        }
    }

    /// Appends the value as compact JSON, as `serde_json` writes
    /// [`Col::json`].
    fn write(&self, out: &mut Vec<u8>) {
        let _ = match self {
            Col::Str(s) => serde_json::to_writer(&mut *out, s),
            Col::Strs(v) => serde_json::to_writer(&mut *out, v),
            Col::Num(None) | Col::Date(None) => serde_json::to_writer(&mut *out, &()),
            Col::Num(Some(x)) => serde_json::to_writer(&mut *out, &num(*x)),
            Col::Date(Some(d)) => serde_json::to_writer(&mut *out, &d.to_string()),
        };
    }
}

/// The value of column key `key` of item `i` (`None` for a key that is
/// not a column): the one place each is made, from the view's facts and
/// the graph.
fn column_value<'a>(b: &'a (impl View + ?Sized), g: &Graph, i: usize, key: Key) -> Option<Col<'a>> {
    let targets = |ty: &EdgeType| g.targets(i, ty).collect::<Vec<_>>();
    let sources = |ty: &EdgeType| g.sources(i, ty).collect::<Vec<_>>();
    // Ids of items by index (sorted, once each): by id.
    let ids = |mut v: Vec<usize>| {
        v.sort_unstable();
        v.dedup();
        Col::Strs(v.into_iter().map(|x| b.id(x)).collect())
    };
    Some(match key {
        Key::Id => Col::Str(Some(b.id(i))),
        Key::Kind => Col::Str(Some(b.kind(i))),
        Key::Status => Col::Str(b.status(i)),
        Key::StatusCategory => Col::Str(b.category(i).map(|c| c.as_str())),
        Key::Priority => Col::Str(Some(b.priority(i))),
        Key::Assignee => Col::Strs(b.assignee(i)),
        Key::Due => Col::Date(b.due(i)),
        Key::Start => Col::Date(b.start(i)),
        Key::Estimate => Col::Num(b.estimate(i)),
        Key::Labels => Col::Strs(b.labels(i)),
        Key::Sprint => Col::Str(b.sprint(i)),
        Key::Parent => Col::Str(g.parent(i).map(|p| b.id(p)).or_else(|| b.parent_raw(i))),
        Key::Children => ids(sources(&EdgeType::Parent)),
        Key::DependsOn => ids(targets(&EdgeType::DependsOn)),
        Key::Blocks => ids(sources(&EdgeType::DependsOn)),
        Key::RelatesTo => {
            let mut relates = targets(&EdgeType::RelatesTo);
            relates.extend(sources(&EdgeType::RelatesTo));
            ids(relates)
        }
        Key::Duplicates => Col::Str(b.duplicates_raw(i)),
        Key::DuplicatedBy => ids(sources(&EdgeType::Duplicates)),
        Key::ReferencedBy => ids(sources(&EdgeType::References)),
        Key::Path => Col::Str(Some(b.path(i))),
        Key::End => Col::Date(b.end(i)),
        _ => return None,
    })
}

/// The value of one key of item `i`'s object (the one place each is made).
/// The keys of [`COLUMN_KEYS`] are made from the view's facts and the
/// graph ([`column_value`]); the others from the whole item (null if the
/// view lacks it).
fn key_value(
    b: &(impl View + ?Sized),
    g: &Graph,
    i: usize,
    derived: Option<&Derived>,
    stored: Option<&Map<String, Value>>,
    key: Key,
) -> Value {
    if let Some(c) = column_value(b, g, i, key) {
        return c.json();
    }
    match b.item(i) {
        Some(item) => item_key_value(item, derived, key),
        // The query index's JSON of the item's other keys.
        None => {
            let parsed;
            let map = match stored {
                Some(m) => Some(m),
                None => {
                    parsed = stored_row(b, i);
                    parsed.as_ref()
                }
            };
            let name = KEYS.iter().find(|(k, _)| *k == key).map_or("", |(_, n)| n);
            with_derived(map.and_then(|m| m.get(name)).cloned().unwrap_or(Value::Null), derived, key)
        }
    }
}

/// The item's own `reporter`, `created` or `updated` (`own`), else the
/// one derived from history; any other key's value as it is.
fn with_derived(own: Value, derived: Option<&Derived>, key: Key) -> Value {
    if !own.is_null() {
        return own;
    }
    match key {
        Key::Reporter => json!(derived.and_then(|d| d.reporter.clone())),
        Key::Created => json!(derived.and_then(|d| d.created.clone())),
        Key::Updated => json!(derived.and_then(|d| d.updated.clone())),
        _ => own,
    }
}

/// The query index's JSON object of item `i`'s non-column keys, parsed.
fn stored_row(b: &(impl View + ?Sized), i: usize) -> Option<Map<String, Value>> {
    match serde_json::from_str(b.row_json(i)?) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// Item `i`'s keys that are not columns ([`COLUMN_KEYS`]), made from the
/// whole item without history, as one JSON object: what the query index
/// stores per item for the rows a query prints ([`View::row_json`]).
pub fn row_json(b: &Backlog, i: usize) -> String {
    let item = &b.items[i];
    let mut o = Map::new();
    for &(key, name) in KEYS.iter().filter(|(k, _)| !COLUMN_KEYS.contains(k)) {
        o.insert(name.to_string(), item_key_value(item, None, key));
    }
    Value::Object(o).to_string()
}

/// The value of a key that is not a column ([`COLUMN_KEYS`]), from the
/// whole item.
fn item_key_value(item: &crate::model::Item, derived: Option<&Derived>, key: Key) -> Value {
    match key {
        Key::Title => json!(item.title.value),
        Key::Reporter => with_derived(json!(item.reporter), derived, key),
        Key::Created => with_derived(json!(item.created), derived, key),
        Key::Updated => with_derived(json!(item.updated), derived, key),
        Key::References => Value::Array(
            item.references
                .iter()
                .map(|r| match r {
                    Reference::Item(id) => Value::String(id.value.clone()),
                    Reference::Url { url, title } => {
                        let mut o = Map::new();
                        o.insert("url".into(), Value::String(url.value.clone()));
                        if let Some(t) = title {
                            o.insert("title".into(), Value::String(t.clone()));
                        }
                        Value::Object(o)
                    }
                })
                .collect(),
        ),
        Key::Checklist => json!(item.checklist),
        Key::Acceptance => json!(item.acceptance),
        Key::Ml => json!(item.ml),
        Key::Fields => Value::Object(item.fields.iter().map(|(k, v)| (k.clone(), v.value.clone())).collect()),
        Key::Goal => json!(item.goal),
        Key::Capacity => json!(item.capacity),
        // The column keys are made in `key_value`.
        _ => Value::Null,
    }
}

/// The item object of `cli.md` for item `i`, without the body.
pub fn item_object(b: &Backlog, g: &Graph, i: usize, derived: Option<&Derived>) -> Value {
    item_object_in(b, g, i, derived)
}

/// [`item_object`] over any [`View`] of the items (the non-column keys are null where it has no whole item).
pub fn item_object_in(b: &(impl View + ?Sized), g: &Graph, i: usize, derived: Option<&Derived>) -> Value {
    let keys = if is_sprint(b, i) { &KEYS[..] } else { &KEYS[..KEYS.len() - 3] };
    let stored = if b.item(i).is_none() { stored_row(b, i) } else { None };
    let mut o = Map::with_capacity(keys.len());
    for &(key, name) in keys {
        o.insert(name.to_string(), key_value(b, g, i, derived, stored.as_ref(), key));
    }
    Value::Object(o)
}

/// Appends item `i`'s object — the one [`item_object_in`] makes, then the
/// `extra` keys — to `out` as pretty JSON nested `depth` levels deep,
/// byte for byte what the pretty printer writes for that object, without
/// building it when the view holds the item's stored row
/// ([`View::row_json`]): the column keys from the view and the graph, the
/// others copied from the row (laid out by [`crate::util::json::pretty_into`]).
pub fn write_item_object_in(
    out: &mut Vec<u8>,
    b: &(impl View + ?Sized),
    g: &Graph,
    i: usize,
    derived: Option<&Derived>,
    extra: &[(&str, Value)],
    depth: usize,
) {
    use crate::util::json::{members, pretty_into};
    let stored = if b.item(i).is_none() { b.row_json(i).and_then(members) } else { None };
    let Some(stored) = stored else {
        // A whole item, or no stored row: the object itself.
        let mut o = item_object_in(b, g, i, derived);
        for (k, v) in extra {
            o[*k] = v.clone();
        }
        pretty_into(out, o.to_string().as_bytes(), depth);
        return;
    };
    let keys = if is_sprint(b, i) { &KEYS[..] } else { &KEYS[..KEYS.len() - 3] };
    let mut scratch = Vec::new();
    let mut first = true;
    let mut member = |out: &mut Vec<u8>, name: &str, compact: &[u8]| {
        out.extend_from_slice(if first { b"{\n" } else { b",\n" });
        first = false;
        out.extend(std::iter::repeat_n(b' ', (depth + 1) * 2));
        // Key names are plain (ours, or `extra`'s): escaped all the same.
        let _ = serde_json::to_writer(&mut *out, name);
        out.extend_from_slice(b": ");
        pretty_into(out, compact, depth + 1);
    };
    for &(key, name) in keys {
        scratch.clear();
        let raw = if COLUMN_KEYS.contains(&key) {
            None
        } else {
            // As `key_value` reads the stored row: the key's value, null
            // when absent; a null reporter, created or updated from history.
            let value = stored.iter().find(|(k, _)| k.len() == name.len() + 2 && &k[1..k.len() - 1] == name);
            match value.map_or("null", |(_, v)| *v) {
                "null" if matches!(key, Key::Reporter | Key::Created | Key::Updated) => None,
                v => Some(v),
            }
        };
        let compact = match raw {
            Some(v) => v.as_bytes(),
            None => {
                match column_value(b, g, i, key) {
                    Some(c) => c.write(&mut scratch),
                    None => {
                        let _ = serde_json::to_writer(&mut scratch, &with_derived(Value::Null, derived, key));
                    }
                }
                &scratch[..]
            }
        };
        member(out, name, compact);
    }
    for (k, v) in extra {
        let compact = v.to_string();
        member(out, k, compact.as_bytes());
    }
    out.push(b'\n');
    out.extend(std::iter::repeat_n(b' ', depth * 2));
    out.push(b'}');
}

/// Writes `{"items": [...]}` of the objects of `rows` (in that order, the
/// row at position `k` with the keys `extra(k)` after its own) as the
/// pretty printer writes it, with a trailing newline: what
/// `serde_json::to_writer_pretty` of the objects prints, made a chunk of
/// rows at a time in parallel ([`write_item_object_in`]).
pub fn write_items_in<W: std::io::Write>(
    w: &mut W,
    b: &(impl View + ?Sized),
    g: &Graph,
    rows: &[usize],
    derived: &std::collections::BTreeMap<String, Derived>,
    extra: &(dyn Fn(usize) -> Vec<(&'static str, Value)> + Sync),
) -> std::io::Result<()> {
    use rayon::prelude::*;
    if rows.is_empty() {
        return w.write_all(b"{\n  \"items\": []\n}\n");
    }
    w.write_all(b"{\n  \"items\": [")?;
    const CHUNK: usize = 512;
    let positions: Vec<usize> = (0..rows.len()).collect();
    for group in positions.chunks(CHUNK * 16) {
        let parts: Vec<Vec<u8>> = group
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut out = Vec::with_capacity(chunk.len() * 1024);
                for &k in chunk {
                    out.extend_from_slice(if k == 0 { b"\n    " } else { b",\n    " });
                    let i = rows[k];
                    write_item_object_in(&mut out, b, g, i, derived.get(b.id(i)), &extra(k), 2);
                }
                out
            })
            .collect();
        for part in parts {
            w.write_all(&part)?;
        }
    }
    w.write_all(b"\n  ]\n}\n")
}

/// What a `where` expression sees of item `i`: only the `names` it reads,
/// each with the value of [`Filter::apply`]'s context over the whole item
/// object (a key of the object, else a custom field of that name, else
/// nothing), so that it evaluates the same without the object being built.
pub fn where_context(b: &Backlog, g: &Graph, i: usize, derived: Option<&Derived>, names: &[String]) -> Value {
    where_context_in(b, g, i, derived, names)
}

/// [`where_context`] over any [`View`] of the items.
pub fn where_context_in(
    b: &(impl View + ?Sized),
    g: &Graph,
    i: usize,
    derived: Option<&Derived>,
    names: &[String],
) -> Value {
    let mut o = Map::with_capacity(names.len());
    for (name, v) in where_values(b, g, i, derived, names) {
        o.insert(name.clone(), v);
    }
    Value::Object(o)
}

/// [`where_context_in`] as the value [`Filter::apply_reduced`] makes of it
/// for the expression (each value converted alike, in the same order),
/// without the JSON object in between; `keys` are `names` as minijinja
/// values (made once for every item).
pub fn where_context_value_in(
    b: &(impl View + ?Sized),
    g: &Graph,
    i: usize,
    derived: Option<&Derived>,
    names: &[String],
    keys: &[minijinja::Value],
) -> minijinja::Value {
    where_values(b, g, i, derived, names)
        .map(|(name, v)| {
            let key = names.iter().position(|n| n == name).and_then(|k| keys.get(k));
            (
                key.cloned().unwrap_or_else(|| minijinja::Value::from(name.as_str())),
                minijinja::Value::from_serialize(&v),
            )
        })
        .collect()
}

/// The (name, value) pairs of [`where_context_in`], in the order of `names`.
fn where_values<'a>(
    b: &'a (impl View + ?Sized),
    g: &'a Graph,
    i: usize,
    derived: Option<&'a Derived>,
    names: &'a [String],
) -> impl Iterator<Item = (&'a String, Value)> + 'a {
    let sprint = is_sprint(b, i);
    names.iter().filter_map(move |name| {
        let key =
            KEYS.iter().find(|(k, n)| n == name && (sprint || !matches!(k, Key::End | Key::Goal | Key::Capacity)));
        let value = match key {
            Some(&(key, _)) => Some(key_value(b, g, i, derived, None, key)),
            None => b.item(i).and_then(|it| it.fields.get(name)).map(|f| f.value.clone()),
        };
        value.map(|v| (name, v))
    })
}

/// `cairn impact ID --format json` (also `GET /api/v1/impact/<id>`): what
/// slips if item `i` slips, with the schedule's critical flag and slack.
/// A `via` path longer than [`crate::graph::impact::VIA_MAX`] hops keeps its
/// last hops (ending at the item) and has `via_truncated: true`.
pub fn impact_json(b: &Backlog, g: &Graph, s: &crate::graph::schedule::Schedule, i: usize) -> Value {
    impact_json_in(b, g, s, i)
}

/// [`impact_json`] over any [`View`] of the items (with the whole items of `i`'s delayed ones).
pub fn impact_json_in(b: &(impl View + ?Sized), g: &Graph, s: &crate::graph::schedule::Schedule, i: usize) -> Value {
    use crate::graph::impact;
    let im = impact::impact(b, g, i);
    let list: Vec<Value> = im
        .delayed
        .iter()
        .map(|d| {
            let via = im.via(d.node, impact::VIA_MAX);
            json!({
                "id": b.id(d.node),
                "kind": b.kind(d.node),
                "title": key_value(b, g, d.node, None, None, Key::Title),
                "status": b.status(d.node),
                "distance": d.distance,
                "via": via.nodes.iter().map(|&v| b.id(v)).collect::<Vec<_>>(),
                "via_truncated": via.cut > 0,
            })
        })
        .collect();
    let t = s.get(i);
    json!({
        "id": b.id(i),
        "delayed": list,
        "by_kind": impact::by_kind(b, &im.delayed),
        "critical": t.is_some_and(|t| t.critical),
        "slack_days": t.map(|t| num(crate::graph::render::json::round(t.slack))),
    })
}

/// Integral floats print as integers (`5`, not `5.0`).
pub use crate::util::json::num;

/// An error in a query: bad expression, unknown sort key or field.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum QueryError {
    #[error("invalid --where expression: {0}")]
    Where(String),
    #[error("unknown sort key `{0}`{1}")]
    Sort(String, String),
    #[error("unknown field `{0}`{1}")]
    Field(String, String),
    /// A `where` expression went over a limit of [`expr`] (steps, size,
    /// time).
    #[error("the --where expression is too expensive: {0}")]
    TooExpensive(String),
}

/// A sort key: a field and a direction.
#[derive(Clone, Debug, PartialEq)]
pub struct SortKey {
    pub field: String,
    pub desc: bool,
}

/// Parses `priority:desc,id`.
pub fn parse_sort(spec: &str) -> Result<Vec<SortKey>, QueryError> {
    let mut out = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (field, dir) = part.split_once(':').unwrap_or((part, "asc"));
        let desc = match dir {
            "asc" => false,
            "desc" => true,
            other => {
                return Err(QueryError::Sort(part.to_string(), format!(": direction `{other}` must be asc or desc")))
            }
        };
        out.push(SortKey { field: field.to_string(), desc });
    }
    Ok(out)
}

/// Every field name an item object has (for validation and hints).
pub const OBJECT_FIELDS: &[&str] = &[
    "id",
    "kind",
    "title",
    "status",
    "status_category",
    "priority",
    "assignee",
    "reporter",
    "created",
    "updated",
    "due",
    "start",
    "estimate",
    "labels",
    "sprint",
    "parent",
    "children",
    "depends_on",
    "blocks",
    "relates_to",
    "duplicates",
    "duplicated_by",
    "references",
    "referenced_by",
    "path",
    "checklist",
    "acceptance",
    "ml",
    "fields",
    "body",
];

/// Fields only some item objects have (sprints; `unblocks` of ready items).
pub const EXTRA_FIELDS: &[&str] = &["end", "goal", "capacity", "unblocks"];

/// Every name `sort` and `fields` accept, in a stable order.
pub fn field_names(b: &Backlog) -> Vec<&str> {
    let mut v: Vec<&str> = OBJECT_FIELDS.iter().chain(EXTRA_FIELDS).copied().collect();
    v.extend(
        b.config.fields.keys().map(String::as_str).filter(|k| !OBJECT_FIELDS.contains(k) && !EXTRA_FIELDS.contains(k)),
    );
    v
}

fn check_name(name: &str, b: &(impl View + ?Sized), make: fn(String, String) -> QueryError) -> Result<(), QueryError> {
    if OBJECT_FIELDS.contains(&name) || b.config().fields.contains_key(name) || EXTRA_FIELDS.contains(&name) {
        return Ok(());
    }
    let all = OBJECT_FIELDS.iter().copied().chain(b.config().fields.keys().map(String::as_str));
    Err(make(name.to_string(), crate::util::suggest::hint(name, all)))
}

/// Validates sort keys and fields against the known names.
pub fn validate_names(b: &Backlog, sort: &[SortKey], fields: &[String]) -> Result<(), QueryError> {
    validate_names_in(b, sort, fields)
}

/// [`validate_names`] over any [`View`].
pub fn validate_names_in(b: &(impl View + ?Sized), sort: &[SortKey], fields: &[String]) -> Result<(), QueryError> {
    for k in sort {
        check_name(&k.field, b, QueryError::Sort)?;
    }
    for f in fields {
        check_name(f, b, QueryError::Field)?;
    }
    Ok(())
}

/// A field of an item object (custom fields by their name too).
pub fn get<'a>(object: &'a Value, field: &str) -> &'a Value {
    match object.get(field) {
        Some(v) => v,
        None => object.get("fields").and_then(|f| f.get(field)).unwrap_or(&Value::Null),
    }
}

/// Compares two objects by the sort keys; priority sorts by importance
/// (ascending: `lowest` first; `desc`: most important first), status by
/// workflow order; nulls sort last; ties by id.
pub fn compare(b: &Backlog, a: &Value, c: &Value, keys: &[SortKey]) -> Ordering {
    compare_in(b, a, c, keys)
}

/// [`compare`] over any [`View`].
pub fn compare_in(b: &(impl View + ?Sized), a: &Value, c: &Value, keys: &[SortKey]) -> Ordering {
    for k in keys {
        let (x, y) = (get(a, &k.field), get(c, &k.field));
        let ord = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => return Ordering::Greater,
            (false, true) => return Ordering::Less,
            _ => {
                let o = match k.field.as_str() {
                    "priority" => rank_priority(x).cmp(&rank_priority(y)),
                    "status" => rank_status(b, x).cmp(&rank_status(b, y)),
                    _ => compare_values(x, y),
                };
                if k.desc {
                    o.reverse()
                } else {
                    o
                }
            }
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    get(a, "id").as_str().cmp(&get(c, "id").as_str())
}

/// A priority's importance: `lowest` 0 … `highest` 4 (`PRIORITIES` lists
/// them most important first); an unknown value counts as `medium`.
fn rank_priority(v: &Value) -> usize {
    let p = v.as_str().unwrap_or("medium");
    let all = crate::config::PRIORITIES;
    all.len() - 1 - all.iter().position(|x| *x == p).unwrap_or(all.len() / 2)
}

fn rank_status(b: &(impl View + ?Sized), v: &Value) -> usize {
    let s = v.as_str().unwrap_or("");
    b.config().statuses.iter().position(|x| x.name == s).unwrap_or(usize::MAX)
}

fn compare_values(x: &Value, y: &Value) -> Ordering {
    match (x, y) {
        (Value::Number(a), Value::Number(c)) => a.as_f64().partial_cmp(&c.as_f64()).unwrap_or(Ordering::Equal),
        (Value::String(a), Value::String(c)) => a.cmp(c),
        (Value::Bool(a), Value::Bool(c)) => a.cmp(c),
        (Value::Array(a), Value::Array(c)) => {
            for (p, q) in a.iter().zip(c) {
                let o = compare_values(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            a.len().cmp(&c.len())
        }
        _ => display(x).cmp(&display(y)),
    }
}

/// A value as plain text for tables and CSV: lists joined with ", ".
pub fn display(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(display).collect::<Vec<_>>().join(", "),
        Value::Object(o) if o.contains_key("done") && o.contains_key("total") => {
            format!("{}/{}", display(&o["done"]), display(&o["total"]))
        }
        Value::Object(o) if o.contains_key("url") => display(&o["url"]),
        other => other.to_string(),
    }
}

/// Keeps only `fields` of an object (in that order).
pub fn select(object: &Value, fields: &[String]) -> Value {
    let mut o = Map::new();
    for f in fields {
        o.insert(f.clone(), get(object, f).clone());
    }
    Value::Object(o)
}

/// An aligned text table.
pub fn table(rows: &[Value], fields: &[String]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| fields.iter().map(|f| display(get(r, f)).replace(['\n', '\r', '\t'], " ")).collect())
        .collect();
    let mut widths: Vec<usize> = fields.iter().map(|f| f.chars().count()).collect();
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count()).min(60);
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, row: &[String]| {
        let n = row.len();
        for (i, (c, w)) in row.iter().zip(&widths).enumerate() {
            let text: String = if c.chars().count() > *w {
                format!("{}…", c.chars().take(w - 1).collect::<String>())
            } else {
                c.clone()
            };
            if i + 1 == n {
                out.push_str(&text);
            } else {
                out.push_str(&text);
                out.push_str(&" ".repeat(w - text.chars().count() + 2));
            }
        }
        out.push('\n');
    };
    let header: Vec<String> = fields.iter().map(|f| f.to_uppercase()).collect();
    line(&mut out, &header);
    for row in &cells {
        line(&mut out, row);
    }
    out
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// RFC 4180 CSV with a header row.
pub fn csv(rows: &[Value], fields: &[String]) -> String {
    let mut out = fields.iter().map(|f| csv_cell(f)).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&fields.iter().map(|f| csv_cell(&display(get(r, f)))).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// Distinct values, sorted (for did-you-mean lists and facets).
pub fn distinct<'a>(it: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    it.into_iter().collect::<BTreeSet<_>>().into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_specs() {
        assert_eq!(
            parse_sort("priority:desc, id").unwrap(),
            vec![SortKey { field: "priority".into(), desc: true }, SortKey { field: "id".into(), desc: false }]
        );
        assert!(parse_sort("id:up").is_err());
    }

    #[test]
    fn priority_sorts_by_importance_desc_most_important_first() {
        let names = crate::config::PRIORITIES; // most important first
                                               // Objects in a scrambled order, ids chosen so that id order is not priority order.
        let objects: Vec<Value> =
            [2, 4, 0, 3, 1].iter().map(|&k| json!({"id": format!("x{}", 9 - k), "priority": names[k]})).collect();
        let order = |spec: &str| {
            let keys = parse_sort(spec).unwrap();
            let b = crate::graph::impact::tests::backlog(&[]);
            let mut v = objects.clone();
            v.sort_by(|a, c| compare(&b, a, c, &keys));
            v.iter().map(|o| o["priority"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        };
        let most_first: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let least_first: Vec<String> = names.iter().rev().map(|s| s.to_string()).collect();
        assert_eq!(order("priority:desc"), most_first);
        assert_eq!(order("priority"), least_first);
        assert_eq!(order("priority:asc"), least_first);
    }

    #[test]
    fn csv_quotes() {
        let rows = vec![json!({"id": "a", "title": "Say \"hi\", then go"})];
        assert_eq!(csv(&rows, &["id".into(), "title".into()]), "id,title\r\na,\"Say \"\"hi\"\", then go\"\r\n");
    }

    #[test]
    fn table_aligns() {
        let rows = vec![json!({"id": "a", "title": "T"}), json!({"id": "long-id", "title": "U"})];
        assert_eq!(table(&rows, &["id".into(), "title".into()]), "ID       TITLE\na        T\nlong-id  U\n");
    }
}

#[cfg(test)]
mod where_tests {
    use super::*;

    /// A backlog whose configuration declares the custom fields `team` and
    /// `goal` (a sprint's own key too).
    fn backlog(files: &[(&str, &str)]) -> Backlog {
        let yml = "fields:\n  team: { type: string }\n  goal: { type: string }\n";
        let cfg = crate::config::Config::parse(yml, std::path::Path::new("cairn.yml")).unwrap();
        let items: Vec<_> = files.iter().filter_map(|(p, t)| crate::load::parse_item_text(t, p, &cfg).0).collect();
        assert_eq!(items.len(), files.len(), "every fixture parses");
        Backlog::from_items(".".into(), cfg, items, vec![], files.len())
    }

    /// The ids `expr` keeps, evaluated on whole item objects and on the
    /// contexts of only the names it reads.
    fn both(b: &Backlog, g: &Graph, expr: &str) -> (Vec<String>, Vec<String>) {
        let f = Filter::new(expr).unwrap();
        let n = b.items.len();
        let objects: Vec<Value> = (0..n).map(|i| item_object(b, g, i, None)).collect();
        let whole = f.apply(objects.iter()).unwrap();
        let names = f.reads().expect("reads only names").to_vec();
        let reduced = f.apply_reduced((0..n).map(|i| where_context(b, g, i, None, &names))).unwrap();
        // The context made as a minijinja value straight: the same value,
        // the same answers.
        let keys: Vec<minijinja::Value> = names.iter().map(|n| minijinja::Value::from(n.as_str())).collect();
        for i in 0..n {
            assert_eq!(
                where_context_value_in(b, g, i, None, &names, &keys),
                minijinja::Value::from_serialize(where_context(b, g, i, None, &names)),
                "{expr}, item {i}"
            );
        }
        let straight =
            f.apply_contexts((0..n).map(|i| where_context_value_in(b, g, i, None, &names, &keys)), None).unwrap();
        assert_eq!(straight, reduced, "{expr}");
        let ids = |keep: Vec<bool>| -> Vec<String> {
            (0..n).filter(|&i| keep[i]).map(|i| b.items[i].id().to_string()).collect()
        };
        (ids(whole), ids(reduced))
    }

    #[test]
    fn a_context_of_the_names_read_keeps_what_the_whole_object_keeps() {
        let b = backlog(&[
            ("tasks/a.md", "---\ntitle: A\nstatus: ready\nestimate: 5\nteam: growth\n---\n"),
            ("tasks/b.md", "---\ntitle: B\nstatus: ready\nestimate: 2\ndepends_on: [a]\nteam: core\n---\n"),
            ("tasks/c.md", "---\ntitle: C\nstatus: done\nlabels: [x]\ngoal: not a sprint\n---\n"),
            ("sprints/s1.md", "---\ntitle: S1\nstart: 2026-01-05\nend: 2026-01-16\ngoal: Ship it\n---\n"),
        ]);
        let g = Graph::build(&b);
        // (expression, the ids it keeps, by construction of the fixtures).
        let cases: &[(&str, &[&str])] = &[
            ("status == \"ready\" and estimate > 3", &["a"]),
            ("estimate > 1", &["a", "b"]),
            ("team == \"core\"", &["b"]),
            ("fields.team == \"growth\"", &["a"]),
            ("\"a\" in depends_on", &["b"]),
            ("blocks | length > 0", &["a"]),
            ("\"x\" in labels", &["c"]),
            // `goal` is the sprint's own key on s1, a custom field on c.
            ("goal is defined", &["c", "s1"]),
            ("goal == \"Ship it\"", &["s1"]),
            ("end is defined and kind == \"sprint\"", &["s1"]),
            ("nosuch is not defined and id != \"a\"", &["b", "c", "s1"]),
        ];
        for (expr, want) in cases {
            let (whole, reduced) = both(&b, &g, expr);
            assert_eq!(whole, *want, "{expr} on whole objects");
            assert_eq!(reduced, *want, "{expr} on the names it reads");
        }
    }

    #[test]
    fn debug_sees_the_whole_context() {
        assert!(Filter::new("debug() | length > 0").unwrap().reads().is_none());
        assert_eq!(Filter::new("estimate in range(3)").unwrap().reads(), Some(&["estimate".to_string()][..]));
    }
}
