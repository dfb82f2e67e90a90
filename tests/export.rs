//! `cairn export`: JSON, JSON Lines and CSV of every item, `--where`.

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

fn cairn() -> Command {
    let mut c = Command::cargo_bin("cairn").unwrap();
    c.env("NO_COLOR", "1");
    c
}

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("example-backlog")
}

fn run(args: &[&str]) -> Vec<u8> {
    cairn().args(args).arg("-C").arg(example()).assert().success().get_output().stdout.clone()
}

fn items(out: &[u8]) -> Vec<Value> {
    let v: Value = serde_json::from_slice(out).unwrap();
    v["items"].as_array().unwrap().clone()
}

#[test]
fn json_is_every_list_object_with_its_body_in_id_order() {
    let exported = items(&run(&["export", "--format", "json"]));
    let listed = items(&run(&["list", "--format", "json", "--sort", "id"]));
    assert_eq!(exported.len(), listed.len());
    assert!(exported.len() >= 60);
    let ids: Vec<&str> = exported.iter().map(|o| o["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted);
    for (e, l) in exported.iter().zip(&listed) {
        let mut without_body = e.clone();
        let body = without_body.as_object_mut().unwrap().remove("body").unwrap();
        assert!(body.is_string());
        assert_eq!(&without_body, l);
    }
    // The body is the item's Markdown body, as `list --fields body` shows it.
    let bodies = items(&run(&["list", "--format", "json", "--sort", "id", "--fields", "id,body"]));
    for (e, b) in exported.iter().zip(&bodies) {
        assert_eq!(e["body"], b["body"]);
    }
}

#[test]
fn jsonl_holds_the_json_objects_one_per_line() {
    let exported = items(&run(&["export", "--format", "json"]));
    let text = String::from_utf8(run(&["export", "--format", "jsonl"])).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines, exported);
}

#[test]
fn csv_has_one_row_per_item_and_lists_joined_with_semicolons() {
    let exported = items(&run(&["export", "--format", "json"]));
    let text = run(&["export", "--format", "csv"]);
    let mut r = csv::Reader::from_reader(text.as_slice());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(&header[..cairn::query::export::CSV_COLUMNS.len()], cairn::query::export::CSV_COLUMNS);
    assert_eq!(header.last().map(String::as_str), Some("body"));
    let col = |n: &str| header.iter().position(|c| c == n).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), exported.len());
    let join = |v: &Value| {
        v.as_array().map(|a| a.iter().map(|x| x.as_str().unwrap_or_default()).collect::<Vec<_>>().join(";"))
    };
    for (row, o) in rows.iter().zip(&exported) {
        assert_eq!(&row[col("id")], o["id"].as_str().unwrap());
        assert_eq!(&row[col("title")], o["title"].as_str().unwrap());
        assert_eq!(&row[col("body")], o["body"].as_str().unwrap());
        assert_eq!(row[col("labels")].to_string(), join(&o["labels"]).unwrap_or_default());
        assert_eq!(row[col("depends_on")].to_string(), join(&o["depends_on"]).unwrap_or_default());
        let estimate = if o["estimate"].is_null() { String::new() } else { o["estimate"].to_string() };
        assert_eq!(row[col("estimate")].to_string(), estimate);
    }
}

#[test]
fn where_keeps_the_items_the_expression_holds_for() {
    let all = items(&run(&["export", "--format", "json"]));
    let expected: Vec<&Value> = all.iter().filter(|o| o["kind"] == "epic").collect();
    assert!(!expected.is_empty());
    let got = items(&run(&["export", "--format", "json", "--where", "kind == \"epic\""]));
    assert_eq!(got.iter().collect::<Vec<_>>(), expected);
    let lines = String::from_utf8(run(&["export", "--format", "jsonl", "--where", "kind == \"epic\""])).unwrap();
    assert_eq!(lines.lines().count(), expected.len());
}

#[test]
fn a_bad_where_is_a_usage_error() {
    cairn().args(["export", "--where", "kind =="]).arg("-C").arg(example()).assert().code(2);
    cairn().args(["export", "--where", "kindd == \"epic\""]).arg("-C").arg(example()).assert().code(2);
}
