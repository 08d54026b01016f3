"""Charts and PDFs: drawn off the event loop, with matplotlib and fpdf2 loaded only when the first
one is drawn, so the bot's process starts without them."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.render import jobs
from flows.report import CheckinRecord


def test_the_bot_process_starts_without_matplotlib_or_fpdf() -> None:
    code = (
        "import sys, bot.cli.main, bot.telegram.app, bot.telegram.senders\n"
        "print(sorted(m for m in ('matplotlib', 'fpdf') if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


async def test_a_chart_is_drawn_off_the_event_loop() -> None:
    records = [
        CheckinRecord(datetime(2026, 11, d, 20, tzinfo=UTC), 6, 7.5, "ok", (), None) for d in (1, 2)
    ]
    chart = await asyncio.to_thread(jobs.checkin_chart, records, [], ZoneInfo("UTC"), "Check-ins")
    assert chart.startswith(b"\x89PNG")
