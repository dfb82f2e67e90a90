//! The tool table and `tools/list` / `tools/call`. A tool is one entry in
//! [`TOOLS`] and one function `fn(&mut Session, Value) -> Result<Value,
//! ToolError>`: its arguments are checked against its input schema before
//! the function runs (a bad one is a JSON-RPC invalid-params error naming
//! it), and what it returns is the call's `structuredContent`, with the
//! same JSON as a text block.

use serde_json::{json, Map, Value};

use super::agent_tools as agent;
use super::args;
use super::protocol::RpcError;
use super::read_tools as read;
use super::state::Session;
use super::write_tools as write;

/// Why a tool call did not succeed.
#[derive(Debug)]
pub enum ToolError {
    /// The arguments are wrong in a way their schema cannot say: a JSON-RPC
    /// invalid-params error.
    Params(String),
    /// The tool ran and failed (an unknown id, a bad `where`, a conflict,
    /// a change that would not check): a result with `isError: true`, the
    /// message as its text and `{"error": message, …details}` as its
    /// structured content, for the model to read and correct.
    Failed { message: String, details: Map<String, Value> },
}

impl ToolError {
    pub fn failed(message: impl std::fmt::Display) -> ToolError {
        ToolError::Failed { message: message.to_string(), details: Map::new() }
    }

