"""Which medicine is in each medication slot, and which medication steps a patient meets.

Slot n's steps are "med.<n>.<field>". A returning patient first sees last visit's medicines
as a list ("meds.same"): "Yes, all the same" keeps every one unchanged (only the missed doses
are asked); otherwise each carried slot asks "still taking it?", then "meds.other". A new
patient lists theirs one by one until "I don't take any" or "That's all". "meds.new" (other new
medicines) always ends the section.
"""

from __future__ import annotations

from typing import Any

from flows.medications import recognise
from flows.questions.base import Answers

PREVIOUS_MEDICATIONS = "meds.previous"
"""Stored when a returning patient's intake opens: the medicines of their last intake."""
MEDS_SAME = "meds.same"
"""A returning patient's answer to last visit's list: "same" (every medicine unchanged, none
added) or "changed" (asked medicine by medicine); skipped, it is asked medicine by medicine."""


def all_the_same(answers: Answers) -> bool:
    """Whether the patient confirmed last visit's medicines, all unchanged, in one tap."""
    return bool(previous_medications(answers)) and answers.get(MEDS_SAME) == "same"


def previous_medications(answers: Answers) -> list[dict[str, Any]]:
    value = answers.get(PREVIOUS_MEDICATIONS)
    return (
        [m for m in value if isinstance(m, dict) and m.get("name")]
        if isinstance(value, list)
        else []
    )


def medication_count(answers: Answers) -> int:
    """How many medication slots the patient has: last visit's, then the ones they add."""
    carried = len(previous_medications(answers))
    if carried and answers.get("meds.other") != "yes":
        return carried
    count = carried + 1
    while answers.get(f"med.{count}.more") == "another":
        count += 1
    return count


def medication_entry(answers: Answers, n: int) -> dict[str, Any] | None:
    """The medicine in slot `n` (name, dose, frequency, raw), or None when there is none.

    A medicine carried from the last visit is that entry unless the patient said it changed;
    a name the patient confirmed ("Did you mean sertraline?") takes the listed name.
    """
    previous = previous_medications(answers)
    if n <= len(previous) and _still(answers, n) != "changed":
        return previous[n - 1]
    value = answers.get(f"med.{n}.name")
    if not (isinstance(value, dict) and "name" in value):
        return None
    if answers.get(f"med.{n}.confirm") == "yes":
        suggestion = recognise(value["name"])
        if suggestion.medication is not None:
            return {**value, "name": suggestion.medication.generic}
    return value


def medication_status(answers: Answers, n: int) -> str | None:
    """As prescribed, different or stopped; for a carried medicine, from "still taking?"."""
    if n <= len(previous_medications(answers)):
        still = _still(answers, n)
        return {"yes": "as_prescribed", "changed": "as_prescribed", "stopped": "stopped"}.get(
            still or ""
        )
    return answers.get(f"med.{n}.status")


def _still(answers: Answers, n: int) -> str | None:
    """A carried medicine's "still taking it?", where "it changed" then "I stopped it" is stopped;
    "Yes, all the same" on the list is "yes" for each."""
    if all_the_same(answers):
        return "yes"
    still = answers.get(f"med.{n}.still")
    name = answers.get(f"med.{n}.name")
    if still == "changed" and isinstance(name, dict) and name.get("choice") == "stopped":
        return "stopped"
    return still if isinstance(still, str) else None


def confirmed_unchanged(answers: Answers, n: int) -> bool:
    """Whether slot `n` is last visit's medicine, confirmed by the patient as unchanged."""
    return n <= len(previous_medications(answers)) and _still(answers, n) == "yes"


def medication_name(answers: Answers, n: int) -> str:
    entry = medication_entry(answers, n)
    return entry["name"] if entry else "this medication"


# --- steps ------------------------------------------------------------------------------


def medication_steps(answers: Answers) -> list[str]:
    steps: list[str] = []
    carried = len(previous_medications(answers))
    if carried:
        steps.append(MEDS_SAME)
    if all_the_same(answers):
        for n in range(1, carried + 1):
            steps.extend(_with_other_reason(answers, n, _adherence_steps(answers, n)))
        return [*steps, "meds.new"]
    for n in range(1, carried + 1):
        steps.extend(_carried_steps(answers, n))
    if carried:
        steps.append("meds.other")
    if not carried or answers.get("meds.other") == "yes":
        for n in range(carried + 1, medication_count(answers) + 1):
            slot = _new_medication_steps(answers, n)
            steps.extend(slot)
            if slot[-1] != f"med.{n}.more":
                break  # "I don't take any" / "That's all" / not answered yet: the list ends here
    steps.append("meds.new")
    return steps


def _carried_steps(answers: Answers, n: int) -> list[str]:
    """A medicine from last time: "still taking it?", what it is now if it changed, adherence."""
    steps = [f"med.{n}.still"]
    still = _still(answers, n)
    if answers.get(f"med.{n}.still") == "changed":
        steps.append(f"med.{n}.name")
    if still == "changed":
        steps.extend(_name_follow_ups(answers, n))
    if still == "stopped":
        steps.append(f"med.{n}.reasons")
    elif still in ("yes", "changed"):
        steps.extend(_adherence_steps(answers, n))
    return _with_other_reason(answers, n, steps)


def _new_medication_steps(answers: Answers, n: int) -> list[str]:
    steps = [f"med.{n}.name"]
    if medication_entry(answers, n) is None:
        return steps
    steps.extend(_name_follow_ups(answers, n))
    steps.append(f"med.{n}.status")
    status = answers.get(f"med.{n}.status")
    if status == "different":
        steps.append(f"med.{n}.current_dose")
    if status == "stopped":
        steps.append(f"med.{n}.reasons")
    else:
        steps.extend(_adherence_steps(answers, n))
    steps = _with_other_reason(answers, n, steps)
    steps.append(f"med.{n}.more")
    return steps


def _name_follow_ups(answers: Answers, n: int) -> list[str]:
    """After a typed medicine: "did you mean …?" for a near miss, then dose and frequency if missing."""
    steps = []
    typed = answers.get(f"med.{n}.name")
    if (
        isinstance(typed, dict)
        and "name" in typed
        and recognise(typed["name"]).status == "suggestion"
    ):
        steps.append(f"med.{n}.confirm")
    entry = medication_entry(answers, n)
    if entry is not None and not entry.get("dose") and not entry.get("dose_unknown"):
        steps.append(f"med.{n}.dose")
    if entry is not None and not entry.get("frequency"):
        steps.append(f"med.{n}.frequency")
    return steps


def _adherence_steps(answers: Answers, n: int) -> list[str]:
    steps = [f"med.{n}.missed"]
    missed = answers.get(f"med.{n}.missed")
    if isinstance(missed, int | float) and missed > 0:
        steps.append(f"med.{n}.reasons")
    return steps


def _with_other_reason(answers: Answers, n: int, steps: list[str]) -> list[str]:
    reasons = answers.get(f"med.{n}.reasons")
    # Only while the reasons question itself is met (not after missed days go back to 0).
    if steps[-1] == f"med.{n}.reasons" and isinstance(reasons, list) and "other" in reasons:
        steps.append(f"med.{n}.reasons_other")
    return steps
