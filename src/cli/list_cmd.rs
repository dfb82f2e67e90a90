//! `cairn list` and `cairn show`.

use clap::{Args, ValueEnum};
use rayon::prelude::*;
use serde_json::{json, Value};

use super::{out, out_json, to_json, Ctx, Items, LazySeq};
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
    let (backlog, graph) = ctx.load()?;
    query::validate_names(&backlog, &sort, &a.fields)?;
    if let Some(f) = &filter {
        f.check_fields(&backlog)?;
    }
    let want_body = a.fields.iter().any(|f| f == "body");
    // History (cached) only when an output or a filter can see its fields.
    let derived = if needs_history(a) { super::shared::derived(ctx, &backlog) } else { Default::default() };
    // The filter is evaluated a chunk at a time in parallel, on a context
    // of only the fields it reads when it can see nothing else
    // (`Filter::reads`), and item objects are built for the matching items
    // only (at 100,000 items, building and converting every object took
    // most of the time of a filter that keeps a few).
    let shown: Vec<usize> =
        (0..backlog.items.len()).filter(|&i| backlog.index.get(backlog.items[i].id()) == Some(&i)).collect();
    let object = |i: usize| {
        let mut o = query::item_object(&backlog, &graph, i, derived.get(backlog.items[i].id()));
        if want_body {
            o["body"] = json!(backlog.items[i].body);
        }
        o
    };
    let mut objects: Vec<Value> = Vec::new();
    for chunk in shown.chunks(4096) {
        let mut part: Vec<Value> = match filter.as_ref().map(|f| (f, f.reads())) {
            None => chunk.par_iter().map(|&i| object(i)).collect(),
            Some((f, Some(names))) => {
                let context =
                    |i: usize| query::where_context(&backlog, &graph, i, derived.get(backlog.items[i].id()), names);
                // In order: the first error is the one a serial run meets.
                let parts: Vec<Result<Vec<bool>, query::QueryError>> =
                    chunk.par_chunks(256).map(|c| f.apply_reduced(c.iter().map(|&i| context(i)))).collect();
                let keep: Vec<bool> = parts.into_iter().collect::<Result<Vec<_>, _>>()?.concat();
                let matching: Vec<usize> = chunk.iter().zip(keep).filter(|(_, k)| *k).map(|(&i, _)| i).collect();
                matching.par_iter().map(|&i| object(i)).collect()
            }
            Some((f, None)) => {
                let mut part: Vec<Value> = chunk.par_iter().map(|&i| object(i)).collect();
                let keep = f.apply(part.iter())?;
                let mut k = keep.into_iter();
                part.retain(|_| k.next().unwrap_or(false));
                part
            }
        };
        objects.append(&mut part);
    }
    objects.sort_by(|x, y| query::compare(&backlog, x, y, &sort));
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
            ctx.leave((backlog, graph, objects));
            return Ok(0);
        }
        ListFormat::Table => query::table(&objects, &fields),
        ListFormat::Csv => query::csv(&objects, &fields),
        ListFormat::Ids => objects.iter().filter_map(|o| o["id"].as_str()).map(|s| format!("{s}\n")).collect(),
    };
    out(&text);
    ctx.leave((backlog, graph, objects));
    Ok(0)
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
