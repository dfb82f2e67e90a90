//! The pipeline: a [`Source`]'s records → one edit-engine change set of
//! creates, the same for every format.
//!
//! - **Ids**: the slug of the title (as `cairn new` makes it; the kind's
//!   name for a title without letters or digits), made unique against the
//!   backlog, the files on disk and the import itself with `-2`, `-3`, ….
//!   The source's id is kept as `external_id`.
//! - **Kinds**: the record's kind when the config has it, else the first of
//!   its fallbacks the config has ([`kind_for`]), else the config's first
//!   work kind.
//! - **Statuses and priorities** are mapped ([`map_status`],
//!   [`map_priority`]; the backlog's `statuses.aliases` first); a status
//!   that maps to none of the kind's statuses becomes the kind's first
//!   status, with a warning naming it.
//! - **References** (`parent`, relations) name external ids: one in the
//!   import becomes the new item's id; one an item of the backlog has as its
//!   `external_id` (an earlier import) becomes that item's id; any other is
//!   dropped with a warning.
//! - **Fields** the kind does not allow are dropped with a warning.
//! - **Bad records** (the reader's problems, and records whose item would
//!   not check) fail the import with their locations, or with `keep_going`
//!   are left out and listed; references to them are then dropped.
//!
//! Every create is one [`Op::Create`] of one change set, planned once and
//! checked once.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use super::{ImportError, Problem, Record, Source};
use crate::config::{Category, Config, Role};
use crate::edit::{self, ChangeSet, NewItem, Op};
use crate::load::Backlog;

/// How to import.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Leave bad records out (listed in [`Import::skipped`]) instead of
    /// failing.
    pub keep_going: bool,
}

/// One item the import creates.
#[derive(Clone, Debug, PartialEq)]
pub struct Created {
    pub id: String,
    pub kind: String,
    pub title: String,
    /// Root-relative path of the new file.
    pub path: String,
    pub external_id: String,
}

/// A planned import.
#[derive(Debug)]
pub struct Import {
    /// Every new file (nothing existing is touched).
    pub changes: ChangeSet,
    /// In source order.
    pub created: Vec<Created>,
    /// Records left out (`keep_going`), with why.
    pub skipped: Vec<Problem>,
    /// What was dropped on the way (a field, a reference).
    pub warnings: Vec<Problem>,
    /// External id → new id.
    pub ids: BTreeMap<String, String>,
}

/// The kinds tried, in order, for a kind the config does not have.
fn fallbacks(kind: &str) -> &'static [&'static str] {
    match kind {
        "initiative" => &["epic", "feature"],
        "epic" => &["initiative", "feature"],
        "feature" => &["epic", "story"],
        "story" => &["task", "feature"],
        "task" | "subtask" | "sub-task" => &["story"],
        "bug" | "defect" => &["task", "story"],
        "prd" => &["doc", "document"],
        _ => &["story", "task"],
    }
}

/// The config's kind for a record's kind: the kind itself, a fallback, or
/// the first work kind. `None` only for a config without work kinds.
pub fn kind_for<'c>(cfg: &'c Config, kind: &str) -> Option<&'c str> {
    let kind = kind.trim().to_ascii_lowercase();
    if let Some(k) = cfg.kind(&kind) {
        return Some(&k.name);
    }
    fallbacks(&kind)
        .iter()
        .find_map(|f| cfg.kind(f))
        .or_else(|| cfg.kinds.iter().find(|k| k.role == Role::Work))
        .map(|k| k.name.as_str())
}

