//! Hints for first-time users: things that are not errors but usually
//! mean cairn was started in the wrong place.

use std::path::{Path, PathBuf};

use super::display_path;
use crate::config::CONFIG_FILE;

/// The note for a root without cairn.yml whose subfolders have one:
/// where they are and what to pass (paths relative to the current folder).
pub fn nested_root_note(root: &Path) -> Option<String> {
    let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    let nested = nested_roots(&root);
    let first = nested.first()?;
    let here = if std::env::current_dir().is_ok_and(|c| c == root) {
        "this folder".to_string()
    } else {
        format!("`{}`", display_path(&root))
    };
    let found: Vec<String> = nested.iter().map(|d| format!("`{}`", display_path(&d.join(CONFIG_FILE)))).collect();
    Some(format!(
        "no cairn.yml in {here}, but found {}: if the backlog is there, pass `-C {}`",
        found.join(", "),
        display_path(first)
    ))
}

/// Folders one or two levels below `root` that hold a `cairn.yml`, sorted,
/// when `root` itself has none: a repository whose backlog is in
/// `backlog/`, checked from the repository's top. Hidden folders and
/// folders starting with `_` (build output) are skipped, like the loader
/// skips them. Lists directories only: the cost is one directory listing
/// per first-level folder.
pub fn nested_roots(root: &Path) -> Vec<PathBuf> {
    if root.join(CONFIG_FILE).is_file() {
        return Vec::new();
    }
    let mut found = Vec::new();
    for dir in subdirs(root) {
        if dir.join(CONFIG_FILE).is_file() {
            found.push(dir);
            continue;
        }
        found.extend(subdirs(&dir).into_iter().filter(|d| d.join(CONFIG_FILE).is_file()));
    }
    found.sort();
    found
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| !e.file_name().to_string_lossy().starts_with(['.', '_']))
        .map(|e| e.path())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_configs_one_and_two_levels_down_only() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        for d in ["backlog", "docs/plan", "a/b/c", ".hidden", "_site", "stories"] {
            std::fs::create_dir_all(r.join(d)).unwrap();
        }
        for d in ["backlog", "docs/plan", "a/b/c", ".hidden", "_site"] {
            std::fs::write(r.join(d).join(CONFIG_FILE), "").unwrap();
        }
        assert_eq!(nested_roots(r), vec![r.join("backlog"), r.join("docs/plan")]);
        std::fs::write(r.join(CONFIG_FILE), "").unwrap();
        assert!(nested_roots(r).is_empty(), "a root with its own cairn.yml needs no hint");
    }
}
