"""The settings dialogue (flows/preferences.py): check-in reminders and the time zone.

Pure: each test drives `handle_preferences` the way PatientService does, carrying the state
from one outcome to the next, and checks what is said, shown and decided.
"""

from __future__ import annotations

from datetime import time

import pytest

from flows import messages
from flows.dialogue import Begin, Command, DoneTapped, Event, Tapped, Toggled, Typed, Unsupported
from flows.preferences import (
    REMINDERS,
    TIME,
    TIME_OPTIONS,
    TIMEZONE,
    WEEKDAY,
    ZONE_OPTIONS,
    PreferencesOutcome,
    PreferencesState,
    describe_cadence,
    handle_preferences,
    start_reminders,
    start_timezone,
)
from flows.schedule import Cadence

OFF = Cadence("off")
DAILY_8PM = Cadence("daily", time(20, 0))
WEEKLY_FRI_9AM = Cadence("weekly", time(9, 0), 4)
PAUSED = Cadence("daily", time(20, 0), paused=True)
ZONE = "America/Chicago"

BAD_TIME = "Sorry, I couldn't read that time. Try something like 8:00 pm or 20:00."
BAD_ZONE = (
    "Sorry, I don't know that time zone. Tap one of the buttons, or type a name like "
    "America/Denver."
)


class Settings:
    """One run of the dialogue: the state carried from outcome to outcome, as stored."""

    def __init__(self, current: Cadence = OFF, zone: str = ZONE, *, timezone: bool = False):
        self.current = current
        self.zone = zone
        opened = start_timezone(zone) if timezone else start_reminders(current)
        self.state = opened.state
        self.last = opened

    def send(self, event: Event) -> PreferencesOutcome:
        self.last = handle_preferences(self.state, event, self.current, self.zone)
        self.state = self.last.state
        return self.last

    @property
    def step(self) -> str | None:
        return self.last.screen.step if self.last.screen else None


def values(outcome: PreferencesOutcome) -> list[str]:
    assert outcome.screen is not None
    return [o.value for o in outcome.screen.options]


def assert_unchanged(outcome: PreferencesOutcome) -> None:
    assert outcome.cadence is None and outcome.timezone is None


# --- opening ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "options", "described"),
    [
        (OFF, ["daily", "weekly", "keep"], "Check-in reminders are off."),
        (
            DAILY_8PM,
            ["daily", "weekly", "pause", "off", "keep"],
            "Check-in reminders: every day at 8:00 PM.",
        ),
        (
            WEEKLY_FRI_9AM,
            ["daily", "weekly", "pause", "off", "keep"],
            "Check-in reminders: every Friday at 9:00 AM.",
        ),
        (
            PAUSED,
            ["daily", "weekly", "resume", "off", "keep"],
            "Check-in reminders: every day at 8:00 PM. (Paused.)",
        ),
    ],
    ids=["off", "daily", "weekly", "paused"],
)
def test_reminders_open_with_the_current_setting_and_fitting_choices(
    current: Cadence, options: list[str], described: str
) -> None:
    opened = start_reminders(current)
    assert opened.state == PreferencesState(REMINDERS)
    assert opened.screen is not None
    assert opened.screen.step == REMINDERS and opened.screen.header == "Reminders"
    assert opened.screen.text.startswith(described + "\n\n")
    assert values(opened) == options
    assert not opened.screen.can_back
    assert opened.say == [] and not opened.done
    assert_unchanged(opened)


def test_timezone_opens_with_the_current_zone_and_the_us_zones() -> None:
    opened = start_timezone("America/Denver")
    assert opened.state == PreferencesState(TIMEZONE)
    assert opened.screen is not None and opened.screen.step == TIMEZONE
    assert "Your time zone is set to America/Denver." in opened.screen.text
    assert values(opened) == [
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
    ]
    assert not opened.screen.numbered  # the buttons show no numbers to type


@pytest.mark.parametrize(
    ("cadence", "words"),
    [
        (OFF, "Check-in reminders are off."),
        (Cadence("daily", time(0, 0)), "Check-in reminders: every day at 12:00 AM."),
        (Cadence("daily", time(12, 30)), "Check-in reminders: every day at 12:30 PM."),
        (Cadence("weekly", time(7, 5), 6), "Check-in reminders: every Sunday at 7:05 AM."),
        (Cadence("daily"), "Check-in reminders: every day at a time not set."),
        (Cadence("weekly", time(9, 0), 0, paused=True), "every Monday at 9:00 AM. (Paused.)"),
    ],
)
def test_describe_cadence(cadence: Cadence, words: str) -> None:
    assert describe_cadence(cadence).endswith(words)


# --- daily and weekly -------------------------------------------------------------------


