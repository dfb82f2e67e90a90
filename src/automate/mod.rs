//! Automation: rules from `cairn.yml` run on the events of a git range
//! (`cairn automate`) or of a pull request (`cairn event github`).
//!
//! ```text
//! events ──rules (eval)──▶ operations, comments, failures, webhooks
//!    ▲                          │ edit::plan on the backlog (all rounds' ops)
//!    └──── events of the change ┘ (next round, up to MAX_ROUNDS)
//! ```
//!
//! Every change goes through the edit engine: the result is one
//! [`ChangeSet`] from the backlog as loaded, which the command line prints,
//! checks, applies and commits. A round's changes are new events for the
//! next round; rules that still change something after [`MAX_ROUNDS`]
//! rounds are a loop, reported by name.

pub mod actions;
pub mod eval;
pub mod events;
pub mod github;
pub mod webhook;

use std::collections::BTreeMap;

use serde::Serialize;

pub use eval::{Comment, Failure, Hook};
pub use events::Event;

use crate::config::automation::{Automation, Problem};
use crate::edit::{self, ChangeSet, EditError, Op};
use crate::load::Backlog;

/// How many rounds of rule changes may follow each other.
pub const MAX_ROUNDS: usize = 10;

/// One operation and the rule that asked for it.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub rule: String,
    /// `set story-1 status=done`.
    pub op: String,
    pub round: usize,
}

/// What the rules did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Every event evaluated (the range's, then those of later rounds).
    pub events: Vec<Event>,
    pub changes: Vec<Change>,
    /// The change set of all rounds, planned on the backlog as loaded.
    pub change_set: ChangeSet,
    pub comments: Vec<Comment>,
    pub failures: Vec<Failure>,
    pub hooks: Vec<Hook>,
    /// Rounds that changed something.
    pub rounds: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum AutomateError {
    #[error("{}", problems_text(.0))]
    Config(Vec<Problem>),
    #[error(transparent)]
    Rule(#[from] eval::RuleError),
    #[error(
        "the automation rules did not settle after {rounds} rounds: {} keep changing items (last: {last}); \
         make their `if:` conditions exclusive so a change does not undo another",
        names(.rules)
    )]
    Loop { rounds: usize, rules: Vec<String>, last: String },
    #[error("the change `{op}` of rule `{rule}` cannot be made: {error}")]
    Edit { rule: String, op: String, error: Box<EditError> },
}

fn names(rules: &[String]) -> String {
    let q: Vec<String> = rules.iter().map(|r| format!("`{r}`")).collect();
    match q.len() {
        1 => format!("rule {}", q[0]),
        _ => format!("rules {}", q.join(", ")),
    }
}

fn problems_text(ps: &[Problem]) -> String {
    let lines: Vec<String> =
        ps.iter().map(|p| format!("{}:{}:{}: {}", crate::config::CONFIG_FILE, p.line, p.column, p.message)).collect();
    format!("automation in cairn.yml has problems (`cairn check` shows them):\n{}", lines.join("\n"))
}

/// The typed automation of a backlog, or its problems.
pub fn automation(backlog: &Backlog) -> Result<Automation, AutomateError> {
    let (a, problems) = crate::config::automation::parse(&backlog.config);
    if problems.is_empty() {
        Ok(a)
    } else {
        Err(AutomateError::Config(problems))
    }
}

/// Runs the rules of `automation` on `events` and the changes `initial`
/// (rule name, operation: the pull-request transitions) to a fixpoint.
pub fn run(
    backlog: &Backlog,
    automation: &Automation,
    events: Vec<Event>,
    initial: Vec<(String, Op)>,
) -> Result<Outcome, AutomateError> {
    let mut out =
        Outcome { change_set: ChangeSet { root: backlog.root.clone(), ..Default::default() }, ..Default::default() };
    let mut all_ops: Vec<Op> = Vec::new();
    let mut current: Option<Backlog> = None;
    let mut pending = initial;
    let mut events = events;
    let mut round = 0;
    loop {
        let now = current.as_ref().unwrap_or(backlog);
        if !events.is_empty() && !automation.rules.is_empty() {
            let r = eval::round(&automation.rules, &events, now)?;
            out.comments.extend(r.comments);
            out.failures.extend(r.failures);
            out.hooks.extend(r.hooks);
            pending.extend(r.ops);
        }
        out.events.append(&mut events);
        if pending.is_empty() {
            break;
        }
        if round >= MAX_ROUNDS {
            // The rules of the last rounds: those taking turns in the loop.
            let recent = out.changes.iter().filter(|c| c.round + 2 >= round).map(|c| c.rule.clone());
            let mut rules: Vec<String> = pending.iter().map(|(r, _)| r.clone()).chain(recent).collect();
            rules.sort();
            rules.dedup();
            let last = pending.iter().map(|(_, o)| o.describe()).collect::<Vec<_>>().join("; ");
            return Err(AutomateError::Loop { rounds: MAX_ROUNDS, rules, last });
        }
        let mut by: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (rule, op) in pending.drain(..) {
            if let Some(id) = op_id(&op) {
                let v = by.entry(id.to_string()).or_default();
                if !v.contains(&rule) {
                    v.push(rule.clone());
                }
            }
            out.changes.push(Change { rule, op: op.describe(), round });
            all_ops.push(op);
        }
        let cs = match edit::plan(backlog, all_ops.clone()) {
            Ok(cs) => cs,
            Err(e) => return Err(culprit(backlog, &all_ops, &out.changes, e)),
        };
        events = events::between(&backlog.config, &out.change_set, &cs, &by);
        current = Some(cs.trial(backlog));
        out.change_set = cs;
        round += 1;
        out.rounds = round;
    }
    Ok(out)
}

/// The first operation whose plan fails, with its rule (`ops` and
/// `changes` run in step), for an error that names the rule.
fn culprit(backlog: &Backlog, ops: &[Op], changes: &[Change], error: EditError) -> AutomateError {
    for n in 1..=ops.len() {
        if let (Err(e), Some(c)) = (edit::plan(backlog, ops[..n].to_vec()), changes.get(n - 1)) {
            return AutomateError::Edit { rule: c.rule.clone(), op: c.op.clone(), error: Box::new(e) };
        }
    }
    let c = changes.last();
    AutomateError::Edit {
        rule: c.map(|c| c.rule.clone()).unwrap_or_default(),
        op: c.map(|c| c.op.clone()).unwrap_or_default(),
        error: Box::new(error),
    }
}

fn op_id(op: &Op) -> Option<&str> {
    match op {
        Op::Set { id, .. } | Op::Unset { id, .. } | Op::Add { id, .. } | Op::Remove { id, .. } => Some(id),
        _ => None,
    }
}
