"""The answers of intakes in progress, kept in memory between a patient's turns: every turn needs
them all, and reading and decrypting them again was an eighth of handling an answer
(bench/answer_cost.py).

The database stays the record. Answers are kept only once the transaction that stored them has
committed (bot.services.committed.after_commit), with the intake's version and the time of
its last change, and are used only while the intake row still shows both: any other change to
the intake (another process, a concurrent update, a restart of the intake) moves its version on,
and its answers are read again. Nothing else writes an intake's answers while it is in progress.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.services.committed import after_commit
from storage.clock import as_utc
from storage.models import Intake

KEPT_INTAKES = 2_000
"""Intakes whose answers are kept at most (the least recently answered go first)."""


@dataclass(frozen=True)
class _Kept:
    patient_id: int
    version: int
    changed_at: datetime
    answers: dict[str, Any]


class AnswerCache:
    """Answers by intake, valid for one version of the intake row."""

    def __init__(self, size: int = KEPT_INTAKES) -> None:
        self.size = size
        self._kept: OrderedDict[int, _Kept] = OrderedDict()
        self._lock = threading.Lock()  # handlers run in worker threads

    def get(self, intake: Intake) -> dict[str, Any] | None:
        """The intake's current answers, if kept for exactly this version of it (a copy)."""
        with self._lock:
            kept = self._kept.get(intake.id) if intake.id is not None else None
        if kept is None or kept.version != intake.version:
            return None
        if kept.changed_at != as_utc(intake.updated_at):
            return None
        return {key: _copied(value) for key, value in kept.answers.items()}

    def keep(self, session: Session, intake: Intake, answers: dict[str, Any]) -> None:
        """Keep `answers` as the intake's, as it now stands, once `session` has committed."""
        if intake.id is None or intake.patient_id is None:
            return
        kept = _Kept(
            intake.patient_id,
            intake.version,
            as_utc(intake.updated_at),
            {key: _copied(value) for key, value in answers.items()},
        )
        after_commit(session, lambda: self._put(intake.id, kept))

    def forget_patient(self, patient_id: int) -> None:
        """A patient's data was erased: nothing of theirs stays in memory either."""
        with self._lock:
            for intake_id in [i for i, kept in self._kept.items() if kept.patient_id == patient_id]:
                del self._kept[intake_id]

    def _put(self, intake_id: int | None, kept: _Kept) -> None:
        if intake_id is None:
            return
        with self._lock:
            self._kept[intake_id] = kept
            self._kept.move_to_end(intake_id)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)


def _copied(value: Any) -> Any:
    """A copy of an answer's JSON value, so no caller can change what is kept."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value