def test_daily_by_buttons() -> None:
    settings = Settings()
    out = settings.send(Tapped(REMINDERS, "daily"))
    assert out.state == PreferencesState(TIME, {"kind": "daily"})
    assert out.screen is not None and out.screen.can_back and not out.screen.numbered
    assert [o.value for o in out.screen.options] == [o.value for o in TIME_OPTIONS]
    assert out.say == [] and not out.done
    assert_unchanged(out)

    out = settings.send(Tapped(TIME, "08:00"))
    assert out.done and out.screen is None
    assert out.cadence == Cadence("daily", time(8, 0), None)
    assert out.say == ["Saved. Check-in reminders: every day at 8:00 AM."]
    assert out.state == PreferencesState(None)
    assert out.timezone is None


def test_weekly_by_buttons() -> None:
    settings = Settings(DAILY_8PM)
    out = settings.send(Tapped(REMINDERS, "weekly"))
    assert out.state == PreferencesState(WEEKDAY, {"kind": "weekly"})
    assert values(out) == ["0", "1", "2", "3", "4", "5", "6"]
    out = settings.send(Tapped(WEEKDAY, "1"))
    assert out.state == PreferencesState(TIME, {"kind": "weekly", "weekday": 1})
    out = settings.send(Tapped(TIME, "18:00"))
    assert out.cadence == Cadence("weekly", time(18, 0), 1)
    assert out.say == ["Saved. Check-in reminders: every Tuesday at 6:00 PM."]


@pytest.mark.parametrize(
    ("typed", "cadence"),
    [
        (["every day", "7:30 pm"], Cadence("daily", time(19, 30))),
        (["every day", "noon"], Cadence("daily", time(12, 0))),
        (["1", "20:00"], Cadence("daily", time(20, 0))),  # "1": the first button
        (["Every day", "8:00 AM"], Cadence("daily", time(8, 0))),  # a button's label, typed
        (["every day", "12:00 noon"], Cadence("daily", time(12, 0))),
        (["once a week", "tue", "7:30 pm"], Cadence("weekly", time(19, 30), 1)),
        (["Once a week", "every friday", "at 8pm"], Cadence("weekly", time(20, 0), 4)),
        (["2", "Sundays", "0830"], Cadence("weekly", time(8, 30), 6)),
        (["2", "3", "6:00 PM"], Cadence("weekly", time(18, 0), 2)),  # "3": Wednesday's button
    ],
    ids=lambda value: " / ".join(value) if isinstance(value, list) else None,
)
def test_every_answer_can_be_typed(typed: list[str], cadence: Cadence) -> None:
    settings = Settings()
    for text in typed[:-1]:
        out = settings.send(Typed(text))
        assert out.say == [] and not out.done, text
    out = settings.send(Typed(typed[-1]))
    assert out.done and out.cadence == cadence
    assert out.say == [f"Saved. {describe_cadence(cadence)}"]


# --- pause, resume, stop and keep -------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "event", "cadence", "said"),
    [
        (
            DAILY_8PM,
            Tapped(REMINDERS, "pause"),
            Cadence("daily", time(20, 0), None, paused=True),
            "Saved. Check-in reminders: every day at 8:00 PM. (Paused.)",
        ),
        (
            WEEKLY_FRI_9AM,
            Typed("pause reminders"),
            Cadence("weekly", time(9, 0), 4, paused=True),
            "Saved. Check-in reminders: every Friday at 9:00 AM. (Paused.)",
        ),
        (
            PAUSED,
            Tapped(REMINDERS, "resume"),
            Cadence("daily", time(20, 0), None, paused=False),
            "Saved. Check-in reminders: every day at 8:00 PM.",
        ),
        (
            PAUSED,
            Typed("resume"),
            Cadence("daily", time(20, 0), None, paused=False),
            "Saved. Check-in reminders: every day at 8:00 PM.",
        ),
        (
            DAILY_8PM,
            Tapped(REMINDERS, "off"),
            Cadence("off", time(20, 0), None),
            "Saved. Check-in reminders are off.",
        ),
        (
            WEEKLY_FRI_9AM,
            Typed("stop"),
            Cadence("off", time(9, 0), 4),
            "Saved. Check-in reminders are off.",
        ),
        (
            PAUSED,
            Typed("stop reminders"),
            Cadence("off", time(20, 0), None),
            "Saved. Check-in reminders are off.",
        ),
    ],
    ids=[
        "pause-button",
        "pause-typed",
        "resume-button",
        "resume-typed",
        "stop-button",
        "stop-typed",
        "stop-while-paused",
    ],
)
def test_pause_resume_and_stop_finish_at_once(
    current: Cadence, event: Event, cadence: Cadence, said: str
) -> None:
    out = Settings(current).send(event)
    assert out.done and out.screen is None
    assert out.cadence == cadence
    assert out.say == [said]
    assert out.state == PreferencesState(None)


