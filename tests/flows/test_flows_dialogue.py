"""The intake dialogue (flows.intake.handle), driven event by event as a patient would.

Covers every section by typing and by tapping, the medication loop, branching, the
commands (/back, /skip, /pause, /restart, /help), editing from review, stale buttons,
unsupported messages, over-long text, the safety rules, and that every button fits
Telegram's 64-byte callback data.
"""

from __future__ import annotations

import random
import re

import pytest
from flow_driver import Driver

from flows import messages
from flows.answers import KEEP_OPTION
from flows.dialogue import Command, DoneTapped, Recorded, Tapped, Toggled, Typed, Unsupported
from flows.intake import IntakeState
from flows.questions import Section, section_steps
from flows.safety_dialogue import SAFETY_CHECK

SERTRALINE = {
    "name": "sertraline",
    "dose": "50 mg",
    "frequency": "once a day",
    "raw": "sertraline 50 mg once a day",
}
ALL_ZERO = (0,) * 9
HEADER = re.compile(r"^(?P<title>.+) · (?P<position>\d+) of (?P<total>\d+)$")
COUNTED = re.compile(r"^(?P<title>.+) · (question (?P<position>\d+)|last question)$")


def at(step: str, *, phq9: tuple[int, ...] = ALL_ZERO) -> Driver:
    """A driver standing at `step`, reached by answering everything before it simply."""
    d = Driver()
    d.consent()
    if step.startswith(("med", "meds")):
        return _walk_to(d, step)
    d.one_medication()
    if step.startswith("phq9"):
        return _walk_to(d, step)
    d.mood(*phq9)
    if step.startswith("gad7"):
        return _walk_to(d, step)
    d.anxiety(0, 0, 0, 0, 0, 0, 0)
    if step.startswith("sleep"):
        return _walk_to(d, step)
    d.sleep()
    if step.startswith("daily"):
        return _walk_to(d, step)
    d.daily()
    if step.startswith("se"):
        return _walk_to(d, step)
    d.no_side_effects()
    if step.startswith(("therapy", "body")):
        return _walk_to(d, step)
    d.therapy_and_health()
    if step.startswith("stress"):
        return _walk_to(d, step)
    d.stressors()
    return _walk_to(d, step)


def _walk_to(d: Driver, step: str) -> Driver:
    for _ in range(40):
        if d.step == step:
            return d
        if d.step == "med.1.name":
            d.type("sertraline 50 mg once a day")
        elif d.step == "med.1.status":
            d.tap("as_prescribed")
        elif d.step and d.step.startswith(("phq9", "gad7")):
            d.tap("0")
        elif d.step == "stress.checklist":
            d.pick("none")
        elif d.screen is not None and d.screen.can_skip:
            d.command("skip")
        else:
            raise AssertionError(f"cannot walk from {d.step} to {step}")
    raise AssertionError(f"never reached {step}")


def safety_kinds(d: Driver) -> list[tuple[str, bool]]:
    return [(event.kind, event.alert) for event in d.safety]


# --- consent --------------------------------------------------------------------------


def test_begin_shows_the_welcome_and_consent_options() -> None:
    d = Driver(clinic="Lakeside Clinic")
    out = d.begin()
    assert out.screen is not None
    assert out.screen.step == "consent"
    assert "Lakeside Clinic" in out.screen.text
    assert "988" in out.screen.text
    assert [o.value for o in out.screen.options] == ["agree", "decline"]
    assert out.record == [] and out.say == []
    assert d.state == IntakeState()


@pytest.mark.parametrize("answer", ["I agree", "yes", "1", "AGREE"])
def test_typed_consent_starts_with_the_first_medication_question(answer: str) -> None:
    d = Driver()
    d.begin()
    out = d.type(answer)
    assert (d.phase, d.step) == ("medications", "med.1.name")
    assert out.screen is not None and out.screen.header == "Medications · question 1"
    assert out.record == []


def test_tapped_consent_starts_the_intake() -> None:
    d = Driver()
    d.begin()
    d.tap("agree")
    assert (d.phase, d.step) == ("medications", "med.1.name")


def test_declining_ends_the_intake_and_later_messages_say_so() -> None:
    d = Driver()
    d.begin()
    out = d.tap("decline")
    assert d.phase == "declined" and d.step is None
    assert messages.DECLINED in out.say
    assert out.screen is None
    out = d.type("hello?")
    assert out.say == [messages.ALREADY_DECLINED]
    assert out.record == [] and d.phase == "declined"


# --- medications ----------------------------------------------------------------------


def test_a_full_medication_line_is_understood_and_skips_dose_and_frequency() -> None:
    d = at("med.1.name")
    out = d.type("sertraline 50 mg once a day")
    assert out.record == [
        Recorded("med.1.name", SERTRALINE, "sertraline 50 mg once a day"),
    ]
    assert "Got it: sertraline · 50 mg · once a day." in out.say
    assert d.step == "med.1.status"
    assert out.screen is not None
    assert out.screen.text == "How have you been taking sertraline?"


def test_lamictal_100mg_bid_is_understood() -> None:
    d = at("med.1.name")
    d.type("Lamictal 100mg BID")
    assert d.answers["med.1.name"] == {
        "name": "Lamictal",
        "dose": "100 mg",
        "frequency": "twice a day",
        "raw": "Lamictal 100mg BID",
    }
    assert "Got it: Lamictal · 100 mg · twice a day." in d.said
    assert d.step == "med.1.status"


def test_a_name_only_asks_the_dose_and_then_how_often() -> None:
    d = at("med.1.name")
    out = d.type("Lamictal")
    assert "Got it: Lamictal." in out.say
    assert d.step == "med.1.dose"
    assert out.screen is not None
    assert out.screen.text.startswith("What dose of Lamictal")
    d.type("100 mg")
    assert d.answers["med.1.dose"] == "100 mg"
    assert d.step == "med.1.frequency"
    assert d.screen is not None
    assert d.screen.text == "How often do you take Lamictal?"
    d.type("twice a day")
    assert d.answers["med.1.frequency"] == "twice a day"
    assert d.step == "med.1.status"


def test_a_name_with_a_dose_asks_only_how_often() -> None:
    d = at("med.1.name")
    d.type("fluoxetine 20 mg")
    assert d.step == "med.1.frequency"
    d.tap("every morning")
    assert d.answers["med.1.frequency"] == "every morning"
    assert d.step == "med.1.status"


def test_frequency_accepts_other_typed_wording_as_free_text() -> None:
    d = at("med.1.name")
    d.type("Lamictal")
    d.tap("unsure")
    assert d.answers["med.1.dose"] == {"choice": "unsure"}
    d.type("every eight hours or so")
    assert d.answers["med.1.frequency"] == {"other": "every eight hours or so"}
    assert d.step == "med.1.status"


