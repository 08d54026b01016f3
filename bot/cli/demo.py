"""`intake-bot demo`: the intake in the terminal, through the same service and database as the bot.

Options are numbered; type a number, the option's words, or your own answer; `back`, `skip`,
`pause`, `restart` and `help` work as the Telegram commands do. When standard input is not a
terminal, one answer is read per line, so a whole intake can be scripted. At the end the
compiled intake is printed exactly as a provider would receive it.

It needs no set-up: unless DATABASE_URL is set it keeps its own database, data/demo.db, and
unless DATA_ENCRYPTION_KEY is set it keeps its own key beside its SQLite file (demo.key, made
on the first run, readable by its owner only).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import Engine, make_url

from bot.render.html import to_plain
from bot.render.screens import review_blocks
from bot.render.summary import render_alert, render_summary
from bot.services.alerts import AlertLedger
from bot.services.config import ServiceConfig
from bot.services.lookups import ProviderLookups
from bot.services.outbox import Outbox
from bot.services.replies import Reply
from bot.services.router import ConversationRouter
from bot.settings import Settings, SettingsError
from flows.dialogue import Screen, Typed
from storage import crypto, rekey
from storage.db import make_engine

DEMO_DATABASE_URL = "sqlite:///data/demo.db"
DEMO_KEY_FILE = "demo.key"

BANNER = (
    "intake-bot demo: you are the patient. Type an option's number or words, or your own answer.\n"
    "Commands: back, skip, pause, restart, help. Ctrl-D ends the demo; every answer is kept in\n"
    'the database as it is given. Where the bot says "tap", type the option\'s number or words.\n'
)


def render_screen(screen: Screen) -> str:
    """A screen as terminal text with numbered options."""
    lines: list[str] = []
    if screen.review:
        lines.extend(to_plain(block) for block in review_blocks(screen)[:-1])
        lines.append("")
    if screen.header:
        lines.append(f"— {screen.header} —")
    if screen.stem:
        lines.append(screen.stem)
    lines.append(screen.text)
    counts = not screen.numbered and any(option.label.isdigit() for option in screen.options)
    for number, option in enumerate(screen.options, start=1):
        if screen.multi:
            mark = "[x]" if option.value in screen.selected else "[ ]"
            lines.append(f"  {number}) {mark} {option.label}")
        elif counts:
            lines.append(f"  • {option.label}")  # a count: the number typed is the answer
        else:
            lines.append(f"  {number}) {option.label}")
    if screen.multi:
        lines.append("  (type the numbers of all that apply, like: 1, 3)")
    if screen.current_answer is not None:
        lines.append(f"  Your answer so far: {screen.current_answer}")
    if screen.hint:
        lines.append(f"  {screen.hint}")
    return "\n".join(lines)


class Demo:
    """One terminal session as one patient."""

    def __init__(self, settings: Settings, patient_name: str, out: TextIO) -> None:
        self.settings = settings
        self.patient_name = patient_name
        self.out = out
        # The demo shows replies and the provider's copy itself: nothing goes to an outbox.
        config = ServiceConfig(
            settings.clinic_name,
            settings.zone,
            settings.reminder_policy(),
            replies_to_outbox=False,
        )
        engine = open_demo_database(settings)
        self.router = ConversationRouter(engine, config)
        self.alerts = AlertLedger(engine, Outbox())
        self.lookups = ProviderLookups(engine, settings.zone)
        # Negative ids are never private Telegram chats, so a demo patient cannot meet a real one.
        self.chat_id = -time.time_ns() // 1000
        self.screen: Screen | None = None

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def show(self, reply: Reply) -> None:
        for notice in reply.say:
            self.say(notice)
            self.say()
        if reply.screen is not None:
            self.screen = reply.screen
            self.say(render_screen(reply.screen))
            self.say()
        for alert in reply.alerts:
            self.say("[sent at once to every provider chat]")
            self.say(to_plain(render_alert(alert.patient_name, alert.detail)))
            self.say()
            # Shown here and settled, so a bot later started on this database does not send it.
            self.alerts.settle_shown([alert.event_id], "console demo")

    def print_provider_copy(self, reply: Reply) -> None:
        assert reply.submitted is not None
        self.say("=" * 30 + " What the provider receives " + "=" * 30)
        for page in render_summary(reply.submitted, self.settings.clinic_timezone):
            self.say(to_plain(page))
            self.say("-" * 88)
        # Shown here, so a bot later started on the same database does not send it to providers.
        self.lookups.record_delivered(reply.submitted.intake_id)

    def run(self, lines: TextIO, interactive: bool) -> int:
        self.say(BANNER)
        reply = self.router.start_demo(self.chat_id, self.patient_name)
        self.show(reply)
        while True:
            line = _read(lines, interactive)
            if line is None:
                self.say(
                    "Input ended before the intake was submitted. The answers so far are saved."
                )
                return 0
            if not interactive:
                self.say(f"> {line}")
            typed = quick_reply(self.screen, line)
            reply = self.router.handle(self.chat_id, Typed(typed))
            self.show(reply)
            if reply.submitted is not None:
                self.print_provider_copy(reply)
                return 0
            if reply.finished and reply.screen is None:
                return 0


def quick_reply(screen: Screen | None, line: str) -> str:
    """In the terminal every option has a number; a button that Telegram shows without one
    ("I don't take any") is typed by its number here and sent as its words."""
    text = line.strip()
    if screen is None or screen.numbered or not text.isdigit():
        return line
    if any(option.label.isdigit() for option in screen.options):
        return line  # a count (days, times woken): the number is the answer
    index = int(text) - 1
    if 0 <= index < len(screen.options):
        return screen.options[index].label
    return line


def _read(lines: TextIO, interactive: bool) -> str | None:
    if interactive:
        try:
            return input("> ")
        except EOFError:
            return None
    line = lines.readline()
    if not line:
        return None
    return line.rstrip("\n")


def demo_database_url(settings: Settings) -> str:
    """DATABASE_URL when it is set, else the demo's own SQLite file."""
    return (
        settings.database_url if "database_url" in settings.model_fields_set else DEMO_DATABASE_URL
    )


