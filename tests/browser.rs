//! Browser test: builds the example backlog, loads key pages in headless
//! Chromium, checks key elements in the DOM and that no page logs a console
//! error, and saves screenshots under `target/screenshots/`. Without a
//! Chromium on the machine the test prints a loud skip line (CI installs
//! Debian's `chromium`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Runs Chromium headless with `args` on `url`, killing it after a minute.
fn run(chrome: &Path, profile: &Path, args: &[String], url: &str) -> (String, String) {
    // Output goes to files, not pipes: a full pipe would block Chromium.
    std::fs::create_dir_all(profile).unwrap();
    let (so, se) = (profile.join("stdout.txt"), profile.join("stderr.txt"));
    let mut child = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-dev-shm-usage",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdout(Stdio::from(std::fs::File::create(&so).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(&se).unwrap()))
        .spawn()
        .expect("start chromium");
    let start = Instant::now();
    loop {
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish loading {url} in 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    (read(&so), read(&se))
}

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
        ("sprint", "sprints/2026-s47.html", &["Committed items", "capacity-2026-s47-t", "class=\"stats\""]),
        // The sort script ran: it makes every sortable header keyboard-focusable.
        (
            "backlog",
            "backlog.html",
            &["id=\"backlog-table\"", "aria-sort=\"ascending\"", "role=\"columnheader button\""],
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
