//! `cairn automate [BASE..HEAD]` and `cairn event github FILE`: the rules of
//! `automation:` on the events of a git range or a pull request; the
//! changes printed, or written through the edit engine (`--apply`),
//! committed (`--commit`), and the webhooks sent (`--apply` only).

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Value};

use super::{out, to_json, Ctx, EXIT_PROBLEMS};
use crate::automate::{self, events, github, webhook, Outcome};
use crate::check::{report, Report};
use crate::edit::ChangeSet;
use crate::history::diff;
use crate::load::Backlog;

/// The largest event payload read.
const MAX_PAYLOAD_BYTES: u64 = 25 * 1024 * 1024;

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AutoFormat {
    #[default]
    Text,
    Json,
    /// For a pull-request comment
    Markdown,
}

/// What `automate` and `event github` share.
#[derive(Args, Debug, Clone, Copy)]
pub struct RunFlags {
    /// Write the changes through the edit engine and send the webhooks
    #[arg(long, conflicts_with = "dry_run")]
    pub apply: bool,
    /// Also make one git commit of the changes (implies --apply)
    #[arg(long, conflicts_with = "dry_run")]
    pub commit: bool,
    /// Only print what would change (the default): nothing is written or sent
    #[arg(long)]
    pub dry_run: bool,
    /// Write even if the changes would introduce errors `check` reports
    #[arg(long)]
    pub force: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: AutoFormat,
}

#[derive(Args, Debug)]
pub struct AutomateArgs {
    /// The commits whose events the rules run on (default: from the merge-base
    /// with the default branch to HEAD; `BASE` alone is BASE..HEAD)
    #[arg(value_name = "BASE..HEAD")]
    pub range: Option<String>,
    #[command(flatten)]
    pub run: RunFlags,
}

#[derive(Args, Debug)]
pub struct EventArgs {
    #[command(subcommand)]
    pub source: EventSource,
}

#[derive(Subcommand, Debug)]
pub enum EventSource {
    /// A GitHub pull_request event payload (a webhook body, or $GITHUB_EVENT_PATH in Actions)
    Github {
        /// The payload file (JSON)
        file: PathBuf,
        #[command(flatten)]
        run: RunFlags,
    },
}

pub fn automate(ctx: &Ctx, a: &AutomateArgs) -> anyhow::Result<u8> {
    let backlog = ctx.load_backlog()?;
    let rules = automate::automation(&backlog)?;
    let root = backlog.root.clone();
    let Some(git) = crate::history::walk::open(&root) else {
        anyhow::bail!("`cairn automate` needs a git repository: `{}` is not inside one", root.display());
    };
    let repo = git.repo.to_thread_local();
    let (base_label, base, head_label) = match a.range.as_deref() {
        None => {
            let (label, id) = diff::default_base(&repo, &backlog.config)?;
            (label, id, "HEAD".to_string())
        }
        Some(r) => {
            let (b, h) = r.split_once("..").unwrap_or((r, "HEAD"));
            let b = if b.is_empty() { "HEAD" } else { b };
            let h = if h.is_empty() { "HEAD" } else { h };
            (b.to_string(), diff::resolve(&repo, b)?, h.to_string())
        }
    };
    let head = diff::resolve(&repo, &head_label)?;
    let mut unreadable = Vec::new();
    let (commits, raw) = diff::range_events(&git, base, head, &backlog.config, &mut unreadable)?;
    for u in unreadable.iter().take(crate::history::MAX_UNREADABLE) {
        ctx.warn(&format!("W012 cannot read git object {u} (missing or corrupt): skipped"));
    }
    let mut evs = events::from_history(&commits, &raw);
    let time = |id| repo.find_commit(id).ok().and_then(|c| c.committer().ok().map(|s| s.seconds()));
    if base != head {
        if let (Some(from), Some(to)) = (time(base), time(head)) {
            evs.extend(events::sprint_events(&backlog, from, to.max(from)));
        }
    }
    let outcome = automate::run(&backlog, &rules, evs, Vec::new())?;
    let title = format!("{base_label}..{head_label}");
    finish(ctx, backlog, &outcome, a.run, &title, Vec::new())
}

