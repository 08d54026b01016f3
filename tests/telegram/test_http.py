"""The bot's HTTP client for the Bot API (bot.telegram.http): its look at an idle connection
finds a server's hang-up, so the next request opens a new connection instead of failing on
the dead one; the application sends through it; a proxy named in the environment is used."""

from __future__ import annotations

import asyncio
import socket

import pytest
from e2e_support import invite, join, running_bot, settings_for
from fake_bot_api import FakeBotAPI
from hanging_up_server import HangingUpServer

from bot.telegram import http
from bot.telegram.http import api_request, readable


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


async def test_a_request_says_when_it_is_written_to_the_task_that_made_it() -> None:
    """On one kept connection, used by three tasks in turn: each write calls the hook of the
    task making the request, not of the task that opened the connection."""
    request = api_request()
    await request.initialize()
    written: list[str] = []

    async def post(name: str | None, url: str) -> None:
        if name is not None:
            http.ON_WRITE.set(lambda: written.append(name))
        assert await request.post(url) is True
        written.append("|")

    try:
        async with HangingUpServer(hang_up=False).running() as server:
            url = f"http://127.0.0.1:{server.port}/botTOKEN/getMe"
            for name in ("first", None, "second"):
                await asyncio.create_task(post(name, url))
            assert server.connections == 1
    finally:
        await request.shutdown()
    first, unnamed, second, _ = "".join(f"{w} " for w in written).split("|")
    assert first.split() and set(first.split()) == {"first"}
    assert unnamed.split() == []
    assert second.split() and set(second.split()) == {"second"}


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
