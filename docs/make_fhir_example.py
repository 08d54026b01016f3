"""Writes docs/intake-example.fhir.json: the FHIR export of the invented first-visit intake.

Run from the project root: `.venv/bin/python docs/make_fhir_example.py`. The intake is the
invented first visit of docs/first_visit_demo.py (intake 1001); the output is a FHIR R4 Bundle
(collection) holding the Patient, the QuestionnaireResponse and the PHQ-9, GAD-7 and AUDIT-C
panel and score Observations, the same every run (the export ids are fixed here; a clinic's are
random, stored once per patient and intake).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "docs"))

from first_visit_demo import PATIENT, answers_and_words  # noqa: E402

from flows.compiled import compile_intake  # noqa: E402
from flows.fhir import DEFAULT_PATIENT_SYSTEM, ExportIds, intake_bundle  # noqa: E402

OUTPUT = ROOT / "docs" / "intake-example.fhir.json"
SUBMITTED = datetime(2026, 11, 30, 19, 42, 5, tzinfo=ZoneInfo("America/Chicago"))
PATIENT_ID = 17
EXPORT_IDS = ExportIds(
    patient="3f0c9b8e-5a41-4c0e-9a57-2d6e1f4b7c90", intake="8b2d4f6a-1c3e-4a5b-9d7f-0e2c4a6b8d1f"
)

def main() -> None:
    answers, words = answers_and_words()
    compiled = compile_intake(
        answers,
        intake_id=1001,
        patient_name=PATIENT,
        submitted_at=SUBMITTED,
        typed_texts=words,
    )
    bundle = intake_bundle(
        answers,
        compiled,
        ids=EXPORT_IDS,
        patient_identifier=(DEFAULT_PATIENT_SYSTEM, str(PATIENT_ID)),
    )
    text = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.name} ({len(bundle['entry'])} resources)")


if __name__ == "__main__":
    main()
