//! `cairn init`, `new`, `set`, `mv` and `fmt`: every write but `init` goes
//! through the edit engine (`edit::plan` → `check` → `apply` → `commit`).

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::Value;

use super::shared::{write_checked, WriteFlags};
use super::{display_path, out, Ctx, EXIT_PROBLEMS};
use crate::check::{report, Report};
use crate::edit::{self, ChangeSet, EditError, Op};
use crate::load::Backlog;

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
    /// The body (Markdown); default: the kind's template (templates/items/KIND.md, or the built-in one)
    #[arg(long, conflicts_with = "body_file")]
    pub body: Option<String>,
    /// Read the body from a file (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
    /// Open $VISUAL (or $EDITOR) on the new file, then check it
    #[arg(long)]
    pub edit: bool,
    #[command(flatten)]
    pub write: WriteFlags,
}

fn read_body(path: &Path) -> anyhow::Result<String> {
    if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| anyhow::anyhow!("cannot read the body from stdin: {e}"))?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
}

/// The editor to run: `$VISUAL`, else `$EDITOR` (program and arguments).
fn editor() -> anyhow::Result<Vec<String>> {
    for var in ["VISUAL", "EDITOR"] {
        if let Ok(v) = std::env::var(var) {
            let words: Vec<String> = v.split_whitespace().map(str::to_string).collect();
            if !words.is_empty() {
                return Ok(words);
            }
        }
    }
    anyhow::bail!("--edit needs an editor: set $VISUAL or $EDITOR (for example `export EDITOR=vi`)")
}

pub fn new(ctx: &Ctx, a: &NewArgs) -> anyhow::Result<u8> {
    let editor = if a.edit { Some(editor()?) } else { None };
    let body = match (&a.body, &a.body_file) {
        (Some(b), _) => Some(b.clone()),
        (None, Some(f)) => Some(read_body(f)?),
        (None, None) => None,
    };
    let mut backlog = ctx.load_backlog()?;
    let req = edit::NewItem {
        kind: a.kind.clone(),
        title: a.title.clone(),
        parent: a.parent.clone(),
        id: a.id.clone(),
        set: a.set.clone(),
    };
    let cs = edit::plan(&backlog, [Op::Create { item: req, body }])?;
    let code = write(ctx, &mut backlog, &cs, a.write, "was not created")?;
    if code != 0 {
        return Ok(code);
    }
    let Some(created) = cs.changes.iter().find(|c| c.old.is_none()) else { return Ok(0) };
    let path = backlog.root.join(&created.path);
    out(&format!("{}\n", display_path(&path)));
    let Some(cmd) = editor else { return Ok(0) };
    let status = std::process::Command::new(&cmd[0])
        .args(&cmd[1..])
        .arg(&path)
        .status()
        .map_err(|e| anyhow::anyhow!("cannot run the editor `{}`: {e}", cmd[0]))?;
    if !status.success() {
        ctx.warn(&format!("the editor exited with {status}; {} was kept as it is", created.path));
    }
    // Check the file as the editor left it.
    let after = ctx.load_backlog()?;
    let report = crate::check::check_backlog(&after);
    let mine: Vec<_> = report.diagnostics.into_iter().filter(|d| d.file == created.path).collect();
    let errors = mine.iter().filter(|d| d.severity == crate::check::Severity::Error).count();
    if !mine.is_empty() {
        let r = Report { items: 1, diagnostics: mine };
        eprint!("{}", report::human_with(&r, &after.root, &[], ctx.color_stderr));
    }
    if errors > 0 {
        ctx.error(&format!("{} does not check; it was kept: fix it and run `cairn check`", created.path));
        return Ok(EXIT_PROBLEMS);
    }
    Ok(0)
}