    pub fn with(message: impl std::fmt::Display, details: Value) -> ToolError {
        let details = match details {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        ToolError::Failed { message: message.to_string(), details }
    }
}

/// What a tool's function is.
pub type Run = fn(&mut Session, Value) -> Result<Value, ToolError>;

/// One tool.
pub struct Tool {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// The input schema (`args::schema::<Args>`).
    pub input: fn() -> Value,
    /// The output schema, where the result has a fixed shape.
    pub output: Option<fn() -> Value>,
    /// Changes nothing (an annotation for clients, which may ask before
    /// calling a tool that writes).
    pub read_only: bool,
    pub run: Run,
}

/// Every tool, in the order `tools/list` gives them.
pub const TOOLS: &[Tool] = &[
    Tool {
        name: "list_items",
        title: "List items",
        description: "List backlog items, filtered with a `where` expression over the item fields (e.g. `status == \"ready\" and estimate > 3`), sorted (e.g. `priority:desc,id`), with chosen fields (`body` adds the Markdown body) and a limit (default 100). Returns the items and how many matched in all.",
        input: args::schema::<read::ListArgs>,
        output: Some(read::items_output),
        read_only: true,
        run: read::list_items,
    },
    Tool {
        name: "show_item",
        title: "Show an item",
        description: "One item with its body, relations both ways (with titles), progress, impact, recent history and its `etag` (pass it to update_item).",
        input: args::schema::<read::IdArgs>,
        output: Some(read::show_output),
        read_only: true,
        run: read::show_item,
    },
    Tool {
        name: "ready",
        title: "Ready work",
        description: "Work that can start now (every dependency done, not a container), most valuable first, with how many items each unblocks; optionally only one sprint's or one assignee's.",
        input: args::schema::<read::ReadyArgs>,
        output: Some(read::items_output),
        read_only: true,
        run: read::ready,
    },
    Tool {
        name: "impact",
        title: "Impact of a slip",
        description: "Everything that slips if an item slips: the delayed items with the path of dependencies to each, counts by kind, and whether the item is on the critical path (its slack in days).",
        input: args::schema::<read::IdArgs>,
        output: Some(read::impact_output),
        read_only: true,
        run: read::impact,
    },
    Tool {
        name: "check",
        title: "Check the backlog",
        description: "Validate every item (like `cairn check`): errors and warnings with file, line, code and message.",
        input: args::schema::<read::CheckArgs>,
        output: Some(read::check_output),
        read_only: true,
        run: read::check,
    },
    Tool {
        name: "log",
        title: "History of changes",
        description: "The audit trail from git history: one event per field change (who, when, which commit, old and new value), oldest first; filter by item, dates and author; `limit` keeps the most recent (default 100).",
        input: args::schema::<read::LogArgs>,
        output: Some(read::log_output),
        read_only: true,
        run: read::log,
    },
    Tool {
        name: "metrics",
        title: "Delivery metrics",
        description: "Delivery metrics from git history: velocity per sprint, cycle and lead time, throughput, cumulative flow, forecasts and insights (risks with evidence).",
        input: args::schema::<read::MetricsArgs>,
        output: None,
        read_only: true,
        run: read::metrics,
    },
    Tool {
        name: "burndown",
        title: "Sprint burndown",
        description: "A sprint's burndown from git history, per day: remaining, completed, scope added and removed, the ideal line. Without `sprint`, the sprint under way today.",
        input: args::schema::<read::BurndownArgs>,
        output: None,
        read_only: true,
        run: read::burndown,
    },
    Tool {
        name: "plan_sprint",
        title: "Plan a sprint",
        description: "Fill a sprint's capacity (the sprint's `capacity:`, per person, or `capacity` points for the team) with ready work: by priority, then how much it unblocks, due date and critical-path slack; never a container or an item whose dependencies are not done or planned first. Every pick and notable skip has its reason with ids and numbers. Writes nothing: set the picks' `sprint` with update_item to apply it.",
        input: args::schema::<agent::PlanArgs>,
        output: None,
        read_only: true,
        run: agent::plan_sprint,
    },
    Tool {
        name: "analyze",
        title: "Analyse the project",
        description: "The analyst's report: progress, velocity trend, forecast (50/85%), risks, blocked items with the chain that blocks them, scope creep, overdue items, people over capacity and suggested fixes — each claim with its ids and numbers. `format: markdown` gives it in words.",
        input: args::schema::<agent::AnalyzeArgs>,
        output: None,
        read_only: true,
        run: agent::analyze,
    },
    Tool {
        name: "create_item",
        title: "Create an item",
        description: "Create an item file in its kind's folder: kind and title (the id is made from the title unless given), optionally parent, fields (an object of field values) and body. Checked first like `cairn new`: refused with the diagnostics unless `force` is true.",
        input: args::schema::<write::CreateArgs>,
        output: Some(write::written_output),
        read_only: false,
        run: write::create_item,
    },
    Tool {
        name: "update_item",
        title: "Update an item",
        description: "Change an item with a JSON Merge Patch (`{\"status\": \"done\", \"estimate\": null, \"body\": \"…\", \"fields\": {…}}`: null removes a field). `etag` is required: the one show_item or list_items gave; if the file changed since, nothing is written and the error gives the current etag. Checked first like `cairn set`: refused with the diagnostics unless `force` is true.",
        input: args::schema::<write::UpdateArgs>,
        output: Some(write::written_output),
        read_only: false,
        run: write::update_item,
    },
    Tool {
        name: "rename_item",
        title: "Rename an item",
        description: "Give an item a new id, like `cairn mv`: its file is renamed and every reference to it in other items is rewritten. Checked first; refused with the diagnostics unless `force` is true.",
        input: args::schema::<write::RenameArgs>,
        output: Some(write::written_output),
        read_only: false,
        run: write::rename_item,
    },
];

/// `tools/list`: every tool with its schemas (one page).
pub fn list() -> Value {
    let tools: Vec<Value> = TOOLS
        .iter()
        .map(|t| {
            let mut o = json!({
                "name": t.name,
                "title": t.title,
                "description": t.description,
                "inputSchema": (t.input)(),
                "annotations": {
                    "title": t.title,
                    "readOnlyHint": t.read_only,
                    "destructiveHint": false,
                    "idempotentHint": t.read_only,
                    "openWorldHint": false,
                },
            });
            if let Some(out) = t.output {
                o["outputSchema"] = out();
            }
            o
        })
        .collect();
    json!({ "tools": tools })
}

/// `tools/call`.
pub fn call(session: &mut Session, mut params: Map<String, Value>) -> Result<Value, RpcError> {
    let name = match params.remove("name") {
        Some(Value::String(n)) => n,
        Some(_) => return Err(RpcError::params("params.name: expected string")),
        None => return Err(RpcError::params("params.name: required")),
    };
    let Some(tool) = TOOLS.iter().find(|t| t.name == name) else {
        let hint = crate::util::suggest::hint(&name, TOOLS.iter().map(|t| t.name));
        return Err(RpcError::params(format!("unknown tool `{name}`{hint}")));
    };
    let arguments = match params.remove("arguments") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(v) => v,
    };
    args::validate(&(tool.input)(), &arguments, "arguments").map_err(RpcError::params)?;
    match (tool.run)(session, arguments) {
        Ok(v) => Ok(json!({
            "content": [{"type": "text", "text": serde_json::to_string_pretty(&v).unwrap_or_default()}],
            "structuredContent": v,
            "isError": false,
        })),
        Err(ToolError::Params(m)) => Err(RpcError::params(m)),
        Err(ToolError::Failed { message, mut details }) => {
            let mut structured = Map::new();
            structured.insert("error".into(), Value::String(message.clone()));
            structured.append(&mut details);
            Ok(json!({
                "content": [{"type": "text", "text": message}],
                "structuredContent": structured,
                "isError": true,
            }))
        }
    }
}
