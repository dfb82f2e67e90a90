//! The item objects of a build (the API's items, the `where` contexts),
//! reusing the last build's for items that did not change, and what a
//! fast build changed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value;

use super::snapshot::Snapshot;
use crate::engine::invalidate::related_of;
use crate::graph::Graph;
use crate::load::Backlog;
use crate::model::Item;
use crate::query::Derived;

fn is_draft(it: &Item) -> bool {
    it.status() == Some("draft") || it.labels.iter().any(|l| l == "draft")
}

/// What a fast build changed: ids whose item object changed (or that
/// appeared or vanished), their neighbours before the change, and the
/// sprints involved.
#[derive(Clone, Debug, Default)]
pub struct Touched {
    pub ids: BTreeSet<String>,
    pub old_neighbours: BTreeSet<String>,
    pub sprints: BTreeSet<String>,
}

/// The JSON of an item the API does not list.
const NULL: &[u8] = b"null";

/// An item object's JSON back as a value (`Null` for an item the API does
/// not list; a line this process wrote always parses).
pub(super) fn parse(json: &[u8]) -> Value {
    serde_json::from_slice(json).unwrap_or(Value::Null)
}

/// Whether an item object's JSON is that of a listed item.
pub(super) fn is_listed(json: &[u8]) -> bool {
    json != NULL
}

/// The `sprint` of an item object's JSON.
fn sprint_of(json: &[u8]) -> Option<String> {
    parse(json).get("sprint").and_then(Value::as_str).map(String::from)
}

/// `patched`: the backlog is the last one with the items at these indices
/// replaced (same ids everywhere): only those can have vanished.
pub(super) fn touched(last: &Snapshot, b: &Backlog, objs: &Objects, patched: Option<&[usize]>) -> Touched {
    let mut t = Touched::default();
    // An object's JSON is deterministic: the same bytes are the same object.
    for &i in &objs.recomputed {
        let id = b.items[i].id();
        let at = last.find(id);
        if at.map(|k| &*last.objects[k]) == Some(&*objs.json[i]) {
            continue;
        }
        t.ids.insert(id.to_string());
        t.sprints.extend(sprint_of(&objs.json[i]));
        if let Some(k) = at {
            t.sprints.extend(sprint_of(&last.objects[k]));
            t.old_neighbours.extend(related_of(&last.backlog, &last.graph, k));
        }
    }
    // Vanished items (whether an item is listed depends on itself and the
    // index only).
    let listed: Box<dyn Iterator<Item = usize> + '_> = match patched {
        Some(at) => Box::new(at.iter().copied().filter(|&k| k < last.objects.len() && is_listed(&last.objects[k]))),
        None => Box::new(last.listed.iter().copied()),
    };
    for k in listed {
        let id = last.backlog.items[k].id();
        if b.index.get(id).is_none_or(|&i| !is_listed(&objs.json[i])) {
            t.ids.insert(id.to_string());
            t.sprints.extend(sprint_of(&last.objects[k]));
            t.old_neighbours.extend(related_of(&last.backlog, &last.graph, k));
        }
    }
    t
}

/// The `where` context of an item object, as `query::context_value` makes
/// it (the object, with its custom fields also at the top level where they
/// do not shadow a key of the object), read from the object's JSON line
/// (shared with the snapshot, not copied): a value is found by scanning
/// the line's top-level keys, and parsed when an expression reads it.
/// (A copy of every object as minijinja values was some hundreds of
/// megabytes at 100,000 items; parsing every object for each query was
/// three times slower than the scan.)
#[derive(Debug)]
struct Context(Arc<[u8]>);

/// Finds one top-level key of a JSON object, skipping the other values
/// without building them.
struct Find<'k>(&'k str);

