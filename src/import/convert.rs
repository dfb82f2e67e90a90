//! What the tracker readers (jira, github, linear, trello, beads) share:
//! their date spellings, priority scales, CSV rows with line numbers, and
//! the Markdown they write into bodies (checklists, comments).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;

use super::{Change, ChangeKind, Location, Problem, Record, Source};

/// A point in time parsed from any spelling the trackers write:
/// RFC 3339 (`2024-05-11T15:26:00Z`), Jira's REST `2024-05-11T15:26:00.000+0000`,
/// Jira's CSV `11/May/24 3:26 PM` (no zone: taken as UTC), JavaScript's
/// `Sat May 11 2024 15:26:00 GMT+0000 (Coordinated Universal Time)` (Linear's
/// CSV), `2024-05-11 15:26[:00]` and a bare date (midnight UTC).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Some(t.with_timezone(&Utc));
        }
    }
    // JavaScript's Date#toString: drop the weekday and the zone's name.
    if let Some(rest) = s.get(4..).filter(|_| s.contains(" GMT")) {
        let core = rest.split(" (").next().unwrap_or(rest);
        if let Ok(t) = DateTime::parse_from_str(core, "%b %d %Y %H:%M:%S GMT%z") {
            return Some(t.with_timezone(&Utc));
        }
    }
    for f in ["%d/%b/%y %I:%M %p", "%d/%b/%Y %I:%M %p", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(Utc.from_utc_datetime(&t));
        }
    }
    for f in ["%Y-%m-%d", "%d/%b/%y", "%d/%b/%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return d.and_hms_opt(0, 0, 0).map(|t| Utc.from_utc_datetime(&t));
        }
    }
    None
}

/// RFC 3339 in UTC, whole seconds (`2024-05-11T15:26:00Z`).
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `YYYY-MM-DD` of a time.
pub fn date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// A time field: `Ok(None)` when empty, an error message when unreadable.
pub fn time_field(name: &str, s: &str) -> Result<Option<DateTime<Utc>>, String> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    parse_time(s).map(Some).ok_or_else(|| format!("{name} `{s}` is not a date or time"))
}

/// A number field (`5`, `2.5`): `Ok(None)` when empty.
pub fn number_field(name: &str, s: &str) -> Result<Option<f64>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
        _ => Err(format!("{name} `{s}` is not a number ≥ 0")),
    }
}

/// A priority name of Jira, Linear or GitHub labels in cairn's terms
/// (`highest` … `lowest`); `None` for "no priority" and unknown names.
pub fn priority_name(s: &str) -> Option<&'static str> {
    let s = s.trim().to_ascii_lowercase();
    let s = s.strip_prefix("priority:").map(str::trim).unwrap_or(&s);
    Some(match s {
        "highest" | "blocker" | "critical" | "urgent" | "p0" => "highest",
        "high" | "major" | "p1" => "high",
        "medium" | "normal" | "p2" => "medium",
        "low" | "minor" | "p3" => "low",
        "lowest" | "trivial" | "p4" => "lowest",
        _ => return None,
    })
}

/// A 0–4 priority (beads, Linear's API: 0 most important) in cairn's terms.
pub fn priority_number(n: i64) -> Option<&'static str> {
    crate::model::PRIORITIES.get(usize::try_from(n).ok()?).copied()
}

/// The fields of a CSV export, by header name: repeated columns (Jira's
/// `Labels`, `Sprint`, `Comment`) keep every position.
pub struct Header {
    names: Vec<String>,
    by_name: HashMap<String, Vec<usize>>,
}

impl Header {
    pub fn new(record: &csv::StringRecord) -> Header {
        let names: Vec<String> = record.iter().map(|s| s.trim_start_matches('\u{feff}').trim().to_string()).collect();
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            by_name.entry(n.to_ascii_lowercase()).or_default().push(i);
        }
        Header { names, by_name }
    }

    /// Whether a column is there (case-insensitive).
    pub fn has(&self, name: &str) -> bool {
        self.by_name.contains_key(&name.to_ascii_lowercase())
    }

    /// The column names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The first non-empty value of the columns named `name`.
    pub fn get<'r>(&self, row: &'r csv::StringRecord, name: &str) -> &'r str {
        self.all(row, name).next().unwrap_or("")
    }

    /// Every non-empty value of the columns named `name`, in column order.
    pub fn all<'a, 'r: 'a>(&'a self, row: &'r csv::StringRecord, name: &str) -> impl Iterator<Item = &'r str> + 'a {
        let idx = self.by_name.get(&name.to_ascii_lowercase()).map(Vec::as_slice).unwrap_or(&[]);
        idx.iter().filter_map(move |&i| row.get(i)).map(str::trim).filter(|s| !s.is_empty())
    }
}

