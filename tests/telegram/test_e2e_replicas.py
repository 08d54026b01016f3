"""Two replicas, end to end, on PostgreSQL: two real `intake-bot run --webhook` processes share
one database; the fake Bot API plays Telegram, posting each update to one replica or the other
at random, and every third one to both at once (as a retry after a lost answer would).

Several patients go through a whole intake at the same time. Then: every patient saw the same
conversation (no message doubled or missing), every answer is stored once and in order (each
patient's answers, superseded ones included, are the same list), the provider got each
intake and each urgent alert exactly once, and an update delivered again later changes nothing.
And a burst of 1,000 reminders, under Telegram's flood control, goes out once each, the
replicas sharing Telegram's limit between them rather than each using all of it. And a replica
killed (SIGKILL) while it was sending a patient's reply: the other sends it within seconds,
not when the killed one's claim would have run out.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import ClientError, ClientSession
from cli_support import cli_env, intake_bot_async, unused_port
from e2e_support import (
    PROVIDER_CHAT_ID,
    REVIEW_HEADING,
    TOKEN,
    burst_of_reminders,
    invite,
    plain,
    plain_answer_for,
    settings_for,
)
from fake_bot_api import BotMessage, FakeBotAPI, FakeChat
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from flows.messages import (
    CHECKIN_DUE,
    CONTINUE_INTAKE_BUTTON,
    INTAKE_READY,
    START_CHECKIN_BUTTON,
    START_INTAKE_BUTTON,
)
from storage.db import make_engine
from storage.models import (
    Answer,
    InboxUpdate,
    Intake,
    OutboxMessage,
    Patient,
    ProcessedUpdate,
    Reminder,
)
from storage.statuses import OutboxStatus

# One test process runs these one after another (make test: --dist loadgroup): each starts two
# bot processes with connection pools of their own, and two such tests at once with the rest of
# the suite took PostgreSQL past its 100 connections ("too many clients already").
pytestmark = pytest.mark.xdist_group("replicas")

PATIENTS = 4
REMINDERS = 1000
SECRET = "replica-test-secret-0123456789"
PUBLIC_URL = "https://bot.example-clinic.test/telegram-webhook"
WAIT = 90.0

Step = tuple[str, str]  # (tap a button | say a text, its label | the text)
STEPS: list[Step] = [
    ("tap", "I agree"),
    ("say", "skip"),  # a first visit: what brings them in
    ("say", "skip"),  # and what they hope for
    ("say", "sertraline 50 mg once a day"),
    ("tap", "Taking it as prescribed"),
    ("tap", "2"),
    ("tap", "I forgot"),
    ("tap", "Done ✔️"),
    ("tap", "That's all"),
    ("tap", "Nothing new"),
    ("say", "none before"),  # past medicines
    *[("say", "skip")] * 4,  # allergies, other prescribers, conditions, pregnancy
    *[("tap", "More than half the days")] * 8,
    ("tap", "Several days"),  # PHQ-9 item 9: crisis resources, and an urgent alert
    ("tap", "Yes, I'm safe right now"),
    ("tap", "Somewhat difficult"),
    *[("tap", "Several days")] * 7,
]
"""The scripted part; from there each patient answers plainly up to the review."""
SUBMITTED = "has been sent to your care team"
REMINDER_BUTTONS = {START_INTAKE_BUTTON, CONTINUE_INTAKE_BUTTON, START_CHECKIN_BUTTON}


def is_reminder(message: BotMessage) -> bool:
    """A reminder ("your pre-visit check-in is ready", a nudge): it can arrive mid-intake (the
    intake's "ready" reminder falls due at consent), and is not the question being answered."""
    return bool(message.buttons()) and set(message.buttons()) <= REMINDER_BUTTONS


def question(chat: FakeChat) -> BotMessage | None:
    """The question the patient is on: the latest message with buttons that is no reminder."""
    for message in reversed(chat.messages):
        if message.inline_keyboard and not is_reminder(message):
            return message
    return None


def button(chat: FakeChat, label: str) -> str:
    """The full text of the current question's button for `label` ("1. I agree")."""
    message = question(chat)
    assert message is not None, chat.describe_recent()
    for text in message.buttons():
        if text == label or text.split(". ", 1)[-1] == label or text.split(" ", 1)[-1] == label:
            return text
    raise AssertionError(f"no button {label!r} among {message.buttons()}")


def settled(engine: Engine, update_id: int, chat_id: int) -> bool:
    """Whether the bot is done with an update: handled (its id kept, out of the inbox), and
    nothing left to send to the chat. Read from the database both replicas share."""
    with Session(engine) as session:
        handled = session.get(ProcessedUpdate, update_id) is not None
        waiting = session.get(InboxUpdate, update_id) is not None
        unsent = session.exec(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == OutboxStatus.PENDING)
        ).one()
    return handled and not waiting and unsent == 0


