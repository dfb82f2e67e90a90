//! Markdown bodies → safe HTML: pulldown-cmark (tables, task lists,
//! footnotes, strikethrough, heading anchors, `[[id]]` wiki links), links
//! between items rewritten to their pages, and sanitizing: link and image
//! URLs keep only `http(s)`/`mailto`/relative destinations, and any raw HTML
//! makes the whole output go through ammonia, so nothing in a body can
//! inject script.

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, LinkType, Parser, Tag, TagEnd};

use crate::check::links::{has_scheme, markdown_options, Links, Target};
use crate::load::Backlog;

/// A rendered body.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rendered {
    pub html: String,
    /// Root-relative paths of the backlog's own files the body links to
    /// (copied into the site under `files/`).
    pub files: BTreeSet<String>,
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled", "aria-label"])
        .add_allowed_classes("div", ["footnote-definition"])
        .add_allowed_classes("sup", ["footnote-reference", "footnote-definition-label"])
        .add_allowed_classes("a", ["item-link", "broken-link"])
        .add_tag_attributes("a", ["title"])
        .add_tag_attributes("div", ["id"])
        .add_tag_attributes("td", ["style"])
        .add_tag_attributes("th", ["style"])
        .url_schemes(["http", "https", "mailto"].into_iter().collect());
    for h in ["h1", "h2", "h3", "h4", "h5", "h6"] {
        b.add_tag_attributes(h, ["id"]);
    }
    b.filter_style_properties(["text-align"].into_iter().collect());
    b
});

fn safe_url(dest: &str) -> bool {
    if !has_scheme(dest) {
        return true;
    }
    let lower = dest.to_ascii_lowercase();
    lower.starts_with("http:") || lower.starts_with("https:") || lower.starts_with("mailto:")
}

/// A heading's anchor: lower-case words joined by `-`.
pub fn slug(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if dash && !s.is_empty() {
                s.push('-');
            }
            dash = false;
            s.extend(c.to_lowercase());
        } else if c == '-' || c == '_' || c.is_whitespace() {
            dash = true;
        }
    }
    if s.is_empty() {
        "section".to_string()
    } else {
        s
    }
}

/// The page of an item, relative to the site root (`None` for items with
/// no page: an invalid id, or not the first item of a duplicate id).
pub fn item_url(b: &Backlog, i: usize) -> Option<String> {
    let it = &b.items[i];
    if !crate::model::is_valid_id(it.id()) || b.index.get(it.id()) != Some(&i) {
        return None;
    }
    let dir = match b.config.kind(it.kind()).map(|k| k.role) {
        Some(crate::config::Role::Sprint) => "sprints",
        Some(crate::config::Role::Document) => "docs",
        _ => "items",
    };
    Some(format!("{dir}/{}.html", it.id()))
}

/// Renders the body of item `from` (its root-relative path) for a page
/// whose way back to the site root is `prefix` (`../`).
///
/// `urls` holds the page of every item (see [`item_url`]), `None` for items
/// without a page: links to those keep their text only.
pub fn render(b: &Backlog, urls: &[Option<String>], links: &Links, from: &str, body: &str, prefix: &str) -> Rendered {
    let mut files = BTreeSet::new();
    let mut raw_html = false;
    let mut used: HashMap<String, usize> = HashMap::new();
    let mut events: Vec<Event> = Vec::new();
    // Index of the heading start event being collected, and its text.
    let mut heading: Option<(usize, String)> = None;
    // Depth of links being dropped (broken wiki links keep their text only).
    let mut dropped: Vec<bool> = Vec::new();
    for ev in Parser::new_ext(body, markdown_options()) {
        match ev {
            Event::Start(Tag::Heading { level, id, classes, attrs }) => {
                heading = Some((events.len(), String::new()));
                events.push(Event::Start(Tag::Heading { level, id, classes, attrs }));
            }
            Event::End(TagEnd::Heading(level)) => {
                if let Some((at, text)) = heading.take() {
                    if let Some(Event::Start(Tag::Heading { id, .. })) = events.get_mut(at) {
                        let base = match id.take() {
                            Some(given) => slug(&given),
                            None => slug(&text),
                        };
                        let n = used.entry(base.clone()).or_insert(0);
                        *n += 1;
                        let anchor = if *n == 1 { base } else { format!("{base}-{}", *n - 1) };
                        *id = Some(CowStr::from(anchor));
                    }
                }
                events.push(Event::End(TagEnd::Heading(level)));
                let _: HeadingLevel = level;
            }
            Event::Text(t) | Event::Code(t) if heading.is_some() => {
                if let Some((_, s)) = heading.as_mut() {
                    s.push_str(&t);
                }
                events.push(Event::Text(t));
            }
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                let wiki = matches!(link_type, LinkType::WikiLink { .. });
                let (dest, title, ok) = rewrite(b, urls, links, from, &dest_url, wiki, prefix, &mut files, title);
                dropped.push(!ok);
                if ok {
                    events.push(Event::Start(Tag::Link { link_type, dest_url: dest, title, id }));
                } else if wiki {
                    events.push(Event::Text(CowStr::from("[[")));
                }
            }
            Event::End(TagEnd::Link) => {
                let was_dropped = dropped.pop().unwrap_or(false);
                if !was_dropped {
                    events.push(Event::End(TagEnd::Link));
                } else if let Some(Event::Text(_)) = events.last() {
                    events.push(Event::Text(CowStr::from("]]")));
                }
            }
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                let dest = if !safe_url(&dest_url) {
                    CowStr::from("")
                } else {
                    match links.resolve(from, &dest_url, false) {
                        Target::File(rel) => {
                            let url = format!("{prefix}files/{rel}");
                            files.insert(rel);
                            CowStr::from(url)
                        }
                        _ => dest_url,
                    }
                };
                events.push(Event::Start(Tag::Image { link_type, dest_url: dest, title, id }));
            }
            Event::Html(_) | Event::InlineHtml(_) => {
                raw_html = true;
                events.push(ev);
            }
            other => events.push(other),
        }
    }
    label_task_markers(&mut events);
    let mut out = String::with_capacity(body.len() + body.len() / 2);
    html::push_html(&mut out, events.into_iter());
    if raw_html {
        out = SANITIZER.clean(&out).to_string();
    }
    Rendered { html: out, files }
}

