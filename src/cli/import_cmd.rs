//! `cairn import FORMAT SOURCE`: read → plan (one change set) → check →
//! apply (or replay the source's history as commits) → check after.

use std::path::PathBuf;

use clap::Args;

use super::{display_path, out, Ctx, EXIT_PROBLEMS};
use crate::import::{self, plan, Format, ImportError};

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The source's format
    #[arg(value_enum)]
    pub format: Format,
    /// The file (or, for backlog-md, the folder) to import
    pub source: PathBuf,
    /// The backlog root to import into (default: the root, see -C); created if missing
    #[arg(long, value_name = "DIR")]
    pub into: Option<PathBuf>,
    /// Replay the source's own history as git commits with its authors and times
    #[arg(long)]
    pub with_history: bool,
    /// Show what would be created; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Skip bad records (listed) instead of importing nothing
    #[arg(long)]
    pub keep_going: bool,
    /// Make one git commit of the import (your git identity); --with-history commits anyway
    #[arg(long)]
    pub commit: bool,
}

pub fn import(ctx: &Ctx, a: &ImportArgs) -> anyhow::Result<u8> {
    let root = match &a.into {
        Some(d) => {
            if !a.dry_run {
                std::fs::create_dir_all(d)?;
            }
            d.clone()
        }
        None => ctx.root()?,
    };
    let t = std::time::Instant::now();
    let source = import::read(a.format, &a.source, a.with_history)?;
    ctx.log("read", &format!("{} records in {:.1?}", source.records.len(), t.elapsed()));
    let backlog = if root.is_dir() {
        crate::load::load(&root)?
    } else {
        crate::load::Backlog::from_items(root.clone(), crate::config::Config::default(), Vec::new(), Vec::new(), 0)
    };
    let t = std::time::Instant::now();
    let planned = match plan::plan(&backlog, &source, &plan::Options { keep_going: a.keep_going }) {
        Ok(p) => p,
        Err(ImportError::Problems(ps)) => {
            for p in &ps {
                eprintln!("{}: {p}", display_path(&a.source));
            }
            ctx.error(&format!(
                "{} in {}; nothing was written (--keep-going skips bad records)",
                crate::util::text::count(ps.len(), "problem"),
                display_path(&a.source)
            ));
            return Ok(EXIT_PROBLEMS);
        }
        Err(e) => return Err(e.into()),
    };
    ctx.log("plan", &format!("{} files in {:.1?}", planned.changes.changes.len(), t.elapsed()));
    for w in &planned.warnings {
        ctx.warn(&format!("{}: {w}", display_path(&a.source)));
    }
    for s in &planned.skipped {
        ctx.warn(&format!("skipped {}: {s}", display_path(&a.source)));
    }
    let verb = if a.dry_run { "would create" } else { "created" };
    if !ctx.global.quiet {
        let mut text = String::new();
        for c in &planned.created {
            text.push_str(&format!("{verb} {} ({} {})\n", c.path, c.kind, c.external_id));
        }
        out(&text);
    }
    let n = planned.created.len();
    if a.dry_run {
        eprintln!(
            "{} from {} (dry run: nothing written){}",
            crate::util::text::count(n, "item"),
            display_path(&a.source),
            skipped_note(planned.skipped.len())
        );
        return Ok(0);
    }
    if planned.changes.is_empty() {
        eprintln!("nothing to import from {}", display_path(&a.source));
        return Ok(0);
    }
    let message =
        format!("cairn import {} {}", a.format, a.source.file_name().map(|f| f.to_string_lossy()).unwrap_or_default());
    if a.with_history {
        let done = import::replay::replay(&backlog, &source, &planned, &message)?;
        eprintln!("replayed {} of history", crate::util::text::count(done.commits, "commit"));
    } else {
        if a.commit {
            crate::edit::commit::ready(&root)?;
        }
        planned.changes.apply()?;
        if a.commit {
            let id = planned.changes.commit(&message)?;
            eprintln!("committed {} {message}", &id[..id.len().min(10)]);
        }
    }
    // Check after: the backlog as written.
    let after = planned.changes.trial(&backlog);
    let report = crate::check::check_backlog(&after);
    eprintln!(
        "imported {} from {}{}; check: {}",
        crate::util::text::count(n, "item"),
        display_path(&a.source),
        skipped_note(planned.skipped.len()),
        crate::check::report::summary(&report)
    );
    Ok(0)
}

fn skipped_note(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" ({} skipped)", crate::util::text::count(n, "record"))
    }
}
