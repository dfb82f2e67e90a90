//! The roadmap: the schedule as a timeline — every open work item with its
//! early start and finish, slack, due date and whether it is critical,
//! grouped as the hierarchy groups it (initiative › epic › feature › …),
//! with the sprints as bands. Drawn as a Gantt chart (SVG,
//! [`super::render::gantt`]), written as Mermaid `gantt` (which GitHub
//! renders) and as iCalendar (due dates, sprints and milestones for
//! calendar apps), or as JSON.

use chrono::NaiveDate;
use serde::Serialize;

use super::schedule::{Schedule, EPSILON};
use super::{EdgeType, Graph};
use crate::config::Role;
use crate::load::Backlog;

/// One row of the roadmap: an open work item (or an ancestor that groups
/// some), in hierarchy order.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Row {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub status: Option<String>,
    /// Depth in the hierarchy shown (0: a top-level item).
    pub depth: usize,
    /// Early start (first day of work) and finish (last day of work).
    pub start: Option<NaiveDate>,
    pub finish: Option<NaiveDate>,
    /// The day after which it would delay something: its late finish.
    pub late_finish: Option<NaiveDate>,
    pub slack_days: Option<f64>,
    pub critical: bool,
    /// A milestone: an item of a kind named `milestone`, or a leaf written
    /// with `duration: 0`. (A leaf without an estimate takes no time in the
    /// schedule too, but is work nobody sized, not a milestone.)
    pub milestone: bool,
    /// Whether it has children on the roadmap (a summary bar).
    pub summary: bool,
    pub due: Option<NaiveDate>,
    /// Due before its early finish, or due before today and not done.
    pub overdue: bool,
    /// The rows it depends on (ids of other rows).
    pub depends_on: Vec<String>,
    /// The item is not scheduled (done, or in a cycle): a grouping row.
    pub scheduled: bool,
}

/// A sprint as a band across the chart.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Band {
    pub id: String,
    pub title: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Roadmap {
    /// The project start (day 0), when known: without it there are no dates.
    pub start: Option<NaiveDate>,
    /// The project end: the latest early finish.
    pub end: Option<NaiveDate>,
    pub today: Option<NaiveDate>,
    pub rows: Vec<Row>,
    pub sprints: Vec<Band>,
}

/// Builds the roadmap of the whole backlog, or of `root`'s subtree.
pub fn build(b: &Backlog, g: &Graph, s: &Schedule, root: Option<usize>, today: Option<NaiveDate>) -> Roadmap {
    let order = order(b, g, s, root);
    let mut shown = vec![false; b.items.len()];
    for p in &order {
        shown[p.item] = true;
    }
    let rows = order.iter().map(|p| row(b, g, s, p, today, |d| shown[d])).collect();
    with_rows(b, s, today, rows)
}

/// A row's place in the roadmap, before its row is made.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Place {
    pub item: usize,
    pub depth: usize,
    /// Whether it has children on the roadmap.
    pub summary: bool,
}

/// The rows of [`build`] as places: which items, in which order, at which
/// depth — without making a row (strings, dates) per item, for a caller
/// that draws only some of them ([`row`] makes those).
pub fn order(b: &Backlog, g: &Graph, s: &Schedule, root: Option<usize>) -> Vec<Place> {
    let n = b.items.len();
    let canonical = |i: usize| b.index.get(b.items[i].id()) == Some(&i);
    // Items to show: scheduled ones, and their ancestors (grouping rows).
    let mut show = vec![false; n];
    for i in (0..n).filter(|&i| canonical(i) && s.get(i).is_some()) {
        if show[i] {
            continue;
        }
        show[i] = true;
        // Up the parents until one already shown: each item is marked once,
        // so a deep hierarchy stays linear (`ancestors` would walk the whole
        // chain from every item) and a parent cycle ends at its first repeat.
        let mut cur = i;
        while let Some(p) = g.parent(cur).filter(|&p| !show[p]) {
            show[p] = true;
            cur = p;
        }
    }
    if let Some(r) = root {
        // Only the subtree of `root` (and its ancestors as context).
        let mut inside = vec![false; n];
        let mut stack = vec![r];
        while let Some(x) = stack.pop() {
            if std::mem::replace(&mut inside[x], true) {
                continue;
            }
            stack.extend(g.children(x));
        }
        for a in g.ancestors(r) {
            inside[a] = true;
        }
        for i in 0..n {
            show[i] &= inside[i];
        }
        show[r] = true;
    }
    // Compared without making a string per comparison.
    let key = |i: usize| (s.get(i).map_or(f64::MAX, |t| t.es), b.items[i].id());
    let sort =
        |v: &mut Vec<usize>| v.sort_by(|&x, &y| key(x).partial_cmp(&key(y)).unwrap_or(std::cmp::Ordering::Equal));
    let mut roots: Vec<usize> = (0..n).filter(|&i| show[i] && g.parent(i).is_none_or(|p| !show[p])).collect();
    sort(&mut roots);
    let mut places = Vec::new();
    // Depth-first, children by early start then id; an explicit stack (no
    // recursion: hierarchies may be deep), each node once.
    let mut stack: Vec<(usize, usize)> = roots.into_iter().rev().map(|r| (r, 0)).collect();
    let mut seen = vec![false; n];
    while let Some((i, depth)) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        let mut kids: Vec<usize> = g.children(i).into_iter().filter(|&c| show[c] && !seen[c]).collect();
        sort(&mut kids);
        places.push(Place { item: i, depth, summary: !kids.is_empty() });
        stack.extend(kids.into_iter().rev().map(|c| (c, depth + 1)));
    }
    places
}

