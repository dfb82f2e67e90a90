//! What several commands share (this is not a command): reading the
//! history with the command line's logging, and the one-line text of an
//! event. Command modules import from here and from `cli/mod.rs`, never
//! from each other (`tests/architecture.rs`).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{Ctx, EXIT_PROBLEMS};
use crate::check::{report, Report};
use crate::edit::{self, ChangeSet, EditError};
use crate::history::{self, Action, Event, Events};
use crate::load::Backlog;

/// `--today DATE` of the history commands.
pub fn parse_today(s: &str) -> Result<chrono::NaiveDate, String> {
    crate::util::time::parse_date(s).ok_or_else(|| format!("`{s}` is not a date (YYYY-MM-DD)"))
}

/// The backlog, its graph and its history for a history command (`what`
/// names it in errors). With `today`, the backlog is the one of the last
/// commit on or before that day ([`crate::metrics::as_of`]), not the files
/// of the working tree, and history is required.
pub fn load_as_of(
    ctx: &Ctx,
    today: Option<chrono::NaiveDate>,
    use_cache: bool,
    what: &str,
) -> anyhow::Result<(Backlog, crate::graph::Graph, Events)> {
    let Some(day) = today else {
        let (b, g) = ctx.load()?;
        let events = read_history(ctx, &b, use_cache, true)?;
        return Ok((b, g, events));
    };
    // Only the root and config: the items come from history.
    let root = ctx.root()?;
    let config = crate::config::Config::load(&root)?;
    let backlog = Backlog::from_items(root, config, Vec::new(), Vec::new(), 0);
    let events = read_history(ctx, &backlog, use_cache, true)?;
    if events.source == history::Source::NoRepository {
        anyhow::bail!(
            "`cairn {what} --today` needs git history: `{}` is not inside a git repository",
            backlog.root.display()
        );
    }
    let t = std::time::Instant::now();
    let side = crate::metrics::as_of(&backlog.root, &backlog.config, &events, day)?
        .ok_or_else(|| anyhow::anyhow!("`cairn {what} --today` needs git history"))?;
    for u in side.unreadable.iter().take(history::MAX_UNREADABLE) {
        ctx.warn(&format!("W012 cannot read git object {u} (missing or corrupt): skipped"));
    }
    ctx.log("as-of", &format!("{} items as of {day} in {:.1?}", side.backlog.items.len(), t.elapsed()));
    let graph = crate::graph::Graph::build(&side.backlog);
    Ok((side.backlog, graph, events))
}

/// Reads the history of the backlog (cached), warning on stderr about a
/// missing repository or a shallow clone when `warn`.
pub fn read_history(ctx: &Ctx, backlog: &Backlog, use_cache: bool, warn: bool) -> anyhow::Result<Events> {
    read_history_at(ctx, &backlog.root, &backlog.config, use_cache, warn)
}

/// [`read_history`] of the backlog at `root` with `config`.
pub fn read_history_at(
    ctx: &Ctx,
    root: &std::path::Path,
    config: &crate::config::Config,
    use_cache: bool,
    warn: bool,
) -> anyhow::Result<Events> {
    let t = std::time::Instant::now();
    let ev = history::read(root, config, use_cache)?;
    ctx.log(
        "history",
        &format!(
            "{} ({} processed), {} in {:.1?}",
            crate::util::text::count(ev.commits.len(), "commit"),
            ev.processed,
            crate::util::text::count(ev.events.len(), "event"),
            t.elapsed()
        ),
    );
    if warn {
        for w in ev.warnings() {
            ctx.warn(&w);
        }
    }
    Ok(ev)
}

/// Derived created/updated/reporter per id, for `list` and `show`; empty
/// when there is no history (never an error: these commands work without git).
pub fn derived(ctx: &Ctx, backlog: &Backlog) -> BTreeMap<String, crate::query::Derived> {
    derived_at(ctx, &backlog.root, &backlog.config)
}

/// [`derived`] for the backlog at `root` with `config`.
pub fn derived_at(
    ctx: &Ctx,
    root: &std::path::Path,
    config: &crate::config::Config,
) -> BTreeMap<String, crate::query::Derived> {
    match read_history_at(ctx, root, config, true, false) {
        Ok(ev) => history::derived(&ev),
        Err(e) => {
            ctx.warn(&format!("history unavailable: {e}"));
            BTreeMap::new()
        }
    }
}

pub fn short(v: &Option<Value>) -> String {
    match v {
        None | Some(Value::Null) => "∅".to_string(),
        Some(v) => {
            let s = v.to_string();
            if s.chars().count() > 60 {
                format!("{}…", s.chars().take(59).collect::<String>())
            } else {
                s
            }
        }
    }
}

pub fn text_line(e: &Event) -> String {
    let what = match (e.action, e.field.as_deref()) {
        (Action::Created, _) => format!("created {}", e.path),
        (Action::Deleted, _) => format!("deleted {}", e.path),
        (Action::Renamed, _) => format!("renamed {} → {}", short_path(&e.old), short_path(&e.new)),
        (Action::Updated, Some("body")) => "updated body".to_string(),
        (Action::Updated, f) => format!("updated {}: {} → {}", f.unwrap_or(""), short(&e.old), short(&e.new)),
    };
    format!("{}  {}  {}  {}  {}\n", e.time, &e.commit[..e.commit.len().min(8)], e.author, e.id, what)
}

fn short_path(v: &Option<Value>) -> String {
    v.as_ref().and_then(|v| v.as_str()).unwrap_or("").to_string()
}

/// How many events `show` lists.
const RECENT: usize = 10;

