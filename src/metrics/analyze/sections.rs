//! Each section of the [`Analysis`], composed from the stages' results.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::chain::Chains;
use super::*;
use crate::check::rules::{blocked_by, category, open, open_dependencies, overdue, work};
use crate::config::Category;
use crate::graph::schedule::{Schedule, EPSILON};
use crate::metrics::burndown::Burndown;
use crate::metrics::insights::{self, SCOPE_CREEP_PERCENT};
use crate::metrics::{forecast, r2, sprints, velocity, Sprint};

/// The insight rules the risks section carries over (the others have a
/// section of their own, or are about data quality).
const RISK_RULES: &[&str] =
    &["sprint-over-capacity", "over-velocity", "dependency-later-sprint", "stale", "ml-review-pending"];

pub struct Ctx<'a> {
    b: &'a Backlog,
    g: &'a Graph,
    h: Option<&'a crate::metrics::Analysis>,
    today: Option<NaiveDate>,
    sprints: Vec<Sprint>,
    /// Index in `sprints` of the sprint the report is about.
    focus: Option<usize>,
    note: Option<String>,
}

fn state_of(s: &Sprint, today: Option<NaiveDate>) -> &'static str {
    match today {
        Some(t) if t > s.end => "closed",
        Some(t) if t >= s.start => "active",
        Some(_) => "planned",
        None => "unknown",
    }
}

fn est(it: &Item) -> f64 {
    it.estimate.filter(|v| v.is_finite()).unwrap_or(0.0)
}

