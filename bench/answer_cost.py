"""What one answered question costs: SQL statements and CPU time, for receiving the patient's
typed answer (the inbox: stored claimed, which counts the attempt), handling it (the router's one
transaction, which also takes it out of the inbox) and sending the reply (the outbox's claim
and settle), over whole intakes typed by several patients.

The whole bot, Telegram's side included, is measured by bench/backlog.py.

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
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from databases import empty_database
from e2e_support import TOKEN
from fake_bot_api import FakeBotAPI
from service_support import (
    CLINIC_ZONE,
    Chat,
    deliver_all,
    join,
    make_services,
    shortest_answer,
)
from sqlalchemy import event
from sqlalchemy.engine import Engine
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.services.deliveries import LEASE, Deliveries, handed_claim
from bot.services.inbox import Inbox
from bot.services.outbox import Handed, Handoff
from flows.dialogue import Typed
from storage import crypto
from storage.db import make_engine


@dataclass
class Counter:
    """SQL statements run on an engine while `on` is set. Transaction control is not counted:
    the BEGIN that psycopg (PostgreSQL) and pysqlite send on their own are never seen here,
    and SQLite's BEGIN IMMEDIATE for a turn (storage.db.writing_from_the_start) stands for
    pysqlite's own."""

    on: bool = False
    statements: int = 0

    def attach(self, engine: Engine) -> None:
        def count(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
            if self.on and not statement.startswith("BEGIN"):
                self.statements += 1

        event.listen(engine, "before_cursor_execute", count)


@dataclass
class Costs:
    receive_statements: list[int] = field(default_factory=list)
    receive_cpu_ms: list[float] = field(default_factory=list)
    handle_statements: list[int] = field(default_factory=list)
    send_statements: list[int] = field(default_factory=list)
    handle_cpu_ms: list[float] = field(default_factory=list)
    send_cpu_ms: list[float] = field(default_factory=list)


def as_update(update_id: int, chat_id: int, message_id: int, text: str) -> dict[str, Any]:
    """The update Telegram sends for a typed message, as the inbox stores it."""
    person = {"id": chat_id, "is_bot": False, "first_name": "P"}
    chat = {"id": chat_id, "type": "private", "first_name": "P"}
    message = {"message_id": message_id, "date": 1_796_000_000, "chat": chat, "from": person}
    return {"update_id": update_id, "message": {**message, "text": text}}


def answer_everything(chat: Chat, inbox: Inbox, counter: Counter, costs: Costs) -> None:
    """Type the shortest answer to every question up to the review, measuring each."""
    reply = chat.last
    if reply is None or reply.screen is None:
        reply = chat.start()  # the first question, after the welcome
    outbox = chat.service.work.outbox
    assert outbox is not None
    deliveries = Deliveries(chat.service.engine, CLINIC_ZONE, clock=chat.service.work.clock)
    handed: list[Handed] = []  # replies stored claimed for the dispatcher, as the bot's are
    outbox.handoff = Handoff(deliveries.owner, LEASE, handed.append)
    for message_id in range(1_000, 1_080):  # above the bot's own (bench's deliveries say 1)
        assert reply is not None and reply.screen is not None
        if reply.screen.step == "review":
            break
        text, update_id = shortest_answer(reply.screen.step), chat._next()
        counter.statements, counter.on = 0, True
        began = time.process_time()
        typed = as_update(update_id, chat.chat_id, message_id, text)
        # Stored claimed, as the bot's worker stores it when it has room (the claim counts
        # the attempt: handling starts).
        assert inbox.store([(update_id, chat.chat_id, typed)], claim=1) == [update_id]
        costs.receive_cpu_ms.append((time.process_time() - began) * 1000)
        costs.receive_statements.append(counter.statements)
        counter.statements = 0
        began = time.process_time()
        reply = chat.service.handle(
            chat.chat_id, Typed(text), update_id=update_id, message_id=message_id
        )
        inbox.done(update_id)  # nothing left to do: the handler's transaction took it out
        costs.handle_cpu_ms.append((time.process_time() - began) * 1000)
        costs.handle_statements.append(counter.statements)
        counter.statements = 0
        began = time.process_time()
        for message in handed:  # as the dispatcher settles a reply Telegram accepted
            deliveries.sent(handed_claim(message), [1])
        if not handed:
            deliver_all(chat.service.engine, chat.service.work.clock)
        handed.clear()
        costs.send_cpu_ms.append((time.process_time() - began) * 1000)
        costs.send_statements.append(counter.statements)
        counter.on = False
        chat.last = reply
    outbox.handoff = None


def this_bot(database_url: str, patients: int) -> Costs:
    crypto.configure(crypto.new_key())
    engine = make_engine(database_url)
    counter = Counter()
    counter.attach(engine)
    services = make_services(engine)
    inbox = Inbox(engine, services.clock)
    services.patients.work.on_claimed = inbox.left_in_transaction  # as bot/telegram/app.py does
    costs = Costs()
    for n in range(patients):
        chat = Chat(services.patients, chat_id=8_000_000 + n)
        visit = services.clock() + timedelta(days=2)
        join(services, chat, services.invite(f"Bench P{n}.", at=visit))
        answer_everything(chat, inbox, counter, costs)
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
    mean = statistics.mean
    print(f"{answers} answers typed")
    print(f"  SQL statements, receiving an answer: {mean(costs.receive_statements):.1f}")
    print(f"  SQL statements, handling it:         {mean(costs.handle_statements):.1f}")
    print(f"  SQL statements, sending its reply:   {mean(costs.send_statements):.1f}")
    receive = statistics.median(costs.receive_cpu_ms)
    handle, send = statistics.median(costs.handle_cpu_ms), statistics.median(costs.send_cpu_ms)
    bare = statistics.median(floor)
    print(f"  CPU ms, receiving (median):          {receive:.2f}")
    print(f"  CPU ms, handling (median):           {handle:.2f}")
    print(f"  CPU ms, sending's bookkeeping:       {send:.2f}")
    print(f"bare python-telegram-bot, an update decoded, handled and answered: {bare:.2f} ms CPU")
    ours = receive + handle + send
    print(
        f"ratio (this bot's receiving + handling + sending's bookkeeping) / bare: {ours / bare:.1f}"
    )


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--patients", type=int, default=5)
    arguments.add_argument("--database", default=None)
    args = arguments.parse_args()
    with empty_database(args.database, "answers") as url:
        print(f"database: {url.split('@')[-1]}")
        costs = this_bot(url, args.patients)
    floor = asyncio.run(bare_floor(300))
    report(costs, floor)


if __name__ == "__main__":
    main()
