//! The incremental engine behind `cairn build` and `cairn serve`: what a
//! site is derived from, fingerprints of those inputs, and which pages an
//! input change touches.
//!
//! - [`invalidate`]: the page-choice rules — given the items whose item
//!   object or card changed, which item, impact, graph and sprint pages can
//!   show them. `serve` applies them in two phases (fast: the changed items
//!   and their neighbours; settle: ancestors, upstream impact pages,
//!   sprints, site-wide pages); `build` applies both at once.
//! - [`persist`]: what `cairn build` keeps in `.cairn-cache/site-*.bin`
//!   between runs — per item a signature of everything its pages show of
//!   it, per render job its output paths, per output file its content hash
//!   and stamp — so that the next build re-renders only what changed and
//!   hard-links the rest from the previous output folder; and, in a store
//!   of their own (`site-*.frags`) that builds append to, the bytes of the
//!   site-wide lists' per-item fragments.
//! - [`site`]: the incremental `cairn build` itself.
//!
//! **Why not salsa.** salsa (rust-analyzer's engine) memoizes queries and
//! tracks their dependencies at the granularity of query calls. Here the
//! unit of reuse is a rendered page, whose inputs are read by templates
//! through a shared context (cards, the site value, rollups…): salsa would
//! need every template read to go through a tracked query, or it would
//! track nothing finer than "the whole backlog". Its persistence is not
//! what `build` needs either (a page's bytes live in the output folder, not
//! in a database), and it adds a proc-macro dependency tree to a build that
//! runs on two cores. The engine is therefore small and explicit: a global
//! key (config, theme, options, history, site-wide values) that, when it
//! changes, rebuilds everything; per-item signatures compared between runs;
//! and one set of page-choice rules shared by `serve` and `build`.

pub mod invalidate;
pub mod persist;
pub mod site;
pub mod write;

pub use crate::util::hash_bytes;
