"""One submitted intake as a file: the provider's PDF, a FHIR R4 Bundle, or the compiled intake
as JSON. Used by `intake-bot export`, the providers' /export and /intake commands, and delivery."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from flows.fhir import DEFAULT_PATIENT_SYSTEM, ExportIds, intake_bundle
from flows.fhir_questionnaire import questionnaire
from flows.report import CompiledIntake

FORMATS = ("pdf", "fhir", "json")
QUESTIONNAIRE_FILE = "pre-visit-intake.questionnaire.fhir.json"
_SUFFIXES = {"pdf": "pdf", "fhir": "fhir.json", "json": "json"}


def file_name(intake_id: int, fmt: str) -> str:
    return f"intake-{intake_id}.{_SUFFIXES[fmt]}"


def render_document(
    compiled: CompiledIntake,
    answers: Mapping[str, Any],
    fmt: str,
    *,
    clinic: str,
    zone: ZoneInfo,
    chart_png: bytes | None,
    patient_system: str = DEFAULT_PATIENT_SYSTEM,
) -> bytes:
    """The intake in format `fmt` (pdf, fhir or json); `patient_system` is the system of the
    patient identifier in FHIR (the clinic's FHIR_PATIENT_IDENTIFIER_SYSTEM)."""
    if fmt == "pdf":
        # Imported here: fpdf2 is loaded only where PDFs are made (the render worker, the CLI).
        from bot.render.pdf import render_intake_pdf

        return render_intake_pdf(compiled, clinic=clinic, zone=zone.key, chart_png=chart_png)
    if fmt == "fhir":
        return fhir_document(compiled, answers, patient_system)
    if fmt == "json":
        return json_document(compiled)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def fhir_document(
    compiled: CompiledIntake, answers: Mapping[str, Any], patient_system: str
) -> bytes:
    """The intake as a FHIR Bundle: Patient, QuestionnaireResponse and score Observations."""
    assert compiled.patient_id is not None and compiled.submitted_at is not None
    assert compiled.patient_export_id is not None and compiled.intake_export_id is not None
    bundle = intake_bundle(
        answers,
        compiled,
        ids=ExportIds(compiled.patient_export_id, compiled.intake_export_id),
        patient_identifier=(patient_system, str(compiled.patient_id)),
    )
    return _json(bundle)


def questionnaire_document() -> bytes:
    """The Questionnaire the FHIR export's QuestionnaireResponse answers."""
    return _json(questionnaire())


def _json(resource: Mapping[str, Any]) -> bytes:
    return json.dumps(resource, indent=2, ensure_ascii=False).encode()


def json_document(compiled: CompiledIntake) -> bytes:
    """The compiled intake, every field, as the provider's summary is built from it."""
    return json.dumps(
        dataclasses.asdict(compiled), indent=2, ensure_ascii=False, default=_plain
    ).encode()


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"cannot export {type(value).__name__}")
