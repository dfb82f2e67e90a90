//! The roadmap as a Gantt chart in static SVG: a row per item (indented by
//! depth, summary rows as brackets), bars from early start to early finish,
//! slack as a lighter tail to the late finish, critical bars marked, due
//! dates as ticks (red when overdue), milestones as diamonds, sprints as
//! bands, a today line and a month/week axis. Readable without JavaScript;
//! colours come from CSS classes (`.g-bar`, `.g-crit`, …) with defaults
//! inside, so a theme may restyle it. Dependency arrows on request.

use chrono::{Datelike, NaiveDate};

use super::svg::escape;
use std::collections::HashMap;

use crate::graph::roadmap::{Band, Roadmap, Row};

const ROW: f64 = 22.0;
const LABEL: f64 = 300.0;
const TOP: f64 = 44.0;
/// Days drawn at most (ten years).
pub const MAX_DAYS: u64 = 3660;

/// Options of the drawing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Draw dependency arrows between bars.
    pub arrows: bool,
    /// For a page whose style sheet draws it (`.gantt` in the theme): no
    /// namespace or style element, whole-pixel coordinates, sizes in CSS,
    /// one stripe pattern for all rows, and per row its label and its bar,
    /// without a group or a title (the page's table has the dates).
    pub compact: bool,
}

fn days(a: NaiveDate, b: NaiveDate) -> f64 {
    (b - a).num_days() as f64
}

/// What both drawings draw, in picture coordinates: one pass over the
/// roadmap places everything, and [`full`] and [`compact`] only write it
/// (each with its own `x`: the compact drawing places on whole pixels).
struct Layout<'a> {
    /// Sprint bands: left and right edge.
    bands: Vec<(f64, f64, &'a Band)>,
    /// Axis lines: a month's first day (with its label) or a Monday.
    ticks: Vec<(f64, Tick)>,
    rows: Vec<Placed<'a>>,
    /// Dependency arrows: from the end of the dependency `(b, dy)` to the
    /// row `cy`, ending at `to`.
    deps: Vec<(f64, f64, f64, f64)>,
    today: Option<(f64, NaiveDate)>,
    /// Arrows asked for (their marker is defined even when none is drawn).
    arrows: bool,
}

enum Tick {
    Month(NaiveDate),
    Week,
}

/// A row placed: its centre line and what it draws.
struct Placed<'a> {
    row: &'a Row,
    /// The top of the row and its centre line.
    y: f64,
    cy: f64,
    bar: Option<Bar>,
    /// The due tick's place.
    due: Option<f64>,
}

enum Bar {
    Milestone(f64),
    /// A summary bracket from `a` to `b`.
    Summary(f64, f64),
    /// Work from `a` to `b`, its slack to the late finish `c` (if later).
    Work(f64, f64, Option<f64>),
}

