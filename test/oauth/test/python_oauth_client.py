"""OAuth session of the official Python MCP SDK (PyPI `mcp`) against a platform server protected by
the test IdP. Run by test/oauth/test/python-oauth.test.ts with the interpreter in $MCP_PYTHON:

    python python_oauth_client.py MCP_URL BROWSER_URL --read TOOL ARGS_JSON
        [--write TOOL ARGS_JSON --id-list KEY --id-key KEY --id-arg ARG] [--transport http|sse]
        [--era legacy|modern]

The SDK's own OAuthClientProvider does everything: discovery from the 401, dynamic registration,
PKCE, the resource indicator, the token request, refresh and step-up. "Opening the browser" posts the
authorization URL to BROWSER_URL (the test signs the person in there) and gets the redirect back.
Prints one JSON report on stdout: the protocol version, the authorization requests the SDK made, the
read result, and the write result (after the SDK stepped up on the 403).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any
from urllib.parse import parse_qs, urlparse

import anyio
import httpx2
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider, TokenStorage
from mcp.client.session import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp import types
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

REDIRECT_URI = "http://127.0.0.1:8766/oauth/callback"


async def confirm(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
    """Offered to the server for inline confirmation; its confirm policy decides whether to use it."""
    return types.ElicitResult(action="accept", content={"approve": True})


class MemoryStorage(TokenStorage):
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


async def run(args: argparse.Namespace) -> dict[str, Any]:
    storage = MemoryStorage()
    authorizations: list[str] = []
    callbacks: list[str] = []

    async def redirect_handler(url: str) -> None:
        authorizations.append(url)
        async with httpx2.AsyncClient() as browser:
            response = await browser.post(args.browser_url, content=url, timeout=60)
            response.raise_for_status()
            callbacks.append(response.text)

    async def callback_handler() -> AuthorizationCodeResult:
        query = parse_qs(urlparse(callbacks[-1]).query)
        return AuthorizationCodeResult(
            code=query["code"][0], state=query.get("state", [None])[0], iss=query.get("iss", [None])[0]
        )

    base = args.url.rsplit("/", 1)[0]
    auth = OAuthClientProvider(
        server_url=args.url,
        client_metadata=OAuthClientMetadata(
            client_name="python-sdk-oauth-test",
            redirect_uris=[REDIRECT_URI],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=redirect_handler,
        callback_handler=callback_handler,
    )

    async def session_report(session: ClientSession) -> dict[str, Any]:
        if args.era == "modern":
            await session.discover()
        else:
            await session.initialize()
        read_tool, read_args = args.read
        read = await session.call_tool(read_tool, json.loads(read_args))
        report: dict[str, Any] = {
            "protocolVersion": getattr(session, "protocol_version", None),
            "read": {"isError": read.is_error, "structured": read.structured_content},
        }
        if args.write:
            write_tool, write_args = args.write
            values = json.loads(write_args)
            record = ((read.structured_content or {}).get(args.id_list) or [{}])[0]
            values[args.id_arg] = record.get(args.id_key)
            try:
                written = await session.call_tool(write_tool, values)
                report["write"] = {"isError": written.is_error, "structured": written.structured_content}
            except RuntimeError as error:
                # 2026-07-28: a confirm-policy write answers input_required (the person must confirm).
                if "InputRequiredResult" not in str(error):
                    raise
                report["write"] = {"inputRequired": True}
        report["authorizations"] = authorizations
        report["registeredClientId"] = storage.client.client_id if storage.client else None
        report["scope"] = storage.tokens.scope if storage.tokens else None
        report["base"] = base
        return report

    if args.transport == "sse":
        async with sse_client(args.url, auth=auth) as (read, write):
            async with ClientSession(read, write, elicitation_callback=confirm) as session:
                return await session_report(session)
    async with httpx2.AsyncClient(auth=auth, timeout=60) as http:
        async with streamable_http_client(args.url, http_client=http) as (read, write):
            async with ClientSession(read, write, elicitation_callback=confirm) as session:
                return await session_report(session)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("browser_url")
    parser.add_argument("--transport", choices=["http", "sse"], default="http")
    parser.add_argument("--era", choices=["legacy", "modern"], default="legacy")
    parser.add_argument("--read", nargs=2, metavar=("TOOL", "ARGS_JSON"), required=True)
    parser.add_argument("--write", nargs=2, metavar=("TOOL", "ARGS_JSON"))
    parser.add_argument("--id-list", default="items")
    parser.add_argument("--id-key", default="id")
    parser.add_argument("--id-arg", default="id")
    args = parser.parse_args()
    report = anyio.run(run, args)
    json.dump(report, sys.stdout, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
