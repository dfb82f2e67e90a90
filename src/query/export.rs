//! `cairn export`: every item object as JSON, JSON Lines or CSV.
//!
//! The objects are the item objects of the JSON contract ([`super::item_object`])
//! with the Markdown `body` added; CSV has one column per field: a fixed set of
//! core columns, then one per custom field present in any exported item
//! (sorted by name), then `body`. Lists are joined with `;`.

use std::collections::BTreeSet;

use serde_json::Value;

/// The core columns of `cairn export --format csv`, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "kind",
    "title",
    "status",
    "priority",
    "assignee",
    "reporter",
    "created",
    "updated",
    "start",
    "due",
    "estimate",
    "labels",
    "sprint",
    "parent",
    "depends_on",
    "blocks",
    "relates_to",
    "duplicates",
    "references",
    "path",
];

/// The columns for `objects`: [`CSV_COLUMNS`], every custom field name any
/// object has (sorted; a name that is also a core column is not repeated),
/// then `body`.
pub fn csv_columns(objects: &[Value]) -> Vec<String> {
    let core: BTreeSet<&str> = CSV_COLUMNS.iter().copied().chain(["body"]).collect();
    let custom: BTreeSet<&str> = objects
        .iter()
        .filter_map(|o| o.get("fields").and_then(Value::as_object))
        .flat_map(|m| m.keys().map(String::as_str))
        .filter(|k| !core.contains(k))
        .collect();
    CSV_COLUMNS.iter().copied().chain(custom).chain(["body"]).map(str::to_string).collect()
}

/// One CSV cell: nothing for null, lists joined with `;`, numbers and
/// booleans as JSON writes them, a reference `{url, title}` as its url,
/// other objects as compact JSON.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(cell).collect::<Vec<_>>().join(";"),
        Value::Object(o) => match (o.get("url"), o.get("id")) {
            (Some(Value::String(u)), _) => u.clone(),
            (_, Some(Value::String(id))) => id.clone(),
            _ => v.to_string(),
        },
        other => other.to_string(),
    }
}

/// The value of `column` in an export object: a top-level key, else a
/// custom field.
fn column_value<'a>(o: &'a Value, column: &str) -> &'a Value {
    match o.get(column) {
        Some(v) => v,
        None => o.get("fields").and_then(|f| f.get(column)).unwrap_or(&Value::Null),
    }
}

/// RFC 4180 CSV (CRLF line ends, quoting where needed) with a header row.
pub fn csv(objects: &[Value]) -> Result<String, csv::Error> {
    let columns = csv_columns(objects);
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    w.write_record(&columns)?;
    for o in objects {
        w.write_record(columns.iter().map(|c| cell(column_value(o, c))))?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    // Every cell came from a `String`, so the bytes are UTF-8.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// JSON Lines: one compact object per line.
pub fn jsonl(objects: &[Value]) -> String {
    let mut out = String::new();
    for o in objects {
        out.push_str(&o.to_string());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_join_lists_with_semicolons_and_show_urls() {
        assert_eq!(cell(&json!(null)), "");
        assert_eq!(cell(&json!(["a", "b"])), "a;b");
        assert_eq!(cell(&json!(3.5)), "3.5");
        assert_eq!(cell(&json!(true)), "true");
        assert_eq!(cell(&json!([{"url": "https://x.test", "title": "X"}, "doc"])), "https://x.test;doc");
    }

    #[test]
    fn csv_quotes_per_rfc_4180_and_adds_custom_field_columns() {
        let objects = vec![
            json!({"id": "a", "title": "Say \"hi\", then\nleave", "labels": ["x", "y"], "fields": {"team": "core"}, "body": ""}),
            json!({"id": "b", "title": "Plain", "labels": [], "fields": {"risk": 2}, "body": "text"}),
        ];
        let text = csv(&objects).unwrap();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
        let expected: Vec<String> =
            CSV_COLUMNS.iter().copied().chain(["risk", "team", "body"]).map(str::to_string).collect();
        assert_eq!(header, expected);
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        let col = |name: &str| expected.iter().position(|c| c == name).unwrap();
        assert_eq!(&rows[0][col("title")], "Say \"hi\", then\nleave");
        assert_eq!(&rows[0][col("labels")], "x;y");
        assert_eq!(&rows[0][col("team")], "core");
        assert_eq!(&rows[1][col("risk")], "2");
        assert_eq!(&rows[1][col("body")], "text");
        assert!(text.contains("\r\n"));
    }

    #[test]
    fn jsonl_is_one_object_per_line() {
        let objects = vec![json!({"id": "a"}), json!({"id": "b", "title": "two\nlines"})];
        let text = jsonl(&objects);
        let back: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(back, objects);
    }
}
