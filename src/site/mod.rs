//! The static dashboard: every page of `site.md`, the charts and graph
//! pictures, badges, the Atom feed and the static JSON API, rendered in
//! memory into a [`Site`] (path → bytes).
//!
//! [`render`] is pure apart from reading the backlog's template and theme
//! overrides and the files its bodies link to: `build` writes its result
//! with [`write::write`], `serve` keeps it in memory. Pages are rendered in
//! parallel with rayon from one shared minijinja environment; the site-wide
//! context (cards, the site value) is built once and shared by reference,
//! never cloned per page.

pub mod api;
pub mod badges;
pub mod budget;
pub mod charts;
pub mod context;
pub mod fragments;
pub mod markdown;
pub mod pages;
pub mod theme;
pub mod write;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;
use minijinja::{Environment, Value};

/// What the site reads from the analysis stage (`metrics`): the site
/// renders these, it computes none of them.
pub use crate::metrics::{Analytics, Burndown, Insight, NoAnalytics};

use crate::check::Report;
use crate::graph::Graph;
use crate::history::Events;
use crate::load::Backlog;
use crate::query::Derived;

/// What can stop a site from rendering: a broken template or theme file
/// of the backlog (the embedded ones are tested).
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("template `{name}`: {message}")]
    Template { name: String, message: String },
    #[error("theme: {0}")]
    Theme(String),
    #[error("writing {path}: {message}")]
    Io { path: String, message: String },
    /// A buffer that grows with the backlog could not be allocated.
    #[error("rendering {path}: {message}")]
    Memory { path: String, message: String },
}

impl SiteError {
    fn template(name: &str, e: &minijinja::Error) -> SiteError {
        let mut message = e.to_string();
        if let Some(line) = e.line() {
            message = format!("{message} (line {line})");
        }
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            message.push_str(&format!(": {s}"));
            src = s.source();
        }
        SiteError::Template { name: name.to_string(), message }
    }
}

/// About how many bytes of memory rendering and writing the site takes
/// per item, beyond the loaded backlog: a 100,000-item generated backlog
/// peaked at 1.38 GB, 1.13 GB above its loaded backlog (BENCHMARKS.md,
/// "Scale"). `cairn build` refuses to start rendering when the machine
/// has less available (see `util::alloc::ensure`).
pub const RENDER_BYTES_PER_ITEM: u64 = 12 * 1024;

/// Build options.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Where the site will be served from (absolute links in the feed).
    pub base_url: String,
    /// Include drafts (status `draft` or label `draft`).
    pub drafts: bool,
    /// Today, in the backlog's time zone: the active sprint, overdue items.
    pub today: Option<NaiveDate>,
    /// Why there is no history, if there is none (shown on the pages).
    pub history_note: Option<String>,
    /// The proposals in `proposals/` (see [`crate::load::proposals`]); the
    /// proposals page and its nav link exist only when there are some.
    pub proposals: Vec<crate::load::proposals::Proposal>,
}

/// Everything a site is rendered from.
pub struct Inputs<'a> {
    pub backlog: &'a Backlog,
    pub graph: &'a Graph,
    pub report: &'a Report,
    /// The audit trail (`None`: built without history).
    pub history: Option<&'a Events>,
    /// Created/updated/reporter per id, from history.
    pub derived: &'a BTreeMap<String, Derived>,
    pub analytics: &'a dyn Analytics,
    pub options: Options,
}

/// A rendered site: every output file by its `/`-separated path.
#[derive(Clone, Debug, Default)]
pub struct Site {
    pub files: BTreeMap<String, Vec<u8>>,
    /// Number of HTML pages.
    pub pages: usize,
    /// Number of items with a page.
    pub items: usize,
}

/// Output files of one job.
/// Progress while rendering: (done, total) units of work.
pub type Progress<'p> = &'p (dyn Fn(usize, usize) + Sync);

