"""`intake-bot demo`: the intake in the terminal, through the same services as the bot, in a
database of its own (`data/demo.db` unless --database names another), never the clinic's.

The demo patient is found again by a chat id made from their name, so running the demo again
continues a paused intake; after a submitted intake `intake-bot demo --returning` plays the
same patient coming back for the next visit (last visit's medicines are carried over, and the
provider's copy shows what changed since). `--name` picks another demo patient.

Options are numbered; type a number, the option's words, or your own answer. Count questions
("on how many days…") show no option numbers: the number typed is the count. A checklist takes
every pick on one line ("1, 3") and says what was picked. `back`, `skip`, `pause`, `restart` and
`help` work as the Telegram commands do. When standard input is not a terminal, one answer is
read per line, so a whole intake can be scripted. At the end the compiled intake is printed
exactly as a provider would receive it.

It needs no set-up: it keeps its own database (data/demo.db, or --database), and unless
DATA_ENCRYPTION_KEY is set its own key beside its SQLite file (demo.key, made on the first run,
readable by its owner only).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import Engine, make_url

from bot.render.html import to_plain
from bot.render.screens import review_blocks
from bot.render.summary import render_alert, render_summary
from bot.services.alerts import AlertLedger
from bot.services.config import ServiceConfig
from bot.services.demo_visits import DemoPatient, DemoStage, DemoVisits
from bot.services.lookups import ProviderLookups
from bot.services.outbox import Outbox
from bot.services.replies import Reply
from bot.services.router import ConversationRouter
from bot.settings import Settings, SettingsError
from flows import messages
from flows.dialogue import Begin, Screen, Typed
from flows.parsing.choices import match_options
from flows.when import format_local
from storage import crypto, rekey
from storage.db import make_engine

DEMO_DATABASE_URL = "sqlite:///data/demo.db"
DEMO_KEY_FILE = "demo.key"

BANNER = (
    "intake-bot demo: you are the patient. Type an option's number or words, or your own answer.\n"
    "Commands: back, skip, pause, restart, help. Ctrl-D ends the demo; every answer is kept in\n"
    "the demo's own database as it is given. Where the bot says \"tap\", type the option's number\n"
    "or words. Run the demo again to continue where you stopped.\n"
)
COMMAND_WORDS = frozenset({"back", "skip", "pause", "restart", "help"})
DONE_INSTRUCTION = re.compile(r"\s*Tap all that apply, then Done\.")
MULTI_HOW = "  Type the numbers (or words) of all that apply on one line, like: 1, 3 — then Enter."
FAILED = 1


def demo_chat_id(name: str) -> int:
    """The demo patient's chat id: the same for the same name, so a later run finds them again;
    negative, so never a private Telegram chat (a demo patient cannot meet a real one)."""
    digest = hashlib.sha256(name.strip().casefold().encode("utf-8")).digest()
    return -(int.from_bytes(digest[:6], "big") + 1)


def is_count(screen: Screen) -> bool:
    """A question answered with a count ("0" … "7", "4 or more"), whose buttons are numbers."""
    return (
        not screen.numbered
        and not screen.multi
        and any(option.label[:1].isdigit() for option in screen.options)
    )


def render_screen(screen: Screen) -> str:
    """A screen as terminal text: numbered options, or the counts to type."""
    lines: list[str] = []
    if screen.review:
        lines.extend(to_plain(block) for block in review_blocks(screen)[:-1])
        lines.append("")
    if screen.header:
        lines.append(f"— {screen.header} —")
    if screen.stem:
        lines.append(screen.stem)
    lines.append(DONE_INSTRUCTION.sub("", screen.text) if screen.multi else screen.text)
    if is_count(screen):
        counts = ", ".join(option.label for option in screen.options)
        lines.append(f"  Type the number itself (it is a count, not an option): {counts}")
    else:
        for number, option in enumerate(screen.options, start=1):
            mark = ("[x] " if option.value in screen.selected else "[ ] ") if screen.multi else ""
            lines.append(f"  {number}) {mark}{option.label}")
    if screen.multi:
        lines.append(MULTI_HOW)
    if screen.current_answer is not None:
        lines.append(f"  Your answer so far: {screen.current_answer}")
    if screen.hint and not is_count(screen):
        lines.append(f"  {screen.hint}")
    return "\n".join(lines)


def quick_reply(screen: Screen | None, line: str) -> str:
    """In the terminal every option has a number; a button that Telegram shows without one
    ("I don't take any") is typed by its number here and sent as its words."""
    text = line.strip()
    if screen is None or screen.numbered or screen.multi or is_count(screen):
        return line  # numbered options and checklists read numbers; a count is the number
    if not text.isdigit():
        return line
    index = int(text) - 1
    if 0 <= index < len(screen.options):
        return screen.options[index].label
    return line


def confirmation(screen: Screen | None, line: str, reply: Reply) -> str | None:
    """What the patient's answer was taken as, for a checklist or a count the bot moved on
    from (the bot confirms other answers itself)."""
    text = line.strip()
    if screen is None or text.lower() in COMMAND_WORDS:
        return None
    if reply.screen is not None and reply.screen.step == screen.step:
        return None  # not accepted: the question is asked again
    if screen.multi:
        picked = match_options(text, screen.options)
        return f"Picked: {', '.join(option.label for option in picked)}." if picked else None
    return f"Got it: {text}." if is_count(screen) else None


class Demo:
    """One terminal session as one demo patient."""

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
        self.visits = DemoVisits(self.router)
        self.alerts = AlertLedger(engine, Outbox())
        self.lookups = ProviderLookups(engine, settings.zone)
        self.chat_id = demo_chat_id(patient_name)
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
        self.say(
            f'Next: "intake-bot demo --returning" brings {self.patient_name} back for the next '
            "visit: last visit's medicines are asked about again, and the provider's copy shows "
            "what changed since this one."
        )

    def when(self, patient: DemoPatient) -> str:
        assert patient.last_seen is not None
        return format_local(patient.last_seen, self.settings.zone)

    def opening(self, returning: bool) -> Reply | None:
        """The first reply of this run, or None when there is nothing to do (said why)."""
        patient = self.visits.find(self.chat_id)
        name = self.patient_name
        if patient.stage is DemoStage.OPEN:
            self.say(f"Continuing {name}'s intake (last answer {self.when(patient)}).\n")
            return self.router.handle(self.chat_id, Begin())
        if patient.stage is DemoStage.SUBMITTED and returning:
            medicines = "; ".join(patient.medicines) or "none"
            self.say(f"{name} comes back for the next visit (last intake {self.when(patient)}).")
            self.say(f"Medicines at the last visit: {medicines}.\n")
            return self.visits.next_visit(self.chat_id)
        if patient.stage is DemoStage.NEW and not returning:
            return self.router.start_demo(self.chat_id, name)
        self.say(self.nothing_to_do(patient))
        return None

    def nothing_to_do(self, patient: DemoPatient) -> str:
        name = self.patient_name
        another = 'intake-bot demo --name "Another Name" starts a new demo patient.'
        if patient.stage is DemoStage.NEW:
            return f'{name} has no submitted demo intake yet: run "intake-bot demo" first.'
        if patient.stage is DemoStage.DECLINED:
            return f"{name} said no to the intake. {another}"
        return (
            f"{name}'s intake was submitted {self.when(patient)}. intake-bot demo --returning "
            f"brings them back for the next visit; {another}"
        )

    def run(self, lines: TextIO, interactive: bool, returning: bool) -> int:
        self.say(BANNER)
        reply = self.opening(returning)
        if reply is None:
            return FAILED if returning else 0
        self.show(reply)
        while True:
            line = _read(lines, interactive)
            if line is None:
                self.say(
                    "Input ended before the intake was submitted. The answers so far are saved: "
                    'run "intake-bot demo" again to continue.'
                )
                return 0
            if not interactive:
                self.say(f"> {line}")
            asked = self.screen
            reply = self.router.handle(self.chat_id, Typed(quick_reply(asked, line)))
            picked = confirmation(asked, line, reply)
            if picked:
                self.say(picked)
                self.say()
            if messages.PAUSED in reply.say:
                self.say('Paused: your answers are saved. Run "intake-bot demo" to continue.')
                return 0
            self.show(reply)
            if reply.submitted is not None:
                self.print_provider_copy(reply)
                return 0
            if reply.finished and reply.screen is None:
                return 0


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
    settings: Settings,
    patient_name: str,
    *,
    returning: bool = False,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
) -> int:
    if not settings.database_url.startswith(("sqlite://", "postgresql")):
        raise SettingsError("--database must be a sqlite:/// or postgresql+psycopg:// URL")
    source = stdin or sys.stdin
    demo = Demo(settings, patient_name, out or sys.stdout)
    return demo.run(source, interactive=source.isatty(), returning=returning)
