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

/// The work items of a source (without the sprint records the readers add).
fn items(src: &Source) -> Vec<&Record> {
    src.records.iter().filter(|r| r.kind != "sprint").collect()
}

/// The sprint field a reader writes: the sprint record's external id.
fn sprint(name: &str) -> Value {
    json!(format!("sprint:{name}"))
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
    assert_eq!(items(&src).len(), rows.len());
    assert_eq!(rows.len(), 12);
    for (r, row) in items(&src).into_iter().zip(&rows) {
        let one = |name: &str| row[cols(name)[0]].to_string();
        let many =
            |name: &str| cols(name).iter().map(|&i| row[i].to_string()).filter(|s| !s.is_empty()).collect::<Vec<_>>();
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
        assert_eq!(field(r, "sprint"), &many("Sprint").last().map_or(Value::Null, |s| sprint(s)));
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
    assert!(
        body.contains("**557058:f1c2a**, 2024-04-11 15:26:\n\nLooks good; ship it after the \"vault\" review"),
        "{body}"
    );
    assert!(body.find("557058:f1c2a").unwrap() < body.find("557058:b7e19").unwrap());
    assert!(ids["PAY-6"].body.contains("The total reads \"NaN\", not 0.00."));
}

#[test]
fn jira_csv_history_is_creation_and_resolution() {
    let src = read(Format::Jira, "jira.csv");
    let created: Vec<&Change> = src.history.iter().filter(|c| c.what == ChangeKind::Created).collect();
    assert_eq!(created.len(), items(&src).len());
    for r in items(&src) {
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
    assert_eq!(items(&json).len(), items(&csv).len());
    for (j, c) in items(&json).into_iter().zip(items(&csv)) {
        assert_eq!(j.external_id, c.external_id);
        assert_eq!(
            (&j.kind, &j.title, &j.status, &j.parent),
            (&c.kind, &c.title, &c.status, &c.parent),
            "{}",
            j.external_id
        );
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
    assert!(ids["PAY-6"]
        .body
        .starts_with("Steps: empty the cart, open checkout.\n\nThe total reads \"NaN\", not 0.00."));
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
                    "Sprint" => ("sprint", sprint(to.rsplit(", ").next().unwrap())),
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
    // The changes at an issue's creation give its first state (below).
    let born: std::collections::HashSet<(&str, i64)> = src
        .history
        .iter()
        .filter(|c| c.what == ChangeKind::Created)
        .map(|c| (c.external_id.as_str(), c.time))
        .collect();
    let got: Vec<(i64, String, String, String, Value)> = src
        .history
        .iter()
        .filter(|c| !born.contains(&(c.external_id.as_str(), c.time)))
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
    // At creation, a field has the value its first changelog item changed
    // it from, else its final value.
    let birth = |key: &str| -> BTreeMap<String, Value> {
        let t = created.iter().find(|c| c.external_id == key).unwrap().time;
        src.history
            .iter()
            .filter(|c| c.external_id == key && c.time == t)
            .filter_map(|c| match &c.what {
                ChangeKind::Set { field, value } => Some((field.clone(), value.clone())),
                _ => None,
            })
            .collect()
    };
    let pay4 = birth("PAY-4");
    assert_eq!(pay4["title"], json!("Apple Pay"));
    assert_eq!(pay4["priority"], json!("medium"));
    assert_eq!(pay4["status"], json!("To Do"));
    assert_eq!(pay4["labels"], json!(["checkout"]));
    assert_eq!(pay4["estimate"], json!(3));
    assert_eq!(pay4["depends_on"], json!(["PAY-5"]));
    let pay2 = birth("PAY-2");
    // Story points and sprint were set after creation; the assignee too.
    for f in ["estimate", "sprint", "assignee"] {
        assert!(!pay2.contains_key(f), "{f}: {pay2:?}");
    }
    assert_eq!(pay2["parent"], json!("PAY-1"));
    assert_eq!(birth("PAY-12")["assignee"], json!("Erin Walsh"));
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

fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

fn created_changes(src: &Source) -> BTreeMap<&str, (i64, &str)> {
    src.history
        .iter()
        .filter(|c| c.what == ChangeKind::Created)
        .map(|c| (c.external_id.as_str(), (c.time, c.author.as_str())))
        .collect()
}

fn ts(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
}

// ---------------------------------------------------------------- github

#[test]
fn github_issues_become_stories_and_bugs_with_milestones_as_sprints() {
    let src = read(Format::Github, "github.json");
    assert_eq!(src.problems, []);
    let fx = fixture_json("github.json");
    let issues = fx.as_array().unwrap();
    assert_eq!(items(&src).len(), issues.len());
    for (r, i) in items(&src).into_iter().zip(issues) {
        assert_eq!(r.external_id, format!("#{}", i["number"]));
        assert_eq!(r.title, i["title"].as_str().unwrap());
        let labels: Vec<&str> = i["labels"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
        let bug = labels.iter().any(|l| l.eq_ignore_ascii_case("bug"));
        assert_eq!(r.kind, if bug { "bug" } else { "story" }, "{}", r.external_id);
        assert_eq!(field(r, "labels"), &if labels.is_empty() { Value::Null } else { json!(labels) });
        let status = match (i["state"].as_str().unwrap(), i["stateReason"].as_str()) {
            ("CLOSED", Some("NOT_PLANNED")) => "not planned",
            ("CLOSED", _) => "closed",
            _ => "open",
        };
        assert_eq!(r.status.as_deref(), Some(status), "{}", r.external_id);
        assert_eq!(field(r, "sprint"), &i["milestone"]["title"].as_str().map_or(Value::Null, sprint));
        let due = i["milestone"]["dueOn"].as_str().map(|d| json!(&d[..10])).unwrap_or(Value::Null);
        assert_eq!(field(r, "due"), &due);
        assert_eq!(field(r, "reporter"), &i["author"]["login"]);
        let logins: Vec<&Value> = i["assignees"].as_array().unwrap().iter().map(|a| &a["login"]).collect();
        let assignee = match logins.as_slice() {
            [] => Value::Null,
            [one] => (*one).clone(),
            many => json!(many),
        };
        assert_eq!(field(r, "assignee"), &assignee);
        assert_eq!(created_changes(&src)[r.external_id.as_str()].0, ts(i["createdAt"].as_str().unwrap()));
    }
    let ids = by_id(&src);
    assert_eq!(rel(ids["#41"], "depends_on"), ["#40"]);
    assert_eq!(rel(ids["#36"], "depends_on"), ["#35"]);
    assert_eq!(rel(ids["#35"], "relates_to"), ["#36"]);
    assert_eq!(rel(ids["#38"], "duplicates"), ["#39"]);
    // Closing is a status change at closedAt.
    let closes: Vec<(&str, i64)> = src
        .history
        .iter()
        .filter(|c| matches!(&c.what, ChangeKind::Set { field, .. } if field == "status"))
        .map(|c| (c.external_id.as_str(), c.time))
        .collect();
    let mut want: Vec<(String, i64)> =
        issues.iter().filter_map(|i| i["closedAt"].as_str().map(|t| (format!("#{}", i["number"]), ts(t)))).collect();
    want.sort_by_key(|w| w.1);
    assert_eq!(closes, want.iter().map(|(a, b)| (a.as_str(), *b)).collect::<Vec<_>>());
}

#[test]
fn github_bad_records_are_problems_with_their_number() {
    let src = read(Format::Github, "github-bad.json");
    assert_eq!(items(&src).len(), 1);
    let at: Vec<&Location> = src.problems.iter().map(|p| &p.at).collect();
    assert_eq!(at, [&Location::Record(2), &Location::Record(3), &Location::Record(4)]);
}

// ---------------------------------------------------------------- linear

#[test]
fn linear_csv_rows_become_records_and_formula_quotes_come_off() {
    let src = read(Format::Linear, "linear.csv");
    assert_eq!(src.problems, []);
    let text = std::fs::read_to_string(fixture("linear.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(items(&src).len(), rows.len());
    assert_eq!(rows.len(), 12);
    for (r, row) in items(&src).into_iter().zip(&rows) {
        let get = |n: &str| row[header.iter().position(|h| h == n).unwrap()].to_string();
        let unquote = |s: String| match s.strip_prefix('\'') {
            Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_string(),
            _ => s,
        };
        assert_eq!(r.external_id, get("ID"));
        // The file has CRLF line ends; the row starts on the line after its `\n`.
        assert_eq!(r.at, Location::Line(line_of(&text, &format!("\n{},", get("ID"))) + 1));
        assert_eq!(r.title, unquote(get("Title")));
        assert!(!r.title.starts_with('\''));
        assert_eq!(r.body.trim_end(), unquote(get("Description")));
        assert_eq!(r.status.as_deref(), Some(get("Status").as_str()));
        assert_eq!(r.parent, Some(get("Parent issue")).filter(|p| !p.is_empty()));
        let labels: Vec<String> = get("Labels").split(", ").filter(|l| !l.is_empty()).map(str::to_string).collect();
        let kind = if labels.iter().any(|l| l == "Bug") {
            "bug"
        } else if r.parent.is_some() {
            "task"
        } else {
            "story"
        };
        assert_eq!(r.kind, kind, "{}", r.external_id);
        assert_eq!(field(r, "labels"), &if labels.is_empty() { Value::Null } else { json!(labels) });
        assert_eq!(field(r, "estimate").as_f64(), get("Estimate").parse::<f64>().ok());
        let priority = match get("Priority").as_str() {
            "Urgent" => json!("highest"),
            "No priority" => Value::Null,
            p => json!(p.to_lowercase()),
        };
        assert_eq!(field(r, "priority"), &priority, "{}", r.external_id);
        let sprint = match (get("Cycle Name"), get("Cycle Number")) {
            (n, _) if !n.is_empty() => sprint(&n),
            (_, n) if !n.is_empty() => sprint(&format!("Cycle {n}")),
            _ => Value::Null,
        };
        assert_eq!(field(r, "sprint"), &sprint);
    }
    let ids = by_id(&src);
    assert_eq!(ids["ENG-104"].title, "=SUM(A1) shows in exported invoices");
    assert_eq!(ids["ENG-110"].title, "+1 reactions on comments");
    assert_eq!(field(ids["ENG-101"], "created"), &json!("2024-04-01T09:00:00Z"));
    assert_eq!(field(ids["ENG-104"], "due"), &json!("2024-04-30"));
    // Started, then Completed: ENG-102's history.
    let h: Vec<(i64, &ChangeKind)> = src
        .history
        .iter()
        .filter(|c| c.external_id == "ENG-102")
        .filter(|c| match &c.what {
            ChangeKind::Created => true,
            ChangeKind::Set { field, .. } => field == "status",
            _ => false,
        })
        .map(|c| (c.time, &c.what))
        .collect();
    assert_eq!(
        h,
        [
            (ts("2024-04-01T09:30:00Z"), &ChangeKind::Created),
            (ts("2024-04-02T09:00:00Z"), &ChangeKind::Set { field: "status".into(), value: json!("In Progress") }),
            (ts("2024-04-05T16:00:00Z"), &ChangeKind::Set { field: "status".into(), value: json!("Done") }),
        ]
    );
}

#[test]
fn linear_bad_rows_are_problems_with_their_line() {
    let src = read(Format::Linear, "linear-bad.csv");
    assert_eq!(items(&src).iter().map(|r| r.external_id.as_str()).collect::<Vec<_>>(), ["ENG-1"]);
    let at: Vec<&Location> = src.problems.iter().map(|p| &p.at).collect();
    assert_eq!(at, [&Location::Line(3), &Location::Line(4), &Location::Line(5)]);
    assert!(src.problems[0].message.contains("lots"));
}

// ---------------------------------------------------------------- trello

#[test]
fn trello_cards_become_stories_with_lists_as_statuses_and_checklists_as_task_lists() {
    let src = read(Format::Trello, "trello.json");
    assert_eq!(src.problems, []);
    let fx = fixture_json("trello.json");
    let list_name = |id: &Value| {
        let l = fx["lists"].as_array().unwrap().iter().find(|l| &l["id"] == id).unwrap();
        if l["closed"] == true {
            json!("archived")
        } else {
            l["name"].clone()
        }
    };
    let cards = fx["cards"].as_array().unwrap();
    assert_eq!(src.records.len(), cards.len());
    for (r, c) in src.records.iter().zip(cards) {
        assert_eq!(r.external_id, c["shortLink"].as_str().unwrap());
        assert_eq!(r.title, c["name"].as_str().unwrap());
        assert_eq!(json!(r.status), list_name(&c["idList"]));
        assert!(r.body.starts_with(c["desc"].as_str().unwrap()));
        for cl in fx["checklists"].as_array().unwrap().iter().filter(|cl| cl["idCard"] == c["id"]) {
            assert!(r.body.contains(&format!("## {}\n", cl["name"].as_str().unwrap())), "{}", r.body);
            for item in cl["checkItems"].as_array().unwrap() {
                let mark = if item["state"] == "complete" { "x" } else { " " };
                assert!(r.body.contains(&format!("- [{mark}] {}\n", item["name"].as_str().unwrap())), "{}", r.body);
            }
        }
    }
    let ids = by_id(&src);
    assert_eq!(field(ids["c0000002"], "assignee"), &json!(["caroldiaz", "analima"]));
    assert_eq!(field(ids["c0000002"], "due"), &json!("2024-05-10"));
    assert_eq!(field(ids["c0000005"], "labels"), &json!(["green", "archived"]));
    assert_eq!(ids["c0000003"].kind, "bug");
    assert!(ids["c0000002"].body.contains("**Ana Lima**, 2024-04-06 11:00:\n\nCan we show prices without tax too?"));
}

#[test]
fn trello_actions_are_the_history_oldest_first() {
    let src = read(Format::Trello, "trello.json");
    let fx = fixture_json("trello.json");
    let mut actions: Vec<&Value> = fx["actions"].as_array().unwrap().iter().collect();
    actions.reverse();
    let mut want: Vec<(i64, String, String, Option<Value>)> = Vec::new();
    for a in actions {
        let t = ts(a["date"].as_str().unwrap());
        let who = a["memberCreator"]["fullName"].as_str().unwrap().to_string();
        let card = a["data"]["card"]["shortLink"].as_str().unwrap().to_string();
        match a["type"].as_str().unwrap() {
            "createCard" => {
                want.push((t, who.clone(), card.clone(), None));
                want.push((t, who, card, Some(json!({"status": a["data"]["list"]["name"]}))));
            }
            "updateCard" if a["data"]["listAfter"].is_object() => {
                want.push((t, who, card, Some(json!({"status": a["data"]["listAfter"]["name"]}))))
            }
            "updateCard" if a["data"]["old"].get("name").is_some() => {
                want.push((t, who, card, Some(json!({"title": a["data"]["card"]["name"]}))))
            }
            "updateCard" if a["data"]["old"].get("due").is_some() => {
                want.push((t, who, card, Some(json!({"due": &a["data"]["card"]["due"].as_str().unwrap()[..10]}))))
            }
            _ => {}
        }
    }
    want.sort_by_key(|w| w.0);
    let got: Vec<(i64, String, String, Option<Value>)> = src
        .history
        .iter()
        .map(|c| {
            let what = match &c.what {
                ChangeKind::Created => None,
                ChangeKind::Set { field, value } => Some(json!({ field.as_str(): value })),
                other => panic!("unexpected {other:?}"),
            };
            (c.time, c.author.clone(), c.external_id.clone(), what)
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
fn trello_bad_cards_are_problems_with_their_number() {
    let src = read(Format::Trello, "trello-bad.json");
    assert_eq!(src.records.len(), 1);
    let at: Vec<&Location> = src.problems.iter().map(|p| &p.at).collect();
    assert_eq!(at, [&Location::Record(2), &Location::Record(3), &Location::Record(4)]);
}

// ---------------------------------------------------------------- beads

#[test]
fn beads_issues_keep_their_types_priorities_and_dependencies() {
    let src = read(Format::Beads, "beads.jsonl");
    assert_eq!(src.problems, []);
    let text = std::fs::read_to_string(fixture("beads.jsonl")).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(src.records.len(), lines.len());
    let priorities = ["highest", "high", "medium", "low", "lowest"];
    for (n, (r, v)) in src.records.iter().zip(&lines).enumerate() {
        assert_eq!(r.at, Location::Line(n + 1));
        assert_eq!(r.external_id, v["id"].as_str().unwrap());
        assert_eq!(r.title, v["title"].as_str().unwrap());
        assert_eq!(r.status.as_deref(), v["status"].as_str());
        let deps = v["dependencies"].as_array().cloned().unwrap_or_default();
        let parent =
            deps.iter().find(|d| d["type"] == "parent-child").map(|d| d["depends_on_id"].as_str().unwrap().to_string());
        let parent_type = parent
            .as_ref()
            .map(|p| lines.iter().find(|l| l["id"] == p.as_str()).unwrap()["issue_type"].as_str().unwrap().to_string());
        // A task under an epic is a story in cairn's hierarchy.
        let kind = match (v["issue_type"].as_str().unwrap(), parent_type.as_deref()) {
            ("task" | "chore", Some("epic" | "feature")) => "story",
            ("chore", _) => "task",
            (k, _) => k,
        };
        assert_eq!(r.kind, kind, "{}", r.external_id);
        assert_eq!(field(r, "priority"), &json!(priorities[v["priority"].as_u64().unwrap() as usize]));
        assert_eq!(r.parent, parent, "{}", r.external_id);
        let mut want: Vec<(String, String)> = deps
            .iter()
            .filter(|d| d["type"] != "parent-child")
            .map(|d| {
                let rel = match d["type"].as_str().unwrap() {
                    "blocks" => "depends_on",
                    "duplicates" => "duplicates",
                    _ => "relates_to",
                };
                (rel.to_string(), d["depends_on_id"].as_str().unwrap().to_string())
            })
            .collect();
        let mut got = r.relations.clone();
        want.sort();
        got.sort();
        assert_eq!(got, want, "{}", r.external_id);
        assert_eq!(created_changes(&src)[r.external_id.as_str()].0, ts(v["created_at"].as_str().unwrap()));
    }
    let ids = by_id(&src);
    let body = &ids["bd-a1b2.2"].body;
    assert!(
        body.contains("## Acceptance criteria\n\n- [ ] Two devices converge after edits offline\n- [ ] No lost writes"),
        "{body}"
    );
    assert!(ids["bd-a1b2"].body.contains("## Design\n\nCRDT per document"));
    // Closing at closed_at (any offset, to UTC).
    let closes: Vec<(&str, i64)> = src
        .history
        .iter()
        .filter(|c| matches!(&c.what, ChangeKind::Set { field, .. } if field == "status"))
        .map(|c| (c.external_id.as_str(), c.time))
        .collect();
    let mut want: Vec<(&str, i64)> =
        lines.iter().filter_map(|v| v["closed_at"].as_str().map(|t| (v["id"].as_str().unwrap(), ts(t)))).collect();
    want.sort_by_key(|w| w.1);
    assert_eq!(closes, want);
}

#[test]
fn beads_bad_lines_are_problems_with_their_line() {
    let src = read(Format::Beads, "beads-bad.jsonl");
    assert_eq!(src.records.len(), 1);
    let at: Vec<&Location> = src.problems.iter().map(|p| &p.at).collect();
    // Line 3 is empty (skipped); 2 is cut off, 4 has no title, 5 a priority of words.
    assert_eq!(at, [&Location::Line(2), &Location::Line(4), &Location::Line(5)]);
}

// ---------------------------------------------------------------- the command line: import → export

fn cairn() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("cairn").unwrap();
    c.env("NO_COLOR", "1").env("CAIRN_NO_CACHE", "1");
    c
}

/// Imports a fixture into a fresh backlog and exports it as JSON.
fn import_then_export(format: &str, name: &str) -> (tempfile::TempDir, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    cairn().args(["init", "--bare"]).arg(dir.path()).assert().success();
    cairn().args(["import", format]).arg(fixture(name)).arg("--into").arg(dir.path()).assert().success();
    let out = cairn()
        .args(["export", "--format", "json", "-C"])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    (dir, v["items"].as_array().unwrap().clone())
}

/// Every record comes back from `cairn export` with the same fields, its
/// references (parent, relations, sprint) naming the items made from the
/// records they named.
fn assert_round_trip(format: Format, name: &str) {
    let src = read(format, name);
    let (_dir, exported) = import_then_export(format.name(), name);
    assert_eq!(exported.len(), src.records.len(), "{name}");
    let by_ext: BTreeMap<&str, &Value> =
        exported.iter().map(|o| (o["fields"]["external_id"].as_str().unwrap(), o)).collect();
    let id_of = |x: &str| by_ext[x]["id"].clone();
    for r in &src.records {
        let o = by_ext[r.external_id.as_str()];
        let at = format!("{name} {}", r.external_id);
        assert_eq!(o["title"], json!(r.title.split_whitespace().collect::<Vec<_>>().join(" ")), "{at}");
        assert_eq!(o["kind"], json!(r.kind), "{at}");
        assert_eq!(o["body"].as_str().unwrap().trim(), r.body.trim(), "{at}");
        assert_eq!(o["parent"], r.parent.as_deref().map_or(Value::Null, id_of), "{at}");
        for f in ["labels", "estimate", "due", "start", "end", "created", "priority", "reporter"] {
            if let Some(v) = r.fields.get(f) {
                assert_eq!(&o[f], v, "{at} {f}");
            }
        }
        match field(r, "assignee") {
            Value::Null => {}
            Value::String(a) => assert_eq!(o["assignee"], json!([a]), "{at}"),
            list => assert_eq!(&o["assignee"], list, "{at}"),
        }
        if let Some(s) = field(r, "sprint").as_str() {
            assert_eq!(o["sprint"], id_of(s), "{at}");
        }
        for (rel, x) in &r.relations {
            let target = id_of(x);
            let got = &o[rel.as_str()];
            assert!(got == &target || got.as_array().is_some_and(|a| a.contains(&target)), "{at}: {rel} {x} in {got}");
        }
    }
}

#[test]
fn jira_csv_round_trip() {
    assert_round_trip(Format::Jira, "jira.csv");
}

#[test]
fn jira_json_round_trip() {
    assert_round_trip(Format::Jira, "jira.json");
}

#[test]
fn github_round_trip() {
    assert_round_trip(Format::Github, "github.json");
}

#[test]
fn linear_round_trip() {
    assert_round_trip(Format::Linear, "linear.csv");
}

#[test]
fn trello_round_trip() {
    assert_round_trip(Format::Trello, "trello.json");
}

#[test]
fn beads_round_trip() {
    assert_round_trip(Format::Beads, "beads.jsonl");
}

#[test]
fn bad_fixtures_fail_the_import_naming_their_lines_and_records() {
    for (format, name, places) in [
        ("jira", "jira-bad.csv", &["line 3", "line 4", "line 5"][..]),
        ("jira", "jira-bad.json", &["record 2", "record 3", "record 4"]),
        ("github", "github-bad.json", &["record 2", "record 3", "record 4"]),
        ("linear", "linear-bad.csv", &["line 3", "line 4", "line 5"]),
        ("trello", "trello-bad.json", &["record 2", "record 3", "record 4"]),
        ("beads", "beads-bad.jsonl", &["line 2", "line 4", "line 5"]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        cairn().args(["init", "--bare"]).arg(dir.path()).assert().success();
        let before = walkdir::WalkDir::new(dir.path()).into_iter().count();
        let out = cairn().args(["import", format]).arg(fixture(name)).arg("--into").arg(dir.path()).assert().code(1);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        for p in places {
            assert!(err.contains(&format!("{name}: {p}: ")), "{name}: no `{p}` in\n{err}");
        }
        assert_eq!(walkdir::WalkDir::new(dir.path()).into_iter().count(), before, "{name}: something was written");
    }
}
