//! serve's write API over real HTTP: PATCH (JSON Merge Patch + If-Match),
//! POST (create), rename; the token and Origin (403), the body cap (413),
//! stale etags (412), refused changes (422) and unknown ids (404) leave the
//! files untouched; 8 threads PATCHing one item lose no update silently;
//! `serve --commit` commits each change set, and only its files.

#[path = "support/git.rs"]
mod git;
#[path = "support/server.rs"]
mod server;

use serde_json::{json, Value};
use server::{request, serve_example, Resp, Server};

const ITEM: &str = "widget-timezone-off-by-one";
const ITEM_FILE: &str = "bugs/widget-timezone-off-by-one.md";

fn read(s: &Server, rel: &str) -> String {
    std::fs::read_to_string(s.root.join(rel)).unwrap()
}

/// A write with the token and this server's Origin.
fn write(s: &Server, method: &str, target: &str, if_match: Option<&str>, body: &Value) -> Resp {
    let token = server::token(&s.addr);
    let origin = format!("http://{}", s.addr);
    let quoted = if_match.map(|e| format!("\"{e}\""));
    let mut h =
        vec![("X-Cairn-Token", token.as_str()), ("Origin", origin.as_str()), ("Content-Type", "application/json")];
    if let Some(q) = &quoted {
        h.push(("If-Match", q.as_str()));
    }
    request(&s.addr, method, target, &h, body.to_string().as_bytes())
}

fn etag(s: &Server, id: &str) -> String {
    let r = request(&s.addr, "GET", &format!("/api/v1/items/{id}"), &[], b"");
    assert_eq!(r.status, 200, "{}", r.text());
    let e = r.json()["data"]["etag"].as_str().expect("the item object has an etag").to_string();
    assert_eq!(r.header("ETag"), Some(format!("\"{e}\"").as_str()), "the ETag header is the quoted etag");
    e
}

/// The git blob id of `bytes`, as `git hash-object` computes it.
fn blob_id(bytes: &[u8]) -> String {
    cairn::edit::file_hash(bytes)
}