@pytest.mark.parametrize("how", ["typed", "tapped"])
def test_i_dont_take_any_skips_to_new_medicines(how: str) -> None:
    d = at("med.1.name")
    out = d.type("I don't take any") if how == "typed" else d.tap("none")
    assert out.record == [
        Recorded("med.1.name", {"choice": "none"}, None if how == "tapped" else "I don't take any")
    ]
    assert d.step == "meds.new"
    assert out.screen is not None and out.screen.header == "Medications · question 2"
    d.type("melatonin from the store")
    assert d.answers["meds.new"] == "melatonin from the store"
    assert (d.phase, d.step) == ("mood", "phq9.1")


def test_add_another_then_thats_all() -> None:
    d = at("med.1.name")
    d.type("sertraline 50 mg once a day")
    d.tap("as_prescribed")
    d.tap("0")
    assert d.step == "med.1.more"
    d.type("add another")
    assert d.answers["med.1.more"] == "another"
    assert d.step == "med.2.name"
    assert d.screen is not None
    assert d.screen.text.startswith("What is the next medicine?")
    d.type("Lamictal 100mg BID")
    d.type("as prescribed")
    d.type("0")
    assert d.step == "med.2.more"
    d.type("that's all")
    assert d.answers["med.2.more"] == "done"
    assert d.step == "meds.new"
    assert section_steps(Section.MEDICATIONS, d.answers) == [
        "med.1.name",
        "med.1.status",
        "med.1.missed",
        "med.1.more",
        "med.2.name",
        "med.2.status",
        "med.2.missed",
        "med.2.more",
        "meds.new",
    ]


def test_the_second_medication_question_offers_actually_thats_all() -> None:
    d = at("med.1.name")
    d.type("sertraline 50 mg once a day")
    d.tap("as_prescribed")
    d.tap("0")
    d.tap("another")
    assert d.screen is not None
    assert [o.label for o in d.screen.options] == ["Actually, that's all"]
    d.tap("done")
    assert d.answers["med.2.name"] == {"choice": "done"}
    assert d.step == "meds.new"


def test_stopped_asks_the_reasons_and_not_the_missed_days() -> None:
    d = at("med.1.name")
    d.type("sertraline 50 mg once a day")
    d.type("I stopped taking it")
    assert d.answers["med.1.status"] == "stopped"
    assert d.step == "med.1.reasons"
    assert d.screen is not None
    assert d.screen.text.startswith("What led you to stop sertraline?")
    assert d.screen.multi
    d.pick("side_effects", "felt_better")
    assert d.answers["med.1.reasons"] == ["side_effects", "felt_better"]
    assert d.step == "med.1.more"
    assert "med.1.missed" not in section_steps(Section.MEDICATIONS, d.answers)
    assert "med.1.missed" not in d.answers


def test_zero_missed_days_skips_the_reasons() -> None:
    d = at("med.1.name")
    d.type("sertraline 50 mg once a day")
    d.tap("as_prescribed")
    out = d.type("0")
    assert out.record == [Recorded("med.1.missed", 0, "0")]
    assert d.step == "med.1.more"


def test_missed_days_ask_what_got_in_the_way() -> None:
    d = at("med.1.name")
    d.type("sertraline 50 mg once a day")
    d.tap("different")
    assert d.step == "med.1.current_dose"
    d.type("25 mg")
    d.tap("3")
    assert d.answers["med.1.current_dose"] == "25 mg"
    assert d.answers["med.1.missed"] == 3
    assert d.step == "med.1.reasons"
    assert d.screen is not None
    assert d.screen.text.startswith("What got in the way of taking sertraline?")
    d.type("forgot, cost")
    assert d.answers["med.1.reasons"] == ["forgot", "cost"]
    assert d.step == "med.1.more"


def test_missed_days_must_be_0_to_7() -> None:
    d = at("med.1.missed")
    out = d.type("9")
    assert out.record == []
    assert d.step == "med.1.missed"
    assert messages.not_a_number(0, 7) in out.say


def test_reason_other_asks_for_the_other_reason() -> None:
    d = at("med.1.name")
    d.type("sertraline 50 mg once a day")
    d.tap("as_prescribed")
    d.type("2")
    d.pick("forgot", "other")
    assert d.answers["med.1.reasons"] == ["forgot", "other"]
    assert d.step == "med.1.reasons_other"
    assert d.screen is not None and d.screen.text == "What was the other reason?"
    d.type("The pharmacy was closed")
    assert d.answers["med.1.reasons_other"] == "The pharmacy was closed"
    assert d.step == "med.1.more"


def test_the_other_reason_is_not_asked_once_missed_days_go_back_to_zero() -> None:
    d = at("med.1.name")
    d.type("sertraline 50 mg once a day")
    d.tap("as_prescribed")
    d.type("2")
    d.pick("other")
    d.type("The pharmacy was closed")
    assert d.step == "med.1.more"
    d.command("back")
    d.command("back")
    d.command("back")
    assert d.step == "med.1.missed"
    d.type("0")
    assert d.step == "med.1.more"
    assert "med.1.reasons_other" not in section_steps(Section.MEDICATIONS, d.answers)


# --- walking every section --------------------------------------------------------------


