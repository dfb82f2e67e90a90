//! Small helpers shared by the stages: dates, did-you-mean, atomic writes,
//! English counts and articles, the key of caches, allocator settings.

pub mod alloc;
pub mod diff;
pub mod fs;
pub mod json;
pub mod rng;
pub mod suggest;
pub mod text;
pub mod time;
pub mod yaml;

/// Which build of cairn wrote a cache: the version, and the size and
/// modification time of the running executable, so that a rebuilt binary
/// of the same version (a developer's, or one installed from another
/// commit) never reads what different code computed.
pub fn build_key() -> &'static str {
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let exe = std::env::current_exe().and_then(std::fs::metadata).ok();
        let stamp = exe
            .map(|m| {
                let mtime = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
                format!("{} {}", m.len(), mtime.map_or(0, |d| d.as_nanos()))
            })
            .unwrap_or_default();
        format!("{} {stamp}", env!("CARGO_PKG_VERSION"))
    })
}

/// A hash map keyed by strings, hashed with foldhash (several times
/// SipHash's speed on short keys such as ids and paths). Its order is
/// arbitrary, as std's is: whatever is written from one is sorted first.
pub type StrMap<V> = std::collections::HashMap<String, V, foldhash::fast::RandomState>;

/// The hasher of the fingerprints ([`hash_bytes`], [`HashWriter`]):
/// foldhash with a fixed seed — the same in every run of one binary, and
/// several times SipHash's speed on the many small pieces a `Debug` form
/// writes. Fingerprints are compared, never trusted across builds of
/// cairn: caches that keep them also record [`build_key`].
pub fn hasher() -> foldhash::quality::FoldHasher<'static> {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0x6361_6972_6e2d_6670).build_hasher()
}

/// A fingerprint of text written with `write!` (the hasher of
/// [`hash_bytes`]): the `Debug` form of a value hashed without keeping the
/// string. The small pieces `Debug` writes are gathered into 4 KB blocks
/// first (one hash call per block, not per piece).
pub struct HashWriter {
    h: foldhash::quality::FoldHasher<'static>,
    buf: Vec<u8>,
}

impl Default for HashWriter {
    fn default() -> HashWriter {
        HashWriter { h: hasher(), buf: Vec::new() }
    }
}

impl HashWriter {
    const BLOCK: usize = 4096;

    pub fn finish(mut self) -> u64 {
        std::hash::Hasher::write(&mut self.h, &self.buf);
        std::hash::Hasher::finish(&self.h)
    }

    /// Bytes as they are (the caller keeps pieces apart: [`HashWriter::text`]).
    pub fn bytes(&mut self, b: &[u8]) {
        if self.buf.len() + b.len() > HashWriter::BLOCK {
            std::hash::Hasher::write(&mut self.h, &self.buf);
            self.buf.clear();
        }
        if b.len() > HashWriter::BLOCK {
            std::hash::Hasher::write(&mut self.h, b);
        } else {
            self.buf.extend_from_slice(b);
        }
    }

    /// A number, as its 8 bytes.
    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }

    /// A string after its length: two lists of strings hash alike only if
    /// their strings are the same (no separator a string could hold).
    pub fn text(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.bytes(s.as_bytes());
    }

    /// An optional string: a tag, then [`HashWriter::text`] when there is one.
    pub fn opt_text(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.bytes(&[1]);
                self.text(s);
            }
            None => self.bytes(&[0]),
        }
    }
}

impl std::fmt::Write for HashWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.bytes(s.as_bytes());
        Ok(())
    }
}

/// A 64-bit fingerprint of some bytes ([`hasher`]).
pub fn hash_bytes(parts: &[&[u8]]) -> u64 {
    use std::hash::Hasher;
    let mut h = hasher();
    for p in parts {
        h.write_usize(p.len());
        h.write(p);
    }
    h.finish()
}
