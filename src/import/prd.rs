//! The `prd` reader: a product requirements document → one `prd` item,
//! features and stories that reference it.
//!
//! - **The PRD**: titled by a single first `#` heading (else the file's
//!   stem); its body is the document without that heading and without the
//!   requirements sections (overview, goals, non-goals, metrics, … as
//!   written). External id `FILE`.
//! - **Requirements sections**: headings whose text (any case) contains
//!   `requirement`, `feature`, `user stor`, `epic` or is `scope`/`in
//!   scope`, except those starting with `non` (`Non-goals`,
//!   `Non-functional requirements`) or `out of scope`. A requirements heading
//!   nested in another is a grouping only (`## Requirements` /
//!   `### Functional requirements`).
//! - **Features**: inside a requirements section, the shallowest level of
//!   the other headings (`### Export`, `### F1: Export`); paragraphs under
//!   one are its body. Deeper headings are **stories** (`#### US-1 …`)
//!   under the feature before them.
//! - **Stories** are also the top-level list items of a feature or of a
//!   requirements section (then without parent): a `**bold**` lead is the
//!   title and the rest of the item (the `As a … I want … so that …`) its
//!   body; without one, the first line is the title.
//! - **Acceptance criteria** become a `## Acceptance criteria` checklist
//!   (`- [ ]`; `[x]` kept) in the body: in a list item, the nested list items
//!   after a line `Acceptance criteria` (any case, `**`/`:` allowed), or
//!   every nested list item when there is no such line; under a heading
//!   story, its list items; and the list items under an `Acceptance
//!   criteria` heading, for the story or feature it follows.
//! - Every feature and story has `references: [the PRD]`; stories in a
//!   feature have it as parent.
//! - External ids: `FILE#feature-slug` for features (the heading's slug),
//!   `FILE#feature-slug/N` for the Nth story of a feature (`FILE#N` outside
//!   one), `FILE#LLINE` for a heading story or a clash.

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::markdown::{dedent, heading_level, Lines};
use super::{ImportError, Location, Problem, Record, Source};

/// Reads a PRD Markdown file.
pub fn read(source: &Path) -> Result<Source, ImportError> {
    let text = super::read_text(source)?;
    let name = source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "prd.md".into());
    Ok(parse(&text, &name))
}

struct Heading {
    level: usize,
    text: String,
    line: usize,
    /// Byte offset of the heading's start.
    start: usize,
}

/// A top-level block (not a heading): its range, the heading it is under,
/// and for a list its items' ranges.
struct Block {
    range: Range<usize>,
    items: Vec<Range<usize>>,
    para: bool,
}

/// `Functional Requirements:` → `functional requirements`.
fn norm(s: &str) -> String {
    let s: String = s.chars().map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { ' ' }).collect();
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a heading opens a requirements section.
fn is_requirements(text: &str) -> bool {
    let n = norm(text);
    if n.starts_with("non") || n.starts_with("out of scope") {
        return false;
    }
    n.contains("requirement")
        || n.contains("feature")
        || n.contains("user stor")
        || n.contains("epic")
        || n == "scope"
        || n == "in scope"
}

/// Whether a heading or line names acceptance criteria.
fn is_criteria(text: &str) -> bool {
    let n = norm(text);
    n == "acceptance criteria" || n == "acceptance criterion" || n == "ac" || n == "acceptance tests"
}

