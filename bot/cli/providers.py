"""`intake-bot invite`, `appointment` and `export`: the provider commands, from a terminal.

Times are read in the clinic's time zone unless another is named ("2026-12-03 15:00
America/New_York"). The invitation link needs the bot's username, asked of the Bot API
(getMe) unless --username gives it.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

from bot.render.chart import render_checkin_chart
from bot.render.documents import (
    QUESTIONNAIRE_FILE,
    file_name,
    questionnaire_document,
    render_document,
)
from bot.render.summary import chart_title
from bot.services.lookups import ProviderLookups
from bot.services.providers import ProviderError, ProviderService
from bot.settings import Settings, SettingsError
from bot.telegram.runner import BotApiUnreachable, TokenRejected, bot_username
from flows.when import format_local, parse_when
from storage.db import make_engine

FAILED = 1


def _service(settings: Settings) -> ProviderService:
    return ProviderService(
        make_engine(settings.database_url),
        settings.zone,
        settings.reminder_policy(),
        timedelta(days=settings.invite_ttl_days),
    )


def _when(settings: Settings, text: str | None, service: ProviderService) -> datetime | None:
    if text is None:
        return None
    moment = parse_when(text, settings.zone, service.clock())
    if moment is None:
        raise ProviderError(f"Cannot read the time {text!r}; use a form like 2026-12-03 15:00.")
    return moment


def invite(settings: Settings, name: str, at: str | None, username: str | None) -> int:
    service = _service(settings)
    try:
        when = _when(settings, at, service)
        if username is None:
            username = bot_username(settings)
        invited = service.invite(name, when, "cli")
    except ProviderError as error:
        print(f"intake-bot: {error}", file=sys.stderr)
        return FAILED
    except TokenRejected:
        raise SettingsError("TELEGRAM_BOT_TOKEN was rejected by the Bot API server") from None
    except BotApiUnreachable as error:
        print(
            f"intake-bot: cannot reach the Bot API server {error}; "
            "pass --username to make the link without it",
            file=sys.stderr,
        )
        return FAILED
    print(f"Invitation for {invited.display_name} (patient #{invited.patient_id})")
    if invited.appointment_at is not None:
        print(f"Appointment: {format_local(invited.appointment_at, settings.zone)}")
    print(f"Link (works once, expires {format_local(invited.expires_at, settings.zone)}):")
    print(invited.link(username))
    return 0


def appointment(settings: Settings, patient: str, at: str) -> int:
    service = _service(settings)
    try:
        when = _when(settings, at, service)
        assert when is not None
        scheduled = service.schedule(patient, when)
    except ProviderError as error:
        print(f"intake-bot: {error}", file=sys.stderr)
        return FAILED
    line = f"Appointment for {scheduled.display_name}: {format_local(scheduled.starts_at, settings.zone)}"
    if scheduled.moved_from is not None:
        line += f" (moved from {format_local(scheduled.moved_from, settings.zone)})"
    print(line)
    # A running bot re-reads pending reminders every few minutes (bot/reminders.py).
    return 0


def export(
    settings: Settings, patient: str, intake_id: int | None, fmt: str, output: str | None
) -> int:
    """Write one of the patient's submitted intakes (the latest unless --intake) to a file."""
    lookups = ProviderLookups(make_engine(settings.database_url), settings.zone)
    try:
        person_id = lookups.patient_id(patient)
        chosen = intake_id if intake_id is not None else lookups.latest_intake_id(person_id)
        record = lookups.intake(chosen) if chosen is not None else None
        if record is None or record.compiled.patient_id != person_id:
            raise ProviderError("No such submitted intake for that patient.")
    except ProviderError as error:
        print(f"intake-bot: {error}", file=sys.stderr)
        return FAILED
    compiled = record.compiled
    chart = None
    if fmt == "pdf":
        checkins = lookups.checkin_log(f"#{person_id}")
        chart = render_checkin_chart(
            checkins.checkins_from(compiled.checkins_since),
            checkins.visits_from(compiled.checkins_since),
            settings.zone,
            title=chart_title(compiled, settings.clinic_timezone),
        )
    data = render_document(
        compiled,
        record.answers,
        fmt,
        clinic=settings.clinic_name,
        zone=settings.zone,
        chart_png=chart,
        patient_system=settings.fhir_patient_identifier_system,
    )
    return _write(Path(output or file_name(compiled.intake_id, fmt)), data)


def export_questionnaire(output: str | None) -> int:
    """Write the FHIR Questionnaire that every intake's QuestionnaireResponse answers."""
    return _write(Path(output or QUESTIONNAIRE_FILE), questionnaire_document())


def _write(target: Path, data: bytes) -> int:
    target.write_bytes(data)
    print(f"wrote {target} ({len(data):,} bytes)")
    return 0
