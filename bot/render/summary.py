"""The compiled intake as the provider reads it: Telegram HTML, flags first, split under the limit.

The same text is printed by the console demo (as plain text), so what a clinic tries in the
terminal is exactly what its providers will receive.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.render.html import esc, split_blocks
from flows.audit_c import AuditScore
from flows.instruments import Score
from flows.report import (
    AnsweredSection,
    Changes,
    CheckinRecord,
    CheckinSummary,
    CompiledIntake,
    MedicationReport,
    ScoreChange,
)

FOOTER = (
    "PHQ-9 and GAD-7 are validated instruments. Medications, sleep, energy/appetite/focus, side "
    "effects, stressors and check-ins are clinic questions, not validated scales. Compiled from "
    "the patient's answers without interpretation."
)
FIRST_VISIT_FOOTER = (
    "PHQ-9, GAD-7 and AUDIT-C (Bush et al. 1998; cut-offs Bradley et al. 2007) are validated "
    "instruments, as is the single drug-use question (Smith et al. 2010). Everything else "
    "(medications, history, sleep, energy/appetite/focus, which substances, therapy, physical "
    "health, stressors) is the clinic's own questions, not validated scales. "
    "Compiled from the patient's answers without interpretation."
)


def render_summary(compiled: CompiledIntake, timezone: str) -> list[str]:
    """The provider's message(s) for one submitted intake."""
    daily = "(past two weeks)" if compiled.first_visit else "(vs. before last visit)"
    blocks = [
        _heading(compiled, timezone),
        _flags(compiled),
        _scores(compiled, timezone),
        *([_changes(compiled.changes, timezone)] if compiled.changes is not None else []),
        *(
            [render_checkin_summary(compiled.checkins, compiled.checkins_since, timezone)]
            if compiled.checkins is not None
            else []
        ),
        *_answered(compiled, "reasons"),
        _medications(compiled),
        *_answered(compiled, "past_medications", "background"),
        _lines("Sleep", compiled.sleep),
        _lines(f"Energy, appetite, focus {daily}", compiled.daily),
        *([] if compiled.first_visit else [_side_effects(compiled)]),
        *_answered(compiled, "substances", "therapy", "physical"),
        _stressors(compiled),
        _questions(compiled),
        f"<i>{esc(FIRST_VISIT_FOOTER if compiled.first_visit else FOOTER)}</i>",
    ]
    return split_blocks(blocks)


def answered_sections(compiled: CompiledIntake, *names: str) -> list[AnsweredSection]:
    """The compiled intake's plain-answer sections called `names`, in the intake's order."""
    return [section for section in compiled.answered_sections if section.section in names]


def _answered(compiled: CompiledIntake, *names: str) -> list[str]:
    """Each named section as a block: its answers in order, the patient's words in quotes."""
    blocks = []
    for section in answered_sections(compiled, *names):
        lines = [f"<b>{esc(section.title)}</b>"]
        for line in section.lines:
            value = f"“{esc(line.value)}”" if line.own_words else esc(line.value)
            lines.append(f"• {esc(line.label)}: {value}")
        blocks.append("\n".join(lines))
    return blocks


def _heading(compiled: CompiledIntake, timezone: str) -> str:
    lines = [f"<b>Pre-visit intake: {esc(compiled.patient_name)}</b>"]
    if compiled.first_visit:
        lines.append("First visit: no earlier intake")
    if compiled.submitted_at is not None:
        local = compiled.submitted_at.astimezone(ZoneInfo(timezone))
        lines.append(f"Submitted {esc(_when(local))} · intake #{compiled.intake_id}")
    if compiled.appointment:
        lines.append(f"Appointment: {esc(compiled.appointment)}")
    return "\n".join(lines)


def _when(moment: datetime) -> str:
    return moment.strftime("%a %d %b %Y, %H:%M %Z")