impl<'a> Ctx<'a> {
    pub fn new(
        b: &'a Backlog,
        g: &'a Graph,
        h: Option<&'a crate::metrics::Analysis>,
        today: Option<NaiveDate>,
        note: Option<&str>,
        opts: &AnalyzeOptions,
    ) -> Result<Ctx<'a>, AnalyzeError> {
        let sprints = sprints(b);
        let focus = match &opts.sprint {
            Some(id) => match sprints.iter().position(|s| s.id == *id) {
                Some(i) => Some(i),
                None => {
                    let hint = crate::util::suggest::hint_many(id, sprints.iter().map(|s| s.id.as_str()), 3);
                    let listing = if sprints.is_empty() {
                        " (no sprint has both `start` and `end`)".to_string()
                    } else if hint.is_empty() {
                        let ids: Vec<&str> = sprints.iter().rev().take(10).map(|s| s.id.as_str()).collect();
                        format!(" (sprints with dates: {})", ids.join(", "))
                    } else {
                        hint
                    };
                    return Err(AnalyzeError::UnknownSprint(format!("unknown sprint `{id}`{listing}")));
                }
            },
            None => today.and_then(|t| {
                let active = sprints.iter().position(|s| s.start <= t && t <= s.end);
                let next = || sprints.iter().position(|s| s.start > t);
                let last = || sprints.iter().rposition(|s| s.end < t);
                active.or_else(next).or_else(last)
            }),
        };
        Ok(Ctx { b, g, h, today, sprints, focus, note: note.map(str::to_string) })
    }

    fn sprint(&self) -> Option<&Sprint> {
        self.focus.and_then(|i| self.sprints.get(i))
    }

    fn burndown(&self) -> Option<&'a Burndown> {
        let s = self.sprint()?;
        self.h?.burndown(&s.id)
    }

    fn link(&self, i: usize) -> Link {
        Link::of(&self.b.items[i])
    }

    fn no_history(&self) -> Option<String> {
        self.h.is_none().then(|| self.note.clone().unwrap_or_else(|| "no history".into()))
    }

    pub fn analysis(&self, history_note: Option<String>) -> Analysis {
        let insights = match self.h {
            Some(h) => h.insights.clone(),
            None => insights::state(self.b, &insights::Options { today: self.today, ..Default::default() }),
        };
        let capacity = self.capacity();
        let fixes = self.fixes(&capacity);
        Analysis {
            today: self.today.map(|d| d.to_string()),
            history: self.h.is_some(),
            history_note,
            unit: self.b.config.estimate_unit.clone(),
            sprint: self.sprint().map(|s| SprintRef {
                id: s.id.clone(),
                title: s.title.clone(),
                start: s.start.to_string(),
                end: s.end.to_string(),
                state: state_of(s, self.today),
                days_left: self.days_left(s),
            }),
            progress: self.progress(),
            velocity: self.velocity(),
            forecast: self.forecast(),
            risks: self.risks(&insights),
            blockers: self.blockers(),
            scope_creep: self.scope_creep(),
            overdue: self.overdue(),
            capacity,
            fixes,
        }
    }

    fn days_left(&self, s: &Sprint) -> Option<i64> {
        let t = self.today?;
        Some(if t > s.end {
            0
        } else if t < s.start {
            (s.end - s.start).num_days() + 1
        } else {
            (s.end - t).num_days() + 1
        })
    }

    /// The committed work items of the focus sprint.
    fn committed(&self) -> Vec<(usize, &'a Item)> {
        let Some(s) = self.sprint() else { return Vec::new() };
        work(self.b).filter(|(_, it)| it.sprint.as_ref().is_some_and(|x| x.value == s.id)).collect()
    }

    fn progress(&self) -> Progress {
        let mut p = Progress::default();
        for (i, it) in work(self.b) {
            if !crate::graph::rollup::counts(self.b, i) {
                continue;
            }
            p.items_total += 1;
            p.points_total += est(it);
            if self.b.is_done(it) {
                p.items_done += 1;
                p.points_done += est(it);
            }
        }
        p.points_total = r2(p.points_total);
        p.points_done = r2(p.points_done);
        p.sprint = self.sprint().map(|s| {
            let bd = self.burndown();
            let mut sp = SprintProgress {
                sprint: s.id.clone(),
                committed: bd.filter(|b| !b.days.is_empty()).map(|b| b.committed),
                committed_items: bd.filter(|b| !b.days.is_empty()).map(|b| b.committed_items),
                completed: bd.filter(|b| !b.days.is_empty()).map(|b| b.completed()),
                ..Default::default()
            };
            for (_, it) in self.committed() {
                sp.scope_items += 1;
                sp.scope += est(it);
                if self.b.is_done(it) {
                    sp.done_items += 1;
                } else {
                    sp.remaining += est(it);
                }
            }
            sp.scope = r2(sp.scope);
            sp.remaining = r2(sp.remaining);
            sp
        });
        p
    }

    fn velocity(&self) -> Velocity {
        let Some(h) = self.h else { return Velocity { note: self.no_history(), ..Default::default() } };
        let all = &h.metrics.velocity.sprints;
        let window = &all[all.len().saturating_sub(forecast::WINDOW)..];
        let titles: HashMap<&str, &str> = h.burndowns.iter().map(|b| (b.sprint.as_str(), b.title.as_str())).collect();
        let sprints: Vec<SprintPoints> = window
            .iter()
            .map(|p| SprintPoints {
                sprint: p.sprint.clone(),
                title: titles.get(p.sprint.as_str()).unwrap_or(&p.sprint.as_str()).to_string(),
                points: p.points,
            })
            .collect();
        let points: Vec<f64> = sprints.iter().map(|s| s.points).collect();
        let average = (!points.is_empty()).then(|| r2(points.iter().sum::<f64>() / points.len() as f64));
        let note = points.is_empty().then(|| "no closed sprint yet: no velocity".to_string());
        Velocity { trend: velocity::trend(&points), sprints, average, note }
    }

    fn forecast(&self) -> ForecastSection {
        let mut f = ForecastSection::default();
        for (i, it) in work(self.b) {
            if crate::graph::rollup::counts(self.b, i) && !self.b.is_done(it) {
                f.remaining_items += 1;
                f.remaining += est(it);
            }
        }
        f.remaining = r2(f.remaining);
        let Some(h) = self.h else {
            f.note = self.no_history();
            return f;
        };
        let m = &h.metrics;
        f.basis = m.forecast_basis.clone();
        f.note = f.basis.note.clone();
        f.backlog = forecast::project(f.remaining, &f.basis, self.today, "(backlog)");
        f.epics = m.forecasts.clone();
        if let (Some(s), Some(v)) = (self.sprint(), m.velocity.average_last_3) {
            if state_of(s, self.today) != "closed" {
                let remaining: f64 =
                    self.committed().iter().filter(|(_, it)| !self.b.is_done(it)).map(|(_, it)| est(it)).sum();
                let days = (s.end - s.start).num_days() + 1;
                f.sprint = self.days_left(s).and_then(|left| forecast::pace(remaining, left, days, v));
            }
        }
        f
    }

    fn risks(&self, all: &[Insight]) -> Risks {
        let mut r = Risks::default();
        let sched = Schedule::compute(self.b, self.g);
        for (i, it) in work(self.b) {
            let Some(t) = sched.get(i) else { continue };
            let due = it.due.as_ref().map(|d| d.value);
            if t.critical {
                let mut reasons = Vec::new();
                let waits = blocked_by(self.b, it);
                if !waits.is_empty() {
                    reasons.push("blocked");
                }
                if self.today.is_some_and(|d| overdue(self.b, it, d)) {
                    reasons.push("overdue");
                }
                if !reasons.is_empty() {
                    if r.critical.len() < MAX_LISTED {
                        r.critical.push(CriticalRisk {
                            item: self.link(i),
                            reasons,
                            waits_on: waits.iter().map(|s| s.to_string()).collect(),
                            due: due.map(|d| d.to_string()),
                            slack_days: r2(t.slack),
                        });
                    } else {
                        r.critical_more += 1;
                    }
                }
            }
            if let (Some(d), Some(fin)) = (due, sched.finish_date(t.es, t.ef)) {
                if fin > d && t.slack < -EPSILON {
                    self.push_late(&mut r, i, d.to_string(), fin.to_string(), "schedule");
                }
            }
        }
        if let Some(h) = self.h {
            for f in h.metrics.forecasts.iter().filter(|f| f.late) {
                if let (Some(&i), Some(due), Some(p85)) = (self.b.index.get(f.id.as_str()), &f.due, &f.p85) {
                    self.push_late(&mut r, i, due.clone(), p85.clone(), "forecast");
                }
            }
        }
        r.insights = all.iter().filter(|x| RISK_RULES.contains(&x.rule)).cloned().collect();
        r
    }

    fn push_late(&self, r: &mut Risks, i: usize, due: String, finish: String, basis: &'static str) {
        if r.late.len() < MAX_LISTED {
            r.late.push(LateItem { item: self.link(i), due, finish, basis });
        } else {
            r.late_more += 1;
        }
    }

    fn blockers(&self) -> Blockers {
        let mut out = Blockers::default();
        let focus = self.sprint().map(|s| s.id.as_str());
        let mut chains = Chains::new(self.b);
        for (i, it) in work(self.b) {
            if open_dependencies(self.b, it).is_empty() {
                continue;
            }
            out.waiting += 1;
            let doing = category(self.b, it) == Some(Category::Doing);
            let in_focus = focus.is_some_and(|f| it.sprint.as_ref().is_some_and(|s| s.value == f));
            if !(doing || in_focus) {
                continue;
            }
            if out.items.len() >= MAX_LISTED {
                out.more += 1;
                continue;
            }
            let c = chains.chain(i, CHAIN_SHOWN);
            out.items.push(Blocker {
                item: self.link(i),
                chain: c.links.iter().map(|&j| self.link(j)).collect(),
                more: c.more,
                end: c.end.filter(|_| c.more > 0).map(|j| self.link(j)),
                cycle: c.cycle,
                also_waits_on: chains.others(i).into_iter().map(|j| self.b.items[j].id().to_string()).collect(),
            });
        }
        out
    }

    fn scope_creep(&self) -> ScopeCreep {
        let mut sc = ScopeCreep { threshold: SCOPE_CREEP_PERCENT, ..Default::default() };
        let Some(s) = self.sprint() else {
            sc.note = Some("no sprint to report on".into());
            return sc;
        };
        sc.sprint = Some(s.id.clone());
        let Some(h) = self.h else {
            sc.note = self.no_history();
            return sc;
        };
        let Some(bd) = self.burndown().filter(|b| !b.days.is_empty()) else {
            sc.note = Some(format!("{} has not started", s.id));
            return sc;
        };
        sc.committed = bd.committed;
        sc.committed_items = bd.committed_items;
        for d in &bd.days {
            for c in &d.changes {
                let ch = ScopeChange { id: c.id.clone(), date: d.date.clone(), points: c.points };
                match c.change {
                    "added" => sc.added.push(ch),
                    "removed" => sc.removed.push(ch),
                    _ => {}
                }
            }
        }
        sc.added_points = bd.added();
        sc.removed_points = bd.removed();
        sc.percent = h.metrics.scope_creep.iter().find(|x| x.sprint == s.id).and_then(|x| x.percent);
        sc.over_threshold = sc.percent.is_some_and(|p| p > SCOPE_CREEP_PERCENT);
        sc
    }

    fn overdue(&self) -> Overdue {
        let mut o = Overdue::default();
        let Some(t) = self.today else {
            o.note = Some(format!("{}: today is unknown", self.note.as_deref().unwrap_or("no history")));
            return o;
        };
        let mut found: Vec<(NaiveDate, usize)> = work(self.b)
            .filter(|(_, it)| overdue(self.b, it, t))
            .filter_map(|(i, it)| Some((it.due.as_ref()?.value, i)))
            .collect();
        found.sort_unstable();
        o.more = found.len().saturating_sub(MAX_LISTED);
        o.items = found
            .into_iter()
            .take(MAX_LISTED)
            .map(|(d, i)| OverdueItem { item: self.link(i), due: d.to_string(), days_late: (t - d).num_days() })
            .collect();
        o
    }

    fn capacity(&self) -> Capacity {
        let Some(s) = self.sprint() else {
            return Capacity { note: Some("no sprint to report on".into()), ..Default::default() };
        };
        let items: Vec<&Item> = self.committed().into_iter().map(|(_, it)| it).collect();
        let load = insights::sprint_load(self.b, &self.b.items[s.index], &items);
        let over_people = load.people.iter().filter(|p| p.over()).map(|p| p.person.clone()).collect();
        let note = self.b.items[s.index].capacity.is_empty().then(|| format!("{} has no `capacity`", s.id));
        Capacity {
            sprint: Some(s.id.clone()),
            planned: r2(load.planned),
            capacity: r2(load.capacity),
            over: load.over(),
            people: load
                .people
                .into_iter()
                .map(|mut p| {
                    p.assigned = r2(p.assigned);
                    p
                })
                .collect(),
            over_people,
            note,
        }
    }

    /// For each person over capacity: move their open items out of the
    /// sprint, lowest priority first (then the larger estimate, then the id),
    /// until what is left fits; to the next sprint when there is one.
    fn fixes(&self, cap: &Capacity) -> Vec<SuggestedFix> {
        let Some(i) = self.focus else { return Vec::new() };
        let value = self.sprints.get(i + 1).map_or(serde_json::Value::Null, |s| serde_json::Value::from(s.id.clone()));
        let sprint = &self.sprints[i];
        let mut out = Vec::new();
        for p in cap.people.iter().filter(|p| p.over()) {
            let capacity = p.capacity.unwrap_or(0.0);
            let mut items: Vec<&Item> = p
                .items
                .iter()
                .filter_map(|id| self.b.get(id))
                .filter(|it| open(self.b, it) && category(self.b, it) != Some(Category::Doing))
                .collect();
            items.sort_by(|a, b| {
                b.priority_rank()
                    .cmp(&a.priority_rank())
                    .then_with(|| est(b).total_cmp(&est(a)))
                    .then_with(|| a.id().cmp(b.id()))
            });
            let mut load = p.assigned;
            for it in items {
                if load <= capacity + 1e-9 {
                    break;
                }
                let share = est(it) / it.assignee.len().max(1) as f64;
                if share <= 0.0 {
                    continue;
                }
                load -= share;
                out.push(SuggestedFix {
                    item: it.id().to_string(),
                    field: "sprint".into(),
                    value: value.clone(),
                    why: format!(
                        "{} is over capacity in {} ({} of {} {})",
                        p.person,
                        sprint.id,
                        velocity::num(p.assigned),
                        velocity::num(capacity),
                        self.b.config.estimate_unit
                    ),
                });
            }
        }
        out
    }
}
