//! `cairn init` and `cairn new`.

use std::path::PathBuf;

use clap::Args;

use super::{display_path, out, Ctx, EXIT_PROBLEMS};
use crate::check::{report, Report};
use crate::edit;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Where to create the backlog (default: the current folder)
    pub dir: Option<PathBuf>,
    /// Only cairn.yml and the folders, no example items
    #[arg(long)]
    pub bare: bool,
}

pub fn init(ctx: &Ctx, a: &InitArgs) -> anyhow::Result<u8> {
    let dir = match &a.dir {
        Some(d) => d.clone(),
        None => match &ctx.global.root {
            Some(r) => r.clone(),
            None => std::env::current_dir()?,
        },
    };
    std::fs::create_dir_all(&dir)?;
    let done = edit::init(&dir, a.bare)?;
    if !ctx.global.quiet {
        for f in &done.created {
            out(&format!("created {}\n", display_path(f)));
        }
        for f in &done.appended {
            out(&format!("updated {}\n", display_path(f)));
        }
    }
    Ok(0)
}

#[derive(Args, Debug)]
pub struct NewArgs {
    /// The kind of item (story, task, bug, …)
    pub kind: String,
    /// Its title
    pub title: String,
    /// The parent item's id
    #[arg(long)]
    pub parent: Option<String>,
    /// Set a field: FIELD=VALUE (VALUE is YAML: 3, [a, b], "text"); repeatable
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub set: Vec<String>,
    /// The id (default: a slug of the title)
    #[arg(long)]
    pub id: Option<String>,
}

pub fn new(ctx: &Ctx, a: &NewArgs) -> anyhow::Result<u8> {
    let (backlog, _) = ctx.load()?;
    let req = edit::NewItem {
        kind: a.kind.clone(),
        title: a.title.clone(),
        parent: a.parent.clone(),
        id: a.id.clone(),
        set: a.set.clone(),
    };
    let plan = edit::plan_new(&backlog, &req)?;
    if !edit::plan_ok(&plan) {
        // Show the problems against the text that would have been written.
        let dir = tempfile_dir(&plan)?;
        let r = Report { items: 1, diagnostics: plan.diagnostics.clone() };
        eprint!("{}", report::human(&r, &dir, ctx.color_stderr));
        let _ = std::fs::remove_dir_all(&dir);
        ctx.error(&format!("{} was not created", plan.rel));
        return Ok(EXIT_PROBLEMS);
    }
    edit::write_new(&plan)?;
    out(&format!("{}\n", display_path(&plan.path)));
    Ok(0)
}

/// A scratch folder holding the planned file, so diagnostics can quote it.
fn tempfile_dir(plan: &edit::Planned) -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("cairn-new-{}", std::process::id()));
    let path = dir.join(&plan.rel);
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p)?;
    }
    std::fs::write(&path, &plan.text)?;
    Ok(dir)
}
