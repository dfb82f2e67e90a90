//! `cairn mcp` driven as a subprocess over stdio with raw JSON-RPC lines,
//! the same server as a library (to see when it loads the backlog again),
//! and a conversation through the official Python MCP SDK
//! (`tests/mcp_client.py`, skipped loudly when `import mcp` fails).

#[path = "support/git.rs"]
mod git;
#[path = "support/server.rs"]
mod server;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use git::{git_in, Repo};
use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(30);

/// A running `cairn mcp`; killed on drop.
struct Mcp {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    next_id: u64,
}

impl Drop for Mcp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Mcp {
    fn start(root: &Path) -> Mcp {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .args(["mcp", "-C"])
            .arg(root)
            .env("CAIRN_NO_CACHE", "")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("cairn mcp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Mcp { child, stdin, lines, next_id: 0 }
    }

    fn send(&mut self, line: &str) {
        self.stdin.write_all(line.as_bytes()).expect("write");
        self.stdin.write_all(b"\n").expect("write");
        self.stdin.flush().expect("flush");
    }

    fn recv(&mut self) -> Value {
        let line = self.lines.recv_timeout(TIMEOUT).expect("a reply within the timeout");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("a reply is one JSON line ({e}): {line}"))
    }

    /// Sends a request and returns its whole reply (checking the id).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string());
        let reply = self.recv();
        assert_eq!(reply["id"], json!(id), "{reply}");
        assert_eq!(reply["jsonrpc"], "2.0");
        reply
    }

    /// `tools/call`: the result (a JSON-RPC error fails the test).
    fn tool(&mut self, name: &str, arguments: Value) -> Value {
        let r = self.request("tools/call", json!({"name": name, "arguments": arguments}));
        assert!(r.get("error").is_none(), "{name}: {r}");
        let result = r["result"].clone();
        // The text block carries the same JSON as the structured content
        // (for a success; an error's text is its message).
        if result["isError"] == json!(false) {
            let text: Value = serde_json::from_str(result["content"][0]["text"].as_str().unwrap_or("")).unwrap();
            assert_eq!(text, result["structuredContent"]);
        }
        result
    }
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const CONFIG: &str = "kinds:\n  epic: { folder: epics, parents: [] }\n  story: { folder: stories, parents: [epic] }\n  prd: { folder: prds, parents: [], role: document }\n  sprint: { folder: sprints, parents: [], role: sprint }\n";

/// A small backlog: an epic, three stories (`b` depends on `a`, `c` on
/// `b`), a PRD.
fn backlog(root: &Path) {
    write(root, "cairn.yml", CONFIG);
    write(root, "epics/e.md", "---\ntitle: The epic\nstatus: in_progress\n---\n");
    write(root, "stories/a.md", "---\ntitle: Story A\nstatus: ready\nparent: e\nestimate: 3\n---\nBody of A.\n");
    write(root, "stories/b.md", "---\ntitle: Story B\nstatus: backlog\nparent: e\nestimate: 5\ndepends_on: [a]\n---\n");
    write(root, "stories/c.md", "---\ntitle: Story C\nstatus: backlog\nparent: e\nestimate: 1\ndepends_on: [b]\n---\n");
    write(root, "prds/p.md", "---\ntitle: The PRD\n---\n\n## Requirements\n\n- export to CSV\n");
}

/// The git blob id of a file (what the etag is), computed by git.
fn blob_id(path: &Path) -> String {
    git_in(path.parent().unwrap(), &["hash-object", path.to_str().unwrap()], &[])
}

fn ids(items: &Value) -> Vec<&str> {
    items.as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect()
}