/// Checks a change set, refuses it (exit 1, diagnostics shown against the
/// text that would have been written) unless `--force`, then writes it and,
/// with `--commit`, commits it. `what` ends the refusal message.
fn write(ctx: &Ctx, backlog: &mut Backlog, cs: &ChangeSet, flags: WriteFlags, what: &str) -> anyhow::Result<u8> {
    write_checked(ctx, backlog, cs, flags, what, true)
}

/// Plans edits; a conflict is exit 1, other refusals are errors (exit 2).
fn plan(ctx: &Ctx, backlog: &Backlog, ops: Vec<Op>) -> anyhow::Result<Result<ChangeSet, u8>> {
    match edit::plan(backlog, ops) {
        Ok(cs) => Ok(Ok(cs)),
        Err(e @ EditError::Conflict { .. }) => {
            ctx.error(&e.to_string());
            Ok(Err(EXIT_PROBLEMS))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Args, Debug)]
pub struct SetArgs {
    /// The item's id
    pub id: String,
    /// FIELD=VALUE (YAML scalar: 5, 2026-12-01, text), FIELD+=V / FIELD-=V for lists, body=@FILE (@- for stdin)
    #[arg(value_name = "FIELD=VALUE", required_unless_present = "unset")]
    pub assignments: Vec<String>,
    /// Remove a field; repeatable
    #[arg(long, value_name = "FIELD")]
    pub unset: Vec<String>,
    #[command(flatten)]
    pub write: WriteFlags,
}

/// `FIELD=VALUE`, `FIELD+=VALUE`, `FIELD-=VALUE` → an operation.
fn assignment(id: &str, s: &str) -> anyhow::Result<Op> {
    let Some(eq) = s.find('=') else {
        anyhow::bail!("bad assignment `{s}`: write FIELD=VALUE, FIELD+=VALUE or FIELD-=VALUE");
    };
    let (mut field, value) = (&s[..eq], &s[eq + 1..]);
    let mut mode = ' ';
    if let Some(f) = field.strip_suffix('+') {
        field = f;
        mode = '+';
    } else if let Some(f) = field.strip_suffix('-') {
        field = f;
        mode = '-';
    }
    let field = field.trim();
    let ok = !field.is_empty()
        && field.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && field.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !ok {
        anyhow::bail!("bad field name `{field}` in `{s}`");
    }
    let id = id.to_string();
    if field == "body" {
        if mode != ' ' {
            anyhow::bail!("the body is replaced with body=TEXT or body=@FILE, not {field}{mode}=");
        }
        let body = match value.strip_prefix('@') {
            Some(f) => read_body(Path::new(f))?,
            None => value.to_string(),
        };
        return Ok(Op::SetBody { id, body });
    }
    if value.trim().is_empty() && mode == ' ' {
        anyhow::bail!("`{field}=` has no value: use `--unset {field}` to remove the field");
    }
    let v: Value = edit::scalar::parse_cli(value);
    let field = field.to_string();
    Ok(match mode {
        '+' => Op::Add { id, field, value: v },
        '-' => Op::Remove { id, field, value: v },
        _ => Op::Set { id, field, value: v },
    })
}

pub fn set(ctx: &Ctx, a: &SetArgs) -> anyhow::Result<u8> {
    let mut ops = Vec::new();
    for s in &a.assignments {
        ops.push(assignment(&a.id, s)?);
    }
    for f in &a.unset {
        ops.push(Op::Unset { id: a.id.clone(), field: f.clone() });
    }
    // The common case, an edit that names no other item differently, needs
    // only the item's own file: the rest of the backlog cannot change what
    // `check` reports about it (see `ChangeSet::is_local`).
    let root = ctx.root()?;
    let config = crate::config::Config::load(&root)?;
    if let Some(mut one) = edit::engine::locate(&root, &config, &a.id) {
        if let Ok(cs) = edit::plan(&one, ops.clone()) {
            if cs.is_local(&one) {
                ctx.log("load", "only the item's file: the edit names no other item differently");
                let code = write(ctx, &mut one, &cs, a.write, "was not changed")?;
                if code == 0 {
                    out(&format!("{}\n", display_path(&root.join(&one.items[0].path))));
                }
                return Ok(code);
            }
        }
    }
    let mut backlog = ctx.load_backlog()?;
    let cs = match plan(ctx, &backlog, ops)? {
        Ok(cs) => cs,
        Err(code) => return Ok(code),
    };
    let code = write(ctx, &mut backlog, &cs, a.write, "was not changed")?;
    if code != 0 {
        return Ok(code);
    }
    let path = match backlog.get(&a.id) {
        Some(i) => backlog.root.join(&i.path),
        None => backlog.root.clone(),
    };
    out(&format!("{}\n", display_path(&path)));
    Ok(0)
}

#[derive(Args, Debug)]
pub struct MvArgs {
    /// The item's id now
    pub old: String,
    /// Its new id (and file name)
    pub new: String,
    #[command(flatten)]
    pub write: WriteFlags,
}

pub fn mv(ctx: &Ctx, a: &MvArgs) -> anyhow::Result<u8> {
    let mut backlog = ctx.load_backlog()?;
    let cs = match plan(ctx, &backlog, vec![Op::Rename { id: a.old.clone(), to: a.new.clone() }])? {
        Ok(cs) => cs,
        Err(code) => return Ok(code),
    };
    let code = write(ctx, &mut backlog, &cs, a.write, "not changed")?;
    if code != 0 {
        return Ok(code);
    }
    // The renamed file first, then the files whose references changed.
    let moved = cs.changes.iter().find(|c| c.from.is_some());
    if let Some(m) = moved {
        out(&format!("{}\n", display_path(&backlog.root.join(&m.path))));
    }
    for c in cs.changes.iter().filter(|c| c.from.is_none()) {
        out(&format!("{}\n", display_path(&backlog.root.join(&c.path))));
    }
    Ok(0)
}

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Only these items (default: every item)
    pub ids: Vec<String>,
    /// Write nothing: list the files that are not in canonical form and exit 1 if any
    #[arg(long)]
    pub check: bool,
    /// Make one git commit of the change
    #[arg(long, conflicts_with = "check")]
    pub commit: bool,
}

