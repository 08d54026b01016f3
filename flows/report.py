"""The plain types of what the provider receives: the compiled intake, its flags and reports,
the changes since the last intake, and the between-visit check-ins in figures.

Only data and the wording of its fields; `flows.compiled`, `flows.changes` and
`flows.checkin_summary` fill them in, and renderers read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flows.audit_c import AuditScore
from flows.instruments import Score

# The provider reads third-person wording; the patient saw "I stopped taking it", "I forgot".
UNCHANGED_WORDS = "unchanged since the last intake (confirmed by the patient)"
STATUS_WORDS = {
    "as_prescribed": "taking as prescribed",
    "different": "taking a different dose",
    "stopped": "stopped",
}
REASON_WORDS = {
    "forgot": "forgot",
    "side_effects": "side effects",
    "cost": "cost",
    "ran_out": "ran out",
    "felt_better": "felt better",
    "felt_worse": "felt worse",
}


# --- the compiled intake ------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    kind: str  # safety, missed_doses, adherence, side_effect, phq9, alcohol, substances,
    # pregnancy, allergy
    text: str


@dataclass(frozen=True)
class AnsweredLine:
    """One answer in words; `own_words` when it is the patient's typed text, verbatim."""

    label: str
    value: str
    own_words: bool = False


@dataclass(frozen=True)
class AnsweredSection:
    """A section reported as its answers in order (the first-visit sections, therapy, health)."""

    section: str  # the section's value ("reasons", "substances", ...)
    title: str
    lines: tuple[AnsweredLine, ...]


@dataclass(frozen=True)
class MedicationReport:
    name: str
    dose: str | None
    frequency: str | None
    status: str | None  # as_prescribed, different, stopped
    missed_days: int | None
    reasons: tuple[str, ...]
    other_reason: str | None
    raw_text: str | None
    current_dose: str | None = None  # what the patient takes now, when not as prescribed
    recognised: bool = True  # the name is on the clinic's medication list
    timing: str | None = None  # "with dinner", "before presentations", as typed
    titration: str | None = None  # "increasing to 50 mg", as typed
    purpose: str | None = None  # "for nightmares", as typed, when not part of the frequency
    dose_unknown: bool = False  # the patient said they do not know the dose
    verbatim: str | None = None  # the line as typed, when not every word of it was read
    unchanged: bool = False  # last visit's medicine, confirmed by the patient as unchanged

    @property
    def details(self) -> tuple[str, ...]:
        """What the patient said besides name, dose and frequency, as typed."""
        return tuple(part for part in (self.purpose, self.timing, self.titration) if part)

    @property
    def dose_text(self) -> str | None:
        """The dose, or "not known" when the patient said they do not know it."""
        return self.dose or ("not known" if self.dose_unknown else None)

    @property
    def status_label(self) -> str:
        return STATUS_WORDS.get(self.status or "", "not answered")

    @property
    def taking_text(self) -> str:
        """How the patient takes it: confirmed as unchanged since the last intake, the status,
        and the dose taken now when it differs."""
        text = self.status_label + (f" (now {self.current_dose})" if self.current_dose else "")
        return f"{UNCHANGED_WORDS}, {text}" if self.unchanged else text

    @property
    def reason_labels(self) -> tuple[str, ...]:
        labels = [REASON_WORDS.get(r, r) for r in self.reasons if r != "other"]
        if "other" in self.reasons:
            labels.append(f"other: {self.other_reason}" if self.other_reason else "another reason")
        return tuple(labels)


@dataclass(frozen=True)
class SideEffectReport:
    name: str
    frequency: str
    severity: str
    interference: str
    interference_value: str | None
    severity_value: str | None
    suspected: str


@dataclass(frozen=True)
class CompiledIntake:
    intake_id: int
    patient_name: str
    submitted_at: datetime | None
    appointment: str | None
    flags: tuple[Flag, ...]
    phq9: Score
    phq9_function: str | None
    gad7: Score
    medications: tuple[MedicationReport, ...]
    takes_no_medication: bool
    new_medicines: str | None
    sleep: tuple[tuple[str, str], ...]
    daily: tuple[tuple[str, str], ...]
    side_effects: tuple[SideEffectReport, ...]
    no_side_effects: bool
    stressors: tuple[tuple[str, str], ...]
    stress_notes: str | None
    questions: tuple[str, ...]
    safety_responses: tuple[str, ...] = field(default=())
    first_visit: bool = False  # the patient's first intake: reasons, history, substances
    answered_sections: tuple[AnsweredSection, ...] = ()  # reasons … physical health, in order
    audit_c: AuditScore | None = None  # first visit: alcohol, 0–12, with both cut-offs
    picked_questions: tuple[str, ...] = ()  # questions picked from the list, as worded for them
    checkins: CheckinSummary | None = None  # between-visit check-ins since the previous visit
    checkins_since: datetime | None = None
    patient_id: int | None = None
    changes: Changes | None = None  # since the previous intake, for a returning patient
    patient_export_id: str | None = None  # the random ids exports name the patient and
    intake_export_id: str | None = None  # the intake's resources by (flows.fhir.ExportIds)


# --- changes since the last intake ----------------------------------------------------------


@dataclass(frozen=True)
class ScoreChange:
    instrument: str  # "PHQ-9" or "GAD-7"
    previous: int | None  # the last intake's total (None when it was incomplete)
    current: int | None
    baseline: int | None  # the first intake's total, for "response"
    delta: int | None  # current - previous
    meaningful: bool  # |delta| >= 5
    response: bool  # current <= 50% of baseline (baseline > 0)
    remission: bool  # current < 5, and the previous total was not


@dataclass(frozen=True)
class DoseChange:
    name: str
    before: str  # dose and schedule in words, as the patient gave them
    after: str


@dataclass(frozen=True)
class Changes:
    previous_submitted_at: datetime | None
    scores: tuple[ScoreChange, ...]
    medications_started: tuple[str, ...]
    medications_stopped: tuple[str, ...]
    dose_changes: tuple[DoseChange, ...]
    side_effects_new: tuple[str, ...]
    side_effects_resolved: tuple[str, ...]
    stressors_new: tuple[str, ...]  # domains bothering the patient now that did not before
    # "Response" is judged against the baseline, the patient's first intake: which one it was.
    baseline_intake_id: int | None = None
    baseline_submitted_at: datetime | None = None

    @property
    def anything(self) -> bool:
        return bool(
            any(s.meaningful or s.response or s.remission for s in self.scores)
            or self.medications_started
            or self.medications_stopped
            or self.dose_changes
            or self.side_effects_new
            or self.side_effects_resolved
            or self.stressors_new
        )


# --- between-visit check-ins ------------------------------------------------------------------


@dataclass(frozen=True)
class CheckinRecord:
    """One completed check-in."""

    at: datetime  # when it was completed (UTC)
    mood: int | None  # 0–10
    sleep_hours: float | None
    energy: str | None  # low, ok, high
    side_effects: tuple[str, ...]  # labels as the patient chose them; empty for none
    note: str | None
    late: bool = False


@dataclass(frozen=True)
class CheckinSummary:
    """The check-ins since the previous visit, in figures."""

    count: int
    late: int
    missed: int
    mood_average: float | None
    mood_lowest: int | None
    mood_highest: int | None
    mood_direction: str | None  # "rising", "falling", "steady", or None when too few to tell
    sleep_average: float | None
    side_effects: tuple[tuple[str, int], ...]  # (label, how many check-ins reported it), most first
    notes: tuple[tuple[datetime, str], ...]  # the patient's notes, verbatim, oldest first