/// Parses a PRD; `name` (the file name) is the PRD's external id.
pub fn parse(text: &str, name: &str) -> Source {
    let lines = Lines::new(text);
    let mut headings: Vec<Heading> = Vec::new();
    let mut blocks: Vec<Block> = Vec::new();
    let mut depth = 0usize;
    let mut in_heading: Option<Heading> = None;
    for (ev, range) in
        Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS)
            .into_offset_iter()
    {
        match ev {
            Event::Start(Tag::Heading { level, .. }) if depth == 0 => {
                in_heading = Some(Heading {
                    level: heading_level(level),
                    text: String::new(),
                    line: lines.line(range.start),
                    start: range.start,
                });
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(mut h) = in_heading.take() {
                    h.text = h.text.trim().to_string();
                    headings.push(h);
                }
            }
            Event::Start(Tag::List(_)) => {
                if depth == 0 {
                    blocks.push(Block { range: range.clone(), items: Vec::new(), para: false });
                }
                depth += 1;
            }
            Event::End(TagEnd::List(_)) => depth = depth.saturating_sub(1),
            Event::Start(Tag::Item) if depth == 1 => {
                if let Some(b) = blocks.last_mut() {
                    b.items.push(range.clone());
                }
            }
            Event::Start(Tag::Paragraph | Tag::CodeBlock(_) | Tag::BlockQuote(_) | Tag::Table(_) | Tag::HtmlBlock)
                if depth == 0 && in_heading.is_none() =>
            {
                blocks.push(Block { range, items: Vec::new(), para: true });
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = &mut in_heading {
                    h.text.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(h) = &mut in_heading {
                    h.text.push(' ');
                }
            }
            _ => {}
        }
    }
    build(text, name, &lines, &headings, &blocks)
}

/// Where each heading's section ends (the next heading of its level or
/// shallower, else the end).
fn section_ends(text: &str, headings: &[Heading]) -> Vec<usize> {
    let mut ends = vec![text.len(); headings.len()];
    let mut stack: Vec<usize> = Vec::new();
    for (i, h) in headings.iter().enumerate() {
        while let Some(&j) = stack.last() {
            if headings[j].level >= h.level {
                ends[j] = h.start;
                stack.pop();
            } else {
                break;
            }
        }
        stack.push(i);
    }
    ends
}

/// What a heading is.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    /// Outside the requirements: the PRD's body.
    Prd,
    /// A requirements section or a grouping inside one.
    Group,
    Feature,
    Story,
    Criteria,
}

/// A story or feature being built.
struct Out {
    record: Record,
    criteria: Vec<String>,
}

impl Out {
    fn finish(mut self) -> Record {
        if !self.criteria.is_empty() {
            let body = self.record.body.trim_end();
            let mut b = String::new();
            if !body.is_empty() {
                b.push_str(body);
                b.push_str("\n\n");
            }
            b.push_str("## Acceptance criteria\n\n");
            b.push_str(&self.criteria.join("\n"));
            self.record.body = b;
        }
        self.record
    }
}

