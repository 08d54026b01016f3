"""The first-visit intake: its sections in the issue's order, its wording ("lately", never "since
your last visit"), AUDIT-C scoring with both cut-offs, the drug screen, past medicines, the
common questions picked from a list, and the usual rules (Back, Skip, /restart, review, safety)
on the new questions; a follow-up keeps its own sections and asks therapy and physical health
"since your last visit". Also the tap budget of a first visit with two medicines."""

from __future__ import annotations

from typing import Any

import pytest
from flow_driver import Driver

from bot.render.summary import render_summary
from flows import messages
from flows.audit_c import audit_score
from flows.compiled import compile_intake
from flows.intake import Begin, Event, Outcome
from flows.questions import VISIT_KIND, Section, question_for, section_steps

FIRST_VISIT_ORDER = [
    "reasons",
    "medications",
    "past_medications",
    "background",
    "mood",
    "anxiety",
    "sleep",
    "daily",
    "substances",
    "therapy",
    "physical",
    "stressors",
    "questions",
]
FIRST_VISIT_ACTIONS_BUDGET = 60


class CountingDriver(Driver):
    """A first visit whose driver counts what the patient does (every event but Begin)."""

    def __init__(self) -> None:
        super().__init__(first_visit=True)
        self.actions = 0

    def send(self, event: Event, *, returning: bool = False) -> Outcome:
        if not isinstance(event, Begin):
            self.actions += 1
        return super().send(event, returning=returning)


def first_visit_to_review() -> CountingDriver:
    """A first visit with two medicines, one past medicine, a drink a few times a month, one
    stressor and one question picked from the list, tapped and typed up to review."""
    d = CountingDriver()
    d.consent()
    assert (d.phase, d.step) == ("reasons", "reason.coming")
    d.type("I can't sleep and I feel flat most days.")
    d.type("To feel like myself again")
    d.type("sertraline 50 mg once a day")
    d.tap("as_prescribed")
    d.tap("0")
    d.tap("another")
    d.type("trazodone 50 mg at bedtime")
    d.tap("as_prescribed")
    d.tap("0")
    d.tap("done")
    d.tap("none")  # other medicines or supplements
    assert d.step == "past.1.name"
    d.type("fluoxetine")
    d.tap("unsure")  # when: "I don't remember"
    d.tap("side_effects")
    d.type("It made me jittery")
    d.tap("done")
    assert d.step == "bg.allergies"
    d.type("penicillin, a rash")
    d.tap("none")  # other prescribers
    d.type("asthma")
    d.tap("private")  # pregnancy: prefer not to say
    d.mood(2, 2, 2, 1, 1, 1, 1, 0, 0)
    d.anxiety(1, 1, 1, 1, 1, 1, 1)
    assert (d.phase, d.step) == ("sleep", "sleep.hours")
    d.type("6")
    d.tap("30_60")
    d.tap("2")
    d.tap("poor")
    assert (d.phase, d.step) == ("daily", "daily.energy")  # no "since your last visit"
    d.tap("poor")
    d.tap("same")
    d.tap("fair")
    assert (d.phase, d.step) == ("substances", "audit.1")  # no side effects on a first visit
    d.tap("2")  # 2–4 times a month
    d.tap("1")  # 3 or 4 drinks
    d.tap("1")  # six or more: less than monthly
    d.tap("0")  # drugs: never
    d.tap("no")  # not seeing a therapist
    d.tap("yes")  # would like information about therapy
    d.tap("none")  # no new health problems
    assert (d.phase, d.step) == ("stressors", "stress.checklist")
    d.pick("work")
    d.tap("a_lot")
    d.tap("none")
    assert d.step == "q.picked"
    d.pick("changes")
    d.tap("done")
    assert d.phase == "review", d.state
    d.tap("submit")
    assert d.phase == "submitted"
    return d


def compiled_of(answers: dict[str, Any]) -> Any:
    return compile_intake(answers, intake_id=7, patient_name="Robin Q.")


# --- order and wording ------------------------------------------------------------------


def test_a_first_visit_meets_the_sections_in_the_issues_order() -> None:
    d = first_visit_to_review()
    met = []
    for screen in d.screens:
        if screen.step in ("consent", "review"):
            continue
        section = question_for(screen.step, d.answers).section.value
        if not met or met[-1] != section:
            met.append(section)
    assert met == FIRST_VISIT_ORDER


def test_no_first_visit_question_speaks_of_a_last_visit() -> None:
    d = first_visit_to_review()
    texts = [s.text for s in d.screens] + [s.stem or "" for s in d.screens]
    assert texts and not any("last visit" in text for text in texts)
    assert any("past two weeks" in text for text in texts)


