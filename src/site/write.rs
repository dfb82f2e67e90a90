//! Writing a rendered site: everything goes into `OUT.tmp-<pid>` beside
//! the output folder, then the old folder is swapped out with renames, so
//! an interrupted or failed build never leaves a half-written site (at
//! worst a stale `OUT.tmp-<pid>`, removed by the next build).

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use super::{Sink, Site};

fn sibling(out: &Path, tag: &str) -> io::Result<PathBuf> {
    let name = out
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the output folder has no name"))?
        .to_string_lossy()
        .into_owned();
    Ok(out.with_file_name(format!("{name}.{tag}-{}", std::process::id())))
}

/// Removes leftovers of builds that were killed (`OUT.tmp-<pid>` and
/// `OUT.old-<pid>` whose process is gone).
fn clean_stale(out: &Path) {
    let (Some(parent), Some(name)) = (out.parent(), out.file_name()) else { return };
    let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
    let name = name.to_string_lossy();
    let Ok(rd) = std::fs::read_dir(parent) else { return };
    for e in rd.flatten() {
        let f = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = f.strip_prefix(name.as_ref()) else { continue };
        let pid = rest.strip_prefix(".tmp-").or_else(|| rest.strip_prefix(".old-"));
        let Some(pid) = pid.filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) else { continue };
        if pid == std::process::id().to_string() || Path::new("/proc").join(pid).exists() {
            continue;
        }
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Writes every file of `site` into a fresh folder and swaps it in as `out`.
pub fn write(site: &Site, out: &Path) -> io::Result<()> {
    write_with(out, |sink| {
        let files: Vec<(&String, &Vec<u8>)> = site.files.iter().collect();
        files.par_iter().with_min_len(64).try_for_each(|(path, bytes)| sink.put(path, bytes))
    })
}

/// A folder that rendered files are written into, creating parent folders
/// once each.
///
/// When the build replaces an earlier site (`prev`), a file whose bytes are
/// the same as the earlier site's file of that path is hard-linked from it
/// instead of written: on a rebuild most files are unchanged, and a link
/// costs the file system far less than a new file (no inode to allocate
/// now, none to free when the earlier site is removed), which is most of a
/// rebuild's system time on ext4. The earlier site is only read, and the
/// swap stays atomic: the new folder is complete before it replaces `out`.
pub struct DirSink {
    dir: PathBuf,
    made: Mutex<HashSet<String>>,
    prev: Option<PathBuf>,
}

/// Whether `path` is a plain file (not a link to one) holding exactly
/// `bytes` (false if unreadable). Reads through a small buffer on the
/// stack: no allocation per file.
fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    use std::io::Read;
    if !std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64) {
        return false;
    }
    let Ok(mut f) = std::fs::File::open(path) else { return false };
    let mut buf = [0u8; 16 * 1024];
    let mut rest = bytes;
    loop {
        match f.read(&mut buf) {
            Ok(0) => return rest.is_empty(),
            Ok(n) if n <= rest.len() && buf[..n] == rest[..n] => rest = &rest[n..],
            Ok(_) => return false,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

impl DirSink {
    /// Checks `path` and creates its parent folder in the new site once;
    /// returns where the file goes.
    fn prepare(&self, path: &str) -> io::Result<PathBuf> {
        if path.split('/').any(|c| c == ".." || c.is_empty()) || path.starts_with('/') {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("unsafe path `{path}`")));
        }
        if let Some((parent, _)) = path.rsplit_once('/') {
            let known = self.made.lock().map(|m| m.contains(parent)).unwrap_or(false);
            if !known {
                std::fs::create_dir_all(self.dir.join(parent))?;
                if let Ok(mut m) = self.made.lock() {
                    m.insert(parent.to_string());
                }
            }
        }
        Ok(self.dir.join(path))
    }

    /// The earlier site this one replaces, if any.
    pub fn previous(&self) -> Option<&Path> {
        self.prev.as_deref()
    }

    /// Where `path` is written in the new site (to read its stamp).
    pub fn target(&self, path: &str) -> PathBuf {
        self.dir.join(path)
    }

    /// Hard-links the earlier site's file at `path` into the new site
    /// without comparing bytes: the caller knows they are the same
    /// (`engine::site` checks the file is the one it wrote).
    pub fn link_previous(&self, path: &str) -> io::Result<()> {
        let prev = self.prev.as_ref().ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no earlier site"))?;
        let dest = self.prepare(path)?;
        std::fs::hard_link(prev.join(path), dest)
    }

    /// Writes `bytes` at `path` as a new file (no comparison with the
    /// earlier site).
    pub fn write_new(&self, path: &str, bytes: &[u8]) -> io::Result<()> {
        std::fs::write(self.prepare(path)?, bytes)
    }
}

impl super::Sink for DirSink {
    fn put(&self, path: &str, bytes: &[u8]) -> io::Result<()> {
        let dest = self.prepare(path)?;
        if let Some(prev) = &self.prev {
            let old = prev.join(path);
            if same_bytes(&old, bytes) && std::fs::hard_link(&old, &dest).is_ok() {
                return Ok(());
            }
        }
        std::fs::write(dest, bytes)
    }
}

