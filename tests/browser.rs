//! Browser tests: build the example backlog, load key pages in headless
//! Chromium, check key elements in the DOM and that no page logs a console
//! error, save screenshots under `target/screenshots/`, and run axe-core on
//! one page of every kind, light and dark. Without a Chromium (or without
//! axe-core, for the accessibility test) the tests print a loud skip line
//! (CI installs Debian's `chromium` and `npm install`s axe-core: `.ci/run`).

#[path = "support/chromium.rs"]
mod chromium_support;
#[path = "support/git.rs"]
mod git_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use chromium_support::{chromium, run, Cdp};
use serde_json::json;

fn console_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("Uncaught") || (l.contains(":CONSOLE") && (l.contains("rror") || l.contains("ERROR"))))
        .collect()
}

#[test]
fn pages_render_in_headless_chromium_without_console_errors() {
    let Some(chrome) = chromium() else {
        eprintln!("\n!!!!!!!! SKIPPED browser test: no chromium on PATH (apt-get install -y chromium) !!!!!!!!\n");
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("site");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("example-backlog");
    let st = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["build", "--no-history", "-q", "-C"])
        .arg(&root)
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let pages: &[(&str, &str, &[&str])] = &[
        (
            "overview",
            "index.html",
            &["class=\"stats\"", "Initiatives and epics", "status-donut-t", "aria-current=\"page\""],
        ),
        ("board", "board/2026-s47.html", &["class=\"board\"", "class=\"column", "class=\"card"]),
        (
            "item",
            "items/train-churn-model.html",
            &["class=\"panel prose\"", "class=\"meta\"", "Impact", "class=\"breadcrumb\""],
        ),
        ("impact", "impact/train-churn-model.html", &["graph-scroll", "<svg", "class=\"itemlist\""]),
        ("graph-index", "graph.html", &["Graphs by initiative and epic", "graph-all.html"]),
        ("graph-epic", "graph/health-scoring.html", &["is-zoomable", "data-graph-filter=\"status\"", "viewBox"]),
        (
            "graph-focus",
            "graph/focus/customer-retention.html",
            &["is-zoomable", "aria-pressed=\"true\">2 steps", "1 step away"],
        ),
        ("sprint", "sprints/2026-s47.html", &["Committed items", "capacity-2026-s47-t", "class=\"stats\""]),
        // The sort script ran: it makes every sortable header keyboard-focusable.
        (
            "backlog",
            "backlog.html",
            &["id=\"backlog-table\"", "data-sort-reset=\"#backlog-table\">Rank order", "role=\"columnheader button\""],
        ),
    ];
    let mut failures = Vec::new();
    for (name, path, needles) in pages {
        let url = format!("file://{}", out.join(path).display());
        let profile = t.path().join(format!("profile-{name}"));
        let (dom, log) = run(&chrome, &profile, &["--dump-dom".to_string()], &url);
        for n in *needles {
            if !dom.contains(n) {
                failures.push(format!("{path}: `{n}` not in the DOM"));
            }
        }
        for e in console_errors(&log) {
            failures.push(format!("{path}: console error: {e}"));
        }
        for (suffix, size) in [("", "1280,900"), ("-phone", "390,844")] {
            let file = shots.join(format!("{name}{suffix}.png"));
            let _ = std::fs::remove_file(&file);
            let (_, log) = run(
                &chrome,
                &t.path().join(format!("profile-{name}{suffix}-shot")),
                &[
                    format!("--screenshot={}", file.display()),
                    format!("--window-size={size}"),
                    "--hide-scrollbars".into(),
                ],
                &url,
            );
            if !file.is_file() {
                failures.push(format!("{path}: no screenshot ({})", log.lines().last().unwrap_or("")));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// axe-core's `axe.min.js`: `$AXE_CORE_JS`, else where `.ci/run` installs it
/// (`npm install --prefix ~/.cache/cairn-axe axe-core@4`).
fn axe_core() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("AXE_CORE_JS") {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let home = PathBuf::from(std::env::var_os("HOME")?);
    Some(home.join(".cache/cairn-axe/node_modules/axe-core/axe.min.js")).filter(|p| p.is_file())
}

/// Runs axe on the page once it has loaded and writes the result, as JSON,
/// into a `<pre id="axe-result">` that `--dump-dom` then shows.
const AXE_RUN: &str = r#"(function () {
  function done(obj) {
    var pre = document.createElement("pre");
    pre.id = "axe-result";
    pre.textContent = JSON.stringify(obj);
    document.body.appendChild(pre);
  }
  try {
    axe.run(document, { resultTypes: ["violations"] }).then(function (r) {
      done({
        dark: window.matchMedia("(prefers-color-scheme: dark)").matches,
        violations: r.violations.map(function (v) {
          return { id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(function (n) {
            return n.target.join(" ") + " :: " + (n.failureSummary || "").replace(/\s+/g, " ");
          }) };
        })
      });
    }, function (e) { done({ error: String(e) }); });
  } catch (e) { done({ error: String(e) }); }
})();
"#;

/// Copies the example backlog (without its cache) into `to`.
fn copy_example(to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("example-backlog");
    for e in
        walkdir::WalkDir::new(&from).into_iter().filter_entry(|e| !e.file_name().to_string_lossy().starts_with('.'))
    {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(&from).unwrap();
        if e.file_type().is_dir() {
            std::fs::create_dir_all(to.join(rel)).unwrap();
        } else {
            std::fs::copy(e.path(), to.join(rel)).unwrap();
        }
    }
}

fn build_site(root: &Path, out: &Path, extra: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["build", "-q", "-C"])
        .arg(root)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "cairn build: {}", String::from_utf8_lossy(&o.stderr));
}

