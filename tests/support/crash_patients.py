"""Patients for the crash test (crash_harness.py): each opens an invitation and goes through a
whole intake against the fake Bot API, typing some answers and tapping others, while the bot
is killed and restarted under them.

A patient behaves as a person would: they answer the question they see (the latest message
with buttons), and when nothing comes back for a while they answer what they see again.
Everything they send is logged with the question they saw at that moment, so the checks can
tell an answer filed under a question the patient never saw (crash_checks.py).

Answers are chosen so that neighbouring questions of a scale get different values (item n of
PHQ-9 or GAD-7 gets option n mod 4, item 9 of PHQ-9 gets "Not at all" unless the patient is
one who reports it): an answer meant for item 2 and stored under item 3 shows as a value the
patient never gave for item 3.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

from fake_bot_api import BotMessage, FakeBotAPI, FakeChat

NO_REPLY = 8.0
"""Seconds a patient waits for an answer before answering what they see again."""
SETTLE = 0.3
"""Seconds without a new message in the chat before the patient reads the screen."""
SUBMITTED = "has been sent to your care team"

TYPED = {
    "med.1.name": "I don't take any",
    "sleep.hours": "7",
}
"""What a patient types where a question has no buttons (by step key or its start)."""
DEFAULT_TYPED = "nothing else"
DEBUG = bool(os.environ.get("CRASH_DEBUG"))


@dataclass(frozen=True)
class Shown:
    """The question on the patient's screen: its step and buttons (label, callback data)."""

    step: str
    buttons: tuple[tuple[str, str], ...]
    message_id: int

    @property
    def kind(self) -> str:
        """The first option button's kind: "a" an answer, "t" a checklist, "n" navigation."""
        return next((data.split("|")[0] for _, data in self.buttons), "")

    def options(self) -> list[tuple[str, str]]:
        """(label, value) of the answer buttons, in order."""
        return [(label, data.split("|")[3]) for label, data in self.buttons if data[:2] == "a|"]


@dataclass
class Sent:
    """One update the patient sent, and what they saw when they sent it."""

    update_id: int
    step: str | None
    typed: str | None
    value: str | None
    at: float = field(default_factory=time.monotonic)


def shown(chat: FakeChat) -> Shown | None:
    """The question on screen: the latest bot message whose buttons belong to a dialogue."""
    for message in reversed(chat.messages):
        buttons = [
            (str(b.get("text", "")), str(b.get("callback_data", "")))
            for row in message.inline_keyboard
            for b in row
        ]
        if buttons and all(data.count("|") == 3 for _, data in buttons):
            return Shown(buttons[0][1].split("|")[2], tuple(buttons), message.message_id)
    return None


def _item_number(step: str) -> int | None:
    found = re.search(r"(\d+)$", step)
    return int(found.group(1)) if found else None


def _label(text: str) -> str:
    """What a patient types for a button: its label without the number in front."""
    return re.sub(r"^\d+\.\s+", "", text).strip()


class CrashPatient:
    """One patient's whole intake, robust to a bot that disappears at any moment."""

    def __init__(
        self, fake: FakeBotAPI, chat: FakeChat, name: str, token: str, rng: random.Random
    ) -> None:
        self.fake = fake
        self.chat = chat
        self.name = name
        self.token = token
        self.rng = rng
        self.reports_item_9 = rng.random() < 0.3  # some patients trigger the safety path
        self.log: list[Sent] = []
        self.submitted = False

    async def run(self, deadline: float) -> None:
        """Join, answer until the intake is submitted (or the deadline passes)."""
        while not self._joined() and time.monotonic() < deadline:
            await self._send_command(f"/start {self.token}")
        while not self.submitted and time.monotonic() < deadline:
            screen = shown(self.chat)
            if screen is None:  # nothing to answer yet: a question may be on its way
                await self._wait_reply(len(self.chat.events))
                if shown(self.chat) is None:
                    await self._send_command("/start")
                continue
            await self._answer(screen)
            self.submitted = any(SUBMITTED in (m.content or "") for m in self.chat.messages)

    def _joined(self) -> bool:
        return shown(self.chat) is not None

    async def _answer(self, screen: Shown) -> None:
        if DEBUG:
            print(self.name, screen.step, [label for label, _ in screen.buttons][:6], flush=True)
        options = screen.options()
        if screen.kind == "t":  # a checklist: tick "None of these" (or "No questions"), then Done
            nothing = ("⬜ None of these", "⬜ No questions")
            none = next((d for lab, d in screen.buttons if lab in nothing), None)
            done = next(data for label, data in screen.buttons if data.startswith("d|"))
            if none is not None and self.rng.random() < 0.5:
                await self._press(screen, none, "none")
            elif none is not None:
                typed = "no questions" if screen.step == "q.picked" else "none of these"
                await self._type(screen, typed, None)
            else:
                await self._press(screen, done, "done")
            return
        if not options:
            await self._type(screen, self._typed(screen.step), None)
            return
        label, value = self._choose(screen, options)
        if self.rng.random() < 0.5 or screen.step in ("review", "submit"):
            data = next(d for lab, d in screen.buttons if lab == label)
            await self._press(screen, data, value)
        else:
            await self._type(screen, _label(label), value)

    def _choose(self, screen: Shown, options: list[tuple[str, str]]) -> tuple[str, str]:
        labels = [label for label, _ in options]
        for wanted in ("✅ Submit", "I agree", "Yes, I'm safe right now", "Nothing new"):
            if wanted in labels or any(_label(lab) == wanted for lab in labels):
                return next(o for o in options if _label(o[0]) == wanted or o[0] == wanted)
        number = _item_number(screen.step)
        if screen.step.endswith(".9") and screen.step.startswith("phq9"):
            return options[1 if self.reports_item_9 else 0]
        if number is not None and len(options) >= 4 and len(options) <= 5:
            return options[number % len(options)]
        return options[0]

    def _typed(self, step: str) -> str:
        for key, text in TYPED.items():
            if step == key or step.startswith(key):
                return text
        return DEFAULT_TYPED

    # --- sending and waiting --------------------------------------------------------------

    async def _send_command(self, command: str) -> None:
        before = len(self.chat.events)
        update = await self.chat.send_command(command)
        self.log.append(Sent(int(update["update_id"]), None, command, None))
        await self._wait_reply(before)

    async def _type(self, screen: Shown, text: str, value: str | None) -> None:
        before = len(self.chat.events)
        update = await self.chat.send_text(text)
        self.log.append(Sent(int(update["update_id"]), screen.step, text, value))
        await self._wait_reply(before)

    async def _press(self, screen: Shown, data: str, value: str) -> None:
        before = len(self.chat.events)
        message = self.chat.message(screen.message_id)
        assert message is not None
        update = await self.chat.press(data, message)
        self.log.append(Sent(int(update["update_id"]), screen.step, None, value))
        await self._wait_reply(before)

    async def _wait_reply(self, before: int) -> None:
        """Until the bot answered and went quiet in this chat, or NO_REPLY seconds passed."""
        chat = self.chat
        if not await self.fake.wait_until(lambda: len(chat.events) > before, NO_REPLY):
            return
        while True:
            seen = len(chat.events)
            await asyncio.sleep(SETTLE)
            if len(chat.events) == seen:
                return


def provider_copies(chat: FakeChat, name: str) -> list[BotMessage]:
    """The summaries' first pages of `name`'s intakes in a provider's chat."""
    return [m for m in chat.all_messages if f"Pre-visit intake: {name}" in (m.content or "")]


def json_value(value: Any) -> str | None:
    """An option answer's stored value as the patient's button carried it."""
    return value if isinstance(value, str) else None