#[test]
fn protocol_errors_are_answered_and_the_server_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    backlog(dir.path());
    let mut s = Mcp::start(dir.path());
    let init = s.request(
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}),
    );
    assert_eq!(init["result"]["protocolVersion"], "2025-06-18");
    assert_eq!(init["result"]["serverInfo"]["name"], "cairn");
    // A notification gets no reply: the next line read is the ping's.
    s.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    assert_eq!(s.request("ping", json!({}))["result"], json!({}));

    s.send("{this is not json");
    let e = s.recv();
    assert_eq!((e["id"].clone(), e["error"]["code"].clone()), (Value::Null, json!(-32700)), "{e}");
    // … and the server goes on.
    assert_eq!(s.request("ping", json!({}))["result"], json!({}));

    s.send(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#);
    assert_eq!(s.recv()["error"]["code"], -32600);
    s.send(r#"{"jsonrpc":"2.0","id":7}"#);
    let e = s.recv();
    assert_eq!((e["id"].clone(), e["error"]["code"].clone()), (json!(7), json!(-32600)), "{e}");

    let e = s.request("tools/delete_everything", json!({}));
    assert_eq!(e["error"]["code"], -32601, "{e}");

    let e = s.request("tools/call", json!({"name": "list_items", "arguments": {"limit": "ten"}}));
    assert_eq!(e["error"]["code"], -32602, "{e}");
    assert_eq!(e["error"]["message"], "arguments.limit: expected integer");
    let e = s.request("tools/call", json!({"name": "show_item", "arguments": {}}));
    assert_eq!(e["error"]["message"], "arguments.id: required");
    let e =
        s.request("tools/call", json!({"name": "update_item", "arguments": {"id": "a", "etag": "x", "patch": [1]}}));
    assert_eq!(e["error"]["message"], "arguments.patch: expected object");
    let e = s.request("tools/call", json!({"name": "list_item", "arguments": {}}));
    assert_eq!(e["error"]["code"], -32602);
    assert!(e["error"]["message"].as_str().unwrap().contains("list_items"), "did you mean: {e}");

    // A bad `where` is the tool's error, for the model to correct.
    let r = s.tool("list_items", json!({"where": "status ==="}));
    assert_eq!(r["isError"], true, "{r}");
    assert!(r["content"][0]["text"].as_str().unwrap().contains("where"), "{r}");
}

#[test]
fn tools_read_the_backlog() {
    let dir = tempfile::tempdir().unwrap();
    backlog(dir.path());
    let mut s = Mcp::start(dir.path());
    let tools = s.request("tools/list", json!({}));
    let names: Vec<&str> =
        tools["result"]["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "list_items",
            "show_item",
            "ready",
            "impact",
            "check",
            "log",
            "metrics",
            "burndown",
            "plan_sprint",
            "analyze",
            "create_item",
            "update_item",
            "rename_item"
        ]
    );
    for t in tools["result"]["tools"].as_array().unwrap() {
        assert_eq!(t["inputSchema"]["type"], "object", "{t}");
    }

    // Stories by estimate, largest first: b (5), a (3), c (1).
    let r = s.tool(
        "list_items",
        json!({"where": "kind == \"story\"", "sort": "estimate:desc", "fields": ["id", "estimate"]}),
    );
    assert_eq!(
        r["structuredContent"],
        json!({"items": [{"id": "b", "estimate": 5}, {"id": "a", "estimate": 3}, {"id": "c", "estimate": 1}], "total": 3})
    );
    let r = s.tool("list_items", json!({"limit": 2}));
    assert_eq!(ids(&r["structuredContent"]["items"]), ["a", "b"]);
    assert_eq!(r["structuredContent"]["total"], 5);

    let r = s.tool("show_item", json!({"id": "a"}));
    let a = &r["structuredContent"];
    assert_eq!(
        (a["title"].as_str(), a["body"].as_str(), a["path"].as_str()),
        (Some("Story A"), Some("Body of A.\n"), Some("stories/a.md"))
    );
    assert_eq!(a["etag"], blob_id(&dir.path().join("stories/a.md")));
    let r = s.tool("show_item", json!({"id": "nope"}));
    assert_eq!(r["isError"], true);

    // Only a is ready (b waits on a, c on b); it unblocks b, c and their
    // parent e (which is done when its children are).
    let r = s.tool("ready", json!({}));
    assert_eq!(ids(&r["structuredContent"]["items"]), ["a"]);
    assert_eq!(r["structuredContent"]["items"][0]["unblocks"], 3);
    // If a slips, b, c and e slip.
    let r = s.tool("impact", json!({"id": "a"}));
    let mut delayed = ids(&r["structuredContent"]["delayed"]);
    delayed.sort();
    assert_eq!(delayed, ["b", "c", "e"]);

    let r = s.tool("check", json!({}));
    assert_eq!(r["structuredContent"]["errors"], 0, "{r}");
    write(dir.path(), "stories/d.md", "---\ntitle: Story D\nstatus: doen\nparent: e\n---\n");
    let r = s.tool("check", json!({}));
    assert_eq!(r["structuredContent"]["errors"], 1, "{r}");
    assert_eq!(r["structuredContent"]["diagnostics"][0]["file"], "stories/d.md");
}