def flag_rows(compiled: CompiledIntake) -> list[tuple[bool, str]]:
    """The flags in order, each as (False, text), with the patient's answers to the safety
    question as (True, text) right under the safety flags they answer (first when none)."""
    rows = [(False, flag.text) for flag in compiled.flags]
    safety = [i for i, flag in enumerate(compiled.flags) if flag.kind == "safety"]
    at = safety[-1] + 1 if safety else 0
    rows[at:at] = [(True, said) for said in compiled.safety_responses]
    return rows


def _flags(compiled: CompiledIntake) -> str:
    lines = [
        f"   safety question: {esc(text)}" if answer else f"• {esc(text)}"
        for answer, text in flag_rows(compiled)
    ]
    if not compiled.flags:
        return "\n".join(["<b>Flags:</b> none", *lines])
    return "\n".join(["<b>⚠️ Flags</b>", *lines])


def _score_line(score: Score) -> str:
    name = score.instrument.name
    if score.complete:
        return f"{name}: <b>{score.total}</b> / {score.instrument.max_total} — {esc(score.band)}"
    return (
        f"{name}: incomplete ({score.answered} of {len(score.instrument.items)} items answered, "
        f"{score.total} points so far)"
    )


def _scores(compiled: CompiledIntake, timezone: str) -> str:
    changes = {c.instrument: c for c in compiled.changes.scores} if compiled.changes else {}
    against = baseline_words(compiled.changes, timezone) if compiled.changes else None
    lines = [
        "<b>Scores</b>",
        _score_line(compiled.phq9) + _score_change(changes.get("PHQ-9"), against),
    ]
    item9 = compiled.phq9.item_scores[8]
    if item9 is not None:
        lines.append(f"   item 9 (self-harm thoughts): {item9}")
    if compiled.phq9_function:
        lines.append(f"   difficulty: {esc(compiled.phq9_function)}")
    lines.append(_score_line(compiled.gad7) + _score_change(changes.get("GAD-7"), against))
    if compiled.audit_c is not None:
        lines.append(audit_c_line(compiled.audit_c))
    return "\n".join(lines)


def audit_c_line(score: AuditScore) -> str:
    """ "AUDIT-C: 5 / 12 — positive screen for men (≥4) and for women (≥3)"."""
    if score.complete:
        return f"AUDIT-C: <b>{score.total}</b> / {score.max_total} — {esc(score.band)}"
    answered = sum(1 for v in score.item_scores if v is not None)
    return f"AUDIT-C: incomplete ({answered} of 3 items answered, {score.total} points so far)"


def baseline_words(changes: Changes, timezone: str) -> str:
    """The intake "response" is judged against: "intake #3 of 2 Nov" (the first intake)."""
    number = f"intake #{changes.baseline_intake_id}" if changes.baseline_intake_id else "intake"
    when = changes.baseline_submitted_at
    return f"the first {number}" + (f" of {_day(when, ZoneInfo(timezone))}" if when else "")


def _score_change(change: ScoreChange | None, against: str | None) -> str:
    """ " (+6 since last intake: meaningful change, response vs. the first intake #3 of 2 Nov,
    18)", by the reference's conventions."""
    if change is None or change.delta is None:
        return ""
    response = f"response vs. {against or 'the first intake'}, {change.baseline}"
    notes = [
        word
        for word, applies in (
            ("change of 5 or more", change.meaningful),
            (response, change.response),
            ("remission", change.remission),
        )
        if applies
    ]
    text = f" ({change.delta:+d} since last intake"
    return esc(text + (": " + ", ".join(notes) if notes else "") + ")")


def _changes(changes: Changes, timezone: str) -> str:
    """What changed since the patient's previous intake: medicines, side effects, stressors."""
    since = changes.previous_submitted_at
    when = _day(since, ZoneInfo(timezone)) if since is not None else "the last intake"
    lines = [f"<b>Changes since the last intake ({esc(when)})</b>"]
    for label, items in (
        ("Started", changes.medications_started),
        ("Stopped", changes.medications_stopped),
        ("New side effects", changes.side_effects_new),
        ("Side effects gone", changes.side_effects_resolved),
        ("New stressors", changes.stressors_new),
    ):
        if items:
            lines.append(f"• {label}: {esc(', '.join(items))}")
    lines.extend(
        f"• Dose changed: {esc(c.name)}: {esc(c.before)} → {esc(c.after)}"
        for c in changes.dose_changes
    )
    if len(lines) == 1:
        lines.append("• no changes in medicines, side effects or stressors")
    return "\n".join(lines)


