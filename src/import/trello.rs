//! The `trello` reader: a board's JSON export (`lists`, `cards`,
//! `checklists`, `members`, `labels`, `actions`).
//!
//! A card is a `story` (a `bug` with a `bug` label); its id is its
//! `shortLink`; its status the name of its list (`archived` on an archived list);
//! an archived card gets the label `archived`. Members are the assignees (usernames), labels their
//! names (a label without a name its colour), `due` and `start` dates.
//! The body is the description, each checklist as a task list under its
//! name, and the comments. History from the actions (Trello lists them
//! newest first): `createCard` (with its list), moves between lists, renames
//! and due-date changes, by the action's member at its date.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{json, Value};

use super::convert::{self, Comment};
use super::{Change, ChangeKind, ImportError, Location, Problem, Record, Source};

/// Reads a Trello board export.
pub fn read(source: &Path) -> Result<Source, ImportError> {
    let text = super::read_text(source)?;
    read_str(&text).map_err(|e| ImportError::read(source, e))
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn arr(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// A card's id in the source: its `shortLink`, else its `id`.
fn card_id(card: &Value) -> &str {
    Some(s(&card["shortLink"])).filter(|x| !x.is_empty()).unwrap_or_else(|| s(&card["id"]))
}

/// Reads the text of a board export.
pub fn read_str(text: &str) -> Result<Source, String> {
    let board: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    if !board["cards"].is_array() || !board["lists"].is_array() {
        return Err("no `cards` and `lists`: is this a Trello board export?".into());
    }
    // A card on an archived list is archived too.
    let lists: HashMap<&str, &str> = arr(&board["lists"])
        .iter()
        .map(|l| (s(&l["id"]), if l["closed"].as_bool() == Some(true) { "archived" } else { s(&l["name"]) }))
        .collect();
    let members: HashMap<&str, &str> = arr(&board["members"])
        .iter()
        .map(|m| (s(&m["id"]), Some(s(&m["username"])).filter(|u| !u.is_empty()).unwrap_or_else(|| s(&m["fullName"]))))
        .collect();
    let mut checklists: HashMap<&str, Vec<&Value>> = HashMap::new();
    for c in arr(&board["checklists"]) {
        checklists.entry(s(&c["idCard"])).or_default().push(c);
    }
    // Oldest first; Trello writes newest first, so equal times keep their
    // order reversed back.
    let mut actions: Vec<&Value> = arr(&board["actions"]).iter().rev().collect();
    actions.sort_by_key(|a| convert::parse_time(s(&a["date"])));
    let mut comments: HashMap<&str, Vec<Comment>> = HashMap::new();
    for a in &actions {
        if s(&a["type"]) == "commentCard" {
            comments.entry(s(&a["data"]["card"]["id"])).or_default().push(Comment {
                author: author(a).0,
                time: convert::parse_time(s(&a["date"])),
                text: s(&a["data"]["text"]).to_string(),
            });
        }
    }
    let mut src = Source::default();
    // Cards by their Trello id → their source id, for the actions.
    let mut ids: HashMap<&str, String> = HashMap::new();
    for (i, card) in arr(&board["cards"]).iter().enumerate() {
        let lists_of = |id: &str| lists.get(id).copied();
        match record(card, i + 1, &lists_of, &members, &checklists, &mut comments) {
            Ok(r) => {
                ids.insert(s(&card["id"]), r.external_id.clone());
                src.records.push(r);
            }
            Err(message) => src.problems.push(Problem { at: Location::Record(i + 1), message }),
        }
    }
    for a in actions {
        if let Some(id) = ids.get(s(&a["data"]["card"]["id"])) {
            history(a, id, &mut src.history);
        }
    }
    Ok(src)
}

/// The member who did an action: (name, email — Trello exports none).
fn author(a: &Value) -> (String, String) {
    let m = &a["memberCreator"];
    let name = [s(&m["fullName"]), s(&m["username"]), s(&a["idMemberCreator"])].into_iter().find(|x| !x.is_empty());
    (name.unwrap_or("trello").to_string(), String::new())
}

fn history(a: &Value, id: &str, out: &mut Vec<Change>) {
    let Some(t) = convert::parse_time(s(&a["date"])) else { return };
    let (who, email) = author(a);
    let d = &a["data"];
    let mut push = |what: ChangeKind| out.push(convert::change(t, &who, &email, id, what));
    match s(&a["type"]) {
        "createCard" | "copyCard" | "convertToCardFromCheckItem" | "moveCardToBoard" => {
            push(ChangeKind::Created);
            if let Some(l) = d["list"]["name"].as_str() {
                push(convert::set("status", json!(l)));
            }
        }
        "updateCard" => {
            if let Some(l) = d["listAfter"]["name"].as_str() {
                push(convert::set("status", json!(l)));
            }
            let old = &d["old"];
            if old.get("name").is_some() {
                push(convert::set("title", json!(s(&d["card"]["name"]))));
            }
            if old.get("due").is_some() {
                match convert::parse_time(s(&d["card"]["due"])) {
                    Some(due) => push(convert::set("due", json!(convert::date(due)))),
                    None => push(ChangeKind::Unset { field: "due".into() }),
                }
            }
        }
        _ => {}
    }
}

fn record<'a>(
    card: &'a Value,
    n: usize,
    list_name: &dyn Fn(&str) -> Option<&'a str>,
    members: &HashMap<&str, &str>,
    checklists: &HashMap<&str, Vec<&Value>>,
    comments: &mut HashMap<&str, Vec<Comment>>,
) -> Result<Record, String> {
    if !card.is_object() {
        return Err("a card is not an object".into());
    }
    let id = card_id(card);
    let title = s(&card["name"]).trim();
    if id.is_empty() {
        return Err("a card without `id`".into());
    }
    if title.is_empty() {
        return Err(format!("card {id} has no name"));
    }
    let list =
        list_name(s(&card["idList"])).ok_or_else(|| format!("card {id} is on a list the board does not have"))?;
    let due = convert::time_field("due", s(&card["due"]))?;
    let start = convert::time_field("start", s(&card["start"]))?;
    let mut labels: Vec<String> = arr(&card["labels"])
        .iter()
        .map(|l| Some(s(&l["name"])).filter(|x| !x.is_empty()).unwrap_or_else(|| s(&l["color"])).to_string())
        .collect();
    if card["closed"].as_bool() == Some(true) {
        labels.push("archived".into());
    }
    let mut r = Record {
        at: Location::Record(n),
        external_id: id.to_string(),
        kind: if labels.iter().any(|l| l.eq_ignore_ascii_case("bug")) { "bug" } else { "story" }.to_string(),
        title: title.to_string(),
        status: Some(list.to_string()),
        ..Record::default()
    };
    let assignees: Vec<String> =
        arr(&card["idMembers"]).iter().filter_map(|m| members.get(s(m))).map(|m| m.to_string()).collect();
    match assignees.as_slice() {
        [] => {}
        [one] => convert::set_str(&mut r, "assignee", one),
        many => convert::set_list(&mut r, "assignee", many.to_vec()),
    }
    convert::set_list(&mut r, "labels", labels);
    if let Some(d) = due {
        r.fields.insert("due".into(), json!(convert::date(d)));
    }
    if let Some(d) = start {
        r.fields.insert("start".into(), json!(convert::date(d)));
    }
    let mut parts = vec![s(&card["desc"]).to_string()];
    let mut lists: Vec<&Value> = checklists.get(s(&card["id"])).cloned().unwrap_or_default();
    lists.sort_by(|a, b| a["pos"].as_f64().partial_cmp(&b["pos"].as_f64()).unwrap_or(std::cmp::Ordering::Equal));
    for c in lists {
        let mut items: Vec<&Value> = arr(&c["checkItems"]).iter().collect();
        items.sort_by(|a, b| a["pos"].as_f64().partial_cmp(&b["pos"].as_f64()).unwrap_or(std::cmp::Ordering::Equal));
        let items: Vec<(String, bool)> =
            items.iter().map(|i| (s(&i["name"]).to_string(), s(&i["state"]) == "complete")).collect();
        parts.push(convert::checklist_md(s(&c["name"]), &items));
    }
    let mut cs = comments.remove(s(&card["id"])).unwrap_or_default();
    parts.push(convert::comments_md(&mut cs));
    r.body = convert::join_body(&parts);
    Ok(r)
}
