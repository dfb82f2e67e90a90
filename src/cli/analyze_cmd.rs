//! `cairn analyze`: the analyst's report (`metrics::analyze`) as text,
//! Markdown (a stand-up note or a pull-request comment) or JSON.
//!
//! Without git history the report still comes out: the history-based
//! sections say there is no history. Deterministic: "today" is the HEAD
//! commit's date.

use clap::{Args, ValueEnum};

use super::{out, to_json, Ctx};
use crate::metrics::analyze::{self, AnalyzeOptions};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalyzeFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = AnalyzeFormat::Text)]
    pub format: AnalyzeFormat,
    /// The sprint to report on (default: the one under way, else the next, else the last)
    #[arg(long, value_name = "ID")]
    pub sprint: Option<String>,
    /// "Today" (YYYY-MM-DD): the backlog as of the last commit on or before it; default: the date of the HEAD commit
    #[arg(long, value_name = "DATE", value_parser = super::shared::parse_today)]
    pub today: Option<chrono::NaiveDate>,
    /// Do not read or write the history cache
    #[arg(long)]
    pub no_cache: bool,
    /// Write the suggested fixes as a proposal in proposals/ (for `cairn proposal apply|reject`)
    #[arg(long, conflicts_with = "today")]
    pub propose: bool,
    /// With --propose: make one git commit of the proposal
    #[arg(long, requires = "propose")]
    pub commit: bool,
}

pub fn analyze(ctx: &Ctx, a: &AnalyzeArgs) -> anyhow::Result<u8> {
    let (backlog, graph, events) = super::shared::load_as_of(ctx, a.today, !a.no_cache, "analyze")?;
    let t = std::time::Instant::now();
    let opts = AnalyzeOptions { sprint: a.sprint.clone(), today: a.today };
    let report = analyze::analyze(&backlog, &graph, &events, &opts)?;
    ctx.log("analyze", &format!("{} items in {:.1?}", backlog.items.len(), t.elapsed()));
    let text = match a.format {
        AnalyzeFormat::Json => to_json(&report),
        AnalyzeFormat::Text => analyze::words::text(&report),
        AnalyzeFormat::Markdown => analyze::words::markdown(&report),
    };
    out(&text);
    if a.propose {
        let created = crate::history::head_time(&backlog.root, &backlog.config).map(crate::history::rfc3339);
        let Some(draft) = crate::plan::fixes::draft(&report, created) else {
            ctx.warn("nothing to propose: the analyst suggests no fixes");
            return Ok(0);
        };
        return super::shared::propose(ctx, &backlog, draft, a.commit);
    }
    Ok(0)
}