impl<'de> serde::de::Visitor<'de> for Find<'_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Option<Value>, A::Error> {
        let mut found = None;
        while let Some(k) = m.next_key::<&'de str>()? {
            if found.is_none() && k == self.0 {
                found = Some(m.next_value::<Value>()?);
            } else {
                m.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// The value of `key` in the JSON object `json` (`Err`: not an object
/// this scan reads, such as one with an escaped key).
fn lookup(json: &[u8], key: &str) -> Result<Option<Value>, serde_json::Error> {
    use serde::Deserializer as _;
    serde_json::Deserializer::from_slice(json).deserialize_map(Find(key))
}

impl Context {
    fn get(&self, k: &str) -> Option<Value> {
        match lookup(&self.0, k) {
            Ok(Some(v)) => Some(v),
            Ok(None) => match lookup(&self.0, "fields") {
                Ok(Some(Value::Object(mut f))) => f.remove(k),
                _ => None,
            },
            // The whole object, as `query::context_value` reads it.
            Err(_) => {
                let o = parse(&self.0);
                o.get(k).or_else(|| o.get("fields")?.as_object()?.get(k)).cloned()
            }
        }
    }
}

impl minijinja::value::Object for Context {
    fn get_value(self: &Arc<Self>, key: &minijinja::Value) -> Option<minijinja::Value> {
        let v = self.get(key.as_str()?)?;
        Some(minijinja::Value::from_serialize(&v))
    }

    fn enumerate(self: &Arc<Self>) -> minijinja::value::Enumerator {
        let o = parse(&self.0);
        let Some(o) = o.as_object() else { return minijinja::value::Enumerator::Empty };
        let mut keys: Vec<minijinja::Value> = o.keys().map(|k| minijinja::Value::from(k.as_str())).collect();
        if let Some(Value::Object(fields)) = o.get("fields") {
            keys.extend(
                fields.keys().filter(|k| !o.contains_key(k.as_str())).map(|k| minijinja::Value::from(k.as_str())),
            );
        }
        // In key order, as minijinja's own maps iterate.
        keys.sort();
        minijinja::value::Enumerator::Values(keys)
    }
}

/// The `where` context of an item object's JSON line (see [`Context`]).
pub(super) fn context_of(json: &Arc<[u8]>) -> minijinja::Value {
    minijinja::Value::from_object(Context(json.clone()))
}

/// Item objects, as JSON: one compact line per item, the only form held
/// (a `serde_json::Value` per item was ~5 KB, ten times its JSON: 500 MB
/// at 100,000 items); a request parses the few it reads back.
pub(super) struct Objects {
    /// Aligned with the backlog's items; `null` for items not listed.
    pub json: Vec<Arc<[u8]>>,
    pub listed: Vec<usize>,
    /// Indices computed afresh (not reused from the last build).
    pub recomputed: Vec<usize>,
}

/// An item's relations as (direction, type, other id), sorted: with the
/// item itself and the derived fields, all its object depends on.
fn neighbour_signature<'a>(b: &'a Backlog, g: &'a Graph, i: usize) -> Vec<(bool, &'a str, &'a str)> {
    let mut v: Vec<(bool, &str, &str)> = g.out[i]
        .iter()
        .map(|&e| (true, g.edges[e].ty.name(), b.items[g.edges[e].to].id()))
        .chain(g.inc[i].iter().map(|&e| (false, g.edges[e].ty.name(), b.items[g.edges[e].from].id())))
        .collect();
    v.sort_unstable();
    v
}

/// Which of the last build's item objects can be reused.
#[derive(Clone, Copy)]
pub(super) enum Reuse<'a> {
    None,
    /// Those of the items whose file did not change (not in the set of
    /// ids) and whose relations are the same.
    Relations(&'a Snapshot, &'a BTreeSet<String>),
    /// Same items at the same indices, same graph: all but those at the
    /// given indices (the patched items).
    Aligned(&'a Snapshot, &'a [usize]),
}

/// Whether the item at `i` is listed (it depends on itself and the index
/// only).
fn listed_at(b: &Backlog, i: usize, drafts: bool) -> bool {
    let it = &b.items[i];
    b.index.get(it.id()) == Some(&i) && crate::model::is_valid_id(it.id()) && (drafts || !is_draft(it))
}

/// The JSON of the object of the item at `i`.
fn object_json(b: &Backlog, g: &Graph, derived: &BTreeMap<String, Derived>, i: usize) -> Arc<[u8]> {
    let o = crate::query::item_object(b, g, i, derived.get(b.items[i].id()));
    Arc::from(serde_json::to_vec(&o).unwrap_or_else(|_| NULL.to_vec()))
}

