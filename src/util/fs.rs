//! Atomic file writes (write to a temporary file beside the target, then
//! rename) and bounded reads of regular files.

use std::io::Write;
use std::path::Path;

/// A temporary file beside `path`, unique in this process and across
/// processes (pid + a counter): two threads writing the same file never
/// share one.
fn temp_beside(path: &Path) -> std::io::Result<std::path::PathBuf> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    Ok(dir.join(format!(".{name}.cairn-tmp-{}-{n}", std::process::id())))
}

/// Writes `bytes` to a new temporary file beside `path` (synced), then
/// `finish(tmp)`; the temporary file is removed whatever happens.
fn via_temp(path: &Path, bytes: &[u8], finish: impl FnOnce(&Path) -> std::io::Result<()>) -> std::io::Result<()> {
    let tmp = temp_beside(path)?;
    let result = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        finish(&tmp)
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

/// Writes `bytes` to `path` atomically: readers see the old file or the new
/// one, never a half-written file. Creates missing parent folders.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    via_temp(path, bytes, |tmp| std::fs::rename(tmp, path))
}

/// Like [`write_atomic`] without syncing to disk: for caches, where a file
/// lost in a crash is only work to redo and a torn one fails its checksum.
pub fn replace_unsynced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace_unsynced_with(path, |w| w.write_all(bytes))
}

/// [`replace_unsynced`] with the content written by `write` through a
/// buffer, a piece at a time: for cache files too big to assemble in
/// memory first. If `write` fails, the old file stays.
pub fn replace_unsynced_with(
    path: &Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = temp_beside(path)?;
    let written = (|| {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(&tmp)?);
        write(&mut w)?;
        w.flush()?;
        drop(w);
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Like [`write_atomic`] but fails with `AlreadyExists` if `path` exists,
/// with no window between the test and the write: the complete temporary
/// file is hard-linked to `path`, which the file system refuses atomically
/// when `path` exists (another process creating it at the same moment
/// included). On a file system without hard links, it falls back to
/// creating `path` exclusively and writing it in place.
pub fn create_new_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let exists =
        || std::io::Error::new(std::io::ErrorKind::AlreadyExists, format!("{} already exists", path.display()));
    let linked = via_temp(path, bytes, |tmp| std::fs::hard_link(tmp, path));
    match linked {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(exists()),
        Err(e)
            if matches!(e.kind(), std::io::ErrorKind::Unsupported | std::io::ErrorKind::PermissionDenied)
                && !path.exists() =>
        {
            let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    exists()
                } else {
                    e
                }
            })?;
            f.write_all(bytes)?;
            f.sync_all()
        }
        other => other,
    }
}

/// Reads a regular file of at most `max` bytes through one open: anything
/// else (a FIFO, a socket, a device, a folder) is an `InvalidInput` error
/// instead of a read that blocks forever or never ends, and a larger file
/// (even one that grows while it is read) is an `InvalidData` error. The
/// file is opened without blocking (a FIFO with no writer would block the
/// open itself) and checked with `fstat` on the open file, so it cannot be
/// swapped between the check and the read.
pub fn read_regular(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let f = opts.open(path)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    let too_large = || Error::new(ErrorKind::InvalidData, format!("file is too large (the limit is {max} bytes)"));
    if meta.len() > max {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    Read::take(f, max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_large());
    }
    Ok(bytes)
}

/// A folder opened once, so that many of its entries can be looked at
/// without resolving the folder's path again for each (`fstatat` on Unix).
pub struct Folder {
    #[cfg(unix)]
    handle: std::fs::File,
    #[cfg(not(unix))]
    path: std::path::PathBuf,
}

