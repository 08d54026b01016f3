"""Writes docs/intake-example.fhir.json: the FHIR export of one intake with made-up demo answers.

Run from the project root: `.venv/bin/python docs/make_fhir_example.py`. The answers are invented
("Demo Patient", intake 1001); the output is a FHIR R4 Bundle (collection) holding the Patient,
the QuestionnaireResponse and the PHQ-9 and GAD-7 panel and score Observations, the same every
run (the export ids are fixed here; a clinic's are random, stored once per patient and intake).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows.compiled import compile_intake  # noqa: E402
from flows.fhir import DEFAULT_PATIENT_SYSTEM, ExportIds, intake_bundle  # noqa: E402

OUTPUT = ROOT / "docs" / "intake-example.fhir.json"
SUBMITTED = datetime(2026, 11, 30, 19, 42, 5, tzinfo=ZoneInfo("America/Chicago"))
PATIENT_ID = 17
EXPORT_IDS = ExportIds(
    patient="3f0c9b8e-5a41-4c0e-9a57-2d6e1f4b7c90", intake="8b2d4f6a-1c3e-4a5b-9d7f-0e2c4a6b8d1f"
)

# Two medicines (the second typed without dose or frequency), a few missed doses, moderate
# PHQ-9 and mild GAD-7, poorer sleep, two side effects, work stress and two questions.
DEMO_ANSWERS: dict[str, Any] = {
    "med.1.name": {
        "name": "sertraline",
        "dose": "100 mg",
        "frequency": "once a day",
        "raw": "sertraline 100mg once a day",
    },
    "med.1.status": "as_prescribed",
    "med.1.missed": 2,
    "med.1.reasons": ["forgot"],
    "med.1.more": "another",
    "med.2.name": {"name": "trazodone", "dose": None, "frequency": None, "raw": "trazodone"},
    "med.2.dose": "50 mg",
    "med.2.frequency": "at bedtime",
    "med.2.status": "different",
    "med.2.current_dose": "25 mg",
    "med.2.missed": 0,
    "med.2.more": "done",
    "meds.new": "Magnesium from the pharmacy",
    **{f"phq9.{n}": str(v) for n, v in enumerate((2, 1, 2, 2, 1, 1, 2, 0, 0), start=1)},
    "phq9.function": "somewhat",
    **{f"gad7.{n}": str(v) for n, v in enumerate((1, 1, 2, 1, 0, 1, 0), start=1)},
    "sleep.hours": 5.5,
    "sleep.latency": "30_60",
    "sleep.wakings": 2,
    "sleep.quality": "poor",
    "sleep.change": "worse",
    "daily.energy": "worse",
    "daily.appetite": "same",
    "daily.focus": "worse",
    "se.checklist": ["sleepy", "dry_mouth"],
    "se.sleepy.frequency": "most_days",
    "se.sleepy.severity": "moderate",
    "se.sleepy.interference": "a_little",
    "se.sleepy.medication": "m2",
    "se.dry_mouth.frequency": "every_day",
    "se.dry_mouth.severity": "mild",
    "se.dry_mouth.interference": "not_at_all",
    "se.dry_mouth.medication": "unsure",
    "stress.work": "a_lot",
    "stress.family": "a_little",
    "stress.relationship": "not_at_all",
    "stress.money": "a_little",
    "stress.housing": "not_at_all",
    "stress.health": "not_at_all",
    "stress.loss": "not_at_all",
    "stress.legal": "not_at_all",
    "stress.event": "not_at_all",
    "stress.notes": "Year-end deadlines at work; sleeping badly the night before big meetings.",
    "q.1": "Could the trazodone be why I feel groggy in the morning?",
    "q.2": "Is it OK to take magnesium with my medicines?",
    "q.3": {"choice": "done"},
}


def main() -> None:
    compiled = compile_intake(
        DEMO_ANSWERS, intake_id=1001, patient_name="Demo Patient", submitted_at=SUBMITTED
    )
    bundle = intake_bundle(
        DEMO_ANSWERS,
        compiled,
        ids=EXPORT_IDS,
        patient_identifier=(DEFAULT_PATIENT_SYSTEM, str(PATIENT_ID)),
    )
    text = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(bundle['entry'])} resources)")


if __name__ == "__main__":
    main()
