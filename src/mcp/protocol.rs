//! JSON-RPC 2.0 as MCP's stdio transport carries it: one message per line
//! (UTF-8 JSON without embedded newlines), no batches (removed in protocol
//! 2025-06-18). This file turns a line into a request, a notification or
//! the error reply the line gets instead, and builds replies.

use serde_json::{json, Map, Value};

/// The protocol version this server speaks.
pub const PROTOCOL_VERSION: &str = "2025-06-18";

/// Invalid JSON was received.
pub const PARSE_ERROR: i64 = -32700;
/// The JSON is not a valid request object.
pub const INVALID_REQUEST: i64 = -32600;
/// The method does not exist.
pub const METHOD_NOT_FOUND: i64 = -32601;
/// Invalid method parameters (a tool's arguments too).
pub const INVALID_PARAMS: i64 = -32602;
/// An error inside the server.
pub const INTERNAL_ERROR: i64 = -32603;
/// MCP's code for a resource URI that names nothing.
pub const RESOURCE_NOT_FOUND: i64 = -32002;

/// The longest line read as one message (a longer one is answered with a
/// parse error and skipped).
pub const MAX_LINE: usize = 16 * 1024 * 1024;

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> RpcError {
        RpcError { code, message: message.into(), data: None }
    }

    pub fn with_data(mut self, data: Value) -> RpcError {
        self.data = Some(data);
        self
    }

    /// -32602 with a message naming the bad parameter.
    pub fn params(message: impl Into<String>) -> RpcError {
        RpcError::new(INVALID_PARAMS, message)
    }
}

/// A message that needs an answer.
#[derive(Debug)]
pub struct Request {
    /// A string or an integer, echoed in the reply.
    pub id: Value,
    pub method: String,
    /// The `params` object (empty when absent).
    pub params: Map<String, Value>,
}

/// What one line is.
#[derive(Debug)]
pub enum Incoming {
    Request(Request),
    /// A notification (no `id`): never answered.
    Notification {
        method: String,
    },
    /// A response to a request of ours (this server sends none) or a blank
    /// line: ignored.
    Ignored,
}

/// Reads one line. `Err` is the error reply the line gets.
pub fn parse(line: &[u8]) -> Result<Incoming, Value> {
    let text = line.trim_ascii();
    if text.is_empty() {
        return Ok(Incoming::Ignored);
    }
    let v: Value = match serde_json::from_slice(text) {
        Ok(v) => v,
        Err(e) => return Err(error(&Value::Null, &RpcError::new(PARSE_ERROR, format!("parse error: {e}")))),
    };
    let invalid = |id: &Value, m: &str| error(id, &RpcError::new(INVALID_REQUEST, format!("invalid request: {m}")));
    let mut o = match v {
        Value::Object(o) => o,
        Value::Array(_) => {
            return Err(invalid(&Value::Null, "batches are not part of MCP 2025-06-18: send one message per line"))
        }
        _ => return Err(invalid(&Value::Null, "a message is a JSON object")),
    };
    let id = match o.remove("id") {
        None => None,
        Some(id @ Value::String(_)) => Some(id),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Some(Value::Number(n)),
        Some(_) => return Err(invalid(&Value::Null, "`id` is a string or an integer")),
    };
    let reply_id = id.clone().unwrap_or(Value::Null);
    if o.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(invalid(&reply_id, "`jsonrpc` must be \"2.0\""));
    }
    let method = match o.remove("method") {
        Some(Value::String(m)) => m,
        None if id.is_some() && (o.contains_key("result") || o.contains_key("error")) => return Ok(Incoming::Ignored),
        None => return Err(invalid(&reply_id, "`method` is missing")),
        Some(_) => return Err(invalid(&reply_id, "`method` is a string")),
    };
    let Some(id) = id else {
        return Ok(Incoming::Notification { method });
    };
    let params = match o.remove("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p,
        Some(_) => return Err(error(&id, &RpcError::params("params: expected object"))),
    };
    Ok(Incoming::Request(Request { id, method, params }))
}

/// A successful reply.
pub fn result(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// An error reply.
pub fn error(id: &Value, e: &RpcError) -> Value {
    let mut err = json!({"code": e.code, "message": e.message});
    if let Some(d) = &e.data {
        err["data"] = d.clone();
    }
    json!({"jsonrpc": "2.0", "id": id, "error": err})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<Incoming, Value>) -> i64 {
        r.err().and_then(|v| v["error"]["code"].as_i64()).unwrap_or(0)
    }

    #[test]
    fn lines_become_messages_or_error_replies() {
        assert_eq!(code(parse(b"{not json")), PARSE_ERROR);
        assert_eq!(code(parse(b"[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]")), INVALID_REQUEST);
        assert_eq!(code(parse(b"{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}")), INVALID_REQUEST);
        assert_eq!(code(parse(b"{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}")), INVALID_REQUEST);
        assert_eq!(code(parse(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":[1]}")), INVALID_PARAMS);
        assert!(matches!(parse(b"  \r\n"), Ok(Incoming::Ignored)));
        assert!(matches!(parse(b"{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}"), Ok(Incoming::Ignored)));
        assert!(matches!(
            parse(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"),
            Ok(Incoming::Notification { method }) if method == "notifications/initialized"
        ));
        match parse(b"{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"tools/list\"}\n") {
            Ok(Incoming::Request(r)) => {
                assert_eq!((r.id, r.method.as_str(), r.params.len()), (json!("a"), "tools/list", 0));
            }
            other => panic!("{other:?}"),
        }
    }
}
