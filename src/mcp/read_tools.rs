//! The tools that read: `list_items`, `show_item`, `ready`, `impact`,
//! `check`, `log`, `metrics`, `burndown` — the commands of the same names
//! as structured content, over the backlog as it is on disk now.

use std::time::{Duration, Instant};

use rayon::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

use super::state::{Loaded, Session};
use super::tools::ToolError;
use crate::history::{self, Event, Events, Source};
use crate::query::{self, Filter};

/// How many items `list_items` and `ready` return without a `limit`.
const DEFAULT_LIMIT: usize = 100;
/// How many events `log` returns without a `limit`.
const DEFAULT_EVENTS: usize = 100;
/// How many diagnostics `check` returns without a `limit`.
const DEFAULT_DIAGNOSTICS: usize = 200;
/// How many events `show_item` lists.
const RECENT: usize = 10;
/// How long a `where` expression may take over the whole backlog (as
/// serve's queries).
const WHERE_DEADLINE: Duration = Duration::from_secs(2);
/// The fields derived from history (`list_items` reads it only for them).
const DERIVED: [&str; 3] = ["created", "updated", "reporter"];

pub(super) fn read<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, ToolError> {
    serde_json::from_value(v).map_err(|e| ToolError::Params(format!("arguments: {e}")))
}

pub(super) fn fresh(s: &mut Session) -> Result<&mut Loaded, ToolError> {
    s.fresh().map_err(|e| ToolError::failed(format!("the backlog cannot be loaded: {e}")))
}

/// The index of `id`, or a tool error with a did-you-mean hint.
pub(super) fn find(l: &Loaded, id: &str) -> Result<usize, ToolError> {
    l.backlog.index.get(id).copied().ok_or_else(|| {
        let hint = crate::util::suggest::hint_many(id, l.backlog.items.iter().map(|i| i.id()), 3);
        ToolError::with(format!("no item with id `{id}`{hint}"), json!({"id": id}))
    })
}

/// The hash of item `i`'s file as it is on disk (the etag of updates).
pub(super) fn etag(l: &Loaded, i: usize) -> Option<String> {
    std::fs::read(l.backlog.root.join(&l.backlog.items[i].path)).ok().map(|b| crate::edit::file_hash(&b))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// A minijinja expression over an item's fields, e.g. `status == "ready" and estimate > 3` or `"api" in labels`
    #[serde(rename = "where")]
    pub where_: Option<String>,
    /// Sort keys, comma-separated, each with an optional `:asc`/`:desc`, e.g. `priority:desc,id` (default `id`)
    pub sort: Option<String>,
    /// The fields of each item to return (default: all; `body` adds the Markdown body; `etag` the file's etag)
    pub fields: Option<Vec<String>>,
    /// At most this many items (default 100)
    pub limit: Option<u32>,
}

pub fn items_output() -> Value {
    json!({
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"type": "object"}},
            "total": {"type": "integer", "description": "how many matched before the limit"},
        },
        "required": ["items", "total"],
    })
}