#[allow(clippy::too_many_arguments)]
fn rewrite<'e>(
    b: &Backlog,
    urls: &[Option<String>],
    links: &Links,
    from: &str,
    dest: &CowStr<'e>,
    wiki: bool,
    prefix: &str,
    files: &mut BTreeSet<String>,
    title: CowStr<'e>,
) -> (CowStr<'e>, CowStr<'e>, bool) {
    if !wiki && !safe_url(dest) {
        return (CowStr::from("#"), title, true);
    }
    match links.resolve(from, dest, wiki) {
        Target::Item(i, frag) => match urls.get(i).cloned().flatten() {
            Some(url) => {
                let url = match frag {
                    Some(f) => format!("{prefix}{url}#{f}"),
                    None => format!("{prefix}{url}"),
                };
                let t = if title.is_empty() { CowStr::from(b.items[i].title.value.clone()) } else { title };
                (CowStr::from(url), t, true)
            }
            None => (CowStr::from(""), title, false),
        },
        Target::File(rel) => {
            let url = format!("{prefix}files/{rel}");
            files.insert(rel);
            (CowStr::from(url), title, true)
        }
        Target::Other => (dest.clone(), title, true),
        Target::Broken => (CowStr::from(""), title, false),
    }
}

/// A one-line message with `code` spans (diagnostics, insights) as safe
/// HTML: everything escaped, each backtick pair made a `<code>` element. A
/// lone backtick stays as text.
pub fn inline_code(text: &str) -> String {
    use crate::graph::render::svg::escape;
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let Some(len) = rest[open + 1..].find('`') else { break };
        out.push_str(&escape(&rest[..open]));
        out.push_str("<code>");
        out.push_str(&escape(&rest[open + 1..open + 1 + len]));
        out.push_str("</code>");
        rest = &rest[open + len + 2..];
    }
    out.push_str(&escape(rest));
    out
}

/// The accessible name of each task-list checkbox: the text of its list
/// item up to a nested list, so a screen reader announces "checkbox,
/// checked, <task>" instead of an unnamed checkbox. Each marker becomes the
/// `<input>` pulldown-cmark would write, with an `aria-label`. Linear: a
/// marker's scan stops where the next marker's can start.
fn label_task_markers(events: &mut [Event]) {
    for k in 0..events.len() {
        let Event::TaskListMarker(checked) = events[k] else { continue };
        let mut text = String::new();
        for ev in &events[k + 1..] {
            match ev {
                Event::Text(t) | Event::Code(t) => text.push_str(t),
                Event::SoftBreak | Event::HardBreak => text.push(' '),
                Event::Start(Tag::List(_)) | Event::End(TagEnd::Item) | Event::TaskListMarker(_) => break,
                _ => {}
            }
            if text.len() > 400 {
                break;
            }
        }
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let name = crate::graph::render::truncate(if words.is_empty() { "task" } else { &words }, 120);
        let html = format!(
            "<input disabled=\"\" type=\"checkbox\"{} aria-label=\"{}\"/>\n",
            if checked { " checked=\"\"" } else { "" },
            crate::graph::render::svg::escape(&name)
        );
        events[k] = Event::InlineHtml(CowStr::from(html));
    }
}

