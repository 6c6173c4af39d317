"""An MCP server for the relay's MCP tools, made with the official MCP Python SDK (`mcp` on
PyPI, pinned in tests/requirements.txt), served over the Streamable HTTP transport.

    .venv/bin/python tests/mcp/server.py --port 8791 [--secret S]

With `--secret`, every request must carry `Authorization: Bearer S` (what a deployer's secret
header is for). It offers tools whose answers cover what the relay maps to Converse: text, a
number as structured content, an image, an embedded resource, a tool error, and one tool the
deployer's allowlist leaves out; and, for the tests, `/_test/stats` and `/_test/forget`
(`TestControls`). Prints "listening on http://127.0.0.1:PORT/mcp" when ready.
"""

import argparse
import json
import socket
import struct
import zlib

import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.types import Image
from mcp_types import EmbeddedResource, TextResourceContents

server = MCPServer("converse-edge test tools")


@server.tool(description="Searches the product handbook and says which pages mention the query.")
def search_handbook(query: str) -> str:
    pages = [p for p, words in HANDBOOK.items() if query.lower() in words]
    return f"{len(pages)} handbook pages mention {query!r}: {', '.join(pages) or 'none'}."


@server.tool(description="Counts the words of a text.")
def word_count(text: str) -> int:
    return len(text.split())


@server.tool(description="Draws a one-colour square, as a PNG.")
def swatch(colour: str) -> Image:
    rgb = {"red": (220, 40, 40), "green": (40, 160, 60), "blue": (40, 80, 220)}.get(colour)
    if rgb is None:
        raise ToolError(f"no swatch in {colour!r}; try red, green or blue")
    return Image(data=png(8, rgb), format="png")


@server.tool(description="Reads a note by its name.")
def read_note(name: str) -> EmbeddedResource:
    return EmbeddedResource(
        type="resource",
        resource=TextResourceContents(uri=f"note://{name}", mimeType="text/plain", text=f"Note {name}: ship on Friday."),
    )


@server.tool(description="Always fails.")
def explode() -> str:
    raise ToolError("the fuse was lit on purpose")


@server.tool(description="Not in the deployer's allowlist.")
def delete_everything() -> str:
    return "everything is gone"


HANDBOOK = {
    "returns.md": "returns refunds shipping",
    "shipping.md": "shipping carriers delivery",
    "warranty.md": "warranty repairs",
}


def png(size, rgb):
    """A size×size PNG of one colour."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


class TestControls:
    """What the tests need to see and do beside MCP: `GET /_test/stats` counts the requests that
    opened a session (those without an `mcp-session-id`); `POST /_test/forget` forgets every
    session, as a server that restarted or expired them would, so their IDs answer 404."""

    def __init__(self, app):
        self.app, self.opened = app, 0

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith("/_test/"):
            if scope["path"] == "/_test/forget":
                # The pinned SDK keeps its sessions here (mcp 2.3.0, streamable_http_manager.py).
                server.session_manager._server_instances.clear()
            body = json.dumps({"opened": self.opened}).encode()
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        if scope["type"] == "http" and scope["method"] == "POST" and b"mcp-session-id" not in dict(scope["headers"]):
            self.opened += 1
        await self.app(scope, receive, send)


class RequireBearer:
    """Refuses requests without `Authorization: Bearer <secret>`."""

    def __init__(self, app, secret):
        self.app, self.secret = app, secret

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            given = dict(scope["headers"]).get(b"authorization", b"").decode()
            if given != f"Bearer {self.secret}":
                await send({"type": "http.response.start", "status": 401, "headers": [(b"content-type", b"text/plain")]})
                await send({"type": "http.response.body", "body": b"missing or wrong bearer token"})
                return
        await self.app(scope, receive, send)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret")
    args = parser.parse_args()
    app = server.streamable_http_app(host="127.0.0.1")
    if args.secret:
        app = RequireBearer(app, args.secret)
    app = TestControls(app)
    # Bound before it says so: whoever waits for the line can connect at once.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    print(f"listening on http://127.0.0.1:{args.port}/mcp", flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])


if __name__ == "__main__":
    main()
