//! Gives the example backlog a real history: replays a scripted sequence of
//! dated commits into a fresh git repository, ending in exactly the content
//! of `example-backlog/`, so burndowns, metrics and the audit log have
//! something to show.
//!
//! `cargo run --example example_history -- OUT_DIR [SOURCE_DIR]`
//! (or `scripts/example-history.sh OUT_DIR`); then
//! `cairn -C OUT_DIR burndown 2026-s47`, `cairn -C OUT_DIR metrics`,
//! `cairn -C OUT_DIR build`. See `docs/metrics.md`.
//!
//! The story (all times UTC, author = the item's assignee):
//! - 2026-10-19: the backlog is written down; stories, tasks and bugs are
//!   `ready` with no sprint (the at-risk widget estimated at 3).
//! - 2026-10-30: sprint 46 planning (10 items).
//! - 2026-11-02 .. 11-13: sprint 46; each item moves to in progress, review
//!   and done on its own days (weekdays only; some days have no commit);
//!   a story outside the sprint is cancelled on 11-05.
//! - 2026-11-13: sprint 47 planning, including one story that will move on
//!   to sprint 48.
//! - 2026-11-16 .. 11-20: sprint 47; the EMEA pilot bugs arrive on 11-17
//!   (scope added mid-sprint); the at-risk widget is re-estimated 3 → 5 on
//!   11-18; one story is done on 11-18 and re-opened on 11-19; the story
//!   planned too early moves to sprint 48 on 11-19; sprint 48 is planned on
//!   11-20.
//! - 2026-11-20 17:00: a last commit writes every file exactly as in the
//!   source folder (bodies and fields the script did not touch).
//!
//! Deterministic: the same source gives the same commits (ids included).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One file of the backlog being replayed.
#[derive(Clone)]
struct File {
    final_text: String,
    text: Option<String>,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first().map(PathBuf::from) else {
        eprintln!("usage: example_history OUT_DIR [SOURCE_DIR (default: example-backlog)]");
        std::process::exit(2);
    };
    let src = args.get(1).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("example-backlog"));
    if let Err(e) = run(&src, &out) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(src: &Path, out: &Path) -> Result<(), String> {
    if out.join(".git").exists() {
        return Err(format!("{} already holds a git repository; give a new folder", out.display()));
    }
    let mut files: BTreeMap<String, File> = BTreeMap::new();
    read_tree(src, src, &mut files)?;
    if !files.contains_key("cairn.yml") {
        return Err(format!("{} has no cairn.yml: not the example backlog?", src.display()));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut h = History { out: out.to_path_buf(), files, commits: 0 };
    h.git(&["init", "-q", "-b", "main"], None)?;

    let ids: Vec<String> = h.files.keys().cloned().collect();
    let item = |p: &str| p.ends_with(".md") && p.contains('/') && !p.starts_with("sprints/");
    let leaf = |p: &str| p.starts_with("stories/") || p.starts_with("tasks/") || p.starts_with("bugs/");
    let field = |h: &History, p: &str, f: &str| get(&h.files[p].final_text, f);
    let s46: Vec<String> =
        ids.iter().filter(|p| field(&h, p, "sprint").as_deref() == Some("2026-s46")).cloned().collect();
    let s47: Vec<String> =
        ids.iter().filter(|p| field(&h, p, "sprint").as_deref() == Some("2026-s47")).cloned().collect();
    let s48: Vec<String> =
        ids.iter().filter(|p| field(&h, p, "sprint").as_deref() == Some("2026-s48")).cloned().collect();
    let late: Vec<String> = s47.iter().filter(|p| p.starts_with("bugs/")).cloned().collect();
    let cancelled: Option<String> = ids
        .iter()
        .find(|p| p.starts_with("stories/") && field(&h, p, "status").as_deref() == Some("cancelled"))
        .cloned();
    let moved: Option<String> = s48.first().cloned();
    let widget = "stories/at-risk-widget.md".to_string();
    let reopened: Option<String> = s47
        .iter()
        .find(|p| {
            p.starts_with("stories/") && **p != widget && field(&h, p, "status").as_deref() == Some("in_progress")
        })
        .cloned();

    // 2026-10-19: the backlog written down.
    for p in &ids {
        if late.contains(p) || p.starts_with("sprints/") {
            continue;
        }
        let mut t = h.files[p].final_text.clone();
        if item(p) {
            let st = get(&t, "status").unwrap_or_default();
            if leaf(p) && matches!(st.as_str(), "done" | "in_progress" | "review" | "cancelled") {
                t = set(&t, "status", "ready");
            } else if st == "done" {
                t = set(&t, "status", "in_progress");
            }
            t = remove(&t, "sprint");
            if *p == widget {
                t = set(&t, "estimate", "3");
            }
        }
        h.put(p, t);
    }
    h.commit("Ana", "2026-10-19T09:00:00Z", "Write the backlog down")?;

    // 2026-10-30: sprint 46 planning.
    h.put("sprints/2026-s46.md", h.files["sprints/2026-s46.md"].final_text.clone());
    for p in &s46 {
        h.edit(p, |t| set(t, "sprint", "2026-s46"));
    }
    h.commit("Ben", "2026-10-30T15:00:00Z", "Plan sprint 46")?;

    // Sprint 46: every leaf item that ends done moves through the workflow.
    let days46 = weekdays("2026-11-02", 10);
    let mut plan: BTreeMap<(usize, u32), Vec<(String, &'static str)>> = BTreeMap::new();
    for p in &ids {
        if !item(p) || field(&h, p, "status").as_deref() != Some("done") {
            continue;
        }
        if !leaf(p) {
            plan.entry((9, 900)).or_default().push((p.clone(), "done"));
            continue;
        }
        let k = hash(p);
        let a = (k % 6) as usize;
        let b = (a + 2 + (k / 7 % 3) as usize).min(9);
        let minute = (k % 16) as u32 * 20;
        plan.entry((a, minute)).or_default().push((p.clone(), "in_progress"));
        if b > a + 1 {
            plan.entry((b - 1, minute)).or_default().push((p.clone(), "review"));
        }
        plan.entry((b, minute)).or_default().push((p.clone(), "done"));
    }
    if let Some(c) = &cancelled {
        plan.entry((3, 120)).or_default().push((c.clone(), "cancelled"));
    }
    h.replay(&plan, &days46)?;

    // 2026-11-13: sprint 47 planning.
    h.put("sprints/2026-s47.md", h.files["sprints/2026-s47.md"].final_text.clone());
    for p in s47.iter().filter(|p| !late.contains(p)).chain(moved.iter()) {
        h.edit(p, |t| set(t, "sprint", "2026-s47"));
    }
    h.commit("Ben", "2026-11-13T16:30:00Z", "Plan sprint 47")?;

    // Sprint 47, up to Friday 11-20.
    let days47 = weekdays("2026-11-16", 5);
    let mut plan: BTreeMap<(usize, u32), Vec<(String, &'static str)>> = BTreeMap::new();
    for p in &ids {
        if !item(p) || !leaf(p) || late.contains(p) || Some(p) == reopened.as_ref() {
            continue;
        }
        let st = field(&h, p, "status").unwrap_or_default();
        if !matches!(st.as_str(), "in_progress" | "review") {
            continue;
        }
        let k = hash(p);
        let minute = (k % 16) as u32 * 20;
        plan.entry(((k % 3) as usize, minute)).or_default().push((p.clone(), "in_progress"));
        if st == "review" {
            plan.entry((3 + (k % 2) as usize, minute)).or_default().push((p.clone(), "review"));
        }
    }
    if let Some(r) = &reopened {
        plan.entry((0, 40)).or_default().push((r.clone(), "in_progress"));
        plan.entry((1, 200)).or_default().push((r.clone(), "review"));
        plan.entry((2, 100)).or_default().push((r.clone(), "done"));
        plan.entry((3, 60)).or_default().push((r.clone(), "in_progress"));
    }
    for (n, p) in late.iter().enumerate() {
        plan.entry((1, 300 + n as u32 * 10)).or_default().push((p.clone(), "create"));
        let st = field(&h, p, "status").unwrap_or_default();
        if st != "ready" {
            plan.entry((2 + n % 2, 320)).or_default().push((p.clone(), "final-status"));
        }
    }
    plan.entry((2, 400)).or_default().push((widget.clone(), "re-estimate"));
    if let Some(m) = &moved {
        plan.entry((3, 420)).or_default().push((m.clone(), "to-s48"));
    }
    plan.entry((4, 60)).or_default().push(("sprints/2026-s48.md".into(), "plan-s48"));
    h.replay(&plan, &days47)?;

    // Everything exactly as in the source.
    let all: Vec<String> = h.files.keys().cloned().collect();
    for p in all {
        let t = h.files[&p].final_text.clone();
        h.put(&p, t);
    }
    h.commit("Ana", "2026-11-20T17:00:00Z", "Tidy descriptions")?;
    println!("{}: {} commits; try `cairn -C {} burndown 2026-s47`", out.display(), h.commits, out.display());
    Ok(())
}

struct History {
    out: PathBuf,
    files: BTreeMap<String, File>,
    commits: usize,
}

impl History {
    fn put(&mut self, p: &str, text: String) {
        if let Some(f) = self.files.get_mut(p) {
            f.text = Some(text);
        }
    }

    fn edit(&mut self, p: &str, f: impl Fn(&str) -> String) {
        if let Some(file) = self.files.get_mut(p) {
            if let Some(t) = &file.text {
                file.text = Some(f(t));
            }
        }
    }

    /// Applies a plan: (day index, minutes after 09:00) → changes, one commit each.
    fn replay(
        &mut self,
        plan: &BTreeMap<(usize, u32), Vec<(String, &'static str)>>,
        days: &[String],
    ) -> Result<(), String> {
        for ((day, minute), changes) in plan {
            let Some(date) = days.get(*day) else { continue };
            let mut who = "Ana".to_string();
            let mut msg = Vec::new();
            for (p, what) in changes {
                let fin = self.files[p].final_text.clone();
                match *what {
                    "create" => {
                        let t = set(&fin, "status", "ready");
                        self.put(p, t);
                    }
                    "final-status" => {
                        let st = get(&fin, "status").unwrap_or_default();
                        self.edit(p, |t| set(t, "status", &st));
                    }
                    "re-estimate" => {
                        let e = get(&fin, "estimate").unwrap_or_default();
                        self.edit(p, |t| set(t, "estimate", &e));
                    }
                    "to-s48" => self.edit(p, |t| set(t, "sprint", "2026-s48")),
                    "plan-s48" => {
                        self.put(p, fin.clone());
                        let ids: Vec<String> = self
                            .files
                            .iter()
                            .filter(|(_, f)| get(&f.final_text, "sprint").as_deref() == Some("2026-s48"))
                            .map(|(k, _)| k.clone())
                            .collect();
                        for q in ids {
                            self.edit(&q, |t| set(t, "sprint", "2026-s48"));
                        }
                    }
                    st => self.edit(p, |t| set(t, "status", st)),
                }
                if let Some(a) = get(&fin, "assignee") {
                    let a = a.trim_start_matches('[').split([',', ']']).next().unwrap_or("ana").trim().to_string();
                    if !a.is_empty() {
                        who = capitalize(&a);
                    }
                }
                msg.push(format!("{}: {what}", stem(p)));
            }
            let time = format!("{date}T{:02}:{:02}:00Z", 9 + minute / 60, minute % 60);
            self.commit(&who, &time, &msg.join(", "))?;
        }
        Ok(())
    }

    fn commit(&mut self, who: &str, time: &str, msg: &str) -> Result<(), String> {
        for (p, f) in &self.files {
            let path = self.out.join(p);
            match &f.text {
                Some(t) => {
                    if let Some(dir) = path.parent() {
                        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                    }
                    std::fs::write(&path, t).map_err(|e| format!("{}: {e}", path.display()))?;
                }
                None => {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        self.git(&["add", "-A"], None)?;
        let email = format!("{}@acme.example", who.to_lowercase());
        self.git(
            &["-c", "commit.gpgsign=false", "commit", "-q", "--allow-empty", "-m", msg],
            Some((who, &email, time)),
        )?;
        self.commits += 1;
        Ok(())
    }

    fn git(&self, args: &[&str], who: Option<(&str, &str, &str)>) -> Result<(), String> {
        let mut c = Command::new("git");
        c.arg("-C").arg(&self.out).args(args);
        c.env("GIT_CONFIG_NOSYSTEM", "1").env("GIT_CONFIG_GLOBAL", "/dev/null");
        let (name, email, time) = who.unwrap_or(("Ana", "ana@acme.example", "2026-10-19T09:00:00Z"));
        c.env("GIT_AUTHOR_NAME", name).env("GIT_AUTHOR_EMAIL", email).env("GIT_AUTHOR_DATE", time);
        c.env("GIT_COMMITTER_NAME", name).env("GIT_COMMITTER_EMAIL", email).env("GIT_COMMITTER_DATE", time);
        let o = c.output().map_err(|e| format!("cannot run git: {e}"))?;
        if !o.status.success() {
            return Err(format!("git {args:?} failed: {}", String::from_utf8_lossy(&o.stderr)));
        }
        Ok(())
    }
}

fn read_tree(root: &Path, dir: &Path, out: &mut BTreeMap<String, File>) -> Result<(), String> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name == "_site" {
            continue;
        }
        if p.is_dir() {
            read_tree(root, &p, out)?;
        } else {
            let rel = p.strip_prefix(root).map_err(|e| e.to_string())?;
            let rel = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            out.insert(rel, File { final_text: text, text: None });
        }
    }
    Ok(())
}

/// The front-matter's line range (between the `---` lines), if any.
fn fm_end(lines: &[&str]) -> Option<usize> {
    if lines.first().map(|l| l.trim_end()) != Some("---") {
        return None;
    }
    lines.iter().skip(1).position(|l| l.trim_end() == "---").map(|i| i + 1)
}

/// A top-level scalar field of the front-matter, as written.
fn get(text: &str, field: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let end = fm_end(&lines)?;
    let prefix = format!("{field}:");
    lines[1..end].iter().find_map(|l| l.strip_prefix(&prefix).map(|v| v.trim().to_string()))
}

/// Sets a top-level scalar field (replacing its line, or adding it before the closing `---`).
fn set(text: &str, field: &str, value: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let Some(end) = fm_end(&lines) else { return text.to_string() };
    let prefix = format!("{field}:");
    let new = format!("{field}: {value}");
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    match lines[1..end].iter().position(|l| l.starts_with(&prefix)) {
        Some(i) => out[i + 1] = new,
        None => out.insert(end, new),
    }
    let mut s = out.join("\n");
    if text.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// Removes a top-level scalar field.
fn remove(text: &str, field: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let Some(end) = fm_end(&lines) else { return text.to_string() };
    let prefix = format!("{field}:");
    let mut s = lines
        .iter()
        .enumerate()
        .filter(|(i, l)| !(*i > 0 && *i < end && l.starts_with(&prefix)))
        .map(|(_, l)| *l)
        .collect::<Vec<_>>()
        .join("\n");
    if text.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// `n` weekdays from `start` (YYYY-MM-DD), as dates.
fn weekdays(start: &str, n: usize) -> Vec<String> {
    let mut d = chrono::NaiveDate::parse_from_str(start, "%Y-%m-%d").unwrap_or_default();
    let mut out = Vec::new();
    while out.len() < n {
        use chrono::Datelike;
        if d.weekday().num_days_from_monday() < 5 {
            out.push(d.to_string());
        }
        d = d.succ_opt().unwrap_or(d);
    }
    out
}

fn hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn stem(p: &str) -> &str {
    let name = p.rsplit('/').next().unwrap_or(p);
    name.strip_suffix(".md").unwrap_or(name)
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