pub fn list_items(s: &mut Session, a: Value) -> Result<Value, ToolError> {
    let a: ListArgs = read(a)?;
    let failed = |e: query::QueryError| ToolError::failed(e.to_string().replace("--where", "`where`"));
    let filter = a.where_.as_deref().map(Filter::new).transpose().map_err(failed)?;
    let sort = query::parse_sort(a.sort.as_deref().unwrap_or("id")).map_err(failed)?;
    let fields = a.fields.unwrap_or_default();
    let limit = a.limit.map_or(DEFAULT_LIMIT, |n| n as usize);
    let mentions = |s: &str| DERIVED.iter().any(|d| s.contains(d));
    let derived = fields.iter().any(|f| DERIVED.contains(&f.as_str()))
        || a.where_.as_deref().is_some_and(mentions)
        || a.sort.as_deref().is_some_and(mentions);
    let l = fresh(s)?;
    let plain: Vec<String> = fields.iter().filter(|f| *f != "etag").cloned().collect();
    query::validate_names(&l.backlog, &sort, &plain).map_err(failed)?;
    if let Some(f) = &filter {
        f.check_fields(&l.backlog).map_err(failed)?;
    }
    // With history-derived fields the objects are made for this call;
    // otherwise the loaded backlog's (and their `where` contexts) are reused.
    let deadline = || Some(Instant::now() + WHERE_DEADLINE);
    let with_history: Vec<Value>;
    let (objects, keep): (&[Value], Option<Vec<bool>>) = if derived {
        let d =
            history::read(&l.backlog.root, &l.backlog.config, true).map(|ev| history::derived(&ev)).unwrap_or_default();
        let (b, g) = (&l.backlog, &l.graph);
        with_history = (0..b.items.len())
            .filter(|&i| b.index.get(b.items[i].id()) == Some(&i))
            .map(|i| query::item_object(b, g, i, d.get(b.items[i].id())))
            .collect();
        let keep = filter
            .as_ref()
            .map(|f| f.apply_contexts(with_history.iter().map(query::context_value), deadline()))
            .transpose()
            .map_err(failed)?;
        (&with_history, keep)
    } else {
        l.prepare();
        let keep = match &filter {
            Some(f) => {
                let deadline = deadline();
                let parts: Vec<Vec<bool>> = l
                    .contexts()
                    .par_chunks(512)
                    .map(|chunk| f.apply_contexts(chunk, deadline))
                    .collect::<Result<_, _>>()
                    .map_err(failed)?;
                Some(parts.into_iter().flatten().collect())
            }
            None => None,
        };
        (l.objects(), keep)
    };
    let mut matched: Vec<&Value> = match keep {
        Some(keep) => objects.iter().zip(keep).filter(|(_, k)| *k).map(|(o, _)| o).collect(),
        None => objects.iter().collect(),
    };
    let b = &l.backlog;
    if !(sort.len() == 1 && sort[0].field == "id" && !sort[0].desc) {
        matched.par_sort_by(|x, y| query::compare(b, x, y, &sort));
    }
    let total = matched.len();
    matched.truncate(limit);
    let want = |f: &str| fields.is_empty() || fields.iter().any(|x| x == f);
    let items: Vec<Value> = matched
        .into_iter()
        .map(|o| {
            let mut o = o.clone();
            let i = o["id"].as_str().and_then(|id| b.index.get(id)).copied();
            if let Some(i) = i {
                if fields.iter().any(|f| f == "body") {
                    o["body"] = json!(b.items[i].body);
                }
                if want("etag") {
                    o["etag"] = json!(etag(l, i));
                }
            }
            if fields.is_empty() {
                o
            } else {
                query::select(&o, &fields)
            }
        })
        .collect();
    Ok(json!({"items": items, "total": total}))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdArgs {
    /// The item's id
    pub id: String,
}

pub fn show_output() -> Value {
    json!({
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "etag": {"type": "string", "description": "pass it to update_item"},
            "path": {"type": "string"},
            "body": {"type": "string"},
            "history": {"type": "array", "items": {"type": "object"}},
        },
        "required": ["id", "etag", "path", "body"],
    })
}

