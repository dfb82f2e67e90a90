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
/// skips them. The cost is bounded whatever the backlog's size: a
/// first-level folder of more than [`CROWDED`] entries is a folder of items,
/// not a project's top, and is not looked into (the hint runs before every
/// command, on a 100,000-item backlog without cairn.yml too).
pub fn nested_roots(root: &Path) -> Vec<PathBuf> {
    if root.join(CONFIG_FILE).is_file() {
        return Vec::new();
    }
    let mut found = Vec::new();
    for dir in subdirs(root, usize::MAX).unwrap_or_default() {
        if dir.join(CONFIG_FILE).is_file() {
            found.push(dir);
            continue;
        }
        let below = subdirs(&dir, CROWDED).unwrap_or_default();
        found.extend(below.into_iter().filter(|d| d.join(CONFIG_FILE).is_file()));
    }
    found.sort();
    found
}

/// Entries past which a folder is not searched for a nested `cairn.yml`.
pub const CROWDED: usize = 1000;

/// The visible subfolders of `dir`; `None` when it cannot be read or has
/// more than `limit` entries (deterministic: the listing stops there,
/// whatever order the file system returns).
fn subdirs(dir: &Path, limit: usize) -> Option<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut dirs = Vec::new();
    for (n, entry) in entries.enumerate() {
        if n >= limit {
            return None;
        }
        let Ok(entry) = entry else { continue };
        if entry.file_type().is_ok_and(|t| t.is_dir()) && !entry.file_name().to_string_lossy().starts_with(['.', '_']) {
            dirs.push(entry.path());
        }
    }
    Some(dirs)
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

    #[test]
    fn a_crowded_folder_is_not_searched() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("items/nested")).unwrap();
        std::fs::write(r.join("items/nested").join(CONFIG_FILE), "").unwrap();
        assert_eq!(nested_roots(r), vec![r.join("items/nested")]);
        for n in 0..CROWDED {
            std::fs::write(r.join("items").join(format!("i{n}.md")), "").unwrap();
        }
        assert!(nested_roots(r).is_empty(), "a folder of more than {CROWDED} entries holds items");
    }
}
