"""What webhook mode costs per update: the time from Telegram's POST to the 200 (the update is
committed to the inbox by then), and the time until the bot's reply reached the Bot API.

The real bot (webhook mode) runs against the fake Bot API from tests/support; N strangers each
type one message, posted one after another (as over one connection), then with 8 at once.

Run: .venv/bin/python bench/webhook.py [--database URL] [--updates N]
(default: a SQLite file in a temporary folder; e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test
for PostgreSQL — it creates the tables in that database's default schema.)
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from aiohttp import ClientSession

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from databases import empty_database
from e2e_support import settings_for
from fake_bot_api import FakeBotAPI

from bot.telegram.app import build_application
from bot.telegram.runner import BotRuntime
from bot.telegram.webhook import SECRET_HEADER
from storage import crypto

SECRET = "bench-webhook-secret-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def post_all(
    client: ClientSession, url: str, fake: FakeBotAPI, first_chat: int, count: int, at_once: int
) -> tuple[list[float], list[float], float]:
    """Post `count` updates, `at_once` in flight; (ms to 200 each, ms to reply each, seconds)."""
    to_200: list[float] = []
    to_reply: list[float] = []
    slots = asyncio.Semaphore(at_once)

    async def one(n: int) -> None:
        chat = fake.private_chat(chat_id=first_chat + n, first_name="B")
        await chat.send_text("hello")
        update: dict[str, Any] = fake.pending_updates[-1]
        async with slots:
            started = time.perf_counter()
            async with client.post(url, json=update, headers={SECRET_HEADER: SECRET}) as reply:
                assert reply.status == 200, reply.status
            to_200.append((time.perf_counter() - started) * 1000)
            await chat.wait_for(count=1, timeout=60)
            to_reply.append((time.perf_counter() - started) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(count)))
    return to_200, to_reply, time.perf_counter() - began


async def main(database_url: str, count: int) -> None:
    key = crypto.new_key()
    async with FakeBotAPI(token="123456:TEST-TOKEN") as fake:
        fake.private_chat(chat_id=9001)
        port = free_port()
        settings = settings_for(
            fake,
            database_url,
            webhook_url="https://bench.example/telegram-webhook",
            webhook_secret_token=SECRET,
            webhook_listen=f"127.0.0.1:{port}",
            data_encryption_key=key,
        )
        runtime = BotRuntime(build_application(settings), webhook=True)
        await runtime.start()
        url = f"http://127.0.0.1:{port}/telegram-webhook"
        try:
            async with ClientSession() as client:
                for at_once, first in ((1, 100_000), (8, 200_000)):
                    to_200, to_reply, took = await post_all(
                        client, url, fake, first, count, at_once
                    )
                    print(
                        f"{count} updates, {at_once} at a time: POST→200 p50 "
                        f"{statistics.median(to_200):.1f} ms, p95 {percentile(to_200, 0.95):.1f} ms;"
                        f" POST→reply p50 {statistics.median(to_reply):.1f} ms, p95 "
                        f"{percentile(to_reply, 0.95):.1f} ms; {count / took:.0f} updates/s"
                    )
        finally:
            await runtime.stop()


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--database", default=None)
    arguments.add_argument("--updates", type=int, default=200)
    args = arguments.parse_args()
    with empty_database(args.database, "webhook") as url:
        print(f"database: {url.split('@')[-1]}")
        asyncio.run(main(url, args.updates))