/// `In Progress`, `in-progress`, `IN_PROGRESS` → `in_progress`.
fn normal(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() && c != '\'' && c != '’' {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

/// A status as a source spells it → one of the kind's statuses: the same
/// name (normalised: case, spaces and dashes ignored), else a known synonym
/// (`To Do` → the first to-do status, `In Progress` → the first doing one,
/// `Done`/`Closed`/`Resolved` → the first completed done one, `Won't Do`/
/// `Won't fix`/`Rejected` → the first done one not counted as completed).
/// `None`: no match.
pub fn map_status(cfg: &Config, kind: &str, status: &str) -> Option<String> {
    let statuses = cfg.statuses_of(kind);
    // The target backlog's own `statuses.aliases` first (one rule with
    // reading in place), then the names, then the common synonyms.
    if let Some(a) = cfg.dialect.status_alias(status.trim()) {
        if statuses.iter().any(|s| s.name == a) {
            return Some(a.to_string());
        }
    }
    let n = normal(status);
    if let Some(s) = statuses.iter().find(|s| normal(&s.name) == n) {
        return Some(s.name.clone());
    }
    let by_name = |names: &[&str]| statuses.iter().find(|s| names.contains(&s.name.as_str())).map(|s| s.name.clone());
    let first = |cat: Category, completed: Option<bool>| {
        statuses
            .iter()
            .find(|s| s.category == cat && completed.is_none_or(|c| s.completed == c))
            .or_else(|| statuses.iter().find(|s| s.category == cat))
            .map(|s| s.name.clone())
    };
    match n.as_str() {
        "todo" | "to_do" | "open" | "new" | "backlog" | "triage" | "icebox" | "draft" | "reopened" | "unstarted"
        | "planned" | "proposed" | "not_started" | "deferred" => {
            by_name(&["backlog", "todo"]).or_else(|| first(Category::Todo, None))
        }
        "ready" | "next" | "selected" | "selected_for_development" | "up_next" | "ready_for_dev" => {
            by_name(&["ready"]).or_else(|| first(Category::Todo, None))
        }
        "in_progress" | "doing" | "started" | "active" | "in_development" | "wip" | "working" | "ongoing"
        | "blocked" | "on_hold" => by_name(&["in_progress", "doing"]).or_else(|| first(Category::Doing, None)),
        "review" | "in_review" | "code_review" | "qa" | "testing" | "in_qa" | "in_test" | "verify" => {
            by_name(&["review", "in_review"]).or_else(|| first(Category::Doing, None))
        }
        "done" | "closed" | "resolved" | "complete" | "completed" | "fixed" | "shipped" | "released" | "merged"
        | "finished" | "accepted" => by_name(&["done"]).or_else(|| first(Category::Done, Some(true))),
        "cancelled" | "canceled" | "won_t_do" | "wont_do" | "won_t_fix" | "wontfix" | "wont_fix" | "invalid"
        | "duplicate" | "rejected" | "obsolete" | "abandoned" | "declined" | "archived" | "not_planned" => {
            by_name(&["cancelled", "canceled"]).or_else(|| first(Category::Done, Some(false)))
        }
        _ => None,
    }
}

/// A priority as a source spells it → cairn's (`highest` … `lowest`):
/// the names, `P0`–`P4` and `0`–`4` (0 highest, as beads and Linear),
/// `critical`/`blocker`/`urgent`, `major`, `normal`, `minor`, `trivial`.
/// `None`: none (`No priority`) or unknown.
pub fn map_priority(v: &Value) -> Option<&'static str> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    match normal(&text).as_str() {
        "highest" | "critical" | "blocker" | "urgent" | "p0" | "0" => Some("highest"),
        "high" | "major" | "p1" | "1" => Some("high"),
        "medium" | "normal" | "p2" | "2" => Some("medium"),
        "low" | "minor" | "p3" | "3" => Some("low"),
        "lowest" | "trivial" | "p4" | "4" => Some("lowest"),
        _ => None,
    }
}

/// The id for a title: its slug, else the kind's name.
fn base_id(title: &str, kind: &str) -> String {
    let s = edit::slugify(title);
    if s.is_empty() {
        kind.to_string()
    } else {
        s
    }
}