/// Builds a site into a temporary folder beside `out` with `fill`, then
/// swaps it into place: readers see the old site or the new one, and a
/// failed or interrupted build never leaves a half-written site at `out`.
pub fn write_with<T, E>(out: &Path, fill: impl FnOnce(&DirSink) -> Result<T, E>) -> Result<T, E>
where
    E: From<io::Error>,
{
    write_with_keep(out, None, fill).map(|(v, _)| v)
}

/// [`write_with`], keeping the replaced site at `keep` (moved there, not
/// deleted; `keep` must be on the same file system) when given. Also says
/// whether the replaced site is now at `keep`.
pub fn write_with_keep<T, E>(
    out: &Path,
    keep: Option<&Path>,
    fill: impl FnOnce(&DirSink) -> Result<T, E>,
) -> Result<(T, bool), E>
where
    E: From<io::Error>,
{
    if out.is_file() {
        return Err(
            io::Error::new(io::ErrorKind::AlreadyExists, format!("{} is a file, not a folder", out.display())).into()
        );
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    clean_stale(out);
    let tmp = sibling(out, "tmp")?;
    if tmp.exists() {
        remove_tree(&tmp)?;
    }
    std::fs::create_dir(&tmp)?;
    let prev = out.is_dir().then(|| out.to_path_buf());
    let sink = DirSink { dir: tmp.clone(), made: Mutex::new(HashSet::new()), prev };
    let value = match fill(&sink) {
        Ok(v) => v,
        Err(e) => {
            let _ = remove_tree(&tmp);
            return Err(e);
        }
    };
    if out.exists() {
        let old = sibling(out, "old")?;
        if old.exists() {
            remove_tree(&old)?;
        }
        if let Err(e) = std::fs::rename(out, &old) {
            let _ = remove_tree(&tmp);
            return Err(e.into());
        }
        if let Err(e) = std::fs::rename(&tmp, out) {
            let _ = std::fs::rename(&old, out);
            let _ = remove_tree(&tmp);
            return Err(e.into());
        }
        if let Some(k) = keep {
            if k.exists() {
                let _ = remove_tree(k);
            }
            if std::fs::rename(&old, k).is_ok() {
                return Ok((value, true));
            }
        }
        let _ = remove_tree(&old);
    } else if let Err(e) = std::fs::rename(&tmp, out) {
        let _ = remove_tree(&tmp);
        return Err(e.into());
    }
    Ok((value, false))
}

/// Removes a folder tree, deleting its files in parallel (a site has tens of
/// thousands of small files).
pub fn remove_tree(dir: &Path) -> io::Result<()> {
    let files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .map(|e| e.into_path())
        .collect();
    files.par_iter().with_min_len(64).for_each(|f| {
        let _ = std::fs::remove_file(f);
    });
    std::fs::remove_dir_all(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_old_folder_whole() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("site");
        std::fs::create_dir_all(out.join("old")).unwrap();
        std::fs::write(out.join("old/marker"), "x").unwrap();
        let mut site = Site::default();
        site.files.insert("a/b/c.html".into(), b"hi".to_vec());
        site.files.insert("index.html".into(), b"home".to_vec());
        write(&site, &out).unwrap();
        assert!(!out.join("old/marker").exists());
        assert_eq!(std::fs::read(out.join("a/b/c.html")).unwrap(), b"hi");
        let names: Vec<_> = std::fs::read_dir(t.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(names.len(), 1, "no temporary folder left: {names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_rebuild_links_unchanged_files_and_writes_changed_ones() {
        use std::os::unix::fs::MetadataExt;
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("site");
        let mut site = Site::default();
        site.files.insert("a/same.html".into(), b"same".to_vec());
        site.files.insert("a/changed.html".into(), b"before".to_vec());
        site.files.insert("linked.html".into(), b"x".to_vec());
        write(&site, &out).unwrap();
        let ino = |p: &str| std::fs::metadata(out.join(p)).unwrap().ino();
        let (same, changed) = (ino("a/same.html"), ino("a/changed.html"));
        // A symbolic link with the right bytes is not linked into the new site.
        std::fs::remove_file(out.join("linked.html")).unwrap();
        std::fs::write(t.path().join("elsewhere"), b"x").unwrap();
        std::os::unix::fs::symlink(t.path().join("elsewhere"), out.join("linked.html")).unwrap();
        site.files.insert("a/changed.html".into(), b"after!".to_vec());
        write(&site, &out).unwrap();
        assert_eq!(ino("a/same.html"), same, "unchanged: the same file, linked");
        assert_ne!(ino("a/changed.html"), changed);
        assert_eq!(std::fs::read(out.join("a/changed.html")).unwrap(), b"after!");
        assert!(!std::fs::symlink_metadata(out.join("linked.html")).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::metadata(out.join("a/same.html")).unwrap().nlink(), 1, "the old site is gone");
    }
}
