"""The between-visit check-in dialogue (flows.checkin.handle_checkin), driven event by event.

The driver below holds what the check-in row holds (step, pending, draft and the answers dict)
and applies each outcome the way the service is meant to: every Recorded becomes
answers[key] = value.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from flows import checkin_messages, messages
from flows.answers import KEEP_OPTION
from flows.checkin import CheckinContext, CheckinOutcome, CheckinState, handle_checkin
from flows.checkin_questions import (
    ENERGY,
    MAIN_STEPS,
    MOOD,
    NOTE,
    SIDE_EFFECTS,
    SIDE_EFFECTS_OTHER,
    SLEEP,
)
from flows.checkin_summary import records_from_answers
from flows.dialogue import (
    Begin,
    Command,
    DoneTapped,
    Event,
    Recorded,
    SafetySignal,
    Screen,
    Tapped,
    Toggled,
    Typed,
    Unsupported,
)
from flows.intake import Context, IntakeState, handle
from flows.safety_dialogue import CRISIS_REPLY, SAFETY_CHECK, SAFETY_CLARIFY

RISK_NOTE = "Honestly I want to kill myself some nights"
IDIOM_NOTE = "this traffic is killing me"


class Checkin:
    """One patient's check-in, driven event by event."""

    def __init__(self) -> None:
        self.state = CheckinState()
        self.answers: dict[str, Any] = {}
        self.history: list[Recorded] = []
        self.safety: list[SafetySignal] = []
        self.outcomes: list[CheckinOutcome] = []

    def send(self, event: Event, *, returning: bool = False) -> CheckinOutcome:
        out = handle_checkin(self.state, self.answers, event, CheckinContext(returning))
        for item in out.record:
            self.answers[item.key] = item.value
            self.history.append(item)
        self.safety.extend(out.safety)
        self.state = out.state
        self.outcomes.append(out)
        return out

    @property
    def current(self) -> str:
        step = self.state.pending or self.state.step
        assert step is not None, self.state
        return step

    def begin(self, *, returning: bool = False) -> CheckinOutcome:
        return self.send(Begin(), returning=returning)

    def type(self, text: str, *, returning: bool = False) -> CheckinOutcome:
        return self.send(Typed(text), returning=returning)

    def tap(self, value: str) -> CheckinOutcome:
        return self.send(Tapped(self.current, value))

    def toggle(self, *values: str) -> CheckinOutcome:
        out = None
        for value in values:
            out = self.send(Toggled(self.current, value))
        assert out is not None
        return out

    def done(self) -> CheckinOutcome:
        return self.send(DoneTapped(self.current))

    def command(self, name: str, step: str | None = None) -> CheckinOutcome:
        return self.send(Command(name, step))

    def to(self, step: str) -> None:
        """Answer by typing from the start until `step` is on screen."""
        self.begin()
        script = {MOOD: "6", SLEEP: "7", ENERGY: "ok", SIDE_EFFECTS: "none"}
        while self.state.step != step:
            assert self.state.step is not None
            self.type(script[self.state.step])

    @property
    def completions(self) -> int:
        return sum(out.completed for out in self.outcomes)


def kinds(events: list[SafetySignal]) -> list[tuple[str, bool]]:
    return [(e.kind, e.alert) for e in events]


def screen(out: CheckinOutcome) -> Screen:
    assert out.screen is not None
    return out.screen


# --- the whole check-in -----------------------------------------------------------------


def test_the_whole_check_in_by_typing() -> None:
    c = Checkin()
    out = c.begin()
    assert screen(out).step == MOOD and out.say == []
    assert screen(out).text == "How has your mood been today, from 0 (worst) to 10 (best)?"
    c.type("7")
    c.type("6.5")
    c.type("ok")
    c.type("nausea, headache")
    out = c.type("Started the new dose on Monday.")
    assert out.completed and out.finished
    assert out.screen is None
    assert out.say == ["Thanks — logged. See you next time."]
    assert out.state == CheckinState(step=None, pending=None, draft=None)
    assert c.answers == {
        MOOD: 7,
        SLEEP: 6.5,
        ENERGY: "ok",
        SIDE_EFFECTS: ["nausea", "headache"],
        NOTE: "Started the new dose on Monday.",
    }
    assert c.safety == [] and c.completions == 1
    assert [item.raw_text for item in c.history][:2] == ["7", "6.5"]


