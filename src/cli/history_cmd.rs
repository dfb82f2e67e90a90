//! `cairn log` and `cairn diff`: the audit trail and the semantic diff, both
//! read from git history (`history.md`).

use clap::{Args, ValueEnum};
use serde_json::{json, Value};

use super::shared::{read_history, short, text_line};
use super::{out, to_json, Ctx, EXIT_PROBLEMS};
use crate::history::{self, diff, Event, Events};
use crate::load::Backlog;

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
    Jsonl,
}

#[derive(Args, Debug)]
pub struct LogArgs {
    /// Only the events of this item
    pub id: Option<String>,
    /// Only events after this date (`YYYY-MM-DD`, RFC 3339) or revision (exclusive)
    #[arg(long, value_name = "DATE|REV")]
    pub since: Option<String>,
    /// Only events up to this date (inclusive) or revision (inclusive)
    #[arg(long, value_name = "DATE|REV")]
    pub until: Option<String>,
    /// Only events by this author (case-insensitive substring of name or email)
    #[arg(long, value_name = "NAME")]
    pub author: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub format: LogFormat,
    /// Do not read or write the history cache
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// `BASE` (to the working tree) or `BASE..HEAD`; default: the merge-base with the default branch
    #[arg(value_name = "BASE[..HEAD]")]
    pub range: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
}

/// A `--since`/`--until` bound.
enum Bound {
    /// Seconds since the epoch.
    Time(i64),
    /// Index in the walk's commits.
    Commit(usize),
}

fn bound(spec: &str, until: bool, ev: &Events, backlog: &Backlog) -> anyhow::Result<Bound> {
    let offset = crate::util::time::parse_offset(&backlog.config.timezone).map(|o| o.local_minus_utc()).unwrap_or(0);
    if let Some(d) = crate::util::time::parse_date(spec) {
        let day = if until { d.succ_opt().unwrap_or(d) } else { d };
        let secs = day.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp()).unwrap_or(0) - i64::from(offset);
        // `until` a date includes the whole day.
        return Ok(Bound::Time(if until { secs - 1 } else { secs }));
    }
    if let Some(t) = crate::util::time::parse_datetime(spec) {
        return Ok(Bound::Time(t.timestamp()));
    }
    let Some(git) = history::walk::open(&backlog.root) else {
        anyhow::bail!("`{spec}` is not a date (YYYY-MM-DD or RFC 3339) and there is no git repository");
    };
    let repo = git.repo.to_thread_local();
    let id = diff::resolve(&repo, spec)
        .map_err(|e| anyhow::anyhow!("`{spec}` is neither a date (YYYY-MM-DD or RFC 3339) nor a revision: {e}"))?;
    let hex = id.to_string();
    if let Some(i) = ev.commits.iter().position(|c| c.id == hex) {
        return Ok(Bound::Commit(i));
    }
    let c = repo.find_commit(id).map_err(|e| anyhow::anyhow!("reading `{spec}`: {e}"))?;
    Ok(Bound::Time(c.time().map(|t| t.seconds).unwrap_or(0)))
}

pub fn log(ctx: &Ctx, a: &LogArgs) -> anyhow::Result<u8> {
    let root = ctx.root()?;
    let config = crate::config::Config::load(&root)?;
    let backlog = Backlog::from_items(root, config, Vec::new(), Vec::new(), 0);
    let ev = read_history(ctx, &backlog, !a.no_cache, true)?;
    let since = a.since.as_deref().map(|s| bound(s, false, &ev, &backlog)).transpose()?;
    let until = a.until.as_deref().map(|s| bound(s, true, &ev, &backlog)).transpose()?;
    let author = a.author.as_deref().map(str::to_lowercase);
    let keep = |e: &Event| {
        a.id.as_deref().is_none_or(|id| e.id == id)
            && match &since {
                Some(Bound::Time(t)) => e.seconds >= *t,
                Some(Bound::Commit(i)) => e.commit_index > *i,
                None => true,
            }
            && match &until {
                Some(Bound::Time(t)) => e.seconds <= *t,
                Some(Bound::Commit(i)) => e.commit_index <= *i,
                None => true,
            }
            && author
                .as_deref()
                .is_none_or(|w| e.author.to_lowercase().contains(w) || e.email.to_lowercase().contains(w))
    };
    let events: Vec<&Event> = ev.events.iter().filter(|e| keep(e)).collect();
    let text = match a.format {
        LogFormat::Json => to_json(&json!({ "events": events })),
        LogFormat::Jsonl => {
            let mut s = String::with_capacity(events.len() * 200);
            for e in &events {
                s.push_str(&serde_json::to_string(e).unwrap_or_default());
                s.push('\n');
            }
            s
        }
        LogFormat::Text => events.iter().map(|e| text_line(e)).collect(),
    };
    out(&text);
    Ok(0)
}