pub fn show_item(s: &mut Session, a: Value) -> Result<Value, ToolError> {
    let a: IdArgs = read(a)?;
    let l = fresh(s)?;
    let i = find(l, &a.id)?;
    let mut view = query::show::view(&l.backlog, &l.graph, i);
    view["etag"] = json!(etag(l, i).unwrap_or_default());
    if let Ok(ev) = history::read(&l.backlog.root, &l.backlog.config, true) {
        if let Some(d) = history::derived(&ev).get(&a.id) {
            for (k, v) in [("created", &d.created), ("updated", &d.updated), ("reporter", &d.reporter)] {
                if view[k].is_null() {
                    view[k] = json!(v);
                }
            }
        }
        let recent: Vec<&Event> = ev.events.iter().rev().filter(|e| e.id == a.id).take(RECENT).collect();
        view["history"] = json!(recent);
    }
    Ok(view)
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadyArgs {
    /// Only items committed to this sprint (its id)
    pub sprint: Option<String>,
    /// Only items assigned to this person or team
    pub assignee: Option<String>,
    /// At most this many items (default 100)
    pub limit: Option<u32>,
}

pub fn ready(s: &mut Session, a: Value) -> Result<Value, ToolError> {
    let a: ReadyArgs = read(a)?;
    let l = fresh(s)?;
    let (b, g) = (&l.backlog, &l.graph);
    if let Some(sp) = &a.sprint {
        let is_sprint =
            |i: &crate::model::Item| b.config.kind(i.kind()).is_some_and(|k| k.role == crate::config::Role::Sprint);
        if !b.get(sp).is_some_and(is_sprint) {
            let hint = crate::util::suggest::hint(sp, b.items.iter().filter(|i| is_sprint(i)).map(|i| i.id()));
            return Err(ToolError::failed(format!("no sprint with id `{sp}`{hint}")));
        }
    }
    let filter = crate::graph::ready::Filter { sprint: a.sprint.as_deref(), assignee: a.assignee.as_deref() };
    let list = crate::graph::ready::ready(b, g, &filter);
    let items: Vec<Value> = list
        .iter()
        .take(a.limit.map_or(DEFAULT_LIMIT, |n| n as usize))
        .map(|r| {
            let mut o = query::item_object(b, g, r.node, None);
            o["unblocks"] = json!(r.unblocks);
            o
        })
        .collect();
    Ok(json!({"items": items, "total": list.len()}))
}

pub fn impact_output() -> Value {
    json!({
        "type": "object",
        "properties": {"id": {"type": "string"}, "delayed": {"type": "array", "items": {"type": "object"}}},
        "required": ["id", "delayed"],
    })
}

pub fn impact(s: &mut Session, a: Value) -> Result<Value, ToolError> {
    let a: IdArgs = read(a)?;
    let l = fresh(s)?;
    let i = find(l, &a.id)?;
    let sched = crate::graph::schedule::Schedule::compute(&l.backlog, &l.graph);
    Ok(query::impact_json(&l.backlog, &l.graph, &sched, i))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckArgs {
    /// Count warnings as errors
    pub strict: Option<bool>,
    /// At most this many diagnostics (default 200; the counts are of all)
    pub limit: Option<u32>,
}

pub fn check_output() -> Value {
    json!({
        "type": "object",
        "properties": {
            "items": {"type": "integer"},
            "errors": {"type": "integer"},
            "warnings": {"type": "integer"},
            "diagnostics": {"type": "array", "items": {"type": "object"}},
        },
        "required": ["errors", "warnings", "diagnostics"],
    })
}

pub fn check(s: &mut Session, a: Value) -> Result<Value, ToolError> {
    let a: CheckArgs = read(a)?;
    let l = fresh(s)?;
    // Overdue (W022) against "today" = the HEAD commit's date, as `cairn check`.
    let today = crate::metrics::head_date(&l.backlog.root, &l.backlog.config);
    let mut r = crate::check::check_on(&l.backlog, &l.graph, today);
    if a.strict == Some(true) {
        r = r.strict();
    }
    // The counts are of every diagnostic, not only those returned.
    let (errors, warnings) = (r.errors(), r.warnings());
    r.diagnostics.truncate(a.limit.map_or(DEFAULT_DIAGNOSTICS, |n| n as usize));
    let mut v = crate::check::report::json_value(&r);
    v["errors"] = json!(errors);
    v["warnings"] = json!(warnings);
    Ok(v)
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogArgs {
    /// Only the events of this item
    pub id: Option<String>,
    /// Only events after this date (YYYY-MM-DD, or an RFC 3339 time)
    pub since: Option<String>,
    /// Only events up to this date (inclusive) or time
    pub until: Option<String>,
    /// Only events by this author (a case-insensitive part of the name or email)
    pub author: Option<String>,
    /// At most this many events, the most recent (default 100)
    pub limit: Option<u32>,
}

pub fn log_output() -> Value {
    json!({
        "type": "object",
        "properties": {
            "events": {"type": "array", "items": {"type": "object"}},
            "total": {"type": "integer", "description": "how many matched before the limit"},
        },
        "required": ["events", "total"],
    })
}

/// Seconds since the epoch of a `since`/`until` bound (a date is a day in
/// the backlog's timezone; `until` a date includes the whole day).
fn bound(spec: &str, until: bool, offset: i32, arg: &str) -> Result<i64, ToolError> {
    if let Some(d) = crate::util::time::parse_date(spec) {
        return Ok(if until {
            crate::metrics::end_of(d, offset) - 1
        } else {
            crate::metrics::end_of(d.pred_opt().unwrap_or(d), offset)
        });
    }
    crate::util::time::parse_datetime(spec)
        .map(|t| t.timestamp())
        .ok_or_else(|| ToolError::Params(format!("arguments.{arg}: expected a date (YYYY-MM-DD) or an RFC 3339 time")))
}

pub(super) fn history_of(l: &Loaded) -> Result<Events, ToolError> {
    history::read(&l.backlog.root, &l.backlog.config, true)
        .map_err(|e| ToolError::failed(format!("reading git history: {e}")))
}

pub fn log(s: &mut Session, a: Value) -> Result<Value, ToolError> {
    let a: LogArgs = read(a)?;
    let l = fresh(s)?;
    let offset = crate::metrics::offset(&l.backlog);
    let since = a.since.as_deref().map(|x| bound(x, false, offset, "since")).transpose()?;
    let until = a.until.as_deref().map(|x| bound(x, true, offset, "until")).transpose()?;
    let ev = history_of(l)?;
    let author = a.author.as_deref().map(str::to_lowercase);
    let keep = |e: &&Event| {
        a.id.as_deref().is_none_or(|id| e.id == id)
            && since.is_none_or(|t| e.seconds >= t)
            && until.is_none_or(|t| e.seconds <= t)
            && author
                .as_deref()
                .is_none_or(|w| e.author.to_lowercase().contains(w) || e.email.to_lowercase().contains(w))
    };
    let events: Vec<&Event> = ev.events.iter().filter(keep).collect();
    let total = events.len();
    let n = a.limit.map_or(DEFAULT_EVENTS, |n| n as usize);
    Ok(json!({"events": &events[total.saturating_sub(n)..], "total": total, "warnings": ev.warnings()}))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricsArgs {
    /// "Today" (YYYY-MM-DD): the backlog as of the last commit on or before it (default: the HEAD commit's date)
    pub today: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BurndownArgs {
    /// The sprint's id (default: the sprint under way today)
    pub sprint: Option<String>,
    /// "Today" (YYYY-MM-DD): the backlog as of the last commit on or before it (default: the HEAD commit's date)
    pub today: Option<String>,
}

/// The history analysis behind `metrics` and `burndown`, as the commands
/// of those names compute it.
fn analysis(s: &mut Session, today: Option<&str>, what: &str) -> Result<crate::metrics::Analysis, ToolError> {
    let day = today
        .map(|t| {
            crate::util::time::parse_date(t)
                .ok_or_else(|| ToolError::Params("arguments.today: expected a date (YYYY-MM-DD)".into()))
        })
        .transpose()?;
    let l = fresh(s)?;
    let events = history_of(l)?;
    if events.source == Source::NoRepository {
        return Err(ToolError::failed(format!(
            "`{what}` needs git history: the backlog is not inside a git repository"
        )));
    }
    let opts = crate::metrics::Options { today: day };
    let Some(day) = day else {
        return Ok(crate::metrics::analyze(&l.backlog, &l.graph, &events, &opts));
    };
    let side = crate::metrics::as_of(&l.backlog.root, &l.backlog.config, &events, day)
        .map_err(|e| ToolError::failed(e.to_string()))?
        .ok_or_else(|| ToolError::failed(format!("`{what}` with `today` needs git history")))?;
    let graph = crate::graph::Graph::build(&side.backlog);
    Ok(crate::metrics::analyze(&side.backlog, &graph, &events, &opts))
}

pub fn metrics(s: &mut Session, a: Value) -> Result<Value, ToolError> {
    let a: MetricsArgs = read(a)?;
    let an = analysis(s, a.today.as_deref(), "metrics")?;
    Ok(crate::metrics::json(&an))
}

pub fn burndown(s: &mut Session, a: Value) -> Result<Value, ToolError> {
    let a: BurndownArgs = read(a)?;
    let an = analysis(s, a.today.as_deref(), "burndown")?;
    let b = an.pick_burndown(a.sprint.as_deref(), "`sprint`").map_err(ToolError::failed)?;
    serde_json::to_value(b).map_err(|e| ToolError::failed(e.to_string()))
}
