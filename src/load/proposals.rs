//! Proposals: changes to the backlog written down for a person to accept or
//! reject (`cairn plan --propose`, and any other producer), one Markdown
//! file each in `ROOT/proposals/`. This module is the file format and its
//! reader (the site lists proposals); writing, applying and rejecting are
//! in `edit::proposal`, through the edit engine.
//!
//! ```text
//! ---
//! id: plan-s1-1a2b3c4d
//! title: "Plan sprint s1: 3 items, 13 of 16 points"
//! created: 2026-03-01T09:00:00Z        # HEAD's history time, not the clock
//! source: plan
//! status: open                          # open, applied or rejected
//! reason: "…"                           # why it was rejected
//! ---
//!
//! ## What            one paragraph
//! ## Why             one paragraph
//! ## Evidence        a list, one line each
//! ## Patch           a ```diff block (for people; not read back)
//! ## Apply           a ```json block: {"base": {path: blob hash}, "ops": [...]}
//! ```
//!
//! The `proposals/` folder is never loaded as backlog items (see
//! [`super::is_item_path`]): a proposal is about the backlog, not part of it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The root-relative folder proposals live in.
pub const FOLDER: &str = "proposals";

/// Proposal files larger than this are not read.
const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// Where a proposal stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Applied,
    Rejected,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Applied => "applied",
            Status::Rejected => "rejected",
        }
    }

    fn parse(s: &str) -> Option<Status> {
        match s {
            "open" => Some(Status::Open),
            "applied" => Some(Status::Applied),
            "rejected" => Some(Status::Rejected),
            _ => None,
        }
    }
}

/// One edit operation of a proposal, as stored: `set`, `unset`, `add` or
/// `remove` of a front-matter field of an item (the `edit::Op`s a proposal
/// may carry).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProposedOp {
    pub op: String,
    pub id: String,
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// What `## Apply` holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// Root-relative path of every file the ops touch → its git blob hash
    /// when the proposal was made.
    pub base: BTreeMap<String, String>,
    pub ops: Vec<ProposedOp>,
}

/// A proposal.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Proposal {
    pub id: String,
    pub title: String,
    /// RFC 3339 (UTC), when known.
    pub created: Option<String>,
    /// What made it (`plan`, …).
    pub source: String,
    pub status: Status,
    /// Why it was rejected.
    pub reason: Option<String>,
    pub what: String,
    pub why: String,
    pub evidence: Vec<String>,
    /// The unified diff of the change, as it was when proposed.
    pub patch: String,
    pub base: BTreeMap<String, String>,
    pub ops: Vec<ProposedOp>,
    /// Root-relative path of the file (`proposals/ID.md`).
    pub path: String,
}

/// The root-relative path of proposal `id`.
pub fn path_of(id: &str) -> String {
    format!("{FOLDER}/{id}.md")
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// A fence longer than any run of backticks in `text`.
fn fence(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    "`".repeat(longest.max(2) + 1)
}

/// The file text of a proposal.
pub fn render(p: &Proposal) -> String {
    let mut s = String::from("---\n");
    s.push_str(&format!("id: {}\n", p.id));
    s.push_str(&format!("title: {}\n", quoted(&p.title)));
    if let Some(c) = &p.created {
        s.push_str(&format!("created: {c}\n"));
    }
    let plain = p.source.bytes().next().is_some_and(|c| c.is_ascii_lowercase())
        && p.source.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && !matches!(p.source.as_str(), "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n");
    s.push_str(&format!("source: {}\n", if plain { p.source.clone() } else { quoted(&p.source) }));
    s.push_str(&format!("status: {}\n", p.status.name()));
    if let Some(r) = &p.reason {
        s.push_str(&format!("reason: {}\n", quoted(r)));
    }
    s.push_str("---\n\n## What\n\n");
    s.push_str(p.what.trim());
    s.push_str("\n\n## Why\n\n");
    s.push_str(p.why.trim());
    s.push_str("\n\n## Evidence\n\n");
    for e in &p.evidence {
        s.push_str(&format!("- {}\n", e.replace('\n', " ")));
    }
    if p.evidence.is_empty() {
        s.push_str("(none)\n");
    }
    let f = fence(&p.patch);
    s.push_str(&format!("\n## Patch\n\n{f}diff\n{}{f}\n", p.patch));
    let machine = Machine { base: p.base.clone(), ops: p.ops.clone() };
    let json = serde_json::to_string_pretty(&machine).unwrap_or_else(|_| "{}".into());
    s.push_str(&format!(
        "\n## Apply\n\n<!-- read by `cairn proposal apply`: the files' blob hashes when proposed, and the edits -->\n{f}json\n{json}\n{f}\n"
    ));
    s
}

/// The sections of a body: `## Name` → its text.
fn sections(body: &str) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut cur: Option<String> = None;
    let mut fence: Option<String> = None;
    for line in body.split_inclusive('\n') {
        let t = line.trim_end();
        if let Some(f) = &fence {
            if t == f.as_str() {
                fence = None;
            }
        } else if t.starts_with("```") {
            fence = Some(t.chars().take_while(|c| *c == '`').collect());
        } else if let Some(h) = t.strip_prefix("## ") {
            cur = Some(h.trim().to_string());
            out.entry(h.trim().to_string()).or_default();
            continue;
        }
        if let Some(c) = &cur {
            out.entry(c.clone()).or_default().push_str(line);
        }
    }
    out
}

