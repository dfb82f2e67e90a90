//! The SARIF 2.1.0 report (`cairn check --format sarif`), for GitHub code
//! scanning and other SARIF viewers: one run whose driver lists every
//! diagnostic code as a rule (from the same table as `cairn explain`), and
//! one result a diagnostic.
//!
//! Plain serde structs rather than a SARIF crate: cairn writes a small,
//! fixed subset of the format, and the generated types of a full binding
//! cost more to compile than this file. Results are serialized as they are
//! written, so a report of 100,000 diagnostics is never a second time in
//! memory.

use std::cell::RefCell;
use std::path::Path;

use serde::{Serialize, Serializer};

use super::report::{stable_fingerprints, worktree_prefix};
use super::{Diagnostic, Report, Severity};
use crate::diag::{code_index, CodeInfo, Example, CODES};

/// The JSON schema a SARIF 2.1.0 log names.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A SARIF log, ready to serialize.
#[derive(Serialize)]
pub struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    /// Diagnostic columns count characters (Unicode code points), not the
    /// UTF-16 code units SARIF assumes by default.
    column_kind: &'static str,
    results: Results<'a>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Rules,
}

/// Every code of [`CODES`], in order: a result's `ruleIndex` is its code's
/// position there.
struct Rules;

impl Serialize for Rules {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(CODES.iter().map(rule))
    }
}

#[derive(Serialize)]
struct Text<T> {
    text: T,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Text<&'static str>,
    full_description: Text<&'static str>,
    help: Help,
    default_configuration: Level,
}

#[derive(Serialize)]
struct Level {
    level: &'static str,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn rule(c: &'static CodeInfo) -> Rule {
    let (example_text, example_md) = match c.example {
        Example::Files(files) => {
            let mut text = String::new();
            let mut md = String::new();
            for (path, content) in files {
                text.push_str(&format!("\n# {path}\n{content}"));
                let lang = if path.ends_with(".yml") { "yaml" } else { "markdown" };
                md.push_str(&format!("\n`{path}`:\n\n```{lang}\n{content}```\n"));
            }
            (text, md)
        }
        Example::Situation(s) => (format!("\n{s}\n"), format!("\n{s}\n")),
    };
    Rule {
        id: c.code,
        name: c.name,
        short_description: Text { text: c.title },
        full_description: Text { text: c.meaning },
        help: Help {
            text: format!("{}\n\nExample:\n{example_text}", c.fix),
            markdown: format!("{}\n\n**Example**\n{example_md}", c.fix),
        },
        default_configuration: Level { level: level(crate::diag::severity_of(c.code)) },
    }
}

/// The results, made while they are written. Serializes once.
struct Results<'a> {
    diagnostics: &'a [Diagnostic],
    prefix: String,
    fingerprints: RefCell<Option<std::vec::IntoIter<String>>>,
}

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut fps = self.fingerprints.borrow_mut().take().into_iter().flatten();
        s.collect_seq(self.diagnostics.iter().map(|d| result(d, &self.prefix, fps.next().unwrap_or_default())))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text<String>,
    locations: [Location; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: Fingerprints,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "cairn/v1")]
    cairn: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

/// `file` (relative to the root) at 1-based `line`/`column`, `len`
/// characters long (at least one: a file-level problem marks the first).
fn physical(prefix: &str, file: &str, line: u32, column: u32, len: u32) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation { uri: uri_path(&format!("{prefix}{file}")) },
        region: Region {
            start_line: line.max(1),
            start_column: column.max(1),
            end_line: line.max(1),
            end_column: column.max(1).saturating_add(len.max(1)),
        },
    }
}

fn result(d: &Diagnostic, prefix: &str, fingerprint: String) -> SarifResult {
    let mut text = d.message.clone();
    if let Some(h) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(h);
    }
    SarifResult {
        rule_id: d.code,
        rule_index: code_index(d.code),
        level: level(d.severity),
        message: Text { text },
        locations: [Location {
            id: None,
            physical_location: physical(prefix, &d.file, d.line, d.column, d.len),
            message: None,
        }],
        related_locations: d
            .notes
            .iter()
            .enumerate()
            .map(|(i, n)| Location {
                id: Some(i),
                physical_location: physical(prefix, &n.file, n.line, n.column, n.len),
                message: Some(Text { text: n.message.clone() }),
            })
            .collect(),
        partial_fingerprints: Fingerprints { cairn: fingerprint },
    }
}

/// A relative path as a URI reference: every byte but unreserved
/// characters and `/` percent-encoded (spaces, `%`, `#`, `?`, `:` and
/// non-ASCII names included).
pub fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The SARIF log of a report. `root` is the backlog root: artifact URIs are
/// relative to the git work tree that holds it, as GitHub expects.
pub fn log<'a>(r: &'a Report, root: &Path) -> Log<'a> {
    let repository = env!("CARGO_PKG_REPOSITORY");
    Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "cairn",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: (!repository.is_empty()).then_some(repository),
                    rules: Rules,
                },
            },
            column_kind: "unicodeCodePoints",
            results: Results {
                diagnostics: &r.diagnostics,
                prefix: worktree_prefix(root),
                fingerprints: RefCell::new(Some(stable_fingerprints(&r.diagnostics).into_iter())),
            },
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Span;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri_path("backlog/stories/a-b_c.d~.md"), "backlog/stories/a-b_c.d~.md");
        assert_eq!(uri_path("my stories/50%#1?:x.md"), "my%20stories/50%25%231%3F%3Ax.md");
        assert_eq!(uri_path("é.md"), "%C3%A9.md");
    }

    #[test]
    fn results_point_at_rules_and_regions() {
        let dir = tempfile::tempdir().unwrap();
        let r = Report {
            items: 2,
            diagnostics: vec![
                Diagnostic::new("E012", "stories/a b.md", Span::new(4, 9, 10), "unknown status")
                    .with_help("statuses are x")
                    .with_note("stories/c.md", Span::new(2, 3, 4), "here"),
                Diagnostic::new("W001", "stories/c.md", Span::START, "done"),
            ],
        };
        let v = serde_json::to_value(log(&r, dir.path())).unwrap();
        let run = &v["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), CODES.len());
        let res = &run["results"][0];
        assert_eq!(res["ruleId"], "E012");
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], "E012");
        assert_eq!(res["level"], "error");
        assert_eq!(res["message"]["text"], "unknown status\nhelp: statuses are x");
        let loc = &res["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "stories/a%20b.md");
        // endColumn is exclusive: 10 characters from column 9.
        assert_eq!(loc["region"], serde_json::json!({"startLine": 4, "startColumn": 9, "endLine": 4, "endColumn": 19}));
        assert_eq!(res["relatedLocations"][0]["message"]["text"], "here");
        assert_eq!(res["relatedLocations"][0]["physicalLocation"]["region"]["endColumn"], 7);
        let w = &run["results"][1];
        assert_eq!(w["level"], "warning");
        assert_eq!(w["locations"][0]["physicalLocation"]["region"]["endColumn"], 2);
        assert!(w.get("relatedLocations").is_none());
        assert_ne!(res["partialFingerprints"]["cairn/v1"], w["partialFingerprints"]["cairn/v1"]);
    }
}
