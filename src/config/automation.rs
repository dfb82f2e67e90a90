//! `automation:` in `cairn.yml`: rules (a trigger, a condition, actions)
//! and the pull-request transitions of `cairn event github`.
//!
//! The file is read leniently (every rule key keeps its position) and
//! [`parse`] turns it into typed [`Rule`]s and a list of [`Problem`]s:
//! an unknown trigger, field, action, target or condition, a bad `if:`
//! expression, a webhook URL that is not http(s). `cairn check` reports the
//! problems at their lines (E041); `cairn automate` refuses to run with any.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use serde_saphyr::Spanned;

use super::Config;
use crate::util::suggest::hint;

/// The triggers a rule may name (`field_changed:<field>` also takes a field).
pub const TRIGGERS: &[&str] =
    &["created", "updated", "status_changed", "field_changed", "deleted", "sprint_started", "sprint_ended"];

/// The actions of a rule's `do:` list.
pub const ACTIONS: &[&str] = &["set", "add", "remove", "comment", "webhook", "fail"];

/// Whom `set`/`add`/`remove` change.
pub const TARGETS: &[&str] = &["item", "parent", "children", "dependents"];

/// The conditions `when:` may name (judged on each target).
pub const WHENS: &[&str] = &["all_children_done", "any_child_started", "all_dependencies_done"];

/// The pull-request events `on_pull_request` maps to statuses.
pub const PR_EVENTS: &[&str] = &["opened", "reopened", "ready_for_review", "merged", "closed"];

/// The keys of a webhook action.
const WEBHOOK_KEYS: &[&str] = &["url", "secret_env", "timeout"];

/// The fuel an `if:` expression may burn (a loop over a huge range stops).
pub const FUEL: u64 = 50_000;

/// One rule as written: every key optional here, judged by [`parse`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    #[serde(default)]
    pub name: Option<Spanned<String>>,
    #[serde(default)]
    pub on: Option<Spanned<String>>,
    #[serde(default, rename = "if")]
    pub condition: Option<Spanned<String>>,
    #[serde(default, rename = "do")]
    pub actions: Vec<Spanned<Value>>,
}

/// `automation:` as written: a list of rules, or a mapping with `rules`
/// and `on_pull_request`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AutomationSpec {
    pub rules: Vec<Spanned<RuleSpec>>,
    /// Pull-request event (`opened`, `merged`, …) → the status to set.
    pub on_pull_request: BTreeMap<String, Spanned<String>>,
    /// Where `on_pull_request` is (for problems about it as a whole).
    #[serde(skip)]
    pub line: u64,
}

impl AutomationSpec {
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.on_pull_request.is_empty()
    }
}

impl<'de> Deserialize<'de> for AutomationSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AutomationSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of rules, or a mapping with `rules` and `on_pull_request`")
            }
            fn visit_unit<E: de::Error>(self) -> Result<AutomationSpec, E> {
                Ok(AutomationSpec::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AutomationSpec, A::Error> {
                let mut rules = Vec::new();
                while let Some(r) = seq.next_element::<Spanned<RuleSpec>>()? {
                    rules.push(r);
                }
                Ok(AutomationSpec { rules, ..Default::default() })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AutomationSpec, A::Error> {
                let mut out = AutomationSpec::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "rules" => out.rules = map.next_value::<Option<Vec<Spanned<RuleSpec>>>>()?.unwrap_or_default(),
                        "on_pull_request" => {
                            let m = map.next_value::<Spanned<Option<BTreeMap<String, Spanned<String>>>>>()?;
                            out.line = m.referenced.line();
                            out.on_pull_request = m.value.unwrap_or_default();
                        }
                        other => {
                            let h = hint(other, ["rules", "on_pull_request"]);
                            return Err(de::Error::custom(format!(
                                "unknown field `{other}` in `automation`, expected `rules` or `on_pull_request`{h}"
                            )));
                        }
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_any(V)
    }
}

// --- The JSON Schema of `automation:` (documentation for editors) ---

/// `automation:` (see docs/automation.md).
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum AutomationSchema {
    /// The rules.
    Rules(Vec<RuleSchema>),
    /// Rules and the pull-request transitions of `cairn event github`.
    Map {
        #[serde(default)]
        rules: Vec<RuleSchema>,
        /// Pull-request event → status: `{ opened: review, merged: done }`.
        #[serde(default)]
        on_pull_request: PullRequestSchema,
    },
}

#[derive(JsonSchema, Default)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct PullRequestSchema {
    opened: Option<String>,
    reopened: Option<String>,
    ready_for_review: Option<String>,
    /// Closed and merged.
    merged: Option<String>,
    /// Closed without merging.
    closed: Option<String>,
}

/// One automation rule.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct RuleSchema {
    name: String,
    /// `created`, `updated`, `status_changed`, `field_changed:<field>`,
    /// `deleted`, `sprint_started` or `sprint_ended`.
    on: String,
    /// A minijinja expression over the event and the item, e.g.
    /// `kind == "story" and new == "done"`.
    #[serde(rename = "if")]
    condition: Option<String>,
    #[serde(rename = "do")]
    actions: Vec<ActionSchema>,
}