def test_the_whole_check_in_by_tapping() -> None:
    c = Checkin()
    c.begin()
    c.tap("4")
    c.type("8")  # hours have no buttons
    c.tap("high")
    out = c.toggle("none")
    assert out.edit_in_place and screen(out).selected == ("none",)
    assert out.record == []  # toggles are a draft until Done
    c.done()
    out = c.tap("none")  # "Nothing to add"
    assert out.completed and out.screen is None
    assert out.say == [checkin_messages.DONE]
    assert c.answers == {
        MOOD: 4,
        SLEEP: 8.0,
        ENERGY: "high",
        SIDE_EFFECTS: ["none"],
        NOTE: {"choice": "none"},
    }
    assert all(item.raw_text is None for item in c.history if item.key != SLEEP)


def test_screens_count_five_questions_and_the_other_text_step_does_not_add_one() -> None:
    c = Checkin()
    out = c.begin()
    seen = {}
    seen[MOOD] = screen(out)
    seen[SLEEP] = screen(c.tap("5"))
    seen[ENERGY] = screen(c.type("7"))
    seen[SIDE_EFFECTS] = screen(c.tap("low"))
    c.toggle("other")
    seen[SIDE_EFFECTS_OTHER] = screen(c.done())
    seen[NOTE] = screen(c.type("itchy skin"))
    assert {step: s.header for step, s in seen.items()} == {
        MOOD: "Check-in · 1 of 5",
        SLEEP: "Check-in · 2 of 5",
        ENERGY: "Check-in · 3 of 5",
        SIDE_EFFECTS: "Check-in · 4 of 5",
        SIDE_EFFECTS_OTHER: "Check-in · 4 of 5",
        NOTE: "Check-in · 5 of 5",
    }
    assert [s.step for s in seen.values()] == [
        MOOD,
        SLEEP,
        ENERGY,
        SIDE_EFFECTS,
        SIDE_EFFECTS_OTHER,
        NOTE,
    ]
    assert {step: s.can_back for step, s in seen.items()} == {
        MOOD: False,
        SLEEP: True,
        ENERGY: True,
        SIDE_EFFECTS: True,
        SIDE_EFFECTS_OTHER: True,
        NOTE: True,
    }
    assert {step: s.can_skip for step, s in seen.items()} == {
        MOOD: True,
        SLEEP: True,
        ENERGY: True,
        SIDE_EFFECTS: False,
        SIDE_EFFECTS_OTHER: False,
        NOTE: True,
    }
    assert [step for step, s in seen.items() if s.numbered] == [ENERGY]
    assert [step for step, s in seen.items() if s.multi] == [SIDE_EFFECTS]
    assert [o.value for o in seen[MOOD].options] == [str(n) for n in range(11)]
    assert [o.label for o in seen[ENERGY].options] == ["Low", "OK", "High"]
    assert seen[SIDE_EFFECTS].options[-1].label == "None of these"
    assert seen[SIDE_EFFECTS].options[-1].exclusive
    assert [o.label for o in seen[NOTE].options] == ["Nothing to add"]
    assert seen[SLEEP].options == ()


def test_step_keys_are_short() -> None:
    for step in [*MAIN_STEPS, SIDE_EFFECTS_OTHER, SAFETY_CHECK, SAFETY_CLARIFY]:
        assert len(step) <= 30


# --- begin, pause, help, unknown --------------------------------------------------------