/// A record made ready to create (or the reason it cannot be).
struct Prepared {
    kind: String,
    title: String,
    status: Option<String>,
    /// `(field, value)` in the record's order, references still external.
    fields: Vec<(String, Value)>,
}

/// Kind, title, status and fields of a record; an error for a bad record.
fn prepare(cfg: &Config, r: &Record, warnings: &mut Vec<Problem>) -> Result<Prepared, String> {
    let title = r.title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        return Err("the record has no title".into());
    }
    if r.external_id.trim().is_empty() {
        return Err("the record has no id".into());
    }
    let kind = kind_for(cfg, &r.kind).ok_or_else(|| format!("no kind for `{}` in cairn.yml", r.kind))?.to_string();
    let is_work = cfg.kind(&kind).is_some_and(|k| k.role == Role::Work);
    let status = match &r.status {
        Some(s) if !s.trim().is_empty() => match map_status(cfg, &kind, s) {
            Some(m) => Some(m),
            None => {
                // A status of the source's own (a Trello list "Icebox 2", a
                // Jira workflow step): the kind's first status, said once
                // per record; `statuses.aliases` in cairn.yml maps it for good.
                let first = cfg.statuses_of(&kind).first().map(|s| s.name.clone());
                let names: Vec<&str> = cfg.statuses_of(&kind).iter().map(|s| s.name.as_str()).collect();
                let Some(first) = first else {
                    return Err(format!("status `{s}`: the kind {kind} has no statuses"));
                };
                warnings.push(Problem {
                    at: r.at.clone(),
                    message: format!(
                        "status `{s}` maps to none of the {kind} statuses ({}); imported as `{first}` (map it with `statuses.aliases` in cairn.yml)",
                        names.join(", ")
                    ),
                });
                Some(first)
            }
        },
        _ => None,
    }
    .or_else(|| is_work.then(|| cfg.statuses_of(&kind).first().map(|s| s.name.clone())).flatten());
    let allowed = edit::engine::allowed_fields(cfg, &kind);
    let mut fields = Vec::new();
    for (k, v) in &r.fields {
        if matches!(k.as_str(), "id" | "kind" | "title" | "status" | "parent" | "external_id") || v.is_null() {
            continue;
        }
        if !allowed.contains(&k.as_str()) {
            warnings.push(Problem {
                at: r.at.clone(),
                message: format!("field `{k}` dropped: not a field of {kind} items"),
            });
            continue;
        }
        let v = if k == "priority" {
            match map_priority(v) {
                Some(p) => Value::String(p.into()),
                None => {
                    warnings.push(Problem {
                        at: r.at.clone(),
                        message: format!("priority {v} dropped: not a priority cairn knows"),
                    });
                    continue;
                }
            }
        } else {
            v.clone()
        };
        fields.push((k.clone(), v));
    }
    Ok(Prepared { kind, title, status, fields })
}