/// A list line's marker (`-`, `*`, `+`, `1.`, `1)`) and its length with the
/// following space, or `None` for a line that is not a list item.
fn marker(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    if b.len() >= 2 && matches!(b[0], b'-' | b'*' | b'+') && b[1] == b' ' {
        return Some(2);
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && digits < 10 && matches!(b.get(digits), Some(b'.' | b')')) && b.get(digits + 1) == Some(&b' ') {
        return Some(digits + 2);
    }
    None
}

/// A criterion's text → a checklist line (`[x]` kept).
fn check_line(text: &str) -> String {
    let t = text.trim();
    let (done, t) = if let Some(r) = t.strip_prefix("[x]").or_else(|| t.strip_prefix("[X]")) {
        (true, r)
    } else {
        (false, t.strip_prefix("[ ]").unwrap_or(t))
    };
    format!("- [{}] {}", if done { "x" } else { " " }, t.trim())
}

/// A list item's source → (title, body, criteria).
fn split_item(raw: &str) -> (String, String, Vec<String>) {
    let first_indent = raw.len() - raw.trim_start().len();
    let raw = &raw[first_indent..];
    let skip = marker(raw).unwrap_or(0);
    let content = dedent(&raw[skip..]);
    let content = content.trim_start();
    let content = content
        .strip_prefix("[ ] ")
        .or_else(|| content.strip_prefix("[x] "))
        .or_else(|| content.strip_prefix("[X] "))
        .unwrap_or(content);
    // The first paragraph: up to a blank line, a list item or a criteria line.
    let para_end = content
        .match_indices('\n')
        .map(|(i, _)| i)
        .find(|&i| {
            let next = content[i + 1..].lines().next().unwrap_or("").trim();
            next.is_empty() || marker(next).is_some() || is_criteria(next)
        })
        .unwrap_or(content.len());
    let first = content[..para_end].split_whitespace().collect::<Vec<_>>().join(" ");
    let first = first.as_str();
    let rest = content.get(para_end + 1..).unwrap_or("");
    let (title, lead_rest) = match first.strip_prefix("**").and_then(|r| r.split_once("**")) {
        Some((lead, after)) if !lead.trim().is_empty() => {
            let after = after.trim_start_matches([' ', '\t']);
            let after = after.strip_prefix(['-', '–', '—', ':']).unwrap_or(after);
            (lead.trim().trim_end_matches(':').trim().to_string(), after.trim().to_string())
        }
        _ => (first.trim().to_string(), String::new()),
    };
    // The rest: body lines and nested list items (criteria).
    let rest_lines: Vec<&str> = rest.lines().collect();
    let marker_at = rest_lines.iter().position(|l| {
        let t = l.trim();
        let t = marker(t).map_or(t, |m| &t[m..]);
        is_criteria(t)
    });
    let from = marker_at.map_or(0, |i| i + 1);
    let indent_of = |l: &str| l.len() - l.trim_start().len();
    // The shallowest list indentation after the marker.
    let list_indent = rest_lines[from.min(rest_lines.len())..]
        .iter()
        .filter(|l| marker(l.trim_start()).is_some())
        .map(|l| indent_of(l))
        .min();
    let mut body: Vec<String> = Vec::new();
    if !lead_rest.is_empty() {
        body.push(lead_rest);
    }
    let mut criteria: Vec<String> = Vec::new();
    let mut in_criteria = false;
    for (i, l) in rest_lines.iter().enumerate() {
        if Some(i) == marker_at {
            in_criteria = false;
            continue;
        }
        let t = l.trim_start();
        if i >= from && list_indent == Some(indent_of(l)) {
            if let Some(m) = marker(t) {
                criteria.push(check_line(&t[m..]));
                in_criteria = true;
                continue;
            }
        }
        if in_criteria && !t.is_empty() && list_indent.is_some_and(|li| indent_of(l) > li) {
            if marker(t).is_some() {
                // A criterion's own sublist stays with it, flattened.
                if let Some(c) = criteria.last_mut() {
                    c.push_str("; ");
                    c.push_str(t[marker(t).unwrap_or(0)..].trim());
                }
            } else if let Some(c) = criteria.last_mut() {
                c.push(' ');
                c.push_str(t.trim());
            }
            continue;
        }
        in_criteria = false;
        body.push((*l).to_string());
    }
    let body = body.join("\n").trim().to_string();
    (title, body, criteria)
}

/// Records from the parsed document.
fn build(text: &str, name: &str, lines: &Lines, headings: &[Heading], blocks: &[Block]) -> Source {
    let mut src = Source::default();
    let ends = section_ends(text, headings);
    let top = headings.iter().map(|h| h.level).min().unwrap_or(1);
    let title_heading = headings.first().is_some_and(|h| h.level == top && h.level == 1)
        && headings.iter().filter(|h| h.level == top).count() == 1;
    let title = if title_heading {
        headings[0].text.clone()
    } else {
        Path::new(name).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| name.to_string())
    };
    // Roles: requirements sections, then features and stories inside them.
    let mut roles = vec![Role::Prd; headings.len()];
    let mut i = usize::from(title_heading);
    while i < headings.len() {
        if !is_requirements(&headings[i].text) {
            i += 1;
            continue;
        }
        roles[i] = Role::Group;
        let end = ends[i];
        let inside: Vec<usize> = (i + 1..headings.len()).take_while(|&j| headings[j].start < end).collect();
        let feature_level = inside
            .iter()
            .filter(|&&j| !is_requirements(&headings[j].text) && !is_criteria(&headings[j].text))
            .map(|&j| headings[j].level)
            .min();
        for &j in &inside {
            let h = &headings[j];
            roles[j] = if is_criteria(&h.text) {
                Role::Criteria
            } else if is_requirements(&h.text) && feature_level.is_none_or(|l| h.level < l) {
                Role::Group
            } else if Some(h.level) == feature_level {
                Role::Feature
            } else {
                Role::Story
            };
        }
        i = inside.last().map_or(i + 1, |&j| j + 1);
    }
    // The PRD's body: the document less its title line and requirements sections.
    let mut body = String::new();
    let mut at = match headings.first().filter(|_| title_heading) {
        Some(h) => text[h.start..].find('\n').map_or(text.len(), |n| h.start + n + 1),
        None => 0,
    };
    for (j, h) in headings.iter().enumerate() {
        if roles[j] == Role::Group && h.start >= at {
            body.push_str(&text[at..h.start]);
            at = ends[j];
        }
    }
    body.push_str(&text[at.min(text.len())..]);
    let prd_id = name.to_string();
    src.records.push(Record {
        at: Location::Line(if title_heading { headings[0].line } else { 1 }),
        external_id: prd_id.clone(),
        kind: "prd".into(),
        title,
        body: body.trim().to_string(),
        ..Record::default()
    });
    let mut w = Walker {
        text,
        name,
        lines,
        headings,
        roles: &roles,
        blocks,
        references: vec![("references".to_string(), prd_id.clone())],
        used: HashSet::from([prd_id]),
        outs: Vec::new(),
        problems: Vec::new(),
        feature: None,
        loose: 0,
        last: None,
        current: None,
        heading_out: None,
        next_block: 0,
    };
    for (j, h) in headings.iter().enumerate() {
        w.blocks_before(h.start);
        w.heading(j);
    }
    w.blocks_before(text.len());
    src.problems.extend(w.problems);
    src.records.extend(w.outs.into_iter().map(Out::finish));
    src
}

