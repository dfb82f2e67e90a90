//! `badges/<id>.svg`: a status badge per item (id on the left, status on
//! the right, coloured by status category), in the shields.io style, to
//! embed in wikis and READMEs. Standalone files, so colours are fixed
//! (white text on each colour passes WCAG AA).

use crate::graph::render::svg::escape;

/// Badge colour of a status category.
pub fn colour(category: &str) -> &'static str {
    match category {
        "todo" => "#4b5563",
        "doing" => "#1d4ed8",
        "done" => "#15803d",
        _ => "#6b7280",
    }
}

/// Approximate width in pixels of `s` in 11px Verdana.
fn width(s: &str) -> f64 {
    s.chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '|' | '!' | '\'' => 3.5,
            'm' | 'w' | 'M' | 'W' => 10.0,
            c if c.is_ascii_uppercase() => 8.0,
            c if c.is_ascii() => 6.8,
            _ => 11.0,
        })
        .sum::<f64>()
        + 12.0
}

/// The two texts of a badge and their widths in pixels.
fn parts(id: &str, status: &str) -> (String, String, f64, f64) {
    let left = crate::graph::render::truncate(id, 40);
    let right = if status.is_empty() { "no status".to_string() } else { status.replace('_', " ") };
    let (lw, rw) = (width(&left).round(), width(&right).round());
    (left, right, lw, rw)
}

/// Width and height in pixels of the badge of an item (for the `<img>`
/// that shows it, so the page does not shift when it loads).
pub fn size(id: &str, status: &str) -> (f64, f64) {
    let (_, _, lw, rw) = parts(id, status);
    (lw + rw, 20.0)
}

/// The badge of an item: two rounded halves, flat (no gradient or clip
/// path: a badge is written for every item, so its bytes count); the
/// right half one path, square on its left, rounded on its right. Its name
/// is its `<title>` (an `<img>` of it has its own `alt`).
pub fn badge(id: &str, status: &str, category: &str) -> String {
    let (left, right, lw, rw) = parts(id, status);
    let w = lw + rw;
    let (l, r) = (escape(&left), escape(&right));
    let c = colour(category);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"20\"><title>{l}: {r}</title>\
<rect width=\"{w}\" height=\"20\" rx=\"3\" fill=\"#24292f\"/><path d=\"M{lw} 0h{}a3 3 0 0 1 3 3v14a3 3 0 0 1-3 3h-{0}z\" fill=\"{c}\"/>\
<g fill=\"#fff\" text-anchor=\"middle\" font-family=\"Verdana,DejaVu Sans,sans-serif\" font-size=\"11\"><text x=\"{}\" y=\"14\">{l}</text><text x=\"{}\" y=\"14\">{r}</text></g></svg>\n",
        rw - 3.0,
        lw / 2.0,
        lw + rw / 2.0,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn badge_escapes_and_names_status() {
        let b = super::badge("a<b", "in_progress", "doing");
        assert!(b.contains("a&lt;b: in progress"));
        assert!(b.contains("#1d4ed8"));
    }

    #[test]
    fn size_is_the_width_the_badge_declares() {
        for (id, status) in [("a", "done"), ("train-churn-model", "in_progress"), ("x", "")] {
            let (w, h) = super::size(id, status);
            let svg = super::badge(id, status, "todo");
            assert!(
                svg.starts_with(&format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\"")),
                "{svg}"
            );
        }
    }
}
