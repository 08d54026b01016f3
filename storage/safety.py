"""Safety events (a trigger, what the patient was shown, their response, who was alerted) and
the audit trail of every step of their handling."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import SafetyAudit, SafetyEvent, table_of


def get(session: Session, event_id: int) -> SafetyEvent | None:
    return session.get(SafetyEvent, event_id)


def get_locked(session: Session, event_id: int) -> SafetyEvent | None:
    """The event, read once its row is locked for this transaction (PostgreSQL: SELECT … FOR
    UPDATE; SQLite: a write first, which takes the database's write lock), so that an
    acknowledgement and the record of a copy that reached a provider run one after the other:
    else each may miss the other's change, and that copy keeps its Acknowledge button."""
    if session.get_bind().dialect.name != "postgresql":
        table = table_of(SafetyEvent)
        session.execute(update(table).where(table.c.id == event_id).values(id=table.c.id))
        return session.get(SafetyEvent, event_id, populate_existing=True)
    statement = select(SafetyEvent).where(SafetyEvent.id == event_id).with_for_update()
    return session.exec(statement.execution_options(populate_existing=True)).first()


def add_event(session: Session, event: SafetyEvent) -> SafetyEvent:
    """Store a safety event, and in the audit table what the patient was shown."""
    session.add(event)
    session.flush()
    if event.shown:
        add_audit(session, event.id, "shown", "bot", event.shown, event.created_at)
    return event


def add_audit(
    session: Session,
    event_id: int,
    action: str,
    actor: str | None,
    detail: str | None,
    at: datetime,
) -> None:
    session.add(
        SafetyAudit(safety_event_id=event_id, action=action, actor=actor, detail=detail, at=at)
    )


def for_intake(session: Session, intake_id: int) -> Sequence[SafetyEvent]:
    return session.exec(
        select(SafetyEvent).where(SafetyEvent.intake_id == intake_id).order_by(col(SafetyEvent.id))
    ).all()


def between_visits(
    session: Session, patient_id: int, since: datetime | None, until: datetime
) -> Sequence[SafetyEvent]:
    """A patient's safety events outside any intake (check-ins, idle messages) in a period."""
    statement = select(SafetyEvent).where(
        SafetyEvent.patient_id == patient_id,
        col(SafetyEvent.intake_id).is_(None),
        col(SafetyEvent.created_at) <= until,
    )
    if since is not None:
        statement = statement.where(col(SafetyEvent.created_at) >= since)
    return session.exec(statement.order_by(col(SafetyEvent.id))).all()


def unacknowledged_alerts(session: Session) -> Sequence[SafetyEvent]:
    return session.exec(
        select(SafetyEvent).where(
            col(SafetyEvent.alert).is_(True), col(SafetyEvent.acknowledged_at).is_(None)
        )
    ).all()


def set_alerted(session: Session, event_ids: Sequence[int], chat_ids: Sequence[int]) -> None:
    if event_ids:
        session.execute(
            update(SafetyEvent)
            .where(col(SafetyEvent.id).in_(event_ids))
            .values(alerted_chat_ids=list(chat_ids))
        )


def of_patient(session: Session, patient_id: int) -> Sequence[SafetyEvent]:
    """Every safety event of the patient, oldest first."""
    return session.exec(
        select(SafetyEvent)
        .where(SafetyEvent.patient_id == patient_id)
        .order_by(col(SafetyEvent.id))
    ).all()
