//! Watching the root: notify with the full debouncer (which also pairs
//! the two halves of a rename, so an editor's atomic save — write a temp
//! file, rename it over the original — arrives as a change of the
//! original). Build outputs, caches, `.git` and editors' temporary files
//! are ignored.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;

use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult};

use super::build::Changes;

/// How long the debouncer waits for more events of the same file.
pub const DEBOUNCE: Duration = Duration::from_millis(10);

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

/// The running watcher (dropping it stops watching).
pub struct Watcher {
    _debouncer: Box<dyn Send>,
}

/// Starts watching `root`; every batch of relevant changes is sent to
/// `tx`, and `stale` is set first (so a running build can tell that it
/// is already stale).
pub fn start(root: &Path, tx: Sender<Changes>, stale: Arc<AtomicBool>) -> Result<Watcher, String> {
    let r: PathBuf = root.to_path_buf();
    let handler = move |res: DebounceEventResult| {
        let mut changes = Changes::default();
        match res {
            Ok(events) => {
                for ev in events {
                    // Reads (ours included) are not changes.
                    if matches!(ev.event.kind, EventKind::Access(_)) {
                        continue;
                    }
                    if ev.event.need_rescan() {
                        changes.rescan = true;
                    }
                    for p in &ev.event.paths {
                        if relevant(&r, p) {
                            changes.paths.insert(p.clone());
                        }
                    }
                }
            }
            Err(_) => changes.rescan = true,
        }
        if changes.rescan || !changes.paths.is_empty() {
            stale.store(true, Ordering::SeqCst);
            let _ = tx.send(changes);
        }
    };
    let mut debouncer = new_debouncer(DEBOUNCE, Some(Duration::from_millis(5)), handler).map_err(|e| e.to_string())?;
    debouncer.watch(root, RecursiveMode::Recursive).map_err(|e| e.to_string())?;
    Ok(Watcher { _debouncer: Box::new(debouncer) })
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
