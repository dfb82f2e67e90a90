//! Item states before and after a commit → events, matched by id.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::blob::State;
use crate::config::Config;

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

/// The kind an item file stands for: `kind:` as written, else the kind whose
/// folder is the first segment of its root-relative path (as `load` derives it).
pub fn derived_kind(config: &Config, path: &str, state: &State) -> Option<String> {
    let from = config.dialect.kind_from.as_deref().filter(|_| !state.fields.contains_key("kind"));
    match state.fields.get(from.unwrap_or("kind")) {
        Some(Value::String(s)) => return Some(s.clone()),
        Some(Value::Number(n)) => return Some(n.to_string()),
        Some(Value::Bool(b)) => return Some(b.to_string()),
        _ => {}
    }
    config.kind_for_path(path).map(|k| k.name.clone())
}

/// The changes of one item from (`op`, `os`) to (`np`, `ns`): its field
/// changes ([`field_changes`]), where `kind` is the derived kind whenever it
/// changes (a move between kind folders is a `kind` change too), sorted by
/// field name.
pub fn item_changes(
    config: &Config,
    op: &str,
    os: &State,
    np: &str,
    ns: &State,
) -> Vec<(String, Option<Value>, Option<Value>)> {
    let mut out = field_changes(os, ns);
    let (ok, nk) = (derived_kind(config, op, os), derived_kind(config, np, ns));
    if ok != nk {
        let change = ("kind".to_string(), ok.map(Value::String), nk.map(Value::String));
        match out.binary_search_by(|c| c.0.as_str().cmp("kind")) {
            Ok(i) => out[i] = change,
            Err(i) => out.insert(i, change),
        }
    }
    out
}

/// `(path, state)` of the changed files on one side, by item id (several
/// files with one id: the first path wins).
type Index = BTreeMap<String, (String, State)>;

fn index(config: &Config, side: &[(String, &State)]) -> Index {
    let mut m: Index = BTreeMap::new();
    for (p, s) in side {
        // Equal ids (`ids.aliases`) are one item: keyed by the canonical id.
        let id = s.id(p);
        let id = match config.dialect.ids.canonical(&id) {
            std::borrow::Cow::Borrowed(_) => id,
            std::borrow::Cow::Owned(c) => c,
        };
        match m.get(&id) {
            Some((q, _)) if q <= p => {}
            _ => {
                m.insert(id, (p.clone(), (*s).clone()));
            }
        }
    }
    m
}

/// The events of one commit: `before` and `after` are `(path, state)` of the
/// changed files (root-relative paths). Items are matched by id; events come
/// out sorted by id, then field (the created/deleted/renamed event first).
pub fn commit_events(
    config: &Config,
    commit: u32,
    before: &[(String, &State)],
    after: &[(String, &State)],
    out: &mut Vec<RawEvent>,
) {
    merge_events(config, commit, before, &[], after, out);
}

