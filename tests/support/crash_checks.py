"""What the crash test counts once the bot has finished (crash_harness.py), from the database and
from what the fake Bot API saw:

- answers lost: updates a patient sent that the bot never handled (no ProcessedUpdate row);
- answers under unseen questions: stored answers whose question the patient was not looking at
  when they sent them, or whose value they never gave for that question;
- provider messages missing: a submitted intake without its summary or PDF in the provider's
  chat, a safety event without its urgent alert;
- duplicates: a second copy of a provider's summary, PDF or alert, or a patient's message sent
  twice with nothing from the patient between; for each, whether a kill fell between the two
  copies (the bot lost Telegram's answer) and, for providers, whether the copy says it is a
  re-send.

Required: nothing lost, nothing under an unseen question, nothing missing, duplicates at most
one per kill and only after one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crash_patients import CrashPatient
from fake_bot_api import ChatEvent, FakeBotAPI, FakeChat
from sqlmodel import Session, col, select

from flows.questions.registry import CARRIED_KEYS
from storage import inbox, outbox
from storage.db import make_engine, session_scope
from storage.models import Answer, Intake, Patient, ProcessedUpdate, SafetyEvent

PROVIDER_CHAT_ID = 9001


@dataclass(frozen=True)
class Duplicate:
    """A message that reached a chat twice."""

    what: str
    after_kill: bool
    marked_resent: bool | None  # None for a patient's message (not marked)


@dataclass
class CrashReport:
    database: str
    kills: int
    kills_at_provider_answer: int
    patients: int
    submitted: int
    updates_sent: int
    answers_stored: int
    exit_code: int
    exits: list[int]  # the bot stopped by itself, with these statuses
    lost: list[int] = field(default_factory=list)
    unseen: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    restarts: list[float] = field(default_factory=list)
    timelines: list[str] = field(default_factory=list)  # of chats with a duplicate or unseen

    @property
    def ok(self) -> bool:
        unexplained = [d for d in self.duplicates if not d.after_kill or d.marked_resent is False]
        return (
            not self.lost
            and not self.unseen
            and not self.missing
            and not unexplained
            and len(self.duplicates) <= self.kills
            and self.submitted == self.patients
            and self.exit_code == 0
            and not self.exits
        )

    def lines(self) -> list[str]:
        after = sum(d.after_kill for d in self.duplicates)
        marked = [d for d in self.duplicates if d.marked_resent is not None]
        return [
            f"database: {self.database}",
            f"kills (SIGKILL): {self.kills}, of which just after Telegram accepted a provider's "
            f"message: {self.kills_at_provider_answer}",
            f"patients: {self.patients}, intakes submitted: {self.submitted}, updates sent: "
            f"{self.updates_sent}, answers stored: {self.answers_stored}",
            f"answers lost: {len(self.lost)}",
            f"answers under unseen questions: {len(self.unseen)}",
            f"provider messages missing: {len(self.missing)}",
            f"duplicates: {len(self.duplicates)} ({len(marked)} to the provider, "
            f"{sum(bool(d.marked_resent) for d in marked)} of them marked as re-sent; "
            f"{after} after a kill that lost Telegram's answer, "
            f"{len(self.duplicates) - after} without one)",
            *[f"  duplicate: {d.what}" for d in self.duplicates],
            *[f"  lost: update {u}" for u in self.lost],
            *[f"  unseen: {u}" for u in self.unseen],
            *[f"  missing: {m}" for m in self.missing],
            f"restart to polling again: median {_median(self.restarts):.1f} s, "
            f"longest {max(self.restarts, default=0.0):.1f} s",
            f"stopped by itself (not killed): {len(self.exits)} {self.exits or ''}".rstrip(),
            f"clean stop at the end: exit status {self.exit_code}",
            "RESULT: " + ("pass" if self.ok else "FAIL"),
        ]


IN_FLIGHT = 0.1
"""Seconds a send may be on its way to the fake Bot API (in this process, its event loop busy)
before the fake records it: a kill that short a time before the first copy was recorded came
after the bot sent it, and so lost Telegram's answer all the same."""


def killed_between(first: float, copy: float, kills: list[float]) -> bool:
    """Whether a kill fell between sending the first copy and the later copy."""
    return any(first - IN_FLIGHT <= kill <= copy for kill in kills)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


def pending_work(database_url: str) -> int:
    """Updates not yet handled plus messages not yet settled."""
    engine = make_engine(database_url, create_tables=False)
    try:
        with session_scope(engine) as session:
            return inbox.waiting(session) + outbox.pending_count(session)
    finally:
        engine.dispose()


def _sent(chat: FakeChat) -> list[ChatEvent]:
    return [event for event in chat.events if event.kind == "sent"]


def _unseen(session: Session, patient: CrashPatient) -> tuple[int, list[str]]:
    """(answers stored, answers not given for the question they are filed under)."""
    found = session.exec(
        select(Patient).where(Patient.telegram_chat_id == patient.chat.chat_id)
    ).first()
    if found is None:
        return 0, []
    rows = session.exec(
        select(Answer)
        .join(Intake, col(Intake.id) == col(Answer.intake_id))
        .where(Intake.patient_id == found.id)
        .order_by(col(Answer.id))
    ).all()
    problems = []
    for row in rows:
        if row.question_key in CARRIED_KEYS:
            continue  # stored by the bot when the intake opens, not an answer
        sends = [s for s in patient.log if s.step == row.question_key]
        typed = {s.typed for s in sends if s.typed is not None}
        values = {s.value for s in sends if s.value is not None}
        if not sends:
            problems.append(f"{patient.name}: {row.question_key} was never on screen")
        elif row.raw_text is not None and row.raw_text not in typed:
            problems.append(f"{patient.name}: {row.question_key} holds text typed for another")
        elif row.raw_text is None and isinstance(row.value, str) and row.value not in values:
            problems.append(f"{patient.name}: {row.question_key} holds a value tapped elsewhere")
    return len(rows), problems