pub fn diff(ctx: &Ctx, a: &DiffArgs) -> anyhow::Result<u8> {
    let root = ctx.root()?;
    let config = crate::config::Config::load(&root)?;
    let Some(git) = history::walk::open(&root) else {
        anyhow::bail!("`cairn diff` needs a git repository: `{}` is not inside one", root.display());
    };
    let repo = git.repo.to_thread_local();
    let (base_label, base_id, head_spec) = match a.range.as_deref() {
        None => {
            let (label, id) = diff::default_base(&repo, &config)?;
            (label, id, None)
        }
        Some(r) => {
            let (b, h) = match r.split_once("..") {
                Some((b, h)) => (b, Some(if h.is_empty() { "HEAD" } else { h })),
                None => (r, None),
            };
            let b = if b.is_empty() { "HEAD" } else { b };
            (b.to_string(), diff::resolve(&repo, b)?, h.map(String::from))
        }
    };
    let base = diff::rev_side(&git, &base_label, base_id, &root, &config)?;
    let mut unreadable = base.unreadable.clone();
    // Status moves are judged commit by commit along the range (then HEAD →
    // WORKTREE), never from the endpoints alone.
    let (head, changes, steps) = match &head_spec {
        Some(h) => {
            let id = diff::resolve(&repo, h)?;
            let side = diff::rev_side(&git, h, id, &root, &config)?;
            unreadable.extend(side.unreadable.iter().cloned());
            let changes = diff::range_changes(&git, base_id, id, &config, &mut unreadable)?;
            let steps = diff::status_steps(&changes);
            (side, changes, steps)
        }
        None => {
            let side = diff::worktree_side(&root, &config);
            let head_id = diff::resolve(&repo, "HEAD")?;
            let changes = diff::range_changes(&git, base_id, head_id, &config, &mut unreadable)?;
            let steps = diff::status_steps(&changes);
            let more = diff::worktree_steps(&git, head_id, &base, &side, &steps)?;
            (side, changes, [steps, more].concat())
        }
    };
    unreadable.sort();
    unreadable.dedup();
    for u in unreadable.iter().take(history::MAX_UNREADABLE) {
        ctx.warn(&format!("W012 cannot read git object {u} (missing or corrupt): skipped; the diff may be incomplete"));
    }
    let owners = history::policy::Codeowners::load(&git.workdir, &git.root_in_repo);
    let d = diff::compare(&base, &head, &config, &steps, &changes, &owners);
    let text = match a.format {
        DiffFormat::Json => to_json(&d),
        DiffFormat::Text => diff_text(&d),
        DiffFormat::Markdown => diff_markdown(&d),
    };
    out(&text);
    Ok(if d.violations.is_empty() { 0 } else { EXIT_PROBLEMS })
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn summary(d: &diff::SemanticDiff) -> String {
    format!(
        "{} added, {} removed, {} renamed, {} changed, {} violation{}",
        d.added.len(),
        d.removed.len(),
        d.renamed.len(),
        d.changed.len(),
        d.violations.len(),
        if d.violations.len() == 1 { "" } else { "s" }
    )
}

fn change_text(c: &diff::FieldChange) -> String {
    if c.field == "body" {
        return "body changed".to_string();
    }
    if let (Some(a), Some(r)) = (&c.added, &c.removed) {
        let mut parts: Vec<String> = a.iter().map(|x| format!("+{}", s(x))).collect();
        parts.extend(r.iter().map(|x| format!("-{}", s(x))));
        if !parts.is_empty() {
            return format!("{}: {}", c.field, parts.join(" "));
        }
    }
    format!("{}: {} → {}", c.field, short(&c.old), short(&c.new))
}

fn diff_text(d: &diff::SemanticDiff) -> String {
    let mut o = format!("{}..{}: {}\n", d.base, d.head, summary(d));
    for i in &d.added {
        o.push_str(&format!("  added    {} {} {}\n", s(&i["kind"]), s(&i["id"]), s(&i["title"])));
    }
    for i in &d.removed {
        o.push_str(&format!("  removed  {} {} {}\n", s(&i["kind"]), s(&i["id"]), s(&i["title"])));
    }
    for r in &d.renamed {
        o.push_str(&format!("  renamed  {}: {} → {}\n", r.id, r.from, r.to));
    }
    for c in &d.changed {
        o.push_str(&format!("  changed  {}\n", c.id));
        for f in &c.changes {
            o.push_str(&format!("             {}\n", change_text(f)));
        }
    }
    for v in &d.violations {
        o.push_str(&format!(
            "{}[{}]: {}\n  --> {}:{}:{}\n",
            v.severity.as_str(),
            v.code,
            v.message,
            v.file,
            v.line,
            v.column
        ));
    }
    o
}

fn md_cell(x: &str) -> String {
    x.replace('|', "\\|").replace('\n', " ")
}

fn diff_markdown(d: &diff::SemanticDiff) -> String {
    let mark = if d.violations.is_empty() { "✅" } else { "❌" };
    let mut o = format!("{mark} **cairn diff** `{}`..`{}`: {}\n", d.base, d.head, summary(d));
    if d.is_empty() && d.violations.is_empty() {
        o.push_str("\nNo backlog changes.\n");
        return o;
    }
    if !d.violations.is_empty() {
        o.push_str("\n### Violations\n\n| | code | where | problem |\n| --- | --- | --- | --- |\n");
        for v in &d.violations {
            o.push_str(&format!(
                "| {} | {} | `{}:{}:{}` | {} |\n",
                v.severity.as_str(),
                v.code,
                v.file,
                v.line,
                v.column,
                md_cell(&v.message)
            ));
        }
    }
    for (title, items) in [("Added", &d.added), ("Removed", &d.removed)] {
        if items.is_empty() {
            continue;
        }
        o.push_str(&format!("\n### {title}\n\n| id | kind | status | title |\n| --- | --- | --- | --- |\n"));
        for i in items {
            o.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                s(&i["id"]),
                s(&i["kind"]),
                s(&i["status"]),
                md_cell(&s(&i["title"]))
            ));
        }
    }
    if !d.renamed.is_empty() {
        o.push_str("\n### Renamed\n\n| id | from | to |\n| --- | --- | --- |\n");
        for r in &d.renamed {
            o.push_str(&format!("| `{}` | `{}` | `{}` |\n", r.id, r.from, r.to));
        }
    }
    if !d.changed.is_empty() {
        o.push_str("\n### Changed\n\n| id | field | old | new |\n| --- | --- | --- | --- |\n");
        for c in &d.changed {
            for f in &c.changes {
                let (old, new) = if f.field == "body" {
                    ("".to_string(), "*edited*".to_string())
                } else if let (Some(a), Some(r)) = (&f.added, &f.removed) {
                    (
                        r.iter().map(|x| format!("−{}", s(x))).collect::<Vec<_>>().join(" "),
                        a.iter().map(|x| format!("+{}", s(x))).collect::<Vec<_>>().join(" "),
                    )
                } else {
                    (short(&f.old), short(&f.new))
                };
                o.push_str(&format!("| `{}` | {} | {} | {} |\n", c.id, f.field, md_cell(&old), md_cell(&new)));
            }
        }
    }
    o
}
