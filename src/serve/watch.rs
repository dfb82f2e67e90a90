//! Watching the root: notify's native watcher (inotify on Linux) and a
//! small debouncer of our own. A batch starts at the first relevant event
//! and is sent as soon as no event came for [`QUIET`] (or after
//! [`MAX_WAIT`] under a stream of events), so an editor's atomic save —
//! write a temporary file, rename it over the original — is a change of
//! the original within a couple of milliseconds. Build outputs, caches,
//! `.git` and editors' temporary files are ignored.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use notify::{Event, EventKind, RecursiveMode, Watcher as _};

use super::build::Changes;

/// A batch of changes is sent once no event came for this long.
pub const QUIET: Duration = Duration::from_millis(3);
/// A batch is sent after this long even while events keep coming.
pub const MAX_WAIT: Duration = Duration::from_millis(50);

/// Whether a changed path can matter to the site.
pub fn relevant(root: &Path, p: &Path) -> bool {
    let Ok(rel) = p.strip_prefix(root) else { return false };
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    let Some(first) = parts.first() else { return true };
    if matches!(first.as_str(), "_site" | ".cairn-cache" | ".git" | "target" | "node_modules") {
        return false;
    }
    let Some(name) = parts.last() else { return true };
    !is_temp_name(name)
}

/// Editors' temporary and backup files.
pub fn is_temp_name(name: &str) -> bool {
    name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".swo")
        || name.ends_with('~')
        || name.starts_with(".#")
        || name == "4913"
        || name.ends_with(".tmp")
        || name.ends_with(".crswap")
        || (name.starts_with('#') && name.ends_with('#'))
        || name == ".DS_Store"
}

/// The running watcher (dropping it stops watching, and the batching
/// thread ends with it).
pub struct Watcher {
    _watcher: Box<dyn Send>,
}

/// Adds the relevant paths of one watcher event to `changes`.
fn add(root: &Path, changes: &mut Changes, res: notify::Result<Event>) {
    match res {
        Ok(ev) => {
            // Reads (ours included) are not changes.
            if matches!(ev.kind, EventKind::Access(_)) {
                return;
            }
            if ev.need_rescan() {
                changes.rescan = true;
            }
            for p in &ev.paths {
                if relevant(root, p) {
                    changes.paths.insert(p.clone());
                }
            }
        }
        Err(_) => changes.rescan = true,
    }
}

/// Starts watching `root`; every batch of relevant changes is sent to
/// `tx`, and `stale` is set as soon as the batch starts (so a running
/// build can tell that it is already stale).
pub fn start(root: &Path, tx: Sender<Changes>, stale: Arc<AtomicBool>) -> Result<Watcher, String> {
    let (etx, erx) = mpsc::channel::<notify::Result<Event>>();
    let mut watcher = notify::recommended_watcher(move |res| {
        let _ = etx.send(res);
    })
    .map_err(|e| e.to_string())?;
    watcher.watch(root, RecursiveMode::Recursive).map_err(|e| e.to_string())?;
    let r: PathBuf = root.to_path_buf();
    std::thread::Builder::new()
        .name("cairn-watch".into())
        .spawn(move || {
            // Ends when the watcher (and with it the sender) is dropped.
            while let Ok(first) = erx.recv() {
                let mut changes = Changes::default();
                add(&r, &mut changes, first);
                if !changes.rescan && changes.paths.is_empty() {
                    continue;
                }
                stale.store(true, Ordering::SeqCst);
                let begun = Instant::now();
                loop {
                    let left = MAX_WAIT.saturating_sub(begun.elapsed());
                    if left.is_zero() {
                        break;
                    }
                    match erx.recv_timeout(QUIET.min(left)) {
                        Ok(res) => add(&r, &mut changes, res),
                        Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
                if tx.send(changes).is_err() {
                    return;
                }
            }
        })
        .map_err(|e| e.to_string())?;
    Ok(Watcher { _watcher: Box::new(watcher) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores() {
        let root = Path::new("/r");
        assert!(relevant(root, Path::new("/r/stories/a.md")));
        assert!(relevant(root, Path::new("/r/cairn.yml")));
        assert!(!relevant(root, Path::new("/r/_site/index.html")));
        assert!(!relevant(root, Path::new("/r/.git/index")));
        assert!(!relevant(root, Path::new("/r/.cairn-cache/history.json")));
        assert!(!relevant(root, Path::new("/r/stories/.a.md.swp")));
        assert!(!relevant(root, Path::new("/r/stories/a.md~")));
        assert!(!relevant(root, Path::new("/r/stories/.#a.md")));
        assert!(!relevant(root, Path::new("/r/stories/4913")));
        assert!(!relevant(root, Path::new("/elsewhere/a.md")));
    }
}