#[test]
fn patch_changes_only_the_edited_keys_lines_and_returns_the_new_etag() {
    let s = serve_example();
    let before = read(&s, ITEM_FILE);
    let e = etag(&s, ITEM);
    assert_eq!(e, blob_id(before.as_bytes()), "the etag is the file's hash");
    let r = write(
        &s,
        "PATCH",
        &format!("/api/v1/items/{ITEM}"),
        Some(&e),
        &json!({"status": "in_progress", "estimate": 3}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let after = read(&s, ITEM_FILE);
    let expected = before.replace("status: ready\n", "status: in_progress\n").replace("estimate: 2\n", "estimate: 3\n");
    assert_eq!(after, expected, "only the two keys' lines changed");
    let o = r.json();
    assert_eq!(o["data"]["status"], "in_progress", "the response is the new item object");
    assert_eq!(o["data"]["estimate"], 3.0);
    assert_eq!(o["data"]["etag"], blob_id(after.as_bytes()));
    assert_eq!(r.header("ETag"), Some(format!("\"{}\"", blob_id(after.as_bytes())).as_str()));
    // The served snapshot already has it (the rebuild was awaited).
    let g = request(&s.addr, "GET", &format!("/api/v1/items/{ITEM}"), &[], b"").json();
    assert_eq!(g["data"]["status"], "in_progress");
    // null unsets; a list replaces.
    let r =
        write(&s, "PATCH", &format!("/api/v1/items/{ITEM}"), None, &json!({"customer_impact": null, "labels": ["x"]}));
    assert_eq!(r.status, 200, "{}", r.text());
    let now = read(&s, ITEM_FILE);
    assert!(!now.contains("customer_impact"), "{now}");
    assert_eq!(r.json()["data"]["labels"], json!(["x"]));
}

#[test]
fn a_stale_etag_is_412_and_the_file_is_untouched() {
    let s = serve_example();
    let before = read(&s, ITEM_FILE);
    let stale = blob_id(b"something else");
    let r = write(&s, "PATCH", &format!("/api/v1/items/{ITEM}"), Some(&stale), &json!({"status": "backlog"}));
    assert_eq!(r.status, 412, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "precondition_failed");
    assert_eq!(read(&s, ITEM_FILE), before);
}

#[test]
fn changes_that_would_not_check_are_422_with_diagnostics_and_write_nothing() {
    let s = serve_example();
    let before = read(&s, ITEM_FILE);
    let target = format!("/api/v1/items/{ITEM}");
    // ready → done is not in the default workflow.
    let r = write(&s, "PATCH", &target, None, &json!({"status": "done"}));
    assert_eq!(r.status, 422, "{}", r.text());
    let d = &r.json()["error"]["details"]["diagnostics"];
    assert_eq!(d[0]["code"], "E040", "{d}");
    assert_eq!(d[0]["id"], ITEM);
    assert_eq!(d[0]["severity"], "error");
    // An unknown field.
    let r = write(&s, "PATCH", &target, None, &json!({"colour": "red"}));
    assert_eq!(r.status, 422, "{}", r.text());
    let d = &r.json()["error"]["details"]["diagnostics"];
    assert!(d[0]["message"].as_str().unwrap().contains("unknown field `colour`"), "{d}");
    // A value of the wrong type for an enum field.
    let r = write(&s, "PATCH", &target, None, &json!({"team": "nobody"}));
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(read(&s, ITEM_FILE), before);
}

#[test]
fn unknown_ids_are_404() {
    let s = serve_example();
    let r = write(&s, "PATCH", "/api/v1/items/no-such-item", None, &json!({"status": "done"}));
    assert_eq!(r.status, 404, "{}", r.text());
    let r = write(&s, "POST", "/api/v1/items/no-such-item/rename", None, &json!({"to": "other"}));
    assert_eq!(r.status, 404, "{}", r.text());
}

#[test]
fn writes_without_the_token_or_from_another_origin_are_403() {
    let s = serve_example();
    let before = read(&s, ITEM_FILE);
    let target = format!("/api/v1/items/{ITEM}");
    let body = json!({"status": "backlog"}).to_string();
    let token = server::token(&s.addr);
    let origin = format!("http://{}", s.addr);
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![("Origin", origin.as_str())],
        vec![("X-Cairn-Token", "0123"), ("Origin", origin.as_str())],
        vec![("X-Cairn-Token", token.as_str())],
        vec![("X-Cairn-Token", token.as_str()), ("Origin", "http://evil.example")],
    ];
    for h in cases {
        let r = request(&s.addr, "PATCH", &target, &h, body.as_bytes());
        assert_eq!(r.status, 403, "{h:?}: {}", r.text());
        assert_eq!(r.json()["error"]["code"], "forbidden");
    }
    assert_eq!(read(&s, ITEM_FILE), before);
    // The token is in served pages only: a GET writes nothing either.
    let r = request(&s.addr, "GET", &format!("{target}?fields=id"), &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(read(&s, ITEM_FILE), before);
}

#[test]
fn an_oversized_body_is_413() {
    let s = serve_example();
    let before = read(&s, ITEM_FILE);
    let big = json!({"body": "x".repeat(2 * 1024 * 1024)});
    let r = write(&s, "PATCH", &format!("/api/v1/items/{ITEM}"), None, &big);
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "body_too_large");
    assert_eq!(read(&s, ITEM_FILE), before);
    // GET still refuses any body.
    let r = request(&s.addr, "GET", "/api/v1/items", &[], b"{}");
    assert_eq!(r.status, 413);
}

#[test]
fn post_creates_an_item_with_201_and_location() {
    let s = serve_example();
    let r = write(
        &s,
        "POST",
        "/api/v1/items",
        None,
        &json!({"kind": "story", "title": "Export the board as CSV", "fields": {"estimate": 2, "labels": ["csv"]}, "body": "Why: spreadsheets.\n"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.header("Location"), Some("/api/v1/items/export-the-board-as-csv"));
    let o = r.json();
    assert_eq!(o["data"]["id"], "export-the-board-as-csv");
    assert_eq!(o["data"]["estimate"], 2.0);
    let text = read(&s, "stories/export-the-board-as-csv.md");
    assert!(text.contains("title: Export the board as CSV"), "{text}");
    assert!(text.ends_with("Why: spreadsheets.\n"), "{text}");
    assert_eq!(o["data"]["etag"], blob_id(text.as_bytes()));
    // The same title again: the id is taken → 422, nothing written.
    let r = write(&s, "POST", "/api/v1/items", None, &json!({"kind": "nope", "title": "T"}));
    assert_eq!(r.status, 422, "{}", r.text());
}

#[test]
fn rename_moves_the_file_and_rewrites_references() {
    let s = serve_example();
    let old = "asm-projects-api";
    let referrers: Vec<String> = walk(&s)
        .into_iter()
        .filter(|(p, t)| !p.ends_with(&format!("/{old}.md")) && t.contains(old))
        .map(|(p, _)| p)
        .collect();
    assert!(!referrers.is_empty(), "the example has references to {old}");
    let r = write(&s, "POST", &format!("/api/v1/items/{old}/rename"), None, &json!({"to": "asm-projects-rest-api"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["data"]["id"], "asm-projects-rest-api");
    assert!(s.root.join("stories/asm-projects-rest-api.md").is_file());
    assert!(!s.root.join(format!("stories/{old}.md")).exists());
    for p in referrers {
        let t = std::fs::read_to_string(&p).unwrap();
        assert!(!t.contains(&format!("{old}\n")) && !t.contains(&format!("{old}]")), "{p} still names {old}:\n{t}");
        assert!(t.contains("asm-projects-rest-api"), "{p}");
    }
    assert_eq!(request(&s.addr, "GET", &format!("/api/v1/items/{old}"), &[], b"").status, 404);
}

fn walk(s: &Server) -> Vec<(String, String)> {
    walkdir::WalkDir::new(&s.root)
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| (e.path().display().to_string(), std::fs::read_to_string(e.path()).unwrap_or_default()))
        .collect()
}

#[test]
fn eight_threads_patching_one_item_lose_no_update() {
    let s = serve_example();
    let target = format!("/api/v1/items/{ITEM}");
    let token = server::token(&s.addr);
    let origin = format!("http://{}", s.addr);
    let first = blob_id(read(&s, ITEM_FILE).as_bytes());
    // (status, the etag sent, the etag returned, the title sent)
    type Outcome = (u16, String, Option<String>, String);
    let results: Vec<Outcome> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..8)
            .map(|k| {
                let (s, target, token, origin) = (&s, &target, &token, &origin);
                sc.spawn(move || {
                    let mut out = Vec::new();
                    for round in 0..3 {
                        let e = etag(s, ITEM);
                        let title = format!("Title from thread {k} round {round}");
                        let body = json!({"title": title}).to_string();
                        let q = format!("\"{e}\"");
                        let h =
                            [("X-Cairn-Token", token.as_str()), ("Origin", origin.as_str()), ("If-Match", q.as_str())];
                        let r = request(&s.addr, "PATCH", target, &h, body.as_bytes());
                        // The file always parses, whatever the timing.
                        let now = std::fs::read_to_string(s.root.join(ITEM_FILE)).unwrap();
                        assert!(now.starts_with("---\n") && now.contains("\ntitle: "), "{now}");
                        out.push((r.status, e, r.json()["data"]["etag"].as_str().map(String::from), title));
                    }
                    out
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert!(results.iter().all(|r| r.0 == 200 || r.0 == 412), "{:?}", results.iter().map(|r| r.0).collect::<Vec<_>>());
    let ok: Vec<&Outcome> = results.iter().filter(|r| r.0 == 200).collect();
    assert!(!ok.is_empty(), "at least one PATCH wins");
    // The 200s form one chain from the first version: each was made from
    // the version the previous one wrote (two from the same base would be
    // a lost update), and the file is the last one's.
    let mut by_base: std::collections::HashMap<&str, &Outcome> = std::collections::HashMap::new();
    for r in &ok {
        assert!(by_base.insert(r.1.as_str(), r).is_none(), "two PATCHes were accepted from the etag {}", r.1);
    }
    let (mut at, mut seen, mut last_title) = (first, 0, String::new());
    while let Some(r) = by_base.get(at.as_str()) {
        at = r.2.clone().expect("a 200 has the new etag");
        last_title = r.3.clone();
        seen += 1;
    }
    assert_eq!(seen, ok.len(), "every 200 is in the chain");
    let last = read(&s, ITEM_FILE);
    assert_eq!(blob_id(last.as_bytes()), at, "the file is what the last 200 wrote");
    assert!(last.contains(&format!("title: {last_title}\n")), "{last}");
}

#[test]
fn pages_embed_the_token_and_the_editing_script_in_serve_only() {
    let s = serve_example();
    let page = request(&s.addr, "GET", "/board/", &[], b"").text();
    let head_end = page.find("</head>").unwrap();
    let meta = page.find(r#"<meta name="cairn-token" content=""#).unwrap();
    assert!(meta < head_end, "the token is in the head");
    assert!(page.contains(r#"<script src="/_cairn/edit.js"></script></body>"#));
    let js = request(&s.addr, "GET", "/_cairn/edit.js", &[], b"");
    assert_eq!((js.status, js.header("Content-Type")), (200, Some("text/javascript; charset=utf-8")));
    let wf = request(&s.addr, "GET", "/_cairn/workflow.json", &[], b"").json();
    assert_eq!(wf["workflow"]["ready"], json!(["in_progress", "backlog", "cancelled"]));
    assert!(wf["kinds"].as_array().unwrap().iter().any(|k| k["name"] == "story"));
    // A static build has none of it.
    let out = tempfile::tempdir().unwrap();
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["build", "--no-history", "-q", "-C"])
        .arg(&s.root)
        .arg("--out")
        .arg(out.path())
        .status()
        .unwrap();
    assert!(st.success());
    let board = std::fs::read_to_string(out.path().join("board/index.html")).unwrap();
    assert!(!board.contains("cairn-token") && !board.contains("edit.js"));
    // Another method on a write path is 405 with the allowed ones.
    let r = request(&s.addr, "DELETE", &format!("/api/v1/items/{ITEM}"), &[], b"");
    assert_eq!((r.status, r.header("Allow")), (405, Some("GET, HEAD, PATCH")));
}

/// The example backlog in `backlog/` of a git repository (plus an unrelated
/// `README.md`), committed once by Ben; the repository's identity is Ana's.
fn example_repo() -> git::Repo {
    let repo = git::Repo::new();
    repo.git(&["config", "user.name", "Ana Example"]);
    repo.git(&["config", "user.email", "ana@example.com"]);
    server::copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("example-backlog"),
        &repo.path.join("backlog"),
    );
    repo.write("README.md", "code\n");
    repo.commit("Ben", "2026-11-01T10:00:00Z", "start");
    repo
}

/// Serves `repo`'s backlog with `args`; git reads only the repository's
/// own config (no global or system identity; `serve_at` passes no
/// identity variables).
fn serve_repo(repo: &git::Repo, args: &[&str]) -> Server {
    let home = repo.path.display().to_string();
    let env = [
        ("HOME", home.as_str()),
        ("XDG_CONFIG_HOME", home.as_str()),
        ("GIT_CONFIG_NOSYSTEM", "1"),
        ("GIT_CONFIG_GLOBAL", "/dev/null"),
    ];
    server::serve_at(None, repo.path.join("backlog"), args, &env)
}

#[test]
fn serve_commit_makes_one_commit_per_patch_with_the_configured_identity_and_only_its_files() {
    let repo = example_repo();
    // Unrelated changes: one staged, one not. Both stay as they are.
    repo.write("notes.txt", "staged\n");
    repo.git(&["add", "notes.txt"]);
    repo.write("README.md", "code changed\n");
    let s = serve_repo(&repo, &["--commit"]);
    let r = write(&s, "PATCH", &format!("/api/v1/items/{ITEM}"), None, &json!({"status": "in_progress"}));
    assert_eq!(r.status, 200, "{}", r.text());
    let head = repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(r.header("X-Cairn-Commit"), Some(head.as_str()), "the reply names the commit");
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]), "2", "exactly one commit");
    assert_eq!(
        repo.git(&["log", "-1", "--format=%an <%ae>|%cn <%ce>|%s"]),
        format!("Ana Example <ana@example.com>|Ana Example <ana@example.com>|cairn: set {ITEM} status=in_progress (via serve)")
    );
    let path = format!("backlog/{ITEM_FILE}");
    assert_eq!(repo.git(&["show", "--name-only", "--format=", "HEAD"]), path, "only the change set's file");
    // The commit's tree has the new file, byte for byte.
    let on_disk = read(&s, ITEM_FILE);
    assert!(on_disk.contains("status: in_progress\n"), "{on_disk}");
    assert_eq!(repo.git(&["rev-parse", &format!("HEAD:{path}")]), blob_id(on_disk.as_bytes()));
    // The staged file is still staged (not committed), the unstaged change
    // still unstaged, and the edited file clean.
    assert_eq!(repo.git(&["status", "--porcelain"]), "M README.md\nA  notes.txt");
    // A second write, a second commit on top.
    let r = write(&s, "PATCH", &format!("/api/v1/items/{ITEM}"), None, &json!({"estimate": 5}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]), "3");
    assert_eq!(repo.git(&["log", "-1", "--format=%s"]), format!("cairn: set {ITEM} estimate=5 (via serve)"));
    // A write that changes nothing commits nothing.
    let r = write(&s, "PATCH", &format!("/api/v1/items/{ITEM}"), None, &json!({"estimate": 5}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("X-Cairn-Commit"), None);
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]), "3");
}

#[test]
fn serve_without_commit_writes_but_does_not_commit() {
    let repo = example_repo();
    let s = serve_repo(&repo, &["--no-history"]);
    let r = write(&s, "PATCH", &format!("/api/v1/items/{ITEM}"), None, &json!({"status": "in_progress"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("X-Cairn-Commit"), None);
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]), "1");
    assert_eq!(repo.git(&["status", "--porcelain"]), format!("M backlog/{ITEM_FILE}"));
}

#[test]
fn serve_commit_refuses_to_start_without_a_repository_or_an_identity() {
    let run = |root: &std::path::Path, env: &[(&str, &str)]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
            .arg("-C")
            .arg(root)
            .args(["serve", "--port", "0", "--no-history", "--commit"])
            .env("NO_COLOR", "1")
            .env_remove("GIT_AUTHOR_NAME")
            .env_remove("GIT_AUTHOR_EMAIL")
            .env_remove("GIT_COMMITTER_NAME")
            .env_remove("GIT_COMMITTER_EMAIL")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    // No repository.
    let dir = tempfile::tempdir().unwrap();
    server::copy_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("example-backlog"), dir.path());
    let (code, out, err) = run(dir.path(), &[("GIT_CEILING_DIRECTORIES", "/")]);
    assert_eq!((code, out.as_str()), (Some(2), ""), "{err}");
    assert!(err.contains("needs a git repository"), "{err}");
    // A repository without an identity.
    let repo = example_repo();
    repo.git(&["config", "--unset", "user.name"]);
    repo.git(&["config", "--unset", "user.email"]);
    let home = repo.path.display().to_string();
    let env = [
        ("HOME", home.as_str()),
        ("XDG_CONFIG_HOME", home.as_str()),
        ("GIT_CONFIG_NOSYSTEM", "1"),
        ("GIT_CONFIG_GLOBAL", "/dev/null"),
        ("EMAIL", ""),
    ];
    let (code, out, err) = run(&repo.path.join("backlog"), &env);
    assert_eq!((code, out.as_str()), (Some(2), ""), "{err}");
    assert!(err.contains("no git identity"), "{err}");
    // Empty identity variables are no identity either (git would commit as ` <>`).
    let empty =
        [("GIT_AUTHOR_NAME", ""), ("GIT_AUTHOR_EMAIL", ""), ("GIT_COMMITTER_NAME", ""), ("GIT_COMMITTER_EMAIL", "")];
    let (code, out, err) = run(&repo.path.join("backlog"), &[env.as_slice(), empty.as_slice()].concat());
    assert_eq!((code, out.as_str()), (Some(2), ""), "{err}");
    assert!(err.contains("no git identity"), "{err}");
    // Even over a configured identity: git itself refuses an empty name.
    let repo = example_repo();
    let (code, out, err) = run(&repo.path.join("backlog"), &[env.as_slice(), empty.as_slice()].concat());
    assert_eq!((code, out.as_str()), (Some(2), ""), "{err}");
    assert!(err.contains("no git identity"), "{err}");
}
