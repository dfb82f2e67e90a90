//! A plan as text for people, and as a proposal ([`draft`]).

use super::{fmt_pts, Mode, Plan};
use crate::edit::proposal::Draft;
use crate::util::text::count;

/// Skips listed in the text output at most (JSON lists them all).
pub const MAX_SKIPS_SHOWN: usize = 50;

/// The plan as readable text.
pub fn render(p: &Plan) -> String {
    let s = &p.sprint;
    let mut out = format!("sprint {} ({}), {} to {}", s.id, s.title, s.start, s.end);
    if let Some(g) = &s.goal {
        out.push_str(&format!(": {g}"));
    }
    out.push('\n');
    let c = &p.capacity;
    let whose = match p.mode {
        Mode::Total => "for the team",
        Mode::PerPerson => "from people's capacity",
    };
    out.push_str(&format!("capacity: {} pts {whose}", fmt_pts(c.total)));
    if c.committed_elsewhere > 0.0 {
        out.push_str(&format!(", {} committed in overlapping sprints", fmt_pts(c.committed_elsewhere)));
    }
    out.push_str(&format!(
        "; {} already in the sprint, {} planned, {} left\n",
        fmt_pts(c.already),
        fmt_pts(c.planned),
        fmt_pts(c.left)
    ));
    for person in &c.people {
        out.push_str(&format!("  {}: {} pts", person.name, fmt_pts(person.capacity)));
        for e in &person.elsewhere {
            out.push_str(&format!(", {} committed in {} ({})", fmt_pts(e.points), e.sprint, e.items.join(", ")));
        }
        out.push_str(&format!(
            ", {} already, {} planned, {} left\n",
            fmt_pts(person.already),
            fmt_pts(person.planned),
            fmt_pts(person.left)
        ));
    }
    if !p.already.is_empty() {
        let ids: Vec<&str> = p.already.iter().map(|m| m.id.as_str()).collect();
        out.push_str(&format!("already in the sprint ({}): {}\n", ids.len(), ids.join(", ")));
    }
    if p.picked.is_empty() {
        out.push_str("picked nothing\n");
    } else {
        out.push_str(&format!("picked {} ({} pts):\n", count(p.picked.len(), "item"), fmt_pts(c.planned)));
        for x in &p.picked {
            out.push_str(&format!("  {}\n", x.reason));
        }
    }
    if !p.skipped.is_empty() {
        out.push_str(&format!("skipped {}:\n", count(p.skipped.len(), "item")));
        for x in p.skipped.iter().take(MAX_SKIPS_SHOWN) {
            out.push_str(&format!("  {}\n", x.reason));
        }
        if p.skipped.len() > MAX_SKIPS_SHOWN {
            out.push_str(&format!(
                "  … and {} more (--format json lists every one)\n",
                p.skipped.len() - MAX_SKIPS_SHOWN
            ));
        }
    }
    if !p.cycles.is_empty() {
        out.push_str("dependency cycles (their items are not planned):\n");
        for c in &p.cycles {
            out.push_str(&format!("  {}\n", c.join(" → ")));
        }
    }
    for n in &p.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out
}

/// The proposal id of a plan: `plan-SPRINT-` and 8 hex digits of the hash
/// of what it picks (the same plan gets the same id).
pub fn proposal_id(p: &Plan) -> String {
    let picks: Vec<&str> = p.picked.iter().map(|x| x.id.as_str()).collect();
    let hash = crate::edit::file_hash(format!("{}\n{}", p.sprint.id, picks.join("\n")).as_bytes());
    let sprint: String = p.sprint.id.chars().take(80).collect();
    format!("plan-{sprint}-{}", &hash[..8.min(hash.len())])
}

/// The plan as a proposal (`created`: HEAD's history time, RFC 3339).
pub fn draft(p: &Plan, created: Option<String>) -> Draft {
    let c = &p.capacity;
    let ids: Vec<&str> = p.picked.iter().map(|x| x.id.as_str()).collect();
    let what = format!(
        "Put {} into sprint {} ({}, {} to {}): {}.",
        count(p.picked.len(), "item"),
        p.sprint.id,
        p.sprint.title,
        p.sprint.start,
        p.sprint.end,
        ids.join(", ")
    );
    let why = format!(
        "`cairn plan {}` fills the sprint's capacity ({} pts; {} already in the sprint) with ready work by priority, \
         then by how much it unblocks, then by due date and critical-path slack. These {} pts are its picks; {} pts are left.",
        p.sprint.id,
        fmt_pts(c.total),
        fmt_pts(c.already),
        fmt_pts(c.planned),
        fmt_pts(c.left)
    );
    let mut evidence: Vec<String> = p.picked.iter().map(|x| x.reason.clone()).collect();
    evidence.extend(p.skipped.iter().take(MAX_SKIPS_SHOWN).map(|x| x.reason.clone()));
    if p.skipped.len() > MAX_SKIPS_SHOWN {
        evidence.push(format!("… and {} more skipped", p.skipped.len() - MAX_SKIPS_SHOWN));
    }
    evidence.extend(p.notes.iter().map(|n| format!("note: {n}")));
    Draft {
        id: proposal_id(p),
        title: format!("Plan sprint {}: {}, {} pts", p.sprint.id, count(p.picked.len(), "item"), fmt_pts(c.planned)),
        source: "plan".into(),
        created,
        what,
        why,
        evidence,
        ops: p.ops(),
    }
}
