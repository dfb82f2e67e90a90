//! Reporters: how diagnostics are written for people (rustc-style), for
//! scripts (JSON), and for CI (GitHub workflow commands, GitLab Code Quality).

use std::collections::HashMap;
use std::path::Path;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde_json::json;

use super::{Diagnostic, Report, Severity};
use crate::util::text::count;

/// Reads source files once each, for snippets.
struct Sources<'a> {
    root: &'a Path,
    cache: HashMap<String, Option<String>>,
}

impl<'a> Sources<'a> {
    fn new(root: &'a Path) -> Self {
        Sources { root, cache: HashMap::new() }
    }

    fn line(&mut self, file: &str, line: u32) -> Option<String> {
        let root = self.root;
        let text = self.cache.entry(file.to_string()).or_insert_with(|| {
            let bytes = crate::util::fs::read_regular(&root.join(file), crate::load::MAX_FILE_BYTES).ok()?;
            Some(String::from_utf8_lossy(&bytes).into_owned())
        });
        let text = text.as_deref()?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        text.lines().nth(line.saturating_sub(1) as usize).map(|l| l.trim_end_matches('\r').to_string())
    }
}

/// Byte range in `line` of `len` characters starting at 1-based char column `col`.
fn byte_range(line: &str, col: u32, len: u32) -> std::ops::Range<usize> {
    let start = line.char_indices().nth(col.saturating_sub(1) as usize).map(|(i, _)| i).unwrap_or(line.len());
    let end = line[start..].char_indices().nth(len.max(1) as usize).map(|(i, _)| start + i).unwrap_or(line.len());
    start..end.max(start)
}

/// The summary line: `checked 2,431 items: 1 error, 3 warnings`.
pub fn summary(r: &Report) -> String {
    format!("checked {}: {}, {}", count(r.items, "item"), count(r.errors(), "error"), count(r.warnings(), "warning"))
}

/// rustc-style text with source lines and carets.
pub fn human(r: &Report, root: &Path, color: bool) -> String {
    use rayon::prelude::*;
    // In runs rendered in parallel (each reading its own source lines; the
    // diagnostics are sorted by file, so a file is read by one run or two).
    let runs: Vec<String> = r
        .diagnostics
        .par_chunks(512)
        .map(|run| {
            let renderer = if color { Renderer::styled() } else { Renderer::plain() };
            let mut sources = Sources::new(root);
            let mut out = String::new();
            for d in run {
                out.push_str(&render_one(d, &mut sources, &renderer));
                out.push_str("\n\n");
            }
            out
        })
        .collect();
    let mut out = runs.concat();
    out.push_str(&summary(r));
    out.push('\n');
    out
}

/// rustc-style text of some diagnostics, without the summary line (`serve`
/// prints the problems a save introduced).
pub fn human_list(diagnostics: &[Diagnostic], root: &Path, color: bool) -> String {
    render_list(diagnostics, root, &[], color)
}

/// The diagnostics alone (no summary line), quoting `texts` (root-relative
/// path → text) instead of the files on disk: for a change not written yet.
pub fn human_with(r: &Report, root: &Path, texts: &[(String, String)], color: bool) -> String {
    render_list(&r.diagnostics, root, texts, color)
}

fn render_list(diagnostics: &[Diagnostic], root: &Path, texts: &[(String, String)], color: bool) -> String {
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    let mut sources = Sources::new(root);
    for (path, text) in texts {
        sources.cache.insert(path.clone(), Some(text.clone()));
    }
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&render_one(d, &mut sources, &renderer));
        out.push_str("\n\n");
    }
    out
}

fn render_one(d: &Diagnostic, sources: &mut Sources, renderer: &Renderer) -> String {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let line = sources.line(&d.file, d.line);
    let title = level.primary_title(d.message.as_str()).id(d.code);
    let mut groups: Vec<Group> = Vec::new();
    let main = match &line {
        Some(src) if !(d.line == 1 && d.column == 1 && d.len == 0) => title.element(
            Snippet::source(src.as_str())
                .line_start(d.line as usize)
                .path(d.file.as_str())
                .annotation(AnnotationKind::Primary.span(byte_range(src, d.column, d.len))),
        ),
        _ => title.element(
            annotate_snippets::Origin::path(d.file.as_str()).line(d.line as usize).char_column(d.column as usize),
        ),
    };
    groups.push(main);
    let note_lines: Vec<(String, Option<String>)> =
        d.notes.iter().map(|n| (n.message.clone(), sources.line(&n.file, n.line))).collect();
    for (n, (msg, src)) in d.notes.iter().zip(note_lines.iter()) {
        let g = Group::with_title(Level::NOTE.secondary_title(msg.as_str()));
        let g = match src {
            Some(src) => g.element(
                Snippet::source(src.as_str())
                    .line_start(n.line as usize)
                    .path(n.file.as_str())
                    .annotation(AnnotationKind::Context.span(byte_range(src, n.column, n.len))),
            ),
            None => g.element(
                annotate_snippets::Origin::path(n.file.as_str()).line(n.line as usize).char_column(n.column as usize),
            ),
        };
        groups.push(g);
    }
    if let Some(h) = &d.help {
        groups.push(Group::with_title(Level::HELP.secondary_title(h.as_str())));
    }
    renderer.render(&groups)
}