/// Plans the import of `source` into `backlog`: nothing is written.
pub fn plan(backlog: &Backlog, source: &Source, opts: &Options) -> Result<Import, ImportError> {
    if !source.problems.is_empty() && !opts.keep_going {
        return Err(ImportError::Problems(source.problems.clone()));
    }
    let cfg = &backlog.config;
    let mut skipped: Vec<Problem> = source.problems.clone();
    let mut warnings: Vec<Problem> = Vec::new();
    let mut bad: Vec<Problem> = Vec::new();
    let mut prepared: Vec<Option<Prepared>> = Vec::with_capacity(source.records.len());
    let mut seen: HashSet<&str> = HashSet::new();
    for r in &source.records {
        let p = if !seen.insert(r.external_id.as_str()) {
            Err(format!("the id `{}` is used by an earlier record", r.external_id))
        } else {
            prepare(cfg, r, &mut warnings)
        };
        match p {
            Ok(p) => prepared.push(Some(p)),
            Err(message) => {
                bad.push(Problem { at: r.at.clone(), message });
                prepared.push(None);
            }
        }
    }
    if !bad.is_empty() && !opts.keep_going {
        return Err(ImportError::Problems(bad));
    }
    skipped.append(&mut bad);
    // Items of the backlog by their external id (an earlier import).
    let mut earlier: HashMap<&str, Option<&str>> = HashMap::new();
    for it in &backlog.items {
        if let Some(Value::String(x)) = it.fields.get("external_id").map(|f| &f.value) {
            earlier.entry(x.as_str()).and_modify(|e| *e = None).or_insert(Some(it.id()));
        }
    }
    let again = source.records.iter().filter(|r| earlier.contains_key(r.external_id.as_str())).count();
    if again > 0 {
        warnings.push(Problem {
            at: super::Location::None,
            message: format!(
                "{} an `external_id` an item of the backlog already has (imported before?); imported again under new ids",
                crate::util::text::count(again, "record has")
            ),
        });
    }
    // Each round leaves out the records whose items would not check
    // (keep_going), until none is left.
    loop {
        let round = plan_round(backlog, source, &prepared, &earlier)?;
        let errors = round.changes.check(backlog);
        if errors.is_empty() {
            let mut warnings = warnings;
            warnings.extend(round.warnings);
            return Ok(Import { changes: round.changes, created: round.created, skipped, warnings, ids: round.ids });
        }
        let by_path: HashMap<&str, usize> =
            round.created.iter().zip(&round.index).map(|(c, &i)| (c.path.as_str(), i)).collect();
        let mut problems = Vec::new();
        let mut drop: Vec<usize> = Vec::new();
        for d in &errors {
            let msg = format!("{} {}", d.code, d.message);
            match by_path.get(d.file.as_str()) {
                Some(&i) => {
                    problems.push(Problem { at: source.records[i].at.clone(), message: msg });
                    drop.push(i);
                }
                None => problems.push(Problem { at: super::Location::None, message: format!("{}: {msg}", d.file) }),
            }
        }
        if !opts.keep_going || drop.is_empty() {
            problems.sort_by(|a, b| a.at.cmp(&b.at));
            problems.dedup();
            return Err(ImportError::Problems(problems));
        }
        drop.sort_unstable();
        drop.dedup();
        let mut left = problems;
        left.sort_by(|a, b| a.at.cmp(&b.at));
        left.dedup();
        skipped.extend(left);
        for i in drop {
            prepared[i] = None;
        }
    }
}

struct Round {
    changes: ChangeSet,
    created: Vec<Created>,
    /// Record index of each of `created`.
    index: Vec<usize>,
    warnings: Vec<Problem>,
    ids: BTreeMap<String, String>,
}

/// Ids, references and the change set for the records still in.
fn plan_round(
    backlog: &Backlog,
    source: &Source,
    prepared: &[Option<Prepared>],
    earlier: &HashMap<&str, Option<&str>>,
) -> Result<Round, ImportError> {
    let cfg = &backlog.config;
    let mut taken: HashSet<String> = HashSet::new();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut new_ids: Vec<Option<String>> = Vec::with_capacity(prepared.len());
    for (r, p) in source.records.iter().zip(prepared) {
        let Some(p) = p else {
            new_ids.push(None);
            continue;
        };
        let kind = cfg.kind(&p.kind).ok_or_else(|| ImportError::Other(format!("unknown kind `{}`", p.kind)))?;
        let base = base_id(&p.title, &p.kind);
        let mut id = base.clone();
        let mut n = 2;
        let free = |id: &str, taken: &HashSet<String>| -> Result<bool, ImportError> {
            Ok(!taken.contains(id)
                && !backlog.index.contains_key(id)
                && !edit::path::item_path(&backlog.root, kind, id).map_err(edit::EditError::from)?.path.exists())
        };
        while !free(&id, &taken)? {
            id = format!("{base}-{n}");
            n += 1;
        }
        taken.insert(id.clone());
        ids.insert(r.external_id.clone(), id.clone());
        new_ids.push(Some(id));
    }
    let mut warnings = Vec::new();
    let resolve = |r: &Record, field: &str, x: &str, warnings: &mut Vec<Problem>| -> Option<String> {
        if let Some(id) = ids.get(x) {
            return Some(id.clone());
        }
        if let Some(Some(id)) = earlier.get(x) {
            return Some((*id).to_string());
        }
        warnings.push(Problem {
            at: r.at.clone(),
            message: format!("`{field}: {x}` dropped: `{x}` is not in the import (nor imported before)"),
        });
        None
    };
    let mut ops: Vec<Op> = Vec::new();
    let mut created = Vec::new();
    let mut index = Vec::new();
    for (i, (r, p)) in source.records.iter().zip(prepared).enumerate() {
        let (Some(p), Some(id)) = (p, &new_ids[i]) else { continue };
        let (c, op) = create_op(backlog, r, p, id, &mut |field, x, w| resolve(r, field, x, w), &mut warnings)?;
        created.push(c);
        index.push(i);
        ops.push(op);
    }
    let changes = edit::plan(backlog, ops)?;
    Ok(Round { changes, created, index, warnings, ids })
}

