"""Changes since the patient's last intake, by fixed rules from the clinical reference.

Score changes are flagged by the common measurement-based-care conventions (a change of 5
points or more, response = a 50% drop from baseline, remission = a total below 5);
medication, side-effect and stressor changes are plain differences between two intakes.

Decisions a caller must know:

- Scores: only complete totals count; an incomplete total is None and nothing is judged on
  it. The reference states the change conventions for the PHQ-9 only (the GAD-7 section
  borrows only its answer options and LOINC answers), so `meaningful`, `response` and
  `remission` are judged for the PHQ-9 only (`JUDGED_INSTRUMENTS`); the GAD-7 change is
  reported as plain numbers (totals and delta) with all three left False. Use `judged()`
  to say "not judged" rather than "not meaningful". Response needs a complete baseline
  above 0 and a current total at most half of it (9 of 18 is a response, 10 of 19 is not);
  remission is a current total below 5 when the previous one was not (entering remission,
  so a patient who always scores low is not flagged at every visit). Pass the first intake as
  `baseline` even when it is also the previous one; with no baseline nothing is a response.
- Medicines are the same medicine when `medicine_key` agrees: the listed generic name when
  flows.medications recognises the name (a brand and its generic, "Wellbutrin XL" and
  "bupropion", or a misspelling with exactly one close listed name), else the name
  lower-cased with extra spaces, release forms and salt words dropped.
- Started: taken now (not reported stopped) and not taken at the last intake (absent or
  reported stopped then, so a restarted medicine counts as started). Stopped: taken at the
  last intake and now reported stopped or no longer listed. Neither is reported when either
  intake has no medication answers at all (no medicines and not "I take none").
- Dose changes: for a medicine taken at both intakes, a dose or a schedule that differs when
  both intakes give it ("50mg" == "50 mg" == "0.05 g"; "bid" == "twice a day"); a part given
  at only one intake is not a change. A medicine now taken at a different dose than
  prescribed (status "different" with the dose taken now) is a dose change too, unless the
  last intake said the same (same prescription, same dose taken). A medicine listed more than
  once in an intake is compared as the whole set of its lines.
- Side effects: new and resolved by name (normalised), only when both intakes answered the
  checklist ("none" counts as an answer). Stressors: domains bothering the patient "a lot" or
  "a little" now that were "not at all" or not answered at the last intake.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flows.instruments import Score
from flows.medications import compact_dose, name_key, recognise, same_dose
from flows.parsing import normalise, parse_frequency
from flows.report import Changes, CompiledIntake, DoseChange, MedicationReport, ScoreChange

MEANINGFUL_CHANGE = 5  # points, either way
REMISSION_BELOW = 5
JUDGED_INSTRUMENTS = frozenset({"PHQ-9"})
"""Instruments the reference gives change conventions for (meaningful, response, remission)."""

BOTHERED = frozenset({"a lot", "a little"})
NOT_BOTHERED = frozenset({"not at all", "not answered"})


def judged(instrument: str) -> bool:
    """Whether meaningful/response/remission are judged for this instrument ("PHQ-9")."""
    return instrument in JUDGED_INSTRUMENTS


def changes_since(
    current: CompiledIntake,
    previous: CompiledIntake | None,
    baseline: CompiledIntake | None,
) -> Changes | None:
    """What changed since `previous` (None when there is no previous intake).

    `baseline` is the patient's first intake, for "response"; see the module docstring.
    """
    if previous is None:
        return None
    started, stopped = _started_and_stopped(current, previous)
    new_effects, resolved_effects = _side_effect_changes(current, previous)
    return Changes(
        previous_submitted_at=previous.submitted_at,
        scores=(
            score_change(current.phq9, previous.phq9, baseline.phq9 if baseline else None),
            score_change(current.gad7, previous.gad7, baseline.gad7 if baseline else None),
        ),
        medications_started=started,
        medications_stopped=stopped,
        dose_changes=_dose_changes(current, previous),
        side_effects_new=new_effects,
        side_effects_resolved=resolved_effects,
        stressors_new=_new_stressors(current, previous),
        baseline_intake_id=baseline.intake_id if baseline else None,
        baseline_submitted_at=baseline.submitted_at if baseline else None,
    )


# --- scores --------------------------------------------------------------------------------


def complete_total(score: Score | None) -> int | None:
    """The total when every item was answered, else None."""
    return score.total if score is not None and score.complete else None


def score_change(current: Score, previous: Score | None, baseline: Score | None) -> ScoreChange:
    """One instrument's change; judged by the conventions only for `JUDGED_INSTRUMENTS`."""
    instrument = current.instrument.name
    now, before, first = complete_total(current), complete_total(previous), complete_total(baseline)
    delta = now - before if now is not None and before is not None else None
    rules = judged(instrument)
    return ScoreChange(
        instrument=instrument,
        previous=before,
        current=now,
        baseline=first,
        delta=delta,
        meaningful=rules and delta is not None and abs(delta) >= MEANINGFUL_CHANGE,
        # current <= 50% of baseline, in whole numbers: 2 * current <= baseline
        response=rules and now is not None and first is not None and first > 0 and 2 * now <= first,
        # Entering remission: below 5 now, and not already below 5 at the previous intake, so a
        # patient who has always scored low is not flagged at every visit.
        remission=rules
        and now is not None
        and now < REMISSION_BELOW
        and (before is None or before >= REMISSION_BELOW),
    )