def _medication_line(med: MedicationReport) -> str:
    """The reading of one medicine, how it is taken, and the patient's words when not all read."""
    dose = med.dose or ("(dose not known)" if med.dose_unknown else "(dose not given)")
    what = " ".join((med.name, dose, med.frequency or "(how often not given)"))
    what = ", ".join((what, *med.details))
    details = [med.taking_text]
    if med.missed_days is not None:
        details.append(f"missed doses on {med.missed_days} of 7 days")
    if med.reason_labels:
        details.append("reasons: " + ", ".join(med.reason_labels))
    if not med.recognised:
        details.append("name not on the clinic's medication list (as typed)")
    line = f"• {esc(what)} — {esc('; '.join(details))}"
    if med.verbatim:
        line += f"\n   patient's words: “{esc(med.verbatim)}”"
    return line


def _medications(compiled: CompiledIntake) -> str:
    lines = ["<b>Medications</b>"]
    if compiled.takes_no_medication:
        lines.append("• Takes no medication")
    lines.extend(_medication_line(med) for med in compiled.medications)
    if not compiled.takes_no_medication and not compiled.medications:
        lines.append("• none listed")
    lines.append(f"New medicines or supplements: {esc(compiled.new_medicines or 'none reported')}")
    return "\n".join(lines)


def _lines(title: str, pairs: tuple[tuple[str, str], ...]) -> str:
    body = "\n".join(f"• {esc(label)}: {esc(value)}" for label, value in pairs)
    return f"<b>{esc(title)}</b>\n{body}"


def _side_effects(compiled: CompiledIntake) -> str:
    title = "<b>Side effects</b>"
    if compiled.no_side_effects:
        return f"{title}\n• none of the listed side effects"
    if not compiled.side_effects:
        return f"{title}\n• not answered"
    lines = [title]
    for effect in compiled.side_effects:
        lines.append(
            f"• {esc(effect.name)}: {esc(effect.frequency.lower())}, {esc(effect.severity.lower())}, "
            f"gets in the way {esc(effect.interference.lower())}; suspected: {esc(effect.suspected)}"
        )
    return "\n".join(lines)


def _stressors(compiled: CompiledIntake) -> str:
    lines = ["<b>Life stressors</b>"]
    for level in ("A lot", "A little"):
        domains = [domain for domain, said in compiled.stressors if said == level]
        if domains:
            lines.append(f"• {level.lower()}: {esc(', '.join(d.lower() for d in domains))}")
    calm = [domain for domain, said in compiled.stressors if said == "Not at all"]
    if calm:
        lines.append(f"• not at all: {esc(', '.join(d.lower() for d in calm))}")
    unanswered = [domain for domain, said in compiled.stressors if said == "not answered"]
    if unanswered:
        lines.append(f"• not answered: {esc(', '.join(d.lower() for d in unanswered))}")
    if compiled.stress_notes:
        lines.append(f"Patient's note: “{esc(compiled.stress_notes)}”")
    return "\n".join(lines)


def question_rows(compiled: CompiledIntake) -> list[str]:
    """The patient's questions: picked from the list (marked so), then typed (verbatim)."""
    picked = [f"{q} (picked from a list)" for q in compiled.picked_questions]
    return [*picked, *compiled.questions]


def _questions(compiled: CompiledIntake) -> str:
    rows = question_rows(compiled)
    if not rows:
        return "<b>Patient's questions</b>\n• none"
    items = "\n".join(f"{n}. {esc(q)}" for n, q in enumerate(rows, start=1))
    note = " (typed ones verbatim)" if compiled.picked_questions else " (verbatim)"
    return f"<b>Patient's questions</b>{note}\n{items}"


