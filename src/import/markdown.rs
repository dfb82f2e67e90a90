//! The `markdown` reader: an outline (the seeds' strategic backlog).

use std::path::Path;

use super::{ImportError, Source};

/// Reads a Markdown outline.
pub fn read(source: &Path) -> Result<Source, ImportError> {
    let _ = super::read_text(source)?;
    Ok(Source::default())
}