# --- medications -----------------------------------------------------------------------------


def medicine_key(name: str) -> str:
    """The identity of a medicine across intakes; see the module docstring."""
    recognition = recognise(name)
    if recognition.medication is not None:
        return f"listed:{normalise(recognition.medication.generic)}"
    return f"typed:{name_key(name)[0] or normalise(name)}"


def _answered_medications(intake: CompiledIntake) -> bool:
    return bool(intake.medications) or intake.takes_no_medication


def _taken(intake: CompiledIntake) -> dict[str, list[MedicationReport]]:
    """The medicines not reported stopped, by `medicine_key`, in the patient's order."""
    taken: dict[str, list[MedicationReport]] = {}
    for med in intake.medications:
        if med.status != "stopped":
            taken.setdefault(medicine_key(med.name), []).append(med)
    return taken


def _started_and_stopped(
    current: CompiledIntake, previous: CompiledIntake
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not (_answered_medications(current) and _answered_medications(previous)):
        return (), ()
    now, before = _taken(current), _taken(previous)
    started = tuple(meds[0].name for key, meds in now.items() if key not in before)
    stopped = tuple(meds[0].name for key, meds in before.items() if key not in now)
    return started, stopped


def _dose_changes(current: CompiledIntake, previous: CompiledIntake) -> tuple[DoseChange, ...]:
    before = _taken(previous)
    changes = []
    for key, now in _taken(current).items():
        if key not in before:
            continue
        change = _dose_change(before[key], now)
        if change is not None:
            changes.append(change)
    return tuple(changes)


def _dose_change(
    before: Sequence[MedicationReport], now: Sequence[MedicationReport]
) -> DoseChange | None:
    name = now[0].name
    if len(before) == 1 and len(now) == 1:
        (old,), (new,) = before, now
        if _different_dose_now(new) and not _same_taking(old, new):
            return DoseChange(name, _taking_words(old), _taking_words(new))
        if _prescription_differs(old, new):
            return DoseChange(name, dose_words(old), dose_words(new))
        return None
    if sorted(map(_line_key, before)) != sorted(map(_line_key, now)):
        return DoseChange(name, _joined(before), _joined(now))
    return None


def _different_dose_now(med: MedicationReport) -> bool:
    return med.status == "different" and bool(med.current_dose)


def _same_taking(old: MedicationReport, new: MedicationReport) -> bool:
    """Both intakes say the same prescription and the same different dose taken."""
    return (
        _different_dose_now(old)
        and _same_amount(old.current_dose, new.current_dose) is not False
        and not _prescription_differs(old, new)
    )


def _prescription_differs(old: MedicationReport, new: MedicationReport) -> bool:
    return (
        _same_amount(old.dose, new.dose) is False
        or _same_schedule(old.frequency, new.frequency) is False
    )


def _same_amount(a: str | None, b: str | None) -> bool | None:
    """Whether two dose texts are the same amount; None when either is not given."""
    if not a or not b:
        return None
    return same_dose(a, b) is True or compact_dose(a) == compact_dose(b)


def _same_schedule(a: str | None, b: str | None) -> bool | None:
    if not a or not b:
        return None
    return _schedule_key(a) == _schedule_key(b)


def _schedule_key(text: str) -> str:
    return parse_frequency(text) or normalise(text)


def _line_key(med: MedicationReport) -> tuple[str, str]:
    return (
        compact_dose(med.dose) if med.dose else "",
        _schedule_key(med.frequency) if med.frequency else "",
    )


def dose_words(med: MedicationReport) -> str:
    """The dose and schedule as the patient gave them: "50 mg once a day"."""
    if med.dose and med.frequency:
        return f"{med.dose} {med.frequency}"
    if med.dose:
        return f"{med.dose} (schedule not given)"
    if med.frequency:
        return f"{med.frequency} (dose not given)"
    return "dose not given"


def _taking_words(med: MedicationReport) -> str:
    """What the patient takes: the prescription, or the different dose they take instead."""
    if not _different_dose_now(med):
        return dose_words(med)
    prescribed = dose_words(med) if med.dose or med.frequency else "not given"
    return f"{med.current_dose}, not as prescribed (prescribed: {prescribed})"


def _joined(meds: Iterable[MedicationReport]) -> str:
    return " + ".join(_taking_words(med) for med in meds)


# --- side effects and stressors -------------------------------------------------------------


def _side_effect_changes(
    current: CompiledIntake, previous: CompiledIntake
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    answered = (current.no_side_effects or current.side_effects) and (
        previous.no_side_effects or previous.side_effects
    )
    if not answered:
        return (), ()
    now = {normalise(e.name): e.name for e in current.side_effects}
    before = {normalise(e.name): e.name for e in previous.side_effects}
    new = tuple(name for key, name in now.items() if key not in before)
    resolved = tuple(name for key, name in before.items() if key not in now)
    return new, resolved


def _new_stressors(current: CompiledIntake, previous: CompiledIntake) -> tuple[str, ...]:
    before = {normalise(domain): normalise(level) for domain, level in previous.stressors}
    return tuple(
        domain
        for domain, level in current.stressors
        if normalise(level) in BOTHERED
        and before.get(normalise(domain), "not answered") in NOT_BOTHERED
    )
