"""Intakes, their answers (never overwritten: a changed answer supersedes the old row) and the
medication list of a submitted intake."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

import sqlalchemy
from sqlalchemy import (
    BindParameter,
    Insert,
    Table,
    Update,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    update,
)
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from storage import updates, writes
from storage.clock import as_utc, utcnow
from storage.models import Answer, Appointment, Intake, Medication, Patient, table_of
from storage.statuses import AppointmentStatus


def get(session: Session, intake_id: int) -> Intake | None:
    return session.get(Intake, intake_id)


def latest(session: Session, patient_id: int) -> Intake | None:
    statement = (
        select(Intake).where(Intake.patient_id == patient_id).order_by(col(Intake.id).desc())
    )
    return session.exec(statement).first()


def for_appointment(session: Session, appointment_id: int) -> Intake | None:
    return session.exec(select(Intake).where(Intake.appointment_id == appointment_id)).first()


Visit = tuple[Appointment, Intake | None]
"""A scheduled appointment and its intake (None while none was opened)."""


def next_visit(
    session: Session, patient_id: int, now: datetime, visits: Sequence[Visit] | None = None
) -> Visit | None:
    """The patient's soonest scheduled appointment still ahead of `now`, with its intake, read
    in one query (none when the caller read the patient's `visits` already)."""
    if visits is None:
        visits = session.exec(_visits_statement(), params={"p_patient": patient_id}).all()
    for appointment, intake in visits:
        if as_utc(appointment.starts_at) > now:
            return appointment, intake
    return None


def patient_and_visits(session: Session, chat_id: int) -> tuple[Patient, list[Visit]] | None:
    """The patient of chat `chat_id` with their scheduled appointments, soonest first, each with
    its intake: what handling any message of theirs starts from, in one query. On PostgreSQL
    the same query claims the update being handled, when its claim was left for it
    (storage.updates.claim_with_first_read): AlreadyHandled if it was handled before."""
    claim = updates.take_pending(session)
    if claim is None:
        rows = session.exec(_patient_visits_statement(), params={"p_chat": chat_id}).all()
    else:
        claiming = _claiming_patient_visits_statement()
        found = session.execute(claiming, {"p_chat": chat_id, **claim}).all()
        if not found[0][0]:
            raise updates.AlreadyHandled
        rows = [(patient, appointment, intake) for _, patient, appointment, intake in found]
        rows = [] if rows[0][0] is None else rows  # a stranger: one row, of nothing
    if not rows:
        return None
    visits = [(appointment, intake) for _, appointment, intake in rows if appointment is not None]
    return rows[0][0], visits


# The statements every answer runs are built once (with bind parameters): building one costs
# more CPU than running it (bench/answer_cost.py).


@cache
def _patient_visits_statement() -> Select[Patient, Appointment | None, Intake | None]:
    statement = select(Patient, Appointment, Intake).where(
        Patient.telegram_chat_id == bindparam("p_chat")
    )
    return _with_visits(statement)


@cache
def _claiming_patient_visits_statement() -> Any:
    """PostgreSQL: the update's claim in a WITH, and whether it claimed as the first column,
    read from a one-row FROM so that a stranger's chat still answers it."""
    left_inbox, claimed = updates.claim_ctes()
    one = sqlalchemy.select(literal(1).label("one")).subquery("one")
    was_claimed = sqlalchemy.select(func.count()).select_from(claimed).scalar_subquery()
    statement = (
        sqlalchemy.select(was_claimed.label("claimed"), Patient, Appointment, Intake)
        .select_from(one)
        .outerjoin(Patient, col(Patient.telegram_chat_id) == bindparam("p_chat"))
    )
    return _with_visits(statement).add_cte(left_inbox)


def _with_visits(statement: Any) -> Any:
    """The patient's scheduled appointments, soonest first, each with its intake (outer joins,
    so a patient with none still has a row)."""
    scheduled = and_(
        col(Appointment.patient_id) == col(Patient.id),
        col(Appointment.status) == AppointmentStatus.SCHEDULED,
    )
    return (
        statement.outerjoin(Appointment, scheduled)
        .outerjoin(Intake, col(Intake.appointment_id) == col(Appointment.id))
        .order_by(col(Appointment.starts_at), col(Intake.id))
    )


@cache
def _visits_statement() -> Select[Appointment, Intake]:
    return (
        select(Appointment, Intake)
        .outerjoin(Intake, col(Intake.appointment_id) == col(Appointment.id))
        .where(
            Appointment.patient_id == bindparam("p_patient"),
            Appointment.status == AppointmentStatus.SCHEDULED,
        )
        .order_by(col(Appointment.starts_at), col(Intake.id))
    )


def add(session: Session, intake: Intake) -> Intake:
    session.add(intake)
    session.flush()
    return intake


def create(session: Session, patient_id: int, now: datetime | None = None) -> Intake:
    moment = now or utcnow()
    return add(session, Intake(patient_id=patient_id, started_at=moment, updated_at=moment))


def submitted(session: Session, patient_id: int) -> list[Intake]:
    """The patient's submitted intakes, oldest first."""
    return list(
        session.exec(
            select(Intake)
            .where(Intake.patient_id == patient_id, col(Intake.submitted_at).is_not(None))
            .order_by(col(Intake.submitted_at))
        ).all()
    )


def undelivered_ids(session: Session, submitted_before: datetime) -> list[int]:
    """Intakes submitted before `submitted_before` that reached no provider chat."""
    rows = session.exec(
        select(Intake.id).where(
            col(Intake.submitted_at).is_not(None),
            col(Intake.submitted_at) < submitted_before,
            col(Intake.delivered_at).is_(None),
        )
    ).all()
    return list(rows)


def save_position(
    session: Session, intake: Intake, position: dict[str, Any], *, paused: bool, now: datetime
) -> None:
    """Compare-and-set where the patient is (state, step, editing, pending, draft), with the
    transaction's other writes (storage.writes): LostRace when another update changed the
    intake first (its version moved on)."""
    session.flush()  # changes made to the ORM objects so far go first, as they always did
    statement = _save_position_statement(tuple(position))
    parameters = {**position, "paused": paused, "p_id": intake.id, "p_version": intake.version}
    parameters.update(version=intake.version + 1, updated_at=now)
    writes.later(session, statement, parameters, changes_one=True)
    stored = {**position, "paused": paused, "version": intake.version + 1, "updated_at": now}
    for name, value in stored.items():  # what is being written: no need to read it back
        set_committed_value(intake, name, value)


@cache
def _save_position_statement(columns: tuple[str, ...]) -> Update:
    """Core, not the ORM's bulk update: a stale intake object stays untouched."""
    table = table_of(Intake)
    written = (*columns, "paused", "version", "updated_at")
    return (
        update(table)
        .where(table.c.id == bindparam("p_id"), table.c.version == bindparam("p_version"))
        .values({name: bindparam(name) for name in written})
    )


class Shown(NamedTuple):
    """A dialogue's step that reached the patient: on row `row_id` of `table` (an intake's, a
    check-in's), in message `message_id`."""

    table: Table
    row_id: int
    step: str
    message_id: int | None

    def parameters(self) -> dict[str, Any]:
        return {"p_row": self.row_id, "p_step": self.step, "p_message": self.message_id}


def shown(intake_id: int, step: str, message_id: int | None) -> Shown:
    return Shown(table_of(Intake), intake_id, step, message_id)


def record_shown(session: Session, step: Shown) -> None:
    """On a dialogue's row: the step shown, and the message that first showed it, the one on
    record while the step stays the same."""
    session.execute(shown_statement(step.table), step.parameters())


@cache
def shown_statement(table: Table) -> Update:
    """The UPDATE of storage.intakes.record_shown (also in a WITH of storage.outbox.settle)."""
    step = bindparam("p_step", type_=table.c.shown_step.type)
    message: BindParameter[Any] = bindparam("p_message")
    again = and_(table.c.shown_step == step, table.c.shown_message_id.is_not(None))
    first = case((again, table.c.shown_message_id), else_=message)
    return (
        update(table)
        .where(table.c.id == bindparam("p_row"))
        .values(shown_step=step, shown_message_id=first)
    )


def mark_delivered(session: Session, intake_id: int, now: datetime) -> None:
    session.execute(update(Intake).where(col(Intake.id) == intake_id).values(delivered_at=now))


# --- answers ----------------------------------------------------------------------------


def current_answers(session: Session, intake_id: int) -> dict[str, Any]:
    """The answers in force, by question key."""
    rows = session.exec(_current_answers_statement(), params={"p_intake": intake_id}).all()
    return dict(rows)


@cache
def _current_answers_statement() -> Select[str, Any]:
    """Two columns, not Answer objects: an intake's every answer is read at each turn."""
    table = table_of(Answer)
    return (
        select(table.c.question_key, table.c.value)
        .where(table.c.intake_id == bindparam("p_intake"), table.c.superseded.is_(False))
        .order_by(table.c.id)
    )


def current_typed_texts(session: Session, intake_id: int) -> dict[str, str]:
    """The patient's own words behind the current answers that were typed, by question key."""
    rows = session.exec(
        select(Answer).where(
            Answer.intake_id == intake_id,
            col(Answer.superseded).is_(False),
            col(Answer.raw_text).is_not(None),
        )
    ).all()
    return {row.question_key: row.raw_text for row in rows if row.raw_text is not None}


def answer_history(session: Session, intake_id: int, key: str | None = None) -> Sequence[Answer]:
    """Every answer ever given, superseded ones included, oldest first."""
    statement = select(Answer).where(Answer.intake_id == intake_id)
    if key is not None:
        statement = statement.where(Answer.question_key == key)
    return session.exec(statement.order_by(col(Answer.id))).all()


def has_current_answers(session: Session, intake_id: int) -> bool:
    statement = select(Answer.id).where(
        Answer.intake_id == intake_id, col(Answer.superseded).is_(False)
    )
    return session.exec(statement.limit(1)).first() is not None


def record_answer(
    session: Session,
    intake_id: int,
    key: str,
    value: Any,
    raw_text: str | None,
    now: datetime,
    *,
    replaces: bool = True,
) -> None:
    """Store an answer, with the transaction's other writes (storage.writes); the answer it
    replaces is marked superseded, never overwritten. (`replaces=False`: the caller read the
    current answers in this transaction and there is none for `key`, so there is nothing to
    supersede.)"""
    if replaces:
        parameters = {"p_intake": intake_id, "p_key": key, "p_now": now}
        writes.later(session, _supersede_statement(), parameters)
    row = {"intake_id": intake_id, "question_key": key, "value": value, "raw_text": raw_text}
    writes.later(session, _answer_statement(), {**row, "created_at": now})


@cache
def _supersede_statement() -> Update:
    table = table_of(Answer)
    return (
        update(table)
        .where(
            table.c.intake_id == bindparam("p_intake"),
            table.c.question_key == bindparam("p_key"),
            table.c.superseded.is_(False),
        )
        .values(superseded=True, superseded_at=bindparam("p_now"))
    )


@cache
def _answer_statement() -> Insert:
    """A Core insert: an ORM object, its validation and a flush cost more CPU than the answer."""
    table = table_of(Answer)
    names = ("intake_id", "question_key", "value", "raw_text", "created_at")
    values: dict[str, Any] = {name: bindparam(name) for name in names}
    return insert(table).values({**values, "superseded": False}).returning(table.c.id)


def supersede_all_answers(
    session: Session, intake_id: int, now: datetime, keep: tuple[str, ...] = ()
) -> None:
    """Start the answers over (history kept); the keys in `keep` stay current."""
    session.execute(
        update(Answer)
        .where(
            col(Answer.intake_id) == intake_id,
            col(Answer.superseded).is_(False),
            col(Answer.question_key).not_in(keep),
        )
        .values(superseded=True, superseded_at=now)
    )


# --- medications ------------------------------------------------------------------------


def replace_medications(
    session: Session,
    patient_id: int,
    intake_id: int,
    medications: Iterable[dict[str, Any]],
    now: datetime,
) -> None:
    """Write the medication list of a submitted intake (one row per medication)."""
    for existing in session.exec(select(Medication).where(Medication.intake_id == intake_id)).all():
        session.delete(existing)
    for position, med in enumerate(medications, start=1):
        session.add(
            Medication(
                patient_id=patient_id, intake_id=intake_id, position=position, created_at=now, **med
            )
        )
    session.flush()


def medications_for(session: Session, intake_id: int) -> Sequence[Medication]:
    return session.exec(
        select(Medication)
        .where(Medication.intake_id == intake_id)
        .order_by(col(Medication.position))
    ).all()
