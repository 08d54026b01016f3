"""The render worker: charts and PDFs are drawn in another process, which the bot's own process
never needs matplotlib or fpdf2 for, and a worker that died is replaced."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.render import jobs
from bot.telegram.render_pool import RenderPool
from flows.report import CheckinRecord


def test_the_bot_process_loads_neither_matplotlib_nor_fpdf() -> None:
    code = (
        "import sys, bot.cli.main, bot.telegram.app, bot.telegram.senders\n"
        "print(sorted(m for m in ('matplotlib', 'fpdf') if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


async def test_a_chart_is_drawn_in_the_worker_and_a_dead_worker_is_replaced() -> None:
    pool = RenderPool()
    records = [CheckinRecord(datetime(2026, 11, d, 20, tzinfo=UTC), 6, 7.5, "ok", (), None) for d in (1, 2)]
    try:
        first = await pool.run(jobs.checkin_chart, records, [], ZoneInfo("UTC"), "Check-ins")
        assert first.startswith(b"\x89PNG")
        worker_pids = list(pool._pool()._processes)  # type: ignore[attr-defined]
        assert worker_pids and os.getpid() not in worker_pids
        os.kill(worker_pids[0], signal.SIGKILL)
        again = await pool.run(jobs.checkin_chart, records, [], ZoneInfo("UTC"), "Check-ins")
        assert again == first
    finally:
        pool.shutdown()


def renderers_loaded() -> bool:
    """In the worker: whether the chart and PDF renderers are loaded already."""
    return {"bot.render.chart", "bot.render.pdf"} <= set(sys.modules)


async def test_warming_loads_the_renderers_before_the_first_rendering_is_asked_for() -> None:
    cold, warm = RenderPool(), RenderPool()
    try:
        assert await cold.run(renderers_loaded) is False  # started on first use: nothing loaded
        starting = warm.warm()
        assert starting is not None
        starting.result(timeout=30)  # the worker is starting, the warm-up queued first
        assert warm.warm() is None  # started once
        assert await warm.run(renderers_loaded) is True  # the warm-up ran first, in the worker
        assert len(warm._pool()._processes) == 1  # type: ignore[attr-defined]
    finally:
        cold.shutdown()
        warm.shutdown()


def running(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting to be reaped by whoever adopted it does not)."""
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_the_worker_ends_when_the_bot_is_killed_outright() -> None:
    code = (
        "import asyncio, os, time\n"
        "from bot.telegram.render_pool import RenderPool\n"
        "print(asyncio.run(RenderPool().run(os.getpid)), flush=True)\n"
        "time.sleep(600)\n"
    )
    bot = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert bot.stdout is not None
        worker = int(bot.stdout.readline())
        assert running(worker)
    finally:
        bot.kill()  # SIGKILL: the bot cannot shut its worker down
        bot.wait()
    deadline = time.monotonic() + 30
    while running(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running(worker), "the render worker outlived the bot"
