//! `cairn mcp`: a Model Context Protocol server over stdio (JSON-RPC 2.0,
//! protocol version 2025-06-18) for language-model clients (Claude Desktop,
//! Claude Code, VS Code, Cursor, …). The model is the client's; cairn calls
//! none. It offers:
//!
//! - tools ([`tools::TOOLS`]): the read commands (`list_items`,
//!   `show_item`, `ready`, `impact`, `check`, `log`, `metrics`,
//!   `burndown`) and the writes (`create_item`, `update_item` with an etag,
//!   `rename_item`), each with an input JSON Schema, structured content and,
//!   where the shape is fixed, an output schema; every write goes through
//!   the edit engine and is checked first, like `cairn set`;
//! - resources: each item as `cairn://items/{id}` (its Markdown file);
//! - a prompt, `break_down_prd`.
//!
//! The backlog is read again for every call, as far as something changed
//! on disk ([`state`]).
//!
//! Why not the official Rust SDK (`rmcp`): evaluated at 3.11.0 (server +
//! transport-io features, a hand-written `ServerHandler`, no macros). It
//! speaks 2025-06-18, but its stdio transport drops a line that is not JSON
//! without a reply (`transport/async_rw.rs`, on purpose: rust-sdk issue
//! 938, "matches the other official SDKs"), where cairn's contract is a
//! -32700 parse error and going on; and it is async only, so the
//! synchronous product would gain tokio, tokio-util, futures and about 60
//! more packages for a protocol this size (see the module `protocol`: one
//! message per line, no batches). So the protocol is here, synchronous.

mod agent_tools;
mod args;
mod prompts;
pub mod protocol;
mod read_tools;
mod resources;
pub mod state;
pub mod tools;
mod write_tools;

use std::io::{BufRead, Write};
use std::path::PathBuf;

use serde_json::{json, Map, Value};

use protocol::{Incoming, RpcError, INTERNAL_ERROR, METHOD_NOT_FOUND, PROTOCOL_VERSION};
use state::Session;

/// The server: one backlog root, one client, one message at a time.
pub struct Server {
    pub session: Session,
}

impl Server {
    pub fn new(root: PathBuf) -> Server {
        Server { session: Session::new(root) }
    }

    /// Answers one line (`None`: a notification, a response or a blank
    /// line, which get no answer).
    pub fn handle_line(&mut self, line: &[u8]) -> Option<Value> {
        let req = match protocol::parse(line) {
            Ok(Incoming::Request(r)) => r,
            Ok(Incoming::Notification { .. } | Incoming::Ignored) => return None,
            Err(reply) => return Some(reply),
        };
        // A bug in a tool answers its call with an internal error; the
        // server goes on (with the backlog read again).
        let call = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.dispatch(&req.method, req.params)));
        let answer = call.unwrap_or_else(|_| {
            self.session.reset();
            Err(RpcError::new(INTERNAL_ERROR, format!("internal error while answering `{}`", req.method)))
        });
        Some(match answer {
            Ok(v) => protocol::result(&req.id, v),
            Err(e) => protocol::error(&req.id, &e),
        })
    }

    fn dispatch(&mut self, method: &str, params: Map<String, Value>) -> Result<Value, RpcError> {
        match method {
            "initialize" => Ok(initialize(&params)),
            "ping" => Ok(json!({})),
            "tools/list" => Ok(tools::list()),
            "tools/call" => tools::call(&mut self.session, params),
            "resources/list" => resources::list(&mut self.session, &params),
            "resources/read" => resources::read(&mut self.session, &params),
            "resources/templates/list" => Ok(resources::templates()),
            "prompts/list" => Ok(prompts::list()),
            "prompts/get" => prompts::get(&mut self.session, &params),
            _ => Err(RpcError::new(METHOD_NOT_FOUND, format!("method not found: `{method}`"))),
        }
    }
}

/// The answer to `initialize`: this server's version of the protocol
/// (whatever the client asked for; a client that cannot speak it
/// disconnects), its capabilities and a word on how to use it.
fn initialize(_params: &Map<String, Value>) -> Value {
    json!({
        "protocolVersion": PROTOCOL_VERSION,
        "capabilities": {
            "tools": {"listChanged": false},
            "resources": {"listChanged": false, "subscribe": false},
            "prompts": {"listChanged": false},
        },
        "serverInfo": {"name": "cairn", "title": "cairn backlog", "version": env!("CARGO_PKG_VERSION")},
        "instructions": "cairn is a backlog kept as Markdown files with YAML front-matter in git. \
            Read with list_items (where/sort/fields/limit), show_item, ready, impact, check, log, metrics and burndown. \
            Write with create_item, update_item (pass the etag show_item gave; on a conflict read the item again) and rename_item; \
            every write is checked first and refused with the diagnostics unless force is true. \
            Each item is also a resource, cairn://items/{id}.",
    })
}

/// Serves `root` on `input`/`output` until `input` ends.
pub fn serve(root: PathBuf, input: impl BufRead, mut output: impl Write) -> std::io::Result<()> {
    let mut server = Server::new(root);
    let mut lines = Lines { input, buf: Vec::new() };
    while let Some(line) = lines.next_line()? {
        let reply = match line {
            Some(l) => server.handle_line(l),
            None => Some(protocol::error(
                &Value::Null,
                &RpcError::new(
                    protocol::PARSE_ERROR,
                    format!("parse error: a message longer than {} bytes", protocol::MAX_LINE),
                ),
            )),
        };
        if let Some(r) = reply {
            serde_json::to_writer(&mut output, &r)?;
            output.write_all(b"\n")?;
            output.flush()?;
        }
    }
    Ok(())
}

/// Newline-delimited messages of at most [`protocol::MAX_LINE`] bytes.
struct Lines<R> {
    input: R,
    buf: Vec<u8>,
}

impl<R: BufRead> Lines<R> {
    /// The next line (`Some(None)`: one too long, skipped), `None` at the end.
    fn next_line(&mut self) -> std::io::Result<Option<Option<&[u8]>>> {
        self.buf.clear();
        let mut too_long = false;
        loop {
            let chunk = self.input.fill_buf()?;
            if chunk.is_empty() {
                if self.buf.is_empty() && !too_long {
                    return Ok(None);
                }
                break;
            }
            let (part, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (&chunk[..=i], true),
                None => (chunk, false),
            };
            let n = part.len();
            if !too_long && self.buf.len() + n <= protocol::MAX_LINE {
                self.buf.extend_from_slice(part);
            } else {
                too_long = true;
                self.buf.clear();
            }
            self.input.consume(n);
            if done {
                break;
            }
        }
        Ok(Some(if too_long { None } else { Some(&self.buf) }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_too_long_is_a_parse_error_and_the_next_is_answered() {
        let mut input = vec![b'x'; protocol::MAX_LINE + 10];
        input.extend_from_slice(
            b"\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}",
        );
        let mut out = Vec::new();
        let dir = std::env::temp_dir();
        serve(dir, std::io::Cursor::new(input), &mut out).unwrap_or_default();
        let replies: Vec<Value> =
            String::from_utf8_lossy(&out).lines().map(|l| serde_json::from_str(l).unwrap_or_default()).collect();
        assert_eq!(replies.len(), 3, "{replies:?}");
        assert_eq!(replies[0]["error"]["code"], protocol::PARSE_ERROR);
        // The last line has no newline: still a message.
        assert_eq!((replies[1]["id"].clone(), replies[2]["id"].clone()), (json!(1), json!(2)));
        assert_eq!(replies[2]["result"], json!({}));
    }
}
