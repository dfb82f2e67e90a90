//! The `linear` reader.

use std::path::Path;

use super::{ImportError, Source};

/// Reads a linear export.
pub fn read(source: &Path) -> Result<Source, ImportError> {
    let _ = super::read_text(source)?;
    Ok(Source::default())
}
