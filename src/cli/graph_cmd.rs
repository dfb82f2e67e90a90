//! `cairn ready`, `cairn impact` and `cairn graph`.

use clap::{Args, ValueEnum};
use serde_json::{json, Value};

use super::{out, out_json, out_with, to_json, Ctx, Query};
use crate::graph::ready;
use crate::graph::render::{self, Selection};
use crate::graph::schedule::Schedule;
use crate::graph::Graph;
use crate::load::view::View;
use crate::load::Backlog;

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextJson {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct ReadyArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = TextJson::Text)]
    pub format: TextJson,
    /// Only items committed to this sprint
    #[arg(long, value_name = "ID")]
    pub sprint: Option<String>,
    /// Only items assigned to this person or team
    #[arg(long, value_name = "NAME")]
    pub assignee: Option<String>,
}

#[derive(Args, Debug)]
pub struct ImpactArgs {
    /// The item that slips
    pub id: String,
    /// Output format
    #[arg(long, value_enum, default_value_t = TextJson::Text)]
    pub format: TextJson,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    Json,
    Svg,
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    /// Draw around this item (its descendants and neighbours within --depth)
    pub id: Option<String>,
    /// How many edges away from ID to go (default 2)
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,
    /// Output format
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Edge types to include, e.g. `depends_on,parent` (default: all)
    #[arg(long, value_delimiter = ',', value_name = "TYPE,...")]
    pub relations: Vec<String>,
}

/// The index of `id`, or an error with a did-you-mean hint (exit 2).
fn find(b: &Backlog, id: &str) -> anyhow::Result<usize> {
    match b.index.get(id) {
        Some(&i) => Ok(i),
        None => {
            let hint = crate::util::suggest::hint(id, b.items.iter().map(|i| i.id()));
            anyhow::bail!("no item with id `{id}`{hint}")
        }
    }
}

/// The index of `id` in a view of the items, or an error with a
/// did-you-mean hint (exit 2).
fn find_in(v: &impl View, id: &str) -> anyhow::Result<usize> {
    match v.find(id) {
        Some(i) => Ok(i),
        None => {
            let hint = crate::util::suggest::hint(id, (0..v.len()).map(|i| v.id(i)));
            anyhow::bail!("no item with id `{id}`{hint}")
        }
    }
}

pub fn ready(ctx: &Ctx, a: &ReadyArgs) -> anyhow::Result<u8> {
    let mut query = ctx.load_query()?;
    if let Query::Columns(c, g) = &mut query {
        // The rows' other keys come from the index (`View::row_json`),
        // checked before any is printed: a damaged one, and the index is
        // removed; loaded normally (and written again).
        let list = ready_list(ctx, a, c, g)?;
        let rows: Vec<usize> = list.iter().map(|r| r.node).collect();
        if c.rows_intact(&rows) {
            ready_print(a, c, g, &list);
            ctx.leave((query, list));
            return Ok(0);
        }
        query = reload(ctx)?;
    }
    match query {
        Query::Columns(c, g) => {
            let list = ready_list(ctx, a, &c, &g)?;
            ready_print(a, &c, &g, &list);
            ctx.leave((c, g, list));
        }
        Query::Backlog(b, g) => {
            let list = ready_list(ctx, a, &b, &g)?;
            ready_print(a, &b, &g, &list);
            ctx.leave((b, g, list));
        }
    }
    Ok(0)
}

/// The ready items of `ready`'s arguments (an unknown sprint is an error).
fn ready_list(ctx: &Ctx, a: &ReadyArgs, v: &impl View, g: &Graph) -> anyhow::Result<Vec<ready::Ready>> {
    if let Some(s) = &a.sprint {
        if !v.find(s).is_some_and(|i| v.is_sprint(i)) {
            let hint = crate::util::suggest::hint(s, (0..v.len()).filter(|&i| v.is_sprint(i)).map(|i| v.id(i)));
            anyhow::bail!("no sprint with id `{s}`{hint}");
        }
    }
    let t = std::time::Instant::now();
    let filter = ready::Filter { sprint: a.sprint.as_deref(), assignee: a.assignee.as_deref() };
    let list = ready::ready_in(v, g, &filter);
    ctx.log("ready", &format!("{} in {:.1?}", crate::util::text::count(list.len(), "ready item"), t.elapsed()));
    Ok(list)
}

