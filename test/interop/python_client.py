"""Interop session of the official Python MCP SDK (PyPI `mcp`) against a server built from
@mcp-platform/protocol. Run by test/interop/python-client.test.ts with the interpreter in $MCP_PYTHON:

    python python_client.py URL --era legacy|modern [--transport http|sse]

It lists tools, calls a tool, calls a tool that reports progress, reads a resource and gets a prompt,
checks every answer, and prints one JSON report on stdout. Exit 0 when every check passed, 1 when one
failed (the report's "failures" say which), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import anyio
from mcp.client.session import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

RETURNS_POLICY = "# Returns\n\nItems can be returned within 30 days."


def _dump(model: Any) -> Any:
    return model.model_dump(by_alias=True, mode="json", exclude_none=True)


async def session_report(session: ClientSession, era: str) -> dict[str, Any]:
    failures: list[str] = []

    def check(condition: bool, message: str) -> None:
        if not condition:
            failures.append(message)

    if era == "modern":
        await session.discover()
        check(session.protocol_version == "2026-07-28", f"negotiated {session.protocol_version}, expected 2026-07-28")
    else:
        await session.initialize()
        check(
            session.protocol_version is not None and session.protocol_version.startswith("2025-"),
            f"negotiated {session.protocol_version}, expected a 2025-era version",
        )

    tools = (await session.list_tools()).tools
    names = sorted(tool.name for tool in tools)
    check(names == ["export_report", "lookup_order"], f"tools/list returned {names}")

    found = await session.call_tool("lookup_order", {"orderId": "A-1001"})
    check(not found.is_error, "lookup_order A-1001 returned isError")
    check(
        found.structured_content == {"orderId": "A-1001", "status": "shipped", "total": 129.5},
        f"lookup_order structured content was {found.structured_content}",
    )

    missing = await session.call_tool("lookup_order", {"orderId": "A-9999"})
    check(missing.is_error is True, "lookup_order A-9999 did not return isError")
    check(
        (missing.structured_content or {}).get("code") == "NOT_FOUND",
        f"lookup_order A-9999 structured content was {missing.structured_content}",
    )

    progress: list[list[float | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append([value, total])

    report = await session.call_tool("export_report", {"steps": 4}, progress_callback=on_progress)
    report_text = [block.text for block in report.content if block.type == "text"]
    check(report_text == ["report ready after 4 steps"], f"export_report returned {report_text}")
    check(progress == [[1, 4], [2, 4], [3, 4], [4, 4]], f"progress notifications were {progress}")

    policy = await session.read_resource("interop://policies/returns")
    contents = [_dump(c) for c in policy.contents]
    check(
        contents == [{"uri": "interop://policies/returns", "mimeType": "text/markdown", "text": RETURNS_POLICY}],
        f"resources/read returned {contents}",
    )

    prompt = await session.get_prompt("draft_reply", {"customer": "Ada", "tone": "formal"})
    messages = [_dump(m) for m in prompt.messages]
    check(
        messages == [{"role": "user", "content": {"type": "text", "text": "Draft a formal reply to Ada."}}],
        f"prompts/get returned {messages}",
    )

    return {
        "era": era,
        "protocolVersion": session.protocol_version,
        "tools": names,
        "lookup": found.structured_content,
        "progress": progress,
        "report": report_text,
        "resource": contents,
        "prompt": messages,
        "failures": failures,
    }


async def run(url: str, era: str, transport: str) -> dict[str, Any]:
    if transport == "sse":
        async with sse_client(url) as (read, write):
            async with ClientSession(read, write) as session:
                return await session_report(session, era)
    async with streamable_http_client(url) as (read, write):
        async with ClientSession(read, write) as session:
            return await session_report(session, era)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--era", choices=["legacy", "modern"], required=True)
    parser.add_argument("--transport", choices=["http", "sse"], default="http")
    args = parser.parse_args()
    if args.transport == "sse" and args.era == "modern":
        parser.error("the legacy SSE transport has no 2026-07-28 era")
    report = anyio.run(run, args.url, args.era, args.transport)
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