#[test]
fn writes_go_through_the_edit_engine_with_etags() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    backlog(root);
    let mut s = Mcp::start(root);
    let a = root.join("stories/a.md");
    let etag = blob_id(&a);

    let r =
        s.tool("update_item", json!({"id": "a", "etag": etag, "patch": {"status": "in_progress", "estimate": null}}));
    assert_eq!(r["isError"], false, "{r}");
    let now = std::fs::read_to_string(&a).unwrap();
    assert_eq!(now, "---\ntitle: Story A\nstatus: in_progress\nparent: e\n---\nBody of A.\n");
    assert_eq!(r["structuredContent"]["etag"], blob_id(&a));
    assert_eq!(r["structuredContent"]["changed"], json!(["stories/a.md"]));

    // The old etag again: a conflict, nothing written, the current etag given.
    let r = s.tool("update_item", json!({"id": "a", "etag": etag, "patch": {"status": "done"}}));
    assert_eq!(r["isError"], true, "{r}");
    let text = r["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("changed") && text.contains(&blob_id(&a)), "{text}");
    assert_eq!(r["structuredContent"]["etag"], blob_id(&a));
    assert_eq!(std::fs::read_to_string(&a).unwrap(), now);

    // A change that would not check is refused with the diagnostics…
    let etag = blob_id(&a);
    let r = s.tool("update_item", json!({"id": "a", "etag": etag, "patch": {"parent": "missing"}}));
    assert_eq!(r["isError"], true, "{r}");
    assert!(!r["structuredContent"]["diagnostics"].as_array().unwrap().is_empty(), "{r}");
    assert_eq!(std::fs::read_to_string(&a).unwrap(), now);
    // … and written with `force`.
    let r = s.tool("update_item", json!({"id": "a", "etag": etag, "patch": {"parent": "missing"}, "force": true}));
    assert_eq!(r["isError"], false, "{r}");
    assert!(std::fs::read_to_string(&a).unwrap().contains("parent: missing\n"));

    // Rename b: its file moves and c's depends_on follows.
    let r = s.tool("rename_item", json!({"id": "b", "to": "b2"}));
    assert_eq!(r["isError"], false, "{r}");
    assert_eq!(r["structuredContent"]["path"], "stories/b2.md");
    assert!(!root.join("stories/b.md").exists());
    assert!(std::fs::read_to_string(root.join("stories/b2.md")).unwrap().contains("title: Story B\n"));
    assert!(std::fs::read_to_string(root.join("stories/c.md")).unwrap().contains("depends_on: [b2]"));

    let r = s.tool(
        "create_item",
        json!({"kind": "story", "title": "Export to CSV", "parent": "e", "fields": {"estimate": 2}}),
    );
    assert_eq!(r["isError"], false, "{r}");
    let path = r["structuredContent"]["path"].as_str().unwrap().to_string();
    assert_eq!(
        (r["structuredContent"]["id"].as_str(), path.as_str()),
        (Some("export-to-csv"), "stories/export-to-csv.md")
    );
    let text = std::fs::read_to_string(root.join(&path)).unwrap();
    assert!(
        text.contains("title: Export to CSV\n") && text.contains("parent: e\n") && text.contains("estimate: 2\n"),
        "{text}"
    );
    let r = s.tool("create_item", json!({"kind": "story", "title": "Bad", "fields": {"estimate": "big"}}));
    assert_eq!(r["isError"], true, "{r}");
    assert!(!root.join("stories/bad.md").exists());
}

