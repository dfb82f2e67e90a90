//! Generates a Backlog.md repository with history, for the `backlog-md`
//! preset's benchmarks:
//! `cargo run --release --example gen_backlog_md -- DIR TASKS [SEED] [--no-history]`.
//! Writes a git repository at DIR (through `git fast-import`; the product
//! itself never runs git) with the tasks under `DIR/backlog/`, and a
//! `DIR/backlog/cairn.yml` saying `preset: backlog-md` (untracked). With
//! `--no-history`, only the last commit's files, and no repository.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let history = match args.iter().position(|a| a == "--no-history") {
        Some(k) => {
            args.remove(k);
            false
        }
        None => true,
    };
    let Some(dir) = args.first().cloned() else {
        eprintln!("usage: gen_backlog_md DIR TASKS [SEED] [--no-history]");
        std::process::exit(2);
    };
    let num = |i: usize, d: u64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let spec = cairn::gen::backlog_md::Spec { tasks: num(1, 1000) as usize, seed: num(2, 1) };
    let repo = cairn::gen::backlog_md::generate(&spec);
    let dir = Path::new(&dir);
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        std::process::exit(1);
    }
    if history {
        if let Err(e) = import(dir, &repo) {
            eprintln!("git failed: {e}");
            std::process::exit(1);
        }
    } else {
        for (p, text) in cairn::gen::backlog_md::final_files(&repo) {
            let path = dir.join(p);
            let ok = path.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|_| std::fs::write(&path, text));
            if let Err(e) = ok {
                eprintln!("cannot write {}: {e}", path.display());
                std::process::exit(1);
            }
        }
    }
    if let Err(e) = std::fs::write(dir.join("backlog/cairn.yml"), "preset: backlog-md\n") {
        eprintln!("cannot write cairn.yml: {e}");
        std::process::exit(1);
    }
    println!(
        "wrote {} tasks in {} commits to {} ({} renamed by the prefix change)",
        spec.tasks,
        repo.commits.len(),
        dir.display(),
        repo.renamed.len()
    );
}

fn git(dir: &Path, args: &[&str]) -> std::io::Result<()> {
    let ok = Command::new("git").current_dir(dir).args(args).status()?.success();
    if ok {
        Ok(())
    } else {
        Err(std::io::Error::other(format!("git {args:?} failed")))
    }
}

fn import(dir: &Path, repo: &cairn::gen::backlog_md::Repo) -> std::io::Result<()> {
    git(dir, &["init", "-q", "-b", "main"])?;
    let mut child =
        Command::new("git").current_dir(dir).args(["fast-import", "--quiet"]).stdin(Stdio::piped()).spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(&cairn::gen::backlog_md::fast_import(repo))?;
    }
    if !child.wait()?.success() {
        return Err(std::io::Error::other("git fast-import failed"));
    }
    git(dir, &["checkout", "-q", "-f", "main"])
}
