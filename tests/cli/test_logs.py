"""Logs: plain text (the default) or one JSON object per line with LOG_FORMAT=json, time stamps
with their UTC offset in both, and in both no answer, name, medication or token, even at DEBUG,
while a patient goes through a whole intake in a real `intake-bot run` process."""

from __future__ import annotations

import json
import logging
import re
import signal
import sys
from pathlib import Path

import pytest
from cli_support import cli_env, finished, intake_bot_async
from e2e_support import PROVIDER_CHAT_ID, TOKEN, invite, plain, settings_for
from fake_bot_api import FakeBotAPI, FakeChat

from bot.cli.logs import JsonFormatter, PlainFormatter

OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")
PREFERRED_VALUES = ("agree", "submit", "same", "done", "none", "0", "not_at_all", "not")
MEDICATION = "sertraline 50 mg once a day"
QUESTION = "Could the Marigold pharmacy refill it early?"


def record(message: str, *args: object, exc_info: bool = False) -> logging.LogRecord:
    info = None
    if exc_info:
        try:
            raise ValueError("boom")
        except ValueError:
            info = sys.exc_info()
    return logging.LogRecord("bot.x", logging.ERROR, __file__, 1, message, args, info)


def test_json_logs_are_one_object_per_line_with_a_zone_aware_time() -> None:
    line = JsonFormatter().format(record("update %s failed\n%s", 7, "frames", exc_info=True))
    assert "\n" not in line
    entry = json.loads(line)
    assert OFFSET.match(entry["time"]), entry["time"]
    assert (entry["level"], entry["logger"]) == ("ERROR", "bot.x")
    assert entry["message"] == "update 7 failed\nframes"
    assert entry["traceback"].splitlines()[-1] == "ValueError: boom"


def test_plain_logs_start_with_a_zone_aware_time() -> None:
    line = PlainFormatter().format(record("intake %s delivered", 12))
    stamp, rest = line.split(" ", 1)
    assert OFFSET.match(stamp), stamp
    assert rest == "ERROR bot.x: intake 12 delivered"


def buttons_data(chat: FakeChat) -> list[tuple[str, str, str, str]]:
    """The latest keyboard's buttons as (label, kind, step, value)."""
    message = next((m for m in reversed(chat.messages) if m.inline_keyboard), None)
    if message is None:
        return []
    found = []
    for row in message.inline_keyboard:
        for button in row:
            kind, _, step, value = str(button["callback_data"]).split("|")
            found.append((str(button["text"]), kind, step, value))
    return found


def asking(chat: FakeChat) -> bool:
    return bool(chat.last_message and chat.last_message.inline_keyboard)


async def answer_current_question(chat: FakeChat, typed: set[str]) -> str:
    """One answer to whatever is asked now, by what its buttons carry, not by their wording;
    the value tapped, if any."""
    await chat.wait_for(asking, timeout=30)
    buttons = buttons_data(chat)
    options = [b for b in buttons if b[1] in ("a", "t")]
    step = buttons[0][2] if buttons else ""
    if (step == "med.1.name" and step not in typed) or (step.startswith("q.") and "q" not in typed):
        typed.add("q" if step.startswith("q.") else step)
        await chat.send_text_and_wait(MEDICATION if step == "med.1.name" else QUESTION)
        return ""
    if not options:
        await chat.send_text_and_wait("7")  # a number asked for without buttons
        return ""
    values = [b[3] for b in options]
    chosen = next((options[values.index(v)] for v in PREFERRED_VALUES if v in values), options[0])
    await chat.press_and_wait(chosen[0])
    if chosen[1] == "t":
        done = next(b for b in buttons if b[1] == "d")
        await chat.press_and_wait(done[0])
    return chosen[3]


@pytest.mark.parametrize("log_format", ["plain", "json"])
async def test_a_whole_intake_leaves_no_patient_data_in_the_log(
    tmp_path: Path, log_format: str
) -> None:
    database = f"sqlite:///{tmp_path / 'data' / 'intake.db'}"
    async with FakeBotAPI(token=TOKEN) as fake:
        provider = fake.private_chat(chat_id=PROVIDER_CHAT_ID, first_name="Dana")
        patient = fake.private_chat(chat_id=3141, first_name="Fay", last_name="Quill")
        token = invite(settings_for(fake, database), "Fay Quill")
        env = cli_env(
            tmp_path,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=fake.base_url,
            LOG_LEVEL="DEBUG",
            LOG_FORMAT=log_format,
        )
        log_file = tmp_path / "bot.log"
        process = await intake_bot_async(tmp_path, "run", env=env, log=log_file)
        try:
            await patient.send_command_and_wait("/whoami", timeout=60)
            await patient.send_command_and_wait(f"/start {token}")
            typed: set[str] = set()
            for _ in range(150):
                if await answer_current_question(patient, typed) == "submit":
                    break
            await provider.wait_for(
                lambda chat: any("Pre-visit intake" in plain(m) for m in chat.messages), timeout=60
            )
        finally:
            process.send_signal(signal.SIGTERM)
            status, _, _ = await finished(process)
    log = log_file.read_text()
    assert any("Pre-visit intake: Fay Quill" in plain(m) for m in provider.messages)
    assert status == 0, log
    lines = log.strip().splitlines()
    assert any("intake-bot stopped" in line for line in lines)
    if log_format == "json":
        entries = [json.loads(line) for line in lines]  # every line is one JSON object
        assert all(OFFSET.match(entry["time"]) for entry in entries)
    else:
        assert all(OFFSET.match(line.split(" ", 1)[0]) for line in lines if line[:1].isdigit())
    for secret in ("Fay", "Quill", "sertraline", "Marigold", TOKEN, TOKEN.split(":")[1]):
        assert secret not in log, secret
