"""Callback data carried by inline buttons, and what a pressed button means.

The wire format is "kind|reference|step|value": the kind of press (an answer, a checklist
toggle, Done, Back/Skip/Pause, a reminder's "start"), the dialogue row the screen belongs to
("i12" intake 12, "c5" check-in 5, "p3" patient 3 — consent, settings, a safety question
outside a dialogue —, "r9" reminder 9, "s4" safety alert 4), the step it was shown for, and
the option's value. Telegram allows 64 bytes; step keys and option values are kept short
enough (tests check every button of a full intake). Buttons already in patients' chats keep
working across versions, so the format only ever grows.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.replies import DialogueKind, DialogueRef
from flows.dialogue import Command, DoneTapped, Event, Tapped, Toggled

MAX_CALLBACK_BYTES = 64
MAX_ROW_ID = 2**31 - 1
"""Row ids are 32-bit integers: a forged button with a larger one names no row."""

ANSWER = "a"
TOGGLE = "t"
DONE = "d"
NAVIGATE = "n"
OPEN = "o"  # a reminder's "start" button

_LETTERS = {
    DialogueKind.INTAKE: "i",
    DialogueKind.CHECKIN: "c",
    DialogueKind.PATIENT: "p",
    DialogueKind.REMINDER: "r",
    DialogueKind.SAFETY_ALERT: "s",
}
_KINDS = {letter: kind for kind, letter in _LETTERS.items()}


@dataclass(frozen=True)
class Press:
    """A decoded button: the dialogue row it belongs to and the event it stands for."""

    ref: DialogueRef
    event: Event


def reference(ref: DialogueRef) -> str:
    return f"{_LETTERS[ref.kind]}{ref.id}"


def encode(kind: str, ref: DialogueRef, step: str, value: str = "") -> str:
    data = f"{kind}|{reference(ref)}|{step}|{value}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(
            f"callback data for step {step!r} is longer than {MAX_CALLBACK_BYTES} bytes"
        )
    return data


def decode(data: str | None) -> Press | None:
    """The press a button stands for, or None for data this bot never made."""
    parts = (data or "").split("|")
    if len(parts) != 4:
        return None
    kind, reference_text, step, value = parts
    ref = _ref(reference_text)
    if ref is None:
        return None
    event: Event
    match kind:
        case "a" | "o":
            event = Tapped(step, value)
        case "t":
            event = Toggled(step, value)
        case "d":
            event = DoneTapped(step)
        case "n":
            event = Command(value, step=step)
        case _:
            return None
    return Press(ref, event)


def _ref(text: str) -> DialogueRef | None:
    # Buttons from before references carried a letter name an intake by its number alone.
    letter, number = (text[:1], text[1:]) if text[:1].isalpha() else ("i", text)
    if letter not in _KINDS or not number.isdigit() or int(number) > MAX_ROW_ID:
        return None
    return DialogueRef(_KINDS[letter], int(number))