/// Builds the minijinja environment of a theme: every template parsed
/// once, autoescaping on for `.html` and `.xml`.
pub fn environment(t: &theme::Theme) -> Result<Environment<'static>, SiteError> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") || name.ends_with(".xml") || name.ends_with(".svg") {
            minijinja::AutoEscape::Html
        } else {
            minijinja::AutoEscape::None
        }
    });
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_formatter(escape_formatter);
    env.add_filter("num", |v: f64| charts::n(v));
    env.add_filter("label", |s: String| s.replace('_', " "));
    // `{{ n | count("item") }}`: "1 item", "2 items", "10,000 items".
    env.add_filter("count", |n: usize, singular: String| crate::util::text::count(n, &singular));
    // Messages with `code` spans, escaped, the spans as <code>.
    env.add_filter("code", |s: String| minijinja::Value::from_safe_string(markdown::inline_code(&s)));
    for (name, src) in &t.templates {
        env.add_template_owned(name.clone(), src.clone()).map_err(|e| SiteError::template(name, &e))?;
    }
    // The embedded macros, for a `macros.html` override that lacks one the
    // embedded pages call (see `pages::lists`).
    if let Some((_, src)) = theme::TEMPLATES.iter().find(|(n, _)| *n == "macros.html") {
        env.add_template(pages::EMBEDDED_MACROS, src).map_err(|e| SiteError::template(pages::EMBEDDED_MACROS, &e))?;
    }
    Ok(env)
}

