//! The `prd` reader: a PRD document.

use std::path::Path;

use super::{ImportError, Source};

/// Reads a PRD.
pub fn read(source: &Path) -> Result<Source, ImportError> {
    let _ = super::read_text(source)?;
    Ok(Source::default())
}