#[test]
fn an_edit_on_disk_between_calls_is_seen() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    backlog(root);
    let mut s = Mcp::start(root);
    let titles = |s: &mut Mcp| {
        s.tool("list_items", json!({"fields": ["title"], "where": "kind == \"story\""}))["structuredContent"]["items"]
            .clone()
    };
    assert_eq!(titles(&mut s), json!([{"title": "Story A"}, {"title": "Story B"}, {"title": "Story C"}]));
    write(root, "stories/a.md", "---\ntitle: Story A, edited by hand\nstatus: ready\nparent: e\n---\n");
    std::fs::remove_file(root.join("stories/c.md")).unwrap();
    write(root, "stories/z.md", "---\ntitle: Story Z\nstatus: ready\nparent: e\n---\n");
    assert_eq!(
        titles(&mut s),
        json!([{"title": "Story A, edited by hand"}, {"title": "Story B"}, {"title": "Story Z"}])
    );
}

/// Sets every file's times to 2020 (older than the racy window), as a
/// backlog that was not just written is.
fn age(root: &Path) {
    for e in walkdir::WalkDir::new(root).into_iter().flatten().filter(|e| e.file_type().is_file()) {
        let ok = Command::new("touch").args(["-d", "2020-01-01T00:00:00"]).arg(e.path()).status().unwrap();
        assert!(ok.success());
    }
}

#[test]
fn the_backlog_is_loaded_again_only_when_a_file_changed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    backlog(root);
    age(root);
    let mut server = cairn::mcp::Server::new(root.to_path_buf());
    let call = |server: &mut cairn::mcp::Server, args: Value| -> Value {
        let line = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_items", "arguments": args}});
        server.handle_line(line.to_string().as_bytes()).unwrap()["result"]["structuredContent"].clone()
    };
    assert_eq!(call(&mut server, json!({"fields": ["id"]}))["total"], 5);
    assert_eq!(call(&mut server, json!({"where": "estimate > 2"}))["total"], 2);
    assert_eq!(server.session.loads, 1, "nothing changed: the loaded backlog is reused");
    // One file changed (same length, a day later): seen by its stamp.
    write(root, "stories/c.md", "---\ntitle: Story C\nstatus: backlog\nparent: e\nestimate: 9\ndepends_on: [b]\n---\n");
    assert_eq!(call(&mut server, json!({"where": "estimate > 2"}))["total"], 3);
    assert_eq!(server.session.loads, 2);
    // c was written just now (its stamp is in the racy window): compared by
    // content, it is unchanged…
    assert_eq!(call(&mut server, json!({"where": "estimate > 2"}))["total"], 3);
    assert_eq!(server.session.loads, 2);
    // … until its content changes, even if its stamp might not have.
    write(root, "stories/c.md", "---\ntitle: Story C\nstatus: backlog\nparent: e\nestimate: 0\ndepends_on: [b]\n---\n");
    assert_eq!(call(&mut server, json!({"where": "estimate > 2"}))["total"], 2);
    assert_eq!(server.session.loads, 3);
}

#[test]
fn items_are_resources() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "cairn.yml", CONFIG);
    // 501 stories: two pages of 500 and 1.
    for i in 0..501 {
        write(root, &format!("stories/s{i:03}.md"), &format!("---\ntitle: Story {i}\nstatus: ready\n---\n"));
    }
    let mut s = Mcp::start(root);
    let page = s.request("resources/list", json!({}))["result"].clone();
    let uris: Vec<&str> = page["resources"].as_array().unwrap().iter().map(|r| r["uri"].as_str().unwrap()).collect();
    assert_eq!((uris.len(), uris[0], uris[499]), (500, "cairn://items/s000", "cairn://items/s499"));
    assert_eq!(page["resources"][0]["mimeType"], "text/markdown");
    assert_eq!(page["nextCursor"], "s499");
    let next = s.request("resources/list", json!({"cursor": "s499"}))["result"].clone();
    assert_eq!(next["resources"].as_array().unwrap().len(), 1);
    assert_eq!(next["resources"][0]["uri"], "cairn://items/s500");
    assert!(next.get("nextCursor").is_none(), "{next}");

    let r = s.request("resources/read", json!({"uri": "cairn://items/s007"}));
    assert_eq!(r["result"]["contents"][0]["text"], "---\ntitle: Story 7\nstatus: ready\n---\n");
    assert_eq!(r["result"]["contents"][0]["uri"], "cairn://items/s007");
    let r = s.request("resources/read", json!({"uri": "cairn://items/nope"}));
    assert_eq!(r["error"]["code"], -32002, "{r}");
    let r = s.request("resources/templates/list", json!({}));
    assert_eq!(r["result"]["resourceTemplates"][0]["uriTemplate"], "cairn://items/{id}");
}