impl<'a> Layout<'a> {
    fn new(r: &'a Roadmap, lo: NaiveDate, hi: NaiveDate, px: f64, arrows: bool, x: impl Fn(NaiveDate) -> f64) -> Self {
        let next = |d: NaiveDate| d.succ_opt().unwrap_or(d);
        let bands = r
            .sprints
            .iter()
            .filter(|s| !(s.end < lo || s.start > hi))
            .map(|s| (x(s.start), x(next(s.end)), s))
            .collect();
        // Months labelled, weeks (Mondays) as grid lines when there is room.
        let mut ticks = Vec::new();
        let mut d = lo;
        while d <= hi {
            if d.day() == 1 || d == lo {
                ticks.push((x(d), Tick::Month(d)));
            } else if d.weekday() == chrono::Weekday::Mon && px * 7.0 >= 24.0 {
                ticks.push((x(d), Tick::Week));
            }
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
        let mut mid: HashMap<&str, (f64, f64, f64)> = HashMap::new();
        let rows = r
            .rows
            .iter()
            .enumerate()
            .map(|(k, row)| {
                let y = TOP + ROW * k as f64;
                let cy = y + ROW / 2.0;
                let bar = row.start.zip(row.finish).map(|(s, f)| {
                    let (a, b) = (x(s), x(next(f)));
                    mid.insert(&row.id, (a, b, cy));
                    if row.milestone {
                        Bar::Milestone(a)
                    } else if row.summary {
                        Bar::Summary(a, b)
                    } else {
                        Bar::Work(a, b, row.late_finish.filter(|lf| *lf > f).map(|lf| x(next(lf))))
                    }
                });
                Placed { row, y, cy, bar, due: row.due.map(|d| x(next(d))) }
            })
            .collect();
        let mut deps = Vec::new();
        if arrows {
            for row in &r.rows {
                let Some(&(a, _, cy)) = mid.get(row.id.as_str()) else { continue };
                for dep in &row.depends_on {
                    let Some(&(_, b, dy)) = mid.get(dep.as_str()) else { continue };
                    deps.push((b, dy, cy, (a - 1.0).max(b + 6.0)));
                }
            }
        }
        Layout { bands, ticks, rows, deps, today: r.today.map(|t| (x(t), t)), arrows }
    }
}

/// A row's label: its title, cut at 40 characters.
fn label(row: &Row) -> String {
    let label: String = row.title.chars().take(40).collect();
    if label.len() < row.title.len() {
        format!("{label}…")
    } else {
        label
    }
}

const ARROW: &str = "<defs><marker id=\"g-arrow\" viewBox=\"0 0 6 6\" refX=\"6\" refY=\"3\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0L6,3L0,6z\" fill=\"#777\"/></marker></defs>\n";

/// Draws `r`. Without a project start there are no dates: the chart says so.
pub fn render(r: &Roadmap, opts: Options) -> String {
    let (Some(start), Some(end)) = (r.start, r.end.or(r.start)) else {
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"gantt\" width=\"480\" height=\"40\" role=\"img\" aria-label=\"Roadmap\"><text x=\"8\" y=\"24\">No dates: set schedule.start in cairn.yml, or give an item a start date.</text></svg>\n".into();
    };
    // The span: the schedule, the sprints that overlap it, due dates, today.
    let mut lo = start;
    let mut hi = end.max(start);
    for row in &r.rows {
        for d in [row.late_finish, row.due].into_iter().flatten() {
            hi = hi.max(d);
        }
    }
    if let Some(t) = r.today {
        lo = lo.min(t);
        hi = hi.max(t);
    }
    for s in &r.sprints {
        if s.end >= lo && s.start <= hi {
            lo = lo.min(s.start);
            hi = hi.max(s.end);
        }
    }
    // At most MAX_DAYS drawn: a due date in year 9999 would otherwise make
    // a picture millions of pixels wide (what lies beyond is clipped).
    let hi = hi.min(lo.checked_add_days(chrono::Days::new(MAX_DAYS)).unwrap_or(hi));
    let hi = hi.succ_opt().unwrap_or(hi);
    let span = days(lo, hi).max(1.0);
    let px = (1100.0 / span).clamp(2.0, 28.0);
    let x = |d: NaiveDate| LABEL + days(lo, d) * px;
    let width = LABEL + span * px + 20.0;
    let height = TOP + ROW * r.rows.len() as f64 + 10.0;
    let mut o = String::with_capacity(256 + r.rows.len() * 300);
    if opts.compact {
        let l = Layout::new(r, lo, hi, px, opts.arrows, |d| x(d).round());
        compact(r, &l, &mut o, lo, hi, width, height);
    } else {
        full(&Layout::new(r, lo, hi, px, opts.arrows, x), &mut o, lo, hi, width, height);
    }
    o
}

/// The standalone drawing (`cairn roadmap --format svg`): its own styles.
fn full(l: &Layout, o: &mut String, lo: NaiveDate, hi: NaiveDate, width: f64, height: f64) {
    o.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"gantt\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" role=\"img\" aria-label=\"Roadmap from {lo} to {hi}\" font-family=\"system-ui, sans-serif\" font-size=\"12\">\n",
        w = width,
        h = height
    ));
    o.push_str("<style>.g-bar{fill:#4a7bd0}.g-crit{fill:#c0392b}.g-slack{fill:#4a7bd0;opacity:.25}.g-sum{fill:#555}.g-band{fill:#888;opacity:.08}.g-band-label{fill:#666;font-size:10px}.g-grid{stroke:#888;stroke-opacity:.25}.g-today{stroke:#d33;stroke-width:2}.g-due{stroke:#333;stroke-width:2}.g-late{stroke:#d33;stroke-width:3}.g-ms{fill:#8e44ad}.g-dep{stroke:#777;fill:none;marker-end:url(#g-arrow)}.g-row:nth-child(even) .g-stripe{fill:#888;opacity:.05}.g-label{fill:currentColor}</style>\n");
    if l.arrows {
        o.push_str(ARROW);
    }
    for &(a, b, s) in &l.bands {
        o.push_str(&format!(
            "<g><title>{t} ({} – {})</title><rect class=\"g-band\" x=\"{a:.1}\" y=\"{}\" width=\"{:.1}\" height=\"{:.1}\"/><text class=\"g-band-label\" x=\"{:.1}\" y=\"{}\">{t}</text></g>\n",
            s.start,
            s.end,
            TOP - 8.0,
            (b - a).max(1.0),
            height - TOP + 8.0,
            a + 2.0,
            TOP - 10.0,
            t = escape(&s.title)
        ));
    }
    for (x, tick) in &l.ticks {
        match tick {
            Tick::Month(d) => {
                o.push_str(&format!("<text x=\"{:.1}\" y=\"14\">{}</text>\n", x + 2.0, d.format("%b %Y")));
                o.push_str(&format!("<line class=\"g-grid\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"18\" y2=\"{height:.0}\"/>\n"));
            }
            Tick::Week => o.push_str(&format!(
                "<line class=\"g-grid\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{}\" y2=\"{height:.0}\" stroke-dasharray=\"2 3\"/>\n",
                TOP - 8.0,
            )),
        }
    }
    for p in &l.rows {
        let (row, y, cy) = (p.row, p.y, p.cy);
        o.push_str("<g class=\"g-row\">");
        o.push_str(&format!(
            "<rect class=\"g-stripe\" x=\"0\" y=\"{y:.1}\" width=\"{width:.0}\" height=\"{ROW}\" fill=\"none\"/>"
        ));
        let mut tip = format!("{} {} — {}", row.kind, row.id, row.title);
        if let (Some(s), Some(f)) = (row.start, row.finish) {
            tip.push_str(&format!("\n{s} → {f}"));
        }
        if let Some(sl) = row.slack_days {
            tip.push_str(&if row.critical {
                "\ncritical (no slack)".to_string()
            } else {
                format!("\nslack {sl} days")
            });
        }
        if let Some(d) = row.due {
            tip.push_str(&format!("\ndue {d}{}", if row.overdue { " (overdue)" } else { "" }));
        }
        o.push_str(&format!("<title>{}</title>", escape(&tip)));
        let weight = if row.summary { " font-weight=\"600\"" } else { "" };
        o.push_str(&format!(
            "<text class=\"g-label\" x=\"{:.1}\" y=\"{:.1}\"{weight}>{}</text>",
            6.0 + 14.0 * row.depth.min(8) as f64,
            cy + 4.0,
            escape(&label(row))
        ));
        match p.bar {
            Some(Bar::Milestone(a)) => {
                o.push_str(&format!("<path class=\"g-ms\" d=\"M{a:.1},{0:.1}l6,6l-6,6l-6,-6z\"/>", cy - 6.0))
            }
            Some(Bar::Summary(a, b)) => o.push_str(&format!(
                "<path class=\"g-sum\" d=\"M{a:.1},{0:.1}h{1:.1}v7l-4,-3h{2:.1}l-4,3z\"/>",
                cy - 4.0,
                (b - a).max(8.0),
                -((b - a).max(8.0) - 8.0)
            )),
            Some(Bar::Work(a, b, slack)) => {
                if let Some(c) = slack {
                    o.push_str(&format!(
                        "<rect class=\"g-slack\" x=\"{b:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"8\"/>",
                        cy - 4.0,
                        c - b
                    ));
                }
                let class = if row.critical { "g-crit" } else { "g-bar" };
                o.push_str(&format!(
                    "<rect class=\"{class}\" x=\"{a:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"12\" rx=\"2\"/>",
                    cy - 6.0,
                    (b - a).max(2.0)
                ));
            }
            None => {}
        }
        if let Some(dx) = p.due {
            let class = if row.overdue { "g-late" } else { "g-due" };
            o.push_str(&format!(
                "<line class=\"{class}\" x1=\"{dx:.1}\" x2=\"{dx:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
                cy - 8.0,
                cy + 8.0
            ));
        }
        o.push_str("</g>\n");
    }
    for &(b, dy, cy, to) in &l.deps {
        o.push_str(&format!("<path class=\"g-dep\" d=\"M{b:.1},{dy:.1}h6V{cy:.1}H{to:.1}\"/>\n"));
    }
    if let Some((tx, t)) = l.today {
        o.push_str(&format!(
            "<g><title>today {t}</title><line class=\"g-today\" x1=\"{tx:.1}\" x2=\"{tx:.1}\" y1=\"18\" y2=\"{height:.0}\"/></g>\n"
        ));
    }
    o.push_str("</svg>\n");
}

