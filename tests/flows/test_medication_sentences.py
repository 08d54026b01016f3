"""Sentences typed at a medication question instead of a medicine are answered, not stored as a
medicine's name; a dose the patient does not know is marked unknown, not asked again."""

from __future__ import annotations

from flow_driver import Driver

from flows import messages
from flows.compiled import compile_intake

PREVIOUS = [{"name": "sertraline", "dose": "50 mg", "frequency": "once a day"}]


def test_i_stopped_taking_it_for_a_new_medicine_asks_which_one() -> None:
    d = Driver()
    d.consent()
    assert d.step == "med.1.name"
    d.type("I stopped taking it")
    assert d.step == "med.1.name"
    assert messages.STOPPED_WHICH_MEDICINE in d.said
    assert "med.1.name" not in d.answers


def test_not_sure_of_the_dose_without_a_name_asks_for_the_name() -> None:
    d = Driver()
    d.consent()
    d.type("not sure of the dose")
    assert d.step == "med.1.name"
    assert messages.DOSE_WITHOUT_NAME in d.said
    assert "med.1.name" not in d.answers


def test_a_medicine_with_an_unknown_dose_is_not_asked_its_dose() -> None:
    d = Driver()
    d.consent()
    d.type("sertraline, not sure of the dose")
    assert d.answers["med.1.name"]["dose_unknown"] is True
    assert d.step == "med.1.frequency"
    d.type("once a day")
    d.type("as prescribed")
    d.type("0")
    d.type("that's all")
    compiled = compile_intake(d.answers, intake_id=1, patient_name="Test Patient")
    (med,) = compiled.medications
    assert (med.name, med.dose, med.dose_unknown, med.dose_text) == (
        "sertraline",
        None,
        True,
        "not known",
    )


def test_not_sure_of_the_dose_at_the_dose_question_is_not_sure() -> None:
    d = Driver()
    d.consent()
    d.type("sertraline")
    assert d.step == "med.1.dose"
    d.type("not sure of the dose")
    assert d.answers["med.1.dose"] == {"choice": "unsure"}


def test_i_stopped_taking_it_for_last_visits_medicine_takes_the_stopped_path() -> None:
    d = Driver()
    d.answers["meds.previous"] = PREVIOUS
    d.consent()
    assert d.step == "meds.same"  # last visit's list first: not all the same
    d.tap("changed")
    assert d.step == "med.1.still"
    d.tap("changed")
    assert d.step == "med.1.name"
    d.type("I stopped taking it")
    assert d.answers["med.1.name"] == {"choice": "stopped"}
    assert d.step == "med.1.reasons"
    d.pick("side_effects")
    compiled = compile_intake(d.answers, intake_id=1, patient_name="Test Patient")
    (med,) = compiled.medications
    assert (med.name, med.status, med.reasons) == ("sertraline", "stopped", ("side_effects",))
    assert "Stopped sertraline" in [flag.text for flag in compiled.flags]


def test_the_stopped_button_for_last_visits_medicine() -> None:
    d = Driver()
    d.answers["meds.previous"] = PREVIOUS
    d.consent()
    d.tap("changed")  # last visit's list: something changed
    d.tap("changed")
    d.tap("stopped")
    assert d.step == "med.1.reasons"