async def wait_settled(engine: Engine, chat: FakeChat) -> None:
    update_id = int(chat.updates[-1]["update_id"])
    deadline = asyncio.get_running_loop().time() + WAIT
    while not await asyncio.to_thread(settled, engine, update_id, chat.chat_id):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"update {update_id} never settled\n{chat.describe_recent()}")
        await asyncio.sleep(0.05)


async def act(engine: Engine, chat: FakeChat, kind: str, value: str) -> None:
    if kind == "tap":
        await chat.press(button(chat, value), question(chat))
    else:
        await chat.send_text(value)
    await wait_settled(engine, chat)


async def intake(engine: Engine, chat: FakeChat, token: str) -> None:
    """A whole intake, each step waiting until the bot is done with this patient's update."""
    await chat.send_command(f"/start {token}")
    await wait_settled(engine, chat)
    for kind, value in STEPS:
        await act(engine, chat, kind, value)
    for _ in range(60):
        shown = question(chat)
        assert shown is not None, chat.describe_recent()
        if REVIEW_HEADING in plain(shown):
            break
        await act(engine, chat, "say", plain_answer_for(plain(shown)))
    await act(engine, chat, "tap", "✅ Submit")
    assert any(SUBMITTED in plain(m) for m in chat.messages), chat.describe_recent()


async def start_replica(
    tmp_path: Path, fake: FakeBotAPI, database_url: str, name: str, port: int
) -> asyncio.subprocess.Process:
    folder = tmp_path / name
    folder.mkdir()
    env = cli_env(
        folder,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=fake.base_url,
        DATABASE_URL=database_url,
        CLINIC_TIMEZONE="America/Chicago",
        WEBHOOK_URL=PUBLIC_URL,
        WEBHOOK_LISTEN=f"127.0.0.1:{port}",
        WEBHOOK_SECRET_TOKEN=SECRET,
    )
    return await intake_bot_async(folder, "run", "--webhook", env=env, log=folder / "bot.log")


async def wait_healthy(port: int, process: asyncio.subprocess.Process, log: Path) -> None:
    async with ClientSession() as client:
        for _ in range(int(WAIT * 4)):
            assert process.returncode is None, log.read_text()
            try:
                async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except ClientError:
                pass
            await asyncio.sleep(0.25)
    raise AssertionError(f"replica on port {port} never became healthy:\n{log.read_text()}")


async def stop(process: asyncio.subprocess.Process, log: Path) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=60)
    assert process.returncode == 0, log.read_text()
    assert "Traceback" not in log.read_text(), log.read_text()


