//! Item states before and after a commit → events, matched by id.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::blob::State;

/// What happened to an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Created,
    Updated,
    Deleted,
    Renamed,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Deleted => "deleted",
            Action::Renamed => "renamed",
        }
    }
}

/// One change of one item in one commit, without the commit's metadata
/// (`commit` indexes [`super::Events::commits`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RawEvent {
    #[serde(rename = "c")]
    pub commit: u32,
    pub id: String,
    pub path: String,
    #[serde(rename = "a")]
    pub action: Action,
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
    /// For a `renamed` event that also changed the id (`cairn mv`): the id before.
    #[serde(rename = "i", default, skip_serializing_if = "Option::is_none")]
    pub old_id: Option<String>,
}

/// Relation fields: lists compared as sets (order does not matter).
pub const SET_FIELDS: &[&str] = &["depends_on", "blocks", "relates_to", "references"];

/// Whether two values of `field` are the same change-wise.
pub fn same(field: &str, a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(Value::Array(x)), Some(Value::Array(y))) if SET_FIELDS.contains(&field) => {
            let key = |v: &Vec<Value>| {
                let mut k: Vec<String> = v.iter().map(|e| e.to_string()).collect();
                k.sort();
                k
            };
            key(x) == key(y)
        }
        _ => a == b,
    }
}

