//! The serializable pieces of page contexts (see `docs/templates.md`):
//! item cards, events, insights. Each is computed once per build and shared
//! by every page that shows it (minijinja values are reference-counted, so
//! a card on ten pages is one allocation).

use serde::Serialize;
use serde_json::Value;

use crate::history::Event;
use crate::load::Backlog;

/// An item as boards, tables and lists show it.
#[derive(Clone, Debug, Serialize)]
pub struct Card {
    pub id: String,
    pub kind: String,
    pub kind_label: String,
    pub title: String,
    pub status: Option<String>,
    /// The status with `_` as spaces.
    pub status_label: String,
    /// `todo`, `doing`, `done` or `none` (unknown status).
    pub category: &'static str,
    pub priority: String,
    /// 0 = highest … 4 = lowest (for sorting).
    pub priority_rank: usize,
    pub assignee: Vec<String>,
    pub estimate: Option<Value>,
    pub sprint: Option<String>,
    pub sprint_url: Option<String>,
    pub parent: Option<String>,
    pub parent_url: Option<String>,
    pub labels: Vec<String>,
    /// The item's page, relative to the site root (`None`: no page).
    pub url: Option<String>,
    /// Open, with an open `depends_on`.
    pub blocked: bool,
    pub due: Option<String>,
    /// Open with `due` before today.
    pub overdue: bool,
    pub path: String,
    pub is_work: bool,
}

/// The state-based category of item `i`.
pub fn category(b: &Backlog, i: usize) -> &'static str {
    crate::graph::render::category(b, i)
}

/// One event of the audit trail, for pages.
#[derive(Clone, Debug, Serialize)]
pub struct EventView {
    pub time: String,
    pub date: String,
    pub author: String,
    pub email: String,
    pub id: String,
    pub title: Option<String>,
    pub url: Option<String>,
    pub action: &'static str,
    pub field: Option<String>,
    pub old: Option<String>,
    pub new: Option<String>,
    pub commit: String,
    pub commit_short: String,
    /// The commit's web page (`site.commit_url`, or the one detected from
    /// the `origin` remote), if any.
    pub commit_url: Option<String>,
    /// The time of day, `HH:MM` (UTC, as `time`).
    pub clock: String,
    /// The change in words (`status: ready → in_progress`).
    pub summary: String,
}

/// A value as short text.
pub fn short(v: &Option<Value>) -> Option<String> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(crate::graph::render::truncate(s, 80)),
        Some(Value::Array(a)) => Some(crate::graph::render::truncate(
            &a.iter()
                .map(|x| x.as_str().map(String::from).unwrap_or_else(|| x.to_string()))
                .collect::<Vec<_>>()
                .join(", "),
            80,
        )),
        Some(v) => Some(crate::graph::render::truncate(&v.to_string(), 80)),
    }
}

pub fn event_view(e: &Event, title: Option<&str>, url: Option<String>) -> EventView {
    let old = short(&e.old);
    let new = short(&e.new);
    let summary = match (e.action.as_str(), e.field.as_deref()) {
        ("created", _) => "created".to_string(),
        ("deleted", _) => "deleted".to_string(),
        ("renamed", _) => format!("renamed to {}", e.path),
        (_, Some("body")) => "edited the description".to_string(),
        (_, Some(f)) => format!(
            "{f}: {} → {}",
            old.clone().unwrap_or_else(|| "∅".into()),
            new.clone().unwrap_or_else(|| "∅".into())
        ),
        _ => "updated".to_string(),
    };
    EventView {
        time: e.time.clone(),
        date: e.time.get(..10).unwrap_or(&e.time).to_string(),
        author: e.author.clone(),
        email: e.email.clone(),
        id: e.id.clone(),
        title: title.map(String::from),
        url,
        action: e.action.as_str(),
        field: e.field.clone(),
        old,
        new,
        commit: e.commit.clone(),
        commit_short: e.commit.get(..8).unwrap_or(&e.commit).to_string(),
        commit_url: None,
        clock: e.time.get(11..16).unwrap_or("").to_string(),
        summary,
    }
}

