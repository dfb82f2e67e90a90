//! `cairn list` and `cairn show`.

use clap::{Args, ValueEnum};
use rayon::prelude::*;
use serde_json::{json, Value};

use std::collections::BTreeMap;

use super::{out, out_json, out_with, to_json, Ctx, Items, LazySeq, Query};
use crate::graph::Graph;
use crate::load::view::View;
use crate::load::Backlog;
use crate::query::{self, Filter};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    Table,
    Json,
    Csv,
    Ids,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// A minijinja expression over an item's fields, e.g. `status == "ready" and estimate > 3`
    #[arg(long = "where", value_name = "EXPR")]
    pub where_: Option<String>,
    /// Sort keys, e.g. `priority:desc,id`
    #[arg(long, value_name = "KEY[:asc|:desc],...")]
    pub sort: Option<String>,
    /// Fields to show (`body` to include the Markdown body)
    #[arg(long, value_delimiter = ',', value_name = "F,...")]
    pub fields: Vec<String>,
    /// At most N items
    #[arg(long)]
    pub limit: Option<usize>,
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

const TABLE_FIELDS: &[&str] = &["id", "kind", "status", "priority", "assignee", "estimate", "title"];

pub fn list(ctx: &Ctx, a: &ListArgs) -> anyhow::Result<u8> {
    let filter = a.where_.as_deref().map(Filter::new).transpose()?;
    let sort = query::parse_sort(a.sort.as_deref().unwrap_or("id"))?;
    // A filter that reads only the query index's columns runs on them
    // (`query::on_columns`); then only the matching rows are read whole.
    if filter.as_ref().and_then(Filter::reads).is_some_and(query::on_columns) {
        match ctx.load_query()? {
            Query::Columns(mut c, g) => {
                validate(a, &c, filter.as_ref(), &sort)?;
                let derived = if needs_history(a) {
                    super::shared::derived_at(ctx, &ctx.root()?, c.config())
                } else {
                    Default::default()
                };
                let mut rows = matching(&c, &g, filter.as_ref(), &derived)?;
                // The rows' other keys come from the index
                // (`View::row_json`), checked before any is printed; a
                // body from the row's file.
                let want_body = a.fields.iter().any(|f| f == "body");
                // The whole objects, by id: written straight from the
                // columns and the stored rows (`query::write_items_in`).
                let straight = a.format == ListFormat::Json && a.fields.is_empty() && !want_body && by_id(&sort);
                if straight {
                    if !rows.windows(2).all(|w| c.id(w[0]) < c.id(w[1])) {
                        rows.sort_by(|&x, &y| c.id(x).cmp(c.id(y)));
                    }
                    rows.truncate(a.limit.unwrap_or(usize::MAX));
                }
                let served = if want_body { c.fill(&rows) } else { c.rows_intact(&rows) };
                if served && straight {
                    out_with(|w| query::write_items_in(w, &c, &g, &rows, &derived, &|_| Vec::new()));
                    ctx.leave((c, g, derived));
                    return Ok(0);
                }
                if served {
                    let objects = objects(a, &c, &g, &rows, &sort, &derived);
                    print(ctx, a, objects);
                    ctx.leave((c, g));
                    return Ok(0);
                }
                // A row's file changed, or its stored JSON is damaged: the
                // index was removed; loaded normally (and written again).
                if let Query::Backlog(b, g) = ctx.load_query()? {
                    return list_in(ctx, a, &b, &g, filter.as_ref(), &sort);
                }
            }
            Query::Backlog(b, g) => return list_in(ctx, a, &b, &g, filter.as_ref(), &sort),
        }
    }
    let (b, g) = ctx.load()?;
    list_in(ctx, a, &b, &g, filter.as_ref(), &sort)
}

/// Whether `sort` is by id only, ascending (the default): the order of the
/// rows (items are sorted by id, and a row is the first of its id).
fn by_id(sort: &[query::SortKey]) -> bool {
    matches!(sort, [k] if k.field == "id" && !k.desc)
}

/// Checks the names of `--sort`, `--fields` and the filter.
fn validate(a: &ListArgs, v: &impl View, filter: Option<&Filter>, sort: &[query::SortKey]) -> anyhow::Result<()> {
    query::validate_names_in(v, sort, &a.fields)?;
    if let Some(f) = filter {
        f.check_fields_in(v)?;
    }
    Ok(())
}

/// `list` over a loaded backlog.
fn list_in(
    ctx: &Ctx,
    a: &ListArgs,
    b: &Backlog,
    g: &Graph,
    filter: Option<&Filter>,
    sort: &[query::SortKey],
) -> anyhow::Result<u8> {
    validate(a, b, filter, sort)?;
    // History (cached) only when an output or a filter can see its fields.
    let derived = if needs_history(a) { super::shared::derived(ctx, b) } else { Default::default() };
    let objects = match filter.map(|f| (f, f.reads())) {
        // A filter that sees the whole object runs on the objects.
        Some((f, None)) => {
            let shown: Vec<usize> = (0..b.len()).filter(|&i| b.is_node(i)).collect();
            let mut objects: Vec<Value> = Vec::new();
            for chunk in shown.chunks(4096) {
                let mut part: Vec<Value> = chunk
                    .par_iter()
                    .map(|&i| object(b, g, &derived, a.fields.iter().any(|f| f == "body"), i))
                    .collect();
                let keep = f.apply(part.iter())?;
                let mut k = keep.into_iter();
                part.retain(|_| k.next().unwrap_or(false));
                objects.append(&mut part);
            }
            objects.sort_by(|x, y| query::compare_in(b, x, y, sort));
            objects
        }
        _ => {
            let rows = matching(b, g, filter, &derived)?;
            self::objects(a, b, g, &rows, sort, &derived)
        }
    };
    print(ctx, a, objects);
    Ok(0)
}

