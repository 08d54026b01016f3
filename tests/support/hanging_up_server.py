"""A plain HTTP server on 127.0.0.1 for the Bot API client's tests: it answers each request
with keep-alive headers and `{"ok": true, "result": true}`, then hangs up the connection (or,
with `hang_up=False`, keeps it for the next request)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

BODY = b'{"ok": true, "result": true}'


class HangingUpServer:
    """Answers each request with keep-alive headers, then hangs up the connection."""

    def __init__(self, *, hang_up: bool = True) -> None:
        self.hang_up = hang_up  # False: the connection stays open for the next request
        self.connections = 0
        self.requested: list[bytes] = []  # each request line
        self.hung_up = asyncio.Event()
        self.port = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        while await self._answer_one(reader, writer) and not self.hang_up:
            pass
        writer.close()
        await writer.wait_closed()
        self.hung_up.set()

    async def _answer_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Answer the next request on the connection; False when the client closed it."""
        try:
            headers = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False
        self.requested.append(headers.split(b"\r\n")[0])
        length = next(
            (
                int(line.split(b":")[1])
                for line in headers.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        await reader.readexactly(length)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + b"Content-Length: %d\r\n\r\n" % len(BODY)
            + BODY
        )
        await writer.drain()
        return True

    @asynccontextmanager
    async def running(self) -> AsyncIterator[HangingUpServer]:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        async with server:
            yield self
