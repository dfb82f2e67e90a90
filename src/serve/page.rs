//! One file of the served site as it is held in memory: text (HTML, JSON,
//! SVG, CSS…) gzipped, so that a 100,000-item site (2 GB of pages) fits in
//! a few hundred megabytes; sent as it is to a client that accepts gzip,
//! inflated for one that does not.

use std::sync::Arc;

/// Files smaller than this are kept as they are (the gzip header and
/// trailer are 18 bytes; a tiny page does not shrink).
const MIN_GZIP: usize = 128;

/// The deflate level: zlib-rs's level 1 (zlib-ng's "quick", static
/// Huffman codes only) left a 100,000-item site at 2.7× smaller; level 2
/// is its fast deflate with real Huffman codes, still far cheaper than
/// the default 6.
const LEVEL: i32 = 2;

/// zlib's window bits asking for the gzip wrapper (15 + 16).
const GZIP_WBITS: i32 = 31;

/// A site file: its bytes, gzipped when that pays. Equal pages have equal
/// bytes (compression is deterministic), so two pages compare as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Page {
    Plain(Arc<[u8]>),
    Gzip(Arc<[u8]>),
}

/// Whether a path holds text worth compressing (by its extension).
fn compressible(path: &str) -> bool {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    matches!(ext.as_str(), "html" | "htm" | "css" | "js" | "json" | "jsonl" | "svg" | "xml" | "txt" | "md")
}

impl Page {
    /// The page of `path` with these bytes (gzipped when the type is text
    /// and it shrinks).
    pub fn new(path: &str, bytes: &[u8]) -> Page {
        if bytes.len() >= MIN_GZIP && compressible(path) {
            if let Some(gz) = gzip(bytes) {
                if gz.len() < bytes.len() {
                    return Page::Gzip(Arc::from(gz));
                }
            }
        }
        Page::Plain(Arc::from(bytes))
    }

    /// Bytes kept as they are (files the backlog links to).
    pub fn plain(bytes: impl Into<Arc<[u8]>>) -> Page {
        Page::Plain(bytes.into())
    }

    /// The bytes in memory (for `/metrics`).
    pub fn stored_len(&self) -> usize {
        match self {
            Page::Plain(b) | Page::Gzip(b) => b.len(),
        }
    }

    /// The gzipped bytes, when the page is held gzipped.
    pub fn gzipped(&self) -> Option<&Arc<[u8]>> {
        match self {
            Page::Gzip(b) => Some(b),
            Page::Plain(_) => None,
        }
    }

    /// The file's bytes (inflated when held gzipped). A page this process
    /// gzipped always inflates; should it not, the answer is empty.
    pub fn bytes(&self) -> Arc<[u8]> {
        match self {
            Page::Plain(b) => b.clone(),
            Page::Gzip(b) => Arc::from(gunzip(b).unwrap_or_default()),
        }
    }
}

thread_local! {
    /// Each thread's output buffer for [`gzip`] (reused: no allocation of
    /// the bound per page).
    static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `bytes` gzipped (`None`: zlib refused, which it does not for a buffer
/// of its own bound).
pub fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let config = zlib_rs::DeflateConfig { level: LEVEL, window_bits: GZIP_WBITS, ..Default::default() };
    BUF.with(|buf| {
        let mut buf = buf.borrow_mut();
        // The bound of zlib's own compressBound plus the gzip wrapper.
        let bound = zlib_rs::compress_bound(bytes.len()) + 32;
        if buf.len() < bound {
            buf.resize(bound, 0);
        }
        let (out, rc) = zlib_rs::compress_slice(&mut buf[..bound], bytes, config);
        let out = (rc == zlib_rs::ReturnCode::Ok).then(|| out.to_vec());
        // A huge page does not keep its buffer alive on the thread.
        if buf.len() > 4 << 20 {
            *buf = Vec::new();
        }
        out
    })
}

/// The bytes of a gzip stream made by [`gzip`] (its trailer holds the
/// length); `None` when it is not one.
pub fn gunzip(gz: &[u8]) -> Option<Vec<u8>> {
    let n = gz.len();
    if n < 18 {
        return None;
    }
    let size = u32::from_le_bytes([gz[n - 4], gz[n - 3], gz[n - 2], gz[n - 1]]) as usize;
    let mut out = vec![0u8; size];
    let config = zlib_rs::InflateConfig { window_bits: GZIP_WBITS };
    let (got, rc) = zlib_rs::decompress_slice(&mut out, gz, config);
    if rc != zlib_rs::ReturnCode::Ok || got.len() != size {
        return None;
    }
    Some(out)
}

/// Whether an `Accept-Encoding` header value accepts gzip (`gzip` or `*`
/// with a quality above zero).
pub fn accepts_gzip(header: &str) -> bool {
    header.split(',').any(|part| {
        let mut it = part.split(';').map(str::trim);
        let name = it.next().unwrap_or("");
        if !(name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") || name == "*") {
            return false;
        }
        it.filter_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
            .all(|q| q.trim().parse::<f32>().is_ok_and(|q| q > 0.0))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_pages_are_gzipped_and_come_back_the_same() {
        let html: Vec<u8> = (0..400).flat_map(|i| format!("<li>item {i}</li>\n").into_bytes()).collect();
        let p = Page::new("items/a.html", &html);
        let gz = p.gzipped().expect("a large HTML page is gzipped");
        assert!(gz.len() * 4 < html.len(), "{} of {}", gz.len(), html.len());
        assert_eq!(&gz[..2], &[0x1f, 0x8b], "a gzip stream (RFC 1952 magic)");
        assert_eq!(&*p.bytes(), &html[..]);
        // Deterministic: the same bytes make the same page.
        assert_eq!(Page::new("items/a.html", &html), p);
        // Small files and binary types stay as they are.
        assert_eq!(Page::new("a.html", b"<p>hi</p>"), Page::plain(&b"<p>hi</p>"[..]));
        assert!(Page::new("img/a.png", &html).gzipped().is_none());
        assert_eq!(p.stored_len(), gz.len());
        assert_eq!(gunzip(b"not a gzip stream at all"), None);
    }

    #[test]
    fn accept_encoding_is_read_with_its_qualities() {
        assert!(accepts_gzip("gzip"));
        assert!(accepts_gzip("gzip, deflate, br"));
        assert!(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("identity"));
        assert!(!accepts_gzip("br, deflate"));
        assert!(!accepts_gzip(""));
    }
}