def test_begin_greets_only_a_returning_or_started_check_in() -> None:
    assert Checkin().begin().say == []
    out = Checkin().begin(returning=True)
    assert out.say == [checkin_messages.WELCOME_BACK] and screen(out).step == MOOD
    c = Checkin()
    c.to(ENERGY)
    out = c.begin()
    assert out.say == [checkin_messages.WELCOME_BACK] and screen(out).step == ENERGY
    assert out.record == []


def test_pause_keeps_the_place_and_shows_no_screen() -> None:
    c = Checkin()
    c.to(ENERGY)
    out = c.command("pause")
    assert out.paused and out.screen is None
    assert out.say == [checkin_messages.PAUSED]
    assert out.state.step == ENERGY and out.record == []
    out = c.begin(returning=True)
    assert screen(out).step == ENERGY and out.say == [checkin_messages.WELCOME_BACK]


def test_typed_pause_and_help_without_a_slash_are_commands() -> None:
    c = Checkin()
    c.to(NOTE)
    out = c.type("help")
    assert out.say == [checkin_messages.HELP] and screen(out).step == NOTE
    assert NOTE not in c.answers  # "help" was not taken as the note
    out = c.type("/pause")
    assert out.paused and NOTE not in c.answers


def test_help_and_unknown_commands_keep_the_question() -> None:
    c = Checkin()
    c.to(SLEEP)
    out = c.command("help")
    assert out.say == [checkin_messages.HELP] and screen(out).step == SLEEP
    assert "988" in checkin_messages.HELP and "/restart" in checkin_messages.HELP
    out = c.command("frobnicate")
    assert out.say == [messages.UNKNOWN_COMMAND] and screen(out).step == SLEEP
    out = c.send(Unsupported("sticker"))
    assert out.say == [messages.UNSUPPORTED] and screen(out).step == SLEEP


def test_a_returning_patient_whose_text_does_not_parse_is_greeted_not_corrected() -> None:
    c = Checkin()
    c.to(MOOD)
    out = c.type("hi again", returning=True)
    assert out.say == [checkin_messages.WELCOME_BACK] and c.answers == {}
    out = c.type("hi again")
    assert out.say == [messages.not_a_number(0, 10)]


# --- answers that cannot be read --------------------------------------------------------


@pytest.mark.parametrize("text", ["11", "-1", "7.5", "lots"])
def test_mood_must_be_a_whole_number_from_0_to_10(text: str) -> None:
    c = Checkin()
    c.to(MOOD)
    out = c.type(text)
    assert out.say == ["Please type a number from 0 to 10, like 7."]
    assert out.record == [] and screen(out).step == MOOD


def test_sleep_takes_decimals_and_words_but_not_more_than_a_day() -> None:
    c = Checkin()
    c.to(SLEEP)
    assert c.type("25").say == ["Please type a number from 0 to 24, like 7."]
    c.type("seven and a half")
    assert c.answers[SLEEP] == 7.5 and c.state.step == ENERGY


def test_energy_understood_from_other_words_is_echoed() -> None:
    c = Checkin()
    c.to(ENERGY)
    out = c.type("pretty tired")
    assert out.say == [messages.NOT_UNDERSTOOD] and out.record == []
    out = c.type("tired")
    assert c.answers[ENERGY] == "low" and out.say == [messages.choice_understood("Low")]
    c.command("back")
    out = c.type("3")  # the number beside "High"
    assert c.answers[ENERGY] == "high" and out.say == []


def test_an_over_long_note_is_refused_with_the_limit() -> None:
    c = Checkin()
    c.to(NOTE)
    out = c.type("x" * 1001)
    assert out.say == [
        "That's a bit long for a check-in note. Please keep it under 1,000 characters."
    ]
    assert out.record == [] and screen(out).step == NOTE
    out = c.type("y" * 1000)
    assert out.completed and c.answers[NOTE] == "y" * 1000


# --- back, skip, restart ----------------------------------------------------------------