/// The events of a commit diffed against its first parent (`before`), when
/// it has other parents (`others`, their states at the same paths): each
/// change is credited once. A change the commit took from another parent
/// (the item, the path or the field value is already so there) was an event
/// of that branch and is not repeated; what exists in no parent (a conflict
/// resolution) is an event of this commit. Without `others`, these are the
/// plain events of `before` → `after`.
pub fn merge_events(
    config: &Config,
    commit: u32,
    before: &[(String, &State)],
    others: &[Vec<(String, &State)>],
    after: &[(String, &State)],
    out: &mut Vec<RawEvent>,
) {
    let start = out.len();
    let mut first = index(config, before);
    let others: Vec<Index> = others.iter().map(|o| index(config, o)).collect();
    let new = index(config, after);
    let renames = id_renames(&first, &new, before, after);
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
        if let Some(entry) = first.remove(old_id) {
            renamed_from.insert(new_id.clone(), entry);
        }
    }
    let mut ids: Vec<&String> = first.keys().chain(new.keys()).collect();
    ids.sort();
    ids.dedup();
    for id in ids {
        if let (Some((op, os)), Some((np, ns))) = (renamed_from.get(id), new.get(id)) {
            let old_id = renames.iter().find(|(_, n)| *n == id).map(|(o, _)| o.clone());
            let mut e =
                ev(id, np, Action::Renamed, None, Some(Value::String(op.clone())), Some(Value::String(np.clone())));
            e.old_id = old_id;
            out.push(e);
            for (f, a, b) in item_changes(config, op, os, np, ns) {
                out.push(ev(id, np, Action::Updated, Some(f), a, b));
            }
            continue;
        }
        // The parents that have the item, the first parent first.
        let refs: Vec<&(String, State)> =
            first.get(id).into_iter().chain(others.iter().filter_map(|o| o.get(id))).collect();
        match (refs.first(), new.get(id)) {
            (None, Some((p, s))) => out.push(ev(id, p, Action::Created, None, None, Some(s.object()))),
            (Some((p, s)), None) => {
                // Deleted here, unless a merged branch already had it gone.
                if first.contains_key(id) && refs.len() == 1 + others.len() {
                    out.push(ev(id, p, Action::Deleted, None, Some(s.object()), None));
                }
            }
            (Some((op, os)), Some((np, ns))) => {
                if refs.iter().all(|(p, _)| p != np) {
                    out.push(ev(
                        id,
                        np,
                        Action::Renamed,
                        None,
                        Some(Value::String(op.clone())),
                        Some(Value::String(np.clone())),
                    ));
                }
                for (f, a, b) in item_changes(config, op, os, np, ns) {
                    let seen = refs[1..].iter().any(|(rp, rs)| match f.as_str() {
                        "body" => rs.body == ns.body,
                        "kind" => derived_kind(config, rp, rs) == derived_kind(config, np, ns),
                        _ => same(&f, rs.fields.get(&f), b.as_ref()),
                    });
                    if !seen {
                        out.push(ev(id, np, Action::Updated, Some(f), a, b));
                    }
                }
            }
            (None, None) => {}
        }
    }
    if config.dialect.ids.active() {
        real_ids(config, before, after, &mut out[start..]);
    }
}

