//! A realistic generator of Backlog.md repositories with history, for the
//! `backlog-md` preset's tests and benchmarks: task files
//! `backlog/tasks/task-N - Title.md` created over many commits, edited
//! (status spellings "To Do", "In Progress", "Done", "Won't Do", `@name`
//! assignees, `created_date: '2025-07-27 10:15'`), moved into `completed/`,
//! an id prefix change `task-N` → `BACK-N` halfway, `dependencies` and
//! `parent_task_id` (subtasks `task-4.1`), acceptance criteria and a
//! definition of done as Backlog.md writes them. Deterministic for a seed.
//!
//! The product never runs git: this gives the commits as data, and
//! [`fast_import`] the stream `git fast-import` reads (the example and the
//! tests run git).

use std::collections::BTreeMap;

use crate::util::rng::Rng;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Spec {
    pub tasks: usize,
    pub seed: u64,
}

/// One change of the working tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// Write a file (repository-relative path, text).
    Write(String, String),
    Delete(String),
}

/// One commit: its time (Unix seconds, UTC), author, message and changes.
#[derive(Clone, Debug, PartialEq)]
pub struct Commit {
    pub time: i64,
    pub author: String,
    pub email: String,
    pub message: String,
    pub ops: Vec<Op>,
}

/// A generated repository and what it holds by construction.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Repo {
    pub commits: Vec<Commit>,
    /// The id that is both in `completed/` and `archive/tasks/` (the one
    /// real problem the generator plants).
    pub duplicate: Option<String>,
    /// Tasks renamed by the prefix change: (old id, new id).
    pub renamed: Vec<(String, String)>,
    /// Every dependency edge at the end: (task id, the id it depends on, as
    /// the item ids are at the end).
    pub dependencies: Vec<(String, String)>,
    /// Every parent edge at the end: (subtask id, parent id).
    pub parents: Vec<(String, String)>,
    /// The warnings `cairn check` owes the last commit, by construction:
    /// (code, item id), sorted. `W001`: done while a dependency is open;
    /// `W002`: open while its parent is done (or won't be done).
    pub warnings: Vec<(&'static str, String)>,
}

const PEOPLE: &[(&str, &str)] = &[("Ana Silva", "ana"), ("Bo Chen", "bo"), ("Cy Okafor", "cy"), ("Dee Rao", "dee")];
const VERBS: &[&str] = &["Add", "Fix", "Refactor", "Document", "Test", "Speed up", "Remove", "Design"];
const NOUNS: &[&str] = &[
    "GraphQL resolver",
    "login form",
    "task board",
    "CLI parser",
    "config loader",
    "search index",
    "export to CSV",
    "web server",
    "markdown renderer",
    "git sync",
];
const LABELS: &[&str] = &["api", "cli", "ui", "docs", "bug", "perf"];
const PRIORITIES: &[&str] = &["high", "medium", "low"];
/// 2025-07-01 09:00 UTC.
const START: i64 = 1_751_360_400;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Action {
    Create,
    Start,
    Finish,
    Cancel,
    Complete,
}

#[derive(Clone, Debug)]
struct Task {
    num: String,
    prefix: &'static str,
    title: String,
    status: &'static str,
    assignee: Option<&'static str>,
    reporter: &'static str,
    inline_people: bool,
    created: String,
    updated: Option<String>,
    labels: Vec<&'static str>,
    milestone: Option<String>,
    deps: Vec<String>,
    dep_idx: Vec<usize>,
    parent: Option<String>,
    parent_idx: Option<usize>,
    priority: Option<&'static str>,
    ordinal: usize,
    acs: Vec<(String, bool)>,
    dod: Vec<(String, bool)>,
    plan: bool,
    notes: bool,
    folder: &'static str,
    subtasks: usize,
}

impl Task {
    fn id(&self) -> String {
        format!("{}-{}", self.prefix, self.num)
    }

    fn path(&self) -> String {
        format!("backlog/{}/{} - {}.md", self.folder, self.id().to_lowercase(), self.title)
    }

