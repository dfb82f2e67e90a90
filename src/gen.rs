//! A synthetic backlog generator for tests and benchmarks: N items across
//! every kind with realistic fields and relations, deterministic for a seed,
//! and optionally a few seeded errors.

use std::path::Path;

pub use crate::util::rng::Rng;

pub mod backlog_md;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Spec {
    pub items: usize,
    pub seed: u64,
    /// How many files get a deliberate error (unknown status, broken
    /// reference, unknown field, YAML syntax error, dependency cycle).
    pub errors: usize,
}

impl Default for Spec {
    fn default() -> Self {
        Spec { items: 1000, seed: 1, errors: 0 }
    }
}

/// One generated file: its root-relative path and text.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    pub path: String,
    pub text: String,
}

const VERBS: &[&str] =
    &["Build", "Add", "Fix", "Refactor", "Migrate", "Design", "Test", "Document", "Speed up", "Harden"];
const NOUNS: &[&str] = &[
    "health score API",
    "churn model",
    "CSM dashboard",
    "billing export",
    "login flow",
    "search index",
    "audit log",
    "notification service",
    "usage pipeline",
    "feature flags",
    "onboarding wizard",
    "data warehouse sync",
    "rate limiter",
];
const PEOPLE: &[&str] = &["ana", "ben", "chloe", "dev", "eli", "fatima", "gus", "hana"];
const LABELS: &[&str] = &["backend", "frontend", "ml", "data", "security", "ux", "infra", "retention"];
const PRIORITIES: &[&str] = &["highest", "high", "medium", "medium", "low", "lowest"];
const STATUSES: &[&str] = &["backlog", "ready", "in_progress", "review", "done", "done", "cancelled"];