@pytest.mark.parametrize(
    "event",
    [Tapped(REMINDERS, "keep"), Typed("keep as is"), Typed("cancel"), Typed("no change")],
    ids=["button", "label", "cancel", "no-change"],
)
def test_keep_changes_nothing(event: Event) -> None:
    out = Settings(DAILY_8PM).send(event)
    assert out.done and out.screen is None
    assert out.say == [messages.SETTINGS_UNCHANGED]
    assert_unchanged(out)


@pytest.mark.parametrize("current", [OFF, PAUSED], ids=["off", "paused"])
def test_pause_is_not_offered_when_there_is_nothing_to_pause(current: Cadence) -> None:
    settings = Settings(current)
    out = settings.send(Typed("pause reminders"))
    assert out.say == [messages.NOT_UNDERSTOOD]
    assert not out.done and settings.step == REMINDERS
    assert_unchanged(out)


# --- back -------------------------------------------------------------------------------


def test_back_walks_the_questions_backwards() -> None:
    settings = Settings()
    settings.send(Tapped(REMINDERS, "weekly"))
    settings.send(Tapped(WEEKDAY, "3"))
    assert settings.state == PreferencesState(TIME, {"kind": "weekly", "weekday": 3})

    out = settings.send(Command("back"))  # from the time to the day, keeping the choices
    assert out.state == PreferencesState(WEEKDAY, {"kind": "weekly", "weekday": 3})
    assert settings.step == WEEKDAY and out.say == []
    out = settings.send(Command("back", step=WEEKDAY))  # the Back button, on this screen
    assert out.state == PreferencesState(REMINDERS, {})
    out = settings.send(Command("back"))
    assert out.say == [messages.ALREADY_FIRST]
    assert out.state == PreferencesState(REMINDERS, {}) and settings.step == REMINDERS

    settings.send(Typed("every day"))
    out = settings.send(Command("back"))  # a daily time goes straight back to the start
    assert out.state == PreferencesState(REMINDERS, {})
    out = settings.send(Tapped(REMINDERS, "daily"))
    out = settings.send(Typed("9pm"))
    assert out.cadence == Cadence("daily", time(21, 0), None)  # no weekday left over
    assert out.timezone is None


def test_back_on_the_time_zone_question_stays() -> None:
    settings = Settings(timezone=True)
    out = settings.send(Command("back"))
    assert out.say == [messages.ALREADY_FIRST] and settings.step == TIMEZONE
    assert not out.done


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "text", "said"),
    [
        ([], "banana", messages.NOT_UNDERSTOOD),
        ([Tapped(REMINDERS, "daily")], "8", BAD_TIME),  # a bare hour: morning or evening?
        ([Tapped(REMINDERS, "daily")], "25:00", BAD_TIME),
        ([Tapped(REMINDERS, "daily")], "1", BAD_TIME),  # no numbered buttons to mean
        ([Tapped(REMINDERS, "weekly")], "someday", messages.NOT_UNDERSTOOD),
        ([Tapped(REMINDERS, "weekly")], "9", messages.NOT_UNDERSTOOD),
    ],
    ids=["choice", "bare-hour", "no-such-time", "time-number", "weekday", "weekday-number"],
)
def test_unreadable_answers_ask_again_and_change_nothing(
    path: list[Event], text: str, said: str
) -> None:
    settings = Settings()
    for event in path:
        settings.send(event)
    before = settings.state
    out = settings.send(Typed(text))
    assert out.say == [said]
    assert out.state == before and not out.done
    assert out.screen is not None and out.screen.step == before.step
    assert_unchanged(out)


def test_a_bad_time_in_a_tapped_value_is_refused() -> None:
    settings = Settings()
    settings.send(Tapped(REMINDERS, "daily"))
    out = settings.send(Tapped(TIME, "half past never"))
    assert out.say == [BAD_TIME] and not out.done and settings.step == TIME
    assert_unchanged(out)


@pytest.mark.parametrize(
    ("event", "said", "done"),
    [
        (Command("help"), messages.PREFERENCES_HELP, False),
        (Command("unknown"), messages.UNKNOWN_COMMAND, False),
        (Command("restart"), messages.UNKNOWN_COMMAND, False),
        (Unsupported("media"), messages.UNSUPPORTED, False),
        (Command("skip"), messages.SETTINGS_UNCHANGED, True),
        (Command("pause"), messages.SETTINGS_UNCHANGED, True),
    ],
    ids=["help", "unknown", "restart", "sticker", "skip", "pause"],
)
def test_commands_and_media_in_the_middle(event: Event, said: str, done: bool) -> None:
    settings = Settings(DAILY_8PM)
    settings.send(Tapped(REMINDERS, "weekly"))
    out = settings.send(event)
    assert out.say == [said]
    assert out.done is done
    assert_unchanged(out)
    if done:
        assert out.screen is None
    else:
        assert settings.step == WEEKDAY
        assert out.state == PreferencesState(WEEKDAY, {"kind": "weekly"})