/// The rows `list` shows (the first item of each id) that the filter keeps,
/// when it reads only the names it names (or there is none): the filter is
/// evaluated a chunk at a time in parallel, on a context of only those
/// names (`Filter::reads`), and item objects are built for the matching
/// rows only (at 100,000 items, building and converting every object took
/// most of the time of a filter that keeps a few).
fn matching(
    v: &impl View,
    g: &Graph,
    filter: Option<&Filter>,
    derived: &BTreeMap<String, query::Derived>,
) -> anyhow::Result<Vec<usize>> {
    let shown: Vec<usize> = (0..v.len()).filter(|&i| v.is_node(i)).collect();
    let Some((f, names)) = filter.and_then(|f| f.reads().map(|names| (f, names))) else { return Ok(shown) };
    let keys: Vec<minijinja::Value> = names.iter().map(|n| minijinja::Value::from(n.as_str())).collect();
    let context = |i: usize| query::where_context_value_in(v, g, i, derived.get(v.id(i)), names, &keys);
    let mut rows = Vec::new();
    for chunk in shown.chunks(4096) {
        // In order: the first error is the one a serial run meets.
        let parts: Vec<Result<Vec<bool>, query::QueryError>> =
            chunk.par_chunks(256).map(|c| f.apply_contexts(c.iter().map(|&i| context(i)), None)).collect();
        let keep: Vec<bool> = parts.into_iter().collect::<Result<Vec<_>, _>>()?.concat();
        rows.extend(chunk.iter().zip(keep).filter(|(_, k)| *k).map(|(&i, _)| i));
    }
    Ok(rows)
}

/// The item objects of `rows` (whole in `v`), sorted.
fn objects(
    a: &ListArgs,
    v: &impl View,
    g: &Graph,
    rows: &[usize],
    sort: &[query::SortKey],
    derived: &BTreeMap<String, query::Derived>,
) -> Vec<Value> {
    let want_body = a.fields.iter().any(|f| f == "body");
    let mut objects: Vec<Value> = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(4096) {
        let mut part: Vec<Value> = chunk.par_iter().map(|&i| object(v, g, derived, want_body, i)).collect();
        objects.append(&mut part);
    }
    objects.sort_by(|x, y| query::compare_in(v, x, y, sort));
    objects
}

/// The item object `list` shows for item `i` (with the body if asked).
fn object(v: &impl View, g: &Graph, derived: &BTreeMap<String, query::Derived>, want_body: bool, i: usize) -> Value {
    let mut o = query::item_object_in(v, g, i, derived.get(v.id(i)));
    if want_body {
        o["body"] = json!(v.item(i).map(|it| it.body.as_str()));
    }
    o
}

/// Prints `list`'s objects (sorted) as its arguments ask.
fn print(ctx: &Ctx, a: &ListArgs, mut objects: Vec<Value>) {
    if let Some(n) = a.limit {
        objects.truncate(n);
    }
    let fields: Vec<String> = if a.fields.is_empty() {
        match a.format {
            ListFormat::Table | ListFormat::Csv => TABLE_FIELDS.iter().map(|s| s.to_string()).collect(),
            _ => Vec::new(),
        }
    } else {
        a.fields.clone()
    };
    let text = match a.format {
        ListFormat::Json => {
            if fields.is_empty() {
                out_json(&Items { items: &objects });
            } else {
                out_json(&Items { items: LazySeq::new(objects.iter().map(|o| query::select(o, &fields))) });
            }
            ctx.leave(objects);
            return;
        }
        ListFormat::Table => query::table(&objects, &fields),
        ListFormat::Csv => query::csv(&objects, &fields),
        ListFormat::Ids => objects.iter().filter_map(|o| o["id"].as_str()).map(|s| format!("{s}\n")).collect(),
    };
    out(&text);
    ctx.leave(objects);
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShowFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The item's id
    pub id: String,
    /// Output format
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    pub format: ShowFormat,
}

pub fn show(ctx: &Ctx, a: &ShowArgs) -> anyhow::Result<u8> {
    let (backlog, graph) = ctx.load()?;
    let Some(&i) = backlog.index.get(&a.id) else {
        let hint = crate::util::suggest::hint_many(&a.id, backlog.items.iter().map(|i| i.id()), 3);
        anyhow::bail!("no item with id `{}`{hint}", a.id);
    };
    let mut view = crate::query::show::view(&backlog, &graph, i);
    let recent = super::shared::add_history(ctx, &backlog, &a.id, &mut view);
    match a.format {
        ShowFormat::Json => out(&to_json(&view)),
        ShowFormat::Text => out(&format!("{}{recent}", crate::query::show::text(&view))),
    }
    Ok(0)
}

/// Whether `list` shows or filters on a field derived from history.
fn needs_history(a: &ListArgs) -> bool {
    const DERIVED: [&str; 3] = ["created", "updated", "reporter"];
    let mentions = |s: &str| DERIVED.iter().any(|d| s.contains(d));
    (a.format == ListFormat::Json && a.fields.is_empty())
        || a.fields.iter().any(|f| DERIVED.contains(&f.as_str()))
        || a.where_.as_deref().is_some_and(mentions)
        || a.sort.as_deref().is_some_and(mentions)
}