    fn render(&self) -> String {
        let mut s = String::from("---\n");
        s.push_str(&format!("id: {}\ntitle: {}\nstatus: {}\n", self.id(), self.title, self.status));
        match (self.assignee, self.inline_people) {
            (None, _) => s.push_str("assignee: []\n"),
            (Some(a), true) => s.push_str(&format!("assignee: @{a}\n")),
            (Some(a), false) => s.push_str(&format!("assignee:\n  - '@{a}'\n")),
        }
        if self.inline_people {
            s.push_str(&format!("reporter: @{}\n", self.reporter));
        } else {
            s.push_str(&format!("reporter: '@{}'\n", self.reporter));
        }
        s.push_str(&format!("created_date: '{}'\n", self.created));
        if let Some(u) = &self.updated {
            s.push_str(&format!("updated_date: '{u}'\n"));
        }
        list(&mut s, "labels", self.labels.iter().map(|l| l.to_string()));
        if let Some(m) = &self.milestone {
            s.push_str(&format!("milestone: {m}\n"));
        }
        list(&mut s, "dependencies", self.deps.iter().cloned());
        if let Some(p) = &self.parent {
            s.push_str(&format!("parent_task_id: {p}\n"));
        }
        if let Some(p) = self.priority {
            s.push_str(&format!("priority: {p}\n"));
        }
        s.push_str(&format!("ordinal: {}\n---\n\n", self.ordinal));
        s.push_str("## Description\n\n<!-- SECTION:DESCRIPTION:BEGIN -->\n");
        s.push_str(&format!("{} so that the team can ship the next milestone.\n", self.title));
        s.push_str("<!-- SECTION:DESCRIPTION:END -->\n\n## Acceptance Criteria\n<!-- AC:BEGIN -->\n");
        checklist(&mut s, &self.acs);
        s.push_str("<!-- AC:END -->\n");
        if self.plan {
            s.push_str("\n## Implementation Plan\n\n<!-- SECTION:PLAN:BEGIN -->\n1. Read the code\n2. Change it\n3. Test it\n<!-- SECTION:PLAN:END -->\n");
        }
        if self.notes {
            s.push_str("\n## Implementation Notes\n\n<!-- SECTION:NOTES:BEGIN -->\nDone as planned; tests added.\n<!-- SECTION:NOTES:END -->\n");
        }
        s.push_str("\n## Definition of Done\n<!-- DOD:BEGIN -->\n");
        checklist(&mut s, &self.dod);
        s.push_str("<!-- DOD:END -->\n");
        s
    }
}

fn list(s: &mut String, key: &str, values: impl Iterator<Item = String>) {
    let values: Vec<String> = values.collect();
    if values.is_empty() {
        s.push_str(&format!("{key}: []\n"));
    } else {
        s.push_str(&format!("{key}:\n"));
        for v in values {
            s.push_str(&format!("  - {v}\n"));
        }
    }
}

fn checklist(s: &mut String, items: &[(String, bool)]) {
    for (i, (text, done)) in items.iter().enumerate() {
        s.push_str(&format!("- [{}] #{} {text}\n", if *done { "x" } else { " " }, i + 1));
    }
}