/// Resolves an external reference (field, external id) to an id, or
/// records a warning and gives `None`.
type Resolve<'a> = dyn FnMut(&str, &str, &mut Vec<Problem>) -> Option<String> + 'a;

/// The create of one record under `id`.
fn create_op(
    backlog: &Backlog,
    r: &Record,
    p: &Prepared,
    id: &str,
    resolve: &mut Resolve<'_>,
    warnings: &mut Vec<Problem>,
) -> Result<(Created, Op), ImportError> {
    let cfg = &backlog.config;
    let mut set: Vec<String> = Vec::new();
    if let Some(s) = &p.status {
        set.push(format!("status={}", edit::scalar::string(s, false)));
    }
    for (k, v) in &p.fields {
        // A `sprint` may name a sprint record of the import by its external id.
        let mapped = match (k.as_str(), v.as_str()) {
            ("sprint", Some(x)) => resolve("sprint", x, &mut Vec::new()).map(Value::String),
            _ => None,
        };
        set.push(format!("{k}={}", edit::scalar::flow(mapped.as_ref().unwrap_or(v))));
    }
    let mut rels: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (rel, x) in &r.relations {
        let field = rel.as_str();
        if !matches!(field, "depends_on" | "blocks" | "relates_to" | "duplicates" | "references") {
            warnings.push(Problem {
                at: r.at.clone(),
                message: format!("relation `{field}` dropped: not a cairn relation"),
            });
            continue;
        }
        if let Some(to) = resolve(field, x, warnings) {
            let list = rels.entry(field).or_default();
            if !list.contains(&to) && to != id {
                list.push(to);
            }
        }
    }
    for (field, list) in rels {
        if list.is_empty() {
            continue;
        }
        let v = if field == "duplicates" {
            Value::String(list[0].clone())
        } else {
            Value::Array(list.into_iter().map(Value::String).collect())
        };
        set.push(format!("{field}={}", edit::scalar::flow(&v)));
    }
    set.push(format!("external_id={}", edit::scalar::string(&r.external_id, false)));
    let parent = r.parent.as_deref().and_then(|x| resolve("parent", x, warnings));
    let kind = cfg.kind(&p.kind).ok_or_else(|| ImportError::Other(format!("unknown kind `{}`", p.kind)))?;
    let path = edit::path::item_path(&backlog.root, kind, id).map_err(edit::EditError::from)?.rel;
    let created = Created {
        id: id.to_string(),
        kind: p.kind.clone(),
        title: p.title.clone(),
        path,
        external_id: r.external_id.clone(),
    };
    let item = NewItem { kind: p.kind.clone(), title: p.title.clone(), parent, id: Some(id.to_string()), set };
    Ok((created, Op::Create { item, body: Some(r.body.clone()) }))
}

