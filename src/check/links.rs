//! W007 `broken-link`: links between items written in bodies, as `[[id]]`
//! (or `[[id|label]]`) or as relative links to other item files
//! (`../stories/x.md`), must name an existing item (or, for relative links,
//! an existing file). The site turns the good ones into links to the item's
//! page with the same resolution ([`Links::resolve`]).

use std::collections::HashMap;

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag};

use super::Diagnostic;
use crate::load::Backlog;
use crate::model::{Item, Span};

/// The Markdown extensions cairn renders (the site and this rule parse
/// bodies the same way).
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_WIKILINKS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// What a link in a body points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// An item (index into `backlog.items`), with the `#fragment` if any.
    Item(usize, Option<String>),
    /// A file of the root that is not an item (root-relative path, `/`-separated).
    File(String),
    /// A link cairn does not resolve: external, absolute, fragment-only.
    Other,
    /// A wiki link or relative link that names nothing.
    Broken,
}

/// Link resolution over one backlog: items by id and by path.
pub struct Links<'a> {
    b: &'a Backlog,
    by_path: HashMap<&'a str, usize>,
}

impl<'a> Links<'a> {
    pub fn new(b: &'a Backlog) -> Links<'a> {
        let mut by_path = HashMap::with_capacity(b.items.len());
        for (i, it) in b.items.iter().enumerate() {
            by_path.entry(it.path.as_str()).or_insert(i);
        }
        Links { b, by_path }
    }

    /// Resolves a link destination written in the body of the item at
    /// `from` (its root-relative path). `wiki` is true for `[[...]]` links.
    pub fn resolve(&self, from: &str, dest: &str, wiki: bool) -> Target {
        if wiki {
            let (id, frag) = split_fragment(dest.trim());
            return match self.b.index.get(id) {
                Some(&i) => Target::Item(i, frag),
                None => Target::Broken,
            };
        }
        let dest = dest.trim();
        if dest.is_empty()
            || dest.starts_with('#')
            || dest.starts_with('/')
            || dest.starts_with("//")
            || has_scheme(dest)
        {
            return Target::Other;
        }
        let (path, frag) = split_fragment(dest);
        let path = path.split('?').next().unwrap_or(path);
        let Some(rel) = join(from, &percent_decode(path)) else { return Target::Broken };
        if let Some(&i) = self.by_path.get(rel.as_str()) {
            return Target::Item(i, frag);
        }
        if self.b.root.join(&rel).is_file() {
            return Target::File(rel);
        }
        if rel.ends_with(".md") {
            Target::Broken
        } else {
            // A missing non-Markdown file: not an item link; left as written.
            Target::Other
        }
    }
}

fn split_fragment(s: &str) -> (&str, Option<String>) {
    match s.split_once('#') {
        Some((a, f)) if !f.is_empty() => (a, Some(f.to_string())),
        Some((a, _)) => (a, None),
        None => (s, None),
    }
}

/// `scheme:` at the start (`https:`, `mailto:`, `javascript:`).
pub fn has_scheme(s: &str) -> bool {
    match s.find(':') {
        Some(p) => {
            let scheme = &s[..p];
            !scheme.is_empty()
                && scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !scheme.contains('/')
        }
        None => false,
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut k = 0;
    while k < b.len() {
        if b[k] == b'%' && k + 2 < b.len() {
            if let Some(v) = s.get(k + 1..k + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                k += 3;
                continue;
            }
        }
        out.push(b[k]);
        k += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// `dest` relative to the folder of `from`, normalised; `None` when it
/// leaves the root.
pub fn join(from: &str, dest: &str) -> Option<String> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for seg in dest.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("/"))
    }
}

/// Every link of a body: (destination, is a wiki link, byte offset in the body).
pub fn body_links(body: &str) -> Vec<(String, bool, usize)> {
    let mut out = Vec::new();
    for (ev, range) in Parser::new_ext(body, markdown_options()).into_offset_iter() {
        if let Event::Start(Tag::Link { link_type, dest_url, .. }) = ev {
            let wiki = matches!(link_type, LinkType::WikiLink { .. });
            out.push((dest_url.to_string(), wiki, range.start));
        }
    }
    out
}

fn span_at(item: &Item, offset: usize) -> Span {
    let before = item.body.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() as u32;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) as u32 + 1;
    Span::new(item.body_line.max(1) + line, col, 1)
}

/// The rule: one warning per broken link.
pub fn broken_links(b: &Backlog, out: &mut Vec<Diagnostic>) {
    use rayon::prelude::*;
    let links = Links::new(b);
    // Found in parallel; the did-you-mean hints of broken wiki links are
    // added after, in order, by one `Suggester` (its budget keeps thousands
    // of broken links linear, and the same links get hints every run).
    let found: Vec<Vec<(Diagnostic, Option<String>)>> = b
        .items
        .par_iter()
        .map(|item| {
            if !item.body.contains("[[") && !item.body.contains(".md") {
                return Vec::new();
            }
            let mut v = Vec::new();
            for (dest, wiki, off) in body_links(&item.body) {
                if links.resolve(&item.path, &dest, wiki) == Target::Broken {
                    let shown = if wiki { format!("[[{dest}]]") } else { format!("`{dest}`") };
                    let d = Diagnostic::new(
                        "W007",
                        &item.path,
                        span_at(item, off),
                        format!("broken link {shown}: no such item"),
                    )
                    .with_id(item.id())
                    .with_help("link to an item as `[[id]]` or with a relative path to its file");
                    v.push((d, wiki.then_some(dest)));
                }
            }
            v
        })
        .collect();
    let mut suggester: Option<crate::util::suggest::Suggester> = None;
    for (mut d, wiki) in found.into_iter().flatten() {
        if let Some(dest) = wiki {
            let sg =
                suggester.get_or_insert_with(|| crate::util::suggest::Suggester::new(b.items.iter().map(|i| i.id())));
            d.message.push_str(&sg.hint(&dest));
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_paths() {
        assert_eq!(join("stories/a.md", "../tasks/b.md").as_deref(), Some("tasks/b.md"));
        assert_eq!(join("stories/a.md", "./c.md").as_deref(), Some("stories/c.md"));
        assert_eq!(join("a.md", "../x.md"), None);
    }

    #[test]
    fn schemes() {
        assert!(has_scheme("https://x"));
        assert!(has_scheme("javascript:alert(1)"));
        assert!(!has_scheme("../a.md"));
        assert!(!has_scheme("a/b:c"));
    }

    #[test]
    fn finds_wiki_and_relative_links_outside_code() {
        let l = body_links("see [[a-b]] and [x](../s/c.md)\n\n```\n[[not]]\n```\n");
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].0, "a-b");
        assert!(l[0].1);
        assert_eq!(l[1].0, "../s/c.md");
    }
}
