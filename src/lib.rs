//! cairn: a compiler for product backlogs kept as Markdown files with YAML
//! front-matter in a git repository.
//!
//! The library is a pipeline of stages, each a plain function from the
//! previous stage's data to its own:
//!
//! ```text
//! files ──load──▶ Backlog ──check──▶ Diagnostics
//!                   └──graph──▶ Graph ──▶ impact · ready · schedule
//! ```
//!
//! The `cairn` binary (`src/main.rs`) is a thin shell over [`cli`]. The
//! layers, and what each module may import, are in `docs/architecture.md`
//! (enforced by `tests/architecture.rs`).

pub mod automate;
pub mod check;
pub mod cli;
pub mod config;
pub mod diag;
pub mod edit;
pub mod engine;
pub mod gen;
pub mod graph;
pub mod history;
pub mod import;
pub mod load;
pub mod mcp;
pub mod metrics;
pub mod model;
pub mod plan;
pub mod query;
pub mod schema;
pub mod serve;
pub mod site;
pub mod util;
