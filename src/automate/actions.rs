//! `set`/`add`/`remove` actions → edit operations: whom they target (the
//! item, its parent, its children, its dependents), the `when:` condition
//! on each target, and no operation for a change that is already so.

use std::collections::HashMap;

use serde_json::Value;

use crate::config::automation::{EditKind, Target, When};
use crate::config::Category;
use crate::edit::Op;
use crate::load::Backlog;

/// Children and dependents of every item, by id (indexes into `backlog.items`).
pub struct Relations {
    children: HashMap<String, Vec<usize>>,
    dependents: HashMap<String, Vec<usize>>,
}

impl Relations {
    pub fn of(backlog: &Backlog) -> Relations {
        let mut children: HashMap<String, Vec<usize>> = HashMap::new();
        let mut dependents: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, it) in backlog.items.iter().enumerate() {
            if let Some(p) = &it.parent {
                children.entry(p.value.clone()).or_default().push(i);
            }
            for d in &it.depends_on {
                dependents.entry(d.id.value.clone()).or_default().push(i);
            }
        }
        Relations { children, dependents }
    }

    fn children(&self, id: &str) -> &[usize] {
        self.children.get(id).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// The items `target` names from the item `id` (indexes, in id order).
pub fn targets(backlog: &Backlog, rel: &Relations, id: &str, target: Target) -> Vec<usize> {
    let Some(&i) = backlog.index.get(id) else { return Vec::new() };
    let mut out: Vec<usize> = match target {
        Target::Item => vec![i],
        Target::Parent => {
            backlog.items[i].parent.as_ref().and_then(|p| backlog.index.get(&p.value).copied()).into_iter().collect()
        }
        Target::Children => rel.children(id).to_vec(),
        Target::Dependents => rel.dependents.get(id).cloned().unwrap_or_default(),
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether `when` holds for the item at `t`.
pub fn holds(backlog: &Backlog, rel: &Relations, t: usize, when: When) -> bool {
    let it = &backlog.items[t];
    match when {
        When::AllChildrenDone => {
            let ch = rel.children(it.id());
            !ch.is_empty() && ch.iter().all(|&c| backlog.is_done(&backlog.items[c]))
        }
        When::AnyChildStarted => rel
            .children(it.id())
            .iter()
            .any(|&c| matches!(backlog.category(&backlog.items[c]), Some(Category::Doing | Category::Done))),
        When::AllDependenciesDone => {
            it.depends_on.iter().all(|d| backlog.get(&d.id.value).is_none_or(|x| backlog.is_done(x)))
        }
    }
}

fn as_list(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(x) => vec![x.clone()],
    }
}

fn same_value(now: Option<&Value>, want: &Value) -> bool {
    match (now, want) {
        (Some(n), w) if n == w => true,
        (Some(Value::Array(a)), w) if !w.is_array() => a.len() == 1 && &a[0] == w,
        (Some(Value::String(s)), Value::Number(n)) => s == &n.to_string(),
        _ => false,
    }
}

/// The operations of one action on the target whose current item object
/// is `object`: nothing for a value that already is as asked.
pub fn ops(kind: EditKind, id: &str, object: &Value, fields: &[(String, Value)]) -> Vec<Op> {
    let mut out = Vec::new();
    for (field, value) in fields {
        let now = object.get(field);
        let (id, field, value) = (id.to_string(), field.clone(), value.clone());
        match kind {
            EditKind::Set if value.is_null() => {
                if now.is_some_and(|v| !v.is_null()) {
                    out.push(Op::Unset { id, field });
                }
            }
            EditKind::Set => {
                if !same_value(now, &value) {
                    out.push(Op::Set { id, field, value });
                }
            }
            EditKind::Add => {
                if !as_list(now).contains(&value) {
                    out.push(Op::Add { id, field, value });
                }
            }
            EditKind::Remove => {
                if as_list(now).contains(&value) {
                    out.push(Op::Remove { id, field, value });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn no_operation_for_what_is_already_so() {
        let o = json!({"status": "done", "labels": ["a"], "assignee": ["ann"]});
        let set = |f: &str, v: Value| ops(EditKind::Set, "x", &o, &[(f.to_string(), v)]).len();
        assert_eq!(set("status", json!("done")), 0);
        assert_eq!(set("status", json!("review")), 1);
        assert_eq!(set("assignee", json!("ann")), 0);
        assert_eq!(ops(EditKind::Add, "x", &o, &[("labels".into(), json!("a"))]).len(), 0);
        assert_eq!(ops(EditKind::Add, "x", &o, &[("labels".into(), json!("b"))]).len(), 1);
        assert_eq!(ops(EditKind::Remove, "x", &o, &[("labels".into(), json!("b"))]).len(), 0);
        assert_eq!(ops(EditKind::Remove, "x", &o, &[("labels".into(), json!("a"))]).len(), 1);
    }
}