/// One action: exactly one of its keys.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ActionSchema {
    /// Set fields: `{ target: parent, when: all_children_done, status: done }`.
    set: Option<BTreeMap<String, Value>>,
    /// Add values to list fields: `{ labels: reviewed }`.
    add: Option<BTreeMap<String, Value>>,
    /// Remove values from list fields.
    remove: Option<BTreeMap<String, Value>>,
    /// A line for the pull-request comment (a minijinja template).
    comment: Option<String>,
    /// POST the event to a URL, signed with the secret in `secret_env`.
    webhook: Option<WebhookSchema>,
    /// A policy error: `cairn automate` exits 1 with this message.
    fail: Option<String>,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct WebhookSchema {
    /// An `http://` or `https://` URL.
    url: String,
    /// The environment variable holding the HMAC-SHA256 secret.
    secret_env: Option<String>,
    /// Seconds per attempt (default 10).
    timeout: Option<f64>,
}

// --- The typed rules ---

/// What starts a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    Created,
    Updated,
    StatusChanged,
    FieldChanged(String),
    Deleted,
    SprintStarted,
    SprintEnded,
}

impl Trigger {
    pub fn name(&self) -> String {
        match self {
            Trigger::Created => "created".into(),
            Trigger::Updated => "updated".into(),
            Trigger::StatusChanged => "status_changed".into(),
            Trigger::FieldChanged(f) => format!("field_changed:{f}"),
            Trigger::Deleted => "deleted".into(),
            Trigger::SprintStarted => "sprint_started".into(),
            Trigger::SprintEnded => "sprint_ended".into(),
        }
    }
}

/// Whom an edit action changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Item,
    Parent,
    Children,
    Dependents,
}

/// A condition on each target of an edit action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    AllChildrenDone,
    AnyChildStarted,
    AllDependenciesDone,
}

/// `set`, `add` or `remove`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditKind {
    Set,
    Add,
    Remove,
}

/// One action of a rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Edit { kind: EditKind, target: Target, when: Option<When>, fields: Vec<(String, Value)> },
    Comment(String),
    Webhook { url: String, secret_env: Option<String>, timeout_secs: f64 },
    Fail(String),
}

/// A rule ready to run.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub name: String,
    pub trigger: Trigger,
    /// The `if:` expression (checked to compile).
    pub condition: Option<String>,
    pub actions: Vec<Action>,
    /// The rule's line in `cairn.yml`.
    pub line: u64,
}

/// A problem of `automation:` at a position of `cairn.yml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub column: u64,
    /// How many characters to underline (0: a point).
    pub len: u32,
    pub message: String,
}

/// Everything `automation:` says, typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Automation {
    pub rules: Vec<Rule>,
    /// Pull-request event → status.
    pub on_pull_request: BTreeMap<String, String>,
}

fn at<T>(s: &Spanned<T>) -> (u64, u64) {
    (s.referenced.line().max(1), s.referenced.column().max(1))
}

fn with_len<T>(s: &Spanned<T>, len: usize) -> (u64, u64, u32) {
    let (l, c) = at(s);
    (l, c, u32::try_from(len).unwrap_or(u32::MAX))
}

/// The environment expressions are compiled and run in: no templates, a
/// fuel limit.
pub fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_fuel(Some(FUEL));
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Lenient);
    env
}

/// The fields an action may write or a `field_changed:` trigger may name.
fn known_fields(config: &Config) -> Vec<&str> {
    let mut v: Vec<&str> = crate::model::CORE_FIELDS.to_vec();
    v.extend_from_slice(crate::model::SPRINT_FIELDS);
    v.extend(config.fields.keys().map(String::as_str));
    v
}

/// The fields `add` and `remove` work on.
fn list_fields(config: &Config) -> Vec<&str> {
    let mut v = vec!["assignee", "labels", "depends_on", "blocks", "relates_to", "references"];
    for (name, f) in &config.fields {
        if matches!(f.ty, super::FieldType::List | super::FieldType::Id) {
            v.push(name);
        }
    }
    v
}