def test_the_whole_intake_by_typing() -> None:
    d = Driver()
    d.begin()
    d.type("yes")
    d.type("sertraline 50 mg once a day")
    d.type("taking it as prescribed")
    d.type("2")
    d.type("I forgot")
    d.type("Add another medication")
    d.type("Lamictal")
    d.type("100 mg")
    d.type("2")  # the number shown beside "Twice a day"
    d.type("STOPPED")
    d.type("felt better")
    d.type("that's all")
    d.type("vitamin D")
    assert (d.phase, d.step) == ("mood", "phq9.1")
    for text in ["not at all", "Several Days", "3", "nearly every day", "1", "1", "1", "1", "1"]:
        d.type(text)
    d.type("Somewhat difficult")
    assert (d.phase, d.step) == ("anxiety", "gad7.1")
    for text in ["2", "2", "several days", "1", "1", "1", "more than half the days"]:
        d.type(text)
    assert (d.phase, d.step) == ("sleep", "sleep.hours")
    for text in ["6.5", "30-60 minutes", "2", "poor", "worse"]:
        d.type(text)
    assert (d.phase, d.step) == ("daily", "daily.energy")
    for text in ["worse", "about the same", "3"]:
        d.type(text)
    assert (d.phase, d.step) == ("side_effects", "se.checklist")
    d.type("nausea, headache")
    for text in ["most days", "moderate", "a lot", "sertraline"]:
        d.type(text)
    for text in ["rarely", "mild", "a little", "I think it's the lamictal"]:
        d.type(text)
    assert (d.phase, d.step) == ("therapy", "therapy.now")
    for text in ["no", "maybe", "Sprained ankle in March, went to the ER"]:
        d.type(text)
    assert (d.phase, d.step) == ("stressors", "stress.checklist")
    d.type("work, family")
    for text in ["a lot", "a little"]:
        d.type(text)
    d.type("My mother is in hospital")
    assert (d.phase, d.step) == ("questions", "q.picked")
    d.type("I'll type my own")
    assert (d.phase, d.step) == ("questions", "q.1")
    d.type("Should I change my dose?")
    d.type("Can I drink coffee with lamictal?")
    d.type("that's all")
    assert (d.phase, d.step) == ("review", "review")
    out = d.type("submit")
    assert out.submitted and d.phase == "submitted"
    assert messages.submitted("Test Clinic") in out.say

    a = d.answers
    assert a["med.1.name"] == SERTRALINE
    assert (a["med.1.status"], a["med.1.missed"], a["med.1.reasons"]) == (
        "as_prescribed",
        2,
        ["forgot"],
    )
    assert a["med.1.more"] == "another"
    assert a["med.2.name"]["name"] == "Lamictal"
    assert (a["med.2.dose"], a["med.2.frequency"]) == ("100 mg", "twice a day")
    assert (a["med.2.status"], a["med.2.reasons"], a["med.2.more"]) == (
        "stopped",
        ["felt_better"],
        "done",
    )
    assert a["meds.new"] == "vitamin D"
    assert [a[f"phq9.{n}"] for n in range(1, 10)] == ["0", "1", "2", "3", "0", "0", "0", "0", "0"]
    assert a["phq9.function"] == "somewhat"
    assert [a[f"gad7.{n}"] for n in range(1, 8)] == ["1", "1", "1", "0", "0", "0", "2"]
    assert (a["sleep.hours"], a["sleep.latency"], a["sleep.wakings"]) == (6.5, "30_60", 2)
    assert (a["sleep.quality"], a["sleep.change"]) == ("poor", "worse")
    assert (a["daily.energy"], a["daily.appetite"], a["daily.focus"]) == ("worse", "same", "worse")
    assert a["se.checklist"] == ["nausea", "headache"]
    assert a["se.nausea.medication"] == "m1"
    assert a["se.headache.medication"] == {"other": "I think it's the lamictal"}
    assert a["stress.work"] == "a_lot" and a["stress.family"] == "a_little"
    assert a["stress.notes"] == "My mother is in hospital"
    assert (a["q.1"], a["q.2"], a["q.3"]) == (
        "Should I change my dose?",
        "Can I drink coffee with lamictal?",
        {"choice": "done"},
    )
    assert d.safety == []


def test_the_whole_intake_by_tapping() -> None:
    d = Driver()
    d.begin()
    d.tap("agree")
    d.type("Lamictal")  # a medicine's name can only be typed
    d.tap("unsure")
    d.tap("twice a day")
    d.tap("as_prescribed")
    d.tap("1")
    d.toggle("ran_out", "other")
    d.done()
    d.type("ran out of refills")
    d.tap("done")
    d.tap("none")
    assert (d.phase, d.step) == ("mood", "phq9.1")
    for value in ["1", "1", "0", "0", "0", "0", "0", "0", "0"]:
        d.tap(value)
    d.tap("very")
    for _ in range(7):
        d.tap("0")
    assert (d.phase, d.step) == ("sleep", "sleep.hours")
    d.command("skip", step="sleep.hours")
    d.tap("under_15")
    d.tap("4")
    d.tap("very_good")
    d.tap("better")
    for value in ["better", "same", "better"]:
        d.tap(value)
    assert (d.phase, d.step) == ("side_effects", "se.checklist")
    d.pick("dizzy")
    d.tap("some_days")
    d.tap("severe")
    d.tap("not_at_all")
    d.tap("m1")
    assert (d.phase, d.step) == ("therapy", "therapy.now")
    d.tap("yes")  # seeing a therapist: no offer of information
    assert (d.phase, d.step) == ("physical", "body.changes")
    d.tap("none")
    assert (d.phase, d.step) == ("stressors", "stress.checklist")
    d.pick("money", "housing")
    d.tap("a_little")
    d.tap("a_lot")
    d.tap("none")
    d.pick("side_effects", "check_in")
    d.tap("done")
    assert (d.phase, d.step) == ("review", "review")
    out = d.tap("submit")
    assert out.submitted and d.phase == "submitted"

    a = d.answers
    assert a["med.1.dose"] == {"choice": "unsure"}
    assert a["med.1.frequency"] == "twice a day"
    assert (a["med.1.missed"], a["med.1.reasons"]) == (1, ["ran_out", "other"])
    assert a["med.1.reasons_other"] == "ran out of refills"
    assert (a["med.1.more"], a["meds.new"]) == ("done", {"choice": "none"})
    assert a["phq9.function"] == "very"
    assert a["sleep.hours"] is None
    assert (a["sleep.wakings"], a["sleep.quality"]) == (4, "very_good")
    assert a["se.checklist"] == ["dizzy"]
    assert [
        a[f"se.dizzy.{f}"] for f in ("frequency", "severity", "interference", "medication")
    ] == [
        "some_days",
        "severe",
        "not_at_all",
        "m1",
    ]
    assert a["stress.notes"] == {"choice": "none"}
    assert (a["therapy.now"], a["body.changes"]) == ("yes", {"choice": "none"})
    assert a["stress.checklist"] == ["money", "housing"]
    assert (a["stress.money"], a["stress.housing"]) == ("a_little", "a_lot")
    assert "therapy.info" not in a
    assert a["q.picked"] == ["side_effects", "check_in"]
    assert a["q.1"] == {"choice": "done"}


def test_every_question_screen_shows_where_the_patient_is() -> None:
    d = Driver()
    d.to_review(phq9=(1, 0, 0, 0, 0, 0, 0, 0, 0))
    question_screens = [s for s in d.screens if s.step not in ("consent", "review")]
    assert question_screens
    titles = {section.label for section in Section}
    for screen in question_screens:
        match = HEADER.match(screen.header or "")
        counted = COUNTED.match(screen.header or "")
        assert match or counted, screen
        assert (match or counted)["title"] in titles  # type: ignore[index]
        if match:
            assert 1 <= int(match["position"]) <= int(match["total"])
        # sections that grow with the answers count questions, without a moving total
        growing = screen.step.startswith(("med", "se.", "q.")) or screen.step == "phq9.function"
        assert bool(counted) == growing, screen.header
    mood = [s.header for s in question_screens if s.step.startswith("phq9")]
    assert mood[0] == "Mood · 1 of 9"
    assert mood[1] == "Mood · 2 of 9"  # the total stays at nine PHQ-9 items
    assert mood[-1] == "Mood · last question"  # item 1 > 0 brought in the functional question


