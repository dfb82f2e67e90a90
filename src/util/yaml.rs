//! The serde-saphyr settings every YAML document cairn reads uses (the
//! config and the front-matter alike), and its errors as one line.

use serde_saphyr::{DuplicateKeyPolicy, Options};

/// Options used for every YAML document cairn reads: duplicate keys are
/// passed through (the item builder reports them with both positions), and a
/// budget stops alias bombs and absurd nesting.
pub fn options() -> Options {
    let mut o = serde_saphyr::options! {
        duplicate_keys: DuplicateKeyPolicy::PassThrough,
        with_snippet: false,
    };
    o.budget = serde_saphyr::budget! {
        max_depth: 64,
        max_aliases: 1_000,
        max_anchors: 1_000,
        max_nodes: 200_000,
        max_total_scalar_bytes: 4 * 1024 * 1024,
        max_documents: 1,
    };
    o
}

/// A serde-saphyr error as one line of text, without the position (which
/// cairn reports itself).
pub fn error_message(e: &serde_saphyr::Error) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("invalid YAML").trim();
    // Strip a trailing " at line X column Y" that the library may append.
    let cut = first.find(" at line ").map(|i| &first[..i]).unwrap_or(first);
    cut.trim_end_matches('.').to_string()
}
