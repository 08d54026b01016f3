"""The patient's own settings, asked one question at a time: check-in reminders and time zone.

/reminders: every day at a time, once a week on a day at a time, pause, resume or stop.
/timezone: a button for each US zone, or any zone name typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import Any

from flows import messages
from flows.dialogue import (
    Begin,
    Command,
    DoneTapped,
    Event,
    Screen,
    Tapped,
    Toggled,
    Typed,
    Unsupported,
)
from flows.options import Option
from flows.parsing import match_option, normalise
from flows.schedule import Cadence
from flows.when import US_ZONE_CHOICES, parse_clock, parse_weekday, parse_zone

REMINDERS = "settings.reminders"
WEEKDAY = "settings.weekday"
TIME = "settings.time"
TIMEZONE = "settings.timezone"

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAY_OPTIONS = tuple(Option(str(n), name) for n, name in enumerate(WEEKDAYS))
TIME_OPTIONS = (
    Option("08:00", "8:00 AM"),
    Option("12:00", "12:00 noon"),
    Option("18:00", "6:00 PM"),
    Option("20:00", "8:00 PM"),
)
ZONE_OPTIONS = tuple(Option(zone, label) for label, zone in US_ZONE_CHOICES)


@dataclass(frozen=True)
class PreferencesState:
    step: str | None
    draft: dict[str, Any] = field(default_factory=dict)


@dataclass
class PreferencesOutcome:
    state: PreferencesState
    say: list[str] = field(default_factory=list)
    screen: Screen | None = None
    cadence: Cadence | None = None  # the new reminder cadence, when it changed
    timezone: str | None = None  # the new time zone, when it changed
    done: bool = False
    stale: bool = False


def describe_cadence(cadence: Cadence) -> str:
    """The reminder setting in words, for the patient."""
    if cadence.kind == "off":
        return "Check-in reminders are off."
    when = _clock_words(cadence.at) if cadence.at else "a time not set"
    if cadence.kind == "weekly" and cadence.weekday is not None:
        text = f"Check-in reminders: every {WEEKDAYS[cadence.weekday]} at {when}."
    else:
        text = f"Check-in reminders: every day at {when}."
    return text + (" (Paused.)" if cadence.paused else "")


def _clock_words(moment: time) -> str:
    hour = moment.hour % 12 or 12
    suffix = "AM" if moment.hour < 12 else "PM"
    return f"{hour}:{moment.minute:02d} {suffix}"


def _reminder_options(current: Cadence) -> tuple[Option, ...]:
    options = [
        Option("daily", "Every day", aliases=("daily", "each day")),
        Option("weekly", "Once a week", aliases=("weekly", "every week")),
    ]
    if current.kind != "off":
        options.append(
            Option("resume", "Resume reminders")
            if current.paused
            else Option("pause", "Pause reminders")
        )
        options.append(Option("off", "Stop reminders", aliases=("stop", "off")))
    options.append(Option("keep", "Keep as is", aliases=("cancel", "keep", "no change")))
    return tuple(options)


def start_reminders(current: Cadence) -> PreferencesOutcome:
    state = PreferencesState(REMINDERS)
    return PreferencesOutcome(state, screen=_screen(state, current, None))


def start_timezone(current_zone: str) -> PreferencesOutcome:
    state = PreferencesState(TIMEZONE)
    return PreferencesOutcome(state, screen=_screen(state, Cadence("off"), current_zone))


def _screen(state: PreferencesState, current: Cadence, zone: str | None) -> Screen:
    match state.step:
        case "settings.reminders":
            return Screen(
                REMINDERS,
                f"{describe_cadence(current)}\n\nHow would you like to be reminded to do a quick "
                "check-in (under a minute)?",
                options=_reminder_options(current),
                header="Reminders",
            )
        case "settings.weekday":
            return Screen(
                WEEKDAY,
                "Which day of the week?",
                options=WEEKDAY_OPTIONS,
                header="Reminders",
                can_back=True,
            )
        case "settings.time":
            return Screen(
                TIME,
                "What time? Tap one, or type a time like 7:30 pm.",
                options=TIME_OPTIONS,
                header="Reminders",
                can_back=True,
                numbered=False,
            )
    return Screen(
        TIMEZONE,
        f"Your time zone is set to {zone}. Which time zone are you in? Tap one, or type its name "
        "(like America/New_York).",
        options=ZONE_OPTIONS,
        header="Time zone",
        numbered=False,
    )


def handle_preferences(
    state: PreferencesState, event: Event, current: Cadence, current_zone: str
) -> PreferencesOutcome:
    """Apply one event to the settings dialogue."""
    out = PreferencesOutcome(state)
    match event:
        case Begin():
            pass
        case Tapped(step=step) | Toggled(step=step) | Command(step=str() as step) if (
            step != state.step
        ):
            out.stale = True
            out.say.append(messages.STALE_BUTTON)
        case Tapped(value=value):
            _choose(out, value, current, current_zone)
        case Typed(text=text):
            _typed(out, text, current, current_zone)
        case Command(name="back"):
            _back(out)
        case Command(name="help"):
            out.say.append(messages.PREFERENCES_HELP)
        case Command(name="skip") | Command(name="pause"):
            out.say.append(messages.SETTINGS_UNCHANGED)
            out.done = True
        case Command():
            out.say.append(messages.UNKNOWN_COMMAND)
        case DoneTapped() | Toggled():
            out.stale = True
            out.say.append(messages.STALE_BUTTON)
        case Unsupported():
            out.say.append(messages.UNSUPPORTED)
    if not out.done:
        out.screen = _screen(out.state, current, current_zone)
    return out


def _typed(out: PreferencesOutcome, text: str, current: Cadence, zone: str) -> None:
    step = out.state.step
    value: str | None = None
    if step == TIME:
        clock = parse_clock(text)
        label = next((o for o in TIME_OPTIONS if normalise(o.label) == normalise(text)), None)
        value = clock.strftime("%H:%M") if clock else (label.value if label else None)
    elif step == WEEKDAY:
        day = parse_weekday(text)
        if day is None:
            option = match_option(text, WEEKDAY_OPTIONS)
            day = int(option.value) if option else None
        value = str(day) if day is not None else None
    elif step == TIMEZONE:
        option = match_option(text, ZONE_OPTIONS)
        parsed = parse_zone(text)
        value = option.value if option else (parsed.key if parsed else None)
    else:
        option = match_option(text, _reminder_options(current))
        value = option.value if option else None
    if value is None:
        out.say.append(_not_understood(step))
        return
    _choose(out, value, current, zone)


def _not_understood(step: str | None) -> str:
    if step == TIME:
        return "Sorry, I couldn't read that time. Try something like 8:00 pm or 20:00."
    if step == TIMEZONE:
        return (
            "Sorry, I don't know that time zone. Tap one of the buttons, or type a name like "
            "America/Denver."
        )
    return messages.NOT_UNDERSTOOD


def _choose(out: PreferencesOutcome, value: str, current: Cadence, zone: str) -> None:
    step = out.state.step
    draft = dict(out.state.draft)
    if step == REMINDERS:
        if value in ("daily", "weekly"):
            draft["kind"] = value
            out.state = PreferencesState(WEEKDAY if value == "weekly" else TIME, draft)
        elif value in ("pause", "resume", "off"):
            cadence = Cadence(
                "off" if value == "off" else current.kind,
                current.at,
                current.weekday,
                paused=value == "pause",
            )
            _finish(out, cadence=cadence)
        elif value == "keep":
            out.say.append(messages.SETTINGS_UNCHANGED)
            out.done = True
        else:
            out.stale = True
            out.say.append(messages.STALE_BUTTON)
    elif step == WEEKDAY:
        draft["weekday"] = int(value)
        out.state = PreferencesState(TIME, draft)
    elif step == TIME:
        clock = parse_clock(value)
        if clock is None:
            out.say.append(_not_understood(TIME))
            return
        weekday = draft.get("weekday") if draft.get("kind") == "weekly" else None
        _finish(out, cadence=Cadence(draft.get("kind", "daily"), clock, weekday))
    elif step == TIMEZONE:
        chosen = parse_zone(value)
        if chosen is None:
            out.say.append(_not_understood(TIMEZONE))
            return
        out.timezone = chosen.key
        out.say.append(f"Done: your time zone is now {out.timezone}. Reminders will follow it.")
        out.done = True
        out.state = PreferencesState(None)


def _finish(out: PreferencesOutcome, *, cadence: Cadence) -> None:
    out.cadence = cadence
    out.say.append(f"Saved. {describe_cadence(cadence)}")
    out.done = True
    out.state = PreferencesState(None)


def _back(out: PreferencesOutcome) -> None:
    step = out.state.step
    draft = out.state.draft
    if step == TIME and draft.get("kind") == "weekly":
        out.state = PreferencesState(WEEKDAY, draft)
    elif step in (TIME, WEEKDAY):
        out.state = PreferencesState(REMINDERS, {})
    else:
        out.say.append(messages.ALREADY_FIRST)