def test_mood_header_counts_nine_while_every_item_is_zero() -> None:
    d = at("phq9.3")
    assert d.screen is not None
    assert d.screen.header == "Mood · 3 of 9"
    assert d.screen.stem is not None and d.screen.stem.startswith("Over the last 2 weeks")
    assert d.screen.numbered


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("Not at all", "0"),
        ("not at all", "0"),
        ("SEVERAL DAYS", "1"),
        ("More than half the days", "2"),
        ("nearly every day", "3"),
        ("1", "0"),  # the number shown beside the option, not the score
        ("2", "1"),
        ("3", "2"),
        ("4", "3"),
    ],
)
def test_a_choice_accepts_its_label_in_any_case_or_its_number(typed: str, value: str) -> None:
    d = at("phq9.1")
    out = d.type(typed)
    assert out.record == [Recorded("phq9.1", value, typed)]
    assert d.step == "phq9.2"


def test_a_choice_that_is_not_understood_asks_again() -> None:
    d = at("phq9.1")
    out = d.type("purple")
    assert out.record == []
    assert out.say == [messages.NOT_UNDERSTOOD]
    assert d.step == "phq9.1"
    assert out.screen is not None and out.screen.step == "phq9.1"


def test_empty_text_asks_for_an_answer() -> None:
    d = at("q.1")
    out = d.type("   ")
    assert out.record == [] and out.say == [messages.EMPTY_ANSWER]


# --- multi-select ---------------------------------------------------------------------


def test_toggles_redraw_in_place_and_done_records_the_selection() -> None:
    d = at("se.checklist")
    out = d.send(Toggled("se.checklist", "nausea"))
    assert out.edit_in_place and out.record == []
    assert out.screen is not None and out.screen.selected == ("nausea",)
    out = d.send(Toggled("se.checklist", "headache"))
    assert out.screen is not None and out.screen.selected == ("nausea", "headache")
    out = d.send(Toggled("se.checklist", "nausea"))  # a second tap unticks
    assert out.screen is not None and out.screen.selected == ("headache",)
    out = d.send(DoneTapped("se.checklist"))
    assert out.record == [Recorded("se.checklist", ["headache"], None)]
    assert d.step == "se.headache.frequency"


def test_none_of_these_clears_the_other_ticks_and_the_others_clear_it() -> None:
    d = at("se.checklist")
    d.toggle("nausea", "dizzy")
    out = d.toggle("none")
    assert out.screen is not None and out.screen.selected == ("none",)
    out = d.toggle("tremor")
    assert out.screen is not None and out.screen.selected == ("tremor",)


def test_done_with_nothing_ticked_asks_for_at_least_one() -> None:
    d = at("se.checklist")
    out = d.done()
    assert out.record == []
    assert out.say == [messages.PICK_AT_LEAST_ONE]
    assert d.step == "se.checklist"


def test_typing_none_and_something_else_on_a_checklist_is_not_understood() -> None:
    d = at("se.checklist")
    out = d.type("none, nausea")
    assert out.record == [] and d.step == "se.checklist"


# --- branching ------------------------------------------------------------------------


def test_none_of_these_skips_every_side_effect_follow_up() -> None:
    d = at("se.checklist")
    out = d.pick("none")
    assert out.record == [Recorded("se.checklist", ["none"], None)]
    assert (d.phase, d.step) == ("therapy", "therapy.now")
    assert section_steps(Section.SIDE_EFFECTS, d.answers) == ["se.checklist"]


def test_each_checked_side_effect_asks_four_follow_ups() -> None:
    d = at("se.checklist")
    d.pick("nausea", "tremor", "other")
    expected = ["se.other"] + [
        f"se.{value}.{field}"
        for value in ("nausea", "tremor", "other")
        for field in ("frequency", "severity", "interference", "medication")
    ]
    asked = []
    for _ in range(len(expected) + 1):
        if d.phase != "side_effects":
            break
        asked.append(d.step)
        if d.step == "se.other":
            d.type("itchy skin")
        else:
            d.command("skip")
    assert asked == expected
    assert d.phase == "therapy"
    texts = [s.text for s in d.screens if s.step.startswith("se.other.")]
    assert texts[0] == "“itchy skin”: how often do you notice it?"
    assert texts[1] == "“itchy skin”: how strong is it?"


def test_the_suspected_medicine_offers_each_medicine_named() -> None:
    d = Driver()
    d.consent()
    d.type("sertraline 50 mg once a day")
    d.tap("as_prescribed")
    d.tap("0")
    d.tap("another")
    d.type("Lamictal 100mg BID")
    d.tap("as_prescribed")
    d.tap("0")
    d.tap("done")
    d.tap("none")
    d.mood(*ALL_ZERO)
    d.anxiety(0, 0, 0, 0, 0, 0, 0)
    d.sleep()
    d.daily()
    d.pick("nausea")
    d.tap("rarely")
    d.tap("mild")
    d.tap("a_little")
    assert d.screen is not None
    assert [(o.value, o.label) for o in d.screen.options] == [
        ("m1", "sertraline"),
        ("m2", "Lamictal"),
        ("unsure", "Not sure"),
    ]


def test_the_suspected_medicine_leaves_out_medicines_no_longer_listed() -> None:
    d = Driver()
    d.consent()
    d.type("sertraline 50 mg once a day")
    d.tap("as_prescribed")
    d.tap("0")
    d.tap("another")
    d.type("Lamictal 100mg BID")
    d.tap("as_prescribed")
    d.tap("0")
    d.tap("done")
    for _ in range(9):
        d.command("back")
    assert d.step == "med.1.name"
    d.tap("none")  # "I don't take any": neither medicine is on the list any more
    d.tap("none")
    d.mood(*ALL_ZERO)
    d.anxiety(0, 0, 0, 0, 0, 0, 0)
    d.sleep()
    d.daily()
    d.pick("nausea")
    d.tap("rarely")
    d.tap("mild")
    d.tap("a_little")
    assert d.step == "se.nausea.medication"
    assert d.screen is not None
    assert [o.value for o in d.screen.options] == ["unsure"]


def test_phq9_functional_question_only_when_an_item_is_above_zero() -> None:
    d = at("phq9.1")
    d.mood(*ALL_ZERO)
    assert "phq9.function" not in d.answers
    assert (d.phase, d.step) == ("anxiety", "gad7.1")

    d = at("phq9.1")
    for value in (0, 0, 0, 0, 0, 0, 0, 2, 0):
        d.tap(str(value))
    assert d.step == "phq9.function"
    assert d.screen is not None
    assert d.screen.text.startswith("If you checked off any problems")
    d.tap("extremely")
    assert d.answers["phq9.function"] == "extremely"
    assert d.phase == "anxiety"


# --- commands -------------------------------------------------------------------------


