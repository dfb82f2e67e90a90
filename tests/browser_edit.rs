//! Editing in the browser (serve only), in headless Chromium driven over
//! the DevTools protocol: a card dragged with the mouse to a column the
//! workflow refuses snaps back and says why, and nothing is written; dragged
//! to an allowed column, its file changes. Without Chromium the test prints
//! a loud skip line (CI installs it: `.ci/run`).

#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/server.rs"]
mod server;

use std::time::{Duration, Instant};

const ITEM: &str = "widget-timezone-off-by-one";
const ITEM_FILE: &str = "bugs/widget-timezone-off-by-one.md";

/// The centre of an element, in CSS pixels of the viewport.
fn point(cdp: &mut chromium::Cdp, selector: &str) -> (f64, f64) {
    let js = format!(
        "(function(){{var e=document.querySelector({sel});if(!e)return null;var r=e.getBoundingClientRect();return [r.x+r.width/2,r.y+r.height/2];}})()",
        sel = serde_json::to_string(selector).unwrap()
    );
    let v = cdp.eval(&js);
    let a = v.as_array().unwrap_or_else(|| panic!("no `{selector}` on the page"));
    (a[0].as_f64().unwrap(), a[1].as_f64().unwrap())
}

/// The points to drag from (the card) and to (the column's head), both in
/// view.
fn ends(cdp: &mut chromium::Cdp, card: &str, status: &str) -> ((f64, f64), (f64, f64)) {
    ends_in(cdp, "", card, status)
}

/// As `ends`, the column looked for inside `scope` (a selector and a
/// space, or nothing).
fn ends_in(cdp: &mut chromium::Cdp, scope: &str, card: &str, status: &str) -> ((f64, f64), (f64, f64)) {
    let head = format!("{scope}.column[data-status=\"{status}\"] .column-head");
    let js = format!(
        "(function(){{var c=document.querySelector({c}),h=document.querySelector({h});return !!(c&&h)}})()",
        c = serde_json::to_string(&format!("{card} .card-top")).unwrap(),
        h = serde_json::to_string(&head).unwrap()
    );
    cdp.eval(&js);
    // The whole board in view: no scrolling between the two points.
    let (pw, ph) =
        (cdp.eval("document.documentElement.scrollWidth"), cdp.eval("document.documentElement.scrollHeight"));
    let (pw, ph) = (pw.as_f64().unwrap().min(8000.0), ph.as_f64().unwrap().min(16000.0));
    cdp.call(
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({"width": pw as u32, "height": ph as u32, "deviceScaleFactor": 1, "mobile": false}),
    );
    cdp.eval("scrollTo(0,0)");
    let (from, to) = (point(cdp, &format!("{card} .card-top")), point(cdp, &head));
    let (w, h) = (cdp.eval("innerWidth").as_f64().unwrap(), cdp.eval("innerHeight").as_f64().unwrap());
    for (x, y) in [from, to] {
        assert!(x > 0.0 && y > 0.0 && x < w && y < h, "({x}, {y}) is out of the {w}×{h} view");
    }
    (from, to)
}

/// Chromium, or `None` after a loud skip line (CI installs it).
fn chrome_or_skip() -> Option<std::path::PathBuf> {
    let chrome = chromium::chromium();
    if chrome.is_none() {
        eprintln!(
            "\n!!!!!!!! SKIPPED browser editing test: no chromium on PATH (apt-get install -y chromium) !!!!!!!!\n"
        );
    }
    chrome
}

