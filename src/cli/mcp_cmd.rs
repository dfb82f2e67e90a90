//! `cairn mcp`: the Model Context Protocol server on stdin/stdout
//! (`crate::mcp`). Nothing but JSON-RPC goes to stdout; logs go to stderr.

use clap::Args;

use super::Ctx;

#[derive(Args, Debug)]
pub struct McpArgs {}

pub fn mcp(ctx: &Ctx, _a: &McpArgs) -> anyhow::Result<u8> {
    let root = ctx.root()?;
    ctx.log(
        "mcp",
        &format!("serving {} over stdio (protocol {})", root.display(), crate::mcp::protocol::PROTOCOL_VERSION),
    );
    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    match crate::mcp::serve(root, stdin, stdout) {
        // The client went away while a reply was being written: the end.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        r => r.map(|()| 0).map_err(Into::into),
    }
}
