"""What one answered question costs: SQL statements and CPU time, for handling the patient's
typed answer (the router's one transaction) and for sending the reply (the outbox's claim and
settle), over whole intakes typed by several patients.

Next to it, in the same run: python-telegram-bot's own cost of routing one text update to a
handler (`Application.process_update` with a handler that only builds its reply text), the
floor any python-telegram-bot bot pays before it does any work of its own.

Run: .venv/bin/python bench/answer_cost.py [--patients N] [--database URL]
(default: a SQLite file in a temporary folder; e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test
uses that database's default schema, which must be empty.)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from e2e_support import TOKEN
from fake_bot_api import FakeBotAPI
from service_support import Chat, deliver_all, join, make_services, shortest_answer
from sqlalchemy import event
from sqlalchemy.engine import Engine
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from flows.dialogue import Typed
from storage import crypto
from storage.db import make_engine


@dataclass
class Counter:
    """SQL statements run on an engine while `on` is set."""

    on: bool = False
    statements: int = 0

    def attach(self, engine: Engine) -> None:
        def count(*_args: Any) -> None:
            if self.on:
                self.statements += 1

        event.listen(engine, "before_cursor_execute", count)


@dataclass
class Costs:
    handle_statements: list[int] = field(default_factory=list)
    send_statements: list[int] = field(default_factory=list)
    handle_cpu_ms: list[float] = field(default_factory=list)
    send_cpu_ms: list[float] = field(default_factory=list)


def answer_everything(chat: Chat, counter: Counter, costs: Costs) -> None:
    """Type the shortest answer to every question up to the review, measuring each."""
    reply = chat.last
    if reply is None or reply.screen is None:
        reply = chat.start()  # the first question, after the welcome
    for _ in range(80):
        assert reply is not None and reply.screen is not None
        if reply.screen.step == "review":
            return
        answer = Typed(shortest_answer(reply.screen.step))
        counter.statements, counter.on = 0, True
        began = time.process_time()
        reply = chat.service.handle(chat.chat_id, answer, update_id=chat._next())
        costs.handle_cpu_ms.append((time.process_time() - began) * 1000)
        costs.handle_statements.append(counter.statements)
        counter.statements = 0
        began = time.process_time()
        deliver_all(chat.service.engine, chat.service.work.clock)
        costs.send_cpu_ms.append((time.process_time() - began) * 1000)
        costs.send_statements.append(counter.statements)
        counter.on = False
        chat.last = reply


def this_bot(database_url: str, patients: int) -> Costs:
    crypto.configure(crypto.new_key())
    engine = make_engine(database_url)
    counter = Counter()
    counter.attach(engine)
    services = make_services(engine)
    costs = Costs()
    for n in range(patients):
        chat = Chat(services.patients, chat_id=8_000_000 + n)
        visit = services.clock() + timedelta(days=2)
        join(services, chat, services.invite(f"Bench P{n}.", at=visit))
        answer_everything(chat, counter, costs)
    engine.dispose()
    return costs


async def bare_floor(updates: int) -> list[float]:
    """CPU ms per text update for python-telegram-bot alone: the update decoded, routed to a
    handler, and its reply sent to the fake Bot API (whose share of the CPU is included, as it
    is in nothing of this bot's figures above: they stop at the database)."""
    async with FakeBotAPI(token=TOKEN) as fake:
        chat = fake.private_chat(chat_id=1, first_name="P")
        application = Application.builder().token(TOKEN).base_url(fake.base_url).build()

        async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            assert update.effective_message is not None
            await context.bot.send_message(1, f"Got it: {update.effective_message.text}")

        application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, answer))
        times: list[float] = []
        async with application:
            for _ in range(updates):
                raw = await chat.send_text("several days")
                began = time.process_time()
                await application.process_update(Update.de_json(raw, application.bot))
                times.append((time.process_time() - began) * 1000)
        return times


def report(costs: Costs, floor: list[float]) -> None:
    answers = len(costs.handle_statements)
    print(f"{answers} answers typed")
    print(f"  SQL statements, handling an answer: {statistics.mean(costs.handle_statements):.1f}")
    print(f"  SQL statements, sending its reply:  {statistics.mean(costs.send_statements):.1f}")
    handle, send = statistics.median(costs.handle_cpu_ms), statistics.median(costs.send_cpu_ms)
    bare = statistics.median(floor)
    print(f"  CPU ms, handling (median):          {handle:.2f}")
    print(f"  CPU ms, sending's bookkeeping:      {send:.2f}")
    print(f"bare python-telegram-bot, an update decoded, handled and answered: {bare:.2f} ms CPU")
    print(f"ratio (this bot's handling + sending's bookkeeping) / bare: {(handle + send) / bare:.1f}")


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--patients", type=int, default=5)
    arguments.add_argument("--database", default=None)
    args = arguments.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'answers.db'}"
        print(f"database: {url.split('@')[-1]}")
        costs = this_bot(url, args.patients)
    floor = asyncio.run(bare_floor(300))
    report(costs, floor)


if __name__ == "__main__":
    main()
