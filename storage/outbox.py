"""Messages waiting to be sent (the outbox): added in the transaction of the change that
causes them, claimed by a dispatcher in order per chat and by priority, marked sent part by part
only once Telegram accepted them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    Insert,
    Row,
    Table,
    Update,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    true,
    update,
)
from sqlmodel import Session, col, or_, select

from storage import intakes, writes
from storage.engine import dialect_insert
from storage.loop import LoopStatements
from storage.models import OutboxMessage, table_of
from storage.statuses import OutboxStatus, Priority

FORGET = "forget"
"""A payload key: the message is forgotten (words and chat) once settled."""


def add(
    session: Session,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    *,
    priority: int = Priority.CONVERSATION,
    dedupe_key: str | None = None,
    group_key: str | None = None,
) -> int | None:
    """Add a message, due now, in one statement; its id, or None (and nothing added) when its
    dedupe key was used before."""
    statement = _add_statement(session.get_bind().dialect.name, dedupe_key is not None)
    row = message_row(chat_id, kind, payload, now, priority, dedupe_key, group_key)
    return session.execute(statement, row).scalar()


def add_later(
    session: Session,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    *,
    priority: int = Priority.CONVERSATION,
    dedupe_key: str | None = None,
    group_key: str | None = None,
) -> None:
    """`add`, run with the transaction's other writes (storage.writes)."""
    statement = _add_statement(session.get_bind().dialect.name, dedupe_key is not None)
    row = message_row(chat_id, kind, payload, now, priority, dedupe_key, group_key)
    writes.later(session, statement, row)


def message_row(
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    priority: int,
    dedupe_key: str | None,
    group_key: str | None,
) -> dict[str, Any]:
    row = {"chat_id": chat_id, "kind": kind, "payload": payload, "priority": priority}
    row.update(dedupe_key=dedupe_key, group_key=group_key, created_at=now, due_at=now)
    return row


# The statements every message runs are built once (with bind parameters): building one costs
# more CPU than running it (bench/answer_cost.py).


@cache
def _add_statement(dialect: str, deduplicated: bool) -> Insert:
    table = table_of(OutboxMessage)
    names = ("chat_id", "kind", "payload", "priority", "dedupe_key", "group_key")
    values: dict[str, Any] = {name: bindparam(name) for name in (*names, "created_at", "due_at")}
    values.update(status=OutboxStatus.PENDING, attempts=0, parts_sent=0, uncertain=False)
    insert = dialect_insert(dialect == "postgresql")(table).values(values)
    if deduplicated:
        insert = insert.on_conflict_do_nothing(index_elements=["dedupe_key"])
    return cast(Insert, insert.returning(table.c.id))


def get(session: Session, message_id: int) -> OutboxMessage | None:
    return session.get(OutboxMessage, message_id)


def claim(
    session: Session,
    owner: str,
    now: datetime,
    until: datetime,
    limit: int,
    priorities: tuple[int, int] = (0, 99),
    sending: Collection[int] = (),
) -> list[Row[Any]]:
    """Messages due now whose priority is within `priorities` (both ends included), most
    urgent first, claimed for `owner` until `until`; never one of `sending` (this process is
    still sending them, though their claim may have run out). One statement.

    A message waits while the same chat has an earlier pending one of the same or a more
    urgent priority, so each chat reads its messages in order while an alert never queues
    behind a reminder. A message whose claim ran out (its sender stopped mid-send: it may
    have arrived) is marked uncertain.
    """
    statement = _claim_statement(session.get_bind().dialect.name, limit)
    rows = session.execute(
        statement,
        {
            "p_owner": owner,
            "p_now": now,
            "p_until": until,
            "p_low": priorities[0],
            "p_high": priorities[1],
            "p_sending": list(sending),
        },
    ).all()
    return sorted(rows, key=lambda row: (row.priority, row.id))


