//! The `markdown` reader: an outline, such as the seeds' strategic backlog.
//!
//! - Headings are items by depth: the levels the document uses, shallowest
//!   first (one level: epics; two: initiatives and epics; three or more:
//!   initiatives, epics, features), so that list items sit under a kind a
//!   story may have as parent. A
//!   single first heading of the shallowest level (`# Project Backlog`) is
//!   the document's title, not an item.
//! - `Priority N: Name` headings are titled `Name` with priority N (1
//!   highest, 2 high, 3 medium, 4 low, 5 and more lowest), which every item
//!   under them inherits.
//! - Each item of a top-level list (numbered or not) is a story under the
//!   heading it follows: a `**bold**` lead is its title and the rest (after
//!   ` - `, `:` or a dash) its body; without one, the first line is the
//!   title and the rest the body. Nested lists stay in the body.
//! - Paragraphs right under a heading are its item's body.
//! - External ids: `FILE#anchor` for headings (the slug of the heading),
//!   `FILE#N` for an item numbered N (the first item with that number),
//!   `FILE#LLINE` otherwise.

use std::collections::HashSet;
use std::path::Path;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde_json::Value;

use super::{ImportError, Location, Record, Source};

/// Reads a Markdown outline file.
pub fn read(source: &Path) -> Result<Source, ImportError> {
    let text = super::read_text(source)?;
    let name = source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "outline".into());
    Ok(parse(&text, &name))
}

/// Byte offset → 1-based line.
pub(crate) struct Lines(Vec<usize>);

impl Lines {
    pub(crate) fn new(text: &str) -> Lines {
        Lines(std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect())
    }

    pub(crate) fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&s| s <= offset)
    }
}

/// A heading: level, text, line, byte range.
struct Heading {
    level: usize,
    text: String,
    line: usize,
}

/// A top-level list item: its source range, the bold lead (text and where
/// it ends) when the item starts with one, its number in an ordered list.
struct ListItem {
    range: std::ops::Range<usize>,
    lead: Option<(String, usize)>,
    number: Option<u64>,
    /// The heading it follows (index into the headings).
    under: Option<usize>,
}

/// The priority of `Priority N: Name`, and `Name`.
fn priority_heading(text: &str) -> Option<(&'static str, String)> {
    let rest = text.trim().strip_prefix("Priority")?.trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let n: u64 = digits.parse().ok()?;
    let name = rest[digits.len()..].trim_start_matches([' ', ':', '-', '–', '—', '.']).trim().to_string();
    let p = match n {
        0 | 1 => "highest",
        2 => "high",
        3 => "medium",
        4 => "low",
        _ => "lowest",
    };
    Some((p, if name.is_empty() { text.trim().to_string() } else { name }))
}

/// Removes the common indentation of the lines after the first.
pub(crate) fn dedent(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let indent = lines
        .iter()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(l.get(indent..).unwrap_or(l.trim_start()));
        } else {
            out.push_str(l);
        }
    }
    out.trim().to_string()
}

