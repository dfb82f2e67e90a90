//! Builds git repositories inside tests with the git CLI, with controlled
//! author, committer and times for every commit.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Repo {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

/// Runs git in `dir` with a clean, fixed environment; panics on failure.
pub fn git_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut c = Command::new("git");
    c.current_dir(dir).args(args);
    c.env("GIT_CONFIG_NOSYSTEM", "1").env("HOME", dir).env("GIT_CONFIG_GLOBAL", "/dev/null");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().expect("git runs");
    assert!(o.status.success(), "git {args:?} failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

impl Repo {
    /// An empty repository on branch `main`.
    pub fn new() -> Repo {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().to_path_buf();
        git_in(&path, &["init", "-q", "-b", "main"], &[]);
        git_in(&path, &["config", "user.name", "Test"], &[]);
        git_in(&path, &["config", "user.email", "test@example.com"], &[]);
        git_in(&path, &["config", "commit.gpgsign", "false"], &[]);
        Repo { _dir: dir, path }
    }

    pub fn git(&self, args: &[&str]) -> String {
        git_in(&self.path, args, &[])
    }

    pub fn write(&self, rel: &str, content: &str) -> &Self {
        let p = self.path.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, content).expect("write");
        self
    }

    pub fn remove(&self, rel: &str) -> &Self {
        std::fs::remove_file(self.path.join(rel)).expect("remove");
        self
    }

    /// Stages everything and commits as `who` (`Name <email>`-less name;
    /// email = lowercase name @example.com) at `time` (RFC 3339), which is
    /// both the author and the committer time. Returns the commit id.
    pub fn commit(&self, who: &str, time: &str, msg: &str) -> String {
        self.git(&["add", "-A"]);
        self.commit_staged(who, time, msg)
    }

    pub fn commit_staged(&self, who: &str, time: &str, msg: &str) -> String {
        self.git_as(who, time, &["commit", "-q", "--allow-empty", "-m", msg])
    }

    /// A merge of `branch` into the current branch (always a merge commit).
    pub fn merge(&self, branch: &str, who: &str, time: &str) -> String {
        self.git_as(who, time, &["merge", "-q", "--no-ff", "--no-edit", branch])
    }

    /// Runs a committing git command as `who` at `time` (author and
    /// committer alike); returns the new HEAD.
    fn git_as(&self, who: &str, time: &str, args: &[&str]) -> String {
        let email = format!("{}@example.com", who.to_lowercase());
        let env = [
            ("GIT_AUTHOR_NAME", who),
            ("GIT_AUTHOR_EMAIL", email.as_str()),
            ("GIT_AUTHOR_DATE", time),
            ("GIT_COMMITTER_NAME", who),
            ("GIT_COMMITTER_EMAIL", email.as_str()),
            ("GIT_COMMITTER_DATE", time),
        ];
        git_in(&self.path, args, &env);
        self.git(&["rev-parse", "HEAD"])
    }
}
