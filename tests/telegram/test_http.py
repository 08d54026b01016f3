"""The bot's HTTP client for the Bot API (bot.telegram.http): its look at an idle connection
finds a server's hang-up, so the next request opens a new connection instead of failing on
the dead one; the application sends through it; a proxy named in the environment is used."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from e2e_support import invite, join, running_bot, settings_for
from fake_bot_api import FakeBotAPI

from bot.telegram import http
from bot.telegram.http import api_request, readable

BODY = b'{"ok": true, "result": true}'


def test_a_socket_is_readable_once_data_or_the_peer_s_hang_up_is_there() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        assert not readable(ours)
        theirs.sendall(b"x")
        assert readable(ours)
        ours.recv(1)
        assert not readable(ours)
        theirs.close()
        assert readable(ours)
    assert readable(None)
    assert readable(ours)  # closed: gone, so httpcore drops it


class HangingUpServer:
    """Answers each request with keep-alive headers, then hangs up the connection."""

    def __init__(self) -> None:
        self.connections = 0
        self.requested: list[bytes] = []  # each request line
        self.hung_up = asyncio.Event()
        self.port = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        headers = await reader.readuntil(b"\r\n\r\n")
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
        writer.close()
        await writer.wait_closed()
        self.hung_up.set()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[HangingUpServer]:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        async with server:
            yield self


async def test_a_connection_the_server_hung_up_is_not_used_again() -> None:
    request = api_request()
    await request.initialize()
    try:
        async with HangingUpServer().running() as server:
            url = f"http://127.0.0.1:{server.port}/botTOKEN/getMe"
            assert await request.post(url) is True
            await server.hung_up.wait()
            await asyncio.sleep(0.05)  # the hang-up reaches the client's socket
            assert await request.post(url) is True
            assert server.connections == 2
    finally:
        await request.shutdown()


async def test_the_bot_sends_through_this_client(
    fake: FakeBotAPI, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    looks: list[bool] = []

    def counted(sock: socket.socket | None) -> bool:
        looks.append(readable(sock))
        return looks[-1]

    monkeypatch.setattr(http, "readable", counted)
    settings = settings_for(fake, database_url)
    patient, token = fake.private_chat(chat_id=4_321), invite(settings, "Patient")
    async with running_bot(settings):
        await join(patient, token)
        assert patient.messages, "the bot did not answer"
    assert looks, "the bot's requests did not go through bot.telegram.http"


async def test_a_proxy_set_in_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours HTTP(S)_PROXY only for transports it builds: with one set, the bot's
    requests go through it (a clinic's network may let nothing out otherwise)."""
    async with HangingUpServer().running() as proxy:
        for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        request = api_request()
        await request.initialize()
        try:
            assert await request.post("http://api.telegram.invalid/botTOKEN/getMe") is True
        finally:
            await request.shutdown()
        assert proxy.requested == [b"POST http://api.telegram.invalid/botTOKEN/getMe HTTP/1.1"]
