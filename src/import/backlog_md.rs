//! The `backlog-md` reader: a Backlog.md folder.

use std::path::Path;

use super::{ImportError, Source};

/// Reads a Backlog.md folder.
pub fn read(source: &Path, _with_history: bool) -> Result<Source, ImportError> {
    if !source.is_dir() {
        return Err(ImportError::read(source, "not a folder"));
    }
    Err(ImportError::Other("the backlog-md reader is not finished".into()))
}