/// Serious and critical axe violations of `page` (a path in the site at
/// `site`) with the given colour scheme, as lines for the failure message.
fn axe_page(chrome: &Path, scratch: &Path, site: &Path, page: &str, dark: bool) -> Vec<String> {
    // A page may have a query (`board/<sprint>.html?group=epic`): the file
    // is the page's, the address keeps it.
    let (page, query) = page.split_once('?').map_or((page, String::new()), |(p, q)| (p, format!("?{q}")));
    let html = std::fs::read_to_string(site.join(page)).unwrap();
    let root = "../".repeat(page.matches('/').count());
    let scripts =
        // Deferred: after the page's own (deferred) scripts, which may
        // change it (a board regrouped by `?group=`).
        format!("<script src=\"{root}axe.min.js\" defer></script><script src=\"{root}axe-run.js\" defer></script></body>");
    assert!(html.contains("</body>"), "{page}: no </body>");
    // A copy next to the page, so its relative links and styles still work.
    let probe = format!("{}.axe.html", page.trim_end_matches(".html"));
    std::fs::write(site.join(&probe), html.replacen("</body>", &scripts, 1)).unwrap();
    let scheme = if dark { "dark" } else { "light" };
    let profile = scratch.join(format!("axe-{}{}-{scheme}", page.replace('/', "-"), query.replace(['?', '='], "-")));
    let args = [
        "--dump-dom".to_string(),
        // Blink's PreferredColorScheme: 0 = dark, 1 = light.
        format!("--blink-settings=preferredColorScheme={}", if dark { 0 } else { 1 }),
        // Lets the page's promises and timers (axe's) finish before the dump.
        "--virtual-time-budget=60000".to_string(),
    ];
    let (dom, log) = run(chrome, &profile, &args, &format!("file://{}{query}", site.join(&probe).display()));
    let Some(start) = dom.find("<pre id=\"axe-result\">") else {
        return vec![format!("{page} ({scheme}): axe did not report; log tail: {}", tail(&log))];
    };
    let body = &dom[start + "<pre id=\"axe-result\">".len()..];
    let json = body[..body.find("</pre>").unwrap_or(body.len())]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    let v: serde_json::Value = match serde_json::from_str(&json) {
        Ok(v) => v,
        Err(e) => return vec![format!("{page} ({scheme}): unreadable axe result ({e}): {json}")],
    };
    if let Some(e) = v.get("error") {
        return vec![format!("{page} ({scheme}): axe failed: {e}")];
    }
    let mut out = Vec::new();
    if v["dark"].as_bool() != Some(dark) {
        out.push(format!("{page}: prefers-color-scheme was not {scheme}"));
    }
    for x in v["violations"].as_array().into_iter().flatten() {
        let impact = x["impact"].as_str().unwrap_or("");
        if matches!(impact, "serious" | "critical") {
            let nodes: Vec<&str> = x["nodes"].as_array().into_iter().flatten().filter_map(|n| n.as_str()).collect();
            out.push(format!(
                "{page} ({scheme}): {impact} {}: {}\n    {}",
                x["id"].as_str().unwrap_or("?"),
                x["help"].as_str().unwrap_or(""),
                nodes.join("\n    ")
            ));
        }
    }
    out
}