/// Computes the item objects, reusing the last build's object of every
/// item whose file did not change and whose relations are the same.
pub(super) fn compute_objects(
    b: &Backlog,
    g: &Graph,
    derived: &BTreeMap<String, Derived>,
    drafts: bool,
    reuse: Reuse,
) -> Objects {
    let n = b.items.len();
    if let Reuse::Aligned(last, at) = reuse {
        if last.objects.len() == n {
            return patch_objects(b, g, derived, drafts, last, at);
        }
    }
    let null: Arc<[u8]> = Arc::from(NULL);
    let results: Vec<(Arc<[u8]>, bool)> = (0..n)
        .into_par_iter()
        .with_min_len(128)
        .map(|i| {
            let it = &b.items[i];
            if !listed_at(b, i, drafts) {
                return (null.clone(), false);
            }
            if let Reuse::Relations(last, changed) = reuse {
                if !changed.contains(it.id()) {
                    if let Some(k) = last.find(it.id()) {
                        if last.backlog.items[k].path == it.path
                            && neighbour_signature(b, g, i) == neighbour_signature(&last.backlog, &last.graph, k)
                        {
                            return (last.objects[k].clone(), false);
                        }
                    }
                }
            }
            (object_json(b, g, derived, i), true)
        })
        .collect();
    let mut json = Vec::with_capacity(n);
    let mut recomputed = Vec::new();
    for (i, (o, fresh)) in results.into_iter().enumerate() {
        json.push(o);
        if fresh {
            recomputed.push(i);
        }
    }
    let listed: Vec<usize> = (0..n).filter(|&i| is_listed(&json[i])).collect();
    Objects { json, listed, recomputed }
}

/// [`Reuse::Aligned`]: the last build's lines copied (a reference count
/// each, no object touched) and the objects at `at` made again.
fn patch_objects(
    b: &Backlog,
    g: &Graph,
    derived: &BTreeMap<String, Derived>,
    drafts: bool,
    last: &Snapshot,
    at: &[usize],
) -> Objects {
    let mut json = last.objects.clone();
    let mut recomputed = Vec::new();
    let mut listing_changed = false;
    for &i in at {
        let listed = listed_at(b, i, drafts);
        listing_changed |= listed != is_listed(&json[i]);
        if listed {
            json[i] = object_json(b, g, derived, i);
            recomputed.push(i);
        } else {
            json[i] = Arc::from(NULL);
        }
    }
    recomputed.sort_unstable();
    recomputed.dedup();
    let listed = match listing_changed {
        true => (0..json.len()).filter(|&i| is_listed(&json[i])).collect(),
        false => last.listed.clone(),
    };
    Objects { json, listed, recomputed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lazy_context_reads_like_the_copied_one() {
        let o = serde_json::json!({
            "id": "a", "title": "T", "estimate": 3, "labels": ["ml", "x"], "status": null,
            "fields": {"team": "growth", "title": "shadowed", "points": 2.5},
        });
        let env = minijinja::Environment::new();
        let lazy = context_of(&Arc::from(serde_json::to_vec(&o).unwrap()));
        let copied = crate::query::context_value(&o);
        for expr in [
            "id",
            "title",
            "estimate > 2",
            "'ml' in labels",
            "labels|length",
            "status is none",
            "team",
            "points * 2",
            "fields.team",
            "nope is defined",
            "title == 'T'",
        ] {
            let e = env.compile_expression(expr).unwrap();
            let (a, b) = (e.eval(lazy.clone()).unwrap(), e.eval(copied.clone()).unwrap());
            assert_eq!(a.to_string(), b.to_string(), "{expr}");
        }
        let keys = |v: &minijinja::Value| v.try_iter().unwrap().map(|k| k.to_string()).collect::<Vec<_>>();
        assert_eq!(keys(&lazy), keys(&copied));
        assert_eq!(keys(&lazy), ["estimate", "fields", "id", "labels", "points", "status", "team", "title"]);
    }

    #[test]
    fn a_key_is_found_by_scanning_and_an_escaped_key_falls_back_to_parsing() {
        let line = br#"{"a":{"k":[1,{"x":"y"}]},"b":null,"fields":{"c":"d\"e","b":5}}"#;
        assert_eq!(lookup(line, "b").unwrap(), Some(Value::Null), "present, null");
        assert_eq!(lookup(line, "z").unwrap(), None);
        let c = Context(Arc::from(&line[..]));
        assert_eq!(c.get("a"), Some(serde_json::json!({"k": [1, {"x": "y"}]})));
        assert_eq!(c.get("b"), Some(Value::Null), "the object's key shadows the custom field");
        assert_eq!(c.get("c"), Some(Value::from("d\"e")), "a custom field");
        assert_eq!(c.get("z"), None);
        // The scan does not read escaped keys: the whole object is parsed.
        let escaped = br#"{"q\"r":1,"s":2}"#;
        assert!(lookup(escaped, "s").is_err());
        assert_eq!(Context(Arc::from(&escaped[..])).get("s"), Some(Value::from(2)));
        assert_eq!(Context(Arc::from(&escaped[..])).get("q\"r"), Some(Value::from(1)));
    }
}
