//! `cairn event github FILE`: a GitHub `pull_request` event payload (as a
//! webhook delivers it, or as `$GITHUB_EVENT_PATH` holds it in Actions) →
//! the items it names → the status `on_pull_request` maps its event to.
//!
//! Items are named in the branch, the title or the body as `cairn:<id>` or
//! `[<id>]`, or by a bare id in the branch name (`feature/story-12-login`
//! names `story-12` when that item exists).

use serde_json::Value;

use crate::edit::Op;
use crate::load::Backlog;

/// What the payload says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullRequest {
    /// `opened`, `reopened`, `ready_for_review`, `merged`, `closed` (not
    /// merged), or another action as GitHub names it.
    pub event: String,
    pub number: u64,
    pub title: String,
    pub body: String,
    pub branch: String,
    pub url: Option<String>,
    pub repository: Option<String>,
}

/// A payload that is not a pull-request event cairn can read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PayloadError(pub String);

fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

fn need<'a>(v: &'a Value, path: &str, what: &str) -> Result<&'a Value, PayloadError> {
    get(v, path).filter(|x| !x.is_null()).ok_or_else(|| {
        PayloadError(format!("the payload has no `{path}` ({what}); `cairn event github` reads pull_request events"))
    })
}

fn need_str<'a>(v: &'a Value, path: &str, what: &str) -> Result<&'a str, PayloadError> {
    need(v, path, what)?.as_str().ok_or_else(|| PayloadError(format!("`{path}` in the payload is not a text")))
}

/// Reads a payload (the JSON text of the event).
pub fn parse(text: &str) -> Result<PullRequest, PayloadError> {
    let v: Value = serde_json::from_str(text).map_err(|e| PayloadError(format!("the payload is not JSON: {e}")))?;
    if !v.is_object() {
        return Err(PayloadError("the payload is not a JSON object".into()));
    }
    let action = need_str(&v, "action", "what happened: opened, closed, …")?;
    need(&v, "pull_request", "the pull request")?;
    let number = need(&v, "pull_request.number", "its number")?
        .as_u64()
        .ok_or_else(|| PayloadError("`pull_request.number` in the payload is not a number".into()))?;
    let title = need_str(&v, "pull_request.title", "its title")?.to_string();
    let branch = need_str(&v, "pull_request.head.ref", "its branch")?.to_string();
    let body = get(&v, "pull_request.body").and_then(Value::as_str).unwrap_or("").to_string();
    let event = match action {
        "closed" => match get(&v, "pull_request.merged") {
            Some(Value::Bool(true)) => "merged",
            Some(Value::Bool(false)) => "closed",
            _ => {
                return Err(PayloadError(
                    "the payload has no `pull_request.merged` (true or false) for a closed pull request".into(),
                ))
            }
        },
        other => other,
    };
    Ok(PullRequest {
        event: event.to_string(),
        number,
        title,
        body,
        branch,
        url: get(&v, "pull_request.html_url").and_then(Value::as_str).map(String::from),
        repository: get(&v, "repository.full_name").and_then(Value::as_str).map(String::from),
    })
}

fn id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// Ids written as `cairn:<id>` or `[<id>]` in `text`, in order.
fn marked(text: &str, out: &mut Vec<(String, bool)>) {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(k) = lower[from..].find("cairn:") {
        let start = from + k + "cairn:".len();
        let id: String = text[start..].chars().take_while(|&c| id_char(c)).collect();
        let id = id.trim_end_matches(['.', '-']).to_string();
        if !id.is_empty() {
            out.push((id, true));
        }
        from = start;
    }
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        match after.find(']') {
            Some(close) => {
                let inner = &after[..close];
                if !inner.is_empty() && inner.chars().all(id_char) {
                    out.push((inner.to_string(), false));
                }
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
}

/// The items a pull request names (existing ones, in order of first
/// mention) and the ids it marks that name no item.
pub fn item_ids(pr: &PullRequest, backlog: &Backlog) -> (Vec<String>, Vec<String>) {
    let mut found: Vec<(String, bool)> = Vec::new();
    for text in [&pr.branch, &pr.title, &pr.body] {
        marked(text, &mut found);
    }
    // A bare id in the branch: the longest `-`-prefix of a segment that names an item.
    for seg in pr.branch.split('/') {
        let mut best = None;
        for (i, c) in seg.char_indices() {
            if c == '-' && backlog.index.contains_key(&seg[..i]) {
                best = Some(&seg[..i]);
            }
        }
        if backlog.index.contains_key(seg) {
            best = Some(seg);
        }
        if let Some(b) = best {
            found.push((b.to_string(), false));
        }
    }
    let (mut ids, mut unknown) = (Vec::new(), Vec::new());
    for (id, strong) in found {
        let canonical = backlog.get(&id).map(|it| it.id().to_string());
        match canonical {
            Some(c) if !ids.contains(&c) => ids.push(c),
            Some(_) => {}
            // `[x]` is also a checkbox: only `cairn:` ids that name nothing are worth a word.
            None if strong && !unknown.contains(&id) => unknown.push(id),
            None => {}
        }
    }
    (ids, unknown)
}

/// The status changes a pull request asks for: `on_pull_request[event]`
/// on each item it names, except those already there (rule name
/// `on_pull_request.<event>`).
pub fn transitions(
    pr: &PullRequest,
    ids: &[String],
    backlog: &Backlog,
    on_pull_request: &std::collections::BTreeMap<String, String>,
) -> Vec<(String, Op)> {
    let Some(status) = on_pull_request.get(&pr.event) else { return Vec::new() };
    let rule = format!("on_pull_request.{}", pr.event);
    ids.iter()
        .filter(|id| backlog.get(id).is_some_and(|it| it.status() != Some(status.as_str())))
        .map(|id| {
            (rule.clone(), Op::Set { id: id.clone(), field: "status".into(), value: Value::String(status.clone()) })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_in_text() {
        let mut out = Vec::new();
        marked("Fix login (cairn:story-12). See [bug-3] and [ ] and [x y]; CAIRN:task-1.", &mut out);
        let ids: Vec<&str> = out.iter().map(|(i, _)| i.as_str()).collect();
        assert_eq!(ids, ["story-12", "task-1", "bug-3"]);
    }
}