def test_back_shows_the_earlier_answer_and_keep_records_nothing() -> None:
    c = Checkin()
    c.to(MOOD)
    c.tap("7")
    out = c.command("back")
    s = screen(out)
    assert s.step == MOOD and s.current_answer == "7"
    assert s.options[-1] == KEEP_OPTION
    out = c.tap(KEEP_OPTION.value)
    assert out.record == [] and out.state.step == SLEEP
    c.command("back")
    out = c.type("keep")
    assert out.record == [] and out.state.step == SLEEP
    c.command("back")
    out = c.tap("9")
    assert out.record == [Recorded(MOOD, 9, None)]
    assert [i.value for i in c.history if i.key == MOOD] == [7, 9]


def test_back_on_the_first_question_goes_nowhere() -> None:
    c = Checkin()
    c.begin()
    out = c.command("back")
    assert out.say == [messages.ALREADY_FIRST] and out.state.step == MOOD


def test_back_from_the_note_goes_through_the_other_text_only_when_other_was_checked() -> None:
    c = Checkin()
    c.to(SIDE_EFFECTS)
    c.toggle("dizzy", "other")
    c.done()
    c.type("ringing ears")
    assert c.command("back").state.step == SIDE_EFFECTS_OTHER
    assert c.command("back").state.step == SIDE_EFFECTS
    out = c.command("back")
    assert out.state.step == ENERGY
    c.type("ok")
    c.toggle("other")  # untick: dizzy stays
    out = c.done()
    assert c.answers[SIDE_EFFECTS] == ["dizzy"] and out.state.step == NOTE
    assert c.command("back").state.step == SIDE_EFFECTS


def test_skip_records_none_on_optional_questions_only() -> None:
    c = Checkin()
    c.begin()
    out = c.command("skip", MOOD)  # the Skip button carries its step
    assert out.record == [Recorded(MOOD, None, None)] and out.state.step == SLEEP
    c.command("skip")
    c.command("skip")
    out = c.command("skip")
    assert out.say == [checkin_messages.CANNOT_SKIP_SIDE_EFFECTS]
    assert out.state.step == SIDE_EFFECTS and out.record == []
    c.toggle("other")
    c.done()
    out = c.command("skip")
    assert out.say == [checkin_messages.CANNOT_SKIP_OTHER] and out.state.step == SIDE_EFFECTS_OTHER
    c.type("rash")
    out = c.command("skip")
    assert out.completed and out.say == [checkin_messages.DONE]
    assert c.answers == {
        MOOD: None,
        SLEEP: None,
        ENERGY: None,
        SIDE_EFFECTS: ["other"],
        SIDE_EFFECTS_OTHER: "rash",
        NOTE: None,
    }


def test_restart_goes_back_to_mood_without_recording_or_forgetting() -> None:
    c = Checkin()
    c.to(NOTE)
    before = dict(c.answers)
    out = c.command("restart")
    assert out.say == [checkin_messages.RESTARTED]
    assert out.state == CheckinState(step=MOOD)
    assert out.record == [] and c.answers == before
    assert screen(out).current_answer == "6"
    # Answering again replaces only what changes.
    c.tap("8")
    c.tap(KEEP_OPTION.value)  # sleep
    c.tap(KEEP_OPTION.value)  # energy
    assert screen(c.outcomes[-1]).selected == ("none",)
    c.done()  # the saved ticks
    c.tap("none")
    assert c.state.step is None and c.answers[MOOD] == 8
    assert [i.key for i in c.history].count(MOOD) == 2
    assert c.completions == 1


def test_restart_cannot_replace_an_open_safety_question() -> None:
    c = Checkin()
    c.to(SLEEP)
    c.type("I want to die")
    out = c.command("restart")
    assert out.say == [messages.SAFETY_FIRST]
    assert out.state.pending == SAFETY_CHECK and screen(out).step == SAFETY_CHECK


# --- stale buttons ----------------------------------------------------------------------


