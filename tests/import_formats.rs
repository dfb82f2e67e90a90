//! The tracker readers of `cairn import` (jira, github, linear, trello,
//! beads) on fixtures shaped like the real exports: records, history and
//! problems, each expected value taken from the fixture itself.

use std::collections::BTreeMap;
use std::path::PathBuf;

use cairn::import::{self, Change, ChangeKind, Format, Location, Record, Source};
use serde_json::{json, Value};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import").join(name)
}

fn read(format: Format, name: &str) -> Source {
    import::read(format, &fixture(name), false).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn by_id(src: &Source) -> BTreeMap<&str, &Record> {
    src.records.iter().map(|r| (r.external_id.as_str(), r)).collect()
}

fn field<'a>(r: &'a Record, f: &str) -> &'a Value {
    r.fields.get(f).unwrap_or(&Value::Null)
}

/// The 1-based line on which `needle` first occurs in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text.find(needle).unwrap_or_else(|| panic!("`{needle}` not in the fixture"));
    text[..at].matches('\n').count() + 1
}

fn rel(r: &Record, name: &str) -> Vec<String> {
    r.relations.iter().filter(|(n, _)| n == name).map(|(_, t)| t.clone()).collect()
}

// ---------------------------------------------------------------- jira CSV

#[test]
fn jira_csv_rows_become_records_with_every_column_mapped() {
    let src = read(Format::Jira, "jira.csv");
    assert_eq!(src.problems, []);
    let text = std::fs::read_to_string(fixture("jira.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let cols = |name: &str| header.iter().enumerate().filter(|(_, h)| *h == name).map(|(i, _)| i).collect::<Vec<_>>();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(src.records.len(), rows.len());
    assert_eq!(rows.len(), 12);
    for (r, row) in src.records.iter().zip(&rows) {
        let one = |name: &str| row[cols(name)[0]].to_string();
        let many = |name: &str| cols(name).iter().map(|&i| row[i].to_string()).filter(|s| !s.is_empty()).collect::<Vec<_>>();
        assert_eq!(r.external_id, one("Issue key"));
        assert_eq!(r.title, one("Summary"));
        assert_eq!(r.status.as_deref(), Some(one("Status").as_str()));
        let kind = match one("Issue Type").as_str() {
            "Epic" => "epic",
            "Bug" => "bug",
            "Task" | "Sub-task" => "task",
            _ => "story",
        };
        assert_eq!(r.kind, kind, "{}", r.external_id);
        assert_eq!(r.at, Location::Line(line_of(&text, &format!(",{},{},", one("Issue key"), one("Issue id")))));
        let labels = many("Labels");
        assert_eq!(field(r, "labels"), &if labels.is_empty() { Value::Null } else { json!(labels) });
        assert_eq!(field(r, "sprint"), &many("Sprint").last().map_or(Value::Null, |s| json!(s)));
        let points = one("Custom field (Story Points)");
        assert_eq!(field(r, "estimate").as_f64(), points.parse::<f64>().ok(), "{}", r.external_id);
        assert_eq!(field(r, "priority"), &json!(one("Priority").to_lowercase()));
        assert!(r.body.starts_with(one("Description").as_str()), "{}", r.external_id);
    }
    let ids = by_id(&src);
    // `Parent id` is the parent's numeric id; `Epic Link` its key.
    assert_eq!(ids["PAY-3"].parent.as_deref(), Some("PAY-2"));
    assert_eq!(ids["PAY-11"].parent.as_deref(), Some("PAY-10"));
    assert_eq!(ids["PAY-2"].parent.as_deref(), Some("PAY-1"));
    assert_eq!(ids["PAY-1"].parent, None);
    assert_eq!(rel(ids["PAY-4"], "depends_on"), ["PAY-5"]);
    assert_eq!(rel(ids["PAY-5"], "blocks"), ["PAY-4"]);
    assert_eq!(rel(ids["PAY-7"], "relates_to"), ["PAY-2"]);
    assert_eq!(rel(ids["PAY-8"], "duplicates"), ["PAY-6"]);
    assert_eq!(field(ids["PAY-2"], "created"), &json!("2024-04-03T10:15:00Z"));
    assert_eq!(field(ids["PAY-5"], "due"), &json!("2024-05-31"));
    assert_eq!(field(ids["PAY-4"], "assignee"), &json!("carol"));
    assert_eq!(field(ids["PAY-4"], "reporter"), &json!("ben"));
    // Comments are `date;author;body`, the body keeping its own `;`.
    let body = &ids["PAY-2"].body;
    assert!(body.contains("## Comments"), "{body}");
    assert!(body.contains("**557058:f1c2a**, 2024-04-11 15:26:\n\nLooks good; ship it after the \"vault\" review"), "{body}");
    assert!(body.find("557058:f1c2a").unwrap() < body.find("557058:b7e19").unwrap());
    assert!(ids["PAY-6"].body.contains("The total reads \"NaN\", not 0.00."));
}

#[test]
fn jira_csv_history_is_creation_and_resolution() {
    let src = read(Format::Jira, "jira.csv");
    let created: Vec<&Change> = src.history.iter().filter(|c| c.what == ChangeKind::Created).collect();
    assert_eq!(created.len(), src.records.len());
    for r in &src.records {
        let c = created.iter().find(|c| c.external_id == r.external_id).unwrap();
        let t = chrono::DateTime::parse_from_rfc3339(field(r, "created").as_str().unwrap()).unwrap();
        assert_eq!(c.time, t.timestamp());
        assert_eq!(Some(c.author.as_str()), field(r, "reporter").as_str());
    }
    let resolved: Vec<(&str, &Value)> = src
        .history
        .iter()
        .filter_map(|c| match &c.what {
            ChangeKind::Set { field, value } if field == "status" => Some((c.external_id.as_str(), value)),
            _ => None,
        })
        .collect();
    // Oldest first: PAY-8 was resolved on 9 April, PAY-3 on the 15th, PAY-2 on the 20th.
    assert_eq!(resolved, [("PAY-8", &json!("Closed")), ("PAY-3", &json!("Done")), ("PAY-2", &json!("Done"))]);
    assert!(src.history.windows(2).all(|w| w[0].time <= w[1].time));
}

#[test]
fn jira_csv_bad_rows_are_problems_with_their_line() {
    let src = read(Format::Jira, "jira-bad.csv");
    assert_eq!(src.records.iter().map(|r| r.external_id.as_str()).collect::<Vec<_>>(), ["BAD-1"]);
    let at: Vec<&Location> = src.problems.iter().map(|p| &p.at).collect();
    assert_eq!(at, [&Location::Line(3), &Location::Line(4), &Location::Line(5)]);
    assert!(src.problems[0].message.contains("5 fields"), "{}", src.problems[0]);
    assert!(src.problems[1].message.contains("yesterday at noon"), "{}", src.problems[1]);
    assert!(src.problems[2].message.contains("BAD-4"), "{}", src.problems[2]);
}

// ---------------------------------------------------------------- jira JSON

#[test]
fn jira_json_agrees_with_the_csv_export_of_the_same_project() {
    let csv = read(Format::Jira, "jira.csv");
    let json = read(Format::Jira, "jira.json");
    assert_eq!(json.problems, []);
    assert_eq!(json.records.len(), csv.records.len());
    for (j, c) in json.records.iter().zip(&csv.records) {
        assert_eq!(j.external_id, c.external_id);
        assert_eq!((&j.kind, &j.title, &j.status, &j.parent), (&c.kind, &c.title, &c.status, &c.parent), "{}", j.external_id);
        let mut jr = j.relations.clone();
        let mut cr = c.relations.clone();
        jr.sort();
        cr.sort();
        assert_eq!(jr, cr, "{}", j.external_id);
        for f in ["estimate", "labels", "sprint", "priority", "created", "due"] {
            assert_eq!(field(j, f), field(c, f), "{} {f}", j.external_id);
        }
    }
    let ids = by_id(&json);
    assert_eq!(field(ids["PAY-4"], "assignee"), &json!("Carol Diaz"));
    assert!(ids["PAY-6"].body.starts_with("Steps: empty the cart, open checkout.\n\nThe total reads \"NaN\", not 0.00."));
    assert!(ids["PAY-2"].body.contains("**Dan Wu**, 2024-04-11 15:26:\n\nLooks good; ship it"));
}

/// The changelog's items, in cairn's names, as `(time, author, key, field, value)`.
fn changelog_of_fixture() -> Vec<(i64, String, String, String, Value)> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(fixture("jira.json")).unwrap()).unwrap();
    let mut out = Vec::new();
    for issue in v["issues"].as_array().unwrap() {
        let key = issue["key"].as_str().unwrap().to_string();
        for h in issue["changelog"]["histories"].as_array().unwrap() {
            let t = chrono::DateTime::parse_from_str(h["created"].as_str().unwrap(), "%Y-%m-%dT%H:%M:%S%.f%z").unwrap();
            let who = h["author"]["displayName"].as_str().unwrap().to_string();
            for item in h["items"].as_array().unwrap() {
                let to = item["toString"].as_str().unwrap_or("");
                let (f, value) = match item["field"].as_str().unwrap() {
                    "status" => ("status", json!(to)),
                    "assignee" => ("assignee", json!(to)),
                    "summary" => ("title", json!(to)),
                    "priority" => ("priority", json!(to.to_lowercase())),
                    "labels" => ("labels", json!(to.split(' ').collect::<Vec<_>>())),
                    "Sprint" => ("sprint", json!(to.rsplit(", ").next().unwrap())),
                    "Story Points" => ("estimate", json!(to.parse::<i64>().unwrap())),
                    "duedate" => ("due", json!(to)),
                    "description" => ("body", json!(to)),
                    _ => continue, // resolution, Link: not a field of cairn's
                };
                out.push((t.timestamp(), who.clone(), key.clone(), f.to_string(), value));
            }
        }
    }
    out.sort_by_key(|c| c.0);
    out
}

