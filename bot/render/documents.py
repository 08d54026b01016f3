"""One submitted intake as a file: the provider's PDF, a FHIR R4 Bundle, or the compiled intake as JSON.

Used by `intake-bot export`, by the providers' /export and /intake commands, and by delivery.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from bot.render.chart import render_checkin_chart
from bot.render.pdf import render_intake_pdf
from bot.services.providers import IntakeRecord, ProviderService
from flows.fhir import intake_bundle

FORMATS = ("pdf", "fhir", "json")


def chart_png(
    providers: ProviderService, patient_id: int | None, patient_name: str
) -> bytes | None:
    """The check-in chart that goes with an intake: since the previous visit, visits marked."""
    if patient_id is None:
        return None
    log = providers.checkin_log(f"#{patient_id}")
    recent = [r for r in log.records if log.since is None or r.at >= log.since]
    return render_checkin_chart(
        recent,
        log.visits,
        providers.clinic_zone,
        title=f"Check-ins since the last visit: {patient_name}",
    )


def pdf_document(record: IntakeRecord, clinic: str, zone: ZoneInfo, chart: bytes | None) -> bytes:
    return render_intake_pdf(record.compiled, clinic=clinic, zone=zone.key, chart_png=chart)


def fhir_document(record: IntakeRecord) -> bytes:
    compiled = record.compiled
    assert compiled.patient_id is not None and compiled.submitted_at is not None
    bundle = intake_bundle(record.answers, compiled, patient_id=compiled.patient_id)
    return json.dumps(bundle, indent=2, ensure_ascii=False).encode()


def json_document(record: IntakeRecord) -> bytes:
    """The compiled intake, every field, as the provider's summary is built from it."""
    return json.dumps(
        dataclasses.asdict(record.compiled), indent=2, ensure_ascii=False, default=_plain
    ).encode()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"cannot export {type(value).__name__}")


def file_name(record: IntakeRecord, fmt: str) -> str:
    suffix = {"pdf": "pdf", "fhir": "fhir.json", "json": "json"}[fmt]
    return f"intake-{record.compiled.intake_id}.{suffix}"


def render(record: IntakeRecord, fmt: str, *, clinic: str, providers: ProviderService) -> bytes:
    if fmt == "pdf":
        chart = chart_png(providers, record.compiled.patient_id, record.compiled.patient_name)
        return pdf_document(record, clinic, providers.clinic_zone, chart)
    if fmt == "fhir":
        return fhir_document(record)
    if fmt == "json":
        return json_document(record)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