/// The roadmap of `rows` (made by [`row`]): its span and the sprints' bands.
pub fn with_rows(b: &Backlog, s: &Schedule, today: Option<NaiveDate>, rows: Vec<Row>) -> Roadmap {
    let mut sprints: Vec<Band> = b
        .items
        .iter()
        .filter(|it| b.config.kind(it.kind()).is_some_and(|k| k.role == Role::Sprint))
        .filter_map(|it| {
            let (start, end) = (it.start.as_ref()?.value, it.end.as_ref()?.value);
            (start <= end).then(|| Band { id: it.id().to_string(), title: it.title.value.clone(), start, end })
        })
        .collect();
    sprints.sort_by(|a, c| (a.start, &a.id).cmp(&(c.start, &c.id)));
    Roadmap { start: s.start, end: s.finish_date(0.0, s.end), today, rows, sprints }
}

/// The row of a place; its dependencies are those of the item's
/// `depends_on` targets that `shown` (sorted, each once).
pub fn row(
    b: &Backlog,
    g: &Graph,
    s: &Schedule,
    p: &Place,
    today: Option<NaiveDate>,
    shown: impl Fn(usize) -> bool,
) -> Row {
    let Place { item: i, depth, summary } = *p;
    let it = &b.items[i];
    let mut depends_on: Vec<String> =
        g.targets(i, &EdgeType::DependsOn).filter(|&d| shown(d)).map(|d| b.items[d].id().to_string()).collect();
    depends_on.sort();
    depends_on.dedup();
    let t = s.get(i);
    let start = t.and_then(|t| s.date(t.es));
    let finish = t.and_then(|t| s.finish_date(t.es, t.ef));
    let late_finish = t.and_then(|t| s.finish_date(t.ls, t.lf));
    let due = it.due.as_ref().map(|d| d.value);
    let done = it
        .status
        .as_ref()
        .and_then(|st| b.config.category(it.kind(), &st.value))
        .is_some_and(|c| c == crate::config::Category::Done);
    let overdue = match (due, finish) {
        (Some(d), Some(f)) if f > d => true,
        (Some(d), _) => !done && today.is_some_and(|t| d < t),
        _ => false,
    };
    Row {
        id: it.id().to_string(),
        title: it.title.value.clone(),
        kind: it.kind().to_string(),
        status: it.status.as_ref().map(|s| s.value.clone()),
        depth,
        start,
        finish,
        late_finish,
        slack_days: t.map(|t| (t.slack * 100.0).round() / 100.0),
        critical: t.is_some_and(|t| t.critical),
        milestone: !summary && (it.kind() == "milestone" || it.duration.is_some_and(|d| d.abs() <= EPSILON)),
        summary,
        due,
        overdue,
        depends_on,
        scheduled: t.is_some(),
    }
}

/// Text for a Mermaid gantt task name: no `:` or `#` (they end or escape
/// the name) and no line breaks.
fn mermaid_text(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            ':' => '﹕',
            '#' => '♯',
            ';' => ',',
            '\n' | '\r' => ' ',
            c => c,
        })
        .collect()
}

