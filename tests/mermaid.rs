//! `cairn roadmap --format mermaid` rendered by Mermaid's own library in
//! headless Chromium: every row of the roadmap's JSON becomes a bar (a
//! milestone for each milestone), in the same order and on the same dates,
//! and Mermaid reports no syntax error. Mermaid comes from npm (`.ci/run`
//! installs it next to axe-core); without it or without Chromium the test
//! prints a loud skip line.

#[path = "support/chromium.rs"]
mod chromium_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use chromium_support::{chromium, Cdp};
use serde_json::Value;

/// Mermaid's `mermaid.min.js`: `$MERMAID_JS`, else where `.ci/run` installs
/// it (`npm install --prefix ~/.cache/cairn-axe mermaid@11`).
fn mermaid_js() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MERMAID_JS") {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let home = PathBuf::from(std::env::var_os("HOME")?);
    Some(home.join(".cache/cairn-axe/node_modules/mermaid/dist/mermaid.min.js")).filter(|p| p.is_file())
}

fn roadmap(format: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("example-backlog");
    let o = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["roadmap", "--today", "2026-12-01", "--format", format, "-C"])
        .arg(&root)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).expect("utf-8")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[test]
fn mermaid_renders_the_roadmap_gantt_bar_for_bar() {
    let (Some(chrome), Some(js)) = (chromium(), mermaid_js()) else {
        eprintln!(
            "\n!!!!!!!! SKIPPED Mermaid test: needs chromium and mermaid (npm install --prefix \"$HOME/.cache/cairn-axe\" mermaid@11) !!!!!!!!\n"
        );
        return;
    };
    let gantt = roadmap("mermaid");
    let json: Value = serde_json::from_str(&roadmap("json")).expect("json");
    let rows = json["rows"].as_array().expect("rows");
    assert!(rows.len() > 20, "the example's roadmap has rows");
    let t = tempfile::tempdir().expect("tmp");
    let page = t.path().join("gantt.html");
    // Mermaid renders the diagram, then the page records what it drew: the
    // bars (Mermaid gives each the task's id) with their x and width, the
    // milestones, and any error.
    let html = format!(
        r#"<!doctype html><meta charset="utf-8"><body><pre class="mermaid">{}</pre>
<script src="file://{}"></script>
<script>
mermaid.initialize({{ startOnLoad: false, gantt: {{ useWidth: 4000 }} }});
mermaid.run().then(function () {{
  var bars = Array.prototype.map.call(document.querySelectorAll("svg rect.task"), function (r) {{
    return {{ id: r.id, x: parseFloat(r.getAttribute("x")), y: parseFloat(r.getAttribute("y")), milestone: r.classList.contains("milestone") }};
  }});
  window.result = {{ bars: bars, error: document.querySelector(".error-text") ? document.body.textContent : null }};
}}, function (e) {{ window.result = {{ bars: [], error: String(e) }}; }});
</script>"#,
        escape(&gantt),
        js.display()
    );
    std::fs::write(&page, html).expect("write");
    let mut cdp = Cdp::start(&chrome, &t.path().join("profile"), &format!("file://{}", page.display()), 1400, 900);
    cdp.wait_for("Mermaid to render", "!!window.result");
    let result = cdp.eval("window.result");
    assert!(result["error"].is_null(), "Mermaid: {}", result["error"]);
    // Mermaid writes the bars in order of start date; their rows (y) are in
    // the diagram's order.
    let mut bars = result["bars"].as_array().expect("bars").clone();
    bars.sort_by(|a, b| a["y"].as_f64().unwrap_or(0.0).total_cmp(&b["y"].as_f64().unwrap_or(0.0)));
    // One bar per row, in the roadmap's order. Our ids are `t_<id>` with
    // the id's other characters as `_`; Mermaid prefixes them with the
    // diagram's own id (`mermaid-<n>-`).
    let want: Vec<String> = rows
        .iter()
        .map(|r| format!("t_{}", r["id"].as_str().expect("id").replace(|c: char| !c.is_ascii_alphanumeric(), "_")))
        .collect();
    let got: Vec<&str> = bars.iter().filter_map(|b| b["id"].as_str()?.rsplit('-').next()).collect();
    assert_eq!(got, want);
    // Milestones where the JSON has them.
    for (row, bar) in rows.iter().zip(&bars) {
        assert_eq!(bar["milestone"].as_bool(), Some(row["milestone"] == true), "{}", row["id"]);
    }
    // The dates: a bar's left edge is a linear function of its start day,
    // so rows that start on the same day start at the same x, and one that
    // starts later starts further right (each row against the first).
    let start = |r: &Value| r["start"].as_str().unwrap_or("").to_string();
    let later = rows.iter().filter(|r| start(r) > start(&rows[0])).count();
    assert!(later > 10, "the example starts rows on different days");
    for (i, j) in (1..rows.len()).map(|j| (0, j)) {
        let (a, b) = (start(&rows[i]), start(&rows[j]));
        let (xa, xb) = (bars[i]["x"].as_f64().unwrap_or(f64::NAN), bars[j]["x"].as_f64().unwrap_or(f64::NAN));
        if bars[i]["milestone"] == true || bars[j]["milestone"] == true {
            continue;
        }
        match a.cmp(&b) {
            std::cmp::Ordering::Equal => assert!((xa - xb).abs() < 0.5, "{a}: {xa} vs {xb}"),
            std::cmp::Ordering::Less => assert!(xa < xb, "{a} < {b} but x {xa} ≥ {xb}"),
            std::cmp::Ordering::Greater => assert!(xa > xb, "{a} > {b} but x {xa} ≤ {xb}"),
        }
    }
}