/// minijinja's formatter with HTML escaping that leaves `/` alone: it
/// needs no escaping in text or in a quoted attribute, and `../` written
/// `..&#x2f;` made every link of every page five bytes longer (a few
/// hundred bytes a page, megabytes a site).
fn escape_formatter(
    out: &mut minijinja::Output,
    state: &minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(s) if state.auto_escape() == minijinja::AutoEscape::Html && !value.is_safe() => {
            let mut last = 0;
            for (k, c) in s.bytes().enumerate() {
                let rep = match c {
                    b'<' => "&lt;",
                    b'>' => "&gt;",
                    b'&' => "&amp;",
                    b'"' => "&quot;",
                    b'\'' => "&#x27;",
                    _ => continue,
                };
                out.write_str(&s[last..k]).map_err(minijinja::Error::from)?;
                out.write_str(rep).map_err(minijinja::Error::from)?;
                last = k + 1;
            }
            out.write_str(&s[last..]).map_err(minijinja::Error::from)
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// An HTML page without the indentation of its templates: every line's
/// leading spaces and tabs and every blank line are dropped, except inside
/// `<pre>` and `<textarea>` (where they show). A browser renders the result
/// the same (a line break is still white space between two words); a page
/// is a tenth smaller.
pub fn compact_html(html: &str) -> Result<Vec<u8>, String> {
    let mut out = crate::util::alloc::try_buffer("a page", html.len())?;
    // Most pages have no `<pre>` or `<textarea>`: every line is trimmed.
    if !html.contains("<pre") && !html.contains("<textarea") {
        for line in html.split_inclusive('\n') {
            let trimmed = line.trim_start_matches([' ', '\t']);
            if trimmed != "\n" {
                out.extend_from_slice(trimmed.as_bytes());
            }
        }
        return Ok(out);
    }
    let mut keep = 0usize;
    for line in html.split_inclusive('\n') {
        let trimmed = if keep > 0 { line } else { line.trim_start_matches([' ', '\t']) };
        if keep == 0 && trimmed == "\n" {
            continue;
        }
        out.extend_from_slice(trimmed.as_bytes());
        if line.contains("<pre") || line.contains("<textarea") || line.contains("</pre") || line.contains("</textarea")
        {
            keep = pre_depth(line, keep);
        }
    }
    Ok(out)
}

/// The depth of open `<pre>`/`<textarea>` elements after `line`.
fn pre_depth(line: &str, mut depth: usize) -> usize {
    let mut rest = line;
    while let Some(k) = rest.find('<') {
        rest = &rest[k + 1..];
        let open = ["pre>", "pre ", "textarea>", "textarea "].iter().any(|t| rest.starts_with(t));
        let close = ["/pre>", "/textarea>"].iter().any(|t| rest.starts_with(t));
        if open {
            depth += 1;
        } else if close {
            depth = depth.saturating_sub(1);
        }
    }
    depth
}

/// Renders the whole site in memory.
pub fn render(inputs: &Inputs, progress: Progress) -> Result<Site, SiteError> {
    let theme = theme::Theme::load(&inputs.backlog.root, inputs.backlog.config.site.theme.as_deref())?;
    render_with(inputs, &theme, progress)
}

/// Renders with a given theme (tests and `serve` load it once).
pub fn render_with(inputs: &Inputs, theme: &theme::Theme, progress: Progress) -> Result<Site, SiteError> {
    let sink = MemorySink::default();
    let stats = render_into(inputs, theme, progress, &sink)?;
    let files = sink.files.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok(Site { files, pages: stats.pages, items: stats.items })
}

/// Where rendered files go: a map in memory (`serve`) or a folder (`build`).
pub trait Sink: Sync {
    fn put(&self, path: &str, bytes: &[u8]) -> std::io::Result<()>;
}

/// Collects the site in memory.
#[derive(Default)]
pub struct MemorySink {
    pub files: std::sync::Mutex<BTreeMap<String, Vec<u8>>>,
}

impl Sink for MemorySink {
    fn put(&self, path: &str, bytes: &[u8]) -> std::io::Result<()> {
        if let Ok(mut f) = self.files.lock() {
            f.insert(path.to_string(), bytes.to_vec());
        }
        Ok(())
    }
}

/// Counts of a rendered site.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub files: usize,
    pub pages: usize,
    pub items: usize,
}

/// Renders every file of the site into `sink` as soon as it is rendered, in
/// parallel, so a build never holds the whole site in memory.
pub fn render_into(
    inputs: &Inputs,
    theme: &theme::Theme,
    progress: Progress,
    sink: &dyn Sink,
) -> Result<Stats, SiteError> {
    let env = environment(theme)?;
    let shared = pages::Shared::new(inputs);
    let jobs = shared.jobs();
    let total = jobs.len();
    let done = AtomicUsize::new(0);
    let files = AtomicUsize::new(0);
    let pages = AtomicUsize::new(0);
    let put = |path: &str, bytes: &[u8]| -> Result<(), SiteError> {
        files.fetch_add(1, Ordering::Relaxed);
        if path.ends_with(".html") {
            pages.fetch_add(1, Ordering::Relaxed);
        }
        sink.put(path, bytes).map_err(|e| SiteError::Io { path: path.to_string(), message: e.to_string() })
    };
    use rayon::prelude::*;
    jobs.par_iter().try_for_each(|job| -> Result<(), SiteError> {
        for (path, bytes) in shared.run(&env, job)? {
            put(&path, &bytes)?;
        }
        let d = done.fetch_add(1, Ordering::Relaxed) + 1;
        if d % 256 == 0 || d == total {
            progress(d, total);
        }
        Ok(())
    })?;
    for (name, bytes) in &theme.assets {
        put(&format!("assets/{name}"), bytes)?;
    }
    // The backlog's own files its bodies link to (images, attachments).
    let linked: std::collections::BTreeSet<String> = shared.linked_files();
    let root = &inputs.backlog.root;
    for rel in linked {
        if let Ok(bytes) = std::fs::read(root.join(&rel)) {
            put(&format!("files/{rel}"), &bytes)?;
        }
    }
    Ok(Stats { files: files.into_inner(), pages: pages.into_inner(), items: shared.page_count() })
}

pub fn root_prefix(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

/// A page one folder deep (`items/a.html`) links the pages of its own
/// folder by name (`b.html`, not `../items/b.html`): the same address,
/// 9 bytes less for each of the links an item page has to its parent,
/// children and relations. Other pages are returned as they are.
pub fn same_folder_links(html: String, path: &str) -> String {
    match path.split_once('/') {
        Some((dir, file)) if !file.contains('/') => {
            let long = format!("href=\"../{dir}/");
            if html.contains(&long) {
                html.replace(&long, "href=\"")
            } else {
                html
            }
        }
        _ => html,
    }
}

/// Groups events by item id (indices, newest first).
pub(crate) fn events_by_id(ev: &Events) -> HashMap<&str, Vec<usize>> {
    let mut m: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, e) in ev.events.iter().enumerate().rev() {
        m.entry(e.id.as_str()).or_default().push(k);
    }
    m
}