/// Mermaid `gantt`: a section per top-level row, tasks with explicit dates
/// (Mermaid has no lags), `crit` on the critical path, milestones, and
/// `done`-free (only open work is scheduled). Needs the project start.
pub fn mermaid(r: &Roadmap, title: &str) -> String {
    let mut o = String::from("gantt\n    dateFormat YYYY-MM-DD\n    axisFormat %Y-%m-%d\n");
    o.push_str(&format!("    title {}\n", mermaid_text(title)));
    if let Some(t) = r.today {
        o.push_str(&format!("    todayMarker stroke-width:2px,stroke:#d33\n    %% today {t}\n"));
    }
    let mut section_open = false;
    for row in &r.rows {
        if row.depth == 0 {
            o.push_str(&format!("    section {}\n", mermaid_text(&row.title)));
            section_open = true;
        } else if !section_open {
            o.push_str("    section Backlog\n");
            section_open = true;
        }
        let (Some(start), Some(finish)) = (row.start, row.finish) else { continue };
        let mut tags: Vec<&str> = Vec::new();
        if row.critical {
            tags.push("crit");
        }
        if row.overdue {
            tags.push("active");
        }
        let name = format!("{}{}", "· ".repeat(row.depth.min(4)), mermaid_text(&row.title));
        let id = mermaid_id(&row.id);
        if row.milestone {
            tags.push("milestone");
            o.push_str(&format!("    {name} :{}, {id}, {start}, 0d\n", tags.join(", ")));
        } else {
            // Mermaid's end date is exclusive: the day after the last day of
            // work (an unsized item shows as its first day).
            let end = finish.succ_opt().unwrap_or(finish);
            let tags = if tags.is_empty() { String::new() } else { format!("{}, ", tags.join(", ")) };
            o.push_str(&format!("    {name} :{tags}{id}, {start}, {end}\n"));
        }
    }
    o
}

/// A Mermaid task id: letters, digits and `_` only.
fn mermaid_id(id: &str) -> String {
    let s: String = id.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    format!("t_{s}")
}

/// iCalendar (RFC 5545): all-day events for due dates, milestones and
/// sprints. Deterministic: `DTSTAMP` is `today` (else the project start,
/// else the epoch), UIDs are the ids.
pub fn ics(r: &Roadmap, b: &Backlog, name: &str) -> String {
    let stamp = r.today.or(r.start).map(|d| d.format("%Y%m%dT000000Z").to_string());
    let stamp = stamp.unwrap_or_else(|| "19700101T000000Z".into());
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//cairn//roadmap//EN".into(),
        "CALSCALE:GREGORIAN".into(),
        format!("X-WR-CALNAME:{}", ics_text(name)),
    ];
    let day = |d: NaiveDate| d.format("%Y%m%d").to_string();
    let mut event = |uid: String, summary: String, start: NaiveDate, end_incl: NaiveDate, desc: String| {
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}", ics_text(&uid)));
        lines.push(format!("DTSTAMP:{stamp}"));
        lines.push(format!("DTSTART;VALUE=DATE:{}", day(start)));
        lines.push(format!("DTEND;VALUE=DATE:{}", day(end_incl.succ_opt().unwrap_or(end_incl))));
        lines.push(format!("SUMMARY:{}", ics_text(&summary)));
        if !desc.is_empty() {
            lines.push(format!("DESCRIPTION:{}", ics_text(&desc)));
        }
        lines.push("END:VEVENT".into());
    };
    for s in &r.sprints {
        event(format!("sprint-{}@cairn", s.id), s.title.clone(), s.start, s.end, format!("Sprint {}", s.id));
    }
    for row in &r.rows {
        if row.milestone {
            if let Some(d) = row.start {
                event(format!("milestone-{}@cairn", row.id), format!("◆ {}", row.title), d, d, row.id.clone());
            }
        }
    }
    // Due dates of every item, scheduled or not (done ones too: a calendar
    // shows the past), in id order.
    for it in &b.items {
        if let Some(d) = it.due.as_ref().map(|d| d.value) {
            event(format!("due-{}@cairn", it.id()), format!("Due: {}", it.title.value), d, d, it.id().to_string());
        }
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for l in lines {
        fold(&l, &mut out);
    }
    out
}

/// Escapes TEXT values (RFC 5545 3.3.11).
fn ics_text(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            ';' => o.push_str("\\;"),
            ',' => o.push_str("\\,"),
            '\n' => o.push_str("\\n"),
            '\r' => {}
            c => o.push(c),
        }
    }
    o
}

/// Appends a content line folded at 75 octets (never inside a character),
/// CRLF-terminated.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ics_lines_fold_and_escape() {
        let mut o = String::new();
        fold(&format!("SUMMARY:{}", "é".repeat(40)), &mut o);
        let lines: Vec<&str> = o.split("\r\n").collect();
        assert!(lines.iter().all(|l| l.len() <= 75), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), format!("SUMMARY:{}", "é".repeat(40)));
        assert_eq!(ics_text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        assert_eq!(mermaid_text("Fix: #3; now"), "Fix﹕ ♯3, now");
        assert_eq!(mermaid_id("story-1.2"), "t_story_1_2");
    }
}