/// Line numbers of byte offsets met in increasing order (linear overall).
/// A record's offset may point at the line end before it (CRLF text), so
/// line ends at the offset are skipped.
struct Lines<'t> {
    text: &'t [u8],
    at: usize,
    line: usize,
}

impl Lines<'_> {
    fn line_of(&mut self, byte: usize) -> usize {
        let mut b = byte.max(self.at).min(self.text.len());
        while b < self.text.len() && matches!(self.text[b], b'\r' | b'\n') {
            b += 1;
        }
        self.line += self.text[self.at..b].iter().filter(|&&c| c == b'\n').count();
        self.at = b;
        self.line
    }
}

/// CSV rows with the line each starts on.
pub type Rows = Vec<(usize, csv::StringRecord)>;

/// Reads CSV text: the header and every row with the line it starts on.
/// A row that cannot be read (a field count unlike the header's, bad
/// quoting) is a problem with its line number.
pub fn csv_rows(text: &str) -> Result<(Header, Rows, Vec<Problem>), String> {
    let mut r = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(text.as_bytes());
    let header = Header::new(r.headers().map_err(|e| format!("cannot read the CSV header: {e}"))?);
    let mut lines = Lines { text: text.as_bytes(), at: 0, line: 1 };
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match r.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = lines.line_of(record.position().map_or(0, |p| p.byte() as usize));
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                rows.push((line, record.clone()));
            }
            Err(e) => {
                let line = lines.line_of(e.position().map_or(0, |p| p.byte() as usize));
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                        format!("the row has {len} fields, the header {expected_len}")
                    }
                    _ => e.to_string(),
                };
                problems.push(Problem { at: Location::Line(line), message });
                if !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    Ok((header, rows, problems))
}

/// Linear (and spreadsheets) prefix a cell that starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return with `'` so that it is not a formula:
/// the cell without that quote.
pub fn unformula(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => s,
    }
}

/// A comma-separated list cell (`Bug, Frontend`), trimmed, empty parts dropped.
pub fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

/// A task list under a heading: `## NAME` then `- [x] item` lines.
pub fn checklist_md(name: &str, items: &[(String, bool)]) -> String {
    let mut out = format!("## {}\n\n", name.trim());
    for (text, done) in items {
        out.push_str(if *done { "- [x] " } else { "- [ ] " });
        out.push_str(&text.replace('\n', " "));
        out.push('\n');
    }
    out
}

/// A comment: who, when and the text, for a `## Comments` section.
pub struct Comment {
    pub author: String,
    pub time: Option<DateTime<Utc>>,
    pub text: String,
}

/// The `## Comments` section (nothing without comments), oldest first.
pub fn comments_md(comments: &mut [Comment]) -> String {
    if comments.is_empty() {
        return String::new();
    }
    comments.sort_by_key(|c| c.time);
    let mut out = String::from("## Comments\n");
    for c in comments.iter() {
        let when = c.time.map(|t| format!(", {}", t.format("%Y-%m-%d %H:%M"))).unwrap_or_default();
        out.push_str(&format!("\n**{}**{when}:\n\n{}\n", c.author, c.text.trim()));
    }
    out
}

/// Joins body parts with blank lines (empty parts skipped).
pub fn join_body(parts: &[String]) -> String {
    let parts: Vec<&str> = parts.iter().map(|p| p.trim_end()).filter(|p| !p.trim().is_empty()).collect();
    if parts.is_empty() {
        return String::new();
    }
    let mut s = parts.join("\n\n");
    s.push('\n');
    s
}

/// Sets a string field unless empty.
pub fn set_str(r: &mut Record, field: &str, value: &str) {
    let v = value.trim();
    if !v.is_empty() {
        r.fields.insert(field.to_string(), Value::String(v.to_string()));
    }
}

/// Sets a list field unless empty (duplicates dropped, order kept).
pub fn set_list(r: &mut Record, field: &str, values: Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    let list: Vec<Value> =
        values.into_iter().filter(|v| !v.is_empty() && seen.insert(v.clone())).map(Value::String).collect();
    if !list.is_empty() {
        r.fields.insert(field.to_string(), Value::Array(list));
    }
}

/// A change at `time` by `author`.
pub fn change(time: DateTime<Utc>, author: &str, email: &str, external_id: &str, what: ChangeKind) -> Change {
    Change {
        time: time.timestamp(),
        author: author.to_string(),
        email: email.to_string(),
        external_id: external_id.to_string(),
        what,
    }
}

/// A `Set` change.
pub fn set(field: &str, value: Value) -> ChangeKind {
    ChangeKind::Set { field: field.to_string(), value }
}