/// The walk through headings and blocks in document order.
struct Walker<'a> {
    text: &'a str,
    name: &'a str,
    lines: &'a Lines,
    headings: &'a [Heading],
    roles: &'a [Role],
    blocks: &'a [Block],
    /// `references: [the PRD]`.
    references: Vec<(String, String)>,
    used: HashSet<String>,
    outs: Vec<Out>,
    problems: Vec<Problem>,
    /// The current feature: its external id and how many story items it has.
    feature: Option<(String, usize)>,
    /// Story items outside features so far.
    loose: usize,
    /// The item an `Acceptance criteria` heading's list goes to.
    last: Option<usize>,
    /// The heading the blocks are under, and its item (feature or story).
    current: Option<usize>,
    heading_out: Option<usize>,
    next_block: usize,
}

impl Walker<'_> {
    /// `id`, or `FILE#LLINE` when `id` is taken.
    fn unique(&mut self, id: String, line: usize) -> String {
        if self.used.insert(id.clone()) {
            return id;
        }
        let alt = format!("{}#L{line}", self.name);
        self.used.insert(alt.clone());
        alt
    }

    /// A list's items as checklist lines.
    fn criteria(&self, b: &Block) -> Vec<String> {
        b.items
            .iter()
            .map(|it| {
                let (t, more, _) = split_item(&self.text[it.clone()]);
                check_line(&if more.is_empty() { t } else { format!("{t} {more}") })
            })
            .collect()
    }

    /// The blocks that start before `upto`.
    fn blocks_before(&mut self, upto: usize) {
        while let Some(b) = self.blocks.get(self.next_block).filter(|b| b.range.start < upto) {
            self.next_block += 1;
            let role = self.current.map_or(Role::Prd, |h| self.roles[h]);
            match role {
                Role::Prd => {}
                Role::Criteria => {
                    let c = self.criteria(b);
                    if let Some(o) = self.last.and_then(|k| self.outs.get_mut(k)) {
                        o.criteria.extend(c);
                    }
                }
                Role::Story => {
                    let c = self.criteria(b);
                    if let Some(o) = self.heading_out.and_then(|k| self.outs.get_mut(k)) {
                        if b.para {
                            push_para(&mut o.record.body, self.text[b.range.clone()].trim_end());
                        }
                        o.criteria.extend(c);
                    }
                }
                Role::Feature | Role::Group if b.para => {
                    if let Some(o) = self.heading_out.and_then(|k| self.outs.get_mut(k)) {
                        push_para(&mut o.record.body, self.text[b.range.clone()].trim_end());
                    }
                }
                Role::Feature | Role::Group => {
                    for it in &b.items {
                        self.story_item(it.clone(), role == Role::Feature);
                    }
                }
            }
        }
    }

    /// A list item of a feature (or a requirements section): a story.
    fn story_item(&mut self, range: Range<usize>, in_feature: bool) {
        let line = self.lines.line(range.start);
        let (title, body, criteria) = split_item(&self.text[range]);
        if title.is_empty() {
            self.problems.push(Problem { at: Location::Line(line), message: "a list item without text".into() });
            return;
        }
        let (id, parent) = match self.feature.as_mut().filter(|_| in_feature) {
            Some((fid, n)) => {
                *n += 1;
                (format!("{fid}/{n}"), Some(fid.clone()))
            }
            None => {
                self.loose += 1;
                (format!("{}#{}", self.name, self.loose), None)
            }
        };
        let external_id = self.unique(id, line);
        self.outs.push(Out {
            record: Record {
                at: Location::Line(line),
                external_id,
                kind: "story".into(),
                title,
                parent,
                relations: self.references.clone(),
                body,
                ..Record::default()
            },
            criteria,
        });
        self.last = Some(self.outs.len() - 1);
    }

    /// Heading `j` starts.
    fn heading(&mut self, j: usize) {
        self.current = Some(j);
        let h = &self.headings[j];
        match self.roles[j] {
            Role::Prd | Role::Group => {
                self.feature = None;
                self.heading_out = None;
            }
            Role::Criteria => self.last = self.heading_out,
            role @ (Role::Feature | Role::Story) => {
                let is_feature = role == Role::Feature;
                let id = if is_feature {
                    format!("{}#{}", self.name, crate::edit::slugify(&h.text))
                } else {
                    format!("{}#L{}", self.name, h.line)
                };
                let id = self.unique(id, h.line);
                let parent = if is_feature { None } else { self.feature.as_ref().map(|f| f.0.clone()) };
                self.outs.push(Out {
                    record: Record {
                        at: Location::Line(h.line),
                        external_id: id.clone(),
                        kind: if is_feature { "feature" } else { "story" }.into(),
                        title: h.text.clone(),
                        parent,
                        relations: self.references.clone(),
                        ..Record::default()
                    },
                    criteria: Vec::new(),
                });
                self.heading_out = Some(self.outs.len() - 1);
                self.last = self.heading_out;
                if is_feature {
                    self.feature = Some((id, 0));
                }
            }
        }
    }
}