/// All statuses any kind may have.
fn all_statuses(config: &Config) -> Vec<&str> {
    let mut v: Vec<&str> = config.statuses.iter().map(|s| s.name.as_str()).collect();
    for k in &config.kinds {
        v.extend(k.statuses.iter().flatten().map(|s| s.name.as_str()));
    }
    v.sort_unstable();
    v.dedup();
    v
}

/// Types the automation of `config`; the problems found on the way (a rule
/// with a problem is left out of the result).
pub fn parse(config: &Config) -> (Automation, Vec<Problem>) {
    let spec = &config.automation;
    let mut problems = Vec::new();
    let mut out = Automation::default();
    let env = environment();
    let fields = known_fields(config);
    let lists = list_fields(config);
    let statuses = all_statuses(config);
    for r in &spec.rules {
        let (line, column) = at(r);
        let before = problems.len();
        let mut p = |at: (u64, u64, u32), message: String| {
            problems.push(Problem { line: at.0, column: at.1, len: at.2, message })
        };
        let rule = &r.value;
        let name = match &rule.name {
            Some(n) if !n.value.trim().is_empty() => n.value.clone(),
            _ => {
                p((line, column, 0), "an automation rule needs a `name`".into());
                String::new()
            }
        };
        let label = if name.is_empty() { "automation rule".to_string() } else { format!("rule `{name}`") };
        let trigger = match &rule.on {
            None => {
                p((line, column, 0), format!("{label} needs `on:` (a trigger such as `status_changed`)"));
                None
            }
            Some(on) => trigger(&on.value, &fields)
                .map_err(|m| p(with_len(on, on.value.chars().count()), format!("{label}: {m}")))
                .ok(),
        };
        if let Some(c) = &rule.condition {
            if let Err(e) = env.compile_expression(&c.value) {
                p(with_len(c, 0), format!("{label}: bad `if:` expression `{}`: {}", c.value, expr_error(&e)));
            }
        }
        if rule.actions.is_empty() {
            p((line, column, 0), format!("{label} has no actions (`do:`)"));
        }
        let mut actions = Vec::new();
        for a in &rule.actions {
            match action(&a.value, &fields, &lists, &statuses, &env) {
                Ok(x) => actions.push(x),
                Err(m) => {
                    let key = a.value.as_object().and_then(|m| m.keys().next()).map_or(0, |k| k.chars().count());
                    p(with_len(a, key), format!("{label}: {m}"))
                }
            }
        }
        if let (true, Some(trigger)) = (problems.len() == before, trigger) {
            out.rules.push(Rule {
                name,
                trigger,
                condition: rule.condition.as_ref().map(|c| c.value.clone()),
                actions,
                line,
            });
        }
    }
    let mut seen: BTreeMap<&str, u64> = BTreeMap::new();
    for r in &spec.rules {
        if let Some(n) = &r.value.name {
            if let Some(first) = seen.insert(n.value.as_str(), n.referenced.line()) {
                let (l, c) = at(n);
                problems.push(Problem {
                    line: l,
                    column: c,
                    len: n.value.chars().count() as u32,
                    message: format!("two automation rules are named `{}` (the first at line {first})", n.value),
                });
            }
        }
    }
    for (event, status) in &spec.on_pull_request {
        let (l, c) = at(status);
        if !PR_EVENTS.contains(&event.as_str()) {
            let h = hint(event, PR_EVENTS.iter().copied());
            let all = PR_EVENTS.join(", ");
            let line = if spec.line > 0 { spec.line } else { l };
            problems.push(Problem {
                line,
                column: 1,
                len: 0,
                message: format!("unknown pull-request event `{event}` in `on_pull_request`{h} (events: {all})"),
            });
            continue;
        }
        if !statuses.contains(&status.value.as_str()) {
            let h = hint(&status.value, statuses.iter().copied());
            problems.push(Problem {
                line: l,
                column: c,
                len: status.value.chars().count() as u32,
                message: format!("`on_pull_request.{event}` names unknown status `{}`{h}", status.value),
            });
            continue;
        }
        out.on_pull_request.insert(event.clone(), status.value.clone());
    }
    problems.sort_by(|a, b| (a.line, a.column, &a.message).cmp(&(b.line, b.column, &b.message)));
    (out, problems)
}

/// A minijinja error in one line.
pub fn expr_error(e: &minijinja::Error) -> String {
    match e.detail() {
        Some(d) => format!("{}: {d}", e.kind()),
        None => e.kind().to_string(),
    }
}

