"""How the intake's FHIR resources are named and referred to: random ids stored once per patient
and intake (`ExportIds`), urn:uuid references inside the Bundle, and FHIR dateTimes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

XHTML = "http://www.w3.org/1999/xhtml"

@dataclass(frozen=True)
class ExportIds:
    """The random UUIDs an intake's resources are named by, stored once per patient and intake.

    Every resource of an intake gets a UUIDv5 of the intake's own UUID and its kind, so a
    re-export gives the same ids, and two databases (or clinics) never give the same ones.
    """

    patient: str  # the Patient resource's id
    intake: str  # the namespace of the intake's resources

    def of(self, kind: str) -> str:
        """The id of one resource of the intake (`kind`: "Bundle", "Observation/44261-6", ...)."""
        return str(uuid.uuid5(uuid.UUID(self.intake), kind))

    @property
    def response(self) -> str:
        return self.of("QuestionnaireResponse")


def urn(resource_id: str) -> str:
    """How a resource is referred to, and its fullUrl, inside the Bundle."""
    return f"urn:uuid:{resource_id}"


def patient_reference(ids: ExportIds, patient_name: str | None) -> dict[str, Any]:
    reference: dict[str, Any] = {"reference": urn(ids.patient)}
    if patient_name:
        reference["display"] = patient_name
    return reference


def fhir_datetime(moment: datetime) -> str:
    """ISO 8601 with a UTC offset, to the second, as FHIR's dateTime requires."""
    offset = moment.utcoffset() if moment.tzinfo is not None else None
    if offset is None:
        raise ValueError("a FHIR dateTime needs a timezone: pass an aware datetime")
    if offset.total_seconds() % 60:
        moment = moment.astimezone(UTC)  # FHIR offsets are whole minutes
    return moment.replace(microsecond=0).isoformat(timespec="seconds")
