//! Automation: rules on the events of git ranges built by the test
//! (`cairn automate`), their check errors, webhooks against a local
//! receiver, and `cairn event github` on pull-request payloads.

#[path = "support/git.rs"]
mod git_support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use git_support::Repo;
use hmac::{KeyInit, Mac};
use serde_json::{json, Value};

fn cairn(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = assert_cmd::Command::cargo_bin("cairn").expect("binary");
    c.current_dir(dir).args(args).env("NO_COLOR", "1").env("CAIRN_NO_CACHE", "1");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().expect("runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn json_of(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

const T1: &str = "2026-03-02T09:00:00Z";
const T2: &str = "2026-03-03T09:00:00Z";

const CLOSE_PARENT: &str = "automation:
  - name: close parent
    on: status_changed
    if: 'kind == \"story\" and new == \"done\"'
    do:
      - set: { target: parent, when: all_children_done, status: done }
";

const EPIC: &str = "---\ntitle: Checkout\nstatus: review\n---\n";

fn story(title: &str, status: &str) -> String {
    format!("---\ntitle: {title}\nstatus: {status}\nparent: checkout\n---\n")
}

/// A repository with `cairn.yml` = `config`, the epic and two stories (the
/// second `in_progress`), committed at T1; returns it and the base commit.
fn backlog(config: &str) -> (Repo, String) {
    let r = Repo::new();
    r.write("cairn.yml", config)
        .write("epics/checkout.md", EPIC)
        .write("stories/pay.md", &story("Pay", "done"))
        .write("stories/ship.md", &story("Ship", "in_progress"));
    let base = r.commit("Ann", T1, "backlog");
    (r, base)
}

fn changes(v: &Value) -> Vec<String> {
    v["changes"]
        .as_array()
        .map(|a| a.iter().map(|c| c["op"].as_str().unwrap_or("").to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn the_last_child_done_closes_the_parent() {
    let (r, base) = backlog(CLOSE_PARENT);
    r.write("stories/ship.md", &story("Ship", "done"));
    r.commit("Bob", T2, "ship done");
    let range = format!("{base}..HEAD");
    let (code, out, err) = cairn(&r.path, &["automate", &range, "--format", "json"], &[]);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    assert_eq!(v["changes"], json!([{"rule": "close parent", "op": "set checkout status=done", "round": 0}]));
    assert_eq!(v["files"], json!([{"path": "epics/checkout.md", "diff": ["-status: review", "+status: done"]}]));
    assert_eq!(v["written"], json!(false));
    // Printing writes nothing.
    assert_eq!(std::fs::read_to_string(r.path.join("epics/checkout.md")).unwrap(), EPIC);

    let (code, out, err) = cairn(&r.path, &["automate", &range, "--apply"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("set checkout status=done  (rule `close parent`)"), "{out}");
    assert_eq!(
        std::fs::read_to_string(r.path.join("epics/checkout.md")).unwrap(),
        "---\ntitle: Checkout\nstatus: done\n---\n"
    );
}

#[test]
fn a_child_still_open_or_a_false_condition_changes_nothing() {
    // Pay was done already; Ship moves to review only: the rule's `if:` is false.
    let (r, base) = backlog(CLOSE_PARENT);
    r.write("stories/ship.md", &story("Ship", "review"));
    r.commit("Bob", T2, "ship in review");
    let (code, out, err) = cairn(&r.path, &["automate", &format!("{base}..HEAD"), "--format", "json"], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(changes(&json_of(&out)), Vec::<String>::new());

    // A third story is done, Ship still open: `when: all_children_done` is false.
    let (r, base) = backlog(CLOSE_PARENT);
    r.write("stories/wrap.md", &story("Wrap", "in_progress"));
    r.commit("Ann", T2, "wrap");
    r.write("stories/wrap.md", &story("Wrap", "done"));
    r.commit("Ann", "2026-03-04T09:00:00Z", "wrap done");
    let (code, out, err) = cairn(&r.path, &["automate", &format!("{base}..HEAD"), "--format", "json"], &[]);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    assert_eq!(changes(&v), Vec::<String>::new());
    // The events: wrap created, then updated with its status changed.
    let kinds: Vec<&str> = v["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["created", "updated", "status_changed"]);
}

#[test]
fn field_changed_assignee_labels_and_comments() {
    let config = "automation:
  - name: triage
    on: field_changed:assignee
    do:
      - add: { labels: assigned }
      - comment: '{{ id }} is now with {{ new }}'
";
    let (r, base) = backlog(config);
    r.write("stories/ship.md", "---\ntitle: Ship\nstatus: in_progress\nparent: checkout\nassignee: ann\n---\n");
    r.commit("Bob", T2, "assign");
    let (code, out, err) = cairn(&r.path, &["automate", &format!("{base}..HEAD"), "--format", "json"], &[]);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    assert_eq!(changes(&v), ["set ship labels+=assigned"]);
    assert_eq!(v["comments"], json!([{"rule": "triage", "id": "ship", "text": "ship is now with ann"}]));
    let (code, out, _) = cairn(&r.path, &["automate", &format!("{base}..HEAD"), "--format", "markdown"], &[]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        format!(
            "### cairn automate: {base}..HEAD\n\n**Changes**\n\n- `set ship labels+=assigned` (rule *triage*)\n\n- ship is now with ann\n\n"
        )
    );
}

#[test]
fn rules_that_undo_each_other_stop_with_their_names() {
    let config = "automation:
  - name: to review
    on: status_changed
    if: new == \"done\"
    do:
      - set: { status: review }
  - name: to done
    on: status_changed
    if: new == \"review\"
    do:
      - set: { status: done }
";
    let (r, base) = backlog(config);
    r.write("stories/ship.md", &story("Ship", "done"));
    r.commit("Bob", T2, "ship done");
    let (code, out, err) = cairn(&r.path, &["automate", &format!("{base}..HEAD")], &[]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("did not settle after 10 rounds: rules `to done`, `to review` keep changing items"), "{err}");
}

#[test]
fn fail_is_a_policy_error_with_the_rules_message() {
    let config = "automation:
  - name: estimates
    on: status_changed
    if: new == \"done\" and not estimate
    do:
      - fail: '{{ id }} was closed without an estimate'
  - name: close parent
    on: status_changed
    do:
      - set: { target: parent, when: all_children_done, status: done }
";
    let (r, base) = backlog(config);
    r.write("stories/ship.md", &story("Ship", "done"));
    r.commit("Bob", T2, "ship done");
    let (code, out, err) = cairn(&r.path, &["automate", &format!("{base}..HEAD"), "--apply"], &[]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("fail: rule `estimates` on `ship`: ship was closed without an estimate\n"), "{out}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(std::fs::read_to_string(r.path.join("epics/checkout.md")).unwrap(), EPIC);
}

#[test]
fn a_bad_rule_is_a_check_error_at_its_line() {
    let config = "name: Shop
automation:
  - name: close parent
    on: status_chaged
    do:
      - set: { target: parent, status: done }
  - name: hooks
    on: created
    if: 'kind == '
    do:
      - sett: { status: done }
      - webhook: { url: 'ftp://hooks.example/x' }
      - set: { owner: ann }
";
    let (r, _) = backlog(config);
    let (code, out, _) = cairn(&r.path, &["check", "--format", "json"], &[]);
    assert_eq!(code, 1, "{out}");
    let v = json_of(&out);
    let found: Vec<(u64, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "E050")
        .map(|d| (d["line"].as_u64().unwrap(), d["message"].as_str().unwrap().to_string()))
        .collect();
    let lines: Vec<u64> = found.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [4, 9, 11, 12, 13], "{found:?}");
    assert!(found[0].1.contains("unknown trigger `status_chaged`; did you mean `status_changed`?"), "{}", found[0].1);
    assert!(found[1].1.starts_with("rule `hooks`: bad `if:` expression `kind == `"), "{}", found[1].1);
    assert!(found[2].1.contains("unknown action `sett`; did you mean `set`?"), "{}", found[2].1);
    assert!(
        found[3].1.contains("webhook URL `ftp://hooks.example/x` is not an http:// or https:// URL"),
        "{}",
        found[3].1
    );
    assert!(found[4].1.contains("`set` names unknown field `owner`"), "{}", found[4].1);
    assert!(v["diagnostics"].as_array().unwrap().iter().all(|d| d["code"] != "E050" || d["file"] == "cairn.yml"));
    // `cairn automate` does not run with a bad rule.
    let (code, _, err) = cairn(&r.path, &["automate", "HEAD"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("cairn.yml:4:9: rule `close parent`: unknown trigger"), "{err}");
}

/// A request the receiver got: the signature header and the body.
struct Got {
    signature: Option<String>,
    body: Vec<u8>,
}

fn read_request(s: &mut std::net::TcpStream) -> Option<Got> {
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_string();
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    };
    let len: usize = header("content-length")?.parse().ok()?;
    let mut body = buf[end..].to_vec();
    while body.len() < len {
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Got { signature: header("x-cairn-signature"), body })
}

/// A receiver on 127.0.0.1 answering the statuses of `answers` in turn
/// (`0`: no answer at all, the connection held for 3 s); it stops after
/// them. Returns its URL and the requests it got.
fn receiver(answers: Vec<u16>) -> (String, mpsc::Receiver<Got>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for status in answers {
            let Ok((mut s, _)) = listener.accept() else { return };
            let Some(got) = read_request(&mut s) else { continue };
            let _ = tx.send(got);
            if status == 0 {
                std::thread::sleep(Duration::from_secs(3));
                continue;
            }
            let reason = if status == 200 { "OK" } else { "Internal Server Error" };
            let _ = write!(s, "HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (url, rx)
}

fn hook_config(url: &str, extra: &str) -> String {
    format!(
        "automation:
  - name: notify
    on: status_changed
    do:
      - webhook: {{ url: '{url}', secret_env: CAIRN_TEST_SECRET{extra} }}
"
    )
}

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

const HOOK_ENV: &[(&str, &str)] = &[("CAIRN_TEST_SECRET", "s3cret"), ("CAIRN_WEBHOOK_BACKOFF_MS", "20")];

#[test]
fn a_webhook_is_signed_and_retried_after_a_500() {
    let (url, rx) = receiver(vec![500, 200]);
    let (r, base) = backlog(&hook_config(&url, ""));
    r.write("stories/ship.md", &story("Ship", "review"));
    r.commit("Bob", T2, "ship in review");
    let range = format!("{base}..HEAD");
    // Without --apply nothing is sent.
    let (code, out, _) = cairn(&r.path, &["automate", &range], HOOK_ENV);
    assert_eq!(code, 0);
    assert!(out.contains(&format!("would POST to {url} (rule `notify`; sent with --apply)")), "{out}");
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());

    let (code, _, err) = cairn(&r.path, &["automate", &range, "--apply"], HOOK_ENV);
    assert_eq!(code, 0, "{err}");
    let got: Vec<Got> = (0..2).map(|_| rx.recv_timeout(Duration::from_secs(10)).expect("a request")).collect();
    for g in &got {
        assert_eq!(g.signature.as_deref(), Some(format!("sha256={}", hmac_hex("s3cret", &g.body)).as_str()));
    }
    assert_eq!(got[0].body, got[1].body);
    let body: Value = serde_json::from_slice(&got[1].body).expect("json body");
    assert_eq!(body["rule"], "notify");
    assert_eq!(body["event"]["type"], "status_changed");
    assert_eq!(body["event"]["id"], "ship");
    assert_eq!(body["event"]["old"], "in_progress");
    assert_eq!(body["event"]["new"], "review");
    assert_eq!(body["event"]["author"], "Bob");
    assert_eq!(body["item"]["id"], "ship");
    assert_eq!(body["item"]["status"], "review");
    assert!(!r.path.join(".cairn/webhooks-failed.jsonl").exists());
}

#[test]
fn a_webhook_that_keeps_failing_is_logged_and_the_command_succeeds() {
    let (url, rx) = receiver(vec![500, 500, 500, 500]);
    let (r, base) = backlog(&hook_config(&url, ""));
    r.write("stories/ship.md", &story("Ship", "review"));
    r.commit("Bob", T2, "ship in review");
    let (code, _, err) = cairn(&r.path, &["automate", &format!("{base}..HEAD"), "--apply"], HOOK_ENV);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&format!("webhook of rule `notify` to {url} failed after 4 attempts (HTTP 500)")), "{err}");
    assert_eq!((0..4).filter(|_| rx.recv_timeout(Duration::from_secs(10)).is_ok()).count(), 4);
    let log = std::fs::read_to_string(r.path.join(".cairn/webhooks-failed.jsonl")).expect("failure log");
    let lines: Vec<Value> = log.lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["url"], json!(url));
    assert_eq!(lines[0]["rule"], "notify");
    assert_eq!(lines[0]["status"], 500);
    assert_eq!(lines[0]["attempts"], 4);
    assert!(lines[0]["time"].as_str().is_some_and(|t| t.ends_with('Z')));
}

#[test]
fn a_webhook_that_times_out_is_logged() {
    let (url, _rx) = receiver(vec![0, 0, 0, 0]);
    let (r, base) = backlog(&hook_config(&url, ", timeout: 0.3"));
    r.write("stories/ship.md", &story("Ship", "review"));
    r.commit("Bob", T2, "ship in review");
    let (code, _, err) = cairn(&r.path, &["automate", &format!("{base}..HEAD"), "--apply"], HOOK_ENV);
    assert_eq!(code, 0, "{err}");
    let log = std::fs::read_to_string(r.path.join(".cairn/webhooks-failed.jsonl")).expect("failure log");
    let line: Value = serde_json::from_str(log.trim()).expect("one json line");
    assert!(line["error"].as_str().is_some_and(|e| e.contains("timed out")), "{line}");
    assert_eq!(line["attempts"], 4);
}

#[test]
fn a_webhook_without_its_secret_is_not_sent() {
    let (url, rx) = receiver(vec![200]);
    let (r, base) = backlog(&hook_config(&url, ""));
    r.write("stories/ship.md", &story("Ship", "review"));
    r.commit("Bob", T2, "ship in review");
    let (code, _, err) = cairn(&r.path, &["automate", &format!("{base}..HEAD"), "--apply"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("webhook of rule `notify` to {url} not sent: $CAIRN_TEST_SECRET is not set")),
        "{err}"
    );
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
}

const PR_CONFIG: &str = "automation:
  on_pull_request: { opened: review, merged: done }
";

fn pr_backlog(status: &str) -> Repo {
    let r = Repo::new();
    r.write("cairn.yml", PR_CONFIG)
        .write("stories/story-12.md", &format!("---\ntitle: Login\nstatus: {status}\n---\n"))
        .write("tasks/task-3.md", "---\ntitle: Login API\nstatus: review\n---\n")
        .write("stories/story-1.md", "---\ntitle: Other\nstatus: in_progress\n---\n");
    r.commit("Ann", T1, "backlog");
    r
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/github-events").join(name).display().to_string()
}

#[test]
fn an_opened_pull_request_moves_its_item_to_review() {
    let r = pr_backlog("in_progress");
    let (code, out, err) = cairn(&r.path, &["event", "github", &fixture("pr-opened.json"), "--apply"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("pull request #42 (acme/shop) opened: names story-12\n"), "{out}");
    assert!(out.contains("set story-12 status=review  (rule `on_pull_request.opened`)"), "{out}");
    assert_eq!(
        std::fs::read_to_string(r.path.join("stories/story-12.md")).unwrap(),
        "---\ntitle: Login\nstatus: review\n---\n"
    );
    // The other story, whose id is a prefix of `story-12`, is untouched.
    assert_eq!(
        std::fs::read_to_string(r.path.join("stories/story-1.md")).unwrap(),
        "---\ntitle: Other\nstatus: in_progress\n---\n"
    );
}

#[test]
fn a_merged_pull_request_closes_its_items_and_commits() {
    let r = pr_backlog("review");
    let (code, out, err) =
        cairn(&r.path, &["event", "github", &fixture("pr-merged.json"), "--commit", "--format", "json"], &[]);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    assert_eq!(v["notes"], json!(["pull request #42 (acme/shop) merged: names story-12, task-3"]));
    assert_eq!(changes(&v), ["set story-12 status=done", "set task-3 status=done"]);
    assert_eq!(v["written"], json!(true));
    assert_eq!(
        r.git(&["log", "-1", "--format=%s"]),
        "cairn automate: set story-12 status=done; set task-3 status=done"
    );
    assert_eq!(r.git(&["status", "--porcelain"]), "");
}

#[test]
fn a_pull_request_closed_without_merging_changes_nothing() {
    let r = pr_backlog("in_progress");
    let (code, out, err) = cairn(&r.path, &["event", "github", &fixture("pr-closed.json"), "--apply"], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "pull request #43 (acme/shop) closed: names story-12\n\
         `automation.on_pull_request` has no `closed`: no status to set\n\
         automate pull request #43: 0 events, 0 changes\n"
    );
    assert_eq!(r.git(&["status", "--porcelain"]), "");
}

#[test]
fn a_malformed_payload_says_what_is_missing() {
    let r = pr_backlog("in_progress");
    let (code, _, err) = cairn(&r.path, &["event", "github", &fixture("pr-malformed.json")], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("the payload has no `pull_request.head.ref` (its branch)"), "{err}");
    let bad = r.path.join("bad.json");
    std::fs::write(&bad, "{\"action\": \"opened\"}").unwrap();
    let (code, _, err) = cairn(&r.path, &["event", "github", "bad.json"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("the payload has no `pull_request` (the pull request)"), "{err}");
}

#[test]
fn sprint_dates_crossed_by_the_range_are_events() {
    let config = "automation:
  - name: kickoff
    on: sprint_started
    do:
      - comment: '{{ id }} started on {{ new }}'
  - name: review
    on: sprint_ended
    do:
      - comment: '{{ title }} ended on {{ new }}'
";
    let r = Repo::new();
    r.write("cairn.yml", config)
        .write("sprints/s1.md", "---\ntitle: Sprint 1\nstart: 2026-03-03\nend: 2026-03-05\n---\n");
    let base = r.commit("Ann", T1, "sprint planned");
    let mid = r.commit("Ann", "2026-03-04T09:00:00Z", "a day later");
    r.commit("Ann", "2026-03-06T09:00:00Z", "after the sprint");
    let texts = |range: &str| -> Vec<String> {
        let (code, out, err) = cairn(&r.path, &["automate", range, "--format", "json"], &[]);
        assert_eq!(code, 0, "{err}");
        json_of(&out)["comments"].as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap().to_string()).collect()
    };
    // 03-02 → 03-04: the start (03-03) is crossed, the end (03-05) is not.
    assert_eq!(texts(&format!("{base}..{mid}")), ["s1 started on 2026-03-03"]);
    // 03-04 → 03-06: the last day (03-05) is over.
    assert_eq!(texts(&format!("{mid}..HEAD")), ["Sprint 1 ended on 2026-03-05"]);
    assert_eq!(texts(&format!("{base}..HEAD")), ["s1 started on 2026-03-03", "Sprint 1 ended on 2026-03-05"]);
}

#[test]
fn a_merged_pull_request_runs_the_rules_on_its_changes() {
    let r = Repo::new();
    let config = "automation:
  on_pull_request: { merged: done }
  rules:
    - name: close parent
      on: status_changed
      if: new == \"done\"
      do:
        - set: { target: parent, when: all_children_done, status: done }
";
    r.write("cairn.yml", config)
        .write("epics/checkout.md", EPIC)
        .write("stories/pay.md", &story("Pay", "done"))
        .write("stories/story-12.md", &story("Login", "review"));
    r.commit("Ann", T1, "backlog");
    let (code, out, err) = cairn(&r.path, &["event", "github", &fixture("pr-merged.json"), "--format", "json"], &[]);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    assert_eq!(
        v["changes"],
        json!([
            {"rule": "on_pull_request.merged", "op": "set story-12 status=done", "round": 0},
            {"rule": "close parent", "op": "set checkout status=done", "round": 1}
        ])
    );
    // `cairn:task-3` names no item here: a warning, not an error.
    assert!(err.contains("pull request #42 names `cairn:task-3`, and no item has that id"), "{err}");
}

#[test]
fn an_expression_that_fails_at_run_time_names_its_rule() {
    let config = "automation:
  - name: picky
    on: status_changed
    if: new.nope()
    do:
      - comment: x
";
    let (r, base) = backlog(config);
    r.write("stories/ship.md", &story("Ship", "review"));
    r.commit("Bob", T2, "ship in review");
    let (code, _, err) = cairn(&r.path, &["automate", &format!("{base}..HEAD")], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("rule `picky` (cairn.yml line 2) on status_changed of `ship`: "), "{err}");
}

#[test]
fn a_change_the_edit_engine_refuses_names_its_rule() {
    // `goal` is a sprint field: a story cannot have it.
    let config = "automation:
  - name: goals
    on: status_changed
    do:
      - set: { goal: ship it }
";
    let (r, base) = backlog(config);
    r.write("stories/ship.md", &story("Ship", "review"));
    r.commit("Bob", T2, "ship in review");
    let (code, _, err) = cairn(&r.path, &["automate", &format!("{base}..HEAD")], &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "the change `set ship goal=ship it` of rule `goals` cannot be made: unknown field `goal` for story items"
        ),
        "{err}"
    );
}

#[test]
fn a_deleted_item_is_an_event_and_commit_commits_the_rules_changes() {
    let config = "automation:
  - name: gone
    on: deleted
    do:
      - comment: '{{ id }} removed by {{ author }}'
  - name: reopen parent
    on: deleted
    if: id == \"pay\"
    do:
      - add: { target: item, labels: x }
  - name: close parent
    on: status_changed
    do:
      - set: { target: parent, when: all_children_done, status: done }
";
    let (r, base) = backlog(config);
    r.remove("stories/pay.md");
    r.write("stories/ship.md", &story("Ship", "done"));
    r.commit("Bob", T2, "pay dropped, ship done");
    let (code, out, err) = cairn(&r.path, &["automate", &format!("{base}..HEAD"), "--commit", "--format", "json"], &[]);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    assert_eq!(v["comments"], json!([{"rule": "gone", "id": "pay", "text": "pay removed by Bob"}]));
    // The deleted item has no file to change: the `add` on it is no change.
    assert_eq!(changes(&v), ["set checkout status=done"]);
    assert_eq!(r.git(&["log", "-1", "--format=%s"]), "cairn automate: set checkout status=done");
    assert_eq!(r.git(&["show", "HEAD:epics/checkout.md"]), "---\ntitle: Checkout\nstatus: done\n---");
}
