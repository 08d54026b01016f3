"""Callback data carried by inline buttons: which intake, which step, what was pressed.

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
KINDS = frozenset({ANSWER, TOGGLE, DONE, NAVIGATE})


@dataclass(frozen=True)
class ButtonPress:
    kind: str
    intake_id: int
    step: str
    value: str = ""


def encode(kind: str, intake_id: int, step: str, value: str = "") -> str:
    data = f"{kind}|{intake_id}|{step}|{value}"
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
    if len(parts) != 4 or parts[0] not in KINDS or not parts[1].isdigit():
        return None
    return ButtonPress(parts[0], int(parts[1]), parts[2], parts[3])