/// Generates the files of a backlog of `spec.items` items (plus sprints).
pub fn generate(spec: &Spec) -> Vec<File> {
    let mut rng = Rng::new(spec.seed);
    let n = spec.items.max(10);
    let n_sprints = (n / 200).clamp(3, 60);
    let n_init = (n / 500).max(1);
    let n_prd = (n / 100).max(1);
    let n_epic = (n / 50).max(2);
    let n_feat = (n / 12).max(3);
    let rest = n.saturating_sub(n_init + n_prd + n_epic + n_feat + n_sprints);
    let n_story = rest * 45 / 100;
    let n_bug = rest / 10;
    let n_task = rest - n_story - n_bug;
    let mut files = Vec::with_capacity(n);
    let title = |rng: &mut Rng, i: usize| format!("{} the {} ({i})", rng.pick(VERBS), rng.pick(NOUNS));

    for s in 0..n_sprints {
        let start =
            chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default() + chrono::Duration::days(14 * s as i64);
        let end = start + chrono::Duration::days(11);
        let cap: Vec<String> = PEOPLE.iter().take(4).map(|p| format!("{p}: {}", 6 + rng.below(6))).collect();
        files.push(File {
            path: format!("sprints/s{s:03}.md"),
            text: format!("---\ntitle: Sprint {s}\nstart: {start}\nend: {end}\ngoal: Deliver increment {s}\ncapacity: {{ {} }}\n---\n", cap.join(", ")),
        });
    }
    for i in 0..n_init {
        let t = title(&mut rng, i);
        files.push(item(&mut rng, &format!("initiatives/init-{i:05}.md"), &t, None, &[], &[], None, false, &[]));
    }
    for i in 0..n_prd {
        let t = title(&mut rng, i);
        files.push(File {
            path: format!("prds/prd-{i:05}.md"),
            text: format!(
                "---\ntitle: \"PRD: {t}\"\n---\n\n## Problem\n\nCustomers need {t}.\n\n## Goals\n- Measurable\n"
            ),
        });
    }
    let prd_ids: Vec<String> = (0..n_prd).map(|i| format!("prd-{i:05}")).collect();
    for i in 0..n_epic {
        let parent = format!("init-{:05}", i % n_init);
        let refs = vec![rng.pick(&prd_ids).clone()];
        let t = title(&mut rng, i);
        files.push(item(&mut rng, &format!("epics/epic-{i:05}.md"), &t, Some(&parent), &[], &refs, None, false, &[]));
    }
    for i in 0..n_feat {
        let parent = format!("epic-{:05}", i % n_epic);
        let t = title(&mut rng, i);
        files.push(item(&mut rng, &format!("features/feat-{i:05}.md"), &t, Some(&parent), &[], &[], None, false, &[]));
    }
    // Stories depend on earlier stories of the same feature (acyclic).
    for i in 0..n_story {
        let f = i % n_feat;
        let parent = format!("feat-{f:05}");
        let mut deps = Vec::new();
        if i >= n_feat && rng.chance(70) {
            deps.push(format!("story-{:06}", i - n_feat));
        }
        if i >= 2 * n_feat && rng.chance(40) {
            deps.push(format!("story-{:06}", i - 2 * n_feat));
        }
        let sprint = if rng.chance(50) { Some(format!("s{:03}", rng.below(n_sprints))) } else { None };
        let relates = if i > 0 && rng.chance(10) { vec![format!("story-{:06}", rng.below(i))] } else { vec![] };
        let t = title(&mut rng, i);
        files.push(item(
            &mut rng,
            &format!("stories/story-{i:06}.md"),
            &t,
            Some(&parent),
            &deps,
            &[],
            sprint.as_deref(),
            true,
            &relates,
        ));
    }
    for i in 0..n_task {
        let parent = format!("story-{:06}", i % n_story.max(1));
        let mut deps = Vec::new();
        // Tasks depend on earlier tasks of their block of eight (short
        // chains and diamonds, acyclic), as work is planned in batches.
        let offset = i % 8;
        if offset > 0 && rng.chance(90) {
            deps.push(format!("task-{:06}", i - 1));
        }
        if offset > 1 && rng.chance(60) {
            let j = i - 2 - rng.below(offset - 1);
            deps.push(format!("task-{j:06}"));
        }
        let t = title(&mut rng, i);
        files.push(item(&mut rng, &format!("tasks/task-{i:06}.md"), &t, Some(&parent), &deps, &[], None, false, &[]));
    }
    for i in 0..n_bug {
        let parent = format!("story-{:06}", rng.below(n_story.max(1)));
        // A fix often waits on an implementation task.
        let deps =
            if n_task > 0 && rng.chance(80) { vec![format!("task-{:06}", rng.below(n_task))] } else { Vec::new() };
        let t = title(&mut rng, i);
        files.push(item(&mut rng, &format!("bugs/bug-{i:06}.md"), &t, Some(&parent), &deps, &[], None, false, &[]));
    }
    close_children_of_done_stories(&mut files);
    seed_errors(&mut files, spec.errors, &mut rng);
    files
}

/// The degenerate shapes of a work graph, for benchmarks of what must stay
/// linear: see [`shaped`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// The realistic mix of [`generate`].
    Mixed,
    /// `c0 ← c1 ← … ← c(n−1)`: each task depends on the previous one, so
    /// `c0` delays every other item, the last at distance n − 1.
    Chain,
    /// `s1 … s(n−1)` each depend on the hub `s0`, which delays all of them
    /// at distance 1.
    Star,
    /// A bowtie: `b1 … b(n/2)` are independent (all ready) and the hub `h`
    /// depends on every one of them; `d1 ← d2 ← …` is a chain after the
    /// hub. Every ready task delays the hub and the whole chain: the shape
    /// that makes a per-item count of what waits quadratic.
    Bowtie,
    /// A hierarchy n deep: `p0 ⊃ p1 ⊃ … ⊃ p(n−1)`, each task the parent of
    /// the next (a `cairn.yml` lets tasks parent tasks), so `p(n−1)` has
    /// n − 1 ancestors and every item waits on all below it.
    Deep,
}

impl std::str::FromStr for Shape {
    type Err = String;
    fn from_str(s: &str) -> Result<Shape, String> {
        match s {
            "mixed" => Ok(Shape::Mixed),
            "chain" => Ok(Shape::Chain),
            "star" => Ok(Shape::Star),
            "bowtie" => Ok(Shape::Bowtie),
            "deep" => Ok(Shape::Deep),
            other => Err(format!("unknown shape `{other}` (mixed, chain, star, bowtie or deep)")),
        }
    }
}

