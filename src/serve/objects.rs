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

/// `patched`: the backlog is the last one with the items at these indices
/// replaced (same ids everywhere): only those can have vanished.
pub(super) fn touched(last: &Snapshot, b: &Backlog, objs: &Objects, patched: Option<&[usize]>) -> Touched {
    let mut t = Touched::default();
    let sprint_of = |o: &Value| o.get("sprint").and_then(Value::as_str).map(String::from);
    for &i in &objs.recomputed {
        let id = b.items[i].id();
        let at = last.find(id);
        if at.map(|k| &*last.objects[k]) == Some(&*objs.objects[i]) {
            continue;
        }
        t.ids.insert(id.to_string());
        t.sprints.extend(sprint_of(&objs.objects[i]));
        if let Some(k) = at {
            t.sprints.extend(sprint_of(&last.objects[k]));
            t.old_neighbours.extend(related_of(&last.backlog, &last.graph, k));
        }
    }
    // Vanished items (whether an item is listed depends on itself and the
    // index only).
    let listed: Box<dyn Iterator<Item = usize> + '_> = match patched {
        Some(at) => Box::new(at.iter().copied().filter(|&k| k < last.objects.len() && !last.objects[k].is_null())),
        None => Box::new(last.listed.iter().copied()),
    };
    for k in listed {
        let id = last.backlog.items[k].id();
        if b.index.get(id).is_none_or(|&i| objs.objects[i].is_null()) {
            t.ids.insert(id.to_string());
            t.sprints.extend(sprint_of(&last.objects[k]));
            t.old_neighbours.extend(related_of(&last.backlog, &last.graph, k));
        }
    }
    t
}

/// The `where` context of an item object, as `query::context_value` makes
/// it (the object, with its custom fields also at the top level where they
/// do not shadow a key of the object), without copying the object: a value
/// is converted when an expression reads it. (A copy of every object as
/// minijinja values was some hundreds of megabytes at 100,000 items.)
#[derive(Debug)]
struct Context(Arc<Value>);

impl minijinja::value::Object for Context {
    fn get_value(self: &Arc<Self>, key: &minijinja::Value) -> Option<minijinja::Value> {
        let k = key.as_str()?;
        let v = self.0.get(k).or_else(|| self.0.get("fields")?.as_object()?.get(k))?;
        Some(minijinja::Value::from_serialize(v))
    }

    fn enumerate(self: &Arc<Self>) -> minijinja::value::Enumerator {
        let Some(o) = self.0.as_object() else { return minijinja::value::Enumerator::Empty };
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

/// The `where` context of an item object (see [`Context`]).
fn context_of(o: &Arc<Value>) -> minijinja::Value {
    minijinja::Value::from_object(Context(o.clone()))
}

/// An object's serialized form and expression context.
type Cached = (Arc<[u8]>, minijinja::Value);

/// Item objects and their cached forms.
pub(super) struct Objects {
    pub objects: Vec<Arc<Value>>,
    pub json: Vec<Arc<[u8]>>,
    pub contexts: Vec<minijinja::Value>,
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
    let results: Vec<(Arc<Value>, Option<Cached>, bool)> = (0..n)
        .into_par_iter()
        .with_min_len(128)
        .map(|i| {
            let it = &b.items[i];
            if let Reuse::Aligned(last, at) = reuse {
                // Whether an item is listed depends on itself and the index only.
                if !at.contains(&i) && last.objects.len() == n {
                    let cached = (last.objects_json[i].clone(), last.contexts[i].clone());
                    return (last.objects[i].clone(), Some(cached), false);
                }
            }
            let listed =
                b.index.get(it.id()) == Some(&i) && crate::model::is_valid_id(it.id()) && (drafts || !is_draft(it));
            if !listed {
                return (Arc::new(Value::Null), None, false);
            }
            if let Reuse::Relations(last, changed) = reuse {
                if !changed.contains(it.id()) {
                    if let Some(k) = last.find(it.id()) {
                        if last.backlog.items[k].path == it.path
                            && neighbour_signature(b, g, i) == neighbour_signature(&last.backlog, &last.graph, k)
                        {
                            let cached = (last.objects_json[k].clone(), last.contexts[k].clone());
                            return (last.objects[k].clone(), Some(cached), false);
                        }
                    }
                }
            }
            (Arc::new(crate::query::item_object(b, g, i, derived.get(it.id()))), None, true)
        })
        .collect();
    let mut objects = Vec::with_capacity(n);
    let mut cached = Vec::with_capacity(n);
    let mut recomputed = Vec::new();
    for (i, (o, c, fresh)) in results.into_iter().enumerate() {
        objects.push(o);
        cached.push(c);
        if fresh {
            recomputed.push(i);
        }
    }
    let forms: Vec<(Arc<[u8]>, minijinja::Value)> = cached
        .into_par_iter()
        .zip(objects.par_iter())
        .with_min_len(128)
        .map(|(c, o)| {
            c.unwrap_or_else(|| {
                let json: Arc<[u8]> = Arc::from(serde_json::to_vec(&**o).unwrap_or_else(|_| b"null".to_vec()));
                (json, context_of(o))
            })
        })
        .collect();
    let (json, contexts): (Vec<Arc<[u8]>>, Vec<minijinja::Value>) = forms.into_iter().unzip();
    let listed: Vec<usize> = (0..n).filter(|&i| !objects[i].is_null()).collect();
    Objects { objects, json, contexts, listed, recomputed }
}

/// [`Reuse::Aligned`]: the last build's vectors copied (a reference count
/// each, no object touched) and the objects at `at` made again.
fn patch_objects(
    b: &Backlog,
    g: &Graph,
    derived: &BTreeMap<String, Derived>,
    drafts: bool,
    last: &Snapshot,
    at: &[usize],
) -> Objects {
    let mut objects = last.objects.clone();
    let mut json = last.objects_json.clone();
    let mut contexts = last.contexts.clone();
    let mut recomputed = Vec::new();
    let mut listing_changed = false;
    for &i in at {
        let it = &b.items[i];
        // Whether an item is listed depends on itself and the index only.
        let listed =
            b.index.get(it.id()) == Some(&i) && crate::model::is_valid_id(it.id()) && (drafts || !is_draft(it));
        listing_changed |= listed == objects[i].is_null();
        if listed {
            let o = Arc::new(crate::query::item_object(b, g, i, derived.get(it.id())));
            json[i] = Arc::from(serde_json::to_vec(&*o).unwrap_or_else(|_| b"null".to_vec()));
            contexts[i] = context_of(&o);
            objects[i] = o;
            recomputed.push(i);
        } else {
            objects[i] = Arc::new(Value::Null);
            json[i] = Arc::from(&b"null"[..]);
            contexts[i] = context_of(&objects[i]);
        }
    }
    recomputed.sort_unstable();
    recomputed.dedup();
    let listed = match listing_changed {
        true => (0..objects.len()).filter(|&i| !objects[i].is_null()).collect(),
        false => last.listed.clone(),
    };
    Objects { objects, json, contexts, listed, recomputed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lazy_context_reads_like_the_copied_one() {
        let o = Arc::new(serde_json::json!({
            "id": "a", "title": "T", "estimate": 3, "labels": ["ml", "x"], "status": null,
            "fields": {"team": "growth", "title": "shadowed", "points": 2.5},
        }));
        let env = minijinja::Environment::new();
        let lazy = context_of(&o);
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
}