def demo_key_file(database_url: str) -> Path | None:
    """Where the demo keeps its own key: beside its SQLite file (None for other databases)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).expanduser().parent / DEMO_KEY_FILE


def _demo_keys(settings: Settings, key_file: Path | None) -> tuple[bytes, ...]:
    if settings.data_encryption_key is not None or key_file is None:
        return settings.encryption_keys()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        # Created readable by its owner only, and never overwritten: it unlocks the demo's answers.
        handle = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        text = key_file.read_text(encoding="ascii").strip()
    else:
        text = crypto.new_key()
        with os.fdopen(handle, "w", encoding="ascii") as written:
            written.write(text + "\n")
    try:
        return crypto.parse_keys(text)
    except crypto.KeyRingError:
        raise SettingsError(f"the demo's key file {key_file} is damaged: delete it") from None


def open_demo_database(settings: Settings) -> Engine:
    """The demo's database, with its key ring installed and checked against what it holds."""
    url = demo_database_url(settings)
    key_file = demo_key_file(url)
    crypto.configure(_demo_keys(settings, key_file))
    engine = make_engine(url)
    if rekey.unreadable(engine) is not None:
        engine.dispose()
        if settings.data_encryption_key is not None or key_file is None:
            raise SettingsError(f"{crypto.SETTING} cannot read the data already in the database")
        raise SettingsError(
            f"the demo database was written with another key than {key_file}: "
            "delete the database file and the key file to start afresh"
        )
    return engine


def run_demo(
    settings: Settings, patient_name: str, stdin: TextIO | None = None, out: TextIO | None = None
) -> int:
    source = stdin or sys.stdin
    demo = Demo(settings, patient_name, out or sys.stdout)
    return demo.run(source, interactive=source.isatty())