@asynccontextmanager
async def two_replicas(
    tmp_path: Path, fake: FakeBotAPI, database_url: str
) -> AsyncIterator[list[str]]:
    """Two `intake-bot run --webhook` processes, healthy and with the webhook set; yields the
    addresses the fake Telegram posts to. Both must stop cleanly, with no traceback."""
    ports = [unused_port(), unused_port()]
    replicas = [
        await start_replica(tmp_path, fake, database_url, f"replica{n}", port)
        for n, port in enumerate(ports)
    ]
    logs = [tmp_path / f"replica{n}" / "bot.log" for n in range(2)]
    try:
        for port, process, log in zip(ports, replicas, logs, strict=True):
            await wait_healthy(port, process, log)
        assert await fake.wait_until(lambda: len(fake.calls_named("setWebhook")) == 2, WAIT)
        yield [f"http://127.0.0.1:{port}/telegram-webhook" for port in ports]
    finally:
        for process, log in zip(replicas, logs, strict=True):
            await stop(process, log)


def conversation(chat: FakeChat) -> list[str]:
    """What this patient was sent, in order, each message as first sent (reminders aside:
    when one arrives depends on timing)."""
    return [
        m.history[0].text or m.history[0].caption or "" for m in chat.messages if not is_reminder(m)
    ]


def answers_by_patient(database_url: str) -> dict[str, list[tuple[str, object, bool]]]:
    engine = make_engine(database_url)
    found: dict[str, list[tuple[str, object, bool]]] = {}
    with Session(engine) as session:
        rows = session.exec(
            select(Patient.display_name, Answer)
            .join(Intake, col(Intake.patient_id) == col(Patient.id))
            .join(Answer, col(Answer.intake_id) == col(Intake.id))
            .order_by(col(Answer.id))
        ).all()
        for name, answer in rows:
            found.setdefault(str(name), []).append(
                (answer.question_key, answer.value, answer.superseded)
            )
    engine.dispose()
    return found


def provider_messages(fake: FakeBotAPI, marker: str) -> list[BotMessage]:
    return [m for m in fake.chats[PROVIDER_CHAT_ID].messages if marker in plain(m)]


@pytest.mark.postgres
async def test_two_replicas_share_the_work_and_nothing_is_lost_or_doubled(
    tmp_path: Path, fake: FakeBotAPI, postgres_schema_url: str
) -> None:
    database_url = postgres_schema_url
    settings = settings_for(fake, database_url)
    names = [f"Patient {chr(ord('A') + n)}." for n in range(PATIENTS)]
    tokens = [invite(settings, name) for name in names]
    chats = [fake.private_chat(chat_id=7001 + n, first_name=f"P{n}") for n in range(PATIENTS)]
    async with two_replicas(tmp_path, fake, database_url) as targets:
        fake.deliver_by_webhook(targets, both_every=3, seed=9)
        engine = make_engine(database_url)
        await asyncio.gather(
            *(intake(engine, chat, token) for chat, token in zip(chats, tokens, strict=True))
        )
        engine.dispose()

        def delivered() -> bool:
            return len(provider_messages(fake, "Pre-visit intake")) >= PATIENTS

        assert await fake.wait_until(delivered, WAIT)
        # Telegram delivers an old update again, long after it was handled: nothing happens.
        seen = len(chats[0].messages)
        await fake.deliver_again(chats[0].updates[3])
        await asyncio.sleep(3.0)  # time for anything doubled to show
        assert len(chats[0].messages) == seen

    # both replicas received updates, and some updates reached both
    posted = {
        (target, update_id) for target, update_id, status in fake.webhook_posts if status == 200
    }
    assert {target for target, _ in posted} == set(targets)
    by_update: dict[int, set[str]] = {}
    for target, update_id in posted:
        by_update.setdefault(update_id, set()).add(target)
    assert any(len(reached) == 2 for reached in by_update.values())

    # every patient had the same conversation: nothing doubled, nothing missing
    for chat in chats:
        assert sum(INTAKE_READY in plain(m) for m in chat.messages) <= 1
    first = conversation(chats[0])
    assert len(first) > len(STEPS)
    for chat in chats[1:]:
        assert conversation(chat) == first

    # every answer stored once, in order: the same list for every patient
    stored = answers_by_patient(database_url)
    assert sorted(stored) == sorted(names)
    reference = stored[names[0]]
    assert len(reference) >= 40
    for name in names[1:]:
        assert stored[name] == reference

    # the provider got each intake, and each patient's urgent alert, exactly once
    for name in names:
        intakes = [m for m in provider_messages(fake, "Pre-visit intake") if name in plain(m)]
        assert len(intakes) == 1, name
        alerts = [m for m in provider_messages(fake, "URGENT") if name in plain(m)]
        assert len(alerts) == 1, name


