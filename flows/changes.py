"""Changes since the patient's last intake, by fixed rules from the clinical reference.

Score changes are flagged by the common measurement-based-care conventions (a change of 5
points or more, response = a 50% drop from baseline, remission = a total below 5);
medication, side-effect and stressor changes are plain differences between two intakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ScoreChange:
    instrument: str  # "PHQ-9" or "GAD-7"
    previous: int | None  # the last intake's total (None when it was incomplete)
    current: int | None
    baseline: int | None  # the first intake's total, for "response"
    delta: int | None  # current - previous
    meaningful: bool  # |delta| >= 5
    response: bool  # current <= 50% of baseline (baseline > 0)
    remission: bool  # current < 5


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

    @property
    def anything(self) -> bool:
        return bool(
            any(s.meaningful or s.response or s.remission for s in self.scores)
            or self.medications_started or self.medications_stopped or self.dose_changes
            or self.side_effects_new or self.side_effects_resolved or self.stressors_new
        )
