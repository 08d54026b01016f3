"""Text as the PDF draws it: patient text made drawable, and local dates and times."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# Control characters cannot be drawn; emoji presentation selectors would show as boxes.
_UNDRAWABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufe0e\ufe0f]")


def printable(text: str) -> str:
    """Patient text as drawn: line breaks kept, tabs as spaces, control characters dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    return _UNDRAWABLE.sub("", text)


def texts(value: object) -> Iterator[str]:
    """Every string in `value`, looking inside dataclasses, tuples, lists and dicts."""
    if isinstance(value, str):
        yield value
    elif is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            yield from texts(getattr(value, item.name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from texts(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from texts(key)
            yield from texts(item)


def day(moment: datetime, zone: ZoneInfo) -> str:
    """A local date the way the chart and the Telegram summary say it: "3 Nov"."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b}"


def when(moment: datetime, zone: ZoneInfo) -> str:
    """A local date and time with its zone: "Sun 29 Nov 2026, 20:12 CST"."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%a %d %b %Y, %H:%M %Z")