fn trigger(on: &str, fields: &[&str]) -> Result<Trigger, String> {
    let (name, arg) = match on.split_once(':') {
        Some((n, a)) => (n.trim(), Some(a.trim())),
        None => (on.trim(), None),
    };
    let t = match (name, arg) {
        ("created", None) => Trigger::Created,
        ("updated", None) => Trigger::Updated,
        ("status_changed", None) => Trigger::StatusChanged,
        ("deleted", None) => Trigger::Deleted,
        ("sprint_started", None) => Trigger::SprintStarted,
        ("sprint_ended", None) => Trigger::SprintEnded,
        ("field_changed", Some(f)) => {
            if f != "body" && !fields.contains(&f) {
                let h = hint(f, fields.iter().copied().chain(["body"]));
                return Err(format!("`field_changed:{f}` names unknown field `{f}`{h}"));
            }
            Trigger::FieldChanged(f.to_string())
        }
        ("field_changed", None) => return Err("`field_changed` needs a field: `field_changed:assignee`".into()),
        (n, Some(_)) if TRIGGERS.contains(&n) => return Err(format!("trigger `{n}` takes no `:` argument")),
        (n, _) => {
            let h = hint(n, TRIGGERS.iter().copied());
            let all: Vec<&str> =
                TRIGGERS.iter().map(|t| if *t == "field_changed" { "field_changed:<field>" } else { t }).collect();
            return Err(format!("unknown trigger `{n}`{h} (triggers: {})", all.join(", ")));
        }
    };
    Ok(t)
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn action(
    v: &Value,
    fields: &[&str],
    lists: &[&str],
    statuses: &[&str],
    env: &minijinja::Environment<'static>,
) -> Result<Action, String> {
    let Value::Object(m) = v else {
        return Err(format!("an action is a mapping with one of {}", ACTIONS.join(", ")));
    };
    if m.len() != 1 {
        let keys: Vec<&str> = m.keys().map(String::as_str).collect();
        return Err(format!(
            "an action has exactly one key (one of {}); this one has {}",
            ACTIONS.join(", "),
            keys.join(", ")
        ));
    }
    let Some((key, body)) = m.iter().next() else { return Err("an empty action".into()) };
    let template = |what: &str| -> Result<String, String> {
        let Some(t) = text(body) else { return Err(format!("`{what}` takes a text")) };
        env.template_from_str(&t).map_err(|e| format!("bad `{what}` template: {}", expr_error(&e)))?;
        Ok(t)
    };
    match key.as_str() {
        "set" | "add" | "remove" => edit_action(key, body, fields, lists, statuses),
        "comment" => template("comment").map(Action::Comment),
        "fail" => template("fail").map(Action::Fail),
        "webhook" => webhook(body),
        other => {
            let h = hint(other, ACTIONS.iter().copied());
            Err(format!("unknown action `{other}`{h} (actions: {})", ACTIONS.join(", ")))
        }
    }
}

fn edit_action(key: &str, body: &Value, fields: &[&str], lists: &[&str], statuses: &[&str]) -> Result<Action, String> {
    let kind = match key {
        "set" => EditKind::Set,
        "add" => EditKind::Add,
        _ => EditKind::Remove,
    };
    let Value::Object(m) = body else {
        return Err(format!("`{key}` takes a mapping: `{key}: {{ target: parent, status: done }}`"));
    };
    let mut target = Target::Item;
    let mut when = None;
    let mut out = Vec::new();
    for (k, v) in m {
        match k.as_str() {
            "target" => {
                let t = text(v).unwrap_or_default();
                target = match t.as_str() {
                    "item" => Target::Item,
                    "parent" => Target::Parent,
                    "children" => Target::Children,
                    "dependents" => Target::Dependents,
                    _ => {
                        let h = hint(&t, TARGETS.iter().copied());
                        return Err(format!("unknown target `{t}`{h} (targets: {})", TARGETS.join(", ")));
                    }
                };
            }
            "when" => {
                let w = text(v).unwrap_or_default();
                when = Some(match w.as_str() {
                    "all_children_done" => When::AllChildrenDone,
                    "any_child_started" => When::AnyChildStarted,
                    "all_dependencies_done" => When::AllDependenciesDone,
                    _ => {
                        let h = hint(&w, WHENS.iter().copied());
                        return Err(format!("unknown condition `when: {w}`{h} (conditions: {})", WHENS.join(", ")));
                    }
                });
            }
            "id" => return Err("`id` is changed with `cairn mv`, not by a rule".into()),
            f if !fields.contains(&f) => {
                let h = hint(f, fields.iter().copied().chain(["target", "when"]));
                return Err(format!("`{key}` names unknown field `{f}`{h}"));
            }
            f if kind != EditKind::Set && !lists.contains(&f) => {
                return Err(format!(
                    "`{key}` works on list fields ({}); `{f}` is not one: use `set`",
                    lists.join(", ")
                ));
            }
            "status" => {
                let s = text(v).unwrap_or_default();
                if !statuses.contains(&s.as_str()) {
                    let h = hint(&s, statuses.iter().copied());
                    return Err(format!("`{key}` names unknown status `{s}`{h}"));
                }
                out.push((k.clone(), v.clone()));
            }
            _ => out.push((k.clone(), v.clone())),
        }
    }
    if out.is_empty() {
        return Err(format!("`{key}` names no field to change"));
    }
    Ok(Action::Edit { kind, target, when, fields: out })
}

fn webhook(body: &Value) -> Result<Action, String> {
    let Value::Object(m) = body else {
        return Err("`webhook` takes a mapping: `webhook: { url: \"https://…\", secret_env: NAME }`".into());
    };
    for k in m.keys() {
        if !WEBHOOK_KEYS.contains(&k.as_str()) {
            let h = hint(k, WEBHOOK_KEYS.iter().copied());
            return Err(format!("unknown webhook key `{k}`{h} (keys: {})", WEBHOOK_KEYS.join(", ")));
        }
    }
    let url = m.get("url").and_then(text).ok_or("a webhook needs a `url`")?;
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    if rest.is_none_or(|r| r.is_empty() || r.starts_with('/')) {
        return Err(format!("webhook URL `{url}` is not an http:// or https:// URL"));
    }
    let secret_env = match m.get("secret_env") {
        None => None,
        Some(v) => Some(text(v).filter(|s| !s.is_empty()).ok_or("`secret_env` names an environment variable")?),
    };
    let timeout_secs = match m.get("timeout") {
        None => 10.0,
        Some(v) => {
            v.as_f64().filter(|t| *t > 0.0 && *t <= 300.0).ok_or("`timeout` is a number of seconds (0 to 300)")?
        }
    };
    Ok(Action::Webhook { url, secret_env, timeout_secs })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(text: &str) -> Config {
        Config::parse(text, Path::new("cairn.yml")).unwrap()
    }

    #[test]
    fn a_list_and_a_mapping_both_hold_rules() {
        let list = config("automation:\n  - name: a\n    on: created\n    do:\n      - comment: hi\n");
        let (a, problems) = parse(&list);
        assert_eq!(problems, vec![]);
        assert_eq!(a.rules.len(), 1);
        assert_eq!(a.rules[0].trigger, Trigger::Created);
        assert_eq!(a.rules[0].actions, vec![Action::Comment("hi".into())]);
        assert_eq!(a.rules[0].line, 2);
        let map = config(
            "automation:\n  on_pull_request: { opened: review }\n  rules:\n    - name: a\n      on: field_changed:assignee\n      do:\n        - add: { target: children, labels: x }\n",
        );
        let (a, problems) = parse(&map);
        assert_eq!(problems, vec![]);
        assert_eq!(a.on_pull_request.get("opened").map(String::as_str), Some("review"));
        assert_eq!(a.rules[0].trigger, Trigger::FieldChanged("assignee".into()));
        assert_eq!(
            a.rules[0].actions,
            vec![Action::Edit {
                kind: EditKind::Add,
                target: Target::Children,
                when: None,
                fields: vec![("labels".into(), Value::String("x".into()))]
            }]
        );
    }

    #[test]
    fn problems_have_lines_and_hints() {
        let c = config(
            "automation:\n  on_pull_request: { merged: donne }\n  rules:\n    - name: a\n      on: created\n      do:\n        - add: { status: done }\n        - set: { target: parnt, status: done }\n        - set: { when: all_done, status: done }\n",
        );
        let (a, problems) = parse(&c);
        assert!(a.rules.is_empty());
        let got: Vec<(u64, &str)> = problems.iter().map(|p| (p.line, p.message.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (2, "`on_pull_request.merged` names unknown status `donne`; did you mean `done`?"),
                (7, "rule `a`: `add` works on list fields (assignee, labels, depends_on, blocks, relates_to, references); `status` is not one: use `set`"),
                (8, "rule `a`: unknown target `parnt`; did you mean `parent`? (targets: item, parent, children, dependents)"),
                (9, "rule `a`: unknown condition `when: all_done` (conditions: all_children_done, any_child_started, all_dependencies_done)"),
            ]
        );
    }

    #[test]
    fn an_unknown_rule_key_is_a_config_error_at_its_line() {
        let err = Config::parse("automation:\n  - name: a\n    on: created\n    iff: x\n", Path::new("cairn.yml"))
            .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("cairn.yml:4:"), "{text}");
        assert!(text.contains("did you mean `if`?"), "{text}");
    }
}
