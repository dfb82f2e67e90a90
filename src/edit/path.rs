//! Where a writer may put an item file. Every command that creates or moves
//! an item file (`new`, and later `set`, `mv`, import, serve, MCP) maps the
//! id and kind to a path here, and nowhere else: the id must pass the
//! format's id rule ([`crate::model::is_valid_id`], the rule of check E011)
//! and the kind's folder must be one folder name inside the root, so no id
//! or config can make a writer leave the root or create folders.

use std::path::{Path, PathBuf};

use crate::config::KindDef;
use crate::model::{is_valid_id, ID_RULE};

/// Why no path could be made for an item.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    #[error("invalid id `{0}`: {ID_RULE}")]
    InvalidId(String),
    #[error("the folder of kind `{kind}` is `{folder}` in cairn.yml: a kind's folder must be one folder name inside the root (not empty, no `/` or `\\`, not `.` or `..`, not starting with `.` or `_`, not `templates` or `themes`)")]
    BadFolder { kind: String, folder: String },
    #[error("`{0}` leads outside the backlog root (a symbolic link?); not writing there")]
    Outside(PathBuf),
}

/// The file of an item: its root-relative path (`/`-separated) and the
/// full path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemPath {
    pub rel: String,
    pub path: PathBuf,
}

/// An id as it can be shown in a message: control characters escaped,
/// long ids shortened.
fn shown(id: &str) -> String {
    let mut s: String = id.chars().take(60).flat_map(char::escape_debug).collect();
    if id.chars().count() > 60 {
        s.push('…');
    }
    s
}

/// Refuses an id that breaks the format's id rule (before any path is built).
pub fn validate_id(id: &str) -> Result<(), PathError> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(PathError::InvalidId(shown(id)))
    }
}

/// Whether `folder` is a single folder name that the loader reads items
/// from (see format.md, "Where items live").
fn is_item_folder(folder: &str) -> bool {
    !folder.is_empty()
        && folder != "templates"
        && folder != "themes"
        && folder != crate::load::proposals::FOLDER
        && !folder.starts_with(['.', '_'])
        && !folder.contains(['/', '\\', '\0'])
        && Path::new(folder).components().count() == 1
}

/// The path of the item `id` of `kind` under `root`: `ROOT/FOLDER/ID.md`.
/// Refuses an invalid id, a kind folder that is not one folder name, and a
/// kind folder that exists but is a link to somewhere outside the root.
pub fn item_path(root: &Path, kind: &KindDef, id: &str) -> Result<ItemPath, PathError> {
    validate_id(id)?;
    if !is_item_folder(&kind.folder) {
        return Err(PathError::BadFolder { kind: kind.name.clone(), folder: shown(&kind.folder) });
    }
    let folder = root.join(&kind.folder);
    if let (Ok(canon_root), Ok(canon)) = (root.canonicalize(), folder.canonicalize()) {
        if !canon.starts_with(&canon_root) {
            return Err(PathError::Outside(folder));
        }
    }
    let rel = format!("{}/{id}.md", kind.folder);
    Ok(ItemPath { path: root.join(&rel), rel })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn story() -> KindDef {
        Config::default().kind("story").cloned().unwrap()
    }

    #[test]
    fn valid_ids_map_into_the_kind_folder() {
        let root = Path::new("/backlog");
        let p = item_path(root, &story(), "at-risk-widget").unwrap();
        assert_eq!(p.rel, "stories/at-risk-widget.md");
        assert_eq!(p.path, root.join("stories").join("at-risk-widget.md"));
    }

    #[test]
    fn ids_that_would_leave_the_folder_are_refused() {
        let root = Path::new("/backlog");
        let too_long = "a".repeat(crate::model::MAX_ID_LEN + 1);
        for id in ["../../../x", "a/b", "/etc/passwd", "..", ".", "", "a\\b", "-x", ".hidden", "a b", "x.md", &too_long]
        {
            let err = item_path(root, &story(), id).unwrap_err();
            assert!(matches!(err, PathError::InvalidId(_)), "{id:?}: {err}");
            assert!(err.to_string().starts_with("invalid id `"), "{err}");
        }
        let msg = validate_id("a\nb").unwrap_err().to_string();
        assert!(msg.contains("`a\\nb`"), "control characters are escaped: {msg}");
    }

    #[test]
    fn kind_folders_must_be_one_folder_name() {
        let root = Path::new("/backlog");
        for folder in ["../up", "a/b", "", ".", "..", "_site", ".git", "templates", "/abs"] {
            let kind = KindDef { folder: folder.into(), ..story() };
            let err = item_path(root, &kind, "x").unwrap_err();
            assert!(matches!(err, PathError::BadFolder { .. }), "{folder:?}: {err}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_kind_folder_linking_out_of_the_root_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir(&root).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("stories")).unwrap();
        let err = item_path(&root, &story(), "x").unwrap_err();
        assert!(matches!(err, PathError::Outside(_)), "{err}");
        // A link that stays inside the root is fine.
        std::fs::create_dir(root.join("real")).unwrap();
        std::fs::remove_file(root.join("stories")).unwrap();
        std::os::unix::fs::symlink(root.join("real"), root.join("stories")).unwrap();
        assert_eq!(item_path(&root, &story(), "x").unwrap().rel, "stories/x.md");
    }
}
