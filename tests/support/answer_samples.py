"""Stored answers of sample intakes, shared by the flows and the render tests."""

from __future__ import annotations

from typing import Any

SERTRALINE = {
    "name": "sertraline",
    "dose": "50 mg",
    "frequency": "once a day",
    "raw": "sertraline 50 mg once a day",
}
LAMICTAL = {
    "name": "Lamictal",
    "dose": "100 mg",
    "frequency": "twice a day",
    "raw": "Lamictal 100mg BID",
}


def base_answers(**changes: Any) -> dict[str, Any]:
    """A complete, unremarkable intake: one medicine taken as prescribed, all scores 0."""
    answers: dict[str, Any] = {
        "med.1.name": SERTRALINE,
        "med.1.status": "as_prescribed",
        "med.1.missed": 0,
        "med.1.more": "done",
        "meds.new": {"choice": "none"},
        **{f"phq9.{n}": "0" for n in range(1, 10)},
        **{f"gad7.{n}": "0" for n in range(1, 8)},
        "sleep.hours": 7.0,
        "sleep.latency": "under_15",
        "sleep.wakings": 1,
        "sleep.quality": "good",
        "sleep.change": "same",
        "daily.energy": "same",
        "daily.appetite": "same",
        "daily.focus": "same",
        "se.checklist": ["none"],
        **{
            f"stress.{d}": "not_at_all"
            for d in ("work", "family", "relationship", "money", "housing", "health", "loss")
        },
        "stress.legal": "not_at_all",
        "stress.event": "not_at_all",
        "stress.notes": {"choice": "none"},
        "q.1": {"choice": "done"},
    }
    answers.update(changes)
    return answers
