"""Writes docs/checkin-chart-example.png: the provider's check-in chart for made-up demo data.

Run from the project root: `.venv/bin/python docs/make_chart_example.py`. The data are
invented ("Demo Patient", four weeks of daily check-ins); the output is the same every run.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.render.chart import render_checkin_chart  # noqa: E402
from flows.checkin_summary import CheckinRecord  # noqa: E402

OUTPUT = ROOT / "docs" / "checkin-chart-example.png"
ZONE = ZoneInfo("America/Chicago")
START = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # 2 Nov, 8 pm in Chicago

# Day by day: mood 0–10 and hours slept, None where the patient skipped the question.
# A dip in the second week, then a gradual recovery; one missed day (day 12).
MOODS = [5, 5, 4, 5, 4, 4, 3, 3, 4, 3, 4, None, 5, 5, 6, 5, 6, 6, 7, 6, 7, 7, 6, 7, 8, 7, 7, 8]
SLEEP = [6.5, 6.0, 5.5, 6.0, 5.0, 5.5, 4.5, 5.0, None, 4.5, 5.5, None, 6.0, 6.5, 6.5, 7.0,
         6.5, 7.0, 7.5, 7.0, 7.5, 8.0, 7.0, 7.5, 8.0, 7.5, 8.0, 8.0]


def demo_records() -> list[CheckinRecord]:
    records = []
    for day, (mood, sleep) in enumerate(zip(MOODS, SLEEP, strict=True)):
        if mood is None and sleep is None:
            continue  # a missed check-in
        records.append(CheckinRecord(
            at=START + timedelta(days=day, minutes=17 * (day % 5)),
            mood=mood, sleep_hours=sleep, energy="ok", side_effects=(), note=None,
            late=day % 9 == 4,
        ))
    return records


def main() -> None:
    visits = [datetime(2026, 11, 2, 16, 0, tzinfo=UTC), datetime(2026, 12, 1, 17, 30, tzinfo=UTC)]
    png = render_checkin_chart(demo_records(), visits, ZONE, title="Check-ins since 2 Nov: Demo Patient")
    OUTPUT.write_bytes(png)
    print(f"wrote {OUTPUT.name} ({len(png):,} bytes)")


if __name__ == "__main__":
    main()