/// The changes that give a record, just created at `time`, its first
/// state: every field, the parent and the relations as the record has them
/// at the end, unless `initial` says otherwise (a field's value before its
/// first change in the source's history; `None`: it had none). `title`,
/// `body` and `status` only from `initial` (the replay starts a record from
/// its final title and body and its kind's first status).
pub fn birth(
    r: &Record,
    time: DateTime<Utc>,
    author: &str,
    email: &str,
    initial: &HashMap<String, Option<Value>>,
) -> Vec<Change> {
    let mut out = Vec::new();
    let mut push = |what: ChangeKind| out.push(change(time, author, email, &r.external_id, what));
    for f in ["title", "status"] {
        if let Some(Some(v)) = initial.get(f) {
            push(set(f, v.clone()));
        }
    }
    if let Some(Some(Value::String(b))) = initial.get("body") {
        push(ChangeKind::Body(b.clone()));
    }
    let value = |f: &str, last: Value| initial.get(f).cloned().unwrap_or(Some(last));
    if let Some(Some(p)) = r.parent.as_ref().map(|p| value("parent", Value::String(p.clone()))) {
        push(set("parent", p));
    }
    for (k, v) in &r.fields {
        if let Some(v) = value(k, v.clone()) {
            push(set(k, v));
        }
    }
    // Fields the record no longer has but had at first.
    let mut gone: Vec<(&String, &Value)> = initial
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "title" | "status" | "body" | "parent") && !r.fields.contains_key(*k))
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
    gone.sort_by(|a, b| a.0.cmp(b.0));
    for (k, v) in gone {
        push(set(k, v.clone()));
    }
    let mut rels: Vec<(&str, Vec<Value>)> = Vec::new();
    for (rel, x) in &r.relations {
        match rels.iter_mut().find(|(n, _)| n == rel) {
            Some((_, l)) => l.push(Value::String(x.clone())),
            None => rels.push((rel, vec![Value::String(x.clone())])),
        }
    }
    for (rel, list) in rels {
        let v = if rel == "duplicates" { list.into_iter().next().unwrap_or(Value::Null) } else { Value::Array(list) };
        push(set(rel, v));
    }
    out
}

/// The last steps of a tracker reader: problems in source order, history
/// oldest first, kinds fitted to cairn's hierarchy ([`fit_kinds`]), and the
/// sprints the records name added ([`add_sprints`], with their `dates`).
pub fn finish(src: &mut Source, dates: &HashMap<String, (Option<String>, Option<String>)>) {
    src.problems.sort_by(|a, b| a.at.cmp(&b.at));
    sort_history(&mut src.history);
    fit_kinds(src);
    add_sprints(src, dates);
}

/// Sorts a history oldest first, stable for equal times.
pub fn sort_history(h: &mut [Change]) {
    h.sort_by_key(|c| c.time);
}

/// The external id of the sprint record for a sprint named `name`.
pub fn sprint_id(name: &str) -> String {
    format!("sprint:{name}")
}

/// Sprints by name: every `sprint` the records and the history name (the
/// readers write the source's sprint, cycle or milestone name there)
/// becomes a sprint record (title: the name; `start`/`end` from `dates`),
/// and the `sprint` values name that record by its external id, which the
/// pipeline turns into the sprint's id.
pub fn add_sprints(src: &mut Source, dates: &HashMap<String, (Option<String>, Option<String>)>) {
    let mut names: Vec<(String, Location)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut note = |name: &str, at: &Location, names: &mut Vec<(String, Location)>| {
        if seen.insert(name.to_string()) {
            names.push((name.to_string(), at.clone()));
        }
        Value::String(sprint_id(name))
    };
    for r in &mut src.records {
        if let Some(Value::String(name)) = r.fields.get("sprint").cloned() {
            let v = note(&name, &r.at, &mut names);
            r.fields.insert("sprint".into(), v);
        }
    }
    for c in &mut src.history {
        if let ChangeKind::Set { field, value: Value::String(name) } = &mut c.what {
            if field == "sprint" {
                if let Value::String(id) = note(name, &Location::None, &mut names) {
                    *name = id;
                }
            }
        }
    }
    // The earliest `created` date of each sprint's items, for sprints the
    // source gives no dates (a sprint needs both).
    let mut first: HashMap<String, NaiveDate> = HashMap::new();
    for r in &src.records {
        let (Some(Value::String(s)), Some(c)) =
            (r.fields.get("sprint"), r.fields.get("created").and_then(Value::as_str))
        else {
            continue;
        };
        if let Some(d) = parse_time(c).map(|t| t.date_naive()) {
            let e = first.entry(s.clone()).or_insert(d);
            *e = (*e).min(d);
        }
    }
    let two_weeks = chrono::Duration::days(14);
    for (name, at) in names {
        let (start, end) = dates.get(&name).cloned().unwrap_or_default();
        let start = start.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok());
        let end = end.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok());
        let (start, end, inferred) = match (start, end) {
            (Some(s), Some(e)) => (s, e, false),
            (Some(s), None) => (s, s + two_weeks, true),
            (None, Some(e)) => (e - two_weeks, e, true),
            (None, None) => match first.get(&sprint_id(&name)) {
                Some(&s) => (s, s + two_weeks, true),
                None => continue,
            },
        };
        let mut r = Record {
            at,
            external_id: sprint_id(&name),
            kind: "sprint".into(),
            title: name.clone(),
            ..Record::default()
        };
        r.fields.insert("start".into(), Value::String(start.format("%Y-%m-%d").to_string()));
        r.fields.insert("end".into(), Value::String(end.format("%Y-%m-%d").to_string()));
        if inferred {
            r.body = "The source gives this sprint no (or only one) date: `cairn import` assumed two weeks.\n".into();
        }
        src.records.push(r);
    }
    // A sprint that could get no dates is not named.
    let made: std::collections::HashSet<String> =
        src.records.iter().filter(|r| r.kind == "sprint").map(|r| r.external_id.clone()).collect();
    for r in &mut src.records {
        if r.fields.get("sprint").and_then(Value::as_str).is_some_and(|s| !made.contains(s)) {
            r.fields.remove("sprint");
        }
    }
}

