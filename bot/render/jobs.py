"""The renderings that run in the render worker process (bot.telegram.render_pool): a chart, an
intake's PDF, an export. Each imports its renderer when called, so matplotlib and fpdf2 are
loaded in the worker only, never in the bot's own process; arguments and results are plain,
picklable data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flows.report import CheckinRecord, CompiledIntake


def warm() -> bool:
    """Load the renderers ahead of the first rendering (see RenderPool.warm)."""
    import bot.render.chart
    import bot.render.pdf  # noqa: F401

    return True


def checkin_chart(
    records: Sequence[CheckinRecord],
    visits: Sequence[datetime],
    zone: ZoneInfo,
    title: str,
) -> bytes:
    """The mood-and-sleep chart as PNG."""
    from bot.render.chart import render_checkin_chart

    return render_checkin_chart(records, visits, zone, title=title)


def intake_pdf(
    compiled: CompiledIntake, clinic: str, zone_key: str, chart_png: bytes | None
) -> bytes:
    from bot.render.pdf import render_intake_pdf

    return render_intake_pdf(compiled, clinic=clinic, zone=zone_key, chart_png=chart_png)


def document(
    compiled: CompiledIntake,
    answers: Mapping[str, Any],
    fmt: str,
    clinic: str,
    zone: ZoneInfo,
    chart_png: bytes | None,
    patient_system: str,
) -> bytes:
    """An intake as pdf, fhir or json (bot.render.documents)."""
    from bot.render.documents import render_document

    return render_document(
        compiled,
        answers,
        fmt,
        clinic=clinic,
        zone=zone,
        chart_png=chart_png,
        patient_system=patient_system,
    )
