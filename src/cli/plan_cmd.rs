//! `cairn plan` and `cairn proposal`: the planner and proposals are library
//! code (`plan`, `edit::proposal`); this prints and picks exit codes.

use clap::{Args, Subcommand, ValueEnum};

use super::shared::{edit_error, proposal_error, propose, write_checked, write_files, WriteFlags};
use super::{out, out_json, Ctx, Items, EXIT_PROBLEMS, EXIT_USAGE};
use crate::check::{report, Report};
use crate::edit::proposal;
use crate::edit::{self, ChangeSet};
use crate::load::proposals::{self as files, Proposal, Status};
use crate::plan;

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanFormat {
    Text,
    Json,
    Patch,
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// The sprint to fill
    pub sprint: String,
    /// Points for the whole team, instead of the sprint's `capacity:`
    #[arg(long, value_name = "N")]
    pub capacity: Option<f64>,
    /// Output format (`patch`: the change as a unified diff)
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Write the `sprint:` fields of the picks (through the edit engine)
    #[arg(long, conflicts_with = "propose")]
    pub apply: bool,
    /// Write the plan as a proposal in proposals/ (prints its path) to apply later
    #[arg(long)]
    pub propose: bool,
    /// With --apply or --propose: make one git commit of the change
    #[arg(long)]
    pub commit: bool,
    /// With --apply: write even if the change would introduce errors `check` reports
    #[arg(long, requires = "apply")]
    pub force: bool,
}