def test_back_within_a_section_shows_the_earlier_answer_and_keep() -> None:
    d = at("phq9.3")
    out = d.command("back")
    assert d.step == "phq9.2"
    assert out.record == []
    assert out.screen is not None
    assert out.screen.current_answer == "Not at all"
    assert out.screen.options[-1] == KEEP_OPTION
    d.tap(KEEP_OPTION.value)
    assert d.step == "phq9.3"
    assert d.values_of("phq9.2") == ["0"]  # keeping records nothing new


def test_back_across_sections_lands_on_the_last_question_before() -> None:
    d = at("phq9.1")
    out = d.command("back")
    assert (d.phase, d.step) == ("medications", "meds.new")
    assert out.screen is not None and out.screen.current_answer == "Nothing new"
    d.command("back")
    assert d.step == "med.1.more"
    d.type("keep")
    d.type("keep my answer")
    assert (d.phase, d.step) == ("mood", "phq9.1")


def test_back_at_the_first_question_says_there_is_nothing_before() -> None:
    d = at("med.1.name")
    before = d.state
    out = d.command("back")
    assert out.say == [messages.ALREADY_FIRST]
    assert d.state == before
    assert out.screen is not None and out.screen.step == "med.1.name"
    assert not out.screen.can_back


def test_back_before_consent_says_there_is_nothing_before() -> None:
    d = Driver()
    d.begin()
    out = d.command("back")
    assert out.say == [messages.ALREADY_FIRST]
    assert d.phase == "consent"


def test_back_from_review_returns_to_the_last_question() -> None:
    d = Driver()
    d.to_review()
    out = d.command("back")
    assert (d.phase, d.step) == ("questions", "q.picked")
    assert out.screen is not None and out.screen.selected == ("none",)
    d.done()
    assert d.phase == "review"


def test_back_from_the_review_screen_button() -> None:
    d = Driver()
    d.to_review()
    d.command("back", step="review")
    assert (d.phase, d.step) == ("questions", "q.picked")


def test_skip_an_optional_question_records_none() -> None:
    d = at("sleep.hours")
    assert d.screen is not None and d.screen.can_skip
    out = d.command("skip")
    assert out.record == [Recorded("sleep.hours", None, None)]
    assert d.step == "sleep.latency"
    d.command("back")
    assert d.screen is not None and d.screen.current_answer == "skipped"


def test_skip_a_phq9_item_is_refused_and_records_nothing() -> None:
    d = at("phq9.4")
    assert d.screen is not None and not d.screen.can_skip
    out = d.command("skip")
    assert out.record == []
    assert out.say == [messages.CANNOT_SKIP]
    assert d.step == "phq9.4"
    assert out.screen is not None and out.screen.step == "phq9.4"


def test_pause_shows_no_screen_and_keeps_the_place() -> None:
    d = at("gad7.3")
    before = d.state
    answers = dict(d.answers)
    out = d.command("pause")
    assert out.paused
    assert out.screen is None
    assert out.say == [messages.PAUSED]
    assert out.record == []
    assert d.state == before and d.answers == answers


def test_coming_back_after_a_pause_welcomes_and_resumes_at_the_same_question() -> None:
    d = at("gad7.3")
    d.command("pause")
    out = d.begin(returning=True)
    assert out.say == [messages.WELCOME_BACK]
    assert out.screen is not None and out.screen.step == "gad7.3"
    assert d.step == "gad7.3"


def test_restart_asks_first_and_no_keeps_everything() -> None:
    d = at("sleep.quality")
    answers = dict(d.answers)
    out = d.command("restart")
    assert d.state.pending == "restart.confirm"
    assert out.screen is not None and out.screen.step == "restart.confirm"
    assert out.screen.text == messages.RESTART_QUESTION
    out = d.type("no")
    assert out.say == [messages.RESTART_CANCELLED]
    assert not out.restart
    assert d.answers == answers
    assert (d.phase, d.step, d.state.pending) == ("sleep", "sleep.quality", None)


def test_restart_yes_starts_over_and_keeps_the_history() -> None:
    d = at("sleep.quality")
    recorded = len(d.history)
    d.command("restart")
    out = d.tap("yes")
    assert out.restart
    assert out.say == [messages.RESTARTED]
    assert out.record == []
    assert d.answers == {}
    assert d.state == IntakeState(state="medications", step="med.1.name")
    assert out.screen is not None and out.screen.step == "med.1.name"
    assert out.screen.current_answer is None
    assert len(d.history) == recorded  # nothing is lost; storage supersedes the answers


def test_restart_from_review() -> None:
    d = Driver()
    d.to_review()
    d.command("restart")
    out = d.type("yes, start over")
    assert out.restart and (d.phase, d.step) == ("medications", "med.1.name")


def test_help_lists_the_commands_and_stays_put() -> None:
    d = at("phq9.2")
    out = d.command("help")
    assert out.say == [messages.HELP]
    for name in ("/back", "/skip", "/pause", "/restart", "/help"):
        assert name in messages.HELP
    assert out.screen is not None and out.screen.step == "phq9.2"
    assert out.record == []


def test_an_unknown_command_points_to_help() -> None:
    d = at("phq9.2")
    out = d.command("unknown")
    assert out.say == [messages.UNKNOWN_COMMAND]
    assert d.step == "phq9.2" and out.record == []


@pytest.mark.parametrize("word", ["back", "Back", "/back", "BACK."])
def test_typed_back_word_goes_back(word: str) -> None:
    d = at("phq9.3")
    out = d.type(word)
    assert d.step == "phq9.2" and out.record == []


@pytest.mark.parametrize("word", ["skip", "Skip", "/skip"])
def test_typed_skip_word_skips(word: str) -> None:
    d = at("sleep.latency")
    out = d.type(word)
    assert out.record == [Recorded("sleep.latency", None, None)]
    assert d.step == "sleep.wakings"


def test_typed_help_and_pause_words() -> None:
    d = at("sleep.latency")
    assert d.type("help").say == [messages.HELP]
    assert d.type("pause").paused


# --- editing from review --------------------------------------------------------------


def test_edit_mood_from_review_changes_one_answer_and_returns_to_review() -> None:
    d = Driver()
    d.to_review(phq9=(1, 0, 0, 0, 0, 0, 0, 0, 0))
    out = d.send(Tapped("review", "edit_mood"))
    assert (d.phase, d.step, d.state.editing) == ("mood", "phq9.1", True)
    assert out.screen is not None
    assert "Keep my answer" in [o.label for o in out.screen.options]
    assert out.screen.current_answer == "Several days"
    d.tap(KEEP_OPTION.value)
    changed = d.tap("2")  # phq9.2: "Not at all" -> "More than half the days"
    assert changed.record == [Recorded("phq9.2", "2", None)]
    for _ in range(8):  # phq9.3 … phq9.9 and the functional question
        out = d.tap(KEEP_OPTION.value)
        assert out.record == []
    assert (d.phase, d.step, d.state.editing) == ("review", "review", False)
    assert d.answers["phq9.2"] == "2"
    assert d.values_of("phq9.2") == ["0", "2"]  # the earlier answer stays in the history
    assert out.screen is not None
    mood = next(g for g in out.screen.review if g.section is Section.MOOD)
    assert ("Feeling down, depressed, or hopeless", "More than half the days") in mood.lines


