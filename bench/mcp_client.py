"""Driving `parseltongue mcp` as an agent does: a real process, the MCP SDK's own client, over
stdio (the client launches the server) or the streamable HTTP transport; shared by the tests
and the benchmark."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp import Client, StdioServerParameters

STARTUP_SECONDS = 60


class ToolFailed(AssertionError):
    """A tool answered with an error (is_error) where an answer was expected."""


class McpSession:
    """A connected MCP client, called from synchronous code through an anyio portal."""

    def __init__(self, portal: BlockingPortal, client: Client) -> None:
        self.portal = portal
        self.client = client

    def tool_names(self) -> list[str]:
        return [tool.name for tool in self.portal.call(self.client.list_tools).tools]

    def tools(self) -> list[Any]:
        return list(self.portal.call(self.client.list_tools).tools)

    def resources(self) -> list[Any]:
        return list(self.portal.call(self.client.list_resources).resources)

    def read(self, uri: str) -> str:
        result = self.portal.call(self.client.read_resource, uri)
        return result.contents[0].text

    def raw(self, name: str, arguments: dict[str, Any] | None = None) -> tuple[bool, str]:
        """(is_error, the answer's text) of one tool call."""
        result = self.portal.call(self.client.call_tool, name, arguments or {})
        return bool(result.is_error), result.content[0].text

    def call(self, name: str, arguments: dict[str, Any] | None = None) -> Any:
        """The JSON answer of one tool call; ToolFailed with its text if it was an error."""
        failed, text = self.raw(name, arguments)
        if failed:
            raise ToolFailed(f"{name}({arguments}) failed: {text}")
        return json.loads(text)

    def error(self, name: str, arguments: dict[str, Any] | None = None) -> str:
        """The error text of a tool call that must fail."""
        failed, text = self.raw(name, arguments)
        assert failed, f"{name}({arguments}) answered instead of failing: {text[:300]}"
        return text


def mcp_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "parseltongue.cli", "mcp", *arguments]


@contextmanager
def session(server: StdioServerParameters | str) -> Iterator[McpSession]:
    """A client session on `server`: stdio parameters (the client starts the process) or
    the URL of a streamable HTTP endpoint."""
    # The client's context is entered and left in one task of the portal's event loop.
    with start_blocking_portal() as portal, portal.wrap_async_context_manager(
        Client(server)
    ) as client:
        yield McpSession(portal, client)


@contextmanager
def stdio_session(*arguments: str) -> Iterator[McpSession]:
    """`parseltongue mcp ARGUMENTS` launched over stdio by the SDK's client."""
    command, *args = mcp_command(*arguments)
    parameters = StdioServerParameters(
        command=command, args=args, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    with session(parameters) as opened:
        yield opened


@contextmanager
def http_server(*arguments: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`parseltongue mcp --transport http ARGUMENTS` as a process, and its URL once it
    listens; stopped (SIGTERM) afterwards."""
    process = subprocess.Popen(
        mcp_command("--transport", "http", *arguments),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        url = _announced_url(process)
        yield process, url
    finally:
        process.terminate()
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _announced_url(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if line.startswith("PARSELTONGUE_MCP_URL="):
            return line.strip().split("=", 1)[1]
        if not line and process.poll() is not None:
            break
    process.kill()
    raise AssertionError(f"parseltongue mcp did not start: {process.communicate()}")