/// Waits up to 20 s for `done`; then fails with `what` and what the page
/// announced.
fn wait_until(cdp: &mut chromium::Cdp, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        if start.elapsed() > Duration::from_secs(20) {
            let said = cdp.eval("(document.getElementById('cairn-edit-status')||{}).textContent");
            panic!("{what}; the page said {said}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn status_in_file(s: &server::Server) -> String {
    let t = std::fs::read_to_string(s.root.join(ITEM_FILE)).unwrap();
    t.lines().find_map(|l| l.strip_prefix("status: ")).unwrap_or("").to_string()
}

#[test]
fn dragging_a_card_on_the_board_changes_its_file_and_a_refused_move_snaps_back() {
    let Some(chrome) = chrome_or_skip() else { return };
    let s = server::serve_example();
    let work = tempfile::tempdir().unwrap();
    let work_keep = work.path().to_path_buf();
    let _log = Log(work_keep.join("profile/stderr.txt"));
    let before = std::fs::read_to_string(s.root.join(ITEM_FILE)).unwrap();
    assert_eq!(status_in_file(&s), "ready");
    // The board of all work: `/board/` is the active sprint's, which
    // without history depends on the clock's date.
    let mut cdp = chromium::Cdp::start(
        &chrome,
        &work.path().join("profile"),
        &format!("http://{}/board/all/", s.addr),
        2400,
        1200,
    );
    let card = format!(".card[data-id=\"{ITEM}\"]");
    cdp.wait_for("the editing script", &format!("!!document.querySelector('{card}[draggable=true]')"));
    assert_eq!(cdp.eval(&format!("document.querySelector('{card}').closest('.column').dataset.status")), "ready");

    // ready → done: the workflow refuses it; the card stays, the reason is
    // announced, the file is untouched.
    let (from, to) = ends(&mut cdp, &card, "done");
    cdp.drag(from, to);
    cdp.wait_for(
        "the refusal to be announced",
        "(document.getElementById('cairn-edit-status')||{}).textContent.indexOf('`ready` → `done`')>=0",
    );
    assert_eq!(cdp.eval(&format!("document.querySelector('{card}').closest('.column').dataset.status")), "ready");
    assert_eq!(std::fs::read_to_string(s.root.join(ITEM_FILE)).unwrap(), before);

    // ready → in_progress: allowed; the file follows.
    let (from, to) = ends(&mut cdp, &card, "in_progress");
    cdp.drag(from, to);
    wait_until(&mut cdp, "the file never changed", || status_in_file(&s) == "in_progress");
    let after = std::fs::read_to_string(s.root.join(ITEM_FILE)).unwrap();
    assert_eq!(after, before.replace("status: ready\n", "status: in_progress\n"), "only the status line changed");
}

/// A sprint's board grouped by assignee (`?group=assignee`: the page's
/// script regroups the cards into lanes) has one board per lane: a card in
/// a lane after the first is draggable too, and dropped on its own lane's
/// column its file changes.
#[test]
fn a_card_in_a_later_swimlane_moves_too() {
    let Some(chrome) = chrome_or_skip() else { return };
    let s = server::serve_example();
    let work = tempfile::tempdir().unwrap();
    let url = format!("http://{}/board/2026-s47.html?group=assignee", s.addr);
    let mut cdp = chromium::Cdp::start(&chrome, &work.path().join("profile"), &url, 2400, 1200);
    cdp.wait_for("the editing script", "!!document.querySelector('.card[draggable=true]')");
    // The first `in_progress` card of a lane other than the first; its lane gets
    // an id to scope the target column with.
    let id = cdp.eval(
        "(function(){var ls=document.querySelectorAll('.lane');for(var i=1;i<ls.length;i++){\
         var c=ls[i].querySelector('.column[data-status=in_progress] .card[draggable=true]');\
         if(c){ls[i].id='the-lane';return c.dataset.id}}return null})()",
    );
    let id = id.as_str().expect("an in_progress card in a later lane").to_string();
    let lanes = cdp.eval("document.querySelectorAll('.lane').length").as_f64().unwrap();
    assert!(lanes >= 2.0, "{lanes} lanes");
    let file = walk(&s.root).into_iter().find(|p| p.file_name().is_some_and(|n| n == format!("{id}.md").as_str()));
    let file = file.unwrap_or_else(|| panic!("no file for {id}"));
    let before = std::fs::read_to_string(&file).unwrap();
    assert!(before.contains("status: in_progress\n"), "{before}");
    let card = format!(".card[data-id=\"{id}\"]");
    let (from, to) = ends_in(&mut cdp, "#the-lane ", &card, "review");
    cdp.drag(from, to);
    wait_until(&mut cdp, &format!("{id}'s file never changed"), || std::fs::read_to_string(&file).unwrap() != before);
    let after = std::fs::read_to_string(&file).unwrap();
    assert_eq!(after, before.replace("status: in_progress\n", "status: review\n"), "only the status line changed");
    assert_eq!(
        cdp.eval(&format!("document.querySelector('{card}').closest('.lane').id")),
        "the-lane",
        "the card stayed in its lane"
    );
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn the_item_page_edits_in_place_and_a_stale_save_keeps_the_text() {
    let Some(chrome) = chrome_or_skip() else { return };
    let s = server::serve_example();
    let work = tempfile::tempdir().unwrap();
    let url = format!("http://{}/items/{ITEM}.html", s.addr);
    let mut cdp = chromium::Cdp::start(&chrome, &work.path().join("profile"), &url, 1280, 1000);
    cdp.wait_for("the Edit button", "!!document.querySelector('.cairn-edit')");
    cdp.eval("document.querySelector('.cairn-edit').click()");
    cdp.wait_for("the form", "!!document.getElementById('cairn-edit-title')");
    // Someone saves the file in an editor meanwhile.
    let path = s.root.join(ITEM_FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("estimate: 2\n", "estimate: 8\n")).unwrap();
    cdp.eval("var t=document.getElementById('cairn-edit-title');t.value='Edited in the browser';document.querySelector('.cairn-item-form button[type=submit]').click()");
    cdp.wait_for(
        "the conflict message",
        "document.querySelector('.cairn-form-msg').textContent.indexOf('changed on disk')>=0",
    );
    assert_eq!(
        cdp.eval("document.getElementById('cairn-edit-title').value"),
        "Edited in the browser",
        "the text is kept"
    );
    let now = std::fs::read_to_string(&path).unwrap();
    assert!(now.contains("estimate: 8\n") && !now.contains("Edited in the browser"), "the editor's save won:\n{now}");
}

/// Prints Chromium's log if the test fails.
struct Log(std::path::PathBuf);

impl Drop for Log {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("chromium's log:\n{}", std::fs::read_to_string(&self.0).unwrap_or_default());
        }
    }
}