/// `YYYY-MM-DD HH:MM` (UTC) of a Unix time.
fn stamp(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map(|d| d.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
}

fn time_of(step: usize) -> i64 {
    START + step as i64 * 5 * 3600 + (step as i64 * 7 % 60) * 60
}

/// Generates a Backlog.md repository's history.
pub fn generate(spec: &Spec) -> Repo {
    let mut rng = Rng::new(spec.seed);
    let n = spec.tasks;
    let create_step = |i: usize| 1 + i / 2;
    // The prefix change happens in a commit of its own, halfway.
    let switch = create_step(n / 2) + 1;
    let shift = |s: usize| if s >= switch { s + 1 } else { s };
    let mut plan: BTreeMap<usize, Vec<(usize, Action)>> = BTreeMap::new();
    for i in 0..n {
        let c = shift(create_step(i));
        plan.entry(c).or_default().push((i, Action::Create));
        let r = rng.below(100);
        if r < 20 {
            continue;
        }
        if (32..40).contains(&r) {
            plan.entry(shift(create_step(i) + 1 + rng.below(4))).or_default().push((i, Action::Cancel));
            continue;
        }
        let start = create_step(i) + 1 + rng.below(3);
        plan.entry(shift(start)).or_default().push((i, Action::Start));
        if r < 32 {
            continue;
        }
        let finish = start + 1 + rng.below(4);
        plan.entry(shift(finish)).or_default().push((i, Action::Finish));
        if rng.chance(60) {
            plan.entry(shift(finish + 1 + rng.below(3))).or_default().push((i, Action::Complete));
        }
    }
    let last = plan.keys().next_back().copied().unwrap_or(0).max(switch);

    let mut repo = Repo::default();
    let mut tasks: Vec<Option<Task>> = vec![None; n];
    let mut top_level: Vec<usize> = Vec::new();
    let mut counter = 0usize;
    let mut ops = vec![
        Op::Write(
            "backlog/config.yml".into(),
            "project_name: \"Demo\"\ndefault_status: \"To Do\"\nstatuses: [\"To Do\", \"In Progress\", \"Done\"]\nlabels: []\nmilestones: []\ndate_format: yyyy-mm-dd hh:mm\n".into(),
        ),
        Op::Write(
            "backlog/docs/doc-1 - Architecture.md".into(),
            "---\nid: doc-1\ntitle: Architecture\ntype: other\ncreated_date: '2025-07-01 09:00'\n---\n\n# Architecture\n\nThe big picture.\n".into(),
        ),
        Op::Write(
            "backlog/decisions/decision-1 - Use Markdown.md".into(),
            "---\nid: decision-1\ntitle: Use Markdown\ndate: '2025-07-01 09:00'\nstatus: accepted\n---\n\n## Context\n\nWe need plain files.\n".into(),
        ),
    ];
    repo.commits.push(Commit {
        time: time_of(0),
        author: PEOPLE[0].0.into(),
        email: format!("{}@example.com", PEOPLE[0].1),
        message: "Initialize backlog".into(),
        ops: std::mem::take(&mut ops),
    });
    for step in 1..=last {
        let t = time_of(step);
        let now = stamp(t);
        let who = PEOPLE[step % PEOPLE.len()];
        let mut message = String::new();
        if step == switch {
            for task in tasks.iter_mut().flatten() {
                if task.folder == "tasks" && task.prefix == "task" {
                    let old = (task.id(), task.path());
                    task.prefix = "BACK";
                    task.updated = Some(now.clone());
                    ops.push(Op::Delete(old.1));
                    ops.push(Op::Write(task.path(), task.render()));
                    repo.renamed.push((old.0, task.id()));
                }
            }
            message = "Change the task id prefix to BACK".into();
        }
        for (i, action) in plan.remove(&step).unwrap_or_default() {
            if action == Action::Create {
                let prefix = if step > switch { "BACK" } else { "task" };
                let parent_idx = (i > 5 && rng.chance(15))
                    .then(|| top_level.get(top_level.len().saturating_sub(1 + rng.below(8))).copied())
                    .flatten();
                let num = match parent_idx.and_then(|p| tasks[p].as_mut()) {
                    Some(p) => {
                        p.subtasks += 1;
                        format!("{}.{}", p.num, p.subtasks)
                    }
                    None => {
                        counter += 1;
                        counter.to_string()
                    }
                };
                let parent = parent_idx.and_then(|p| tasks[p].as_ref()).map(Task::id);
                // Dependencies as written when created: the other task's id
                // then, in either case (old files keep the old spelling).
                let mut dep_idx: Vec<usize> = Vec::new();
                if i > 3 && rng.chance(40) {
                    for _ in 0..1 + rng.below(2) {
                        let j = i - 1 - rng.below(i.min(12));
                        if tasks[j].is_some() && !dep_idx.contains(&j) && Some(j) != parent_idx {
                            dep_idx.push(j);
                        }
                    }
                }
                let deps = dep_idx
                    .iter()
                    .filter_map(|&j| tasks[j].as_ref())
                    .map(|d| if rng.chance(30) { d.id().to_lowercase() } else { d.id() })
                    .collect();
                let acs = (0..1 + rng.below(3))
                    .map(|k| (format!("{} works ({})", NOUNS[(i + k) % NOUNS.len()], k + 1), false))
                    .collect();
                let task = Task {
                    num,
                    prefix,
                    title: format!("{} {}", VERBS[rng.below(VERBS.len())], NOUNS[rng.below(NOUNS.len())]),
                    status: "To Do",
                    assignee: rng.chance(30).then(|| PEOPLE[rng.below(PEOPLE.len())].1),
                    reporter: who.1,
                    inline_people: rng.chance(50),
                    created: now.clone(),
                    updated: None,
                    labels: (0..rng.below(3)).map(|_| LABELS[rng.below(LABELS.len())]).collect::<Vec<_>>(),
                    milestone: rng.chance(50).then(|| format!("M{}", 1 + i * 4 / n.max(1))),
                    deps,
                    dep_idx,
                    parent,
                    parent_idx,
                    priority: rng.chance(70).then(|| PRIORITIES[rng.below(PRIORITIES.len())]),
                    ordinal: (i + 1) * 1000,
                    acs,
                    dod: vec![("Tests pass".into(), false), ("Docs updated".into(), false)],
                    plan: false,
                    notes: false,
                    folder: "tasks",
                    subtasks: 0,
                };
                let mut task = task;
                task.labels.sort();
                task.labels.dedup();
                if parent_idx.is_none() {
                    top_level.push(i);
                }
                ops.push(Op::Write(task.path(), task.render()));
                if message.is_empty() {
                    message = format!("Create {}", task.id());
                }
                tasks[i] = Some(task);
                continue;
            }
            let Some(task) = tasks[i].as_mut() else { continue };
            let before = task.path();
            task.updated = Some(now.clone());
            match action {
                Action::Start => {
                    task.status = if rng.chance(10) { "in progress" } else { "In Progress" };
                    task.assignee = task.assignee.or(Some(who.1));
                    task.plan = true;
                }
                Action::Finish => {
                    task.status = "Done";
                    task.notes = true;
                    task.acs.iter_mut().chain(task.dod.iter_mut()).for_each(|c| c.1 = true);
                }
                Action::Cancel => task.status = "Won't Do",
                Action::Complete => task.folder = "completed",
                Action::Create => {}
            }
            if task.path() != before {
                ops.push(Op::Delete(before));
            }
            ops.push(Op::Write(task.path(), task.render()));
            if message.is_empty() {
                message = format!("Update {}", task.id());
            }
        }
        if !ops.is_empty() {
            repo.commits.push(Commit {
                time: t,
                author: who.0.into(),
                email: format!("{}@example.com", who.1),
                message,
                ops: std::mem::take(&mut ops),
            });
        }
    }
    // The planted problem: a completed task also copied into the archive.
    if let Some(task) =
        tasks.iter().flatten().find(|t| t.folder == "completed" && t.dep_idx.is_empty() && t.parent_idx.is_none())
    {
        let mut copy = task.clone();
        copy.folder = "archive/tasks";
        repo.duplicate = Some(task.id());
        repo.commits.push(Commit {
            time: time_of(last + 1),
            author: PEOPLE[1].0.into(),
            email: format!("{}@example.com", PEOPLE[1].1),
            message: format!("Archive {}", task.id()),
            ops: vec![Op::Write(copy.path(), copy.render())],
        });
    }
    let closed = |t: &Task| t.status == "Done" || t.status == "Won't Do";
    for task in tasks.iter().flatten() {
        let mut open_dep = false;
        for &j in &task.dep_idx {
            if let Some(d) = &tasks[j] {
                repo.dependencies.push((task.id(), d.id()));
                open_dep |= !closed(d);
            }
        }
        if task.status == "Done" && open_dep {
            repo.warnings.push(("W001", task.id()));
        }
        if let Some(p) = task.parent_idx.and_then(|p| tasks[p].as_ref()) {
            repo.parents.push((task.id(), p.id()));
            if !closed(task) && closed(p) {
                repo.warnings.push(("W002", task.id()));
            }
        }
    }
    repo.warnings.sort();
    repo
}

/// The files at the last commit: repository-relative path → text.
pub fn final_files(repo: &Repo) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for c in &repo.commits {
        for op in &c.ops {
            match op {
                Op::Write(p, t) => {
                    files.insert(p.clone(), t.clone());
                }
                Op::Delete(p) => {
                    files.remove(p);
                }
            }
        }
    }
    files
}