/// The text of `record` as an item with `id`, references by `ids`
/// (external id → id; others dropped): what the import would write for
/// it. For the history replay, which writes each record's earlier states
/// the same way.
pub fn render(
    backlog: &Backlog,
    record: &Record,
    id: &str,
    ids: &BTreeMap<String, String>,
) -> Result<String, ImportError> {
    let mut warnings = Vec::new();
    let p = prepare(&backlog.config, record, &mut warnings)
        .map_err(|m| ImportError::Other(format!("{}: {m}", record.at)))?;
    let (_, op) = create_op(backlog, record, &p, id, &mut |_, x, _| ids.get(x).cloned(), &mut warnings)?;
    let cs = edit::plan(backlog, [op])?;
    cs.changes
        .into_iter()
        .next()
        .map(|c| String::from_utf8_lossy(&c.new).into_owned())
        .ok_or_else(|| ImportError::Other(format!("{}: nothing to write", record.at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_by_name_and_synonym() {
        let cfg = Config::default();
        for (from, to) in [
            ("To Do", "backlog"),
            ("In Progress", "in_progress"),
            ("in-progress", "in_progress"),
            ("Done", "done"),
            ("Closed", "done"),
            ("Resolved", "done"),
            ("Won't Do", "cancelled"),
            ("Won't fix", "cancelled"),
            ("READY", "ready"),
            ("In Review", "review"),
        ] {
            assert_eq!(map_status(&cfg, "story", from).as_deref(), Some(to), "{from}");
        }
        assert_eq!(map_status(&cfg, "story", "Pondering"), None);
    }

    /// A status the kind does not know is imported as the kind's first
    /// status with a warning naming it (not a bad record), and the
    /// backlog's own `statuses.aliases` map a source spelling first.
    #[test]
    fn unknown_statuses_fall_back_with_a_warning_and_aliases_map_first() {
        let cfg = Config::default();
        let record = |status: &str| Record {
            at: super::super::Location::Line(7),
            external_id: "T-1".into(),
            kind: "story".into(),
            title: "A story".into(),
            status: Some(status.into()),
            ..Default::default()
        };
        let mut warnings = Vec::new();
        let p = prepare(&cfg, &record("Icebox 2"), &mut warnings).expect("not a bad record");
        let first = cfg.statuses_of("story")[0].name.clone();
        assert_eq!(p.status.as_deref(), Some(first.as_str()));
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].message.contains("`Icebox 2`") && warnings[0].message.contains(&first),
            "{:?}",
            warnings[0]
        );
        assert_eq!(warnings[0].at, super::super::Location::Line(7));

        let text = "statuses:\n  values:\n    - { name: backlog, category: todo }\n    - { name: ready, category: todo }\n    - { name: in_progress, category: doing }\n    - { name: review, category: doing }\n    - { name: done, category: done }\n    - { name: cancelled, category: done, completed: false }\n  aliases: {\"Icebox 2\": ready}\n";
        let cfg = Config::parse(text, std::path::Path::new("cairn.yml")).expect("config");
        let mut warnings = Vec::new();
        let p = prepare(&cfg, &record("icebox 2"), &mut warnings).expect("mapped");
        assert_eq!(p.status.as_deref(), Some("ready"));
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn priorities_map() {
        assert_eq!(map_priority(&Value::from("P1")), Some("high"));
        assert_eq!(map_priority(&Value::from(0)), Some("highest"));
        assert_eq!(map_priority(&Value::from("Trivial")), Some("lowest"));
        assert_eq!(map_priority(&Value::from("No priority")), None);
    }

    #[test]
    fn kinds_fall_back() {
        let cfg = Config::default();
        assert_eq!(kind_for(&cfg, "Story"), Some("story"));
        assert_eq!(kind_for(&cfg, "sub-task"), Some("story"));
        assert_eq!(kind_for(&cfg, "whatever"), Some("story"));
    }
}
