"""Webhook mode, in one process, on SQLite and PostgreSQL: the real Application behind the
webhook listener, Telegram played by posting updates to it (and by the fake Bot API for
everything the bot sends).

An update is answered 200 only once it is committed; a commit that fails answers 500 and
stores nothing, and Telegram's retry is then handled once. A wrong or missing secret is 403
and changes nothing. /healthz says whether the database answers, and nothing else.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientSession
from cli_support import unused_port
from e2e_support import settings_for, texts
from fake_bot_api import FakeBotAPI, FakeChat
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.telegram.app import build_application
from bot.telegram.runner import BotRuntime
from bot.telegram.webhook import SECRET_HEADER
from storage.db import session_scope
from storage.inbox import waiting
from storage.models import InboxUpdate

SECRET = "s3cret-Token_for-tests-0123456789"
PUBLIC_URL = "https://bot.example-clinic.test/telegram-webhook"


class Telegram:
    """Posts updates to the listener as Telegram would, and reads the answer's status."""

    def __init__(self, runtime: BotRuntime, client: ClientSession) -> None:
        self.runtime = runtime
        self.client = client
        host, port = runtime.services.settings.listen_address()
        self.base = f"http://{host}:{port}"

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        url = self.base + "/telegram-webhook"
        async with self.client.post(url, json=update, headers=headers) as response:
            return response.status

    async def health(self) -> tuple[int, str]:
        async with self.client.get(self.base + "/healthz") as response:
            return response.status, await response.text()

    @property
    def engine(self) -> Engine:
        return self.runtime.services.inbox.inbox.engine


@pytest.fixture
async def telegram(fake: FakeBotAPI, database_url: str) -> AsyncIterator[Telegram]:
    settings = settings_for(
        fake,
        database_url,
        webhook_url=PUBLIC_URL,
        webhook_secret_token=SECRET,
        webhook_listen=f"127.0.0.1:{unused_port()}",
    )
    runtime = BotRuntime(build_application(settings), webhook=True)
    await runtime.start()
    try:
        async with ClientSession() as client:
            yield Telegram(runtime, client)
    finally:
        await runtime.stop()


async def typed(fake: FakeBotAPI, chat: FakeChat, text: str) -> dict[str, Any]:
    await chat.send_text(text)
    return fake.pending_updates[-1]


def stored(engine: Engine) -> int:
    with session_scope(engine) as session:
        return waiting(session)


async def test_set_webhook_names_the_url_secret_and_updates_and_nothing_polls(
    fake: FakeBotAPI, telegram: Telegram
) -> None:
    assert fake.webhook is not None
    assert fake.webhook["url"] == PUBLIC_URL
    assert fake.webhook["secret_token"] == SECRET
    assert "message" in fake.webhook["allowed_updates"]
    assert "callback_query" in fake.webhook["allowed_updates"]
    assert not fake.calls_named("getUpdates", "deleteWebhook")


async def test_an_update_is_answered_200_after_it_is_stored_and_handled_once(
    fake: FakeBotAPI, telegram: Telegram
) -> None:
    stranger = fake.private_chat(chat_id=4242, first_name="Sam")
    update = await typed(fake, stranger, "hello")
    assert await telegram.post(update) == 200
    await stranger.wait_for(count=1, timeout=10)
    # Telegram sends it again (its answer was lost), and to a second replica: once is enough
    assert await telegram.post(update) == 200
    await asyncio.sleep(1.5)
    assert len(stranger.messages) == 1
    assert "open the personal link your clinic sent you" in texts(stranger.messages)
    assert stored(telegram.engine) == 0


def claims(engine: Engine) -> list[tuple[str | None, int]]:
    """Each stored update's claim: the process holding it (None: any may take it), attempts."""
    with session_scope(engine) as session:
        rows = session.exec(select(InboxUpdate.claimed_by, InboxUpdate.attempts)).all()
        return [(owner, attempts) for owner, attempts in rows]


async def test_a_delivery_is_stored_for_any_replica_to_claim_not_taken_by_the_one_it_reached(
    fake: FakeBotAPI, telegram: Telegram
) -> None:
    # Deliveries of one chat may reach two replicas at once, and two stores cannot see each
    # other: a store that claimed would let both handle, out of order. Only the worker claims.
    worker = telegram.runtime.services.inbox
    await worker.stop()  # this replica's worker takes nothing for now
    stranger = fake.private_chat(chat_id=4246, first_name="Sam")
    assert await telegram.post(await typed(fake, stranger, "hello")) == 200
    assert claims(telegram.engine) == [(None, 0)]  # stored, for whichever worker looks first
    await worker.start(only_receiver=False)
    await stranger.wait_for(count=1, timeout=10)
    assert "open the personal link your clinic sent you" in texts(stranger.messages)
    assert stored(telegram.engine) == 0


async def test_a_wrong_or_missing_secret_is_refused_and_changes_nothing(
    fake: FakeBotAPI, telegram: Telegram
) -> None:
    stranger = fake.private_chat(chat_id=4243, first_name="Sam")
    update = await typed(fake, stranger, "hello")
    assert await telegram.post(update, secret=None) == 403
    assert await telegram.post(update, secret="not-the-secret-0123456789") == 403
    assert await telegram.post(update, secret=SECRET[:-1]) == 403
    assert stored(telegram.engine) == 0
    await asyncio.sleep(1.0)
    assert stranger.messages == []


async def test_a_failed_store_answers_500_stores_nothing_and_the_retry_is_handled(
    fake: FakeBotAPI, telegram: Telegram
) -> None:
    stranger = fake.private_chat(chat_id=4244, first_name="Sam")
    update = await typed(fake, stranger, "hello")

    def refuse(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.startswith("INSERT INTO inboxupdate"):
            raise RuntimeError("the database went away mid-store")

    event.listen(telegram.engine, "before_cursor_execute", refuse)
    try:
        assert await telegram.post(update) == 500
    finally:
        event.remove(telegram.engine, "before_cursor_execute", refuse)
    assert stored(telegram.engine) == 0
    await asyncio.sleep(1.0)
    assert stranger.messages == []  # nothing was stored, so nothing was handled
    assert await telegram.post(update) == 200  # Telegram's retry
    await stranger.wait_for(count=1, timeout=10)
    await asyncio.sleep(1.0)
    assert len(stranger.messages) == 1


async def test_a_request_that_is_not_an_update_is_refused(telegram: Telegram) -> None:
    url = telegram.base + "/telegram-webhook"
    headers = {SECRET_HEADER: SECRET}
    async with telegram.client.post(url, data=b"not json", headers=headers) as response:
        assert response.status == 400
    for not_an_update in ([1, 2], {"message": {}}, {"update_id": "7"}):
        async with telegram.client.post(url, json=not_an_update, headers=headers) as response:
            assert response.status == 400
    async with telegram.client.get(url, headers=headers) as response:
        assert response.status == 405
    async with telegram.client.post(telegram.base + "/elsewhere", json={}) as response:
        assert response.status == 404
    assert stored(telegram.engine) == 0


async def test_healthz_says_whether_the_database_answers_and_nothing_else(
    telegram: Telegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert await telegram.health() == (200, "ok\n")
    receiver = telegram.runtime.receiver
    monkeypatch.setattr(receiver, "database_ok", lambda: False)
    assert await telegram.health() == (503, "database unreachable\n")

    def broken() -> bool:
        raise OSError("no route to the database")

    monkeypatch.setattr(receiver, "database_ok", broken)
    assert await telegram.health() == (503, "database unreachable\n")