/// Fits kinds to cairn's default hierarchy where the source's differs: a
/// `task` whose parent (in the import) is an epic, feature or initiative is
/// a `story`; a `story` whose parent is a story is a `task`.
pub fn fit_kinds(src: &mut Source) {
    let kinds: HashMap<String, String> = src.records.iter().map(|r| (r.external_id.clone(), r.kind.clone())).collect();
    for r in &mut src.records {
        let Some(parent) = r.parent.as_ref().and_then(|p| kinds.get(p)) else { continue };
        match (r.kind.as_str(), parent.as_str()) {
            ("task", "epic" | "feature" | "initiative") => r.kind = "story".into(),
            ("story", "story") => r.kind = "task".into(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tracker_spelling_of_a_time_parses_to_the_same_instant() {
        let want = Utc.with_ymd_and_hms(2024, 5, 11, 15, 26, 0).unwrap();
        for s in [
            "2024-05-11T15:26:00Z",
            "2024-05-11T15:26:00.000+0000",
            "2024-05-11T17:26:00.000+0200",
            "11/May/24 3:26 PM",
            "11/May/24 03:26 PM",
            "Sat May 11 2024 15:26:00 GMT+0000 (Coordinated Universal Time)",
            "2024-05-11 15:26:00",
        ] {
            assert_eq!(parse_time(s), Some(want), "{s}");
        }
        assert_eq!(parse_time("11/May/24").map(date).as_deref(), Some("2024-05-11"));
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("31/Feb/24 3:26 PM"), None);
    }

    #[test]
    fn formula_quotes_come_off_only_before_formula_characters() {
        assert_eq!(unformula("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(unformula("'-1 day"), "-1 day");
        assert_eq!(unformula("'quoted' word"), "'quoted' word");
        assert_eq!(unformula("plain"), "plain");
    }

    #[test]
    fn priorities_map_onto_cairns_five() {
        assert_eq!(priority_name("Blocker"), Some("highest"));
        assert_eq!(priority_name("Urgent"), Some("highest"));
        assert_eq!(priority_name("priority: low"), Some("low"));
        assert_eq!(priority_name("No priority"), None);
        let all: Vec<_> = (0..5).map(priority_number).collect();
        assert_eq!(all, crate::model::PRIORITIES.iter().map(|p| Some(*p)).collect::<Vec<_>>());
        assert_eq!(priority_number(5), None);
        assert_eq!(priority_number(-1), None);
    }

    #[test]
    fn csv_rows_carry_their_line_and_bad_rows_are_problems() {
        for nl in ["\n", "\r\n"] {
            let text = "A,B\n1,\"two\nlines\"\n3\n4,5\n\n6,7\n".replace('\n', nl);
            let (h, rows, problems) = csv_rows(&text).unwrap();
            assert_eq!(h.names(), ["A", "B"]);
            let got: Vec<(usize, String)> = rows.iter().map(|(l, r)| (*l, r[0].to_string())).collect();
            assert_eq!(got, [(2, "1".into()), (5, "4".into()), (7, "6".into())], "{nl:?}");
            assert_eq!(problems.len(), 1);
            assert_eq!(problems[0].at, Location::Line(4), "{nl:?}");
        }
    }
}