/// With `ids.aliases` the events of one commit are keyed by canonical ids:
/// each gets the id its file has (after the commit, else before it), and a
/// rename that changed the id names the old one.
fn real_ids(config: &Config, before: &[(String, &State)], after: &[(String, &State)], events: &mut [RawEvent]) {
    let rules = &config.dialect.ids;
    let mut old: BTreeMap<String, String> = BTreeMap::new();
    let mut new: BTreeMap<String, String> = BTreeMap::new();
    for (side, map) in [(before, &mut old), (after, &mut new)] {
        for (p, s) in side.iter() {
            let id = s.id(p);
            map.entry(rules.canonical(&id).into_owned()).or_insert(id);
        }
    }
    for e in events {
        let (o, n) = (old.get(&e.id), new.get(&e.id));
        if let Some(real) = n.or(o) {
            if e.action == Action::Renamed && e.old_id.is_none() {
                e.old_id = o.filter(|o| Some(*o) != n).cloned();
            }
            e.id = real.clone();
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

    /// (id, action, field, old, new).
    type Brief<'a> = (&'a str, Action, Option<&'a str>, Option<&'a Value>, Option<&'a Value>);

    fn brief(out: &[RawEvent]) -> Vec<Brief<'_>> {
        out.iter().map(|e| (e.id.as_str(), e.action, e.field.as_deref(), e.old.as_ref(), e.new.as_ref())).collect()
    }

    #[test]
    fn matches_by_id_and_a_move_between_kind_folders_changes_the_kind() {
        let c = Config::default();
        let a = parse(b"---\ntitle: A\nstatus: ready\ndepends_on: [x, y]\n---\nbody\n").unwrap();
        let b = parse(b"---\ntitle: A\nstatus: done\ndepends_on: [y, x]\n---\nbody 2\n").unwrap();
        let mut out = Vec::new();
        commit_events(&c, 0, &[("stories/a.md".into(), &a)], &[("epics/a.md".into(), &b)], &mut out);
        let (story, epic) = (Value::from("story"), Value::from("epic"));
        let (ready, done) = (Value::from("ready"), Value::from("done"));
        let (from, to) = (Value::from("stories/a.md"), Value::from("epics/a.md"));
        assert_eq!(
            brief(&out),
            vec![
                ("a", Action::Renamed, None, Some(&from), Some(&to)),
                ("a", Action::Updated, Some("body"), None, None),
                ("a", Action::Updated, Some("kind"), Some(&story), Some(&epic)),
                ("a", Action::Updated, Some("status"), Some(&ready), Some(&done)),
            ]
        );
        assert_eq!(out[0].path, "epics/a.md");
    }

    #[test]
    fn kind_events_follow_the_derived_kind() {
        let c = Config::default();
        let plain = parse(b"---\ntitle: A\n---\n").unwrap();
        let task = parse(b"---\ntitle: A\nkind: task\n---\n").unwrap();
        let story = parse(b"---\ntitle: A\nkind: story\n---\n").unwrap();
        let kinds = |op: &str, os: &State, np: &str, ns: &State| -> Vec<(String, Option<Value>, Option<Value>)> {
            item_changes(&c, op, os, np, ns).into_iter().filter(|x| x.0 == "kind").collect()
        };
        let k = |s: &str| Some(Value::from(s));
        // `kind:` removed: the folder's kind takes over (one event, derived kinds).
        assert_eq!(kinds("stories/a.md", &task, "stories/a.md", &plain), vec![("kind".into(), k("task"), k("story"))]);
        // Written as the folder says: the field changed, the kind did not.
        assert_eq!(kinds("stories/a.md", &plain, "stories/a.md", &story), vec![("kind".into(), None, k("story"))]);
        // A written kind survives a move between folders.
        assert_eq!(kinds("stories/a.md", &task, "bugs/a.md", &task), vec![]);
        // Out of any kind folder: no kind.
        assert_eq!(kinds("tasks/a.md", &plain, "misc/a.md", &plain), vec![("kind".into(), k("task"), None)]);
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
            &Config::default(),
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
        commit_events(&Config::default(), 0, &[("t/a.md".into(), &a)], &[("t/a.md".into(), &b)], &mut out);
        let got: Vec<(&str, Action)> = out.iter().map(|e| (e.id.as_str(), e.action)).collect();
        assert_eq!(got, vec![("a", Action::Deleted), ("b", Action::Created)]);
    }

    #[test]
    fn a_merge_credits_only_its_own_changes() {
        let c = Config::default();
        let p = |s: &str| parse(s.as_bytes()).unwrap();
        // First parent: a, b, d ready. Merged branch (its states at the
        // changed paths): a in_progress, b as is, c created, d deleted. The
        // merge: a in_progress and retitled (a conflict resolution), b
        // deleted, c and d as on the branch.
        let a1 = p("---\ntitle: A\nstatus: ready\n---\n");
        let a2 = p("---\ntitle: A\nstatus: in_progress\n---\n");
        let am = p("---\ntitle: A2\nstatus: in_progress\n---\n");
        let b1 = p("---\ntitle: B\nstatus: ready\n---\n");
        let c2 = p("---\ntitle: C\nstatus: ready\n---\n");
        let d1 = p("---\ntitle: D\nstatus: ready\n---\n");
        let before = [("s/a.md".to_string(), &a1), ("s/b.md".to_string(), &b1), ("s/d.md".to_string(), &d1)];
        let other = vec![("s/a.md".to_string(), &a2), ("s/b.md".to_string(), &b1), ("s/c.md".to_string(), &c2)];
        let after = [("s/a.md".to_string(), &am), ("s/c.md".to_string(), &c2)];
        let mut out = Vec::new();
        merge_events(&c, 3, &before, &[other], &after, &mut out);
        let (a_old, a_new) = (Value::from("A"), Value::from("A2"));
        let got = brief(&out);
        // a: status came from the branch (not repeated); the title exists
        // only in the merge. b: deleted by the merge (both parents had it).
        // c: created on the branch. d: the branch never had it (deleted there).
        assert_eq!(got[0], ("a", Action::Updated, Some("title"), Some(&a_old), Some(&a_new)));
        assert_eq!(got[1].0, "b");
        assert_eq!(got[1].1, Action::Deleted);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(out.iter().all(|e| e.commit == 3));
    }
}