/// Plain text of a Markdown snippet (for summaries and the feed).
pub fn plain(body: &str, max: usize) -> String {
    let mut s = String::new();
    for ev in Parser::new_ext(body, markdown_options()) {
        match ev {
            Event::Text(t) | Event::Code(t) => s.push_str(&t),
            // Blocks end with a space, so a heading and the paragraph
            // after it do not run together.
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_),
            ) => s.push(' '),
            _ => {}
        }
        if s.len() > max * 4 {
            break;
        }
    }
    crate::graph::render::truncate(s.split_whitespace().collect::<Vec<_>>().join(" ").as_str(), max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backlog() -> Backlog {
        crate::graph::impact::tests::backlog(&[
            ("stories/a.md", "---\ntitle: A\nstatus: ready\n---\n"),
            ("stories/b.md", "---\ntitle: Bee\nstatus: ready\n---\n"),
        ])
    }

    #[test]
    fn links_between_items_and_anchors() {
        let b = backlog();
        let l = Links::new(&b);
        let urls: Vec<Option<String>> = (0..b.items.len()).map(|i| item_url(&b, i)).collect();
        let r = render(
            &b,
            &urls,
            &l,
            "stories/a.md",
            "# Hi there\n\nSee [[b]] and [it](b.md#x) and [[nope]].\n\n# Hi there\n",
            "../",
        );
        assert!(r.html.contains("<h1 id=\"hi-there\">"), "{}", r.html);
        assert!(r.html.contains("<h1 id=\"hi-there-1\">"), "{}", r.html);
        assert!(r.html.contains("href=\"../items/b.html\""), "{}", r.html);
        assert!(r.html.contains("href=\"../items/b.html#x\""), "{}", r.html);
        assert!(r.html.contains("[[nope]]"), "{}", r.html);
    }

    #[test]
    fn no_script_gets_through() {
        let b = backlog();
        let l = Links::new(&b);
        let urls: Vec<Option<String>> = (0..b.items.len()).map(|i| item_url(&b, i)).collect();
        let body = "<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)> ![i](javascript:alert(2))\n\n<a href=\"JaVaScRiPt:alert(3)\">y</a>\n\n- [x] done\n- [ ] todo\n";
        let r = render(&b, &urls, &l, "stories/a.md", body, "../");
        let h = r.html.to_lowercase();
        assert!(!h.contains("<script"), "{h}");
        assert!(!h.contains("javascript:"), "{h}");
        assert!(!h.contains("onerror"), "{h}");
        assert!(h.contains("type=\"checkbox\""), "{h}");
    }

    #[test]
    fn plain_text_keeps_blocks_apart() {
        let p = plain("# Title\nFirst line.\n\n- one\n- two\n\n| a | b |\n|---|---|\n| c | d |\n", 200);
        assert_eq!(p, "Title First line. one two a b c d");
    }

    #[test]
    fn inline_code_escapes_and_marks_spans() {
        assert_eq!(
            inline_code("unknown status `in<b>` for `a&b`"),
            "unknown status <code>in&lt;b&gt;</code> for <code>a&amp;b</code>"
        );
        assert_eq!(inline_code("a ` lone <tick>"), "a ` lone &lt;tick&gt;");
        assert_eq!(inline_code("``"), "<code></code>");
        assert_eq!(inline_code("`x` and `y"), "<code>x</code> and `y");
    }

    #[test]
    fn task_list_checkboxes_are_named_by_their_text() {
        let b = backlog();
        let l = Links::new(&b);
        let urls: Vec<Option<String>> = (0..b.items.len()).map(|i| item_url(&b, i)).collect();
        let body = "- [x] Ship *the* `api`\n- [ ] Write \"docs\"\n  - [ ] nested one\n- [ ]\n";
        for raw in ["", "<br>\n\n"] {
            let r = render(&b, &urls, &l, "stories/a.md", &format!("{raw}{body}"), "../");
            let inputs: Vec<&str> =
                r.html.split("<input").skip(1).map(|s| &s[..s.find('>').unwrap_or(s.len())]).collect();
            assert_eq!(inputs.len(), 4, "{}", r.html);
            assert!(inputs[0].contains("checked") && inputs[0].contains("aria-label=\"Ship the api\""), "{}", r.html);
            assert!(!inputs[1].contains("checked"), "{}", r.html);
            assert!(inputs[1].contains("aria-label=\"Write &quot;docs&quot;\""), "{}", r.html);
            assert!(inputs[2].contains("aria-label=\"nested one\""), "{}", r.html);
            assert!(inputs[3].contains("aria-label=\"task\""), "{}", r.html);
        }
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Acceptance criteria"), "acceptance-criteria");
        assert_eq!(slug("Ünïcode — ok?"), "ünïcode-ok");
        assert_eq!(slug("!!!"), "section");
    }
}
