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

/// Where a change's bytes go: its path, or for an item file that is a
/// symbolic link (inside the root), the file it points to, so the link stays.
fn target_of(root: &Path, c: &FileChange) -> PathBuf {
    let p = root.join(&c.path);
    if c.from.is_none() && c.old.is_some() && p.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink()) {
        return p.canonicalize().unwrap_or(p);
    }
    p
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

/// Writes a change's new bytes to its temporary file `tmp` (flushed when
/// `flush`), with the old file's permissions `perms`.
fn write_temp(
    root: &Path,
    c: &FileChange,
    tmp: &Path,
    perms: Option<&std::fs::Permissions>,
    flush: bool,
) -> Result<(), EditError> {
    let target = target_of(root, c);
    if c.old.is_none() || c.from.is_some() {
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| EditError::Io(dir.to_path_buf(), e))?;
        }
    }
    let mut f = std::fs::File::create(tmp).map_err(|e| EditError::Io(target.clone(), e))?;
    f.write_all(&c.new).map_err(|e| EditError::Io(target.clone(), e))?;
    if flush {
        f.sync_data().map_err(|e| EditError::Io(target.clone(), e))?;
    }
    if let Some(p) = perms {
        if f.metadata().map(|m| m.permissions() != *p).unwrap_or(true) {
            let _ = f.set_permissions(p.clone());
        }
    }
    Ok(())
}

/// Threads that write the temporaries of a large change.
const WRITERS: usize = 8;

/// Changes of up to this many files flush each temporary to disk before
/// it is renamed into place (a few milliseconds each here), so that even
/// a power cut leaves the old file or the new one. Larger changes (a `mv`
/// of a much-referenced item, `fmt` of a whole backlog) rely on the
/// file system writing a file renamed over another before the rename
/// (ext4's default `auto_da_alloc`, btrfs): flushing 1,000 files costs
/// about half a second on this project's machine (BENCHMARKS.md, "Edit").
/// Either way the change is all or nothing for every reader and every
/// failure short of a power cut.
const FLUSH_UP_TO: usize = 64;

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
    // Before anything is written: every file there and writable, no new
    // path taken. (Their bytes are compared once the temporaries exist.)
    let mut perms: Vec<Option<std::fs::Permissions>> = Vec::with_capacity(changes.len());
    for c in changes {
        let target = target_of(root, c);
        match c.old_path() {
            Some(old) => {
                let abs = root.join(old);
                let m = match std::fs::metadata(&abs) {
                    Ok(m) => m,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        return Err(EditError::Conflict { path: old.to_string() })
                    }
                    Err(e) => return Err(EditError::Io(abs, e)),
                };
                if m.permissions().readonly() {
                    return Err(EditError::ReadOnly(abs));
                }
                perms.push(Some(m.permissions()));
                if c.from.is_some() {
                    verify(&target, &c.path, None)?;
                }
            }
            None => {
                verify(&target, &c.path, None)?;
                perms.push(None);
            }
        }
    }
    // The new texts, each beside its target (flushed to disk for small
    // changes, see FLUSH_UP_TO). Many files are written by several threads.
    let temps: Vec<PathBuf> = changes.iter().enumerate().map(|(n, c)| temp_path(&target_of(root, c), n)).collect();
    let jobs: Vec<(&FileChange, (&PathBuf, &Option<std::fs::Permissions>))> =
        changes.iter().zip(temps.iter().zip(&perms)).collect();
    let flush = jobs.len() <= FLUSH_UP_TO;
    let results: Vec<Result<(), EditError>> = if jobs.len() < 8 {
        jobs.iter().map(|(c, (t, p))| write_temp(root, c, t, p.as_ref(), flush)).collect()
    } else {
        let chunk = jobs.len().div_ceil(WRITERS);
        std::thread::scope(|scope| {
            let handles: Vec<_> = jobs
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter().map(|(c, (t, p))| write_temp(root, c, t, p.as_ref(), flush)).collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| {
                    h.join().unwrap_or_else(|_| {
                        vec![Err(EditError::Io(root.to_path_buf(), std::io::Error::other("a writer thread failed")))]
                    })
                })
                .collect()
        })
    };
    let cleanup = |temps: &[PathBuf]| {
        for t in temps {
            let _ = std::fs::remove_file(t);
        }
    };
    if let Some(e) = results.into_iter().find_map(Result::err) {
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
    for (n, (c, tmp)) in changes.iter().zip(&temps).enumerate() {
        let target = target_of(root, c);
        let step = if let Err(e) = fault(n) {
            Err(e)
        } else if c.from.is_none() && c.old.is_some() {
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

#[cfg(test)]
thread_local! {
    /// Tests make the rename of change `n` fail.
    static FAIL_AT: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

#[cfg(test)]
fn fault(n: usize) -> std::io::Result<()> {
    match FAIL_AT.with(|f| f.get()) {
        Some(k) if k == n => Err(std::io::Error::other("injected failure")),
        _ => Ok(()),
    }
}

#[cfg(not(test))]
fn fault(_: usize) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(path: &str, from: Option<&str>, old: Option<&str>, new: &str) -> FileChange {
        FileChange {
            path: path.into(),
            from: from.map(str::to_string),
            old: old.map(|s| s.as_bytes().to_vec()),
            new: new.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_failed_rename_rolls_back_the_ones_done() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("t")).unwrap();
        for f in ["a", "b", "c"] {
            std::fs::write(r.join(format!("t/{f}.md")), format!("old {f}")).unwrap();
        }
        let changes = vec![
            change("t/a.md", None, Some("old a"), "new a"),
            change("t/b2.md", Some("t/b.md"), Some("old b"), "new b"),
            change("t/c.md", None, Some("old c"), "new c"),
        ];
        for k in 0..3 {
            FAIL_AT.with(|f| f.set(Some(k)));
            assert!(apply(r, &changes).is_err());
            let mut names: Vec<String> = std::fs::read_dir(r.join("t"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            assert_eq!(names, ["a.md", "b.md", "c.md"], "failing at {k}: nothing left behind");
            for f in ["a", "b", "c"] {
                assert_eq!(std::fs::read_to_string(r.join(format!("t/{f}.md"))).unwrap(), format!("old {f}"));
            }
        }
        FAIL_AT.with(|f| f.set(None));
        apply(r, &changes).unwrap();
        assert_eq!(std::fs::read_to_string(r.join("t/b2.md")).unwrap(), "new b");
        assert!(!r.join("t/b.md").exists());
        assert_eq!(std::fs::read_to_string(r.join("t/c.md")).unwrap(), "new c");
    }
}