#[test]
fn the_break_down_prompt_carries_the_prd_and_the_hierarchy() {
    let dir = tempfile::tempdir().unwrap();
    backlog(dir.path());
    let mut s = Mcp::start(dir.path());
    let list = s.request("prompts/list", json!({}));
    assert_eq!(list["result"]["prompts"][0]["name"], "break_down_prd");
    let r = s.request("prompts/get", json!({"name": "break_down_prd", "arguments": {"id": "p"}}));
    let text = r["result"]["messages"][0]["content"]["text"].as_str().unwrap();
    assert!(text.contains("---\ntitle: The PRD\n---\n\n## Requirements\n\n- export to CSV\n"), "{text}");
    assert!(text.contains("`story` (") && text.contains("parent may be epic"), "{text}");
    assert!(text.contains("references: [\\\"p\\\"]") || text.contains("references: [\"p\"]"), "{text}");
    assert!(text.contains("create_item"), "{text}");
    let r = s.request("prompts/get", json!({"name": "break_down_prd", "arguments": {}}));
    assert_eq!(r["error"]["code"], -32602);
}

#[test]
fn log_reads_the_history() {
    let repo = Repo::new();
    repo.write("cairn.yml", CONFIG).write("epics/e.md", "---\ntitle: The epic\nstatus: in_progress\n---\n");
    repo.write("stories/a.md", "---\ntitle: Story A\nstatus: ready\nparent: e\n---\n");
    repo.commit("Ann", "2026-01-05T10:00:00Z", "add");
    repo.write("stories/a.md", "---\ntitle: Story A\nstatus: done\nparent: e\n---\n");
    repo.commit("Bob", "2026-01-10T10:00:00Z", "done");
    let mut s = Mcp::start(&repo.path);
    let r = s.tool("log", json!({"id": "a"}));
    let ev = &r["structuredContent"]["events"];
    assert_eq!(r["structuredContent"]["total"], 2, "{r}");
    assert_eq!((ev[0]["action"].as_str(), ev[0]["author"].as_str()), (Some("created"), Some("Ann")));
    assert_eq!(
        (ev[1]["field"].as_str(), ev[1]["old"].as_str(), ev[1]["new"].as_str()),
        (Some("status"), Some("ready"), Some("done"))
    );
    let r = s.tool("log", json!({"since": "2026-01-08"}));
    assert_eq!(r["structuredContent"]["total"], 1, "{r}");
    assert_eq!(r["structuredContent"]["events"][0]["author"], "Bob");
    let e = s.request("tools/call", json!({"name": "log", "arguments": {"since": "last week"}}));
    assert_eq!(e["error"]["code"], -32602, "{e}");
}

#[test]
fn burndown_and_metrics_read_the_history() {
    let repo = Repo::new();
    repo.write("cairn.yml", CONFIG)
        .write("sprints/s1.md", "---\ntitle: Sprint 1\nstart: 2026-01-05\nend: 2026-01-09\n---\n");
    repo.write("stories/a.md", "---\ntitle: Story A\nstatus: ready\nestimate: 3\nsprint: s1\n---\n");
    repo.write("stories/b.md", "---\ntitle: Story B\nstatus: ready\nestimate: 2\nsprint: s1\n---\n");
    repo.commit("Ann", "2026-01-04T10:00:00Z", "plan");
    repo.write("stories/a.md", "---\ntitle: Story A\nstatus: done\nestimate: 3\nsprint: s1\n---\n");
    repo.commit("Ann", "2026-01-06T10:00:00Z", "a done");
    let mut s = Mcp::start(&repo.path);
    // 3 + 2 committed; a (3) done on the 6th leaves 2.
    let r = s.tool("burndown", json!({"sprint": "s1", "today": "2026-01-09"}));
    let b = &r["structuredContent"];
    assert_eq!((b["sprint"].as_str(), b["committed"].as_f64()), (Some("s1"), Some(5.0)), "{r}");
    let day = |d: &str| b["days"].as_array().unwrap().iter().find(|x| x["date"] == d).cloned().unwrap_or_default();
    assert_eq!(day("2026-01-05")["remaining"].as_f64(), Some(5.0), "{b}");
    assert_eq!(day("2026-01-06")["remaining"].as_f64(), Some(2.0), "{b}");
    // Without `sprint`: the one under way "today".
    let r = s.tool("burndown", json!({"today": "2026-01-07"}));
    assert_eq!(r["structuredContent"]["sprint"], "s1", "{r}");
    let r = s.tool("burndown", json!({"sprint": "s9"}));
    assert_eq!(r["isError"], true, "{r}");
    let r = s.tool("metrics", json!({}));
    assert_eq!(r["isError"], false, "{r}");
    assert!(r["structuredContent"]["insights"].is_array(), "{r}");
}

