//! Every chart of the site, as static SVG built at build time: readable
//! without scripts, with a `<title>` and a `<desc>` (the data in words) for
//! screen readers, and colours from the theme's CSS classes (`c-todo`,
//! `c-doing`, `c-done`, `c-line`, …) so the charts follow light and dark
//! mode when inlined in a page. Graph pictures come from
//! [`crate::graph::render::svg`].

use crate::graph::render::svg::escape;
use crate::metrics::burndown::{Burndown, Day};

/// A bar of a bar chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// CSS class of the bar (`c-done`, `c-doing`, …).
    pub class: &'static str,
}

/// A number as short text: `5`, `2.5`.
pub fn n(x: f64) -> String {
    if !x.is_finite() {
        return "0".into();
    }
    // `+ 0.0` turns a negative zero into zero, so no chart says "-0".
    let r = (x * 10.0).round() / 10.0 + 0.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

fn c(x: f64) -> String {
    if !x.is_finite() {
        return "0".into();
    }
    let r = (x * 100.0).round() / 100.0 + 0.0;
    let s = format!("{r:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn open(id: &str, w: f64, h: f64, title: &str, desc: &str) -> String {
    format!(
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" preserveAspectRatio=\"xMinYMin meet\"><title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        c(w),
        c(h),
        escape(title),
        escape(desc)
    )
}

/// A "nice" axis maximum at or above `x`.
/// Five horizontal grid lines from `x1` to `x2` with their values (0 to
/// `max` in quarters) on the left; `y(k)` is the height of line `k`.
fn y_grid(o: &mut String, x1: f64, x2: f64, max: f64, y: impl Fn(usize) -> f64) {
    for k in 0..=4 {
        let (v, y) = (max * k as f64 / 4.0, y(k));
        o.push_str(&format!(
            "<line class=\"c-grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><text class=\"c-axis\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            c(x1),
            c(y),
            c(x2),
            c(y),
            c(x1 - 6.0),
            c(y + 4.0),
            n(v)
        ));
    }
}

fn nice_max(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(x.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * mag >= x {
            return m * mag;
        }
    }
    10.0 * mag
}

/// A vertical bar chart with value labels (velocity-like charts).
pub fn bars(id: &str, title: &str, unit: &str, bars: &[Bar]) -> String {
    let (w, h, left, bottom, top) = (640.0, 240.0, 44.0, 46.0, 16.0);
    let max = nice_max(bars.iter().map(|b| b.value).fold(0.0, f64::max));
    let desc = bars.iter().map(|b| format!("{}: {} {unit}", b.label, n(b.value))).collect::<Vec<_>>().join("; ");
    let mut o = open(id, w, h, title, &desc);
    let ph = h - bottom - top;
    y_grid(&mut o, left, w - 8.0, max, |k| top + ph - ph * k as f64 / 4.0);
    let slot = (w - left - 8.0) / bars.len().max(1) as f64;
    let bw = (slot * 0.6).min(56.0);
    for (k, b) in bars.iter().enumerate() {
        let bh = if max > 0.0 { ph * b.value.max(0.0) / max } else { 0.0 };
        let x = left + slot * k as f64 + (slot - bw) / 2.0;
        let y = top + ph - bh;
        o.push_str(&format!(
            "<g><title>{}: {} {}</title><rect class=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\"/><text class=\"c-value\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text><text class=\"c-axis\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>",
            escape(&b.label),
            n(b.value),
            escape(unit),
            b.class,
            c(x),
            c(y),
            c(bw),
            c(bh),
            c(x + bw / 2.0),
            c(y - 5.0),
            n(b.value),
            c(x + bw / 2.0),
            c(h - bottom + 18.0),
            escape(&crate::graph::render::truncate(&b.label, 14))
        ));
    }
    o.push_str("</svg>");
    o
}

/// Horizontal bars comparing committed work with capacity per person:
/// the capacity as an outlined track, the committed points filled (red
/// when over capacity).
pub fn capacity(id: &str, title: &str, unit: &str, rows: &[(String, f64, f64)]) -> String {
    let row_h = 30.0;
    let (w, left, top) = (640.0, 120.0, 8.0);
    let h = top * 2.0 + row_h * rows.len().max(1) as f64 + 18.0;
    let max = nice_max(rows.iter().map(|r| r.1.max(r.2)).fold(0.0, f64::max));
    let desc = rows
        .iter()
        .map(|(p, cap, com)| format!("{p}: {} of {} {unit} committed", n(*com), n(*cap)))
        .collect::<Vec<_>>()
        .join("; ");
    let mut o = open(id, w, h, title, &desc);
    let pw = w - left - 70.0;
    for (k, (person, cap, com)) in rows.iter().enumerate() {
        let y = top + row_h * k as f64;
        let cw = pw * cap / max;
        let mw = pw * com / max;
        let over = com > cap;
        o.push_str(&format!(
            "<g><title>{}: {} of {} {} committed</title><text class=\"c-label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect class=\"c-track\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"16\" rx=\"4\"/><rect class=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"16\" rx=\"4\"/><text class=\"c-value\" x=\"{}\" y=\"{}\">{} / {}</text></g>",
            escape(person),
            n(*com),
            n(*cap),
            escape(unit),
            c(left - 10.0),
            c(y + 13.0),
            escape(&crate::graph::render::truncate(person, 16)),
            c(left),
            c(y + 1.0),
            c(cw.max(0.0)),
            if over { "c-over" } else { "c-doing" },
            c(left),
            c(y + 1.0),
            c(mw.max(0.0)),
            c(left + cw.max(mw) + 8.0),
            c(y + 13.0),
            n(*com),
            n(*cap)
        ));
    }
    o.push_str("</svg>");
    o
}

/// The burndown chart of a sprint as SVG (`thumb`: the small overview
/// version): the chart the sprint page shows and `cairn burndown --format svg` prints.
pub fn burndown_svg(b: &Burndown, thumb: bool) -> String {
    burndown(&format!("burndown-{}", b.sprint), &format!("Burndown of {}", b.title), b, thumb)
}

/// Date labels under an x axis, given as (x, date) in order: the first
/// and the last always, the others where they keep `gap` from their
/// neighbours, so none overlap; the first is anchored at its start and the
/// last at its end, so neither is clipped at the chart's edge.
fn x_labels(o: &mut String, labels: &[(f64, &str)], gap: f64, y: f64) {
    let Some(&(last_x, _)) = labels.last() else { return };
    let mut prev = f64::NEG_INFINITY;
    for (k, &(x, d)) in labels.iter().enumerate() {
        let (first, last) = (k == 0, k + 1 == labels.len());
        if !(first || last || (x - prev >= gap && last_x - x >= gap)) {
            continue;
        }
        prev = x;
        let anchor = match (first, last) {
            (true, false) => "start",
            (false, true) => "end",
            _ => "middle",
        };
        o.push_str(&format!(
            "<text class=\"c-axis\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            c(x),
            c(y),
            escape(d.get(5..).unwrap_or(d))
        ));
    }
}

/// A burndown: remaining work per day against the ideal line. The x axis
/// spans the whole sprint, so an active sprint's line stops at today and
/// the ideal line runs on to zero at the end. `thumb` draws the small
/// overview version: the same axes with fewer labels (the committed work,
/// zero, the first and the last day).
pub fn burndown(id: &str, title: &str, b: &Burndown, thumb: bool) -> String {
    let (w, h) = if thumb { (640.0, 150.0) } else { (640.0, 260.0) };
    let (left, bottom, top, right) = if thumb { (34.0, 24.0, 10.0, 8.0) } else { (44.0, 40.0, 14.0, 12.0) };
    let max = nice_max(b.days.iter().map(|d| d.remaining.max(d.ideal)).fold(b.committed, f64::max));
    let last = b.days.last();
    let desc = match (b.days.first(), last) {
        (Some(f), Some(l)) => format!(
            "{} days from {} to {}; committed {} {}, remaining {} on {}",
            b.days.len(),
            f.date,
            l.date,
            n(b.committed),
            b.unit,
            n(l.remaining),
            l.date
        ),
        _ => "no data".to_string(),
    };
    let mut o = open(id, w, h, title, &desc);
    let (pw, ph) = (w - left - right, h - top - bottom);
    // The sprint's length in days, from its dates; the computed days when
    // the dates do not parse or the days already run longer.
    let sprint_days = match (crate::util::time::parse_date(&b.start), crate::util::time::parse_date(&b.end)) {
        (Some(s), Some(e)) if e >= s => usize::try_from((e - s).num_days()).unwrap_or(0).saturating_add(1),
        _ => 0,
    };
    let total = sprint_days.max(b.days.len());
    let span = total.max(2) - 1;
    let x = |k: usize| left + pw * k as f64 / span as f64;
    let y = |v: f64| top + ph - ph * v.max(0.0) / max;
    // The days computed, then the sprint's end when the line stops before it.
    let mut labels: Vec<(f64, &str)> = b.days.iter().enumerate().map(|(k, d)| (x(k), d.date.as_str())).collect();
    if b.days.len() < total {
        labels.push((x(total - 1), b.end.as_str()));
    }
    if thumb {
        for (v, ty) in [(max, y(max)), (0.0, y(0.0))] {
            o.push_str(&format!(
                "<line class=\"c-grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><text class=\"c-axis\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                c(left),
                c(ty),
                c(w - right),
                c(ty),
                c(left - 6.0),
                c(ty + 4.0),
                n(v)
            ));
        }
        x_labels(&mut o, &labels, pw, h - bottom + 16.0);
    } else {
        y_grid(&mut o, left, w - right, max, |k| y(max * k as f64 / 4.0));
        x_labels(&mut o, &labels, pw / 7.0, h - bottom + 18.0);
    }
    let line = |f: &dyn Fn(&Day) -> f64| {
        b.days.iter().enumerate().map(|(k, d)| format!("{},{}", c(x(k)), c(y(f(d))))).collect::<Vec<_>>().join(" ")
    };
    let mut ideal = line(&|d| d.ideal);
    if b.days.len() < total && !b.days.is_empty() {
        ideal.push_str(&format!(" {},{}", c(x(total - 1)), c(y(0.0))));
    }
    o.push_str(&format!("<polyline class=\"c-ideal\" points=\"{ideal}\"/>"));
    o.push_str(&format!("<polyline class=\"c-line\" points=\"{}\"/>", line(&|d| d.remaining)));
    if !thumb {
        for (k, d) in b.days.iter().enumerate() {
            o.push_str(&format!(
                "<circle class=\"c-dot\" cx=\"{}\" cy=\"{}\" r=\"3\"><title>{}: {} remaining (ideal {}), +{} added, −{} removed</title></circle>",
                c(x(k)),
                c(y(d.remaining)),
                escape(&d.date),
                n(d.remaining),
                n(d.ideal),
                n(d.added),
                n(d.removed)
            ));
        }
    }
    o.push_str("</svg>");
    o
}

/// A donut of segments (status categories on the overview).
pub fn donut(id: &str, title: &str, segments: &[Bar]) -> String {
    let total: f64 = segments.iter().map(|s| s.value.max(0.0)).sum();
    let desc = segments.iter().map(|s| format!("{}: {}", s.label, n(s.value))).collect::<Vec<_>>().join("; ");
    let mut o = open(id, 120.0, 120.0, title, &desc);
    let (cx, cy, r) = (60.0, 60.0, 46.0);
    let circ = 2.0 * std::f64::consts::PI * r;
    o.push_str(&format!(
        "<circle class=\"c-track\" cx=\"{cx}\" cy=\"{cy}\" r=\"{r}\" fill=\"none\" stroke-width=\"16\"/>"
    ));
    let mut offset = 0.0;
    if total > 0.0 {
        for s in segments {
            let len = circ * s.value.max(0.0) / total;
            if len <= 0.0 {
                continue;
            }
            o.push_str(&format!(
                "<circle class=\"{}-stroke\" cx=\"{cx}\" cy=\"{cy}\" r=\"{r}\" fill=\"none\" stroke-width=\"16\" stroke-dasharray=\"{} {}\" stroke-dashoffset=\"{}\" transform=\"rotate(-90 {cx} {cy})\"><title>{}: {}</title></circle>",
                s.class,
                c(len),
                c(circ - len),
                c(-offset),
                escape(&s.label),
                n(s.value)
            ));
            offset += len;
        }
    }
    let done = segments.iter().find(|s| s.class == "c-done").map(|s| s.value).unwrap_or(0.0);
    let pct = if total > 0.0 { (done / total * 100.0).round() } else { 0.0 };
    o.push_str(&format!(
        "<text class=\"c-big\" x=\"{cx}\" y=\"{}\" text-anchor=\"middle\">{}%</text><text class=\"c-axis\" x=\"{cx}\" y=\"{}\" text-anchor=\"middle\">done</text></svg>",
        cy + 4.0,
        pct,
        cy + 20.0
    ));
    o
}

/// One day of a cumulative flow diagram: work items per status category.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlowDay {
    pub date: String,
    pub todo: f64,
    pub doing: f64,
    pub done: f64,
}

/// A cumulative flow diagram: stacked areas (done at the bottom, then in
/// progress, then to do) per day.
pub fn cumulative_flow(id: &str, title: &str, days: &[FlowDay]) -> String {
    let (w, h, left, bottom, top, right) = (640.0, 260.0, 44.0, 40.0, 14.0, 12.0);
    let max = nice_max(days.iter().map(|d| d.todo + d.doing + d.done).fold(0.0, f64::max));
    let desc = match (days.first(), days.last()) {
        (Some(f), Some(l)) => format!(
            "{} days from {} to {}; on {}: {} to do, {} in progress, {} done",
            days.len(),
            f.date,
            l.date,
            l.date,
            n(l.todo),
            n(l.doing),
            n(l.done)
        ),
        _ => "no data".to_string(),
    };
    let mut o = open(id, w, h, title, &desc);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let span = days.len().max(2) - 1;
    let x = |k: usize| left + pw * k as f64 / span as f64;
    let y = |v: f64| top + ph - ph * v.max(0.0) / max;
    y_grid(&mut o, left, w - right, max, |k| y(max * k as f64 / 4.0));
    let labels: Vec<(f64, &str)> = days.iter().enumerate().map(|(k, d)| (x(k), d.date.as_str())).collect();
    x_labels(&mut o, &labels, pw / 7.0, h - bottom + 18.0);
    // Bands from the top down so each is drawn over the one above it.
    type Band = (&'static str, &'static str, fn(&FlowDay) -> f64);
    let bands: [Band; 3] = [
        ("c-todo", "To do", |d| d.todo + d.doing + d.done),
        ("c-doing", "In progress", |d| d.doing + d.done),
        ("c-done", "Done", |d| d.done),
    ];
    if !days.is_empty() {
        for (class, label, top_of) in bands {
            let mut pts: Vec<String> =
                days.iter().enumerate().map(|(k, d)| format!("{},{}", c(x(k)), c(y(top_of(d))))).collect();
            if days.len() == 1 {
                pts.push(format!("{},{}", c(x(1)), c(y(top_of(&days[0])))));
            }
            let last = if days.len() == 1 { 1 } else { days.len() - 1 };
            pts.push(format!("{},{}", c(x(last)), c(y(0.0))));
            pts.push(format!("{},{}", c(x(0)), c(y(0.0))));
            o.push_str(&format!(
                "<polygon class=\"{class}\" points=\"{}\"><title>{label}</title></polygon>",
                pts.join(" ")
            ));
        }
    }
    o.push_str("</svg>");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_labels_and_have_titles() {
        let s = bars("v", "Velocity <x>", "points", &[Bar { label: "<s>".into(), value: 3.0, class: "c-done" }]);
        assert!(s.contains("<title id=\"v-t\">Velocity &lt;x&gt;</title>"));
        assert!(!s.contains("<s>"));
        let b = Burndown {
            unit: "points".into(),
            committed: 10.0,
            days: vec![
                Day { date: "2026-01-01".into(), remaining: 10.0, ideal: 10.0, ..Default::default() },
                Day { date: "2026-01-02".into(), remaining: 4.0, ideal: 0.0, ..Default::default() },
            ],
            ..Default::default()
        };
        assert!(burndown("b", "Burndown", &b, false).contains("polyline"));
        assert_eq!(nice_max(37.0), 50.0);
        assert_eq!(n(2.0), "2");
        assert_eq!(n(2.25), "2.3");
        // A negative zero (and what rounds to it) prints as zero.
        assert_eq!((n(-0.0), c(-0.0), c(-0.001)), ("0".into(), "0".into(), "0".into()));
    }

    fn labels(svg: &str) -> Vec<(String, String)> {
        // (anchor, text) of the x-axis labels: the c-axis texts that are dates.
        svg.split("<text class=\"c-axis\"")
            .skip(1)
            .filter_map(|t| {
                let anchor = t.split("text-anchor=\"").nth(1)?.split('"').next()?.to_string();
                let text = t.split('>').nth(1)?.split('<').next()?.to_string();
                text.contains('-').then_some((anchor, text))
            })
            .collect()
    }

    #[test]
    fn burndown_axis_spans_the_sprint_and_keeps_its_end_labels_inside() {
        // An active sprint of 12 days, computed for its first 3.
        let days: Vec<Day> = (1..=3)
            .map(|d| Day { date: format!("2026-11-{d:02}"), remaining: 10.0, ideal: 10.0, ..Default::default() })
            .collect();
        let b = Burndown {
            start: "2026-11-01".into(),
            end: "2026-11-12".into(),
            committed: 10.0,
            days,
            ..Default::default()
        };
        let full = burndown("b", "B", &b, false);
        let l = labels(&full);
        assert_eq!(l.first(), Some(&("start".to_string(), "11-01".to_string())));
        assert_eq!(l.last(), Some(&("end".to_string(), "11-12".to_string())));
        // The line stops at day 3 of 12: x = 44 + 584 * 2 / 11.
        assert!(full.contains("<polyline class=\"c-line\" points=\"44,"), "{full}");
        assert!(full.contains(&format!("{},", c(44.0 + 584.0 * 2.0 / 11.0))), "{full}");
        // The ideal runs on to zero at the end (x = 640 - 12, y = 260 - 40).
        assert!(full.contains(" 628,220\"/>"), "{full}");
        // The thumbnail has axes too: the first and last day, 0 and the maximum.
        let thumb = labels(&burndown("t", "T", &b, true));
        assert_eq!(thumb, [("start".to_string(), "11-01".to_string()), ("end".to_string(), "11-12".to_string())]);
        // Closed sprint of 12 computed days: about six labels, none within
        // a seventh of the width of the last one.
        let b = Burndown {
            start: "2026-11-16".into(),
            end: "2026-11-27".into(),
            days: (16..=27).map(|d| Day { date: format!("2026-11-{d}"), ..Default::default() }).collect(),
            ..Default::default()
        };
        let l = labels(&burndown("c", "C", &b, false));
        let texts: Vec<&str> = l.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(texts, ["11-16", "11-18", "11-20", "11-22", "11-24", "11-27"]);
    }
}