/// Adds derived created/updated/reporter (where the front-matter has none)
/// and `history` (the item's last events, newest first) to a `show` view;
/// returns those events as text for `show --format text`.
pub fn add_history(ctx: &Ctx, backlog: &Backlog, id: &str, view: &mut Value) -> String {
    let ev = match read_history(ctx, backlog, true, false) {
        Ok(ev) => ev,
        Err(e) => {
            ctx.warn(&format!("history unavailable: {e}"));
            return String::new();
        }
    };
    if let Some(d) = history::derived(&ev).get(id) {
        for (k, v) in [("created", &d.created), ("updated", &d.updated), ("reporter", &d.reporter)] {
            if view[k].is_null() {
                view[k] = json!(v);
            }
        }
    }
    let recent: Vec<&Event> = ev.events.iter().rev().filter(|e| e.id == id).take(RECENT).collect();
    view["history"] = json!(recent);
    if recent.is_empty() {
        return String::new();
    }
    let mut s = String::from("\nrecent history:\n");
    for e in recent {
        s.push_str("  ");
        s.push_str(&text_line(e));
    }
    s
}

/// What every writing command shares: `--force` and `--commit`.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct WriteFlags {
    /// Write even if the change would introduce errors `check` reports
    #[arg(long)]
    pub force: bool,
    /// Make one git commit of the change (message `cairn: …`, your git identity)
    #[arg(long)]
    pub commit: bool,
}

/// Checks a change set (when `check`), refuses it (exit 1, diagnostics
/// shown against the text that would have been written) unless `--force`,
/// then writes it and, with `--commit`, commits it. `what` ends the refusal message.
pub fn write_checked(
    ctx: &Ctx,
    backlog: &mut Backlog,
    cs: &ChangeSet,
    flags: WriteFlags,
    what: &str,
    check: bool,
) -> anyhow::Result<u8> {
    if cs.is_empty() {
        return Ok(0);
    }
    if flags.commit {
        edit::commit::ready(&backlog.root)?;
    }
    let t = std::time::Instant::now();
    let problems = if check { cs.check_in(backlog) } else { Vec::new() };
    ctx.log("check", &format!("{} files in {:.1?}", cs.changes.len(), t.elapsed()));
    if !problems.is_empty() {
        let n = problems.len();
        let r = Report { items: cs.changes.len(), diagnostics: problems };
        eprint!("{}", report::human_with(&r, &backlog.root, &cs.texts(), ctx.color_stderr));
        let files: Vec<&str> = cs.changes.iter().map(|c| c.path.as_str()).collect();
        let errors = if n == 1 { "1 error".to_string() } else { format!("{n} errors") };
        if !flags.force {
            ctx.error(&format!(
                "{} {what}: the change would introduce {errors} (--force writes it anyway)",
                files.join(", ")
            ));
            return Ok(EXIT_PROBLEMS);
        }
        ctx.warn(&format!("writing {} with {errors} (--force)", files.join(", ")));
    }
    let t = std::time::Instant::now();
    let applied = cs.apply();
    ctx.log("write", &format!("{} files in {:.1?}", cs.changes.len(), t.elapsed()));
    match applied {
        Ok(()) => {}
        Err(e @ EditError::Conflict { .. }) => {
            ctx.error(&e.to_string());
            return Ok(EXIT_PROBLEMS);
        }
        Err(e) => return Err(e.into()),
    }
    if flags.commit {
        let id = cs.commit(&format!("cairn: {}", cs.summary))?;
        if !ctx.global.quiet {
            eprintln!("committed {} cairn: {}", &id[..id.len().min(10)], cs.summary);
        }
    }
    Ok(0)
}

/// An edit planning error: a conflict is exit 1, the rest exit 2.
pub fn edit_error(ctx: &Ctx, e: crate::edit::EditError) -> anyhow::Result<u8> {
    match e {
        e @ crate::edit::EditError::Conflict { .. } => {
            ctx.error(&e.to_string());
            Ok(super::EXIT_PROBLEMS)
        }
        e => Err(e.into()),
    }
}

/// Writes `draft` as a proposal file (and commits it with `commit`);
/// prints its path. For `cairn plan --propose` and `cairn analyze --propose`.
pub fn propose(ctx: &Ctx, backlog: &Backlog, draft: crate::edit::proposal::Draft, commit: bool) -> anyhow::Result<u8> {
    let (prop, cs) = match crate::edit::proposal::propose(backlog, draft) {
        Ok(x) => x,
        Err(e) => return proposal_error(ctx, e),
    };
    write_files(ctx, &cs, commit)?;
    super::out(&format!("{}\n", prop.path));
    Ok(0)
}

/// Writes a change set that is not item files (a proposal), and commits it.
pub fn write_files(ctx: &Ctx, cs: &crate::edit::ChangeSet, commit: bool) -> anyhow::Result<()> {
    if commit {
        crate::edit::commit::ready(&cs.root)?;
    }
    cs.apply()?;
    if commit {
        let id = cs.commit(&format!("cairn: {}", cs.summary))?;
        if !ctx.global.quiet {
            eprintln!("committed {} cairn: {}", &id[..id.len().min(10)], cs.summary);
        }
    }
    Ok(())
}

/// Stale, not open, already there, a conflict: exit 1; the rest exit 2.
pub fn proposal_error(ctx: &Ctx, e: crate::edit::proposal::ProposalError) -> anyhow::Result<u8> {
    use crate::edit::proposal::ProposalError;
    match e {
        ProposalError::Edit(e) => edit_error(ctx, e),
        e @ (ProposalError::Stale { .. } | ProposalError::NotOpen { .. } | ProposalError::Exists(..)) => {
            ctx.error(&e.to_string());
            Ok(super::EXIT_PROBLEMS)
        }
        e => Err(e.into()),
    }
}