pub fn fmt(ctx: &Ctx, a: &FmtArgs) -> anyhow::Result<u8> {
    let mut backlog = ctx.load_backlog()?;
    let ids: Vec<String> = if a.ids.is_empty() {
        let mut v: Vec<String> = Vec::with_capacity(backlog.items.len());
        let mut seen = std::collections::HashSet::new();
        for i in &backlog.items {
            // Duplicate ids: format the file the id resolves to, once.
            if seen.insert(i.id()) {
                v.push(i.id().to_string());
            }
        }
        v
    } else {
        a.ids.clone()
    };
    let cs = match plan(ctx, &backlog, ids.into_iter().map(|id| Op::Format { id }).collect())? {
        Ok(cs) => cs,
        Err(code) => return Ok(code),
    };
    for (path, why) in &cs.skipped {
        ctx.warn(&format!("{path}: {why}"));
    }
    if a.check {
        for c in &cs.changes {
            out(&format!("{}\n", c.path));
        }
        if !cs.is_empty() && !ctx.global.quiet {
            let n = cs.changes.len();
            ctx.error(&format!(
                "{n} file{} not in canonical form: run `cairn fmt`",
                if n == 1 { " is" } else { "s are" }
            ));
        }
        return Ok(if cs.is_empty() { 0 } else { EXIT_PROBLEMS });
    }
    // Values do not change (each file was parsed again to make sure), so
    // nothing new can fail `check`.
    let flags = WriteFlags { force: false, commit: a.commit };
    let code = write_checked(ctx, &mut backlog, &cs, flags, "not formatted", false)?;
    if code != 0 {
        return Ok(code);
    }
    for c in &cs.changes {
        out(&format!("{}\n", c.path));
    }
    Ok(0)
}