def _copies(
    chat: FakeChat, marker: str, what: str, kills: list[float]
) -> tuple[bool, list[Duplicate]]:
    events = [e for e in _sent(chat) if marker in (e.message.content or "")]
    duplicates = [
        Duplicate(
            what,
            killed_between(events[0].at, later.at, kills),
            "Re-sent" in (later.message.content or ""),
        )
        for later in events[1:]
    ]
    return bool(events), duplicates


def _patient_duplicates(patient: CrashPatient, kills: list[float]) -> list[Duplicate]:
    """Copies of a message beyond what the patient asked for: in a run of identical messages,
    those beyond the number of updates the patient sent since the message before the run."""
    found = []
    sends = [s.at for s in patient.log]
    events = _sent(patient.chat)

    def same(a: ChatEvent, b: ChatEvent) -> bool:
        first, second = a.message.history[0], b.message.history[0]
        return (first.text, first.caption, first.reply_markup) == (
            second.text,
            second.caption,
            second.reply_markup,
        )

    start = 0
    while start < len(events):
        end = start
        while end + 1 < len(events) and same(events[start], events[end + 1]):
            end += 1
        since = events[start - 1].at if start else 0.0
        asked = max(1, sum(since <= s <= events[end].at for s in sends))
        for later in events[start + asked : end + 1]:
            after_kill = killed_between(events[start].at, later.at, kills)
            shown = (later.message.content or "")[:40].replace("\n", " ")
            found.append(Duplicate(f"{patient.name}: {shown!r}", after_kill, None))
        start = end + 1
    return found


def timeline(patient: CrashPatient, kills: list[float]) -> list[str]:
    """A patient's chat as it happened: what the bot sent, what the patient sent, the kills."""
    rows = [
        (e.at, f"bot {e.kind} #{e.message.message_id}", e.message.content)
        for e in patient.chat.events
    ]
    rows += [
        (s.at, f"patient #{s.update_id}", f"{s.step}: {s.typed or s.value}") for s in patient.log
    ]
    rows += [(k, "KILL", "") for k in kills]
    return [f"{at:.3f} {who}: {(what or '')[:50]!r}" for at, who, what in sorted(rows)]


def check(
    database: str,
    database_url: str,
    fake: FakeBotAPI,
    patients: list[CrashPatient],
    kills: list[Any],
    exit_code: int,
    exits: list[int],
) -> CrashReport:
    kill_times = [k.at for k in kills]
    provider = fake.chats[PROVIDER_CHAT_ID]
    report = CrashReport(
        database,
        len(kills),
        sum(k.during == "provider answer" for k in kills),
        len(patients),
        sum(p.submitted for p in patients),
        sum(len(p.log) for p in patients),
        0,
        exit_code,
        exits,
    )
    engine = make_engine(database_url, create_tables=False)
    try:
        with Session(engine) as session:
            processed = set(session.exec(select(ProcessedUpdate.update_id)).all())
            for patient in patients:
                report.lost += [s.update_id for s in patient.log if s.update_id not in processed]
                stored, problems = _unseen(session, patient)
                report.answers_stored += stored
                report.unseen += problems
                found = _patient_duplicates(patient, kill_times)
                report.duplicates += found
                if found or problems:
                    report.timelines += [f"{patient.name}:", *timeline(patient, kill_times)]
            _provider_checks(session, provider, report, kill_times)
    finally:
        engine.dispose()
    return report


def _provider_checks(
    session: Session, provider: FakeChat, report: CrashReport, kills: list[float]
) -> None:
    submitted = session.exec(select(Intake).where(col(Intake.submitted_at).is_not(None))).all()
    for intake in submitted:
        patient = session.get(Patient, intake.patient_id)
        name = patient.display_name if patient is not None else "?"
        for marker, what in (
            (f"Pre-visit intake: {name}", f"intake #{intake.id}: summary"),
            (f"Intake #{intake.id} (PDF)", f"intake #{intake.id}: PDF"),
        ):
            there, duplicates = _copies(provider, marker, what, kills)
            if not there:
                report.missing.append(what)
            report.duplicates += duplicates
    events = session.exec(select(SafetyEvent).where(SafetyEvent.alert == True)).all()  # noqa: E712
    alerts = [e for e in _sent(provider) if "URGENT" in (e.message.content or "")]
    for patient_id in sorted({event.patient_id for event in events}):
        patient = session.get(Patient, patient_id)
        name = patient.display_name if patient is not None else "?"
        expected = sum(event.patient_id == patient_id for event in events)
        mine = [e for e in alerts if f"Patient: {name}" in (e.message.content or "")]
        if len(mine) < expected:
            report.missing.append(f"{name}: {expected - len(mine)} urgent alert(s)")
        for later in mine[expected:]:
            after_kill = killed_between(mine[0].at, later.at, kills)
            marked = "Re-sent" in (later.message.content or "")
            report.duplicates.append(Duplicate(f"{name}: urgent alert", after_kill, marked))
