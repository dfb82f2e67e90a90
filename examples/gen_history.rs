//! Generates a git repository with a backlog and a long history, for the
//! history benchmarks:
//! `cargo run --release --example gen_history -- DIR [ITEMS] [COMMITS] [EXTRA]`.
//!
//! The backlog lives in `DIR/backlog/`; the first ITEMS commits each create
//! one item, the rest change one to three items each (status, estimate,
//! assignee, sprint, body, dependencies; now and then a move to another
//! folder). With EXTRA > 0, EXTRA more commits are appended to an existing
//! repository made by this tool with the same ITEMS (for the warm-cache
//! measurement). Commits are fed to `git fast-import`, which is far quicker
//! than running `git commit` thousands of times. Deterministic: the same
//! arguments give the same repository.

use std::io::Write;
use std::process::{Command, Stdio};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const STATUSES: &[&str] = &["backlog", "ready", "in_progress", "review", "done"];
const PEOPLE: &[(&str, &str)] =
    &[("Ana Lima", "ana@example.com"), ("Ben Okafor", "ben@example.com"), ("Chen Wei", "chen@example.com")];
const FOLDERS: &[(&str, usize)] = &[("stories", 60), ("tasks", 30), ("bugs", 10)];

#[derive(Clone)]
struct Item {
    folder: &'static str,
    status: usize,
    estimate: u32,
    assignee: usize,
    sprint: u32,
    deps: Vec<usize>,
    body_rev: u32,
}

fn render(i: usize, it: &Item) -> String {
    let mut s = format!(
        "---\ntitle: Item number {i}\nstatus: {}\nestimate: {}\nassignee: {}\nsprint: s{}\nlabels: [gen, batch-{}]\n",
        STATUSES[it.status],
        it.estimate,
        PEOPLE[it.assignee].0.split(' ').next().unwrap_or("ana").to_lowercase(),
        it.sprint,
        i % 7
    );
    if !it.deps.is_empty() {
        s.push_str("depends_on: [");
        s.push_str(&it.deps.iter().map(|d| format!("item-{d}")).collect::<Vec<_>>().join(", "));
        s.push_str("]\n");
    }
    s.push_str(&format!(
        "---\n\nGenerated item {i}, revision {}.\n\n## Acceptance criteria\n- [ ] works\n- [x] reviewed\n",
        it.body_rev
    ));
    s
}

fn path(i: usize, it: &Item) -> String {
    format!("backlog/{}/item-{i}.md", it.folder)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first().cloned() else {
        eprintln!("usage: gen_history DIR [ITEMS] [COMMITS] [EXTRA]");
        std::process::exit(2);
    };
    let num = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (items_n, commits_n, extra) = (num(1, 5000), num(2, 20000), num(3, 0));
    let dir = std::path::PathBuf::from(dir);
    let git = |args: &[&str]| {
        let ok = Command::new("git").arg("-C").arg(&dir).args(args).status().map(|s| s.success()).unwrap_or(false);
        if !ok {
            eprintln!("git {args:?} failed");
            std::process::exit(1);
        }
    };
    if extra == 0 {
        let _ = std::fs::create_dir_all(&dir);
        git(&["init", "-q", "-b", "main"]);
    }

    // Replay the whole deterministic sequence; emit only the commits wanted.
    let total = commits_n + extra;
    let first_emitted = if extra == 0 { 0 } else { commits_n };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut items: Vec<Item> = Vec::with_capacity(items_n);
    let mut stream: Vec<u8> = Vec::with_capacity(64 << 20);
    let t0: i64 = 1_700_000_000;
    for c in 0..total {
        let mut ops: Vec<String> = Vec::new();
        if c == 0 {
            ops.push(inline("backlog/cairn.yml", "name: Generated\n"));
        }
        if items.len() < items_n && (c < items_n || c % 2 == 0) {
            let i = items.len();
            let roll = rng.below(100);
            let mut acc = 0;
            let folder = FOLDERS.iter().find(|(_, w)| {
                acc += w;
                roll < acc
            });
            let it = Item {
                folder: folder.map(|f| f.0).unwrap_or("stories"),
                status: 0,
                estimate: [1, 2, 3, 5, 8][rng.below(5)],
                assignee: rng.below(PEOPLE.len()),
                sprint: 1,
                deps: if i > 10 && rng.below(4) == 0 { vec![rng.below(i)] } else { vec![] },
                body_rev: 0,
            };
            ops.push(inline(&path(i, &it), &render(i, &it)));
            items.push(it);
        } else {
            for _ in 0..1 + rng.below(3) {
                let i = rng.below(items.len());
                let old_path = path(i, &items[i]);
                let it = &mut items[i];
                match rng.below(10) {
                    0..=3 => it.status = (it.status + 1) % STATUSES.len(),
                    4 => it.estimate = [1, 2, 3, 5, 8][rng.below(5)],
                    5 => it.assignee = rng.below(PEOPLE.len()),
                    6 => it.sprint += 1,
                    7 => it.body_rev += 1,
                    8 => it.deps.push(rng.below(items_n.max(1))),
                    _ => {
                        it.folder = FOLDERS[rng.below(FOLDERS.len())].0;
                        it.status = (it.status + 1) % STATUSES.len();
                    }
                }
                let it = items[i].clone();
                let new_path = path(i, &it);
                if new_path != old_path {
                    ops.push(format!("D {old_path}\n"));
                }
                ops.push(inline(&new_path, &render(i, &it)));
            }
        }
        if c < first_emitted {
            continue;
        }
        let (name, email) = PEOPLE[c % PEOPLE.len()];
        let when = t0 + (c as i64) * 600;
        let msg = format!("change {c}\n");
        write!(stream, "commit refs/heads/main\nmark :{}\n", c + 1).ok();
        write!(stream, "author {name} <{email}> {when} +0000\ncommitter {name} <{email}> {when} +0000\n").ok();
        write!(stream, "data {}\n{msg}", msg.len()).ok();
        if c > 0 {
            if c == first_emitted {
                stream.extend_from_slice(b"from refs/heads/main^0\n");
            } else {
                writeln!(stream, "from :{c}").ok();
            }
        }
        for op in ops {
            stream.extend_from_slice(op.as_bytes());
        }
        stream.push(b'\n');
    }
    let child = Command::new("git")
        .arg("-C")
        .arg(&dir)
        .args(["fast-import", "--quiet", "--force"])
        .stdin(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        eprintln!("cannot run git fast-import");
        std::process::exit(1);
    };
    if let Some(mut stdin) = child.stdin.take() {
        if stdin.write_all(&stream).is_err() {
            eprintln!("git fast-import stopped reading");
        }
    }
    if !child.wait().map(|s| s.success()).unwrap_or(false) {
        eprintln!("git fast-import failed");
        std::process::exit(1);
    }
    git(&["reset", "-q", "--hard", "main"]);
    println!("{}: {} items, {} commits", dir.display(), items.len(), total);
}

fn inline(path: &str, content: &str) -> String {
    format!("M 100644 inline {path}\ndata {}\n{content}\n", content.len())
}
