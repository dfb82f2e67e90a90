//! The `trello` reader.

use std::path::Path;

use super::{ImportError, Source};

/// Reads a trello export.
pub fn read(source: &Path) -> Result<Source, ImportError> {
    let _ = super::read_text(source)?;
    Ok(Source::default())
}