def test_a_button_from_an_earlier_question_is_stale() -> None:
    c = Checkin()
    c.to(ENERGY)
    out = c.send(Tapped(MOOD, "3"))
    assert out.stale and out.say == [messages.STALE_BUTTON]
    assert screen(out).step == ENERGY and out.record == [] and c.answers[MOOD] == 6
    out = c.send(Command("back", MOOD))
    assert out.stale and out.state.step == ENERGY
    out = c.send(Toggled(SIDE_EFFECTS, "nausea"))
    assert out.stale and out.state.draft is None and not out.edit_in_place
    out = c.send(DoneTapped(SIDE_EFFECTS))
    assert out.stale and out.record == []


def test_a_value_the_question_does_not_offer_is_stale() -> None:
    c = Checkin()
    c.to(ENERGY)
    out = c.tap("very_high")
    assert out.stale and out.record == [] and screen(out).step == ENERGY
    c.tap("ok")
    out = c.tap("nausea")  # a tap on a checklist is a toggle, never an answer
    assert out.stale and out.record == []
    out = c.send(Toggled(SIDE_EFFECTS, "not_an_option"))
    assert out.stale and out.state.draft is None


def test_buttons_of_a_finished_check_in_change_nothing() -> None:
    c = Checkin()
    c.to(NOTE)
    c.tap("none")
    for event in (Tapped(NOTE, "none"), Command("back", NOTE), DoneTapped(SIDE_EFFECTS)):
        out = c.send(event)
        assert out.stale and out.say == [checkin_messages.ALREADY_DONE]
        assert out.screen is None and out.record == [] and not out.completed
    out = c.type("hello")
    assert out.say == [checkin_messages.ALREADY_DONE] and out.screen is None
    out = c.command("restart")
    assert out.state.step is None and out.say == [checkin_messages.ALREADY_DONE]
    assert c.completions == 1


# --- side effects -----------------------------------------------------------------------


def test_none_of_these_clears_the_others_and_a_tick_clears_none() -> None:
    c = Checkin()
    c.to(SIDE_EFFECTS)
    assert screen(c.toggle("nausea", "sleepy")).selected == ("nausea", "sleepy")
    assert screen(c.toggle("none")).selected == ("none",)
    assert screen(c.toggle("tremor")).selected == ("tremor",)
    out = c.done()
    assert c.answers[SIDE_EFFECTS] == ["tremor"] and out.state.step == NOTE


def test_done_with_nothing_ticked_asks_for_one() -> None:
    c = Checkin()
    c.to(SIDE_EFFECTS)
    out = c.done()
    assert out.say == [messages.PICK_AT_LEAST_ONE] and out.state.step == SIDE_EFFECTS


def test_typed_side_effects_none_vs_some_vs_other() -> None:
    none = Checkin()
    none.to(SIDE_EFFECTS)
    none.type("none")
    assert none.answers[SIDE_EFFECTS] == ["none"] and none.state.step == NOTE

    some = Checkin()
    some.to(SIDE_EFFECTS)
    some.type("dry mouth and headache")
    assert some.answers[SIDE_EFFECTS] == ["headache", "dry_mouth"]  # checklist order
    assert some.state.step == NOTE

    other = Checkin()
    other.to(SIDE_EFFECTS)
    out = other.type("other")
    assert screen(out).step == SIDE_EFFECTS_OTHER
    assert screen(out).text == "What else have you noticed?"
    other.type("  jaw clenching ")
    other.type("no")  # "Nothing to add"
    record = records_from_answers(datetime(2025, 3, 1, tzinfo=UTC), other.answers, late=False)
    assert record.side_effects == ("“jaw clenching”",)
    assert record.note is None


def test_back_to_the_checklist_shows_the_saved_ticks_and_drops_an_unfinished_draft() -> None:
    c = Checkin()
    c.to(SIDE_EFFECTS)
    c.toggle("nausea")
    c.done()
    c.command("back")
    out = c.toggle("headache")
    assert screen(out).selected == ("nausea", "headache")
    out = c.command("back")  # leaves without Done
    assert out.state.draft is None and c.answers[SIDE_EFFECTS] == ["nausea"]
    c.type("ok")
    assert screen(c.outcomes[-1]).selected == ("nausea",)