def test_begin_shows_the_question_again() -> None:
    settings = Settings()
    settings.send(Tapped(REMINDERS, "weekly"))
    out = settings.send(Begin())
    assert out.say == [] and settings.step == WEEKDAY and not out.stale
    assert out.state == PreferencesState(WEEKDAY, {"kind": "weekly"})


# --- stale buttons ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        Tapped(REMINDERS, "daily"),  # the first question's button, once past it
        Tapped(TIME, "08:00"),  # a button from a later question (an earlier run)
        Tapped(TIMEZONE, "America/Denver"),  # another settings dialogue
        Toggled(WEEKDAY, "1"),
        DoneTapped(WEEKDAY),
        Command("back", step=REMINDERS),  # an earlier screen's Back button
        Command("pause", step=TIME),  # a later screen's Pause button
    ],
    ids=[
        "earlier-question",
        "later-question",
        "timezone",
        "toggle",
        "done",
        "old-back",
        "old-pause",
    ],
)
def test_stale_buttons_change_nothing(event: Event) -> None:
    settings = Settings()
    settings.send(Tapped(REMINDERS, "weekly"))
    out = settings.send(event)
    assert out.stale
    assert out.say == [messages.STALE_BUTTON]
    assert out.state == PreferencesState(WEEKDAY, {"kind": "weekly"})
    assert settings.step == WEEKDAY and not out.done
    assert_unchanged(out)


def test_an_unknown_choice_on_the_first_question_is_stale() -> None:
    out = Settings(OFF).send(Tapped(REMINDERS, "hourly"))
    assert out.stale and out.say == [messages.STALE_BUTTON]
    assert out.state == PreferencesState(REMINDERS) and not out.done


# --- time zone --------------------------------------------------------------------------


@pytest.mark.parametrize("option", ZONE_OPTIONS, ids=lambda option: option.label)
def test_timezone_by_button(option) -> None:  # type: ignore[no-untyped-def]
    out = Settings(timezone=True).send(Tapped(TIMEZONE, option.value))
    assert out.done and out.screen is None
    assert out.timezone == option.value
    assert out.say == [f"Done: your time zone is now {option.value}. Reminders will follow it."]
    assert out.cadence is None


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Pacific", "America/Los_Angeles"),  # a button's label
        ("eastern time", "America/New_York"),
        ("EST", "America/New_York"),
        ("america/new york", "America/New_York"),
        ("Europe/London", "Europe/London"),
        ("london", "Europe/London"),
        ("UTC", "UTC"),
    ],
)
def test_timezone_typed(text: str, zone: str) -> None:
    out = Settings(timezone=True).send(Typed(text))
    assert out.done and out.timezone == zone
    assert out.say == [f"Done: your time zone is now {zone}. Reminders will follow it."]


@pytest.mark.parametrize(
    "event",
    [Typed("Mars/Olympus_Mons"), Typed("UTC-5"), Tapped(TIMEZONE, "Not/A_Zone")],
    ids=["unknown", "offset", "bad-button-value"],
)
def test_unknown_time_zones_ask_again(event: Event) -> None:
    settings = Settings(timezone=True)
    out = settings.send(event)
    assert out.say == [BAD_ZONE]
    assert not out.done and settings.step == TIMEZONE
    assert out.state == PreferencesState(TIMEZONE)
    assert_unchanged(out)


def test_a_reminders_button_on_the_time_zone_question_is_stale() -> None:
    settings = Settings(timezone=True)
    out = settings.send(Tapped(REMINDERS, "daily"))
    assert out.stale and out.say == [messages.STALE_BUTTON] and settings.step == TIMEZONE
    assert_unchanged(out)


@pytest.mark.parametrize(
    ("typed", "kind"), [("daily", "daily"), ("weekly", "weekly"), ("every week", "weekly")]
)
def test_the_reminder_kind_can_be_typed_in_plain_words(typed: str, kind: str) -> None:
    from flows.preferences import REMINDERS, TIME, WEEKDAY, PreferencesState, handle_preferences
    from flows.schedule import Cadence

    outcome = handle_preferences(
        PreferencesState(REMINDERS), Typed(typed), Cadence("off"), "America/Chicago"
    )
    assert outcome.state.step == (WEEKDAY if kind == "weekly" else TIME)
    assert outcome.state.draft == {"kind": kind}