/// The compact drawing (see [`Options::compact`]): the same bars, ticks,
/// bands and axis, on whole pixels, styled by the site's sheet.
fn compact(r: &Roadmap, l: &Layout, o: &mut String, lo: NaiveDate, hi: NaiveDate, width: f64, height: f64) {
    use std::fmt::Write as _;
    let _ = writeln!(
        o,
        "<svg class=\"gantt gc\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" role=\"img\" aria-label=\"Roadmap from {lo} to {hi}\">\
<defs><pattern id=\"g-st\" width=\"8\" height=\"{p}\" patternUnits=\"userSpaceOnUse\" y=\"{TOP}\"><rect y=\"{ROW}\" width=\"8\" height=\"{ROW}\"/></pattern></defs>\
<rect class=\"g-stripes\" y=\"{TOP}\" width=\"{w:.0}\" height=\"{s:.0}\"/>",
        w = width,
        h = height,
        p = 2.0 * ROW,
        s = ROW * r.rows.len() as f64,
    );
    if l.arrows {
        o.push_str(ARROW);
    }
    // The sprints' bands: each its place and width (their top and height
    // are the style sheet's, `.gc .g-band rect`), then their names in one
    // group moved to the line above the rows (the sprints page has their
    // dates): a roadmap page draws every sprint it spans.
    if !l.bands.is_empty() {
        o.push_str("<g class=\"g-band\">");
        for &(a, b, _) in &l.bands {
            let _ = write!(o, "<rect x=\"{a}\" width=\"{}\"/>", (b - a).max(1.0));
        }
        let _ = write!(o, "</g>\n<g class=\"g-band-label\" transform=\"translate(0,{})\">", TOP - 10.0);
        for &(a, _, s) in &l.bands {
            let _ = write!(o, "<text x=\"{}\">{}</text>", a + 2.0, escape(&s.title));
        }
        o.push_str("</g>\n");
    }
    for (x, tick) in &l.ticks {
        let _ = match tick {
            Tick::Month(d) => writeln!(
                o,
                "<text x=\"{}\" y=\"14\">{}</text><path class=\"g-grid\" d=\"M{x},18V{height:.0}\"/>",
                x + 2.0,
                d.format("%b %Y"),
            ),
            Tick::Week => writeln!(o, "<path class=\"g-grid g-wk\" d=\"M{x},{}V{height:.0}\"/>", TOP - 8.0),
        };
    }
    for p in &l.rows {
        let (row, cy) = (p.row, p.cy);
        let _ = write!(
            o,
            "<text x=\"{}\" y=\"{}\"{}>{}</text>",
            6 + 14 * row.depth.min(8),
            cy + 4.0,
            if row.summary { " class=\"s\"" } else { "" },
            escape(&label(row))
        );
        let _ = match p.bar {
            Some(Bar::Milestone(a)) => write!(o, "<path class=\"g-ms\" d=\"M{a},{}l6,6l-6,6l-6-6z\"/>", cy - 6.0),
            Some(Bar::Summary(a, b)) => {
                let w = (b - a).max(8.0);
                write!(o, "<path class=\"g-sum\" d=\"M{a},{}h{w}v7l-4-3h{}l-4,3z\"/>", cy - 4.0, -(w - 8.0))
            }
            Some(Bar::Work(a, b, slack)) => {
                if let Some(c) = slack {
                    let _ = write!(o, "<rect class=\"g-slack\" x=\"{b}\" y=\"{}\" width=\"{}\"/>", cy - 4.0, c - b);
                }
                let class = if row.critical { "g-crit" } else { "g-bar" };
                write!(o, "<rect class=\"{class}\" x=\"{a}\" y=\"{}\" width=\"{}\"/>", cy - 6.0, (b - a).max(2.0))
            }
            None => Ok(()),
        };
        if let Some(dx) = p.due {
            let class = if row.overdue { "g-late" } else { "g-due" };
            let _ = write!(o, "<path class=\"{class}\" d=\"M{dx},{}v16\"/>", cy - 8.0);
        }
        o.push('\n');
    }
    for &(b, dy, cy, to) in &l.deps {
        let _ = writeln!(o, "<path class=\"g-dep\" d=\"M{b},{dy}h6V{cy}H{to}\"/>");
    }
    if let Some((tx, t)) = l.today {
        let _ = writeln!(o, "<path class=\"g-today\" d=\"M{tx},18V{height:.0}\"><title>today {t}</title></path>");
    }
    o.push_str("</svg>\n");
}