#[test]
fn jira_changelog_is_the_history() {
    let src = read(Format::Jira, "jira.json");
    let got: Vec<(i64, String, String, String, Value)> = src
        .history
        .iter()
        .filter_map(|c| {
            let (f, v) = match &c.what {
                ChangeKind::Set { field, value } => (field.clone(), value.clone()),
                ChangeKind::Unset { field } => (field.clone(), json!("")),
                ChangeKind::Body(b) => ("body".into(), json!(b)),
                _ => return None,
            };
            Some((c.time, c.author.clone(), c.external_id.clone(), f, v))
        })
        .collect();
    assert_eq!(got, changelog_of_fixture());
    // Every issue is created at its `created` time by its reporter, with the reporter's email.
    let created: Vec<&Change> = src.history.iter().filter(|c| c.what == ChangeKind::Created).collect();
    assert_eq!(created.len(), 12);
    let first = created.iter().find(|c| c.external_id == "PAY-1").unwrap();
    assert_eq!((first.author.as_str(), first.email.as_str()), ("Ben Okafor", "ben@example.com"));
    assert!(src.history.windows(2).all(|w| w[0].time <= w[1].time));
}

#[test]
fn jira_json_bad_records_are_problems_with_their_number() {
    let src = read(Format::Jira, "jira-bad.json");
    assert_eq!(src.records.iter().map(|r| r.external_id.as_str()).collect::<Vec<_>>(), ["BAD-1"]);
    let at: Vec<&Location> = src.problems.iter().map(|p| &p.at).collect();
    assert_eq!(at, [&Location::Record(2), &Location::Record(3), &Location::Record(4)]);
    assert!(src.problems[2].message.contains("many"), "{}", src.problems[2]);
}