def test_edit_by_typing_the_section_name_and_keep() -> None:
    d = Driver()
    d.to_review()
    d.type("sleep")
    assert (d.phase, d.step, d.state.editing) == ("sleep", "sleep.hours", True)
    d.type("8")
    for _ in range(4):
        d.type("keep")
    assert d.phase == "review"
    assert d.values_of("sleep.hours") == [7.0, 8.0]


def test_back_at_the_first_question_of_a_section_being_edited_returns_to_review() -> None:
    d = Driver()
    d.to_review()
    d.tap("edit_mood")
    d.command("back")
    assert (d.phase, d.step, d.state.editing) == ("review", "review", False)


def test_back_at_the_first_medication_question_while_editing_returns_to_review() -> None:
    d = Driver()
    d.to_review()
    d.tap("edit_medications")
    assert (d.phase, d.step, d.state.editing) == ("medications", "med.1.name", True)
    assert d.screen is not None and d.screen.can_back
    out = d.command("back")
    assert (d.phase, d.step, d.state.editing) == ("review", "review", False)
    assert out.screen is not None and out.screen.step == "review"


def test_editing_that_opens_new_questions_asks_them_before_review() -> None:
    d = Driver()
    d.to_review()
    d.tap("edit_side_effects")
    d.toggle("none", "headache")
    d.done()
    assert d.step == "se.headache.frequency"
    for value in ("every_day", "severe", "a_lot", "m1"):
        d.tap(value)
    assert d.phase == "review"
    assert d.answers["se.checklist"] == ["headache"]


# --- stale buttons, media, long text ---------------------------------------------------


def test_a_tap_for_an_earlier_question_is_stale_and_records_nothing() -> None:
    d = at("phq9.3")
    before = d.state
    out = d.send(Tapped("phq9.1", "3"))
    assert out.stale
    assert out.say == [messages.STALE_BUTTON]
    assert out.record == []
    assert d.state == before
    assert out.screen is not None and out.screen.step == "phq9.3"


def test_a_tap_with_an_unknown_value_is_stale() -> None:
    d = at("phq9.3")
    out = d.send(Tapped("phq9.3", "7"))
    assert out.stale and out.say == [messages.STALE_BUTTON] and out.record == []


def test_stale_toggle_done_and_navigation_buttons_do_nothing() -> None:
    d = at("se.checklist")
    before = d.state
    for event in (
        Toggled("med.1.reasons", "forgot"),
        DoneTapped("med.1.reasons"),
        Command("back", step="phq9.1"),
    ):
        out = d.send(event)
        assert out.stale and out.say == [messages.STALE_BUTTON]
        assert out.record == [] and d.state == before


def test_a_consent_button_after_consent_is_stale() -> None:
    d = at("med.1.name")
    out = d.send(Tapped("consent", "decline"))
    assert out.stale and d.phase == "medications"


def test_unsupported_media_is_explained_and_records_nothing() -> None:
    d = at("phq9.2")
    before = d.state
    out = d.send(Unsupported("sticker"))
    assert out.say == [messages.UNSUPPORTED]
    assert out.record == [] and out.safety == []
    assert d.state == before
    assert out.screen is not None and out.screen.step == "phq9.2"


@pytest.mark.parametrize(
    ("step", "limit"), [("q.1", "2,000"), ("med.1.name", "1,000"), ("phq9.1", "1,000")]
)
def test_too_long_text_records_nothing_and_explains_the_limit(step: str, limit: str) -> None:
    d = at(step)
    before = d.state
    out = d.type("a" * 10_000)
    assert out.record == []
    assert d.state == before
    assert len(out.say) == 1
    assert f"under {limit} characters" in out.say[0]


# --- safety ---------------------------------------------------------------------------


def test_phq9_item_9_above_zero_shows_resources_asks_and_alerts() -> None:
    d = at("phq9.9")
    out = d.tap("1")
    assert out.record == [Recorded("phq9.9", "1", None)]
    assert any("988" in line and messages.CARE_TEAM_TOLD in line for line in out.say)
    assert d.state.pending == "safety.check"
    assert out.screen is not None and out.screen.step == "safety.check"
    assert out.screen.text == messages.SAFETY_CHECK_QUESTION
    [event] = out.safety
    assert (event.kind, event.alert, event.step, event.shown) == (
        "phq9_item9",
        True,
        "phq9.9",
        "crisis_resources",
    )
    assert "Several days" in event.detail


def test_safe_answer_continues_at_the_next_question() -> None:
    d = at("phq9.9")
    d.tap("2")
    out = d.tap("safe")
    assert [(e.kind, e.alert) for e in out.safety] == [("safe", False)]
    assert out.say == [messages.SAFE_REPLY]
    assert d.state.pending is None
    assert d.step == "phq9.function"
    assert out.screen is not None and out.screen.step == "phq9.function"


def test_not_safe_is_another_alert_and_the_intake_can_go_on() -> None:
    d = at("phq9.9")
    d.tap("3")
    out = d.type("No, I'm not safe")
    assert [(e.kind, e.alert) for e in out.safety] == [("not_safe", True)]
    assert messages.NOT_SAFE_REPLY in out.say
    assert safety_kinds(d) == [("phq9_item9", True), ("not_safe", True)]
    assert d.state.pending is None and d.step == "phq9.function"
    d.tap("very")
    assert d.phase == "anxiety"


def test_phq9_item_9_of_zero_does_not_alert() -> None:
    d = at("phq9.9")
    out = d.tap("0")
    assert out.safety == [] and d.state.pending is None


def test_keeping_item_9_while_editing_does_not_alert_again_but_a_change_does() -> None:
    d = Driver()
    d.to_review(phq9=(0, 0, 0, 0, 0, 0, 0, 0, 1))
    assert safety_kinds(d) == [("phq9_item9", True), ("safe", False)]
    d.tap("edit_mood")
    for _ in range(8):
        d.tap(KEEP_OPTION.value)
    out = d.tap(KEEP_OPTION.value)
    assert out.safety == []
    d.tap(KEEP_OPTION.value)
    assert d.phase == "review"
    d.tap("edit_mood")
    for _ in range(8):
        d.tap(KEEP_OPTION.value)
    out = d.tap("2")
    assert [(e.kind, e.alert) for e in out.safety] == [("phq9_item9", True)]