# --- safety -----------------------------------------------------------------------------


def test_risk_language_in_the_note_is_kept_alerts_and_asks_the_safety_question() -> None:
    c = Checkin()
    c.to(NOTE)
    out = c.type(RISK_NOTE)
    assert c.answers[NOTE] == RISK_NOTE  # nothing the patient typed is lost
    assert out.completed and not out.finished
    assert out.say == [CRISIS_REPLY] and "988" in out.say[0]
    assert screen(out).step == SAFETY_CHECK and screen(out).text == "Are you safe right now?"
    [event] = out.safety
    assert (event.kind, event.alert, event.step, event.text) == (
        "risk_language",
        True,
        NOTE,
        RISK_NOTE,
    )
    assert event.shown == "crisis_resources" and RISK_NOTE not in event.detail
    out = c.tap("safe")
    assert kinds(out.safety) == [("safe", False)]
    assert out.say == [checkin_messages.END_REPLIES.safe, checkin_messages.DONE]
    assert out.screen is None and out.finished and not out.completed
    assert c.completions == 1


def test_not_safe_after_the_last_answer_alerts_and_ends_without_cheer() -> None:
    c = Checkin()
    c.to(NOTE)
    c.type(RISK_NOTE)
    out = c.type("no")
    assert kinds(out.safety) == [("not_safe", True)]
    assert out.say == [checkin_messages.END_REPLIES.not_safe]
    assert "911" in out.say[0] and "988" in out.say[0]
    assert out.finished and out.screen is None
    assert kinds(c.safety) == [("risk_language", True), ("not_safe", True)]


def test_the_interjection_is_exactly_the_intakes() -> None:
    intake = handle(IntakeState(), {}, Typed(RISK_NOTE), Context("Test Clinic"))
    c = Checkin()
    c.to(NOTE)
    out = c.type(RISK_NOTE)
    assert out.screen == intake.screen
    assert out.say == intake.say == [CRISIS_REPLY]
    assert kinds(out.safety) == kinds(intake.safety)
    assert [e.detail for e in out.safety] == [e.detail for e in intake.safety]


def test_an_idiom_asks_a_clarifying_question_and_alerts_nobody() -> None:
    c = Checkin()
    c.to(NOTE)
    out = c.type(IDIOM_NOTE)
    assert c.answers[NOTE] == IDIOM_NOTE and out.completed
    assert kinds(out.safety) == [("unclear_language", False)]
    assert out.say == [] and screen(out).step == SAFETY_CLARIFY
    assert screen(out).text == messages.CLARIFY_QUESTION
    out = c.type("no")
    assert kinds(out.safety) == [("clarified_no", False)]
    assert out.say == [checkin_messages.END_REPLIES.clarified_no, checkin_messages.DONE]
    assert out.finished
    assert not any(e.alert for e in c.safety)


def test_yes_to_the_clarifying_question_alerts_and_asks_the_safety_question() -> None:
    c = Checkin()
    c.to(NOTE)
    c.type(IDIOM_NOTE)
    out = c.tap("yes")
    assert kinds(out.safety) == [("confirmed_thoughts", True)]
    assert out.say == [CRISIS_REPLY] and screen(out).step == SAFETY_CHECK
    assert not out.finished
    out = c.tap("safe")
    assert out.finished and out.say[-1] == checkin_messages.DONE


def test_risk_typed_at_a_number_question_is_not_a_score_and_the_check_in_goes_on() -> None:
    c = Checkin()
    c.to(MOOD)
    out = c.type("0, I want to die")
    assert MOOD not in c.answers and out.record == []
    assert kinds(out.safety) == [("risk_language", True)] and out.safety[0].step == MOOD
    out = c.tap("safe")
    assert out.say == [messages.SAFE_REPLY]  # the intake's words while questions remain
    assert screen(out).step == MOOD and not out.completed
    c.tap("2")
    assert c.answers[MOOD] == 2 and c.state.step == SLEEP