/// A backlog of `spec.items` items of the given shape ([`generate`] for
/// `Mixed`; the seed and errors apply only to it). The tasks of a chain or a
/// star are open (`ready`), estimated at one point and start on 2026-01-05.
pub fn shaped(spec: &Spec, shape: Shape) -> Vec<File> {
    let n = spec.items.max(1);
    let task = |id: &str, deps: Option<String>, k: usize| {
        let mut t = format!("---\ntitle: Step {k} of the {shape:?}\nstatus: ready\nestimate: 1\n");
        match deps {
            Some(d) if shape == Shape::Deep => t.push_str(&format!("parent: {d}\n")),
            Some(d) => t.push_str(&format!("depends_on: [{d}]\n")),
            None => t.push_str("start: 2026-01-05\n"),
        }
        t.push_str("---\n\nGenerated for benchmarks of degenerate graphs.\n");
        File { path: format!("tasks/{id}.md"), text: t }
    };
    match shape {
        Shape::Mixed => generate(spec),
        Shape::Chain => (0..n).map(|k| task(&format!("c{k}"), k.checked_sub(1).map(|p| format!("c{p}")), k)).collect(),
        Shape::Star => (0..n).map(|k| task(&format!("s{k}"), (k > 0).then(|| "s0".to_string()), k)).collect(),
        Shape::Bowtie => {
            let wide = n / 2;
            let mut files: Vec<File> = (1..=wide).map(|k| task(&format!("b{k}"), None, k)).collect();
            let all: Vec<String> = (1..=wide).map(|k| format!("b{k}")).collect();
            files.push(task("h", (!all.is_empty()).then(|| all.join(", ")), 0));
            let mut prev = "h".to_string();
            for k in 1..n.saturating_sub(wide + 1) + 1 {
                files.push(task(&format!("d{k}"), Some(prev.clone()), k));
                prev = format!("d{k}");
            }
            files
        }
        Shape::Deep => {
            let mut files =
                vec![File { path: "cairn.yml".into(), text: "kinds:\n  task: { parents: [story, task] }\n".into() }];
            files.extend((0..n).map(|k| task(&format!("p{k}"), k.checked_sub(1).map(|p| format!("p{p}")), k)));
            files
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn item(
    rng: &mut Rng,
    path: &str,
    title: &str,
    parent: Option<&str>,
    deps: &[String],
    refs: &[String],
    sprint: Option<&str>,
    acceptance: bool,
    relates: &[String],
) -> File {
    // Parents are kept open so that no child contradicts a done parent.
    let is_parent = path.starts_with("initiatives/") || path.starts_with("epics/") || path.starts_with("features/");
    let status = if is_parent { *rng.pick(&["backlog", "ready", "in_progress"]) } else { *rng.pick(STATUSES) };
    // Work that waits on other work has not started yet: an item with
    // dependencies is in a todo status (so neither "done with open
    // dependencies" nor "in progress while blocked").
    let status = if deps.is_empty() || is_parent { status } else { *rng.pick(&["backlog", "ready", "ready"]) };
    let mut fm = String::from("---\n");
    fm.push_str(&format!("title: {title}\nstatus: {status}\npriority: {}\n", rng.pick(PRIORITIES)));
    if rng.chance(80) {
        fm.push_str(&format!("assignee: {}\n", rng.pick(PEOPLE)));
    }
    if !is_parent {
        fm.push_str(&format!("estimate: {}\n", rng.pick(&[1, 2, 3, 5, 8, 13])));
    }
    // Two different labels: the second is drawn from the other seven.
    let first = rng.below(LABELS.len());
    let second = (first + 1 + rng.below(LABELS.len() - 1)) % LABELS.len();
    fm.push_str(&format!("labels: [{}, {}]\n", LABELS[first], LABELS[second]));
    if let Some(p) = parent {
        fm.push_str(&format!("parent: {p}\n"));
    }
    if let Some(s) = sprint {
        fm.push_str(&format!("sprint: {s}\n"));
    }
    if !deps.is_empty() {
        fm.push_str("depends_on:\n");
        for (k, d) in deps.iter().enumerate() {
            if k == 0 && rng.chance(20) {
                fm.push_str(&format!("  - {{ id: {d}, lag: {}d }}\n", 1 + rng.below(3)));
            } else {
                fm.push_str(&format!("  - {d}\n"));
            }
        }
    }
    if !relates.is_empty() {
        fm.push_str(&format!("relates_to: [{}]\n", relates.join(", ")));
    }
    if !refs.is_empty() {
        fm.push_str(&format!("references: [{}]\n", refs.join(", ")));
    }
    if rng.chance(10) {
        fm.push_str(&format!("due: 2027-0{}-1{}\n", 1 + rng.below(9), rng.below(9)));
    }
    fm.push_str("---\n\n");
    fm.push_str(&format!("{title}. This work item was generated for benchmarks; it reads like a short description\nwith a second line of context about the {}.\n", rng.pick(NOUNS)));
    if acceptance {
        let done = status == "done";
        let x = if done { "x" } else { " " };
        fm.push_str(&format!("\n## Acceptance criteria\n- [{x}] It works\n- [{x}] It is tested\n"));
    }
    File { path: path.to_string(), text: fm }
}

/// Tasks and bugs of a story that is done are done too (a team closes a
/// story when its tasks are), so the generated backlog is mostly clean.
fn close_children_of_done_stories(files: &mut [File]) {
    let status_of = |text: &str| text.lines().find_map(|l| l.strip_prefix("status: ")).map(str::to_string);
    let done: std::collections::HashSet<String> = files
        .iter()
        .filter(|f| f.path.starts_with("stories/") && status_of(&f.text).as_deref() == Some("done"))
        .map(|f| crate::load::item::stem(&f.path).to_string())
        .collect();
    for f in files.iter_mut() {
        if !(f.path.starts_with("tasks/") || f.path.starts_with("bugs/")) {
            continue;
        }
        let parent = f.text.lines().find_map(|l| l.strip_prefix("parent: ")).map(str::to_string);
        let Some(old) = status_of(&f.text) else { continue };
        if parent.is_some_and(|p| done.contains(&p)) && old != "done" && old != "cancelled" {
            f.text = f.text.replacen(&format!("status: {old}\n"), "status: done\n", 1);
        }
    }
}

fn seed_errors(files: &mut [File], count: usize, rng: &mut Rng) {
    let candidates: Vec<usize> = (0..files.len())
        .filter(|&i| files[i].path.starts_with("stories/") || files[i].path.starts_with("tasks/"))
        .collect();
    if candidates.is_empty() {
        return;
    }
    for k in 0..count {
        let i = candidates[rng.below(candidates.len())];
        let f = &mut files[i];
        f.text = match k % 4 {
            0 => f.text.replacen("\nstatus: ", "\nstatus: inprogress\nold_status: ", 1),
            1 => f.text.replacen("---\n", "---\nparent_of: nothing\n", 1),
            2 => f.text.replacen("title: ", "depends_on: [does-not-exist]\ntitle: ", 1),
            _ => f.text.replacen("title: ", "labels: [unclosed\ntitle: ", 1),
        };
    }
}

/// Writes generated files under `dir` (which should be empty).
pub fn write(dir: &Path, files: &[File]) -> std::io::Result<()> {
    for f in files {
        let p = dir.join(&f.path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(p, &f.text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_backlog_checks_clean_and_is_deterministic() {
        let spec = Spec { items: 600, seed: 7, errors: 0 };
        let files = generate(&spec);
        assert_eq!(files, generate(&spec));
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &files).unwrap();
        let b = crate::load::load(dir.path()).unwrap();
        assert_eq!(b.items.len(), files.len());
        let r = crate::check::check_backlog(&b);
        assert!(
            r.diagnostics.iter().all(|d| d.severity == crate::check::Severity::Warning),
            "{:#?}",
            &r.diagnostics[..r.diagnostics.len().min(5)]
        );
        let kinds: std::collections::BTreeSet<&str> = b.items.iter().map(|i| i.kind()).collect();
        assert_eq!(kinds.len(), 8, "{kinds:?}");
        for i in b.items.iter().filter(|i| !i.labels.is_empty()) {
            assert!(i.labels.len() == 2 && i.labels[0] != i.labels[1], "{}: {:?}", i.id(), i.labels);
        }
    }

    #[test]
    fn bowtie_ready_tasks_each_unblock_the_hub_and_the_chain() {
        let files = shaped(&Spec { items: 41, seed: 1, errors: 0 }, Shape::Bowtie);
        assert_eq!(files.len(), 41);
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &files).unwrap();
        let b = crate::load::load(dir.path()).unwrap();
        let g = crate::graph::Graph::build(&b);
        let r = crate::graph::ready::ready(&b, &g, &Default::default());
        // 20 independent tasks are ready; each delays the hub and the 20-long chain.
        assert_eq!(r.len(), 20);
        assert!(r.iter().all(|x| x.unblocks == 21), "{:?}", r.iter().map(|x| x.unblocks).collect::<Vec<_>>());
    }

    #[test]
    fn chain_and_star_shapes_check_clean() {
        for (shape, root, far) in [(Shape::Chain, "c0", "c49"), (Shape::Star, "s0", "s49")] {
            let files = shaped(&Spec { items: 50, seed: 1, errors: 0 }, shape);
            assert_eq!(files.len(), 50);
            let dir = tempfile::tempdir().unwrap();
            write(dir.path(), &files).unwrap();
            let b = crate::load::load(dir.path()).unwrap();
            let r = crate::check::check_backlog(&b);
            assert_eq!(r.errors(), 0, "{:#?}", r.diagnostics);
            let g = crate::graph::Graph::build(&b);
            let d = crate::graph::impact::impact(&b, &g, b.index[root]);
            assert_eq!(d.delayed.len(), 49, "{shape:?}");
            let last = d.delayed.iter().find(|x| b.items[x.node].id() == far).unwrap();
            assert_eq!(last.distance, if shape == Shape::Chain { 49 } else { 1 });
        }
        assert_eq!("star".parse::<Shape>(), Ok(Shape::Star));
        assert!("ring".parse::<Shape>().is_err());
    }

    #[test]
    fn the_deep_shape_is_a_clean_hierarchy_n_deep() {
        let files = shaped(&Spec { items: 30, seed: 1, errors: 0 }, Shape::Deep);
        assert_eq!(files.len(), 31, "30 tasks and cairn.yml");
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &files).unwrap();
        let b = crate::load::load(dir.path()).unwrap();
        let r = crate::check::check_backlog(&b);
        assert_eq!(r.errors(), 0, "{:#?}", r.diagnostics);
        let g = crate::graph::Graph::build(&b);
        // p29's ancestors are p28 … p0; p0 delays every other task.
        let (up, cut) = g.ancestors_up_to(b.index["p29"], 100);
        assert_eq!((up.len(), cut), (29, false));
        assert_eq!(crate::graph::impact::impact(&b, &g, b.index["p29"]).delayed.len(), 29);
        assert_eq!("deep".parse::<Shape>(), Ok(Shape::Deep));
    }

    #[test]
    fn seeded_errors_are_found() {
        let files = generate(&Spec { items: 300, seed: 3, errors: 4 });
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &files).unwrap();
        let b = crate::load::load(dir.path()).unwrap();
        let r = crate::check::check_backlog(&b);
        let codes: std::collections::BTreeSet<&str> =
            r.diagnostics.iter().filter(|d| d.severity == crate::check::Severity::Error).map(|d| d.code).collect();
        assert!(codes.contains("E012") || codes.contains("E018"), "{codes:?}");
        assert!(codes.contains("E020"), "{codes:?}");
        assert!(codes.contains("E003"), "{codes:?}");
    }
}