def test_risk_language_that_answers_nothing_alerts_and_keeps_the_question() -> None:
    d = at("phq9.3")
    out = d.type("I want to kill myself")
    assert out.record == []
    [event] = out.safety
    assert (event.kind, event.alert, event.step, event.shown) == (
        "risk_language",
        True,
        "phq9.3",
        "crisis_resources",
    )
    assert event.text == "I want to kill myself"
    assert "kill" not in event.detail  # the alert never quotes the patient
    assert any("988" in line for line in out.say)
    assert d.state.pending == "safety.check"
    out = d.tap("safe")
    assert d.step == "phq9.3"
    assert out.screen is not None and out.screen.step == "phq9.3"


def test_risk_language_in_a_note_records_the_note_and_alerts() -> None:
    d = at("stress.notes")
    out = d.type("Everything is too much and I want to end my life")
    assert out.record == [
        Recorded(
            "stress.notes",
            "Everything is too much and I want to end my life",
            "Everything is too much and I want to end my life",
        )
    ]
    [event] = out.safety
    assert (event.kind, event.alert) == ("risk_language", True)
    assert event.step == "stress.notes"  # where the words were typed
    assert d.state.pending == "safety.check"
    d.tap("safe")
    assert (d.phase, d.step) == ("questions", "q.picked")


def test_risk_language_in_an_answer_to_a_question_alerts() -> None:
    d = at("q.1")
    out = d.type("What should I do if I might take all my pills tonight?")
    assert [(e.kind, e.alert) for e in out.safety] == [("risk_language", True)]
    assert out.safety[0].step == "q.1"
    assert d.answers["q.1"] == "What should I do if I might take all my pills tonight?"
    assert d.state.pending == "safety.check"


def test_risk_language_at_the_medication_question_is_not_taken_for_a_medicine() -> None:
    d = at("med.1.name")
    out = d.type("I want to kill myself")
    assert out.record == []
    assert [(e.kind, e.alert) for e in out.safety] == [("risk_language", True)]
    assert d.state.pending == "safety.check"
    d.tap("safe")
    assert d.step == "med.1.name"
    assert "med.1.name" not in d.answers


def test_an_idiom_at_the_medication_question_is_not_taken_for_a_medicine() -> None:
    d = at("med.1.name")
    out = d.type("this traffic is killing me")
    assert out.record == []
    assert [(e.kind, e.alert) for e in out.safety] == [("unclear_language", False)]
    d.tap("no")
    assert d.step == "med.1.name" and d.answers == {}


def test_risk_language_before_consent_alerts() -> None:
    d = Driver()
    d.begin()
    out = d.type("I don't want to live anymore")
    assert [(e.kind, e.alert) for e in out.safety] == [("risk_language", True)]
    assert out.safety[0].step == "consent"
    assert any("988" in line for line in out.say)
    assert d.state.pending == "safety.check"
    out = d.tap("safe")
    assert d.phase == "consent"
    assert out.screen is not None and out.screen.step == "consent"


def test_risk_language_after_submission_alerts() -> None:
    d = Driver()
    d.to_review()
    d.tap("submit")
    out = d.type("I am going to kill myself tonight")
    assert messages.ALREADY_SUBMITTED in out.say
    assert any("988" in line for line in out.say)
    assert [(e.kind, e.alert) for e in out.safety] == [("risk_language", True)]
    assert d.state.pending == "safety.check"
    assert out.screen is not None and out.screen.step == "safety.check"
    out = d.type("no")
    assert [(e.kind, e.alert) for e in out.safety] == [("not_safe", True)]
    assert d.phase == "submitted" and d.state.pending is None
    assert out.record == []


def test_risk_language_after_declining_alerts() -> None:
    d = Driver()
    d.begin()
    d.tap("decline")
    out = d.type("I want to die")
    assert [(e.kind, e.alert) for e in out.safety] == [("risk_language", True)]


def test_risk_language_while_the_safety_question_is_open_alerts_again() -> None:
    d = at("phq9.9")
    d.tap("1")
    out = d.type("honestly I have a plan to overdose")
    # risk language as the answer to "are you safe?" is read as "not safe": alert, 911/988 now
    assert [(e.kind, e.alert, e.text) for e in out.safety] == [
        ("not_safe", True, "honestly I have a plan to overdose")
    ]
    assert messages.NOT_SAFE_REPLY in out.say


@pytest.mark.parametrize(
    "reply",
    ["all the time", "a little", "kind of", "maybe", "yes, a lot", "I have been, yes", "every day"],
)
def test_any_yes_like_reply_to_the_clarifying_question_alerts(reply: str) -> None:
    d = at("phq9.3")
    d.type("this traffic is killing me")
    out = d.type(reply)
    assert [(e.kind, e.alert) for e in out.safety] == [("confirmed_thoughts", True)]
    assert d.state.pending == "safety.check"


@pytest.mark.parametrize(
    "reply", ["I am not safe", "no, I am not safe", "I do not feel safe", "nope", "unsafe"]
)
def test_typed_not_safe_answers_are_understood(reply: str) -> None:
    d = at("phq9.9")
    d.tap("1")
    out = d.type(reply)
    assert [e.kind for e in out.safety] == ["not_safe"]
    assert messages.NOT_SAFE_REPLY in out.say


def test_an_unreadable_reply_to_the_safety_question_repeats_the_crisis_numbers() -> None:
    d = at("phq9.9")
    d.tap("1")
    out = d.type("hmm")
    assert messages.SAFETY_NOT_UNDERSTOOD in out.say and "988" in messages.SAFETY_NOT_UNDERSTOOD
    assert d.state.pending == "safety.check" and not out.safety


@pytest.mark.parametrize("idiom", ["this traffic is killing me", "I am dying for a coffee"])
def test_an_idiom_asks_a_clarifying_question_and_alerts_nobody(idiom: str) -> None:
    d = at("phq9.3")
    out = d.type(idiom)
    assert out.record == []
    [event] = out.safety
    assert (event.kind, event.alert, event.shown) == (
        "unclear_language",
        False,
        "clarifying_question",
    )
    assert d.state.pending == "safety.clarify"
    assert out.screen is not None and out.screen.text == messages.CLARIFY_QUESTION
    assert not any("988" in line for line in out.say)
    out = d.type("no")
    assert out.say == [messages.CLARIFY_NO_REPLY]
    assert [(e.kind, e.alert) for e in out.safety] == [("clarified_no", False)]
    assert not any(e.alert for e in d.safety)
    assert d.step == "phq9.3" and d.state.pending is None


def test_an_idiom_in_a_note_is_kept_and_alerts_nobody() -> None:
    d = at("stress.notes")
    out = d.type("work is killing me")
    assert d.answers["stress.notes"] == "work is killing me"
    assert [(e.kind, e.alert) for e in out.safety] == [("unclear_language", False)]
    d.tap("no")
    assert (d.step, d.state.pending) == ("q.picked", None)
    assert not any(e.alert for e in d.safety)


