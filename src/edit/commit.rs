//! `--commit`: one git commit per change set, with gix (no `git`
//! subprocess). The commit holds exactly the change set's files on top of
//! HEAD's tree (other changes in the work tree or the index are left as
//! they are), is made with the user's identity from git config
//! (`user.name`/`user.email`, or `GIT_AUTHOR_*`/`GIT_COMMITTER_*`), moves
//! the branch HEAD points to, and updates the index for those files so
//! `git status` shows them committed.

use std::path::Path;

use gix::bstr::BStr;
use gix::objs::tree::EntryKind;

use super::engine::FileChange;
use super::EditError;

fn git_err(what: &str, e: impl std::fmt::Display) -> EditError {
    EditError::Git(format!("{what}: {e}"))
}

/// The repository holding `root`, and the root's path in its work tree.
fn open(root: &Path) -> Result<(gix::Repository, String), EditError> {
    let Some(g) = crate::history::walk::open(root) else {
        return Err(EditError::Git(format!(
            "--commit needs a git repository, and {} is not in the work tree of one",
            root.display()
        )));
    };
    Ok((g.repo.to_thread_local(), g.root_in_repo))
}

fn identity(repo: &gix::Repository) -> Result<(), EditError> {
    let missing = || {
        EditError::Git(
            "no git identity to commit with: set one with `git config user.name \"Your Name\"` and `git config user.email you@example.com`"
                .into(),
        )
    };
    match (repo.author(), repo.committer()) {
        // An empty name and email (`GIT_AUTHOR_NAME=""`) would commit as
        // ` <>`: that is no identity either.
        (Some(Ok(a)), Some(Ok(c)))
            if [a.name, a.email, c.name, c.email].iter().any(|s| s.iter().all(u8::is_ascii_whitespace)) =>
        {
            Err(missing())
        }
        (Some(Ok(_)), Some(Ok(_))) => Ok(()),
        (Some(Err(e)), _) | (_, Some(Err(e))) => Err(git_err("reading the git identity", e)),
        _ => Err(missing()),
    }
}

/// Checks, before anything is written, that `--commit` can work: a
/// repository and an identity.
pub fn ready(root: &Path) -> Result<(), EditError> {
    let (repo, _) = open(root)?;
    identity(&repo)
}

fn in_repo(root_in_repo: &str, rel: &str) -> String {
    if root_in_repo.is_empty() {
        rel.to_string()
    } else {
        format!("{root_in_repo}/{rel}")
    }
}

/// Commits `changes` (root-relative paths under `root`) with `message`;
/// returns the new commit's id. Nothing to commit (the files already are
/// as in HEAD): `Ok` with HEAD's id.
pub fn commit(root: &Path, changes: &[FileChange], message: &str) -> Result<String, EditError> {
    let (repo, root_in_repo) = open(root)?;
    identity(&repo)?;
    let head = repo.head().map_err(|e| git_err("reading HEAD", e))?;
    let parent = if head.is_unborn() {
        None
    } else {
        Some(repo.head_commit().map_err(|e| git_err("reading HEAD's commit", e))?)
    };
    let base_tree = match &parent {
        Some(c) => c.tree_id().map_err(|e| git_err("reading HEAD's tree", e))?.detach(),
        None => gix::ObjectId::empty_tree(repo.object_hash()),
    };
    let mut editor = repo.edit_tree(base_tree).map_err(|e| git_err("reading HEAD's tree", e))?;
    let mut blobs: Vec<(String, gix::ObjectId, Option<String>)> = Vec::with_capacity(changes.len());
    for c in changes {
        let path = in_repo(&root_in_repo, &c.path);
        let id = repo.write_blob(&c.new).map_err(|e| git_err("writing a blob", e))?.detach();
        let kind = match c.old_path().map(|p| in_repo(&root_in_repo, p)) {
            Some(old) => match editor.get(old.as_str()).map(|e| e.mode().kind()) {
                Some(EntryKind::BlobExecutable) => EntryKind::BlobExecutable,
                _ => EntryKind::Blob,
            },
            None => EntryKind::Blob,
        };
        let from = c.from.as_ref().map(|f| in_repo(&root_in_repo, f));
        if let Some(f) = &from {
            editor.remove(f.as_str()).map_err(|e| git_err("editing the tree", e))?;
        }
        editor.upsert(path.as_str(), kind, id).map_err(|e| git_err("editing the tree", e))?;
        blobs.push((path, id, from));
    }
    let tree = editor.write().map_err(|e| git_err("writing the tree", e))?.detach();
    let parent_id = parent.as_ref().map(|c| c.id);
    if tree == base_tree {
        if let Some(p) = parent_id {
            // HEAD already has these files: the index should too.
            update_index(&repo, &blobs)?;
            return Ok(p.to_string());
        }
    }
    let id = repo.commit("HEAD", message, tree, parent_id).map_err(|e| git_err("committing", e))?.detach();
    update_index(&repo, &blobs)?;
    Ok(id.to_string())
}

/// Points the index entries of the committed paths at the new blobs (and
/// drops the entries of moved files' old paths).
fn update_index(repo: &gix::Repository, blobs: &[(String, gix::ObjectId, Option<String>)]) -> Result<(), EditError> {
    let Some(workdir) = repo.workdir().map(Path::to_path_buf) else { return Ok(()) };
    let mut index = match repo.open_index() {
        Ok(i) => i,
        // No index yet (a fresh repository): one from HEAD's tree, which
        // holds the committed files (without it git shows them deleted).
        Err(_) if !repo.index_path().exists() => {
            let tree = repo.head_tree_id().map_err(|e| git_err("reading HEAD's tree", e))?;
            repo.index_from_tree(&tree).map_err(|e| git_err("building the index", e))?
        }
        Err(e) => return Err(git_err("reading the index", e)),
    };
    let gone: Vec<&str> = blobs.iter().filter_map(|(_, _, f)| f.as_deref()).collect();
    if !gone.is_empty() {
        index.remove_entries(|_, path, _| gone.iter().any(|g| path == BStr::new(g.as_bytes())));
    }
    // Existing entries first (lookups need the entries sorted), then the
    // new paths, then one sort.
    let mut missing = Vec::new();
    for (path, id, _) in blobs {
        let stat = gix::index::fs::Metadata::from_path_no_follow(&workdir.join(path))
            .ok()
            .and_then(|m| gix::index::entry::Stat::from_fs(&m).ok())
            .unwrap_or_default();
        match index.entry_mut_by_path_and_stage(BStr::new(path.as_bytes()), gix::index::entry::Stage::Unconflicted) {
            Some(e) => {
                e.id = *id;
                e.stat = stat;
            }
            None => missing.push((path, *id, stat)),
        }
    }
    if !missing.is_empty() {
        for (path, id, stat) in missing {
            index.dangerously_push_entry(
                stat,
                id,
                gix::index::entry::Flags::empty(),
                gix::index::entry::Mode::FILE,
                BStr::new(path.as_bytes()),
            );
        }
        index.sort_entries();
    }
    index.remove_tree();
    index.write(Default::default()).map_err(|e| git_err("writing the index", e))?;
    Ok(())
}