impl Folder {
    pub fn open(path: &Path) -> std::io::Result<Folder> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            let handle = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
                .open(path)?;
            Ok(Folder { handle })
        }
        #[cfg(not(unix))]
        {
            if !std::fs::symlink_metadata(path)?.is_dir() {
                return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a folder"));
            }
            Ok(Folder { path: path.to_path_buf() })
        }
    }

    /// The size, modification and change times (ns since the epoch) and
    /// inode of the entry `name` of the folder, following a symbolic link
    /// — what `std::fs::metadata` gives for it; `None` if it cannot be
    /// looked at (or off Unix).
    pub fn stat(&self, name: &str) -> Option<(u64, i128, i128, u64)> {
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            // The name NUL-terminated on the stack (no allocation per file:
            // a stamp pass looks up 100,000); a longer one allocates.
            let mut buf = [0u8; 256];
            let heap;
            let c: &std::ffi::CStr = if name.len() < buf.len() {
                buf[..name.len()].copy_from_slice(name.as_bytes());
                std::ffi::CStr::from_bytes_with_nul(&buf[..=name.len()]).ok()?
            } else {
                heap = std::ffi::CString::new(name).ok()?;
                &heap
            };
            let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
            // SAFETY: a folder descriptor we own, a NUL-terminated name and
            // a buffer of the size `fstatat` fills; it is read only on success.
            let rc = unsafe { libc::fstatat(self.handle.as_raw_fd(), c.as_ptr(), st.as_mut_ptr(), 0) };
            if rc != 0 {
                return None;
            }
            // SAFETY: `fstatat` succeeded, so it filled the buffer.
            let st = unsafe { st.assume_init() };
            let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
            #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
            Some((
                st.st_size as u64,
                ns(st.st_mtime as i64, st.st_mtime_nsec as i64),
                ns(st.st_ctime as i64, st.st_ctime_nsec as i64),
                st.st_ino as u64,
            ))
        }
        #[cfg(not(unix))]
        {
            let _ = name;
            None
        }
    }

    /// The size, modification time (ns since the epoch) and inode of the
    /// plain file `name` in the folder (`None`: missing, or not a plain
    /// file; the inode is 0 where there is none) — what
    /// `std::fs::symlink_metadata` gives for it.
    pub fn file_stamp(&self, name: &str) -> Option<(u64, i128, u64)> {
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            let c = std::ffi::CString::new(name).ok()?;
            let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
            // SAFETY: a folder descriptor we own, a NUL-terminated name and
            // a buffer of the size `fstatat` fills; it is read only on success.
            let rc = unsafe {
                libc::fstatat(self.handle.as_raw_fd(), c.as_ptr(), st.as_mut_ptr(), libc::AT_SYMLINK_NOFOLLOW)
            };
            if rc != 0 {
                return None;
            }
            // SAFETY: `fstatat` succeeded, so it filled the buffer.
            let st = unsafe { st.assume_init() };
            if st.st_mode & libc::S_IFMT != libc::S_IFREG {
                return None;
            }
            let mtime = i128::from(st.st_mtime) * 1_000_000_000 + i128::from(st.st_mtime_nsec);
            #[allow(clippy::unnecessary_cast)]
            Some((st.st_size as u64, mtime, st.st_ino as u64))
        }
        #[cfg(not(unix))]
        {
            let m = std::fs::symlink_metadata(self.path.join(name)).ok().filter(|m| m.is_file())?;
            let t = m.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
            Some((m.len(), t.as_nanos() as i128, 0))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn writes_and_refuses_to_clobber() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b.md");
        super::write_atomic(&p, b"one").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        assert!(super::create_new_atomic(&p, b"two").is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        assert_eq!(std::fs::read_dir(dir.path().join("a")).unwrap().count(), 1);
    }

    /// Eight threads race to create one file: exactly one wins, the file
    /// holds the winner's bytes whole, and no temporary file is left; eight
    /// threads replacing one file all succeed and leave one whole version.
    #[test]
    fn racing_writers_never_clobber_or_tear() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.md");
        let p = path.as_path();
        let body = |k: usize| format!("writer {k}\n").repeat(10_000).into_bytes();
        for _ in 0..5 {
            let _ = std::fs::remove_file(p);
            let wins: Vec<usize> = std::thread::scope(|s| {
                let hs: Vec<_> =
                    (0..8).map(|k| s.spawn(move || super::create_new_atomic(p, &body(k)).map(|_| k))).collect();
                hs.into_iter().filter_map(|h| h.join().unwrap().ok()).collect()
            });
            assert_eq!(wins.len(), 1, "exactly one creator wins");
            assert_eq!(std::fs::read(p).unwrap(), body(wins[0]));
            let all: Vec<std::io::Result<()>> = std::thread::scope(|s| {
                let hs: Vec<_> = (0..8).map(|k| s.spawn(move || super::write_atomic(p, &body(k)))).collect();
                hs.into_iter().map(|h| h.join().unwrap()).collect()
            });
            assert!(all.iter().all(|r| r.is_ok()), "{all:?}");
            let now = std::fs::read(p).unwrap();
            assert!((0..8).any(|k| now == body(k)), "one whole version");
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
        }
    }

    #[test]
    fn reads_only_bounded_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.yml");
        std::fs::write(&p, b"0123456789").unwrap();
        assert_eq!(super::read_regular(&p, 10).unwrap(), b"0123456789");
        assert_eq!(super::read_regular(&p, 9).unwrap_err().kind(), std::io::ErrorKind::InvalidData);
        assert_eq!(super::read_regular(dir.path(), 10).unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
        assert_eq!(super::read_regular(&dir.path().join("none"), 10).unwrap_err().kind(), std::io::ErrorKind::NotFound);
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cairn.yml");
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // No writer ever opens it: a blocking open or read would hang here.
        assert_eq!(super::read_regular(&p, 10).unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    }

    #[test]
    fn a_folder_stamps_its_files_as_symlink_metadata_does() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.html"), "abc").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let f = super::Folder::open(dir.path()).unwrap();
        let (len, mtime, _ino) = f.file_stamp("a.html").expect("a plain file");
        assert_eq!(len, 3);
        let m = std::fs::symlink_metadata(dir.path().join("a.html")).unwrap();
        let t = m.modified().unwrap().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as i128;
        assert_eq!(mtime, t);
        assert_eq!(f.file_stamp("sub"), None, "a folder is not a plain file");
        assert_eq!(f.file_stamp("missing.html"), None);
        assert!(super::Folder::open(&dir.path().join("a.html")).is_err(), "a file is not a folder");
    }
}
