//! The agents' tools: `analyze` (the analyst's report) and `plan_sprint`
//! (the deterministic sprint planner), the same library calls as `cairn
//! analyze` and `cairn plan`.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::read_tools::{fresh, history_of, read};
use super::state::Session;
use super::tools::ToolError;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeArgs {
    /// The sprint to report on (default: the sprint under way today, else the next one, else the last one)
    pub sprint: Option<String>,
    /// `json` (default: the analysis as data) or `markdown` (the report in words, for a stand-up note or a PR comment)
    pub format: Option<String>,
}

pub fn analyze(s: &mut Session, a: Value) -> Result<Value, ToolError> {
    let a: AnalyzeArgs = read(a)?;
    let markdown = match a.format.as_deref() {
        None | Some("json") => false,
        Some("markdown") => true,
        Some(other) => {
            return Err(ToolError::Params(format!("arguments.format: expected `json` or `markdown`, not `{other}`")))
        }
    };
    let l = fresh(s)?;
    let events = history_of(l)?;
    let opts = crate::metrics::analyze::AnalyzeOptions { sprint: a.sprint, today: None };
    let an = crate::metrics::analyze::analyze(&l.backlog, &l.graph, &events, &opts)
        .map_err(|e| ToolError::failed(e.to_string()))?;
    if markdown {
        return Ok(serde_json::json!({ "markdown": crate::metrics::analyze::words::markdown(&an) }));
    }
    serde_json::to_value(&an).map_err(|e| ToolError::failed(e.to_string()))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanArgs {
    /// The sprint's id
    pub sprint: String,
    /// A team total (points) instead of the sprint's `capacity:`
    pub capacity: Option<f64>,
}

/// `plan_sprint`: the planner's picks and skips with their reasons, and the
/// plan in words. Writes nothing: apply a plan with `update_item`
/// (`sprint`), or from a terminal with `cairn plan SPRINT --apply`.
pub fn plan_sprint(s: &mut Session, a: Value) -> Result<Value, ToolError> {
    let a: PlanArgs = read(a)?;
    if a.capacity.is_some_and(|c| !c.is_finite() || c < 0.0) {
        return Err(ToolError::Params("arguments.capacity: expected a number of points, 0 or more".into()));
    }
    let l = fresh(s)?;
    let p = crate::plan::plan_sprint(&l.backlog, &l.graph, &a.sprint, &crate::plan::Options { capacity: a.capacity })
        .map_err(ToolError::failed)?;
    let mut v = serde_json::to_value(&p).map_err(|e| ToolError::failed(e.to_string()))?;
    if let Value::Object(o) = &mut v {
        o.insert("text".into(), Value::String(crate::plan::text::render(&p)));
    }
    Ok(v)
}
