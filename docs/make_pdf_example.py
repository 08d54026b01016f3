"""Writes docs/intake-example.pdf: the provider's printable intake of the invented first visit.

Run from the project root: `.venv/bin/python docs/make_pdf_example.py`. The intake is the
invented first visit of docs/first_visit_demo.py, with the daily check-ins the patient made
since joining four weeks before the visit; the output is the same every run. To look at it
as images:
`pdftoppm -png -r 80 -f 1 -l 2 docs/intake-example.pdf docs/intake-example` (poppler-utils).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "docs"))

from first_visit_demo import CLINIC, PATIENT, ZONE, answers_and_words  # noqa: E402

from bot.render.chart import render_checkin_chart  # noqa: E402
from bot.render.pdf import render_intake_pdf  # noqa: E402
from flows.checkin_summary import summarise_checkins  # noqa: E402
from flows.compiled import compile_intake  # noqa: E402
from flows.report import CheckinRecord, CompiledIntake  # noqa: E402

OUTPUT = ROOT / "docs" / "intake-example.pdf"
JOINED = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)  # invited and joined four weeks ahead
SUBMITTED = datetime(2026, 11, 30, 2, 12, tzinfo=UTC)  # Sun 29 Nov, 8:12 pm in Chicago
START = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # check-ins from 2 Nov, 8 pm in Chicago

# The chart example's four weeks: a dip in the second week, then a gradual recovery.
MOODS = [5, 5, 4, 5, 4, 4, 3, 3, 4, 3, 4, None, 5, 5, 6, 5, 6, 6, 7, 6, 7, 7, 6, 7]
SLEEP = [6.5, 6.0, 5.5, 6.0, 5.0, 5.5, 4.5, 5.0, None, 4.5, 5.5, None, 6.0, 6.5, 6.5, 7.0,
         6.5, 7.0, 7.5, 7.0, 7.5, 8.0, 7.0, 7.5]
NOTES = {
    3: "Nausea after the sertraline — better if I eat first.",
    7: "Rough week at the new job.",
    10: "Woke at 4 again, even with the trazodone",
    19: "A better day. Walked by the lake with a friend 🙂",
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


def demo_intake() -> CompiledIntake:
    answers, words = answers_and_words()
    return compile_intake(
        answers,
        intake_id=1042,
        patient_name=PATIENT,
        submitted_at=SUBMITTED,
        appointment="Tue 1 Dec, 10:30 am with Dr. Ramírez",
        typed_texts=words,
        checkins=summarise_checkins(demo_records(), missed=2),
        checkins_since=JOINED,
        patient_id=77,
    )


def main() -> None:
    compiled = demo_intake()
    chart = render_checkin_chart(
        demo_records(), [], ZoneInfo(ZONE),
        title=f"Check-ins since 2 Nov: {PATIENT}",
    )
    pdf = render_intake_pdf(compiled, clinic=CLINIC, zone=ZONE, chart_png=chart)
    OUTPUT.write_bytes(pdf)
    print(f"wrote {OUTPUT.name} ({len(pdf):,} bytes)")


if __name__ == "__main__":
    main()