def test_yes_to_the_clarifying_question_alerts_and_shows_resources() -> None:
    d = at("gad7.2")
    d.type("this traffic is killing me")
    out = d.type("yes")
    assert [(e.kind, e.alert) for e in out.safety] == [("confirmed_thoughts", True)]
    assert any("988" in line for line in out.say)
    assert d.state.pending == "safety.check"
    out = d.tap("safe")
    assert d.step == "gad7.2"
    assert out.screen is not None and out.screen.step == "gad7.2"
    d.tap("1")
    assert d.step == "gad7.3"


def test_back_on_the_safety_question_returns_to_the_question_and_is_logged() -> None:
    d = at("phq9.3")
    d.type("I want to kill myself")
    out = d.command("back")
    assert [(e.kind, e.alert) for e in out.safety] == [("safety_question_skipped", False)]
    assert d.state.pending is None and d.step == "phq9.3"


def test_a_stale_tap_during_the_safety_question_is_refused() -> None:
    d = at("phq9.9")
    d.tap("1")
    out = d.send(Tapped("phq9.9", "0"))
    assert out.stale and out.record == []
    assert d.state.pending == "safety.check"


def test_typed_restart_while_a_safety_question_is_open_after_submission_changes_nothing() -> None:
    d = Driver()
    d.to_review()
    d.tap("submit")
    d.type("I want to die")
    assert d.state.pending == "safety.check"
    out = d.type("restart")
    assert d.state.pending == "safety.check"
    assert not out.restart and out.record == []
    out = d.type("yes")  # answers the safety question; nothing starts over
    assert [(e.kind, e.alert) for e in out.safety] == [("safe", False)]
    assert d.phase == "submitted" and d.state.pending is None


def test_typed_restart_while_a_safety_question_is_open_after_declining() -> None:
    d = Driver()
    d.begin()
    d.tap("decline")
    d.type("I want to die")
    d.type("restart")
    out = d.send(Tapped("restart.confirm", "yes"))
    assert out.stale and not out.restart
    assert d.phase == "declined"


# --- random walks ---------------------------------------------------------------------

WALK_TEXTS = (
    "1",
    "2",
    "4",
    "0",
    "7",
    "yes",
    "no",
    "none",
    "keep",
    "sertraline 50 mg daily",
    "Lamictal",
    "back",
    "skip",
    "restart",
    "pause",
    "done",
    "submit",
    "mood",
    "other",
    "forgot, other",
    "none, nausea",
    "that's all",
    "another",
    "6.5",
    "",
    "x" * 3000,
    "I want to die",
    "this traffic is killing me",
)
WALK_COMMANDS = ("back", "skip", "pause", "restart", "help", "unknown")


@pytest.mark.parametrize("seed", range(150))
def test_random_walks_never_break_the_dialogue(seed: int) -> None:
    """Any order of taps, texts and commands keeps the intake consistent and never raises."""
    rng = random.Random(seed)
    d = Driver()
    d.begin()
    for _ in range(120):
        screen = d.screen
        roll = rng.random()
        before = d.state
        if d.phase == "consent" and not d.state.pending and roll < 0.9:
            out = d.tap("agree")  # mostly agree, so that walks get past consent
        elif screen is not None and screen.options and roll < 0.55:
            option = rng.choice(screen.options)
            if screen.multi:
                out = d.send(Toggled(screen.step, option.value))
                assert out.record == []
                if rng.random() < 0.4:
                    out = d.send(DoneTapped(screen.step))
            else:
                out = d.send(Tapped(screen.step, option.value))
        elif roll < 0.8:
            out = d.type(rng.choice(WALK_TEXTS))
        elif roll < 0.9:
            out = d.send(Command(rng.choice(WALK_COMMANDS)))
        elif roll < 0.95:
            stale_step = rng.choice(["phq9.1", "consent", "med.1.name", "se.checklist"])
            out = d.send(Tapped(stale_step, "1"))
            if before.state in ("submitted", "declined") and not before.pending:
                assert out.say[0] in (messages.ALREADY_SUBMITTED, messages.ALREADY_DECLINED)
                assert out.record == [] and d.state == before
            elif stale_step != (before.pending or before.step):
                assert out.stale and out.say == [messages.STALE_BUTTON]
                assert out.record == [] and d.state == before
        else:
            out = d.begin(returning=rng.random() < 0.5)
        state = d.state
        if out.paused:
            assert out.screen is None and state == before
        elif state.pending:
            assert out.screen is not None and out.screen.step == state.pending
        elif state.state in ("submitted", "declined"):
            assert out.screen is None and state.step is None
        else:
            assert out.screen is not None and out.screen.step == state.step
        if state.state in {section.value for section in Section} and not state.pending:
            assert state.step in section_steps(Section(state.state), d.answers)
        for event in out.safety:
            assert event.alert == (
                event.kind in {"phq9_item9", "risk_language", "not_safe", "confirmed_thoughts"}
            )


def test_risky_words_are_never_stored_as_a_dose() -> None:
    driver = Driver()
    driver.send(Typed("I agree"))
    driver.send(Typed("quetiapine"))
    assert driver.state.step == "med.1.dose"
    outcome = driver.send(Typed("enough to kill myself"))
    assert "med.1.dose" not in driver.answers
    assert outcome.state.pending == SAFETY_CHECK
    assert any(event.alert for event in outcome.safety)


def test_restart_cannot_replace_an_open_safety_question() -> None:
    driver = Driver()
    driver.send(Typed("I agree"))
    driver.send(Typed("I want to die"))
    outcome = driver.send(Command("restart"))
    assert outcome.state.pending == SAFETY_CHECK
    assert messages.SAFETY_FIRST in outcome.say
    assert outcome.screen is not None and outcome.screen.step == SAFETY_CHECK


def test_a_toggle_for_a_question_without_toggles_says_so() -> None:
    driver = Driver()
    driver.send(Typed("I agree"))
    outcome = driver.send(Toggled("med.1.name", "none"))
    assert outcome.stale and messages.STALE_BUTTON in outcome.say
    assert not outcome.record


@pytest.mark.parametrize(
    "reply", ["No, I am fine", "No, I have not", "I do not", "no, I'm not suicidal", "Nope, never had any"]
)
def test_a_plain_no_to_the_clarifying_question_alerts_nobody(reply: str) -> None:
    d = at("phq9.3")
    d.type("this traffic is killing me")
    out = d.type(reply)
    assert [(e.kind, e.alert) for e in out.safety] == [("clarified_no", False)]


@pytest.mark.parametrize("reply", ["I'm safe, no plans", "yes, no worries", "I'm fine, not in danger"])
def test_safe_replies_that_mention_no_are_still_safe(reply: str) -> None:
    d = at("phq9.9")
    d.tap("1")
    out = d.type(reply)
    assert [(e.kind, e.alert) for e in out.safety] == [("safe", False)]