@cache
def _claim_statement(dialect: str, limit: int) -> Update:
    """Built once per dialect and limit: building it costs more CPU than running it."""
    table = table_of(OutboxMessage)
    earlier = table.alias("earlier")
    blocked = exists().where(
        earlier.c.chat_id == table.c.chat_id,
        earlier.c.status == OutboxStatus.PENDING,
        earlier.c.id < table.c.id,
        earlier.c.priority <= table.c.priority,
    )
    free = or_(table.c.claimed_until.is_(None), table.c.claimed_until < bindparam("p_now"))
    due = (
        select(table.c.id)
        .where(
            table.c.status == OutboxStatus.PENDING,
            table.c.priority.between(bindparam("p_low"), bindparam("p_high")),
            table.c.due_at <= bindparam("p_now"),
            free,
            ~blocked,
            table.c.id.not_in(bindparam("p_sending", expanding=True)),
        )
        .order_by(table.c.priority, table.c.id)
        .limit(limit)
    )
    if dialect == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # In a WITH, not a sub-select: PostgreSQL may run a locking sub-select of an UPDATE more
    # than once and so take more rows than LIMIT; a WITH … FOR UPDATE runs once.
    chosen = due.cte("chosen")
    return (
        update(table)
        .where(table.c.id.in_(select(chosen.c.id)))
        .values(
            uncertain=case((table.c.claimed_until.is_not(None), true()), else_=table.c.uncertain),
            claimed_by=bindparam("p_owner"),
            claimed_until=bindparam("p_until"),
            attempts=table.c.attempts + 1,
        )
        .returning(*table.c)
    )


def save_progress(
    session: Session, message_id: int, parts_sent: int, message_ids: list[int], uncertain: bool
) -> None:
    """Record the parts Telegram accepted so far (a crash resumes after them)."""
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id)
        .values(parts_sent=parts_sent, message_ids=message_ids, uncertain=uncertain)
    )


def settle(
    session: Session,
    message_id: int,
    status: str,
    now: datetime,
    *,
    message_ids: list[int] | None = None,
    error: str | None = None,
    forget: bool = False,
    chat_id: int = 0,
    shown: intakes.Shown | None = None,
) -> bool | None:
    """Settle a pending message in one statement. None when it was not pending any more;
    else whether chat `chat_id` has another message pending (one this one held back).

    One flagged "forget" (a goodbye to a patient who left, the notice naming them to
    providers) keeps neither its words nor its chat once settled. `shown`: the dialogue step
    the message showed, recorded by the same statement (on PostgreSQL in a WITH, on SQLite
    by a trigger: storage.sqlite_batch)."""
    together = shown is not None and session.get_bind().dialect.name != "postgresql"
    settling = Settle(message_id, status, now, message_ids, error, forget, chat_id, shown)
    statement, parameters = settling.statement(shown_in_with=not together)
    if together:  # SQLite: no UPDATE in a WITH; a trigger's two statements instead
        assert shown is not None
        return _settle_with_shown(session, statement, parameters, shown)
    settled = session.execute(statement, parameters).first()
    return None if settled is None else bool(settled[0])


async def settle_on_loop(statements: LoopStatements, settling: Settle) -> bool | None:
    """PostgreSQL: `settle`, run by the event loop on its own connection (storage.loop)."""
    statement, parameters = settling.statement(shown_in_with=True)
    settled = await statements.first_row(statement, parameters)
    return None if settled is None else bool(settled[0])


class Settle(NamedTuple):
    """What `settle` is given, as one value."""

    message_id: int
    status: str
    now: datetime
    message_ids: list[int] | None = None
    error: str | None = None
    forget: bool = False
    chat_id: int = 0
    shown: intakes.Shown | None = None

    def statement(self, *, shown_in_with: bool) -> tuple[Update, dict[str, Any]]:
        """The UPDATE (with the step shown in its WITH, or not) and its parameters."""
        shown = self.shown
        with_shown = shown.table if shown is not None and shown_in_with else None
        with_ids, with_error = self.message_ids is not None, self.error is not None
        statement = _settle_statement(with_ids, with_error, self.forget, with_shown)
        parameters = {"p_id": self.message_id, "p_chat": self.chat_id, "status": self.status}
        parameters.update(shown.parameters() if shown is not None else {})
        parameters["sent_at"] = self.now if self.status == OutboxStatus.SENT else None
        if self.message_ids is not None:
            parameters.update(message_ids=self.message_ids, p_parts=len(self.message_ids))
        if self.error is not None:
            parameters["last_error"] = self.error[:60]
        return statement, parameters


def _settle_with_shown(
    session: Session, statement: Update, parameters: dict[str, Any], shown: intakes.Shown
) -> bool | None:
    """SQLite: the settle, and the step shown, as one statement (storage.sqlite_batch)."""
    writes.later(session, intakes.shown_statement(shown.table), shown.parameters())
    settled: list[Any] = []
    writes.later(session, statement, parameters, returned=settled.append)
    writes.run_pending(session)
    return None if settled[0] is None else bool(settled[0])


