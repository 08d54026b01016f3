"""Callback data carried by inline buttons: which dialogue row, which step, what was pressed.

The reference names the dialogue and its row: "i12" is intake 12, "c5" check-in 5, "p3"
patient 3 (consent, settings, safety questions outside a dialogue), "r9" reminder 9, "s4"
safety alert 4 (its Acknowledge button in provider chats).
Telegram allows 64 bytes of callback data; step keys and option values are kept short
enough (tests check every button of a full intake).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_CALLBACK_BYTES = 64

ANSWER = "a"
TOGGLE = "t"
DONE = "d"
NAVIGATE = "n"
OPEN = "o"  # a reminder's "start" button
KINDS = frozenset({ANSWER, TOGGLE, DONE, NAVIGATE, OPEN})

INTAKE = "i"
CHECKIN = "c"
PATIENT = "p"
REMINDER = "r"
SAFETY = "s"  # a safety alert in a provider chat
DIALOGUES = frozenset({INTAKE, CHECKIN, PATIENT, REMINDER, SAFETY})


@dataclass(frozen=True)
class ButtonPress:
    kind: str
    dialogue: str
    ref_id: int
    step: str
    value: str = ""


def ref(dialogue: str, row_id: int) -> str:
    return f"{dialogue}{row_id}"


def encode(kind: str, reference: str | int, step: str, value: str = "") -> str:
    data = f"{kind}|{reference}|{step}|{value}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(
            f"callback data for step {step!r} is longer than {MAX_CALLBACK_BYTES} bytes"
        )
    return data


def decode(data: str | None) -> ButtonPress | None:
    """The press a button stands for, or None for data this bot never made."""
    if not data:
        return None
    parts = data.split("|")
    if len(parts) != 4 or parts[0] not in KINDS:
        return None
    reference = parts[1]
    dialogue, number = (
        (reference[:1], reference[1:]) if reference[:1].isalpha() else (INTAKE, reference)
    )
    if dialogue not in DIALOGUES or not number.isdigit():
        return None
    return ButtonPress(parts[0], dialogue, int(number), parts[2], parts[3])