/// Parses an outline; `name` (the file name) prefixes external ids.
pub fn parse(text: &str, name: &str) -> Source {
    let lines = Lines::new(text);
    let mut headings: Vec<Heading> = Vec::new();
    let mut bodies: Vec<String> = Vec::new();
    let mut items: Vec<ListItem> = Vec::new();
    let mut list_depth = 0usize;
    let mut numbers: Vec<Option<u64>> = Vec::new();
    let mut in_heading: Option<(usize, String, usize)> = None;
    // In the current top-level item: whether its first strong is still to come, text seen before it.
    let mut lead_state: Option<(bool, String)> = None;
    let mut strong: Option<String> = None;
    for (ev, range) in
        Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS)
            .into_offset_iter()
    {
        match ev {
            Event::Start(Tag::Heading { level, .. }) if list_depth == 0 => {
                in_heading = Some((heading_level(level), String::new(), lines.line(range.start)));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text, line)) = in_heading.take() {
                    headings.push(Heading { level, text: text.trim().to_string(), line });
                    bodies.push(String::new());
                }
            }
            Event::Start(Tag::Paragraph) | Event::Start(Tag::CodeBlock(_)) | Event::Start(Tag::BlockQuote(_))
                if list_depth == 0 && in_heading.is_none() =>
            {
                if let Some(b) = bodies.last_mut() {
                    if !b.is_empty() {
                        b.push_str("\n\n");
                    }
                    b.push_str(text[range.clone()].trim_end());
                }
            }
            Event::Start(Tag::List(first)) => {
                list_depth += 1;
                numbers.push(first);
            }
            Event::End(TagEnd::List(_)) => {
                list_depth = list_depth.saturating_sub(1);
                numbers.pop();
            }
            Event::Start(Tag::Item) if list_depth == 1 => {
                let number = numbers.last_mut().and_then(|n| {
                    let now = *n;
                    *n = n.map(|v| v + 1);
                    now
                });
                items.push(ListItem { range: range.clone(), lead: None, number, under: headings.len().checked_sub(1) });
                lead_state = Some((true, String::new()));
            }
            Event::End(TagEnd::Item) if list_depth == 1 => lead_state = None,
            Event::Start(Tag::Strong) if list_depth == 1 => {
                if matches!(&lead_state, Some((true, before)) if before.trim().is_empty()) {
                    strong = Some(String::new());
                }
                if let Some(s) = &mut lead_state {
                    s.0 = false;
                }
            }
            Event::End(TagEnd::Strong) => {
                if let (Some(s), Some(it)) = (strong.take(), items.last_mut()) {
                    it.lead = Some((s.trim().to_string(), range.end));
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, h, _)) = &mut in_heading {
                    h.push_str(&t);
                } else if let Some(s) = &mut strong {
                    s.push_str(&t);
                } else if let Some((true, before)) = &mut lead_state {
                    before.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((_, h, _)) = &mut in_heading {
                    h.push(' ');
                } else if let Some(s) = &mut strong {
                    s.push(' ');
                }
            }
            _ => {}
        }
    }
    build(text, name, &lines, &headings, &bodies, &items)
}

