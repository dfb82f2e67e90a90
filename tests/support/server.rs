//! A `cairn serve` on a temporary copy of the example backlog, and a plain
//! HTTP/1.1 client over `TcpStream` (one request a connection), for the
//! write API and browser tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The server process; killed on drop.
pub struct Server {
    child: Child,
    pub addr: String,
    pub root: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from).into_iter().flatten() {
        let rel = e.path().strip_prefix(from).unwrap();
        if rel.components().next().is_some_and(|c| c.as_os_str() == "_site" || c.as_os_str() == ".cairn-cache") {
            continue;
        }
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else if e.file_type().is_file() {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// Serves a fresh copy of `example-backlog`.
pub fn serve_example() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("backlog");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("example-backlog"), &root);
    serve_at(Some(dir), root, &["--no-history"], &[])
}

/// Serves `root` with `cairn serve --port 0 -q ARGS` and `env` (kept:
/// `dir`, dropped with the server); git identity variables are not passed
/// on.
pub fn serve_at(dir: Option<tempfile::TempDir>, root: PathBuf, args: &[&str], env: &[(&str, &str)]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .arg("-C")
        .arg(&root)
        .args(["serve", "--port", "0", "-q"])
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_COMMITTER_NAME")
        .env_remove("GIT_COMMITTER_EMAIL")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(TIMEOUT).expect("the server printed its address");
    let url = line.trim().strip_prefix("serving http://").expect("first line is `serving URL`");
    Server { child, addr: url.trim_end_matches('/').to_string(), root, _dir: dir }
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// One request with `headers` and `body`; the response read to the end.
pub fn request(addr: &str, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" || method == "PATCH" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    // The server may answer and close before it read everything.
    let _ = s.write_all(&bytes);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").expect("a response head");
    let head = String::from_utf8_lossy(&out[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).expect("a status");
    let headers =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    Resp { status, headers, body: out[split + 4..].to_vec() }
}

/// The write token a served page embeds.
pub fn token(addr: &str) -> String {
    let page = request(addr, "GET", "/board/", &[], b"").text();
    let start = page.find(r#"<meta name="cairn-token" content=""#).expect("the page embeds the token") + 34;
    page[start..].split('"').next().unwrap().to_string()
}
