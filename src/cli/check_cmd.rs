//! `cairn check`, `cairn explain`, `cairn schema`.

use clap::{Args, ValueEnum};

use super::{out, Ctx, EXIT_PROBLEMS};
use crate::check::{self, report};
use crate::util::text::count;

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckFormat {
    Human,
    Json,
    Github,
    Gitlab,
    /// SARIF 2.1.0, for GitHub code scanning
    Sarif,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Treat warnings as errors
    #[arg(long)]
    pub strict: bool,
    /// Skip rules that need git history
    #[arg(long)]
    pub no_history: bool,
}

pub fn check(ctx: &Ctx, a: &CheckArgs) -> anyhow::Result<u8> {
    let (backlog, pending) = ctx.load_backlog_deferred()?;
    // The parse cache, when this load has one to write (a fresh clone), is
    // written on another thread while the rules run and the report is
    // printed; it is done (or failed, which costs only the next run's
    // speed, as always) before the command returns.
    let (code, graph, r) = std::thread::scope(|s| {
        let writer = pending.map(|p| s.spawn(|| p.write(&backlog)));
        let done = run(ctx, a, &backlog);
        if let Some(w) = writer {
            if w.join().is_err() {
                ctx.warn(
                    "could not write the parse cache (.cairn-cache/items.bin); the next check parses every file again",
                );
            }
        }
        done
    });
    ctx.leave((backlog, graph, r));
    Ok(code)
}

/// `check` on a loaded backlog: the graph, the rules, the report on stdout;
/// the exit code.
fn run(ctx: &Ctx, a: &CheckArgs, backlog: &crate::load::Backlog) -> (u8, crate::graph::Graph, check::Report) {
    let t = std::time::Instant::now();
    let graph = crate::graph::Graph::build(backlog);
    ctx.log("graph", &format!("{} in {:.1?}", count(graph.edges.len(), "edge"), t.elapsed()));
    let t = std::time::Instant::now();
    // Overdue (W022) against "today" = the HEAD commit's date: needs git.
    let today = if a.no_history { None } else { crate::metrics::head_date(&backlog.root, &backlog.config) };
    let mut r = check::check_on(backlog, &graph, today);
    ctx.log("check", &format!("{} in {:.1?}", count(r.diagnostics.len(), "diagnostic"), t.elapsed()));
    if a.strict {
        r = r.strict();
    }
    let text = match a.format {
        CheckFormat::Human => {
            if ctx.global.quiet && r.diagnostics.is_empty() {
                String::new()
            } else {
                report::human(&r, &backlog.root, ctx.color_stdout)
            }
        }
        CheckFormat::Json => {
            super::out_json(&report::json_report(&r));
            String::new()
        }
        CheckFormat::Github => report::github(&r, &backlog.root),
        CheckFormat::Gitlab => report::gitlab(&r, &backlog.root),
        CheckFormat::Sarif => {
            super::out_json(&check::sarif::log(&r, &backlog.root));
            String::new()
        }
    };
    out(&text);
    if matches!(a.format, CheckFormat::Github | CheckFormat::Sarif) && !ctx.global.quiet {
        eprintln!("{}", report::summary(&r));
    }
    let code = if r.errors() > 0 { EXIT_PROBLEMS } else { 0 };
    (code, graph, r)
}

pub fn explain(code: Option<&str>) -> anyhow::Result<u8> {
    use check::diagnostic::{explain_text, CODES};
    let Some(code) = code else {
        let w = CODES.iter().map(|c| c.name.len()).max().unwrap_or(0);
        out(&CODES.iter().map(|c| format!("{}  {:<w$}  {}\n", c.code, c.name, c.title)).collect::<String>());
        return Ok(0);
    };
    match check::diagnostic::explain(code) {
        Some(info) => {
            out(&explain_text(info));
            Ok(0)
        }
        None => {
            let hint = crate::util::suggest::hint(code, CODES.iter().map(|c| c.code));
            let codes: Vec<&str> = CODES.iter().map(|c| c.code).collect();
            anyhow::bail!("unknown diagnostic code `{code}`{hint}\nknown codes: {}", codes.join(", "))
        }
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaKind {
    Item,
    Config,
}

#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// Which schema
    #[arg(value_enum)]
    pub which: SchemaKind,
    /// The generic schema (as committed in schema/), not this root's
    #[arg(long)]
    pub generic: bool,
}

pub fn schema(ctx: &Ctx, a: &SchemaArgs) -> anyhow::Result<u8> {
    let value = match a.which {
        SchemaKind::Config => crate::schema::config_schema(),
        SchemaKind::Item if a.generic => crate::schema::item_schema(None),
        SchemaKind::Item => {
            let root = ctx.root()?;
            let cfg = crate::config::Config::load(&root)?;
            crate::schema::item_schema(Some(&cfg))
        }
    };
    out(&super::to_json(&value));
    Ok(0)
}
