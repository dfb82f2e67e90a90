//! `cairn man DIR`: a man page for cairn and one for every subcommand
//! (`cairn.1`, `cairn-check.1`, …), rendered by clap_mangen from the same
//! definitions as `--help`.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Renders every page into `dir` (created if missing), each file written
/// atomically; returns the files written, `cairn.1` first, then the
/// subcommands in the order of `--help`.
pub fn write_pages(cmd: clap::Command, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    // Pages for `cairn help` would only repeat cairn.1.
    let mut cmd = cmd.disable_help_subcommand(true);
    // Gives subcommands their display names (`cairn-check`).
    cmd.build();
    let mut pages = Vec::new();
    collect(&cmd, &mut pages);
    let mut written = Vec::with_capacity(pages.len());
    for page in pages {
        // No field left empty: an empty `.TH` argument shifts the others.
        let man = clap_mangen::Man::new(page).date(env!("CARGO_PKG_VERSION")).source("cairn").manual("User Commands");
        let path = dir.join(man.get_filename());
        let mut text = Vec::new();
        man.render(&mut text).with_context(|| format!("cannot render {}", path.display()))?;
        crate::util::fs::write_atomic(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// `cmd` and its visible subcommands, depth first.
fn collect(cmd: &clap::Command, out: &mut Vec<clap::Command>) {
    out.push(cmd.clone());
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, out);
    }
}
