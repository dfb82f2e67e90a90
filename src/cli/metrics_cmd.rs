//! `cairn burndown` and `cairn metrics`: sprint burndown, velocity, flow and
//! forecasts from git history (`history.md`).
//!
//! "Today" is the date of the HEAD commit in the repository's timezone
//! (`timezone:` in `cairn.yml`, UTC by default) unless `--today` is given,
//! so the output depends only on the repository, never on the clock.

use clap::{Args, ValueEnum};

use super::{out, to_json, Ctx};
use crate::history::Source;
use crate::metrics::{self, Analysis};
use crate::util::text::count;

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum BurndownFormat {
    Text,
    Json,
    Svg,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct BurndownArgs {
    /// The sprint's id (default: the sprint under way today)
    pub sprint: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = BurndownFormat::Text)]
    pub format: BurndownFormat,
    /// "Today" (YYYY-MM-DD): the backlog as of the last commit on or before it; default: the date of the HEAD commit
    #[arg(long, value_name = "DATE", value_parser = super::shared::parse_today)]
    pub today: Option<chrono::NaiveDate>,
    /// Do not read or write the history cache
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Args, Debug)]
pub struct MetricsArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = MetricsFormat::Text)]
    pub format: MetricsFormat,
    /// "Today" (YYYY-MM-DD): the backlog as of the last commit on or before it; default: the date of the HEAD commit
    #[arg(long, value_name = "DATE", value_parser = super::shared::parse_today)]
    pub today: Option<chrono::NaiveDate>,
    /// Do not read or write the history cache
    #[arg(long)]
    pub no_cache: bool,
}

/// Loads the backlog (as of `today`, see [`super::shared::load_as_of`])
/// and its history and runs the analysis.
fn analyze(ctx: &Ctx, today: Option<chrono::NaiveDate>, use_cache: bool, what: &str) -> anyhow::Result<Analysis> {
    let (backlog, graph, events) = super::shared::load_as_of(ctx, today, use_cache, what)?;
    if events.source == Source::NoRepository {
        anyhow::bail!("`cairn {what}` needs git history: `{}` is not inside a git repository", backlog.root.display());
    }
    let t = std::time::Instant::now();
    let a = metrics::analyze(&backlog, &graph, &events, &metrics::Options { today });
    ctx.log(
        "metrics",
        &format!(
            "{}, {} in {:.1?}",
            count(a.burndowns.len(), "sprint"),
            count(events.events.len(), "event"),
            t.elapsed()
        ),
    );
    Ok(a)
}

pub fn burndown(ctx: &Ctx, a: &BurndownArgs) -> anyhow::Result<u8> {
    let analysis = analyze(ctx, a.today, !a.no_cache, "burndown")?;
    let b = analysis.pick_burndown(a.sprint.as_deref(), "`cairn burndown SPRINT`").map_err(|e| anyhow::anyhow!(e))?;
    let text = match a.format {
        BurndownFormat::Json => to_json(b),
        BurndownFormat::Text => metrics::burndown::text(b),
        BurndownFormat::Svg => {
            let mut s = crate::site::charts::burndown_svg(b, false);
            s.push('\n');
            s
        }
    };
    out(&text);
    Ok(0)
}

pub fn metrics(ctx: &Ctx, a: &MetricsArgs) -> anyhow::Result<u8> {
    let analysis = analyze(ctx, a.today, !a.no_cache, "metrics")?;
    let text = match a.format {
        MetricsFormat::Json => to_json(&metrics::json(&analysis)),
        MetricsFormat::Text => metrics::velocity::text(&analysis.metrics),
    };
    out(&text);
    Ok(0)
}