/// The field-level changes from `old` to `new` (body as one `body` change),
/// sorted by field name: `(field, old, new)`.
pub fn field_changes(old: &State, new: &State) -> Vec<(String, Option<Value>, Option<Value>)> {
    let mut keys: Vec<&String> = old.fields.keys().chain(new.fields.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    let mut body_done = false;
    for k in keys {
        if k.as_str() > "body" && !body_done {
            body_done = true;
            if old.body != new.body {
                out.push(("body".to_string(), None, None));
            }
        }
        if k == "id" {
            continue;
        }
        let (a, b) = (old.fields.get(k), new.fields.get(k));
        if !same(k, a, b) {
            out.push((k.clone(), a.cloned(), b.cloned()));
        }
    }
    if !body_done && old.body != new.body {
        out.push(("body".to_string(), None, None));
    }
    out
}

/// The events of one commit: `before` and `after` are `(path, state)` of the
/// changed files (root-relative paths). Items are matched by id; events come
/// out sorted by id, then field (the created/deleted/renamed event first).
pub fn commit_events(commit: u32, before: &[(String, &State)], after: &[(String, &State)], out: &mut Vec<RawEvent>) {
    let index = |side: &[(String, &State)]| {
        let mut m: BTreeMap<String, (String, State)> = BTreeMap::new();
        for (p, s) in side {
            // Several changed files with one id: the first path wins.
            let id = s.id(p);
            match m.get(&id) {
                Some((q, _)) if q <= p => {}
                _ => {
                    m.insert(id, (p.clone(), (*s).clone()));
                }
            }
        }
        m
    };
    let mut old = index(before);
    let new = index(after);
    let renames = id_renames(&old, &new, before, after);
    let ev = |id: &str, path: &str, action, field: Option<String>, old: Option<Value>, new: Option<Value>| RawEvent {
        commit,
        id: id.to_string(),
        path: path.to_string(),
        action,
        field,
        old,
        new,
        old_id: None,
    };
    // An item whose file moved and whose id changed with it (`cairn mv`):
    // one `renamed` event under the new id, naming the old one.
    let mut renamed_from: BTreeMap<String, (String, State)> = BTreeMap::new();
    for (old_id, new_id) in &renames {
        if let Some(entry) = old.remove(old_id) {
            renamed_from.insert(new_id.clone(), entry);
        }
    }
    let mut ids: Vec<String> = old.keys().chain(new.keys()).cloned().collect();
    ids.sort();
    ids.dedup();
    for id in &ids {
        let id = id.as_str();
        if let (Some((op, os)), Some((np, ns))) = (renamed_from.get(id), new.get(id)) {
            let old_id = renames.iter().find(|(_, n)| n.as_str() == id).map(|(o, _)| o.clone());
            let mut e =
                ev(id, np, Action::Renamed, None, Some(Value::String(op.clone())), Some(Value::String(np.clone())));
            e.old_id = old_id;
            out.push(e);
            for (f, a, b) in field_changes(os, ns) {
                out.push(ev(id, np, Action::Updated, Some(f), a, b));
            }
            continue;
        }
        match (old.get(id), new.get(id)) {
            (None, Some((p, s))) => out.push(ev(id, p, Action::Created, None, None, Some(s.object()))),
            (Some((p, s)), None) => out.push(ev(id, p, Action::Deleted, None, Some(s.object()), None)),
            (Some((op, os)), Some((np, ns))) => {
                if op != np {
                    out.push(ev(
                        id,
                        np,
                        Action::Renamed,
                        None,
                        Some(Value::String(op.clone())),
                        Some(Value::String(np.clone())),
                    ));
                }
                for (f, a, b) in field_changes(os, ns) {
                    out.push(ev(id, np, Action::Updated, Some(f), a, b));
                }
            }
            (None, None) => {}
        }
    }
}

/// Items that disappeared from one path and appeared at another in the same
/// commit under another id, with the same front-matter but for `id` (the
/// body may differ): old id → new id. Only when both paths changed (the
/// old file is gone, the new one did not exist), so an `id:` edited in
/// place stays a delete and a create. Linear: states are matched by a key.
fn id_renames(
    old: &BTreeMap<String, (String, State)>,
    new: &BTreeMap<String, (String, State)>,
    before: &[(String, &State)],
    after: &[(String, &State)],
) -> BTreeMap<String, String> {
    let before_paths: std::collections::HashSet<&str> = before.iter().map(|(p, _)| p.as_str()).collect();
    let after_paths: std::collections::HashSet<&str> = after.iter().map(|(p, _)| p.as_str()).collect();
    let key = |s: &State| {
        let mut f = s.fields.clone();
        f.remove("id");
        serde_json::to_string(&f).unwrap_or_default()
    };
    let mut gone: std::collections::HashMap<String, Vec<&String>> = std::collections::HashMap::new();
    for (id, (p, s)) in old {
        if !new.contains_key(id) && !after_paths.contains(p.as_str()) {
            gone.entry(key(s)).or_default().push(id);
        }
    }
    let mut out = BTreeMap::new();
    if gone.is_empty() {
        return out;
    }
    for v in gone.values_mut() {
        v.reverse(); // pop() takes the smallest id first
    }
    for (id, (p, s)) in new {
        if old.contains_key(id) || before_paths.contains(p.as_str()) {
            continue;
        }
        if let Some(from) = gone.get_mut(&key(s)).and_then(|v| v.pop()) {
            out.insert(from.clone(), id.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::blob::parse;

    #[test]
    fn matches_by_id() {
        let a = parse(b"---\ntitle: A\nstatus: ready\ndepends_on: [x, y]\n---\nbody\n").unwrap();
        let b = parse(b"---\ntitle: A\nstatus: done\ndepends_on: [y, x]\n---\nbody 2\n").unwrap();
        let mut out = Vec::new();
        commit_events(0, &[("stories/a.md".into(), &a)], &[("epics/a.md".into(), &b)], &mut out);
        let got: Vec<(Action, Option<&str>)> = out.iter().map(|e| (e.action, e.field.as_deref())).collect();
        assert_eq!(
            got,
            vec![(Action::Renamed, None), (Action::Updated, Some("body")), (Action::Updated, Some("status"))]
        );
        assert_eq!(out[2].old, Some(Value::from("ready")));
        assert_eq!(out[0].path, "epics/a.md");
    }

    #[test]
    fn move_with_a_new_id_is_one_rename() {
        let a = parse(b"---\ntitle: A\nstatus: ready\n---\nSee [[a]].\n").unwrap();
        let b = parse(b"---\ntitle: A\nstatus: ready\n---\nSee [[b]].\n").unwrap();
        // Another file goes and another comes, with other fields: not a rename.
        let x = parse(b"---\ntitle: C\n---\n").unwrap();
        let y = parse(b"---\ntitle: D\n---\n").unwrap();
        let mut out = Vec::new();
        commit_events(
            0,
            &[("t/a.md".into(), &a), ("t/x.md".into(), &x)],
            &[("t/b.md".into(), &b), ("t/y.md".into(), &y)],
            &mut out,
        );
        let got: Vec<(&str, Action, Option<&str>, Option<&str>)> =
            out.iter().map(|e| (e.id.as_str(), e.action, e.field.as_deref(), e.old_id.as_deref())).collect();
        assert_eq!(
            got,
            vec![
                ("b", Action::Renamed, None, Some("a")),
                ("b", Action::Updated, Some("body"), None),
                ("x", Action::Deleted, None, None),
                ("y", Action::Created, None, None),
            ]
        );
        assert_eq!(out[0].old, Some(Value::from("t/a.md")));
        assert_eq!(out[0].new, Some(Value::from("t/b.md")));
    }

    #[test]
    fn id_change_is_delete_and_create() {
        let a = parse(b"---\ntitle: A\n---\n").unwrap();
        let b = parse(b"---\nid: b\ntitle: A\n---\n").unwrap();
        let mut out = Vec::new();
        commit_events(0, &[("t/a.md".into(), &a)], &[("t/a.md".into(), &b)], &mut out);
        let got: Vec<(&str, Action)> = out.iter().map(|e| (e.id.as_str(), e.action)).collect();
        assert_eq!(got, vec![("a", Action::Deleted), ("b", Action::Created)]);
    }
}