def render_checkin_summary(
    summary: CheckinSummary | None, since: datetime | None, zone: str
) -> str:
    """The between-visit check-ins as one self-contained block: figures and the patient's notes.

    `since` is the start of the period (the previous visit), or None for "since the patient
    joined"; dates are local to `zone`. Naive datetimes are taken to be UTC.
    """
    tz = ZoneInfo(zone)
    period = f"since {_day(since, tz)}" if since is not None else "since the patient joined"
    if summary is None or summary.count == 0:
        return f"<b>Check-ins</b>\nNone {esc(period)}."
    lines = [f"<b>Check-ins {esc(period)}</b>", _checkin_counts(summary)]

    if summary.mood_average is None:
        lines.append("Mood: not answered")
    else:
        direction = summary.mood_direction or "too few to tell"
        lines.append(
            f"Mood: average {summary.mood_average:.1f} (lowest {summary.mood_lowest}, "
            f"highest {summary.mood_highest}), {esc(direction)}"
        )
    if summary.sleep_average is None:
        lines.append("Sleep: not answered")
    else:
        lines.append(f"Sleep: average {summary.sleep_average:.1f} h")

    effects = ", ".join(f"{esc(label)} ×{times}" for label, times in summary.side_effects)
    lines.append(f"Side effects reported: {effects or 'none'}")

    if summary.notes:
        lines.append("Notes:")
        lines.extend(f"• {esc(_day(at, tz))}: “{esc(note)}”" for at, note in summary.notes)
    else:
        lines.append("Notes: none")
    return "\n".join(lines)


def _checkin_counts(summary: CheckinSummary) -> str:
    text = f"{summary.count} check-in{'' if summary.count == 1 else 's'}"
    if summary.late:
        text += f" ({summary.late} late)"
    return text + (f", {summary.missed} missed" if summary.missed else ", none missed")


def _day(moment: datetime, tz: ZoneInfo) -> str:
    """A local date the way the chart labels it: "3 Dec"."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(tz)
    return f"{local.day} {local:%b}"


def chart_title(compiled: CompiledIntake, zone: str) -> str:
    """The title of the check-in chart sent with an intake: the period its summary counts."""
    since = compiled.checkins_since
    period = f"since {_day(since, ZoneInfo(zone))}" if since is not None else "since joining"
    return f"Check-ins {period}: {compiled.patient_name}"


def render_alert(patient_name: str, detail: str) -> str:
    """The urgent safety alert for provider chats: who and what triggered it, nothing more."""
    return (
        "🚨 <b>URGENT — safety alert</b>\n"
        f"Patient: {esc(patient_name)}\n"
        f"Trigger: {esc(detail)}\n"
        "The patient was shown crisis resources (988, Crisis Text Line, 911) and asked whether "
        "they are safe right now."
    )


def render_checkin_log(records: Sequence[CheckinRecord], zone: str) -> list[str]:
    """Every check-in, one line each, newest first, as messages under Telegram's limit."""
    tz = ZoneInfo(zone)
    if not records:
        return ["<b>Check-in log</b>\nNo check-ins yet."]
    lines = []
    for record in sorted(records, key=lambda r: r.at, reverse=True):
        parts = [
            f"mood {record.mood}" if record.mood is not None else "mood not answered",
            f"sleep {record.sleep_hours:g} h"
            if record.sleep_hours is not None
            else "sleep not answered",
            f"energy {record.energy.lower()}" if record.energy else "energy not answered",
            ", ".join(record.side_effects) if record.side_effects else "no side effects",
        ]
        late = " (late)" if record.late else ""
        line = f"• {_day(record.at, tz)}{late}: {'; '.join(parts)}"
        if record.note:
            line += f" — “{record.note}”"
        lines.append(esc(line))
    return split_blocks(["<b>Check-in log</b> (newest first)\n" + "\n".join(lines)])
