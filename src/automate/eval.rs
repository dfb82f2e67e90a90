//! One round: every rule on every event, in order (events as they came,
//! rules as written): the trigger, the `if:` expression (minijinja, with a
//! fuel limit), then the actions.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::actions::{self, Relations};
use super::events::Event;
use crate::config::automation::{expr_error, Action, Rule};
use crate::edit::Op;
use crate::graph::Graph;
use crate::load::Backlog;

/// A line for the pull-request comment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comment {
    pub rule: String,
    pub id: String,
    pub text: String,
}

/// A policy error (`fail`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Failure {
    pub rule: String,
    pub id: String,
    pub message: String,
}

/// A webhook to send: where, with which secret, and the body.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hook {
    pub rule: String,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_env: Option<String>,
    #[serde(skip)]
    pub timeout_secs: f64,
    /// `{"event": …, "item": …, "rule": …}`.
    pub body: Value,
}

/// What a round of rules asks for.
#[derive(Debug, Default)]
pub struct RoundResult {
    /// (rule, operation), in order, without repeats.
    pub ops: Vec<(String, Op)>,
    pub comments: Vec<Comment>,
    pub failures: Vec<Failure>,
    pub hooks: Vec<Hook>,
    /// (rule, event index) of every rule that fired.
    pub fired: Vec<(String, usize)>,
}

/// An error of a rule while it runs (its expression or a template).
#[derive(Debug, thiserror::Error)]
#[error("rule `{rule}` (cairn.yml line {line}) on {event} of `{id}`: {message}")]
pub struct RuleError {
    pub rule: String,
    pub line: u64,
    pub event: String,
    pub id: String,
    pub message: String,
}

/// What an expression sees: the item's fields at the top level, then the
/// event's (`type`, `field`, `old`, `new`, `commit`, `author`, …), and
/// `item` and `event` as objects.
pub fn context(event: &Event, item: &Value) -> Value {
    let mut m = Map::new();
    if let Value::Object(o) = item {
        m.extend(o.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    m.insert("id".into(), json!(event.id));
    let ev = serde_json::to_value(event).unwrap_or(Value::Null);
    if let Value::Object(o) = &ev {
        for (k, v) in o {
            if k != "id" {
                m.insert(k.clone(), v.clone());
            }
        }
    }
    for k in ["field", "old", "new"] {
        m.entry(k.to_string()).or_insert(Value::Null);
    }
    m.insert("trigger".into(), json!(event.kind.as_str()));
    m.insert("item".into(), item.clone());
    m.insert("event".into(), ev);
    Value::Object(m)
}

/// The item object of `id` (or `{ "id": id }` for an item that is gone).
pub fn item_object(backlog: &Backlog, graph: &Graph, id: &str) -> Value {
    match backlog.index.get(id) {
        Some(&i) => crate::query::item_object(backlog, graph, i, None),
        None => json!({ "id": id }),
    }
}

/// Runs `rules` on `events` against `backlog` (the backlog as the round
/// starts).
pub fn round(rules: &[Rule], events: &[Event], backlog: &Backlog) -> Result<RoundResult, RuleError> {
    let graph = Graph::build(backlog);
    let rel = Relations::of(backlog);
    let env = crate::config::automation::environment();
    let mut out = RoundResult::default();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (ei, ev) in events.iter().enumerate() {
        let mut item: Option<Value> = None;
        for rule in rules.iter().filter(|r| ev.fires(&r.trigger)) {
            let obj = item.get_or_insert_with(|| item_object(backlog, &graph, &ev.id)).clone();
            let ctx = context(ev, &obj);
            let err = |message: String| RuleError {
                rule: rule.name.clone(),
                line: rule.line,
                event: ev.kind.as_str().to_string(),
                id: ev.id.clone(),
                message,
            };
            if let Some(cond) = &rule.condition {
                let expr = env.compile_expression(cond).map_err(|e| err(expr_error(&e)))?;
                let v = expr.eval(minijinja::Value::from_serialize(&ctx)).map_err(|e| err(expr_error(&e)))?;
                if !v.is_true() {
                    continue;
                }
            }
            out.fired.push((rule.name.clone(), ei));
            let render = |t: &str| env.render_str(t, minijinja::Value::from_serialize(&ctx));
            for a in &rule.actions {
                match a {
                    Action::Edit { kind, target, when, fields } => {
                        for t in actions::targets(backlog, &rel, &ev.id, *target) {
                            if when.is_some_and(|w| !actions::holds(backlog, &rel, t, w)) {
                                continue;
                            }
                            let tid = backlog.items[t].id();
                            let tobj = crate::query::item_object(backlog, &graph, t, None);
                            for op in actions::ops(*kind, tid, &tobj, fields) {
                                if seen.insert(op.describe()) {
                                    out.ops.push((rule.name.clone(), op));
                                }
                            }
                        }
                    }
                    Action::Comment(t) => {
                        let text = render(t).map_err(|e| err(expr_error(&e)))?;
                        out.comments.push(Comment { rule: rule.name.clone(), id: ev.id.clone(), text });
                    }
                    Action::Fail(t) => {
                        let message = render(t).map_err(|e| err(expr_error(&e)))?;
                        out.failures.push(Failure { rule: rule.name.clone(), id: ev.id.clone(), message });
                    }
                    Action::Webhook { url, secret_env, timeout_secs } => {
                        let body = json!({ "event": ev, "item": obj, "rule": rule.name });
                        out.hooks.push(Hook {
                            rule: rule.name.clone(),
                            url: url.clone(),
                            secret_env: secret_env.clone(),
                            timeout_secs: *timeout_secs,
                            body,
                        });
                    }
                }
            }
        }
    }
    Ok(out)
}
