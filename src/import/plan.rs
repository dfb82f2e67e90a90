//! The pipeline: records → one edit-engine change set.