pub fn plan(ctx: &Ctx, a: &PlanArgs) -> anyhow::Result<u8> {
    if a.commit && !a.apply && !a.propose {
        ctx.error("--commit needs --apply or --propose");
        return Ok(EXIT_USAGE);
    }
    let (mut backlog, graph) = ctx.load()?;
    let t = std::time::Instant::now();
    let p = plan::plan_sprint(&backlog, &graph, &a.sprint, &plan::Options { capacity: a.capacity })?;
    ctx.log("plan", &format!("{} picked, {} skipped in {:.1?}", p.picked.len(), p.skipped.len(), t.elapsed()));
    drop(graph);
    if a.propose {
        if p.picked.is_empty() {
            ctx.warn(&format!("nothing to propose: the plan of {} picks nothing", p.sprint.id));
            return Ok(0);
        }
        let created = crate::history::head_time(&backlog.root, &backlog.config).map(crate::history::rfc3339);
        return propose(ctx, &backlog, plan::text::draft(&p, created), a.commit);
    }
    // The change itself only when it is shown or written (it reads every picked file).
    let cs = if a.apply || a.format == PlanFormat::Patch {
        match edit::plan(&backlog, p.ops()) {
            Ok(cs) => cs,
            Err(e) => return edit_error(ctx, e),
        }
    } else {
        ChangeSet::default()
    };
    match a.format {
        PlanFormat::Text => out(&plan::text::render(&p)),
        PlanFormat::Json => out_json(&p),
        PlanFormat::Patch => out(&proposal::patch(&cs)),
    }
    if !a.apply {
        return Ok(0);
    }
    let flags = WriteFlags { force: a.force, commit: a.commit };
    let code = write_checked(ctx, &mut backlog, &cs, flags, "not changed", true)?;
    if code == 0 && !ctx.global.quiet {
        eprintln!("applied: {} changed", crate::util::text::count(cs.changes.len(), "file"));
    }
    Ok(code)
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum ProposalCmd {
    /// List the proposals in proposals/
    List {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        /// Only proposals with this status (open, applied, rejected)
        #[arg(long)]
        status: Option<String>,
    },
    /// Show one proposal: what, why, evidence, patch
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Apply an open proposal through the edit engine (refused if a file it touches changed since) and mark it applied
    Apply {
        id: String,
        #[command(flatten)]
        write: WriteFlags,
    },
    /// Mark an open proposal rejected, with the reason
    Reject {
        id: String,
        /// Why it is rejected (kept in the proposal)
        #[arg(long)]
        reason: String,
        /// Make one git commit of the change
        #[arg(long)]
        commit: bool,
    },
}

fn line(p: &Proposal) -> String {
    format!("{}  {}  {}\n", p.id, p.status.name(), p.title)
}

pub fn proposal_cmd(ctx: &Ctx, cmd: &ProposalCmd) -> anyhow::Result<u8> {
    let root = ctx.root()?;
    match cmd {
        ProposalCmd::List { format, status } => {
            if let Some(s) = status {
                if !["open", "applied", "rejected"].contains(&s.as_str()) {
                    anyhow::bail!("unknown status `{s}`: write open, applied or rejected");
                }
            }
            let (all, bad) = files::list(&root);
            for b in bad {
                ctx.warn(&b);
            }
            let keep: Vec<&Proposal> =
                all.iter().filter(|p| status.as_deref().is_none_or(|s| p.status.name() == s)).collect();
            match format {
                ListFormat::Json => out_json(&Items { items: keep }),
                ListFormat::Text if keep.is_empty() => out("no proposals\n"),
                ListFormat::Text => out(&keep.iter().map(|p| line(p)).collect::<String>()),
            }
            Ok(0)
        }
        ProposalCmd::Show { id, format } => {
            let p = match proposal::load(&root, id) {
                Ok(p) => p,
                Err(e) => return proposal_error(ctx, e),
            };
            match format {
                ListFormat::Json => out_json(&p),
                ListFormat::Text => out(&show_text(&p)),
            }
            Ok(0)
        }
        ProposalCmd::Apply { id, write } => apply(ctx, id, *write),
        ProposalCmd::Reject { id, reason, commit } => {
            if reason.trim().is_empty() {
                anyhow::bail!("--reason must say why the proposal is rejected");
            }
            let (p, cs) = match proposal::reject(&root, id, reason.trim()) {
                Ok(x) => x,
                Err(e) => return proposal_error(ctx, e),
            };
            write_files(ctx, &cs, *commit)?;
            out(&format!("{}\n", p.path));
            Ok(0)
        }
    }
}

fn apply(ctx: &Ctx, id: &str, flags: WriteFlags) -> anyhow::Result<u8> {
    let mut backlog = ctx.load_backlog()?;
    let (p, items, all) = match proposal::apply(&backlog, id) {
        Ok(x) => x,
        Err(e) => return proposal_error(ctx, e),
    };
    if flags.commit {
        edit::commit::ready(&backlog.root)?;
    }
    let problems = items.check_in(&mut backlog);
    if !problems.is_empty() {
        let n = problems.len();
        let r = Report { items: items.changes.len(), diagnostics: problems };
        eprint!("{}", report::human_with(&r, &backlog.root, &items.texts(), ctx.color_stderr));
        if !flags.force {
            ctx.error(&format!(
                "proposal {} not applied: the change would introduce {} (--force writes it anyway)",
                p.id,
                crate::util::text::count(n, "error")
            ));
            return Ok(EXIT_PROBLEMS);
        }
    }
    // The items and the proposal file, all or nothing.
    let code = write_checked(ctx, &mut backlog, &all, WriteFlags { force: true, commit: flags.commit }, "", false)?;
    if code == 0 {
        out(&all.changes.iter().map(|c| format!("{}\n", c.path)).collect::<String>());
    }
    Ok(code)
}

fn show_text(p: &Proposal) -> String {
    let mut s = format!("{} ({})\n{}\n", p.id, p.status.name(), p.title);
    if let Some(c) = &p.created {
        s.push_str(&format!("created {c}"));
        if !p.source.is_empty() {
            s.push_str(&format!(" by {}", p.source));
        }
        s.push('\n');
    }
    if p.status == Status::Rejected {
        s.push_str(&format!("rejected: {}\n", p.reason.as_deref().unwrap_or("")));
    }
    s.push_str(&format!("\nWhat: {}\n\nWhy: {}\n", p.what, p.why));
    if !p.evidence.is_empty() {
        s.push_str("\nEvidence:\n");
        for e in &p.evidence {
            s.push_str(&format!("  - {e}\n"));
        }
    }
    if !p.patch.is_empty() {
        s.push('\n');
        s.push_str(&p.patch);
    }
    s
}