def test_the_tap_budget_of_a_first_visit_with_two_medicines() -> None:
    d = first_visit_to_review()
    # From the first question to submitted; consent is given when joining, as for a returning
    # patient, and is not counted.
    assert d.actions - 1 <= FIRST_VISIT_ACTIONS_BUDGET, d.actions - 1
    for n in range(1, 10):
        assert f"phq9.{n}" in d.answers  # no validated item skipped
    for n in range(1, 8):
        assert f"gad7.{n}" in d.answers
    for n in range(1, 4):
        assert f"audit.{n}" in d.answers


def test_a_follow_up_has_no_first_visit_sections_and_asks_since_the_last_visit() -> None:
    d = Driver()
    d.to_review()
    assert not any(
        key.startswith(("reason.", "past.", "bg.", "audit.", "drugs.")) for key in d.answers
    )
    therapy = question_for("therapy.now", d.answers).text
    body = question_for("body.changes", d.answers).text
    assert "since your last visit" in therapy.lower() and "since your last visit" in body.lower()
    first = {VISIT_KIND: "first"}
    assert "last visit" not in question_for("therapy.now", first).text
    assert "past few months" in question_for("body.changes", first).text


def test_reasons_are_relayed_verbatim() -> None:
    d = first_visit_to_review()
    compiled = compiled_of(d.answers)
    [reasons] = [s for s in compiled.answered_sections if s.section == "reasons"]
    assert [(line.value, line.own_words) for line in reasons.lines] == [
        ("I can't sleep and I feel flat most days.", True),
        ("To feel like myself again", True),
    ]
    text = "\n".join(render_summary(compiled, "America/Chicago"))
    assert "“I can&#x27;t sleep and I feel flat most days.”" in text or (
        "“I can't sleep and I feel flat most days.”" in text
    )


# --- alcohol and other substances ----------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "total", "band_start", "men", "women"),
    [
        ({1: 0}, 0, "below the cut-offs", False, False),
        ({1: 1, 2: 0, 3: 1}, 2, "below the cut-offs", False, False),
        ({1: 2, 2: 0, 3: 1}, 3, "positive screen for women (≥3); below the cut-off for men", False, True),
        ({1: 2, 2: 1, 3: 1}, 4, "positive screen for men (≥4) and for women (≥3)", True, True),
        ({1: 4, 2: 4, 3: 4}, 12, "positive screen for men", True, True),
    ],
)
def test_audit_c_totals_and_both_cut_offs(
    items: dict[int, int], total: int, band_start: str, men: bool, women: bool
) -> None:
    score = audit_score(dict(items))
    assert score is not None and score.complete
    assert (score.total, score.max_total) == (total, 12)
    assert score.band is not None and score.band.startswith(band_start)
    assert (score.positive_men, score.positive_women) == (men, women)


def test_an_incomplete_audit_c_has_no_band_and_nothing_is_none() -> None:
    partial = audit_score({1: 3, 2: None, 3: None})
    assert partial is not None and not partial.complete and partial.band is None
    assert audit_score({}) is None
    with pytest.raises(ValueError):
        audit_score({1: 5, 2: 0, 3: 0})


def test_never_drinking_skips_items_two_and_three() -> None:
    answers = {VISIT_KIND: "first", "audit.1": "0", "drugs.times": 0}
    assert section_steps(Section.SUBSTANCES, answers) == ["audit.1", "drugs.times"]
    answers["drugs.times"] = 3
    assert section_steps(Section.SUBSTANCES, answers)[-1] == "drugs.which"


def test_the_provider_gets_the_audit_c_score_and_the_substance_flags() -> None:
    d = first_visit_to_review()
    compiled = compiled_of(d.answers)
    assert compiled.first_visit
    assert compiled.audit_c is not None and compiled.audit_c.total == 4
    flags = [f.text for f in compiled.flags]
    assert "Allergies to medicines: “penicillin, a rash”" in flags
    assert (
        "Alcohol: AUDIT-C 4 of 12, positive screen for men (≥4) and for women (≥3)" in flags
    )
    assert not any(f.kind == "substances" for f in compiled.flags)
    assert not any(f.kind == "pregnancy" for f in compiled.flags)  # "prefer not to say"
    text = "\n".join(render_summary(compiled, "America/Chicago"))
    assert "AUDIT-C: <b>4</b> / 12 — positive screen for men (≥4) and for women (≥3)" in text
    assert text.index("Flags") < text.index("Scores") < text.index("Why they're coming")
    assert "Side effects" not in text and "since last visit" not in text
    for title in ("Past medicines", "Allergies and health", "Alcohol and other substances"):
        assert f"<b>{title}</b>" in text
    assert "Smith et al. 2010" in text


def test_drug_use_is_a_flag_with_the_substances_named() -> None:
    answers = {VISIT_KIND: "first", "drugs.times": 1, "drugs.which": ["cannabis", "sedatives"]}
    flags = [f.text for f in compiled_of(answers).flags]
    assert flags == [
        "Other substances: used once in the past year (cannabis, sedatives or sleeping pills)"
    ]
    answers["drugs.times"] = 12  # typed
    assert compiled_of(answers).flags[0].text.startswith("Other substances: used 12 times")