/// The content of the first fenced block tagged `lang` in `text`.
fn block(text: &str, lang: &str) -> Option<String> {
    let mut lines = text.split_inclusive('\n');
    while let Some(l) = lines.next() {
        let t = l.trim_end();
        let ticks: String = t.chars().take_while(|c| *c == '`').collect();
        if ticks.len() >= 3 && t[ticks.len()..].trim() == lang {
            let mut content = String::new();
            for l in lines.by_ref() {
                if l.trim_end() == ticks {
                    return Some(content);
                }
                content.push_str(l);
            }
            return None;
        }
    }
    None
}

/// Parses a proposal file; the error says what is wrong.
pub fn parse(text: &str, path: &str) -> Result<Proposal, String> {
    let split = super::frontmatter::split(text).map_err(|e| e.message().to_string())?;
    let fm = super::yaml::parse(split.yaml).map_err(|(_, m)| format!("front-matter: {m}"))?.value.to_json();
    let get = |k: &str| fm.get(k).and_then(Value::as_str).map(str::to_string);
    let id = get("id").ok_or("no `id:` in the front-matter")?;
    let status = get("status").ok_or("no `status:` in the front-matter")?;
    let status =
        Status::parse(&status).ok_or_else(|| format!("status `{status}` is not one of open, applied, rejected"))?;
    let sec = sections(split.body);
    let text_of = |k: &str| sec.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let evidence =
        text_of("Evidence").lines().filter_map(|l| l.strip_prefix("- ")).map(str::to_string).collect::<Vec<_>>();
    let machine: Machine = match sec.get("Apply").and_then(|s| block(s, "json")) {
        Some(j) => serde_json::from_str(&j).map_err(|e| format!("the `## Apply` block is not valid: {e}"))?,
        None => return Err("no ```json block under `## Apply`".into()),
    };
    Ok(Proposal {
        title: get("title").unwrap_or_else(|| id.clone()),
        created: get("created"),
        source: get("source").unwrap_or_default(),
        status,
        reason: get("reason"),
        what: text_of("What"),
        why: text_of("Why"),
        evidence,
        patch: sec.get("Patch").and_then(|s| block(s, "diff")).unwrap_or_default(),
        base: machine.base,
        ops: machine.ops,
        id,
        path: path.to_string(),
    })
}

/// Reads one proposal file (root-relative path).
pub fn read(root: &Path, rel: &str) -> Result<Proposal, String> {
    let bytes = crate::util::fs::read_regular(&root.join(rel), MAX_BYTES).map_err(|e| format!("{rel}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{rel}: not UTF-8"))?;
    parse(&text, rel).map_err(|e| format!("{rel}: {e}"))
}

/// Every proposal under `ROOT/proposals/` (`*.md`, not hidden), by file
/// name; the files that could not be read, with why.
pub fn list(root: &Path) -> (Vec<Proposal>, Vec<String>) {
    let mut names: Vec<String> = match std::fs::read_dir(root.join(FOLDER)) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| n.ends_with(".md") && !n.starts_with('.') && !n.eq_ignore_ascii_case("README.md"))
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for n in names {
        match read(root, &format!("{FOLDER}/{n}")) {
            Ok(p) => out.push(p),
            Err(e) => bad.push(e),
        }
    }
    (out, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Proposal {
        Proposal {
            id: "plan-s1-0011aabb".into(),
            title: "Plan sprint s1: 2 items".into(),
            created: Some("2026-03-01T09:00:00Z".into()),
            source: "plan".into(),
            status: Status::Open,
            reason: None,
            what: "Put a and b into s1.".into(),
            why: "They are the most valuable ready work.".into(),
            evidence: vec!["picked a: priority high".into(), "skipped c: unestimated".into()],
            patch: "--- a/x.md\n+++ b/x.md\n@@ -1 +1,2 @@\n ---\n+sprint: s1\n".into(),
            base: BTreeMap::from([("tasks/a.md".to_string(), "abc".to_string())]),
            ops: vec![ProposedOp {
                op: "set".into(),
                id: "a".into(),
                field: "sprint".into(),
                value: Some(Value::String("s1".into())),
            }],
            path: "proposals/plan-s1-0011aabb.md".into(),
        }
    }

    #[test]
    fn render_then_parse_gives_the_proposal_back() {
        let p = sample();
        let text = render(&p);
        assert!(text.starts_with("---\nid: plan-s1-0011aabb\ntitle: \"Plan sprint s1: 2 items\"\n"));
        assert_eq!(parse(&text, &p.path), Ok(p.clone()));
        let mut r = p;
        r.status = Status::Rejected;
        r.reason = Some("not now: \"later\"".into());
        r.patch = "```\n".into();
        assert_eq!(parse(&render(&r), &r.path), Ok(r));
    }

    #[test]
    fn bad_files_say_why() {
        assert!(parse("no front-matter", "p.md").is_err());
        assert_eq!(
            parse("---\nid: x\nstatus: maybe\n---\n", "p.md").unwrap_err(),
            "status `maybe` is not one of open, applied, rejected"
        );
        assert_eq!(parse("---\nid: x\nstatus: open\n---\n", "p.md").unwrap_err(), "no ```json block under `## Apply`");
    }
}
