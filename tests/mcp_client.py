"""A conversation with `cairn mcp` through the official Python MCP SDK
(PyPI `mcp`): initialize, tools/list, list_items, show_item, update_item
with the right etag (the file on disk changes), update_item with the old
etag (an error result), resources/read. Run by tests/mcp.rs:

    python3 tests/mcp_client.py CAIRN ROOT ID

Exits 0 and prints `mcp_client: ok` when every step did what it should.
"""

import asyncio
import json
import sys
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

EXPECTED_TOOLS = {
    "list_items", "show_item", "ready", "impact", "check", "log", "metrics",
    "burndown", "plan_sprint", "analyze", "create_item", "update_item", "rename_item",
}
NEW_TITLE = "Renamed by the Python MCP client"


def attr(obj, *names):
    """The first of `names` that `obj` has (the SDK's 1.x camelCase or 2.x snake_case)."""
    for n in names:
        if hasattr(obj, n):
            return getattr(obj, n)
    raise AttributeError(f"{type(obj).__name__} has none of {names}")


def structured(result):
    return attr(result, "structured_content", "structuredContent")


def is_error(result):
    return bool(attr(result, "is_error", "isError"))


def check(cond, what):
    if not cond:
        raise SystemExit(f"mcp_client: FAILED: {what}")
    print(f"mcp_client: {what}: ok")


async def main(cairn, root, item_id):
    params = StdioServerParameters(command=cairn, args=["mcp", "-C", root])
    async with stdio_client(params) as streams:
        read, write = streams[0], streams[1]
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            check(attr(init, "protocol_version", "protocolVersion") == "2025-06-18", "initialize speaks 2025-06-18")

            tools = (await session.list_tools()).tools
            names = {t.name for t in tools}
            check(EXPECTED_TOOLS <= names, f"tools/list names {sorted(EXPECTED_TOOLS)}")
            for t in tools:
                schema = attr(t, "input_schema", "inputSchema")
                check(isinstance(schema, dict) and schema.get("type") == "object", f"{t.name} has an object inputSchema")

            listed = await session.call_tool("list_items", {"fields": ["id", "etag", "title"], "limit": 10000})
            check(not is_error(listed), "list_items succeeds")
            rows = {r["id"]: r for r in structured(listed)["items"]}
            check(item_id in rows and structured(listed)["total"] == len(rows), f"list_items lists {item_id}")
            text = json.loads(listed.content[0].text)
            check(text == structured(listed), "list_items' text block is its structured content")

            shown = await session.call_tool("show_item", {"id": item_id})
            check(not is_error(shown), "show_item succeeds")
            item = structured(shown)
            check(item["id"] == item_id and item["etag"] == rows[item_id]["etag"], "show_item gives the same etag as list_items")
            old_etag = item["etag"]

            path = Path(root) / item["path"]
            before = path.read_text()
            updated = await session.call_tool(
                "update_item", {"id": item_id, "etag": old_etag, "patch": {"title": NEW_TITLE}}
            )
            check(not is_error(updated), "update_item with the right etag succeeds")
            after = path.read_text()
            check(after != before and f"title: {NEW_TITLE}\n" in after, "the file on disk has the new title")
            check(structured(updated)["etag"] != old_etag, "update_item returns a new etag")

            stale = await session.call_tool(
                "update_item", {"id": item_id, "etag": old_etag, "patch": {"title": "Never written"}}
            )
            check(is_error(stale), "update_item with the old etag is an error result")
            message = stale.content[0].text
            check("changed" in message and structured(updated)["etag"] in message, "the error says it changed and gives the current etag")
            check(path.read_text() == after, "the refused update wrote nothing")

            res = await session.read_resource(f"cairn://items/{item_id}")
            contents = res.contents[0]
            check(contents.text == after, "resources/read gives the file's text")
            check(attr(contents, "mime_type", "mimeType") == "text/markdown", "the resource is text/markdown")
    print("mcp_client: ok")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit("usage: mcp_client.py CAIRN ROOT ID")
    asyncio.run(main(*sys.argv[1:]))