fn push_para(body: &mut String, p: &str) {
    if !body.is_empty() {
        body.push_str("\n\n");
    }
    body.push_str(p);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_stories_loose_items_and_excluded_sections() {
        let md = "Intro line.\n\n## User stories\n\n- As a user, I want X\n  - crit one\n  - [x] crit two\n\n## Features\n\n### Search\n\nFind things.\n\n#### US-1 Quick search\n\nAs a user I want results fast.\n\n- under 100 ms\n\n##### Acceptance criteria\n\n- typo tolerant\n\n## Non-functional requirements\n\n- 99.9% uptime\n";
        let s = parse(md, "p.md");
        assert!(s.problems.is_empty());
        let got: Vec<(&str, &str, Option<&str>)> =
            s.records.iter().map(|r| (r.kind.as_str(), r.title.as_str(), r.parent.as_deref())).collect();
        assert_eq!(
            got,
            vec![
                ("prd", "p", None),
                ("story", "As a user, I want X", None),
                ("feature", "Search", None),
                ("story", "US-1 Quick search", Some("p.md#search")),
            ]
        );
        assert_eq!(s.records[0].body, "Intro line.\n\n## Non-functional requirements\n\n- 99.9% uptime");
        assert_eq!(s.records[1].body, "## Acceptance criteria\n\n- [ ] crit one\n- [x] crit two");
        assert_eq!(s.records[1].external_id, "p.md#1");
        assert_eq!(s.records[2].body, "Find things.");
        assert_eq!(
            s.records[3].body,
            "As a user I want results fast.\n\n## Acceptance criteria\n\n- [ ] under 100 ms\n- [ ] typo tolerant"
        );
        assert!(s.records[1..].iter().all(|r| r.relations == [("references".to_string(), "p.md".to_string())]));
    }
}
