//! `cairn export`: every item (with its body) as JSON, JSON Lines or CSV.

use clap::{Args, ValueEnum};
use serde_json::json;

use super::{out, out_json, Ctx, Items};
use crate::query::{export, Filter};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Json,
    Jsonl,
    Csv,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Output format: `json` (`{"items": [...]}`), `jsonl` (one item per line) or `csv` (one column per field)
    #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
    pub format: ExportFormat,
    /// Only items this expression holds for (the language of `cairn list --where`)
    #[arg(long = "where", value_name = "EXPR")]
    pub where_: Option<String>,
}

pub fn export(ctx: &Ctx, a: &ExportArgs) -> anyhow::Result<u8> {
    let filter = a.where_.as_deref().map(Filter::new).transpose()?;
    let (backlog, graph) = ctx.load()?;
    if let Some(f) = &filter {
        f.check_fields(&backlog)?;
    }
    let derived = super::shared::derived(ctx, &backlog);
    // One object per id (a duplicate id is an error `check` reports; the
    // index holds the item that wins), in id order.
    let mut order: Vec<usize> =
        (0..backlog.items.len()).filter(|&i| backlog.index.get(backlog.items[i].id()) == Some(&i)).collect();
    order.sort_by(|&x, &y| backlog.items[x].id().cmp(backlog.items[y].id()));
    let mut objects: Vec<serde_json::Value> = order
        .into_iter()
        .map(|i| {
            let item = &backlog.items[i];
            let mut o = crate::query::item_object(&backlog, &graph, i, derived.get(item.id()));
            o["body"] = json!(item.body);
            o
        })
        .collect();
    if let Some(f) = &filter {
        let keep = f.apply(objects.iter())?;
        let mut k = keep.into_iter();
        objects.retain(|_| k.next().unwrap_or(false));
    }
    match a.format {
        ExportFormat::Json => out_json(&Items { items: &objects }),
        ExportFormat::Jsonl => out(&export::jsonl(&objects)),
        ExportFormat::Csv => out(&export::csv(&objects)?),
    }
    Ok(0)
}