/// Whether python3 can import the MCP SDK.
fn python_mcp() -> bool {
    Command::new("python3")
        .args(["-c", "import mcp.client.stdio"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_conversation_through_the_python_sdk() {
    if !python_mcp() {
        eprintln!(
            "!!!!!!!! SKIPPED a_conversation_through_the_python_sdk: python3 cannot `import mcp` (python3 -m pip install mcp) !!!!!!!!"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("example-backlog");
    server::copy_dir(&example, dir.path());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mcp_client.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_cairn"))
        .arg(dir.path())
        .arg("account-feature-store")
        .output()
        .expect("python3 runs");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the Python MCP client failed:\n{stdout}\n{stderr}");
    assert!(stdout.ends_with("mcp_client: ok\n"), "{stdout}\n{stderr}");
}

/// The agents' tools: the planner's picks with reasons, the analyst's report.
#[test]
fn plan_sprint_and_analyze_are_tools() {
    let dir = tempfile::tempdir().unwrap();
    backlog(dir.path());
    write(
        dir.path(),
        "sprints/s1.md",
        "---\ntitle: Sprint 1\nstart: 2026-03-02\nend: 2026-03-13\ncapacity: { team: 4 }\n---\n",
    );
    let mut s = Mcp::start(dir.path());
    // 4 points: a (3) fits; b (5, after a) does not fit the 1 left; c
    // waits on b, which is not planned.
    let r = s.tool("plan_sprint", json!({"sprint": "s1"}));
    let p = &r["structuredContent"];
    assert_eq!(ids(&p["picked"]), ["a"], "{p}");
    let skipped: Vec<(&str, &str)> = p["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["id"].as_str().unwrap(), k["code"].as_str().unwrap_or_default()))
        .collect();
    assert!(skipped.contains(&("b", "does_not_fit")) && skipped.contains(&("c", "blocked")), "{p}");
    assert!(p["text"].as_str().unwrap().contains("a"), "{p}");
    // With room for everything: the chain in dependency order.
    let r = s.tool("plan_sprint", json!({"sprint": "s1", "capacity": 9}));
    assert_eq!(ids(&r["structuredContent"]["picked"]), ["a", "b", "c"]);
    // An unknown sprint is a tool error naming close ones; a bad capacity is invalid params.
    let r = s.tool("plan_sprint", json!({"sprint": "s2"}));
    assert_eq!(r["isError"], true, "{r}");
    assert!(r["content"][0]["text"].as_str().unwrap().starts_with("no sprint `s2`"), "{r}");
    let r = s.request("tools/call", json!({"name": "plan_sprint", "arguments": {"sprint": "s1", "capacity": "lots"}}));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    // The analyst, as data and in words (no git here: the history parts say so).
    let r = s.tool("analyze", json!({}));
    let a = &r["structuredContent"];
    assert_eq!(a["history"], false, "{a}");
    let r = s.tool("analyze", json!({"format": "markdown"}));
    let md = r["structuredContent"]["markdown"].as_str().unwrap();
    assert!(md.starts_with('#') && !md.contains('<'), "{md}");
    let r = s.request("tools/call", json!({"name": "analyze", "arguments": {"format": "html"}}));
    assert_eq!(r["error"]["code"], -32602, "{r}");
}