/// The `git fast-import` stream of the commits, on `refs/heads/main`.
pub fn fast_import(repo: &Repo) -> Vec<u8> {
    let quote = |p: &str| format!("\"{}\"", p.replace('\\', "\\\\").replace('"', "\\\""));
    let mut out = Vec::new();
    for c in &repo.commits {
        let who = format!("{} <{}> {} +0000", c.author, c.email, c.time);
        out.extend_from_slice(format!("commit refs/heads/main\nauthor {who}\ncommitter {who}\n").as_bytes());
        out.extend_from_slice(format!("data {}\n{}\n", c.message.len(), c.message).as_bytes());
        for op in &c.ops {
            match op {
                Op::Write(p, t) => {
                    out.extend_from_slice(format!("M 100644 inline {}\ndata {}\n{t}\n", quote(p), t.len()).as_bytes())
                }
                Op::Delete(p) => out.extend_from_slice(format!("D {}\n", quote(p)).as_bytes()),
            }
        }
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_with_a_prefix_change_renames_and_a_duplicate() {
        let spec = Spec { tasks: 60, seed: 3 };
        let repo = generate(&spec);
        assert_eq!(repo, generate(&spec));
        assert!(!repo.renamed.is_empty());
        assert!(repo.renamed.iter().all(|(o, n)| o.starts_with("task-") && n.starts_with("BACK-")));
        let files = final_files(&repo);
        let dup = repo.duplicate.clone().expect("a completed task");
        let with_dup: Vec<&String> =
            files.iter().filter(|(_, t)| t.contains(&format!("\nid: {dup}\n"))).map(|(p, _)| p).collect();
        assert_eq!(with_dup.len(), 2, "{with_dup:?}");
        assert!(files.keys().any(|p| p.starts_with("backlog/completed/")));
        assert!(files.values().any(|t| t.contains("status: To Do\n")));
        assert!(files.values().any(|t| t.contains("assignee: @")));
        assert!(files.values().any(|t| t.contains("- [x] #1 ")));
    }
}
