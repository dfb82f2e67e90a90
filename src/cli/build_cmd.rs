//! `cairn build`: check, then render the static site and write it atomically.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;

use super::{display_path, Ctx, EXIT_PROBLEMS};
use crate::site::{self, Inputs, NoAnalytics, Options};

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// Output folder (default: ROOT/_site); replaced atomically
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Where the site will be served from (absolute links in the Atom feed)
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Do not read git history (no audit log, no derived dates)
    #[arg(long)]
    pub no_history: bool,
    /// Refuse to write the site when the backlog has errors (warnings count as errors)
    #[arg(long)]
    pub strict: bool,
    /// Include drafts (items with status `draft` or the label `draft`)
    #[arg(long)]
    pub drafts: bool,
    /// Render every page, ignoring what the last build into this folder
    /// left in `.cairn-cache/` (builds are otherwise incremental)
    #[arg(long)]
    pub full: bool,
}

pub fn build(ctx: &Ctx, a: &BuildArgs) -> anyhow::Result<u8> {
    let start = std::time::Instant::now();
    crate::util::alloc::for_build();
    let (backlog, graph) = ctx.load()?;
    let root = backlog.root.clone();
    let out = match &a.out {
        Some(o) if o.is_absolute() => o.clone(),
        Some(o) => std::env::current_dir()?.join(o),
        None => root.join("_site"),
    };
    // Never replace the root itself (or a folder holding it).
    if let (Ok(r), Ok(o)) = (root.canonicalize(), out.canonicalize()) {
        if r.starts_with(&o) {
            anyhow::bail!("refusing to write the site over `{}`: it contains the backlog root", display_path(&out));
        }
    }
    let t = std::time::Instant::now();
    // "Today" is the HEAD commit's date, as in `check`, `burndown` and
    // `metrics`: the same commit builds the same site on any day, and the
    // problems page lists what `cairn check` does, overdue items (W022)
    // included. Without git (or with --no-history) it is the clock's date.
    let head = if a.no_history { None } else { crate::metrics::head_date(&backlog.root, &backlog.config) };
    let mut report = crate::check::check_on(&backlog, &graph, head);
    if a.strict {
        report = report.strict();
    }
    ctx.log(
        "check",
        &format!("{} in {:.1?}", crate::util::text::count(report.diagnostics.len(), "diagnostic"), t.elapsed()),
    );
    let errors = report.errors();
    if a.strict && errors > 0 {
        let text = crate::check::report::human(&report, &root, ctx.color_stderr);
        let _ = std::io::stderr().write_all(text.as_bytes());
        ctx.error(&format!(
            "--strict: {errors} problem{} found; the site was not written",
            if errors == 1 { "" } else { "s" }
        ));
        return Ok(EXIT_PROBLEMS);
    }
    let (events, note) = if a.no_history {
        (None, Some("built with --no-history: no audit trail or history-based charts".to_string()))
    } else {
        match super::shared::read_history(ctx, &backlog, true, true) {
            Ok(ev) => {
                let note = ev.warning();
                (Some(ev), note.map(|w| w.split_once(' ').map(|(_, r)| r.to_string()).unwrap_or(w)))
            }
            Err(e) => {
                ctx.warn(&format!("history unavailable: {e}"));
                (None, Some(format!("history unavailable: {e}")))
            }
        }
    };
    let derived = events.as_ref().map(crate::history::derived).unwrap_or_default();
    // The HEAD commit's history time when history was read (the one time
    // of `log` and the metrics), else its committer date.
    let history_head = events.as_ref().and_then(|e| e.head_time());
    let today = history_head
        .map(|t| crate::metrics::date_of(t, crate::metrics::offset(&backlog)))
        .or(head)
        .unwrap_or_else(|| crate::metrics::clock_date(&backlog.config));
    // History-based burndowns, metrics and insights ("today" = the HEAD
    // commit's date, as in `cairn burndown` / `cairn metrics`).
    let no_analytics = NoAnalytics::default();
    let analysis = events.as_ref().filter(|e| e.source == crate::history::Source::Git).map(|ev| {
        let t = std::time::Instant::now();
        let a = crate::metrics::analyze(&backlog, &graph, ev, &crate::metrics::Options::default());
        ctx.log(
            "metrics",
            &format!("{} in {:.1?}", crate::util::text::count(a.burndowns.len(), "sprint"), t.elapsed()),
        );
        a
    });
    let analytics: &dyn site::Analytics = match &analysis {
        Some(a) => a,
        None => &no_analytics,
    };
    let base_url = a.base_url.clone().unwrap_or_else(|| backlog.config.base_url.clone());
    let inputs = Inputs {
        backlog: &backlog,
        graph: &graph,
        report: &report,
        history: events.as_ref(),
        derived: &derived,
        analytics,
        options: Options {
            base_url,
            drafts: a.drafts,
            today: Some(today),
            history_note: note,
            proposals: crate::load::proposals::list(&backlog.root).0,
        },
    };
    let t = std::time::Instant::now();
    let bar = std::io::stderr().is_terminal() && !ctx.global.quiet;
    let progress = |done: usize, total: usize| {
        if bar && total > 0 {
            let w = 30;
            let f = done * w / total;
            let _ = write!(std::io::stderr(), "\r  rendering [{}{}] {done}/{total}", "#".repeat(f), " ".repeat(w - f));
            let _ = std::io::stderr().flush();
        }
    };
    // Pages are written as they are rendered, into a folder beside `out`
    // that replaces it at the end (see `site::write::write_with`).
    let theme = site::theme::Theme::load(&root, backlog.config.site.theme.as_deref())?;
    // Incremental: only the pages whose inputs changed since the last
    // build into `out` are rendered; the rest is hard-linked from it.
    let set = |var: &str| std::env::var(var).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    let no_cache = set("CAIRN_NO_CACHE");
    let req = crate::engine::site::Request {
        root: &root,
        out: &out,
        flags: crate::engine::hash_bytes(&[&[u8::from(a.strict), u8::from(a.no_history)]]),
        full: a.full || no_cache,
        save: !no_cache && !set("CI"),
        last: true,
    };
    // A backlog too large for this machine's memory: a clear refusal now,
    // not an abort half-way through the pages.
    let need = backlog.items.len() as u64 * site::RENDER_BYTES_PER_ITEM;
    crate::util::alloc::ensure("rendering the site", need).map_err(anyhow::Error::msg)?;
    let built = crate::engine::site::build(&inputs, &theme, &req, &progress);
    if bar {
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
    let built = built.map_err(|e| anyhow::anyhow!("writing the site to `{}`: {e:#}", display_path(&out)))?;
    let rendered = built.stats;
    let mode = match &built.full {
        Some(why) => format!("full build ({why})"),
        None => "incremental".to_string(),
    };
    ctx.log(
        "render+write",
        &format!(
            "{mode}: rendered {} of {} jobs; {} written, {} reused; {} in {:.1?}",
            built.jobs_rendered,
            built.jobs_total,
            crate::util::text::count(built.written, "file"),
            built.reused,
            crate::util::text::count(rendered.files, "file"),
            t.elapsed()
        ),
    );
    let phases: Vec<String> = built.phases.iter().map(|(n, s)| format!("{n} {:.0} ms", s * 1000.0)).collect();
    ctx.log("render+write", &phases.join(", "));
    let (frags, of) = built.fragments;
    ctx.log("render+write", &format!("list fragments: rendered {frags} of {of}"));
    if built.full.is_none() {
        ctx.log("render+write", &format!("site-wide jobs rendered: {}", built.site_wide.join(" ")));
        let times: Vec<String> =
            built.site_wide_times.iter().map(|(j, s)| format!("{j} {:.1} ms", s * 1000.0)).collect();
        ctx.log("render+write", &format!("site-wide job times: {}", times.join(", ")));
    }
    if let Some(e) = &built.save_error {
        ctx.log("render+write", &format!("the build state was not saved ({e}): the next build is a full one"));
    }
    if errors > 0 && !ctx.global.quiet {
        ctx.warn(&format!(
            "{errors} error{} in the backlog (listed on problems.html; `cairn check` for details)",
            if errors == 1 { "" } else { "s" }
        ));
    }
    if !ctx.global.quiet {
        let line = format!(
            "built {} ({}) in {:.2}s → {}\n",
            crate::util::text::count(rendered.pages, "page"),
            crate::util::text::count(rendered.items, "item"),
            start.elapsed().as_secs_f64(),
            display_path(&out)
        );
        let _ = std::io::stderr().write_all(line.as_bytes());
    }
    // The process ends after the build: the backlog, its graph, history
    // and report are left to the operating system to take back at exit,
    // not freed one by one (as `engine::site::Request::last` does).
    std::mem::forget(inputs);
    std::mem::forget(analysis);
    std::mem::forget(derived);
    std::mem::forget(events);
    std::mem::forget(report);
    std::mem::forget(graph);
    std::mem::forget(backlog);
    Ok(if errors > 0 { EXIT_PROBLEMS } else { 0 })
}