fn tail(log: &str) -> String {
    log.lines().rev().take(3).collect::<Vec<_>>().join(" | ")
}

/// axe-core finds no serious or critical violation on one page of every
/// kind, in light and in dark mode. The backlog is the example with a git
/// history (so the audit log, the burndown and the history charts are
/// drawn) and one item with a warning and a task list (so the problems
/// table and body checkboxes are there); the clean example's problems page
/// (its empty state) is checked too.
#[test]
fn axe_finds_no_serious_or_critical_violations_on_any_page_kind() {
    let Some(chrome) = chromium() else {
        eprintln!("\n!!!!!!!! SKIPPED axe test: no chromium on PATH (apt-get install -y chromium) !!!!!!!!\n");
        return;
    };
    let Some(axe) = axe_core() else {
        eprintln!(
            "\n!!!!!!!! SKIPPED axe test: no axe-core (npm install --prefix \"$HOME/.cache/cairn-axe\" axe-core@4, or set AXE_CORE_JS) !!!!!!!!\n"
        );
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let repo = git_support::Repo::new();
    copy_example(&repo.path);
    repo.commit("Ana", "2026-11-15T09:00:00Z", "the example backlog");
    let widget = repo.path.join("stories/at-risk-widget.md");
    let text = std::fs::read_to_string(&widget).unwrap();
    assert!(text.contains("\nstatus: in_progress\n"), "the example's at-risk-widget story changed");
    repo.write("stories/at-risk-widget.md", &text.replacen("\nstatus: in_progress\n", "\nstatus: done\n", 1));
    repo.commit("Ben", "2026-11-18T15:30:00Z", "widget done");
    repo.write(
        "stories/zz-checklist.md",
        "---\ntitle: Story with a `code` title\nstatus: ready\nsprint: 2026-s47\nestimate: 2\n---\n\nSee [[no-such-item]].\n\n- [x] a task\n\n## Acceptance criteria\n- [x] one\n- [ ] two\n",
    );
    repo.commit("Chloe", "2026-11-20T11:00:00Z", "a story with a broken link");
    // An open proposal, so the proposals page is there.
    let o = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["plan", "2026-s48", "--propose", "-q", "-C"])
        .arg(&repo.path)
        .output()
        .unwrap();
    assert!(
        o.status.success() && o.stdout.starts_with(b"proposals/"),
        "cairn plan --propose: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let rich = t.path().join("rich");
    build_site(&repo.path, &rich, &[]);
    let clean = t.path().join("clean");
    build_site(&Path::new(env!("CARGO_MANIFEST_DIR")).join("example-backlog"), &clean, &["--no-history"]);
    let pages: &[(&Path, &str)] = &[
        (&rich, "index.html"),
        (&rich, "board/index.html"),
        (&rich, "board/2026-s47.html"),
        (&rich, "backlog.html"),
        (&rich, "items/train-churn-model.html"),
        (&rich, "items/zz-checklist.html"),
        (&rich, "items/health-scoring.html"),
        (&rich, "impact/train-churn-model.html"),
        (&rich, "graph.html"),
        (&rich, "graph/health-scoring.html"),
        (&rich, "roadmap.html"),
        (&rich, "roadmap/health-scoring.html"),
        (&rich, "board/all/index.html"),
        (&rich, "board/2026-s47.html?group=assignee"),
        (&rich, "board/2026-s47.html?group=epic"),
        (&rich, "graph/focus/customer-retention.html"),
        (&rich, "graph-all.html"),
        (&rich, "sprints/index.html"),
        (&rich, "sprints/2026-s47.html"),
        (&rich, "metrics.html"),
        (&rich, "insights.html"),
        (&rich, "audit.html"),
        (&rich, "docs/index.html"),
        (&rich, "docs/prd-health-scoring.html"),
        (&rich, "problems.html"),
        (&rich, "proposals.html"),
        (&clean, "problems.html"),
    ];
    // The pages have what they are here to test.
    let read = |site: &Path, p: &str| std::fs::read_to_string(site.join(p)).unwrap();
    assert!(read(&rich, "audit.html").contains("class=\"table events\""), "no audit table");
    assert!(read(&rich, "problems.html").contains("id=\"problems-table\""), "no problems table");
    assert!(read(&clean, "problems.html").contains("empty-state"), "no empty state");
    assert!(read(&rich, "proposals.html").contains("class=\"panel proposal\""), "no proposal");
    assert!(read(&rich, "items/zz-checklist.html").contains("type=\"checkbox\""), "no task list");
    for site in [&rich, &clean] {
        std::fs::copy(&axe, site.join("axe.min.js")).unwrap();
        std::fs::write(site.join("axe-run.js"), AXE_RUN).unwrap();
    }
    let mut failures = Vec::new();
    for (site, page) in pages {
        for dark in [false, true] {
            failures.extend(axe_page(&chrome, t.path(), site, page, dark));
        }
    }
    assert!(failures.is_empty(), "{} axe failures:\n{}", failures.len(), failures.join("\n"));
}

/// Builds the example (without history) into `out`.
fn build_example(out: &Path) {
    build_site(&Path::new(env!("CARGO_MANIFEST_DIR")).join("example-backlog"), out, &["--no-history"]);
}

/// Loads `url` in `cdp` and waits for it.
fn goto(cdp: &mut Cdp, url: &str) {
    cdp.call("Page.navigate", json!({ "url": url }));
    let want = serde_json::to_string(url).unwrap();
    cdp.wait_for(url, &format!("document.readyState === 'complete' && location.href === {want}"));
}

/// The viewport's size.
fn viewport(cdp: &mut Cdp, width: u32, height: u32) {
    cdp.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
    );
}

