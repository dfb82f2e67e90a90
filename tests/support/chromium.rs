//! Headless Chromium for the browser tests: finding it, running it on a
//! URL (`run`, for `--dump-dom` and screenshots), and driving a page over
//! the DevTools protocol on a pipe (`Cdp`, for input events).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Chromium, if installed (`$CHROMIUM`, else on `PATH`).
pub fn chromium() -> Option<PathBuf> {
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

/// The flags every run uses.
pub const FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-dev-shm-usage",
    "--enable-logging=stderr",
    "--v=0",
];

/// Runs Chromium headless with `args` on `url` until it exits (killed
/// after 90 s); its stdout and stderr.
pub fn run(chrome: &Path, profile: &Path, args: &[String], url: &str) -> (String, String) {
    // Output goes to files, not pipes: a full pipe would block Chromium.
    std::fs::create_dir_all(profile).unwrap();
    let (so, se) = (profile.join("stdout.txt"), profile.join("stderr.txt"));
    let mut child = Command::new(chrome)
        .args(FLAGS)
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

/// A Chromium driven over `--remote-debugging-pipe` (fd 3: commands in,
/// fd 4: answers and events out, each message ended by a NUL), attached to
/// its one page. Killed on drop.
pub struct Cdp {
    child: Child,
    to: std::fs::File,
    from: Receiver<Value>,
    next: u64,
    session: String,
    /// Events received so far.
    pub events: Vec<Value>,
}

impl Drop for Cdp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pipe() -> (i32, i32) {
    let mut fds = [0i32; 2];
    // SAFETY: `fds` is a valid array of two ints for pipe2 to fill.
    let r = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(r, 0, "pipe2");
    (fds[0], fds[1])
}

impl Cdp {
    /// Starts Chromium on `url` (window `width`×`height`).
    pub fn start(chrome: &Path, profile: &Path, url: &str, width: u32, height: u32) -> Cdp {
        use std::os::unix::io::FromRawFd;
        use std::os::unix::process::CommandExt;
        std::fs::create_dir_all(profile).unwrap();
        let (cmd_r, cmd_w) = pipe();
        let (out_r, out_w) = pipe();
        // Copies above 3 and 4, so that moving them there clobbers nothing
        // (a pipe end may itself be fd 3 or 4).
        // SAFETY: fcntl on fds we own.
        let (high_r, high_w) =
            unsafe { (libc::fcntl(cmd_r, libc::F_DUPFD_CLOEXEC, 10), libc::fcntl(out_w, libc::F_DUPFD_CLOEXEC, 10)) };
        assert!(high_r >= 10 && high_w >= 10, "fcntl");
        let mut c = Command::new(chrome);
        c.args(FLAGS)
            .arg("--remote-debugging-pipe")
            .arg(format!("--window-size={width},{height}"))
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(url)
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(profile.join("stderr.txt")).unwrap()));
        // SAFETY: only async-signal-safe dup2 calls between fork and exec.
        unsafe {
            c.pre_exec(move || {
                if libc::dup2(high_r, 3) < 0 || libc::dup2(high_w, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = c.spawn().expect("start chromium");
        // SAFETY: the fds are ours, open, and closed once each (by File).
        let (to, mut out) = unsafe {
            libc::close(cmd_r);
            libc::close(out_w);
            libc::close(high_r);
            libc::close(high_w);
            (std::fs::File::from_raw_fd(cmd_w), std::fs::File::from_raw_fd(out_r))
        };
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 65536];
            while let Ok(n) = out.read(&mut chunk) {
                if n == 0 {
                    return;
                }
                buf.extend_from_slice(&chunk[..n]);
                while let Some(end) = buf.iter().position(|&b| b == 0) {
                    let msg: Vec<u8> = buf.drain(..=end).collect();
                    if let Ok(v) = serde_json::from_slice::<Value>(&msg[..msg.len() - 1]) {
                        if tx.send(v).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        let mut cdp = Cdp { child, to, from: rx, next: 0, session: String::new(), events: Vec::new() };
        // Attach to the page.
        let deadline = Instant::now() + Duration::from_secs(30);
        let target = loop {
            let targets = cdp.browser_call("Target.getTargets", json!({}));
            let page = targets["targetInfos"].as_array().and_then(|a| {
                a.iter().find(|t| t["type"] == "page").map(|t| t["targetId"].as_str().unwrap_or("").to_string())
            });
            if let Some(p) = page {
                break p;
            }
            assert!(Instant::now() < deadline, "no page target");
            std::thread::sleep(Duration::from_millis(100));
        };
        let r = cdp.browser_call("Target.attachToTarget", json!({"targetId": target, "flatten": true}));
        cdp.session = r["sessionId"].as_str().expect("a session").to_string();
        cdp
    }

    fn send(&mut self, method: &str, params: Value, session: Option<&str>) -> Value {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).expect("write to chromium");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.from.recv_timeout(left) {
                Ok(v) if v["id"] == id => {
                    assert!(v.get("error").is_none(), "{method}: {v}");
                    return v["result"].clone();
                }
                Ok(v) => self.events.push(v),
                Err(RecvTimeoutError::Timeout) => panic!("no answer to {method}"),
                Err(RecvTimeoutError::Disconnected) => panic!("chromium went away during {method}"),
            }
        }
    }

    fn browser_call(&mut self, method: &str, params: Value) -> Value {
        self.send(method, params, None)
    }

    /// A command to the page.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let s = self.session.clone();
        self.send(method, params, Some(&s))
    }

    /// The value of a JavaScript expression in the page (JSON-able).
    pub fn eval(&mut self, expr: &str) -> Value {
        let r = self.call("Runtime.evaluate", json!({"expression": expr, "returnByValue": true}));
        r["result"]["value"].clone()
    }

    /// Waits (up to 30 s) for an expression to be true.
    pub fn wait_for(&mut self, what: &str, expr: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.eval(expr) != json!(true) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Drains events already sent; the first whose method is `method`.
    pub fn take_event(&mut self, method: &str) -> Option<Value> {
        while let Ok(v) = self.from.try_recv() {
            self.events.push(v);
        }
        let i = self.events.iter().position(|e| e["method"] == method)?;
        Some(self.events.remove(i))
    }

    /// Drags with the mouse from one point to another the way a person
    /// does (press, move, release), with drag-and-drop intercepted and
    /// replayed as HTML5 drag events (headless Chromium has no OS drag).
    pub fn drag(&mut self, from: (f64, f64), to: (f64, f64)) {
        self.call("Input.setInterceptDrags", json!({"enabled": true}));
        let mouse = |t: &str, (x, y): (f64, f64)| json!({"type": t, "x": x, "y": y, "button": "left", "buttons": 1, "clickCount": 1});
        self.call("Input.dispatchMouseEvent", mouse("mouseMoved", from));
        self.call("Input.dispatchMouseEvent", mouse("mousePressed", from));
        let mut data = None;
        for k in 1..=10 {
            let f = f64::from(k) / 10.0;
            let p = (from.0 + (to.0 - from.0) * f, from.1 + (to.1 - from.1) * f);
            self.call("Input.dispatchMouseEvent", mouse("mouseMoved", p));
            if let Some(e) = self.take_event("Input.dragIntercepted") {
                data = Some(e["params"]["data"].clone());
                break;
            }
        }
        let data = data.expect("the drag started (Input.dragIntercepted)");
        for t in ["dragEnter", "dragOver", "drop"] {
            self.call("Input.dispatchDragEvent", json!({"type": t, "x": to.0, "y": to.1, "data": data}));
        }
        self.call("Input.dispatchMouseEvent", mouse("mouseReleased", to));
        self.call("Input.setInterceptDrags", json!({"enabled": false}));
    }
}