/// Prints the ready items (whole in `v`).
fn ready_print(a: &ReadyArgs, v: &impl View, g: &Graph, list: &[ready::Ready]) {
    let object = |r: &ready::Ready| {
        let mut o = crate::query::item_object_in(v, g, r.node, None);
        o["unblocks"] = json!(r.unblocks);
        o
    };
    match a.format {
        TextJson::Json => {
            let rows: Vec<usize> = list.iter().map(|r| r.node).collect();
            let unblocks = |k: usize| vec![("unblocks", json!(list[k].unblocks))];
            out_with(|w| crate::query::write_items_in(w, v, g, &rows, &Default::default(), &unblocks));
        }
        TextJson::Text if list.is_empty() => out("nothing is ready\n"),
        TextJson::Text => {
            let objects: Vec<Value> = list.iter().map(object).collect();
            let fields: Vec<String> = ["id", "kind", "priority", "unblocks", "assignee", "estimate", "title"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            out(&crate::query::table(&objects, &fields));
        }
    }
}

/// The backlog loaded normally after the query index failed a check (and
/// was removed), writing the index again.
fn reload(ctx: &Ctx) -> anyhow::Result<Query> {
    Ok(match ctx.load_query()? {
        Query::Columns(..) => {
            let (b, g) = ctx.load()?;
            Query::Backlog(b, g)
        }
        q => q,
    })
}

pub fn impact(ctx: &Ctx, a: &ImpactArgs) -> anyhow::Result<u8> {
    let mut query = ctx.load_query()?;
    if let Query::Columns(c, g) = &mut query {
        // The titles of what slips come from the index's rows, checked
        // first (see `ready`).
        let i = find_in(c, &a.id)?;
        let rows: Vec<usize> = crate::graph::impact::impact(c, g, i).delayed.iter().map(|d| d.node).collect();
        if c.rows_intact(&rows) {
            impact_print(ctx, a, c, g, i);
            ctx.leave(query);
            return Ok(0);
        }
        query = reload(ctx)?;
    }
    match query {
        Query::Columns(c, g) => {
            let i = find_in(&c, &a.id)?;
            impact_print(ctx, a, &c, &g, i);
            ctx.leave((c, g));
        }
        Query::Backlog(b, g) => {
            let i = find_in(&b, &a.id)?;
            impact_print(ctx, a, &b, &g, i);
            ctx.leave((b, g));
        }
    }
    Ok(0)
}

/// Schedules and prints what slips with item `i` (whole in `v`, with the
/// items that slip).
fn impact_print(ctx: &Ctx, a: &ImpactArgs, v: &impl View, g: &Graph, i: usize) {
    let t = std::time::Instant::now();
    let s = Schedule::compute_in(v, g);
    ctx.log("schedule", &format!("scheduled in {:.1?}", t.elapsed()));
    let t = std::time::Instant::now();
    let json = crate::query::impact_json_in(v, g, &s, i);
    ctx.log("impact", &format!("computed in {:.1?}", t.elapsed()));
    match a.format {
        TextJson::Json => out_json(&json),
        TextJson::Text => out(&impact_text(&json)),
    }
    ctx.leave(s);
}

fn impact_text(v: &Value) -> String {
    let id = v["id"].as_str().unwrap_or("");
    let delayed = v["delayed"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let mut o = String::new();
    let kinds = crate::query::show::counts_by_kind(&v["by_kind"]);
    if delayed.is_empty() {
        o.push_str(&format!("nothing waits on {id}\n"));
    } else {
        o.push_str(&format!(
            "if {id} slips, {} item{} slip{}: {}\n",
            delayed.len(),
            if delayed.len() == 1 { "" } else { "s" },
            if delayed.len() == 1 { "s" } else { "" },
            kinds.join(", ")
        ));
    }
    match (&v["slack_days"], v["critical"].as_bool()) {
        (Value::Null, _) => o.push_str("schedule: not scheduled (done, not a work item, or in a cycle)\n"),
        (s, Some(true)) => {
            o.push_str(&format!("schedule: on the critical path (slack {})\n", crate::query::show::days(s)))
        }
        (s, _) => o.push_str(&format!("schedule: {} of slack\n", crate::query::show::days(s))),
    }
    if !delayed.is_empty() {
        o.push('\n');
        let w = delayed.iter().filter_map(|d| d["id"].as_str()).map(|s| s.chars().count()).max().unwrap_or(0);
        for d in delayed {
            let via: Vec<&str> =
                d["via"].as_array().map(|a| a.iter().filter_map(|x| x.as_str()).collect()).unwrap_or_default();
            o.push_str(&format!(
                "  {:>3}  {:w$}  {:10} {:13} {}\n",
                d["distance"],
                d["id"].as_str().unwrap_or(""),
                d["kind"].as_str().unwrap_or(""),
                format!("[{}]", d["status"].as_str().unwrap_or("")),
                d["title"].as_str().unwrap_or(""),
            ));
            // A cut path (`via_truncated`) starts with an ellipsis for the
            // hops left out next to the item that slips.
            let cut = if d["via_truncated"].as_bool() == Some(true) { "… → " } else { "" };
            if via.len() > 1 || !cut.is_empty() {
                o.push_str(&format!("       {:w$}  via {id} → {cut}{}\n", "", via.join(" → ")));
            }
        }
    }
    o
}

pub fn graph(ctx: &Ctx, a: &GraphArgs) -> anyhow::Result<u8> {
    let (b, g) = ctx.load()?;
    let known = render::relation_names(&b);
    for r in &a.relations {
        if !known.contains(r) {
            let hint = crate::util::suggest::hint(r, known.iter().map(String::as_str));
            anyhow::bail!("unknown relation `{r}`{hint} (known: {})", known.join(", "));
        }
    }
    let center = a.id.as_deref().map(|id| find(&b, id)).transpose()?;
    if center.is_none() && a.depth.is_some() {
        anyhow::bail!("--depth needs an item id (`cairn graph ID --depth N`)");
    }
    let sel = Selection {
        center,
        depth: a.depth.unwrap_or(2),
        relations: if a.relations.is_empty() { None } else { Some(a.relations.clone()) },
    };
    let sub = render::select(&b, &g, &sel);
    let s = Schedule::compute(&b, &g);
    let text = match a.format {
        GraphFormat::Json => to_json(&render::json::render(&b, &g, &s, &sub)),
        GraphFormat::Dot => render::dot::render(&b, &g, &s, &sub),
        GraphFormat::Mermaid => {
            if sub.edges.len() > 500 {
                ctx.warn(&format!(
                    "{} edges: GitHub renders Mermaid diagrams of at most 500 edges; draw less with an ID, --depth or --relations",
                    sub.edges.len()
                ));
            }
            render::mermaid::render(&b, &g, &s, &sub)
        }
        GraphFormat::Svg => {
            if sub.nodes.len() > render::svg::MAX_NODES {
                anyhow::bail!(
                    "the graph has {} items, too many to draw legibly (at most {}); draw one epic (`cairn graph EPIC --depth 0 --format svg`) or one item's neighbourhood (`cairn graph ID --depth 2 --format svg`)",
                    sub.nodes.len(),
                    render::svg::MAX_NODES
                );
            }
            render::svg::render(&b, &g, &s, &sub)
        }
    };
    out(&text);
    Ok(0)
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoadmapFormat {
    Svg,
    Mermaid,
    Ics,
    Json,
}

#[derive(Args, Debug)]
pub struct RoadmapArgs {
    /// Only this item's subtree (an initiative, epic or feature)
    pub id: Option<String>,
    /// svg: a Gantt chart; mermaid: a `gantt` GitHub renders; ics: due dates, sprints and milestones for calendars
    #[arg(long, value_enum, default_value_t = RoadmapFormat::Svg)]
    pub format: RoadmapFormat,
    /// Draw dependency arrows (svg)
    #[arg(long)]
    pub arrows: bool,
    /// The date of the today marker and of "overdue" (default: HEAD's date, none without git)
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
    pub today: Option<chrono::NaiveDate>,
}

fn parse_date_arg(s: &str) -> Result<chrono::NaiveDate, String> {
    crate::util::time::parse_date(s).ok_or_else(|| format!("`{s}` is not a date (YYYY-MM-DD)"))
}

/// `cairn roadmap`: the schedule as a timeline.
pub fn roadmap(ctx: &Ctx, a: &RoadmapArgs) -> anyhow::Result<u8> {
    let (b, g) = ctx.load()?;
    let root = a.id.as_deref().map(|id| find(&b, id)).transpose()?;
    let s = Schedule::compute(&b, &g);
    let today = a.today.or_else(|| crate::metrics::head_date(&b.root, &b.config));
    let r = crate::graph::roadmap::build(&b, &g, &s, root, today);
    if r.start.is_none() && a.format != RoadmapFormat::Json {
        ctx.warn("no dates: the schedule has no start (set `schedule.start` in cairn.yml, or a `start` date on an item or sprint)");
    }
    let title = match root {
        Some(i) => b.items[i].title.value.clone(),
        None => b.config.name.clone(),
    };
    match a.format {
        RoadmapFormat::Json => out_json(&r),
        RoadmapFormat::Svg => {
            out(&render::gantt::render(&r, render::gantt::Options { arrows: a.arrows, compact: false }))
        }
        RoadmapFormat::Mermaid => out(&crate::graph::roadmap::mermaid(&r, &title)),
        RoadmapFormat::Ics => out(&crate::graph::roadmap::ics(&r, &b, &title)),
    }
    Ok(0)
}