@pytest.mark.postgres
async def test_two_replicas_send_a_burst_of_reminders_once_each(
    tmp_path: Path, fake: FakeBotAPI, postgres_schema_url: str
) -> None:
    chats = burst_of_reminders(fake, postgres_schema_url, REMINDERS, due_in=8)
    fake.flood_limit_per_second = 30  # Telegram's limit is the bot's, whatever the replicas
    async with two_replicas(tmp_path, fake, postgres_schema_url):

        def all_sent() -> bool:
            return all(chat.messages for chat in chats)

        assert await fake.wait_until(all_sent, 240)
        await asyncio.sleep(3.0)  # time for anything doubled to show
    # Each replica keeps to its share of Telegram's limit (half each). Until a replica's next
    # count of the others (every 5 s) it may send at the full rate: at most about 15 refusals
    # a second for 5 s. Each keeping to the whole limit on its own, they were refused 635 times.
    assert fake.rejected_429 <= 150
    counts = [sum(CHECKIN_DUE in (m.content or "") for m in chat.messages) for chat in chats]
    assert counts == [1] * REMINDERS, (
        f"{counts.count(0)} not delivered, {sum(c > 1 for c in counts)} doubled"
    )
    engine = make_engine(postgres_schema_url)
    with Session(engine) as session:
        statuses = session.exec(
            select(Reminder.status).where(col(Reminder.key).endswith(":burst"))
        ).all()
    engine.dispose()
    assert list(statuses) == ["sent"] * REMINDERS  # (and each planned its next: pending)


@pytest.mark.postgres
async def test_a_reply_a_killed_replica_was_sending_goes_out_from_the_other(
    tmp_path: Path, fake: FakeBotAPI, postgres_schema_url: str
) -> None:
    token = invite(settings_for(fake, postgres_schema_url), "Patient K.")
    chat = fake.private_chat(chat_id=7201, first_name="K")
    ports = [unused_port(), unused_port()]
    names = ["killed", "survivor"]
    replicas = [
        await start_replica(tmp_path, fake, postgres_schema_url, name, port)
        for name, port in zip(names, ports, strict=True)
    ]
    logs = [tmp_path / name / "bot.log" for name in names]
    try:
        for port, process, log in zip(ports, replicas, logs, strict=True):
            await wait_healthy(port, process, log)
        assert await fake.wait_until(lambda: len(fake.calls_named("setWebhook")) == 2, WAIT)
        # Telegram takes the first reply to this patient but never answers: the replica that
        # sends it is killed meanwhile, its claim on the reply a minute from running out.
        held = fake.fail(method="sendMessage", chat_id=chat.chat_id, kind="hang")
        fake.deliver_by_webhook([f"http://127.0.0.1:{ports[0]}/telegram-webhook"])
        await chat.send_command(f"/start {token}")
        assert await fake.wait_until(lambda: held.hits == 1, WAIT)
        replicas[0].kill()
        await replicas[0].wait()
        killed_at = asyncio.get_running_loop().time()

        assert await fake.wait_until(lambda: bool(chat.messages), 60)
        taken_in = asyncio.get_running_loop().time() - killed_at
        assert taken_in < 20, (
            f"the reply waited {taken_in:.0f} s: the claim's lease, not a takeover"
        )
        await asyncio.sleep(2.0)  # time for anything doubled to show
        assert len([m for m in chat.messages if m.buttons]) == 1, chat.describe_recent()
    finally:
        if replicas[0].returncode is None:
            replicas[0].kill()
        await stop(replicas[1], logs[1])
    assert "stopped bot process" in logs[1].read_text()
