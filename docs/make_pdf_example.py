"""Writes docs/intake-example.pdf: the provider's printable intake for made-up demo data.

Run from the project root: `.venv/bin/python docs/make_pdf_example.py`. The patient is invented
(a returning patient four weeks after their last visit, with a dose change, a new medicine, a
few flags and daily check-ins); the output is the same every run. To look at it as images:
`pdftoppm -png -r 80 docs/intake-example.pdf docs/intake-example` (poppler-utils).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.render.chart import render_checkin_chart  # noqa: E402
from bot.render.pdf import render_intake_pdf  # noqa: E402
from flows.changes import ScoreChange  # noqa: E402
from flows.checkin_summary import summarise_checkins  # noqa: E402
from flows.compiled import compile_intake  # noqa: E402
from flows.report import Changes, CheckinRecord, CompiledIntake, DoseChange  # noqa: E402

OUTPUT = ROOT / "docs" / "intake-example.pdf"
ZONE = "America/Chicago"
CLINIC = "Lakeview Behavioral Health — Medication Management"
PATIENT = "Renée Okafor (demo)"

LAST_VISIT = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)
LAST_INTAKE = datetime(2026, 10, 31, 23, 40, tzinfo=UTC)
SUBMITTED = datetime(2026, 11, 30, 2, 12, tzinfo=UTC)  # Sun 29 Nov, 8:12 pm in Chicago
START = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # check-ins from 2 Nov, 8 pm in Chicago

# The chart example's four weeks: a dip in the second week, then a gradual recovery.
MOODS = [5, 5, 4, 5, 4, 4, 3, 3, 4, 3, 4, None, 5, 5, 6, 5, 6, 6, 7, 6, 7, 7, 6, 7]
SLEEP = [6.5, 6.0, 5.5, 6.0, 5.0, 5.5, 4.5, 5.0, None, 4.5, 5.5, None, 6.0, 6.5, 6.5, 7.0,
         6.5, 7.0, 7.5, 7.0, 7.5, 8.0, 7.0, 7.5]
NOTES = {
    3: "Nausea after the morning dose — better if I eat first.",
    7: "Rough week at work; night shifts started.",
    10: "Forgot the trazodone twice, I’m usually asleep on the couch by then",
    19: "Feeling more like myself. Walked with my sister 🙂",
}
SIDE_EFFECTS = {1: ("Nausea or upset stomach",), 3: ("Nausea or upset stomach",),
                6: ("Sleepiness",), 8: ("Sleepiness", "Headache"), 15: ("Sleepiness",)}


def demo_records() -> list[CheckinRecord]:
    records = []
    for day, (mood, sleep) in enumerate(zip(MOODS, SLEEP, strict=True)):
        if mood is None and sleep is None:
            continue  # a missed check-in
        records.append(CheckinRecord(
            at=START + timedelta(days=day, minutes=17 * (day % 5)),
            mood=mood, sleep_hours=sleep, energy="ok",
            side_effects=SIDE_EFFECTS.get(day, ()), note=NOTES.get(day),
            late=day % 9 == 4,
        ))
    return records


def demo_answers() -> dict[str, Any]:
    phq9 = (1, 2, 2, 1, 1, 1, 1, 0, 0)  # 9: mild
    gad7 = (1, 1, 2, 1, 0, 1, 1)  # 7: mild
    return {
        "med.1.name": {"name": "sertraline", "dose": "100 mg", "frequency": "once a day",
                       "raw": "sertraline 100 mg once a day"},
        "med.1.status": "as_prescribed",
        "med.1.missed": 1,
        "med.1.reasons": ["forgot"],
        "med.1.more": "another",
        "med.2.name": {"name": "trazodone", "dose": "50 mg", "frequency": "at bedtime",
                       "raw": "trazodone 50mg at bedtime"},
        "med.2.status": "as_prescribed",
        "med.2.missed": 3,
        "med.2.reasons": ["forgot", "other"],
        "med.2.reasons_other": "fell asleep on the couch before taking it",
        "med.2.more": "another",
        "med.3.name": {"name": "hydroxyzine", "dose": "25 mg", "frequency": "as needed",
                       "raw": "hydroxyzine 25 mg as needed"},
        "med.3.status": "different",
        "med.3.current_dose": "half a tablet (12.5 mg) most nights",
        "med.3.missed": 0,
        "med.3.more": "done",
        "meds.new": "Melatonin 3 mg from the pharmacy, a few nights a week",
        **{f"phq9.{n}": str(v) for n, v in enumerate(phq9, start=1)},
        "phq9.function": "somewhat",
        **{f"gad7.{n}": str(v) for n, v in enumerate(gad7, start=1)},
        "sleep.hours": 6.5,
        "sleep.latency": "30_60",
        "sleep.wakings": 2,
        "sleep.quality": "fair",
        "sleep.change": "better",
        "daily.energy": "same",
        "daily.appetite": "less",
        "daily.focus": "better",
        "se.checklist": ["nausea", "sleepy", "other"],
        "se.other": "vivid dreams",
        "se.nausea.frequency": "some_days",
        "se.nausea.severity": "mild",
        "se.nausea.interference": "a_little",
        "se.nausea.medication": "m1",
        "se.sleepy.frequency": "most_days",
        "se.sleepy.severity": "moderate",
        "se.sleepy.interference": "a_lot",
        "se.sleepy.medication": "m2",
        "se.other.frequency": "some_days",
        "se.other.severity": "mild",
        "se.other.interference": "not_at_all",
        "se.other.medication": "m2",
        "stress.work": "a_lot",
        "stress.family": "a_little",
        "stress.relationship": "not_at_all",
        "stress.money": "a_little",
        "stress.housing": "not_at_all",
        "stress.health": "not_at_all",
        "stress.loss": "not_at_all",
        "stress.legal": "not_at_all",
        "stress.event": "not_at_all",
        "stress.notes": "My manager moved me to night shifts (3 × 12 h) & I’m not sure how to "
                        "time the trazodone <around> them. My sister is helping with the kids.",
        "q.1": "Can I take the sertraline at night instead, now that I work nights?",
        "q.2": "Is it OK to keep taking melatonin with the trazodone?",
        "q.3": "My copay went up to $45 — is there a cheaper option? 😕",
        "q.4": {"choice": "done"},
    }


def demo_changes() -> Changes:
    return Changes(
        previous_submitted_at=LAST_INTAKE,
        scores=(
            ScoreChange("PHQ-9", previous=16, current=9, baseline=18, delta=-7,
                        meaningful=True, response=True, remission=False),
            ScoreChange("GAD-7", previous=11, current=7, baseline=13, delta=-4,
                        meaningful=False, response=False, remission=False),
        ),
        medications_started=("hydroxyzine",),
        medications_stopped=("buspirone",),
        dose_changes=(DoseChange("sertraline", before="50 mg once a day",
                                 after="100 mg once a day"),),
        side_effects_new=("sleepiness", "“vivid dreams”"),
        side_effects_resolved=("headache",),
        stressors_new=("Work or school",),
    )


def demo_intake() -> CompiledIntake:
    records = demo_records()
    compiled = compile_intake(
        demo_answers(),
        intake_id=1042,
        patient_name=PATIENT,
        submitted_at=SUBMITTED,
        appointment="Tue 1 Dec, 10:30 am with Dr. Ramírez",
        checkins=summarise_checkins(records, missed=2),
        checkins_since=LAST_VISIT,
        patient_id=77,
    )
    # A returning patient: the changes since the last intake, written by hand for the demo.
    return replace(compiled, changes=demo_changes())


def main() -> None:
    compiled = demo_intake()
    chart = render_checkin_chart(
        demo_records(), [LAST_VISIT], ZoneInfo(ZONE),
        title=f"Check-ins since 2 Nov: {PATIENT}",
    )
    pdf = render_intake_pdf(compiled, clinic=CLINIC, zone=ZONE, chart_png=chart)
    OUTPUT.write_bytes(pdf)
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(pdf):,} bytes)")


if __name__ == "__main__":
    main()