/// `{"items", "errors", "warnings", "diagnostics": [...]}`.
/// The JSON report, borrowing the diagnostics (serialize it straight to
/// the output: 100,000 items can have 14 MB of diagnostics).
#[derive(serde::Serialize)]
pub struct JsonReport<'a> {
    pub items: usize,
    pub errors: usize,
    pub warnings: usize,
    pub diagnostics: &'a [crate::check::Diagnostic],
}

pub fn json_report(r: &Report) -> JsonReport<'_> {
    JsonReport { items: r.items, errors: r.errors(), warnings: r.warnings(), diagnostics: &r.diagnostics }
}

pub fn json_value(r: &Report) -> serde_json::Value {
    serde_json::to_value(json_report(r)).unwrap_or_default()
}

pub fn json(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(&json_report(r)).unwrap_or_default();
    s.push('\n');
    s
}

fn gh_escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn gh_escape_prop(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The root's path relative to the git work tree (`backlog/`), so
/// annotations land on the pull request's diff; empty when the root is the
/// work tree or there is no git repository.
pub fn worktree_prefix(root: &Path) -> String {
    let abs = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut dir = Some(abs.as_path());
    while let Some(d) = dir {
        if d.join(".git").exists() {
            let rel = crate::load::rel_path(d, &abs);
            return if rel.is_empty() { rel } else { format!("{rel}/") };
        }
        dir = d.parent();
    }
    String::new()
}

/// GitHub Actions workflow commands, one a diagnostic.
pub fn github(r: &Report, root: &Path) -> String {
    let prefix = worktree_prefix(root);
    let mut out = String::new();
    for d in &r.diagnostics {
        let mut msg = d.message.clone();
        for n in &d.notes {
            msg.push_str(&format!("\nnote: {prefix}{}:{}:{}: {}", n.file, n.line, n.column, n.message));
        }
        if let Some(h) = &d.help {
            msg.push_str("\nhelp: ");
            msg.push_str(h);
        }
        out.push_str(&format!(
            "::{} file={},line={},col={},title={}::{}\n",
            d.severity.as_str(),
            gh_escape_prop(&format!("{prefix}{}", d.file)),
            d.line,
            d.column,
            gh_escape_prop(d.code),
            gh_escape_data(&msg)
        ));
    }
    out
}

/// A stable 128-bit FNV-1a fingerprint as hex.
fn fingerprint(parts: &[&str]) -> String {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for p in parts {
        for b in p.bytes().chain([0u8]) {
            h ^= u128::from(b);
            h = h.wrapping_mul(0x0000000001000000000000000000013B);
        }
    }
    format!("{h:032x}")
}

/// One fingerprint a diagnostic, the same from run to run and unique in a
/// report: from the code, the file (relative to the root) and the message,
/// not the position, so that a problem keeps its fingerprint when lines are
/// added above it; the n-th repeat of the same code and message in a file
/// gets the ordinal n. Code-quality and code-scanning services match
/// problems across runs by it.
pub fn stable_fingerprints(diags: &[Diagnostic]) -> Vec<String> {
    let mut seen: HashMap<(&str, &str, &str), u32> = HashMap::new();
    diags
        .iter()
        .map(|d| {
            let n = seen.entry((d.code, d.file.as_str(), d.message.as_str())).or_insert(0);
            *n += 1;
            fingerprint(&[d.code, &d.file, &d.message, &n.to_string()])
        })
        .collect()
}

/// A GitLab Code Quality report.
pub fn gitlab(r: &Report, root: &Path) -> String {
    let prefix = worktree_prefix(root);
    let entries: Vec<serde_json::Value> = r
        .diagnostics
        .iter()
        .zip(stable_fingerprints(&r.diagnostics))
        .map(|(d, fingerprint)| {
            json!({
                "description": format!("{}: {}", d.code, d.message),
                "check_name": d.code,
                "fingerprint": fingerprint,
                "severity": match d.severity { Severity::Error => "major", Severity::Warning => "minor" },
                "location": { "path": format!("{prefix}{}", d.file), "lines": { "begin": d.line } },
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&entries).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Span;

    fn report() -> Report {
        Report {
            items: 2431,
            diagnostics: vec![Diagnostic::new(
                "E012",
                "stories/at-risk-widget.md",
                Span::new(4, 9, 10),
                "unknown status `inprogress` for story; did you mean `in_progress`?",
            )
            .with_id("at-risk-widget")],
        }
    }

    #[test]
    fn human_matches_rustc_style() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("stories")).unwrap();
        std::fs::write(
            dir.path().join("stories/at-risk-widget.md"),
            "---\nkind: story\ntitle: W\nstatus: inprogress\n---\n",
        )
        .unwrap();
        let text = human(&report(), dir.path(), false);
        let expected = "error[E012]: unknown status `inprogress` for story; did you mean `in_progress`?\n --> stories/at-risk-widget.md:4:9\n  |\n4 | status: inprogress\n  |         ^^^^^^^^^^\n\nchecked 2,431 items: 1 error, 0 warnings\n";
        assert_eq!(text, expected);
    }

    #[test]
    fn json_shape() {
        let v = json_value(&report());
        assert_eq!(v["items"], 2431);
        assert_eq!(v["errors"], 1);
        assert_eq!(v["warnings"], 0);
        let d = &v["diagnostics"][0];
        assert_eq!(d["severity"], "error");
        assert_eq!(d["code"], "E012");
        assert_eq!(d["file"], "stories/at-risk-widget.md");
        assert_eq!(d["line"], 4);
        assert_eq!(d["column"], 9);
        assert_eq!(d["id"], "at-risk-widget");
    }

    #[test]
    fn github_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let out = github(&report(), dir.path());
        assert_eq!(out, "::error file=stories/at-risk-widget.md,line=4,col=9,title=E012::unknown status `inprogress` for story; did you mean `in_progress`?\n");
        assert_eq!(gh_escape_prop("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    /// GitHub's workflow-command rules: `%`, CR and LF are escaped in the
    /// message; `:` and `,` too in properties (a file name may hold them).
    #[test]
    fn github_escapes_messages_and_properties() {
        let dir = tempfile::tempdir().unwrap();
        let r = Report {
            items: 1,
            diagnostics: vec![Diagnostic::new(
                "E017",
                "stories/a,b:c%.md",
                Span::new(2, 3, 1),
                "50% done:\r\nnext, then",
            )
            .with_note("stories/x.md", Span::new(7, 1, 2), "first here")
            .with_help("a:b")],
        };
        let out = github(&r, dir.path());
        assert_eq!(
            out,
            "::error file=stories/a%2Cb%3Ac%25.md,line=2,col=3,title=E017::50%25 done:%0D%0Anext, then%0Anote: stories/x.md:7:1: first here%0Ahelp: a:b\n"
        );
        // Every escape undone gives the message back: nothing is escaped twice.
        let data = out.rsplit_once("::").unwrap().1;
        let unescaped = data.trim_end_matches('\n').replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%");
        assert!(unescaped.starts_with("50% done:\r\nnext, then\n"), "{unescaped:?}");
    }

    /// Fingerprints do not move with the line, differ for repeats, and are
    /// made of the code, the file, the message and the repeat's ordinal.
    #[test]
    fn fingerprints_are_stable_and_unique() {
        let d = |line| Diagnostic::new("E019", "stories/a.md", Span::new(line, 1, 6), "duplicate key `status`");
        let before = stable_fingerprints(&[d(3)]);
        let after = stable_fingerprints(&[d(5), d(9)]);
        assert_eq!(before[0], after[0]);
        assert_ne!(after[0], after[1]);
        assert_eq!(after[1], fingerprint(&["E019", "stories/a.md", "duplicate key `status`", "2"]));
        let dir = tempfile::tempdir().unwrap();
        let r = Report { items: 1, diagnostics: vec![d(5), d(9)] };
        let v: serde_json::Value = serde_json::from_str(&gitlab(&r, dir.path())).unwrap();
        assert_eq!(v[0]["fingerprint"], after[0].as_str());
        assert_eq!(v[1]["fingerprint"], after[1].as_str());
    }

    #[test]
    fn gitlab_shape() {
        let dir = tempfile::tempdir().unwrap();
        let v: serde_json::Value = serde_json::from_str(&gitlab(&report(), dir.path())).unwrap();
        assert_eq!(v[0]["check_name"], "E012");
        assert_eq!(v[0]["location"]["path"], "stories/at-risk-widget.md");
        assert_eq!(v[0]["location"]["lines"]["begin"], 4);
        assert_eq!(v[0]["severity"], "major");
        assert_eq!(v[0]["fingerprint"].as_str().unwrap().len(), 32);
    }

    #[test]
    fn summary_counts_agree_with_their_numbers() {
        let d = |code| Diagnostic::new(code, "a.md", Span::START, "m");
        let r = Report { items: 1, diagnostics: vec![d("E001"), d("W001")] };
        assert_eq!(summary(&r), "checked 1 item: 1 error, 1 warning");
        let r = Report { items: 1000, diagnostics: vec![d("E001"), d("E002")] };
        assert_eq!(summary(&r), "checked 1,000 items: 2 errors, 0 warnings");
    }
}
