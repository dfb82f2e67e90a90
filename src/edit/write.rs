//! Writing a change set all or nothing: every new text goes to a temporary
//! file beside its target first; right before the renames each target is
//! compared with the bytes the change was computed from; the renames follow,
//! and if one fails the files already replaced get their old bytes back.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::engine::FileChange;
use super::EditError;

/// A temporary file beside `target`.
fn temp_path(target: &Path, n: usize) -> PathBuf {
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    dir.join(format!(".{name}.cairn-edit-{}-{n}", std::process::id()))
}

/// Whether the file at `abs` still holds `old` (`None`: must not exist).
fn verify(abs: &Path, rel: &str, old: Option<&[u8]>) -> Result<(), EditError> {
    match (std::fs::read(abs), old) {
        (Ok(now), Some(old)) if now == old => Ok(()),
        (Ok(_), Some(_)) => Err(EditError::Conflict { path: rel.to_string() }),
        (Ok(_), None) => Err(EditError::PathTaken(rel.to_string())),
        (Err(e), None) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        (Err(e), Some(_)) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(EditError::Conflict { path: rel.to_string() })
        }
        (Err(e), _) => Err(EditError::Io(abs.to_path_buf(), e)),
    }
}

fn check_writable(abs: &Path) -> Result<(), EditError> {
    match std::fs::metadata(abs) {
        Ok(m) if m.permissions().readonly() => Err(EditError::ReadOnly(abs.to_path_buf())),
        _ => Ok(()),
    }
}

/// What was done, to undo it.
enum Done {
    /// `path` was replaced; these were its bytes.
    Replaced(PathBuf, Vec<u8>),
    /// `path` was created.
    Created(PathBuf),
    /// `path` was removed (a moved file's old path); these were its bytes.
    Removed(PathBuf, Vec<u8>),
}

fn undo(done: Vec<Done>) -> Vec<String> {
    let mut failed = Vec::new();
    for d in done.into_iter().rev() {
        let r = match &d {
            Done::Replaced(p, old) | Done::Removed(p, old) => crate::util::fs::write_atomic(p, old),
            Done::Created(p) => std::fs::remove_file(p),
        };
        if r.is_err() {
            let (Done::Replaced(p, _) | Done::Created(p) | Done::Removed(p, _)) = d;
            failed.push(p.display().to_string());
        }
    }
    failed
}

/// Applies `changes` under `root` (see the module comment).
pub fn apply(root: &Path, changes: &[FileChange]) -> Result<(), EditError> {
    // Before anything is written: every file as it was read, writable,
    // and no new path taken.
    for c in changes {
        let target = root.join(&c.path);
        match c.old_path() {
            Some(old) => {
                let abs = root.join(old);
                check_writable(&abs)?;
                verify(&abs, old, c.old.as_deref())?;
                if c.from.is_some() {
                    verify(&target, &c.path, None)?;
                }
            }
            None => verify(&target, &c.path, None)?,
        }
    }
    // The new texts, each beside its target.
    let mut temps: Vec<PathBuf> = Vec::with_capacity(changes.len());
    let written = (|| {
        for (n, c) in changes.iter().enumerate() {
            let target = root.join(&c.path);
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir).map_err(|e| EditError::Io(dir.to_path_buf(), e))?;
            }
            let tmp = temp_path(&target, n);
            let mut f = std::fs::File::create(&tmp).map_err(|e| EditError::Io(target.clone(), e))?;
            temps.push(tmp.clone());
            f.write_all(&c.new).and_then(|_| f.sync_data()).map_err(|e| EditError::Io(target.clone(), e))?;
            // The new file keeps the old one's permissions.
            if let Some(old) = c.old_path() {
                if let Ok(m) = std::fs::metadata(root.join(old)) {
                    let _ = std::fs::set_permissions(&tmp, m.permissions());
                }
            }
        }
        Ok(())
    })();
    let cleanup = |temps: &[PathBuf]| {
        for t in temps {
            let _ = std::fs::remove_file(t);
        }
    };
    if let Err(e) = written {
        cleanup(&temps);
        return Err(e);
    }
    // Last look: nothing changed on disk while the temporaries were written.
    for c in changes {
        let r = match c.old_path() {
            Some(old) => verify(&root.join(old), old, c.old.as_deref()),
            None => verify(&root.join(&c.path), &c.path, None),
        };
        if let Err(e) = r {
            cleanup(&temps);
            return Err(e);
        }
    }
    // The renames, undone on failure.
    let mut done: Vec<Done> = Vec::with_capacity(changes.len());
    for (c, tmp) in changes.iter().zip(&temps) {
        let target = root.join(&c.path);
        let step = if c.from.is_none() && c.old.is_some() {
            std::fs::rename(tmp, &target).map(|_| Done::Replaced(target.clone(), c.old.clone().unwrap_or_default()))
        } else {
            create_from(tmp, &target).map(|_| Done::Created(target.clone()))
        };
        match step {
            Ok(d) => done.push(d),
            Err(e) => {
                let failed = undo(done);
                cleanup(&temps);
                return Err(rollback_error(EditError::Io(target, e), failed));
            }
        }
    }
    // Moved files: the old path goes last.
    for c in changes {
        let (Some(from), Some(old)) = (&c.from, &c.old) else { continue };
        let abs = root.join(from);
        if let Err(e) = std::fs::remove_file(&abs) {
            let failed = undo(done);
            return Err(rollback_error(EditError::Io(abs, e), failed));
        }
        done.push(Done::Removed(abs, old.clone()));
    }
    Ok(())
}

/// Puts `tmp` at `target`, a path that must not exist: a hard link (which
/// fails if something appeared there meanwhile), or where the file system
/// has none, a rename after a last look.
fn create_from(tmp: &Path, target: &Path) -> std::io::Result<()> {
    match std::fs::hard_link(tmp, target) {
        Ok(()) => std::fs::remove_file(tmp),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        Err(_) if target.exists() => {
            Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, format!("{} exists", target.display())))
        }
        Err(_) => std::fs::rename(tmp, target),
    }
}

fn rollback_error(e: EditError, failed: Vec<String>) -> EditError {
    if failed.is_empty() {
        e
    } else {
        EditError::RollbackFailed { cause: e.to_string(), files: failed }
    }
}
