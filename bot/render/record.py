"""A patient's own record as a plain-text file (/mydata): who the clinic says they are, their
settings and visits, each submitted intake exactly as their provider received it, answers of
an intake not sent yet, their check-ins, and what they wrote that raised a safety concern."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.render.html import to_plain
from bot.render.summary import render_checkin_log, render_summary
from flows.record import PatientRecord, SafetyNote
from flows.when import format_local

RULE = "─" * 60


def render_record(record: PatientRecord, *, clinic: str, made_at: datetime) -> bytes:
    """The record as UTF-8 text, in the patient's time zone."""
    zone = ZoneInfo(record.timezone)
    blocks = [
        _about(record, clinic, made_at, zone),
        _intakes(record),
        _in_progress(record),
        "\n".join(to_plain(page) for page in render_checkin_log(record.checkins, zone.key)),
        _safety(record.safety, zone),
        f"If you need help right away, call or text 988, or call 911.\n"
        f"To delete everything {clinic}'s assistant keeps about you, send /delete in the chat.",
    ]
    return ("\n\n".join(b for b in blocks if b) + "\n").encode("utf-8")


def _about(record: PatientRecord, clinic: str, made_at: datetime, zone: ZoneInfo) -> str:
    def when(moment: datetime | None) -> str:
        return format_local(moment, zone) if moment is not None else "not yet"

    visits = [f"  • {format_local(v, zone)}" for v in record.appointments] or ["  • none booked"]
    return "\n".join(
        [
            f"Everything {clinic}'s pre-visit assistant keeps about you",
            f"Made {format_local(made_at, zone)}.",
            RULE,
            f"Name your clinic gave: {record.name or '(none)'}",
            f"Your number here: #{record.patient_id}",
            f"Time zone: {record.timezone}",
            f"Joined through your invitation: {when(record.linked_at)}",
            f"Agreed to take part: {when(record.consented_at)}",
            f"Reminders: {record.reminders}",
            "Appointments:",
            *visits,
        ]
    )


def _intakes(record: PatientRecord) -> str:
    if not record.intakes:
        return f"{RULE}\nPre-visit check-ins sent to your care team: none yet."
    parts = [f"{RULE}\nPre-visit check-ins sent to your care team, as they received them:"]
    for compiled in record.intakes:
        pages = render_summary(compiled, record.timezone)
        parts.append(RULE + "\n" + "\n".join(to_plain(page) for page in pages))
    return "\n\n".join(parts)


def _in_progress(record: PatientRecord) -> str:
    if not record.in_progress:
        return ""
    lines = [f"{RULE}\nYour answers so far to the check-in you have not sent yet:"]
    lines += [f"  • {key}: {answer}" for key, answer in record.in_progress]
    return "\n".join(lines)


def _safety(notes: tuple[SafetyNote, ...], zone: ZoneInfo) -> str:
    if not notes:
        return ""
    lines = [f"{RULE}\nTimes I showed you crisis resources:"]
    for note in notes:
        said = f": “{note.text}”" if note.text else ""
        alerted = ""
        if note.alerted:
            seen = "seen" if note.acknowledged else "not seen yet"
            alerted = f" (your care team was alerted; {seen})"
        lines.append(f"  • {format_local(note.at, zone)}{said}{alerted}")
    return "\n".join(lines)