pub fn event(ctx: &Ctx, a: &EventArgs) -> anyhow::Result<u8> {
    let EventSource::Github { file, run } = &a.source;
    let bytes = crate::util::fs::read_regular(file, MAX_PAYLOAD_BYTES)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let text = String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", file.display()))?;
    let pr = github::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let backlog = ctx.load_backlog()?;
    let rules = automate::automation(&backlog)?;
    let (ids, unknown) = github::item_ids(&pr, &backlog);
    for u in &unknown {
        ctx.warn(&format!("pull request #{} names `cairn:{u}`, and no item has that id", pr.number));
    }
    let repo = pr.repository.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
    let mut notes = vec![format!(
        "pull request #{}{repo} {}: {}",
        pr.number,
        pr.event,
        if ids.is_empty() { "names no item".to_string() } else { format!("names {}", ids.join(", ")) }
    )];
    if !ids.is_empty() && !rules.on_pull_request.contains_key(&pr.event) {
        notes.push(format!("`automation.on_pull_request` has no `{}`: no status to set", pr.event));
    }
    let initial = github::transitions(&pr, &ids, &backlog, &rules.on_pull_request);
    let outcome = automate::run(&backlog, &rules, Vec::new(), initial)?;
    let title = format!("pull request #{}", pr.number);
    finish(ctx, backlog, &outcome, *run, &title, notes)
}

/// Prints the outcome, then (with `--apply`) checks, writes, commits and
/// sends the webhooks. Exit 1 for a `fail` or a change that would not check.
fn finish(
    ctx: &Ctx,
    mut backlog: Backlog,
    o: &Outcome,
    flags: RunFlags,
    title: &str,
    notes: Vec<String>,
) -> anyhow::Result<u8> {
    let apply = (flags.apply || flags.commit) && !flags.dry_run;
    let mut code = 0;
    let mut written = false;
    let mut commit = None;
    let mut sent: Vec<webhook::Sent> = Vec::new();
    if !o.failures.is_empty() {
        code = EXIT_PROBLEMS;
    }
    let cs = &o.change_set;
    if apply && code == 0 && !cs.is_empty() {
        if flags.commit {
            crate::edit::commit::ready(&backlog.root)?;
        }
        let problems = cs.check_in(&mut backlog);
        if !problems.is_empty() && !flags.force {
            let r = Report { items: cs.changes.len(), diagnostics: problems };
            eprint!("{}", report::human_with(&r, &backlog.root, &cs.texts(), ctx.color_stderr));
            ctx.error("the rules' changes would introduce errors; nothing was written (--force writes them anyway)");
            code = EXIT_PROBLEMS;
        } else {
            cs.apply()?;
            written = true;
            if flags.commit {
                commit = Some(cs.commit(&format!("cairn automate: {}", cs.summary))?);
            }
        }
    }
    if apply && code == 0 {
        let policy = policy();
        for h in &o.hooks {
            let s = webhook::send(&backlog.root, h, policy);
            match &s {
                webhook::Sent::NoSecret { url, var, rule } => {
                    ctx.warn(&format!("webhook of rule `{rule}` to {url} not sent: ${var} is not set"))
                }
                webhook::Sent::Failed { url, rule, error, attempts } => ctx.warn(&format!(
                    "webhook of rule `{rule}` to {url} failed after {attempts} attempts ({error}); logged to {}",
                    webhook::FAILED_LOG
                )),
                webhook::Sent::Delivered { .. } => {}
            }
            sent.push(s);
        }
    } else if !o.failures.is_empty() && (flags.apply || flags.commit) {
        ctx.error("a rule failed (`fail`): nothing was written and no webhook was sent");
    }
    let text = match flags.format {
        AutoFormat::Json => to_json(&json_report(o, title, &notes, written, commit.as_deref(), &sent)),
        AutoFormat::Text => text_report(o, title, &notes, written, commit.as_deref(), apply),
        AutoFormat::Markdown => markdown_report(o, title, &notes),
    };
    out(&text);
    Ok(code)
}

/// Webhook retries: 3, the first after 500 ms (`CAIRN_WEBHOOK_BACKOFF_MS` changes the wait).
fn policy() -> webhook::Policy {
    let mut p = webhook::Policy::default();
    if let Some(ms) = std::env::var("CAIRN_WEBHOOK_BACKOFF_MS").ok().and_then(|v| v.parse::<u64>().ok()) {
        p.backoff = std::time::Duration::from_millis(ms.min(60_000));
    }
    p
}