@cache
def _settle_statement(
    with_ids: bool, with_error: bool, forget: bool, with_shown: Table | None
) -> Update:
    table = table_of(OutboxMessage)
    other = table.alias("other")
    chat_waiting = exists().where(
        other.c.chat_id == bindparam("p_chat"),
        other.c.status == OutboxStatus.PENDING,
        other.c.id != bindparam("p_id"),
    )
    values: dict[str, Any] = {
        "status": bindparam("status"),
        "sent_at": bindparam("sent_at"),
        "claimed_by": None,
        "claimed_until": None,
    }
    if with_ids:
        values["message_ids"] = bindparam("message_ids")
        parts = bindparam("p_parts", type_=table.c.parts_sent.type)
        values["parts_sent"] = case((table.c.parts_sent > parts, table.c.parts_sent), else_=parts)
    if with_error:
        values["last_error"] = bindparam("last_error")
    if forget:
        values["payload"], values["chat_id"] = {}, 0
    statement = (
        update(table)
        .where(table.c.id == bindparam("p_id"), table.c.status == OutboxStatus.PENDING)
        .values(values)
        .returning(chat_waiting)
    )
    if with_shown is not None:
        statement = statement.add_cte(intakes.shown_statement(with_shown).cte("shown"))
    return statement


def retry_later(
    session: Session, message_id: int, due: datetime, error: str, uncertain: bool
) -> None:
    """Put a message back for another attempt at `due` (its progress is kept)."""
    values: dict[str, Any] = {
        "due_at": due,
        "last_error": error[:60],
        "claimed_by": None,
        "claimed_until": None,
    }
    if uncertain:
        values["uncertain"] = True
    session.execute(
        update(OutboxMessage).where(col(OutboxMessage.id) == message_id).values(**values)
    )


def release(session: Session, owner: str) -> int:
    """After a crash or at shutdown: what `owner` was sending may or may not have arrived."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.claimed_by) == owner,
            col(OutboxMessage.status) == OutboxStatus.PENDING,
        )
        .values(claimed_by=None, claimed_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def take_over_claims(session: Session) -> None:
    """Free every claim at once (the only sender restarting): what was claimed may have gone
    out, so the next attempt says it is a re-send."""
    session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.status) == OutboxStatus.PENDING,
            col(OutboxMessage.claimed_until).is_not(None),
        )
        .values(uncertain=True, claimed_by=None, claimed_until=None)
    )


def forget_settled(session: Session, settled_before: datetime, limit: int) -> int:
    """Delete up to `limit` messages settled before `settled_before` (sent then; failed or
    cancelled ones by when they were written), unless another message of their group is still
    pending (an intake counts as delivered by its settled copies). What the patient was told
    need not stay in the database once it went; their answers are kept where they belong."""
    table = table_of(OutboxMessage)
    other = table.alias("other")
    group_pending = exists().where(
        other.c.group_key == table.c.group_key, other.c.status == OutboxStatus.PENDING
    )
    settled_at = func.coalesce(table.c.sent_at, table.c.created_at)
    chosen = (
        select(table.c.id)
        .where(table.c.status != OutboxStatus.PENDING, settled_at < settled_before, ~group_pending)
        .limit(limit)
    )
    result = session.execute(delete(table).where(table.c.id.in_(chosen.scalar_subquery())))
    return int(getattr(result, "rowcount", 0) or 0)


def cancel_pending(session: Session, group_key: str, now: datetime) -> None:
    """Messages of a group that need not go out any more (an alert's repeat, once acknowledged).
    Not one a sender holds: it may be reaching Telegram as this runs, and its settle must still
    record it (an alert's copy that reached a provider gets its button taken off)."""
    table = table_of(OutboxMessage)
    held = and_(table.c.claimed_until.is_not(None), table.c.claimed_until >= now)
    session.execute(
        update(table)
        .where(table.c.group_key == group_key, table.c.status == OutboxStatus.PENDING, ~held)
        .values(status=OutboxStatus.CANCELLED, claimed_by=None, claimed_until=None)
    )


def in_group(session: Session, group_key: str) -> Sequence[OutboxMessage]:
    return session.exec(select(OutboxMessage).where(OutboxMessage.group_key == group_key)).all()


def pending_count(session: Session, chat_id: int | None = None) -> int:
    statement = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
    )
    if chat_id is not None:
        statement = statement.where(OutboxMessage.chat_id == chat_id)
    return int(session.exec(statement).one())


def next_due(session: Session) -> datetime | None:
    """When the earliest pending message falls due (None: nothing pending)."""
    return session.exec(
        select(func.min(OutboxMessage.due_at)).where(OutboxMessage.status == OutboxStatus.PENDING)
    ).one()