fn day(s: &str) -> i64 {
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    (d - chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()).num_days()
}

/// The roadmap page draws a bar per scheduled row of `cairn roadmap
/// --format json`, in the same order, at the x its early start gives and
/// as wide as its days of work (one scale for the whole chart).
#[test]
fn roadmap_bars_are_where_the_schedule_puts_them() {
    let Some(chrome) = chromium() else {
        eprintln!("\n!!!!!!!! SKIPPED roadmap browser test: no chromium on PATH !!!!!!!!\n");
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("site");
    build_example(&out);
    let o = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["roadmap", "--format", "json", "-C"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("example-backlog"))
        .output()
        .unwrap();
    assert!(o.status.success());
    let model: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = model["rows"].as_array().unwrap();
    let mut cdp = Cdp::start(&chrome, &t.path().join("profile"), "about:blank", 1400, 900);
    viewport(&mut cdp, 1400, 900);
    goto(&mut cdp, &format!("file://{}", out.join("roadmap.html").display()));
    // The table lists the rows in the model's order; the chart draws row
    // k's bar at y = 44 + 22 k + 5 (a row is 22 pixels under a 44-pixel
    // axis, a bar 12 pixels high in its middle).
    let order = cdp.eval(
        "Array.from(document.querySelectorAll('.roadmap-table tbody tr')).map(function (r) { \
           var a = r.querySelector('td a'); return a && a.getAttribute('href').replace(/^items\\/|\\.html$/g, ''); })",
    );
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(order, json!(ids), "a row per row of the model, in its order");
    let drawn = cdp.eval(
        "Array.from(document.querySelectorAll('.roadmap-fig rect.g-bar, .roadmap-fig rect.g-crit')).map(function (b) { \
           return [b.y.baseVal.value, b.x.baseVal.value, b.width.baseVal.value, b.getAttribute('class')]; })",
    );
    let drawn = drawn.as_array().unwrap();
    let bars: Vec<(&serde_json::Value, f64, f64, &str)> = drawn
        .iter()
        .map(|d| {
            let k = ((d[0].as_f64().unwrap() - 49.0) / 22.0).round() as usize;
            (&rows[k], d[1].as_f64().unwrap(), d[2].as_f64().unwrap(), d[3].as_str().unwrap())
        })
        .collect();
    assert!(bars.len() >= 10, "bars drawn: {}", bars.len());
    let span = |r: &serde_json::Value| day(r["finish"].as_str().unwrap()) - day(r["start"].as_str().unwrap()) + 1;
    let start = |r: &serde_json::Value| day(r["start"].as_str().unwrap());
    // The scale: pixels per day, from the earliest and the latest start.
    let (r0, x0, _, _) = bars.iter().min_by_key(|b| start(b.0)).copied().unwrap();
    let (r1, x1, _, _) = bars.iter().max_by_key(|b| start(b.0)).copied().unwrap();
    assert!(start(r1) > start(r0), "bars start on different days");
    let px = (x1 - x0) / (start(r1) - start(r0)) as f64;
    for (r, x, w, class) in bars {
        let id = r["id"].as_str().unwrap();
        let s = day(r["start"].as_str().unwrap()) - day(r0["start"].as_str().unwrap());
        // Whole pixels: each end within a pixel of the exact one.
        assert!((x - (x0 + s as f64 * px)).abs() <= 1.0, "{id}: x {x}, want {}", x0 + s as f64 * px);
        let want = (span(r) as f64 * px).max(2.0);
        assert!((w - want).abs() <= 1.5, "{id}: width {w}, want {want}");
        assert_eq!(class == "g-crit", r["critical"].as_bool().unwrap(), "{id}: critical is {class}");
    }
    // Dependency arrows: hidden until the checkbox is ticked.
    let shown = "getComputedStyle(document.querySelector('.g-dep')).display";
    assert_eq!(cdp.eval(shown), json!("none"));
    cdp.eval("document.querySelector('label[for=rm-arrows]').click()");
    assert_eq!(cdp.eval(shown), json!("inline"));
}

/// Every page kind, at a desktop and a phone width: the page never
/// scrolls sideways, boards fit their container (their own columns fit at
/// 1400 px), and at 390 px the navigation is behind a menu button that
/// opens with a click and with the keyboard.
#[test]
fn pages_fit_desktop_and_phone_widths_and_the_phone_menu_works() {
    let Some(chrome) = chromium() else {
        eprintln!("\n!!!!!!!! SKIPPED layout browser test: no chromium on PATH !!!!!!!!\n");
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("site");
    build_example(&out);
    let pages = [
        "index.html",
        "board/index.html",
        "board/all/index.html",
        "board/2026-s47.html",
        "board/2026-s47.html?group=assignee",
        "board/2026-s47.html?group=epic",
        "backlog.html",
        "items/train-churn-model.html",
        "items/health-scoring.html",
        "impact/train-churn-model.html",
        "graph.html",
        "graph/health-scoring.html",
        "roadmap.html",
        "roadmap/health-scoring.html",
        "sprints/index.html",
        "sprints/2026-s47.html",
        "metrics.html",
        "insights.html",
        "audit.html",
        "docs/index.html",
        "docs/prd-health-scoring.html",
        "problems.html",
    ];
    let mut cdp = Cdp::start(&chrome, &t.path().join("profile"), "about:blank", 1400, 900);
    let mut failures = Vec::new();
    for (width, height) in [(1400u32, 900u32), (390, 844)] {
        viewport(&mut cdp, width, height);
        for page in pages {
            goto(&mut cdp, &format!("file://{}", out.join(page).display()));
            let doc = cdp.eval("document.documentElement.scrollWidth").as_f64().unwrap();
            if doc > f64::from(width) {
                failures.push(format!("{page} at {width}px: the page is {doc}px wide"));
            }
            // Each board shown inside main, each column inside its board (a
            // board grouped into lanes hides the board of status columns).
            let boards = cdp.eval(
                "(function () { var m = document.querySelector('main').getBoundingClientRect(); \
                   return Array.from(document.querySelectorAll('.board:not([hidden])')).map(function (b) { \
                     var r = b.getBoundingClientRect(); \
                     var cols = Array.from(b.querySelectorAll('.column')).map(function (c) { return c.getBoundingClientRect().right; }); \
                     return [r.left - m.left, m.right - r.right, b.scrollWidth - b.clientWidth, Math.max.apply(null, cols.concat([0])) - r.right]; }); })()",
            );
            for (k, b) in boards.as_array().unwrap().iter().enumerate() {
                let v: Vec<f64> = b.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
                if v[0] < -0.5 || v[1] < -0.5 || v[2] > 0.5 || v[3] > 0.5 {
                    failures.push(format!(
                        "{page} at {width}px: board {k} overflows (left {}, right {}, own overflow {}, columns past it {})",
                        v[0], v[1], v[2], v[3]
                    ));
                }
            }
            let nav = "getComputedStyle(document.getElementById('main-nav')).display";
            let button = "document.querySelector('label[for=nav-toggle]').getBoundingClientRect().width";
            if page.starts_with("items/") || page.starts_with("impact/") {
                // The light frame: its four links show at every width, in
                // the header, no menu button.
                let links = "(function () { var n = document.querySelector('header nav[aria-label=Main]'); \
                               var h = document.querySelector('header').getBoundingClientRect(); \
                               return !document.getElementById('nav-toggle') && getComputedStyle(n).display !== 'none' \
                                 && Array.from(n.querySelectorAll('a')).every(function (a) { var r = a.getBoundingClientRect(); \
                                   return r.height > 0 && r.left >= h.left - 0.5 && r.right <= h.right + 0.5; }); })()";
                if cdp.eval(links) != json!(true) {
                    failures
                        .push(format!("{page} at {width}px: the light frame's links do not all show in the header"));
                }
                continue;
            }
            if width == 390 {
                if cdp.eval(nav) != json!("none") {
                    failures.push(format!("{page}: the navigation shows before the menu is opened"));
                }
                if cdp.eval(button).as_f64().unwrap_or(0.0) < 24.0 {
                    failures.push(format!("{page}: no menu button"));
                }
            } else if cdp.eval(nav) == json!("none") || cdp.eval(button).as_f64().unwrap_or(1.0) != 0.0 {
                failures.push(format!("{page} at {width}px: the navigation is hidden behind a menu"));
            }
        }
    }
    // The menu at 390 px: opened by a click, closed, opened by Space.
    goto(&mut cdp, &format!("file://{}", out.join("roadmap.html").display()));
    let open = "getComputedStyle(document.getElementById('main-nav')).display !== 'none' \
                && document.querySelector('#main-nav a[href=\"roadmap.html\"]').getBoundingClientRect().height > 0";
    cdp.eval("document.querySelector('label[for=nav-toggle]').click()");
    assert_eq!(cdp.eval(open), json!(true), "a click opens the menu");
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    cdp.eval("document.querySelector('label[for=nav-toggle]').click()");
    assert_eq!(cdp.eval(open), json!(false), "a second click closes it");
    cdp.eval("document.getElementById('nav-toggle').focus()");
    for ty in ["keyDown", "keyUp"] {
        cdp.call(
            "Input.dispatchKeyEvent",
            json!({ "type": ty, "key": " ", "code": "Space", "windowsVirtualKeyCode": 32, "text": if ty == "keyDown" { " " } else { "" } }),
        );
    }
    assert_eq!(cdp.eval(open), json!(true), "Space on the focused menu button opens it");
    assert_eq!(
        cdp.eval(
            "(function () { var l = document.querySelector('label[for=nav-toggle]'); return l.textContent.trim(); })()"
        ),
        json!("Menu"),
        "the button's accessible name"
    );
    // Screenshots to look at: the roadmap and the board, desktop and phone.
    for (name, page) in [
        ("roadmap", "roadmap.html"),
        ("board-default", "board/index.html"),
        ("board-lanes", "board/2026-s47.html?group=epic"),
    ] {
        for (suffix, size) in [("-1400", "1400,900"), ("-phone", "390,844")] {
            let file = shots.join(format!("{name}{suffix}.png"));
            let _ = std::fs::remove_file(&file);
            run(
                &chrome,
                &t.path().join(format!("shot-{name}{suffix}")),
                &[
                    format!("--screenshot={}", file.display()),
                    format!("--window-size={size}"),
                    "--hide-scrollbars".into(),
                ],
                &format!("file://{}", out.join(page).display()),
            );
            if !file.is_file() {
                failures.push(format!("{page}: no screenshot"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Clicks the zoom-in button and picks a kind in the filter once the page
/// and its scripts have loaded, then writes what changed into a
/// `<pre id="probe">` that `--dump-dom` shows.
const GRAPH_PROBE: &str = r#"window.addEventListener("load", function () {
  var out = {};
  try {
    var svg = document.querySelector(".graph-scroll svg");
    out.far = svg.querySelectorAll(".node.is-far").length;
    out.before = svg.getAttribute("viewBox");
    document.querySelector('[data-zoom="in"]').click();
    out.after = svg.getAttribute("viewBox");
    var kind = document.querySelector('[data-graph-filter="kind"]');
    kind.value = "story";
    kind.dispatchEvent(new Event("change"));
    out.out = svg.querySelectorAll(".node.is-out").length;
    var hide = document.querySelector("[data-graph-hide]");
    hide.checked = true;
    hide.dispatchEvent(new Event("change"));
    var n = svg.querySelector(".node.is-out");
    out.hidden = n ? getComputedStyle(n).display : "none";
  } catch (e) { out.error = String(e); }
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
"#;

/// On an epic's view focused on one of its items (`#n-<id>`) in Chromium,
/// the script hides what is more than two edges away (counted here over
/// the drawing's own edges), the zoom-in button zooms (the viewBox shrinks
/// by the zoom step around the same center), and the kind filter dims
/// exactly the nodes of other kinds, which "hide the others" hides.
#[test]
fn graph_views_zoom_and_filter_in_chromium() {
    let Some(chrome) = chromium() else {
        eprintln!("\n!!!!!!!! SKIPPED graph view test: no chromium on PATH (apt-get install -y chromium) !!!!!!!!\n");
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("site");
    build_site(&Path::new(env!("CARGO_MANIFEST_DIR")).join("example-backlog"), &out, &["--no-history"]);
    let html = std::fs::read_to_string(out.join("graph/health-scoring.html")).unwrap();
    let value = |tag: &str, name: &str| -> String {
        let at = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        tag[at..at + tag[at..].find('"').unwrap()].to_string()
    };
    // The drawing's nodes (id, kind) and edges, from the page itself.
    let nodes: Vec<(String, String)> = html
        .split(" class=\"node ")
        .skip(1)
        .map(|p| {
            let tag = &p[..p.find('>').unwrap()];
            (value(tag, "id").trim_start_matches("n-").to_string(), value(tag, "data-kind"))
        })
        .collect();
    // An edge names its ends by their place among the nodes (`data-e`).
    let edges: Vec<(String, String)> = html
        .split("<path ")
        .skip(1)
        .filter(|p| p[..p.find('>').unwrap()].contains(" data-e=\""))
        .map(|p| {
            let tag = format!(" {}", &p[..p.find('>').unwrap()]);
            let e = value(&tag, "data-e");
            let (a, b) = e.split_once(' ').unwrap();
            (nodes[a.parse::<usize>().unwrap()].0.clone(), nodes[b.parse::<usize>().unwrap()].0.clone())
        })
        .collect();
    let center = "train-churn-model";
    let mut dist = std::collections::HashMap::from([(center.to_string(), 0usize)]);
    let mut queue = std::collections::VecDeque::from([center.to_string()]);
    while let Some(u) = queue.pop_front() {
        let d = dist[&u];
        for (a, b) in &edges {
            let v = if *a == u {
                b
            } else if *b == u {
                a
            } else {
                continue;
            };
            if d < 2 && !dist.contains_key(v) {
                dist.insert(v.clone(), d + 1);
                queue.push_back(v.clone());
            }
        }
    }
    let far = nodes.iter().filter(|(id, _)| !dist.contains_key(id)).count();
    assert!(far > 0 && dist.len() > 2, "the view has near and far nodes");
    let others = nodes.iter().filter(|(_, k)| k != "story").count();
    assert!(others > 0 && others < nodes.len(), "the view mixes kinds");
    std::fs::write(out.join("probe.js"), GRAPH_PROBE).unwrap();
    let probe = "graph/probe.html";
    std::fs::write(out.join(probe), html.replacen("</body>", "<script src=\"../probe.js\"></script></body>", 1))
        .unwrap();
    let args =
        ["--dump-dom".to_string(), "--window-size=1280,900".to_string(), "--virtual-time-budget=10000".to_string()];
    let url = format!("file://{}#n-{center}", out.join(probe).display());
    let (dom, log) = run(&chrome, &t.path().join("profile-probe"), &args, &url);
    let start = dom.find("<pre id=\"probe\">").unwrap_or_else(|| panic!("no probe result; log: {}", tail(&log))) + 16;
    let json = dom[start..start + dom[start..].find("</pre>").unwrap()].replace("&quot;", "\"");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert!(v.get("error").is_none(), "{v}");
    assert_eq!(v["far"].as_u64(), Some(far as u64), "focused: the nodes more than 2 edges away are hidden");
    let vb = |k: &str| -> Vec<f64> { v[k].as_str().unwrap().split(' ').map(|x| x.parse().unwrap()).collect() };
    let (a, b) = (vb("before"), vb("after"));
    assert!((b[2] - a[2] / 1.25).abs() < 0.5 && (b[3] - a[3] / 1.25).abs() < 0.5, "zoomed in by 1.25: {a:?} → {b:?}");
    let mid = |x: &[f64], k: usize| x[k] + x[k + 2] / 2.0;
    assert!((mid(&a, 0) - mid(&b, 0)).abs() < 0.5 && (mid(&a, 1) - mid(&b, 1)).abs() < 0.5, "around the center");
    assert_eq!(v["out"].as_u64(), Some(others as u64), "the filter dims every node of another kind");
    assert_eq!(v["hidden"].as_str(), Some("none"), "hide the others hides them");
    let errors = console_errors(&log);
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

/// The audit log's person filter shows exactly the chosen author's rows.
#[test]
fn audit_filters_by_person_in_chromium() {
    let Some(chrome) = chromium() else {
        eprintln!("\n!!!!!!!! SKIPPED audit filter test: no chromium on PATH (apt-get install -y chromium) !!!!!!!!\n");
        return;
    };
    let repo = git_support::Repo::new();
    repo.write("cairn.yml", "name: A\n");
    for k in 0..3 {
        repo.write(&format!("tasks/t{k}.md"), "---\ntitle: T\nstatus: ready\n---\n");
    }
    repo.commit("Ana", "2026-11-15T09:00:00Z", "three tasks");
    repo.write("tasks/t0.md", "---\ntitle: T\nstatus: done\n---\n");
    repo.commit("Ben", "2026-11-16T09:00:00Z", "one done");
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("site");
    build_site(&repo.path, &out, &[]);
    let html = std::fs::read_to_string(out.join("audit.html")).unwrap();
    // Ana created three tasks, Ben changed one status: 1 of 4 rows.
    assert_eq!(html.matches("<tr data-author=").count(), 4);
    let probe = r##"window.addEventListener("load", function () {
  var s = document.querySelector('[data-filter-col="author"]');
  s.value = "Ben";
  s.dispatchEvent(new Event("change"));
  var shown = [];
  document.querySelectorAll("#audit-events tbody tr").forEach(function (r) { if (!r.hidden) shown.push(r.getAttribute("data-author") + ":" + r.getAttribute("data-field")); });
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = shown.join(",");
  document.body.appendChild(pre);
});
"##;
    std::fs::write(out.join("probe.js"), probe).unwrap();
    std::fs::write(out.join("probe.html"), html.replacen("</body>", "<script src=\"probe.js\"></script></body>", 1))
        .unwrap();
    let args = ["--dump-dom".to_string(), "--virtual-time-budget=5000".to_string()];
    let (dom, log) =
        run(&chrome, &t.path().join("profile"), &args, &format!("file://{}", out.join("probe.html").display()));
    let start = dom.find("<pre id=\"probe\">").unwrap_or_else(|| panic!("no probe result; log: {}", tail(&log))) + 16;
    assert_eq!(&dom[start..start + dom[start..].find("</pre>").unwrap()], "Ben:status");
}