/// The changed lines of a file: the lines between the common head and tail.
fn line_diff(old: &str, new: &str) -> Vec<String> {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..].iter().rev().zip(b[head..].iter().rev()).take_while(|(x, y)| x == y).count();
    let mut out: Vec<String> = a[head..a.len() - tail].iter().map(|l| format!("-{l}")).collect();
    out.extend(b[head..b.len() - tail].iter().map(|l| format!("+{l}")));
    out
}

fn file_diffs(cs: &ChangeSet) -> Vec<(String, Vec<String>)> {
    cs.changes
        .iter()
        .map(|c| {
            let old = c.old.as_deref().map(String::from_utf8_lossy).unwrap_or_default();
            (c.path.clone(), line_diff(&old, &String::from_utf8_lossy(&c.new)))
        })
        .collect()
}

fn text_report(o: &Outcome, title: &str, notes: &[String], written: bool, commit: Option<&str>, apply: bool) -> String {
    let mut s = String::new();
    for n in notes {
        s.push_str(&format!("{n}\n"));
    }
    let n = o.changes.len();
    s.push_str(&format!(
        "automate {title}: {}, {}{}\n",
        crate::util::text::count(o.events.len(), "event"),
        crate::util::text::count(n, "change"),
        if o.rounds > 1 { format!(" in {} rounds", o.rounds) } else { String::new() }
    ));
    for c in &o.changes {
        s.push_str(&format!("  {}  (rule `{}`)\n", c.op, c.rule));
    }
    for (path, lines) in file_diffs(&o.change_set) {
        s.push_str(&format!("  {path}\n"));
        for l in lines {
            s.push_str(&format!("    {l}\n"));
        }
    }
    for c in &o.comments {
        s.push_str(&format!("comment: {}\n", c.text));
    }
    for f in &o.failures {
        s.push_str(&format!("fail: rule `{}` on `{}`: {}\n", f.rule, f.id, f.message));
    }
    if !apply {
        for h in &o.hooks {
            s.push_str(&format!("would POST to {} (rule `{}`; sent with --apply)\n", h.url, h.rule));
        }
        if !o.change_set.is_empty() {
            s.push_str("nothing written (--apply writes the changes, --commit commits them)\n");
        }
    }
    if written {
        s.push_str(&format!("wrote {}\n", crate::util::text::count(o.change_set.changes.len(), "file")));
    }
    if let Some(c) = commit {
        s.push_str(&format!("committed {} cairn automate: {}\n", &c[..c.len().min(10)], o.change_set.summary));
    }
    s
}

fn markdown_report(o: &Outcome, title: &str, notes: &[String]) -> String {
    let mut s = format!("### cairn automate: {title}\n\n");
    for n in notes {
        s.push_str(&format!("{n}\n\n"));
    }
    if o.changes.is_empty() && o.comments.is_empty() && o.failures.is_empty() {
        s.push_str("No rule changed anything.\n");
    }
    if !o.changes.is_empty() {
        s.push_str("**Changes**\n\n");
        for c in &o.changes {
            s.push_str(&format!("- `{}` (rule *{}*)\n", c.op, c.rule));
        }
        s.push('\n');
    }
    for c in &o.comments {
        s.push_str(&format!("- {}\n", c.text));
    }
    if !o.comments.is_empty() {
        s.push('\n');
    }
    if !o.failures.is_empty() {
        s.push_str("**Policy errors**\n\n");
        for f in &o.failures {
            s.push_str(&format!("- :x: {} (rule *{}*, `{}`)\n", f.message, f.rule, f.id));
        }
    }
    s
}

fn json_report(
    o: &Outcome,
    title: &str,
    notes: &[String],
    written: bool,
    commit: Option<&str>,
    sent: &[webhook::Sent],
) -> Value {
    let files: Vec<Value> =
        file_diffs(&o.change_set).into_iter().map(|(path, lines)| json!({"path": path, "diff": lines})).collect();
    let hooks: Vec<Value> = o.hooks.iter().map(|h| json!({"rule": h.rule, "url": h.url})).collect();
    json!({
        "title": title,
        "notes": notes,
        "events": o.events,
        "changes": o.changes,
        "files": files,
        "comments": o.comments,
        "failures": o.failures,
        "webhooks": hooks,
        "sent": sent,
        "written": written,
        "commit": commit,
    })
}