pub(crate) fn heading_level(l: HeadingLevel) -> usize {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Records from the parsed outline.
fn build(text: &str, name: &str, lines: &Lines, headings: &[Heading], bodies: &[String], items: &[ListItem]) -> Source {
    let mut src = Source::default();
    // The document title: a single first heading of the shallowest level.
    let top = headings.iter().map(|h| h.level).min().unwrap_or(1);
    let title_heading = (headings.first().is_some_and(|h| h.level == top)
        && headings.iter().filter(|h| h.level == top).count() == 1
        && headings.len() > 1)
        .then_some(0);
    let mut levels: Vec<usize> =
        headings.iter().enumerate().filter(|(i, _)| Some(*i) != title_heading).map(|(_, h)| h.level).collect();
    levels.sort_unstable();
    levels.dedup();
    const CHAIN: [&str; 3] = ["initiative", "epic", "feature"];
    let kind_of = |level: usize| -> &'static str {
        let pos = levels.iter().position(|&l| l == level).unwrap_or(0);
        let skip = usize::from(levels.len() == 1);
        CHAIN[(skip + pos).min(CHAIN.len() - 1)]
    };
    // Per heading: its external id, its item's parent heading, its priority.
    let mut ext: Vec<String> = Vec::with_capacity(headings.len());
    let mut prio: Vec<Option<&'static str>> = Vec::with_capacity(headings.len());
    let mut stack: Vec<usize> = Vec::new();
    let mut used: HashSet<String> = HashSet::new();
    for (i, h) in headings.iter().enumerate() {
        while stack.last().is_some_and(|&j| headings[j].level >= h.level) {
            stack.pop();
        }
        let parent = stack.last().copied();
        let (p, title) = match priority_heading(&h.text) {
            Some((p, t)) => (Some(p), t),
            None => (parent.and_then(|j| prio[j]), h.text.clone()),
        };
        let mut id = format!("{name}#{}", crate::edit::slugify(&h.text));
        if !used.insert(id.clone()) {
            id = format!("{name}#L{}", h.line);
            used.insert(id.clone());
        }
        ext.push(id.clone());
        prio.push(p);
        stack.push(i);
        if Some(i) == title_heading {
            continue;
        }
        let mut fields = std::collections::BTreeMap::new();
        if let Some(p) = p {
            fields.insert("priority".to_string(), Value::from(p));
        }
        src.records.push(Record {
            at: Location::Line(h.line),
            external_id: id,
            kind: kind_of(h.level).into(),
            title,
            status: None,
            parent: parent.filter(|&j| Some(j) != title_heading).map(|j| ext[j].clone()),
            relations: Vec::new(),
            fields,
            body: bodies[i].clone(),
        });
    }
    for it in items {
        let line = lines.line(it.range.start);
        let raw = &text[it.range.clone()];
        // The item's text after its marker (`1.`, `-`, `*`, `+`).
        let after_marker = |s: &str| -> usize {
            let t = s.trim_start();
            let lead = s.len() - t.len();
            let m =
                t.find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ')' | '-' | '*' | '+'))).unwrap_or(t.len());
            lead + m
        };
        let (title, body) = match &it.lead {
            Some((lead, end)) if !lead.is_empty() => {
                let rest = text.get(*end..it.range.end).unwrap_or("");
                let rest = rest.trim_start_matches([' ', '\t']);
                let rest = rest.strip_prefix(['-', '–', '—', ':']).unwrap_or(rest);
                (lead.clone(), dedent(rest.trim_start_matches([' ', '\t'])))
            }
            _ => {
                let start = after_marker(raw);
                let content = raw[start..].trim_start();
                let (first, rest) = content.split_once('\n').unwrap_or((content, ""));
                (first.trim().to_string(), dedent(rest))
            }
        };
        let mut id = match it.number {
            Some(n) => format!("{name}#{n}"),
            None => format!("{name}#L{line}"),
        };
        if !used.insert(id.clone()) {
            id = format!("{name}#L{line}");
            used.insert(id.clone());
        }
        let under = it.under.filter(|&j| Some(j) != title_heading);
        let mut fields = std::collections::BTreeMap::new();
        if let Some(p) = it.under.and_then(|j| prio[j]) {
            fields.insert("priority".to_string(), Value::from(p));
        }
        if title.is_empty() {
            src.problems.push(super::Problem { at: Location::Line(line), message: "a list item without text".into() });
            continue;
        }
        src.records.push(Record {
            at: Location::Line(line),
            external_id: id,
            kind: "story".into(),
            title,
            status: None,
            parent: under.map(|j| ext[j].clone()),
            relations: Vec::new(),
            fields,
            body,
        });
    }
    src.records.sort_by(|a, b| a.at.cmp(&b.at));
    src
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outline_becomes_initiatives_epics_and_stories() {
        let md = "# Backlog\n\n## Priority 2: Data\n\nWhy data.\n\n### Quality\n1. **Validate rows** - Check every row\n   - nested stays\n2. Plain title\n   second line\n";
        let s = parse(md, "b.md");
        assert!(s.problems.is_empty());
        let got: Vec<(&str, &str, Option<&str>)> =
            s.records.iter().map(|r| (r.kind.as_str(), r.title.as_str(), r.parent.as_deref())).collect();
        assert_eq!(
            got,
            vec![
                ("initiative", "Data", None),
                ("epic", "Quality", Some("b.md#priority-2-data")),
                ("story", "Validate rows", Some("b.md#quality")),
                ("story", "Plain title", Some("b.md#quality")),
            ]
        );
        assert_eq!(s.records[0].body, "Why data.");
        assert_eq!(s.records[2].body, "Check every row\n- nested stays");
        assert_eq!(s.records[2].external_id, "b.md#1");
        assert_eq!(s.records[3].body, "second line");
        assert!(s.records.iter().all(|r| r.fields.get("priority") == Some(&Value::from("high"))));
        assert_eq!(s.records[2].at, Location::Line(8));
    }
}
