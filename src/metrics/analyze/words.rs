//! The analysis in plain words: [`text`] for a terminal, [`markdown`] for a
//! stand-up note or a pull-request comment (headings and bullet lists, no
//! HTML). Every sentence is made from the [`Analysis`]' data, and names its
//! evidence: the ids and the numbers.

use super::*;
use crate::metrics::velocity::num;
use crate::util::text::{count, thousands};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Text,
    Markdown,
}

struct W<'a> {
    a: &'a Analysis,
    style: Style,
}

/// Escapes what Markdown would read as markup or HTML.
fn md_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&') {
            o.push('\\');
        }
        o.push(if c == '\n' || c == '\r' { ' ' } else { c });
    }
    o
}

impl W<'_> {
    fn id(&self, id: &str) -> String {
        match self.style {
            Style::Text => id.to_string(),
            Style::Markdown => format!("`{}`", id.replace('`', "'")),
        }
    }

    fn plain(&self, s: &str) -> String {
        match self.style {
            Style::Text => s.replace(['\n', '\r'], " "),
            Style::Markdown => md_escape(s),
        }
    }

    fn ids(&self, ids: &[String]) -> String {
        ids.iter().map(|i| self.id(i)).collect::<Vec<_>>().join(", ")
    }

    fn pts(&self, x: f64) -> String {
        format!("{} {}", num(x), self.a.unit)
    }

    /// `S-2 (in_progress, ana)`.
    fn link(&self, l: &Link) -> String {
        let who = if l.assignee.is_empty() { "unassigned".to_string() } else { self.plain(&l.assignee.join(", ")) };
        format!("{} ({}, {who})", self.id(&l.id), self.plain(l.status.as_deref().unwrap_or("no status")))
    }

    fn sprint_name(&self) -> String {
        match &self.a.sprint {
            Some(s) if s.title != s.id => format!("{} ({})", self.plain(&s.title), self.id(&s.id)),
            Some(s) => self.id(&s.id),
            None => String::new(),
        }
    }

    fn progress(&self) -> Vec<String> {
        let p = &self.a.progress;
        let pct = |d: f64, t: f64| if t > 0.0 { format!(" ({}%)", num(d / t * 100.0)) } else { String::new() };
        let mut o = vec![format!(
            "{} of {} done{}; {} of {} done{}.",
            thousands(p.items_done),
            count(p.items_total, "work item"),
            pct(p.items_done as f64, p.items_total as f64),
            num(p.points_done),
            self.pts(p.points_total),
            pct(p.points_done, p.points_total)
        )];
        if let (Some(sp), Some(s)) = (&p.sprint, &self.a.sprint) {
            let mut line = format!("{}, {} to {}, {}: ", self.sprint_name(), s.start, s.end, s.state);
            match (sp.committed, sp.completed) {
                (Some(c), Some(done)) => line.push_str(&format!(
                    "committed {} at the start ({}), completed {}",
                    self.pts(c),
                    count(sp.committed_items.unwrap_or(0), "item"),
                    self.pts(done)
                )),
                _ => line.push_str(&format!(
                    "{} done of {}",
                    count(sp.done_items, "item"),
                    count(sp.scope_items, "item")
                )),
            }
            line.push_str(&format!("; now {} in scope, {} remaining", self.pts(sp.scope), self.pts(sp.remaining)));
            match s.days_left {
                Some(d) if s.state == "active" => line.push_str(&format!("; {} left.", count(d as usize, "day"))),
                _ => line.push('.'),
            }
            o.push(line);
        }
        o
    }

    fn velocity(&self) -> Vec<String> {
        let v = &self.a.velocity;
        if let Some(n) = &v.note {
            return vec![format!("No velocity: {n}.")];
        }
        let list: Vec<String> = v.sprints.iter().map(|s| format!("{} {}", self.id(&s.sprint), num(s.points))).collect();
        let mut o = vec![format!(
            "Completed {} per closed sprint: {} (average {}).",
            self.a.unit,
            list.join(", "),
            v.average.map(num).unwrap_or_else(|| "–".into())
        )];
        let t = &v.trend;
        let last = v.sprints.last().map(|s| self.id(&s.sprint)).unwrap_or_default();
        let before = count(v.sprints.len().saturating_sub(1), "sprint");
        o.push(match (t.direction, t.last, t.before) {
            ("unknown", _, _) => "Trend: unknown (one closed sprint; two are needed).".to_string(),
            (dir, Some(l), Some(b)) => format!(
                "Velocity is {dir}: {} in {last} against an average of {} over the {before} before{}.",
                num(l),
                num(b),
                t.change_percent
                    .map(|p| format!(" ({}{}%)", if p > 0.0 { "+" } else { "" }, num(p)))
                    .unwrap_or_default()
            ),
            (dir, _, _) => format!("Velocity is {dir}."),
        });
        o
    }

    fn forecast(&self) -> Vec<String> {
        let f = &self.a.forecast;
        let mut o = Vec::new();
        match (&f.backlog, &f.note) {
            (Some(p), _) => {
                let (d50, d85) = (p.p50.as_deref().unwrap_or("–"), p.p85.as_deref().unwrap_or("–"));
                let (k50, k85) = (p.sprints_p50.unwrap_or(0), p.sprints_p85.unwrap_or(0));
                let when = if d50 == d85 {
                    format!("by {d50} (50% and 85%), in {}", count(k50, "sprint"))
                } else {
                    format!("by {d50} (50%) and by {d85} (85%), in {k50} to {}", count(k85, "sprint"))
                };
                o.push(format!(
                    "The open work ({}, {}) is likely done {when} at the recent velocities ({}).",
                    count(f.remaining_items, "item"),
                    self.pts(f.remaining),
                    f.basis.velocities.iter().map(|v| num(*v)).collect::<Vec<_>>().join(", ")
                ))
            }
            (None, n) => o.push(format!(
                "The open work is {} ({}); no forecast: {}.",
                self.pts(f.remaining),
                count(f.remaining_items, "item"),
                n.as_deref().unwrap_or("no basis")
            )),
        }
        if let Some(p) = &f.sprint {
            o.push(format!(
                "{}: {} remaining need about {} at the recent pace ({} per {}-day sprint); {} left: {}.",
                self.sprint_name(),
                self.pts(p.remaining),
                count_f(p.days_needed, "day"),
                self.pts(p.velocity),
                p.sprint_days,
                count(p.days_left.max(0) as usize, "day"),
                if p.likely_done { "likely done in time" } else { "unlikely to be done in time" }
            ));
        }
        for e in &f.epics {
            let due = match (&e.due, e.late) {
                (Some(d), true) => format!("; due {d}: at risk"),
                (Some(d), false) => format!("; due {d}"),
                _ => String::new(),
            };
            match (&e.p50, &e.p85) {
                (Some(a), Some(b)) => o.push(format!(
                    "{} {} ({} left): 50% by {a}, 85% by {b}{due}.",
                    self.plain(&e.kind),
                    self.id(&e.id),
                    self.pts(e.remaining)
                )),
                _ => {
                    o.push(format!("{} {} ({} left){due}.", self.plain(&e.kind), self.id(&e.id), self.pts(e.remaining)))
                }
            }
        }
        o
    }

    fn risks(&self) -> Vec<String> {
        let r = &self.a.risks;
        let mut o = Vec::new();
        for c in &r.critical {
            let mut why = Vec::new();
            if c.reasons.contains(&"blocked") {
                why.push(format!("blocked by {}", self.ids(&c.waits_on)));
            }
            if c.reasons.contains(&"overdue") {
                why.push(format!("overdue (due {})", c.due.as_deref().unwrap_or("–")));
            }
            o.push(format!(
                "{} is on the critical path (slack {} days) and {}.",
                self.link(&c.item),
                num(c.slack_days),
                why.join(" and ")
            ));
        }
        if r.critical_more > 0 {
            o.push(format!("… and {} more critical items at risk.", thousands(r.critical_more)));
        }
        for l in &r.late {
            let how = if l.basis == "forecast" { "forecast (85%) to finish" } else { "scheduled to finish" };
            o.push(format!("{} is due {} but {how} {}.", self.id(&l.item.id), l.due, l.finish));
        }
        if r.late_more > 0 {
            o.push(format!("… and {} more items due before they can finish.", thousands(r.late_more)));
        }
        for x in &r.insights {
            let items = if x.items.is_empty() { String::new() } else { format!(" [{}]", self.ids(&x.items)) };
            o.push(format!("{}. {}{items}", self.plain(&x.title), self.plain(&x.detail)));
        }
        if o.is_empty() {
            o.push("No risk found on the critical path, in due dates or in sprint plans.".into());
        }
        o
    }

    fn blockers(&self) -> Vec<String> {
        let bl = &self.a.blockers;
        let mut o = Vec::new();
        for b in &bl.items {
            let mut s = format!("{} waits on ", self.link(&b.item));
            let links: Vec<String> = b.chain.iter().map(|l| self.link(l)).collect();
            if links.is_empty() {
                s.push_str("itself");
            }
            s.push_str(&links.join(" which waits on "));
            if b.more > 0 {
                s.push_str(&format!(" … and {} more", thousands(b.more)));
                if let Some(e) = &b.end {
                    s.push_str(&format!(", down to {}", self.link(e)));
                }
            }
            if b.cycle {
                s.push_str(", which closes a dependency cycle");
            }
            if !b.also_waits_on.is_empty() {
                s.push_str(&format!("; it also waits on {}", self.ids(&b.also_waits_on)));
            }
            s.push('.');
            o.push(s);
        }
        if bl.more > 0 {
            o.push(format!("… and {} more blocked items in progress or in the sprint.", thousands(bl.more)));
        }
        let listed = bl.items.len() + bl.more;
        if bl.waiting > listed {
            let n = bl.waiting - listed;
            o.push(format!(
                "{} in the backlog {} on open dependencies (not started, not in the sprint).",
                count(n, "more item"),
                if n == 1 { "waits" } else { "wait" }
            ));
        }
        if o.is_empty() {
            o.push("Nothing in progress or in the sprint waits on an open dependency.".into());
        }
        o
    }

    fn scope_creep(&self) -> Vec<String> {
        let sc = &self.a.scope_creep;
        if let Some(n) = &sc.note {
            return vec![format!("No scope creep figure: {n}.")];
        }
        let mut o = Vec::new();
        let pct = sc.percent.map(|p| format!("{}%", num(p))).unwrap_or_else(|| "–".into());
        if sc.added.is_empty() {
            o.push(format!("Nothing was added after the start day (committed {}).", self.pts(sc.committed)));
        } else {
            let adds: Vec<String> =
                sc.added.iter().map(|c| format!("{} on {} ({})", self.id(&c.id), c.date, num(c.points))).collect();
            o.push(format!(
                "{} added after the start day against {} committed at the start: +{}{}: {}.",
                self.pts(sc.added_points),
                self.pts(sc.committed),
                pct,
                if sc.over_threshold { format!(", over the {}% threshold", num(sc.threshold)) } else { String::new() },
                adds.join(", ")
            ));
        }
        if !sc.removed.is_empty() {
            let rem: Vec<String> =
                sc.removed.iter().map(|c| format!("{} on {} ({})", self.id(&c.id), c.date, num(c.points))).collect();
            o.push(format!("{} removed: {}.", self.pts(sc.removed_points), rem.join(", ")));
        }
        o
    }

    fn overdue(&self) -> Vec<String> {
        let ov = &self.a.overdue;
        if let Some(n) = &ov.note {
            return vec![format!("Overdue items not checked: {n}.")];
        }
        let mut o: Vec<String> = ov
            .items
            .iter()
            .map(|x| {
                format!(
                    "{} was due {} ({} late).",
                    self.link(&x.item),
                    x.due,
                    count(x.days_late.max(0) as usize, "day")
                )
            })
            .collect();
        if ov.more > 0 {
            o.push(format!("… and {} more overdue items.", thousands(ov.more)));
        }
        if o.is_empty() {
            o.push(format!("No open item is past its due date on {}.", self.a.today.as_deref().unwrap_or("–")));
        }
        o
    }

    fn capacity(&self) -> Vec<String> {
        let c = &self.a.capacity;
        let Some(_) = &c.sprint else { return vec!["No sprint to report on.".into()] };
        let mut o = Vec::new();
        if c.capacity > 0.0 {
            o.push(format!(
                "{} plans {} against a capacity of {}{}.",
                self.sprint_name(),
                self.pts(c.planned),
                self.pts(c.capacity),
                if c.over { ": over capacity" } else { "" }
            ));
        } else if let Some(n) = &c.note {
            o.push(format!("{} plans {}; {}.", self.sprint_name(), self.pts(c.planned), self.plain(n)));
        }
        for p in c.people.iter().filter(|p| p.over()) {
            o.push(format!(
                "{} has {} assigned against a capacity of {}: {}.",
                self.plain(&p.person),
                self.pts(p.assigned),
                num(p.capacity.unwrap_or(0.0)),
                self.ids(&p.items)
            ));
        }
        if c.over_people.is_empty() && c.capacity > 0.0 {
            o.push("Nobody is over their capacity.".into());
        }
        o
    }

    fn fixes(&self) -> Vec<String> {
        self.a
            .fixes
            .iter()
            .map(|f| {
                let v = match &f.value {
                    serde_json::Value::Null => "unset".to_string(),
                    serde_json::Value::String(s) => self.id(s),
                    other => other.to_string(),
                };
                let change = match &f.value {
                    serde_json::Value::Null => format!("unset {}", f.field),
                    _ => format!("set {} to {v}", f.field),
                };
                format!("{}: {change}, because {}.", self.id(&f.item), self.plain(&f.why))
            })
            .collect()
    }

    fn sections(&self) -> Vec<(&'static str, Vec<String>)> {
        let mut s = vec![
            ("Progress", self.progress()),
            ("Velocity", self.velocity()),
            ("Forecast", self.forecast()),
            ("Risks", self.risks()),
            ("Blockers", self.blockers()),
            ("Scope creep", self.scope_creep()),
            ("Overdue", self.overdue()),
            ("Capacity", self.capacity()),
        ];
        let fixes = self.fixes();
        if !fixes.is_empty() {
            s.push(("Suggested fixes", fixes));
        }
        s
    }

    fn heading(&self) -> String {
        let when = self.a.today.as_deref().map(|d| format!(" as of {d}")).unwrap_or_default();
        let note = self.a.history_note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
        format!("Project analysis{when}{note}")
    }
}

/// `1 day`, `2.5 days`.
fn count_f(x: f64, noun: &str) -> String {
    let n = num(x);
    if n == "1" {
        format!("1 {noun}")
    } else {
        format!("{n} {}", crate::util::text::plural(noun))
    }
}

/// The analysis as plain sentences, grouped by section.
pub fn text(a: &Analysis) -> String {
    let w = W { a, style: Style::Text };
    let mut o = format!("{}\n", w.heading());
    for (title, lines) in w.sections() {
        o.push_str(&format!("\n{title}\n"));
        for l in lines {
            o.push_str(&format!("  {l}\n"));
        }
    }
    o
}

/// The analysis as Markdown: a heading, one sub-heading per section and a
/// bullet per claim (ids in code spans, text escaped; no HTML).
pub fn markdown(a: &Analysis) -> String {
    let w = W { a, style: Style::Markdown };
    let mut o = format!("## {}\n", md_escape(&w.heading()));
    for (title, lines) in w.sections() {
        o.push_str(&format!("\n### {title}\n\n"));
        for l in lines {
            o.push_str(&format!("- {l}\n"));
        }
    }
    o
}