def test_risk_in_the_other_side_effect_text_is_kept_and_the_check_in_goes_on() -> None:
    c = Checkin()
    c.to(SIDE_EFFECTS)
    c.toggle("other")
    c.done()
    out = c.type("thoughts of suicide since the dose went up")
    assert c.answers[SIDE_EFFECTS_OTHER] == "thoughts of suicide since the dose went up"
    assert kinds(out.safety) == [("risk_language", True)]
    assert out.state == CheckinState(step=NOTE, pending=SAFETY_CHECK)
    out = c.type("not safe")
    assert kinds(out.safety) == [("not_safe", True)]
    assert out.say == [messages.NOT_SAFE_REPLY] and screen(out).step == NOTE


def test_leaving_the_safety_question_is_logged_and_the_check_in_goes_on_or_ends() -> None:
    c = Checkin()
    c.to(SLEEP)
    c.type("I'm going to overdose")
    out = c.command("back")
    assert kinds(out.safety) == [("safety_question_skipped", False)]
    assert screen(out).step == SLEEP and SLEEP not in c.answers

    end = Checkin()
    end.to(NOTE)
    end.type(RISK_NOTE)
    out = end.command("skip")
    assert kinds(out.safety) == [("safety_question_skipped", False)]
    assert out.finished and out.say == [checkin_messages.DONE]


def test_other_text_on_the_safety_question_is_not_understood_unless_it_is_risk() -> None:
    c = Checkin()
    c.to(NOTE)
    c.type(RISK_NOTE)
    out = c.type("what?")
    assert out.say == [messages.SAFETY_NOT_UNDERSTOOD] and out.safety == []
    assert screen(out).step == SAFETY_CHECK
    out = c.begin(returning=True)
    assert screen(out).step == SAFETY_CHECK
    # risk language as the answer to "are you safe right now?" means not safe
    out = c.type("I have a plan to kill myself")
    assert kinds(out.safety) == [("not_safe", True)] and out.state.pending is None


def test_a_stale_tap_during_the_safety_question_is_refused() -> None:
    c = Checkin()
    c.to(ENERGY)
    c.type("I want to end my life")
    out = c.send(Tapped(ENERGY, "ok"))
    assert out.stale and out.record == [] and out.state.pending == SAFETY_CHECK
    out = c.send(Tapped(SAFETY_CHECK, "maybe"))
    assert out.stale and out.state.pending == SAFETY_CHECK


def test_risk_typed_after_the_end_still_alerts() -> None:
    c = Checkin()
    c.to(NOTE)
    c.tap("none")
    out = c.type("I want to die")
    assert kinds(out.safety) == [("risk_language", True)]
    assert out.say == [checkin_messages.ALREADY_DONE, CRISIS_REPLY]
    assert screen(out).step == SAFETY_CHECK and not out.completed
    out = c.tap("safe")
    assert out.finished and not out.completed and c.completions == 1
    out = c.type("the traffic was killing me today")  # no clarifying question after the end
    assert kinds(out.safety) == [("unclear_language", False)]
    assert screen(out).step == SAFETY_CLARIFY


def test_a_completed_check_in_makes_a_record() -> None:
    c = Checkin()
    c.to(SIDE_EFFECTS)
    c.toggle("nausea", "other")
    c.done()
    c.type("vivid dreams")
    c.type("Work has been hard")
    record = records_from_answers(datetime(2025, 3, 2, 9, tzinfo=UTC), c.answers, late=True)
    assert record.mood == 6 and record.sleep_hours == 7.0 and record.energy == "ok"
    assert record.side_effects == ("Nausea or upset stomach", "“vivid dreams”")
    assert record.note == "Work has been hard" and record.late