def test_pregnancy_planning_is_a_flag() -> None:
    answers = {VISIT_KIND: "first", "bg.pregnancy": "planning"}
    flags = [f.text for f in compiled_of(answers).flags]
    assert flags == ["Pregnancy: planning a pregnancy (matters for prescribing)"]


# --- past medicines ---------------------------------------------------------------------------


def test_past_medicines_allow_i_dont_remember_and_more_than_one() -> None:
    d = Driver(first_visit=True)
    d.consent()
    d.command("skip")
    d.command("skip")
    d.tap("none")  # "I don't take any"
    d.tap("none")
    assert d.step == "past.1.name"
    d.type("Zoloft")
    d.type("2019, for about a year")
    d.type("it helped")
    d.tap("unsure")
    d.tap("another")
    assert d.step == "past.2.name"
    d.tap("unsure")  # "I don't remember" the name: the list ends
    assert (d.phase, d.step) == ("background", "bg.allergies")
    [past] = [s for s in compiled_of(d.answers).answered_sections if s.section == "past_medications"]
    assert [(line.label, line.value) for line in past.lines] == [
        ("Past medicine 1", "Zoloft"),
        ("Zoloft: when", "2019, for about a year"),
        ("Zoloft: how it went", "It helped"),
        ("Zoloft: why stopped", "I don't remember"),
        ("Past medicine 2", "I don't remember"),
    ]


# --- the patient's questions ------------------------------------------------------------------


def test_common_questions_are_worded_for_the_patients_medicines_and_marked_as_picked() -> None:
    d = first_visit_to_review()
    picked_screen = next(s for s in d.screens if s.step == "q.picked")
    labels = [o.label for o in picked_screen.options]
    assert "How long until I notice changes from sertraline and trazodone?" in labels
    assert "Which side effects of sertraline and trazodone should I watch for?" in labels
    assert any("check in again" in label for label in labels)
    compiled = compiled_of(d.answers)
    assert compiled.picked_questions == (
        "How long until I notice changes from sertraline and trazodone?",
    )
    text = "\n".join(render_summary(compiled, "America/Chicago"))
    assert (
        "1. How long until I notice changes from sertraline and trazodone? (picked from a list)"
        in text
    )


def test_without_medicines_the_common_questions_speak_generally() -> None:
    question = question_for("q.picked", {VISIT_KIND: "first", "med.1.name": {"choice": "none"}})
    labels = [o.label for o in question.options]
    assert "How long until I notice changes from a new medicine?" in labels


def test_no_questions_on_the_list_ends_the_section() -> None:
    d = Driver(first_visit=True)
    d.answers.update({"q.picked": ["none"]})
    assert section_steps(Section.QUESTIONS, d.answers) == ["q.picked"]


# --- the usual rules on the new questions -------------------------------------------------


def test_back_from_the_first_question_and_into_the_reasons() -> None:
    d = Driver(first_visit=True)
    d.consent()
    out = d.command("back")
    assert out.say == [messages.ALREADY_FIRST]
    d.type("Panic attacks at work")
    d.command("skip")
    assert d.step == "med.1.name"
    d.command("back")
    assert (d.phase, d.step) == ("reasons", "reason.hopes")


def test_restart_on_a_first_visit_starts_at_the_reasons_again() -> None:
    d = Driver(first_visit=True)
    d.consent()
    d.type("Panic attacks at work")
    d.command("restart")
    d.tap("yes")
    assert (d.phase, d.step) == ("reasons", "reason.coming")
    assert d.answers == {VISIT_KIND: "first"}


def test_risk_language_in_the_reasons_alerts() -> None:
    d = Driver(first_visit=True)
    d.consent()
    out = d.type("I want to end my life")
    assert [(e.kind, e.alert) for e in out.safety] == [("risk_language", True)]
    assert d.answers["reason.coming"] == "I want to end my life"


def test_review_lists_and_edits_the_first_visit_sections() -> None:
    d = first_visit_to_review()
    d2 = Driver(first_visit=True)
    d2.answers.update({k: v for k, v in d.answers.items()})
    d2.state = d.state.__class__(state="review", step="review")
    out = d2.command("back", step="review")
    assert out.screen is not None and out.screen.step == "q.1"
    d2.tap("done")
    out = d2.tap("edit_background")
    assert (d2.phase, d2.step) == ("background", "bg.allergies")
    assert d2.state.editing
    for _ in range(4):
        d2.tap("@keep")
    assert d2.phase == "review"
    assert d2.screen is not None
    groups = [g.title for g in d2.screen.review]
    assert groups[:4] == ["Why you're coming", "Medications", "Past medicines", "Allergies and health"]
    assert "Side effects" not in groups
    values = [o.value for o in d2.screen.options]
    assert "edit_substances" in values and "edit_side_effects" not in values
