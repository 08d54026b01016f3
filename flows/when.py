"""Reading the dates, times, weekdays and time zones that providers and patients type.

Every function is pure and forgiving: text that cannot be understood gives None, never an
exception (a naive `now` is a programming error and raises ValueError). Nothing reads the
system clock; `now` is passed in.

Decisions a caller must know:

- `parse_zone`: an IANA name in any case, with spaces allowed for underscores
  ("america/new york"); "UTC"/"GMT"; the US zones by name ("Eastern", "eastern time") or
  abbreviation ("ET", "EST", "EDT" all give America/New_York: people write "EST" all year).
  "MST" and "MT" give America/Denver (Arizona is "Arizona"/"AZ"), "HST" gives
  Pacific/Honolulu. A bare city ("chicago", "london") names the IANA zone ending in it when
  exactly one does. Numeric offsets ("UTC-5", "+05:00") give None: they ignore DST. The
  result's `.key` is always the canonical IANA name to store.
- `parse_clock`: "20:00", "8:30", "20:00:00", "8.30 pm", "8pm", "8 p.m.", "eight pm",
  "at 8pm", "noon"/"midday", "midnight", "12am" (00:00), "12pm" (12:00). Four bare digits
  are 24-hour HHMM ("0830", "2000"); three digits need am/pm ("830pm"). A bare hour ("8",
  "20") gives None: it does not say morning or evening. Hours with am/pm must be 1–12.
- `parse_weekday`: full names, three-or-more-letter prefixes ("thu", "thurs"), "tues",
  "weds", two-letter forms ("tu", "th"), plurals and "every"/"on" ("every monday",
  "Mondays"). Numbers give None (is 1 Monday or Sunday?).
- `parse_when`: a date then a time, optionally a zone: "2026-12-03 15:00",
  "2026-12-03T15:00", "2026-12-03 at 3pm", "12/03/2026 3 pm" (US month/day), "12/03/26"
  (two-digit years are 20xx), then a zone ("... Eastern", "... America/New_York", "... UTC")
  or an ISO offset straight after the time ("2026-12-03T15:00Z", "...T15:00-05:00"). A US
  date without a year ("12/03 3pm") is the next such date: this year if that local date is
  today or later (in the appointment's zone), else next year. Local times go through
  `schedule.at_local` (a gap time moves forward, a repeated one takes the first). Past
  moments are returned as read: checking that an appointment is ahead is the caller's job.
  A date alone, a time alone, an impossible date (2026-02-30) or anything else gives None.
- `split_name_and_when`: the longest run of trailing words that `parse_when` reads is the
  time; the name keeps its own spelling and inner spacing.
- `format_local`: English weekday and month abbreviations, 12-hour clock, the zone's own
  abbreviation ("CST", "CDT", "UTC"); not locale-dependent.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from flows.parsing import normalise, parse_number
from flows.schedule import at_local, to_local

# --- time zones --------------------------------------------------------------------------

US_ZONE_CHOICES: tuple[tuple[str, str], ...] = (
    ("Eastern", "America/New_York"),
    ("Central", "America/Chicago"),
    ("Mountain", "America/Denver"),
    ("Arizona", "America/Phoenix"),
    ("Pacific", "America/Los_Angeles"),
    ("Alaska", "America/Anchorage"),
    ("Hawaii", "Pacific/Honolulu"),
)
"""(label, IANA name) for the time-zone buttons."""

_ZONE_WORDS: dict[str, tuple[str, ...]] = {
    "America/New_York": ("eastern", "et", "est", "edt", "us eastern"),
    "America/Chicago": ("central", "ct", "cst", "cdt", "us central"),
    "America/Denver": ("mountain", "mt", "mst", "mdt", "us mountain"),
    "America/Phoenix": ("arizona", "az", "us arizona"),
    "America/Los_Angeles": ("pacific", "pt", "pst", "pdt", "us pacific"),
    "America/Anchorage": ("alaska", "akt", "akst", "akdt", "us alaska"),
    "Pacific/Honolulu": ("hawaii", "hst", "hawaii aleutian", "us hawaii"),
    "UTC": ("utc", "gmt", "zulu", "coordinated universal time", "universal time"),
}
_ZONE_SUFFIXES = ("", " time", " standard time", " daylight time")
_ZONE_ALIASES = {
    f"{word}{suffix}": zone
    for zone, words in _ZONE_WORDS.items()
    for word in words
    for suffix in _ZONE_SUFFIXES
    if len(word) > 3 or not suffix  # "eastern time", not "et time"
}
_CITY_EXCLUDED_PREFIXES = ("etc/", "systemv/", "posix/", "right/")


def _zone_key(text: str) -> str:
    """Lower case, single spaces, spaces and underscores the same."""
    return normalise(text).replace("_", " ")


@lru_cache(maxsize=1)
def _iana_names() -> tuple[dict[str, str], dict[str, str]]:
    """(full name key -> IANA name, unique last-part key -> IANA name)."""
    names = sorted(available_timezones())
    by_name = {_zone_key(name): name for name in names}
    cities: dict[str, list[str]] = {}
    for name in names:
        if "/" in name and not name.lower().startswith(_CITY_EXCLUDED_PREFIXES):
            cities.setdefault(_zone_key(name.rsplit("/", 1)[1]), []).append(name)
    unique = {city: found[0] for city, found in cities.items() if len(found) == 1}
    return by_name, unique


def parse_zone(text: str) -> ZoneInfo | None:
    """The time zone `text` names (IANA name, US zone name or abbreviation, city); else None."""
    key = _zone_key(text)
    if not key:
        return None
    key = re.sub(r"\s*/\s*", "/", key)
    by_name, cities = _iana_names()
    name = _ZONE_ALIASES.get(key) or by_name.get(key) or cities.get(key)
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, OSError):  # listed but unreadable tz data
        return None


# --- clock times -------------------------------------------------------------------------

_MERIDIEM = r"(?P<ap>[ap])\.?\s*m\.?"
_CLOCK_COLON = re.compile(
    rf"^(?P<h>\d{{1,2}})[:.](?P<m>\d{{2}})(?::(?P<s>\d{{2}}))?(?:\s*{_MERIDIEM})?$"
)
_CLOCK_HOUR = re.compile(rf"^(?P<h>\d{{1,2}})\s*{_MERIDIEM}$")
_CLOCK_DIGITS = re.compile(rf"^(?P<hm>\d{{3,4}})(?:\s*{_MERIDIEM})?$")
_CLOCK_WORD = re.compile(rf"^(?P<w>[a-z]+)\s*{_MERIDIEM}$")
_NAMED_CLOCKS = {
    "noon": time(12, 0),
    "midday": time(12, 0),
    "12 noon": time(12, 0),
    "midnight": time(0, 0),
    "12 midnight": time(0, 0),
}


def parse_clock(text: str) -> time | None:
    """The wall-clock time in `text` ("8pm", "20:00", "noon"); see the module docstring."""
    key = re.sub(r"^(?:at|@)\s*", "", normalise(text))
    if key in _NAMED_CLOCKS:
        return _NAMED_CLOCKS[key]
    if match := _CLOCK_COLON.match(key):
        hour, minute = int(match["h"]), int(match["m"])
        return _clock(hour, minute, int(match["s"] or 0), match["ap"])
    if match := _CLOCK_HOUR.match(key):
        return _clock(int(match["h"]), 0, 0, match["ap"])
    if match := _CLOCK_DIGITS.match(key):
        digits = match["hm"]
        if len(digits) == 3 and not match["ap"]:
            return None
        return _clock(int(digits[:-2]), int(digits[-2:]), 0, match["ap"])
    if (match := _CLOCK_WORD.match(key)) and match["w"] not in ("once", "twice"):
        number = parse_number(match["w"], 1, 12, integer=True)
        return _clock(int(number), 0, 0, match["ap"]) if number is not None else None
    return None


def _clock(hour: int, minute: int, second: int, meridiem: str | None) -> time | None:
    if minute > 59 or second > 59:
        return None
    if meridiem is None:
        return time(hour, minute, second) if hour <= 23 else None
    if not 1 <= hour <= 12:
        return None
    return time(hour % 12 + (12 if meridiem == "p" else 0), minute, second)


# --- weekdays ----------------------------------------------------------------------------

_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_EXTRA = {
    **{"tues": 1, "weds": 2, "thurs": 3},
    **{"mo": 0, "tu": 1, "we": 2, "th": 3, "fr": 4, "sa": 5, "su": 6},
}


def parse_weekday(text: str) -> int | None:
    """0 (Monday) to 6 (Sunday) for a day name or abbreviation; else None."""
    key = re.sub(r"^(?:every|on|each)\s+", "", normalise(text))
    if key.endswith("s") and key[:-1] in _WEEKDAY_NAMES:
        key = key[:-1]
    if key in _WEEKDAY_EXTRA:
        return _WEEKDAY_EXTRA[key]
    if len(key) < 3:
        return None
    found = [day for day, name in enumerate(_WEEKDAY_NAMES) if name.startswith(key)]
    return found[0] if len(found) == 1 else None


# --- appointment date and time -----------------------------------------------------------

_ISO_DATE = re.compile(r"^(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})(?:\s*[tT]\s*|\s*,\s*|\s+)")
_US_DATE = re.compile(r"^(?P<mo>\d{1,2})/(?P<d>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?(?:\s*,\s*|\s+)")
_OFFSET_CLOCK = re.compile(
    r"^(?P<clock>\d{1,2}:\d{2}(?::\d{2})?)\s*(?P<off>[zZ]|[+-]\d{2}(?::?\d{2})?)$"
)


def parse_when(text: str, default_zone: ZoneInfo, now: datetime) -> datetime | None:
    """An appointment date and time as an aware UTC datetime; None if not understood."""
    local_now = to_local(now, default_zone)  # validates `now` even when unused
    text = unicodedata.normalize("NFKC", text).strip()
    match = _ISO_DATE.match(text) or _US_DATE.match(text)
    if match is None:
        return None
    rest = text[match.end() :].strip()
    offset = _OFFSET_CLOCK.match(rest)
    if offset is None:
        return _date_time_zone(match, rest, default_zone, now)
    clock = parse_clock(offset["clock"])
    day = _date(match, local_now.date())
    fixed = _offset(offset["off"])
    if clock is None or day is None or fixed is None:
        return None
    return datetime.combine(day, clock, tzinfo=fixed).astimezone(UTC)


def _date_time_zone(
    date_match: re.Match[str], rest: str, default_zone: ZoneInfo, now: datetime
) -> datetime | None:
    words = rest.split()
    for cut in range(len(words), 0, -1):
        clock = parse_clock(" ".join(words[:cut]))
        if clock is None:
            continue
        zone_text = " ".join(words[cut:])
        zone = parse_zone(zone_text) if zone_text else default_zone
        if zone is None:
            continue
        day = _date(date_match, to_local(now, zone).date())
        return at_local(day, clock, zone) if day is not None else None
    return None


def _date(match: re.Match[str], today: date) -> date | None:
    """The date matched; without a year, the next such date from `today` on."""
    year = match.groupdict().get("y")
    month, day = int(match["mo"]), int(match["d"])
    if year is not None:
        number = int(year) + (2000 if len(year) == 2 else 0)
        try:
            return date(number, month, day)
        except ValueError:
            return None
    for number in range(today.year, today.year + 9):  # 29 February needs a leap year
        try:
            found = date(number, month, day)
        except ValueError:
            if not (month == 2 and day == 29):
                return None
            continue
        if found >= today:
            return found
    return None


def _offset(text: str) -> timezone | None:
    """The fixed offset of "Z", "-05:00", "+0530" or "+01"; None if out of range."""
    if text in ("z", "Z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


_WORD_START = re.compile(r"(?:^|(?<=\s))\S")


def split_name_and_when(
    text: str, default_zone: ZoneInfo, now: datetime
) -> tuple[str, datetime | None]:
    """("Jane D.", when) from "Jane D. 2026-12-03 15:00"; (text stripped, None) if no time."""
    for word in _WORD_START.finditer(text):
        when = parse_when(text[word.start() :], default_zone, now)
        if when is not None:
            return text[: word.start()].strip(), when
    return text.strip(), None


# --- display -----------------------------------------------------------------------------

_WEEKDAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_ABBREVIATIONS = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def format_local(moment: datetime, zone: ZoneInfo) -> str:
    """`moment` on the wall clock of `zone`, like "Thu 3 Dec 2026, 3:00 PM CST"."""
    local = to_local(moment, zone)
    hour = local.hour % 12 or 12
    meridiem = "AM" if local.hour < 12 else "PM"
    return (
        f"{_WEEKDAY_ABBREVIATIONS[local.weekday()]} {local.day} "
        f"{_MONTH_ABBREVIATIONS[local.month - 1]} {local.year}, "
        f"{hour}:{local.minute:02d} {meridiem} {local.tzname()}"
    )