/// Flattens a JSON value into `(dotted.key, text)` rows (for `ml:`).
pub fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, x, out);
            }
        }
        Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => {
            out.push((
                prefix.to_string(),
                a.iter()
                    .map(|x| x.as_str().map(String::from).unwrap_or_else(|| x.to_string()))
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        Value::Array(a) => {
            for (k, x) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{k}]"), x, out);
            }
        }
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Null => out.push((prefix.to_string(), "—".to_string())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// The attributes of a card in templates, in the order of [`Card`]'s fields.
const CARD_KEYS: [&str; 22] = [
    "id",
    "kind",
    "kind_label",
    "title",
    "status",
    "status_label",
    "category",
    "priority",
    "priority_rank",
    "assignee",
    "estimate",
    "sprint",
    "sprint_url",
    "parent",
    "parent_url",
    "labels",
    "url",
    "blocked",
    "due",
    "overdue",
    "path",
    "is_work",
];

/// The index of an attribute in [`CARD_KEYS`].
fn card_key(key: &str) -> Option<usize> {
    Some(match key {
        "id" => 0,
        "kind" => 1,
        "kind_label" => 2,
        "title" => 3,
        "status" => 4,
        "status_label" => 5,
        "category" => 6,
        "priority" => 7,
        "priority_rank" => 8,
        "assignee" => 9,
        "estimate" => 10,
        "sprint" => 11,
        "sprint_url" => 12,
        "parent" => 13,
        "parent_url" => 14,
        "labels" => 15,
        "url" => 16,
        "blocked" => 17,
        "due" => 18,
        "overdue" => 19,
        "path" => 20,
        "is_work" => 21,
        _ => return None,
    })
}

/// A [`Card`] as a template value: the same attributes as
/// `Value::from_serialize(&card)`, converted once, looked up by name without
/// walking a list of 22 strings on every `{{ c.id }}`. A card may also carry
/// its list fragments (`idlink_html`, `link_html`, `status_html`: the
/// `idlink`, `link` and `status` macros of `macros.html` rendered once per
/// item, see `pages::Shared::chips`).
#[derive(Debug, Clone)]
pub struct CardValue {
    /// Shared with the card's chip ([`CardValue::with_fragments`]): one
    /// copy of a card's attributes however many variants of it exist.
    fields: std::sync::Arc<[minijinja::Value]>,
    fragments: Option<[minijinja::Value; 3]>,
}

impl CardValue {
    pub fn new(c: &Card) -> CardValue {
        use minijinja::Value as V;
        let fields = vec![
            V::from(c.id.as_str()),
            V::from(c.kind.as_str()),
            V::from(c.kind_label.as_str()),
            V::from(c.title.as_str()),
            V::from_serialize(&c.status),
            V::from(c.status_label.as_str()),
            V::from(c.category),
            V::from(c.priority.as_str()),
            V::from(c.priority_rank),
            V::from_serialize(&c.assignee),
            V::from_serialize(&c.estimate),
            V::from_serialize(&c.sprint),
            V::from_serialize(&c.sprint_url),
            V::from_serialize(&c.parent),
            V::from_serialize(&c.parent_url),
            V::from_serialize(&c.labels),
            V::from_serialize(&c.url),
            V::from(c.blocked),
            V::from_serialize(&c.due),
            V::from(c.overdue),
            V::from(c.path.as_str()),
            V::from(c.is_work),
        ];
        CardValue { fields: fields.into(), fragments: None }
    }

    /// The same card with its rendered `idlink`, `link` and `status` markup.
    pub fn with_fragments(&self, idlink: minijinja::Value, link: minijinja::Value, status: minijinja::Value) -> Self {
        CardValue { fields: self.fields.clone(), fragments: Some([idlink, link, status]) }
    }
}

impl minijinja::value::Object for CardValue {
    fn get_value(self: &std::sync::Arc<Self>, key: &minijinja::Value) -> Option<minijinja::Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &std::sync::Arc<Self>, key: &str) -> Option<minijinja::Value> {
        if let Some(f) = &self.fragments {
            match key {
                "idlink_html" => return Some(f[0].clone()),
                "link_html" => return Some(f[1].clone()),
                "status_html" => return Some(f[2].clone()),
                _ => {}
            }
        }
        self.fields.get(card_key(key)?).cloned()
    }

    fn enumerate(self: &std::sync::Arc<Self>) -> minijinja::value::Enumerator {
        minijinja::value::Enumerator::Str(&CARD_KEYS)
    }

    fn enumerator_len(self: &std::sync::Arc<Self>) -> Option<usize> {
        Some(CARD_KEYS.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_value_reads_like_the_serialized_card() {
        let c = Card {
            id: "a<1".into(),
            kind: "story".into(),
            kind_label: "Story".into(),
            title: "T & t".into(),
            status: Some("in_progress".into()),
            status_label: "in progress".into(),
            category: "doing",
            priority: "high".into(),
            priority_rank: 1,
            assignee: vec!["ann".into(), "bo".into()],
            estimate: Some(serde_json::json!(2.5)),
            sprint: None,
            sprint_url: None,
            parent: Some("e".into()),
            parent_url: Some("items/e.html".into()),
            labels: vec!["x".into()],
            url: Some("items/a.html".into()),
            blocked: true,
            due: None,
            overdue: false,
            path: "stories/a.md".into(),
            is_work: true,
        };
        let mut env = minijinja::Environment::new();
        let src = "{% for k in c %}{{ k }}={{ c[k] }}|{{ c[k] is none }}{{ c[k] is sequence }};{% endfor %}{{ c.assignee | join(',') }}{{ c.nope is undefined }}{{ c }}";
        env.add_template("t", src).unwrap();
        let t = env.get_template("t").unwrap();
        let fast = t.render(minijinja::context! { c => minijinja::Value::from_object(CardValue::new(&c)) }).unwrap();
        let slow = t.render(minijinja::context! { c => minijinja::Value::from_serialize(&c) }).unwrap();
        assert_eq!(fast, slow);
        assert!(fast.contains("is_work=True|"), "{fast}");
    }
}
