"""Writing messages to the outbox, in the transaction of the change that causes them: a reply to
the patient, urgent alerts and compiled intakes for every provider chat, a provider command's
answer, a reminder. The Telegram dispatcher sends them (bot/telegram/dispatcher.py).

Payloads are plain data: a patient's reply is stored as what to show (notices, the screen and
the dialogue row its buttons belong to), and the adapter renders it when it sends it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from sqlmodel import Session

from bot.services.committed import after_commit
from bot.services.replies import Alert, DialogueKind, DialogueRef, Reply
from flows import messages
from flows.dialogue import ReviewGroup, Screen
from flows.options import Option
from flows.questions import Section
from storage import checkins, handed, intakes, outbox
from storage.statuses import Priority

SCREEN_FIELDS = tuple(field.name for field in fields(Screen))


class Kind(StrEnum):
    """What an outbox row holds, and so how the dispatcher sends it."""

    REPLY = "reply"  # a patient's notices and screen (or an edit of the pressed message)
    HTML = "html"  # one message of Telegram HTML, written by the adapter (provider answers)
    ALERT = "alert"  # an urgent safety alert with its Acknowledge button
    INTAKE = "intake"  # a compiled intake: summary pages, check-in chart, PDF
    CHECKINS = "checkins"  # a patient's check-in summary, log and chart
    DOCUMENT = "document"  # an intake as a file (pdf, fhir, json)
    REMINDER = "reminder"  # a reminder with its button
    EDIT = "edit"  # take the buttons off a message, or mark an alert acknowledged


def screen_to_data(screen: Screen) -> dict[str, Any]:
    """What dataclasses.asdict gives once stored as JSON, without its deep copy of every
    field, which was a tenth of handling an answer (bench/answer_cost.py)."""
    data = {name: getattr(screen, name) for name in SCREEN_FIELDS}
    data["options"] = [
        {"value": o.value, "label": o.label, "aliases": list(o.aliases), "exclusive": o.exclusive}
        for o in screen.options
    ]
    data["selected"] = list(screen.selected)
    data["review"] = [
        {"section": g.section.value, "title": g.title, "lines": [list(line) for line in g.lines]}
        for g in screen.review
    ]
    return data


def screen_from_data(data: dict[str, Any]) -> Screen:
    fields = dict(data)
    fields["options"] = tuple(
        Option(o["value"], o["label"], tuple(o["aliases"]), o["exclusive"]) for o in data["options"]
    )
    fields["selected"] = tuple(data["selected"])
    fields["review"] = tuple(
        ReviewGroup(Section(g["section"]), g["title"], tuple(tuple(line) for line in g["lines"]))
        for g in data["review"]
    )
    return Screen(**fields)


def ref_to_data(ref: DialogueRef | None) -> dict[str, Any] | None:
    return None if ref is None else {"kind": ref.kind.value, "id": ref.id}


def ref_from_data(data: dict[str, Any] | None) -> DialogueRef | None:
    return None if data is None else DialogueRef(DialogueKind(data["kind"]), int(data["id"]))


def mark_shown(
    session: Session,
    ref: DialogueRef | None,
    screen: Screen | None,
    message_id: int | None = None,
) -> None:
    """The patient has now seen this question (in message `message_id`, when Telegram said
    which): a typed answer is taken for it."""
    step = shown_step(ref, screen.step if screen else None, message_id)
    if step is not None:
        intakes.record_shown(session, step)


def shown_step(
    ref: DialogueRef | None, step: str | None, message_id: int | None
) -> intakes.Shown | None:
    """What mark_shown records, for storage to write (alone, or with a settled reply)."""
    if ref is None or step is None:
        return None
    if ref.kind is DialogueKind.INTAKE:
        return intakes.shown(ref.id, step, message_id)
    if ref.kind is DialogueKind.CHECKIN:
        return checkins.shown(ref.id, step, message_id)
    return None


class Handed(NamedTuple):
    """A reply stored claimed for this process's dispatcher (see Handoff), as plain data."""

    message_id: int
    chat_id: int
    payload: dict[str, Any]
    priority: int
    claimed_until: datetime | None = None


@dataclass(frozen=True)
class Handoff:
    """Patients' replies are stored claimed for this process's dispatcher (`owner`, for
    `lease`), and `take`n by it once their transaction committed (called in the committing
    thread): the dispatcher need not look for them, nor claim them. A reply whose chat has an
    earlier message waiting is left for the dispatcher's claim, as before; one handed over but
    never sent (the process stopped) is claimed again once another process sees it stopped
    (bot.services.claims), at a restart, or when its lease runs out."""

    owner: str
    lease: timedelta
    take: Callable[[Handed], None]


class Outbox:
    """Adds outbox rows inside the caller's transaction."""

    def __init__(self, provider_chat_ids: Sequence[int] = ()) -> None:
        self.provider_chat_ids = tuple(provider_chat_ids)
        self.handoff: Handoff | None = None  # set by the adapter that sends replies itself

    def reply(
        self,
        session: Session,
        chat_id: int,
        reply: Reply,
        now: datetime,
        *,
        button_message_id: int | None = None,
        clear_pressed: bool = False,
    ) -> None:
        """What the patient sees next; an edit in place when a checklist toggle asks for one."""
        if not (reply.say or reply.screen or button_message_id):
            return
        payload = {
            "say": list(reply.say),
            "screen": screen_to_data(reply.screen) if reply.screen else None,
            "ref": ref_to_data(reply.ref),
            "edit_in_place": reply.edit_in_place,
            "button_message_id": button_message_id,
            "clear_pressed": reply.stale or clear_pressed,
        }
        if reply.forget:
            payload[outbox.FORGET] = True
        urgent = reply.alerts or any(messages.CRISIS_RESOURCES in said for said in reply.say)
        priority = Priority.URGENT if urgent else Priority.CONVERSATION
        # An urgent reply is never handed over: stored unclaimed, any process's urgent loop
        # sends it at once, and it is never held by the lease of a process that stopped.
        if self.handoff is None or priority == Priority.URGENT:
            self._add(session, chat_id, Kind.REPLY, payload, priority, now)
            return
        handoff = self.handoff

        claim = handed.Claim(handoff.owner, now + handoff.lease)

        def claimed(message_id: int) -> None:
            reply.handed_over = True
            message = Handed(message_id, chat_id, payload, priority, claim.until)
            after_commit(session, lambda: handoff.take(message))

        handed.add_claimed_later(
            session, chat_id, Kind.REPLY, payload, now, priority, claim, claimed
        )

    def html(
        self,
        session: Session,
        chat_id: int,
        pages: Sequence[str],
        now: datetime,
        priority: int = Priority.CONVERSATION,
    ) -> None:
        """Messages of Telegram HTML the adapter wrote (a provider command's answer)."""
        for page in pages:
            self._add(session, chat_id, Kind.HTML, {"html": page}, priority, now)

    def alerts(
        self, session: Session, alerts: Sequence[Alert], now: datetime, *, round_: int = 1
    ) -> None:
        """An urgent alert for every provider chat (round 2 and on: "not yet acknowledged")."""
        for alert in alerts:
            for chat_id in self.provider_chat_ids:
                payload = {"event_id": alert.event_id, "round": round_}
                self._add(
                    session,
                    chat_id,
                    Kind.ALERT,
                    payload,
                    Priority.URGENT,
                    now,
                    dedupe_key=f"alert:{alert.event_id}:{round_}:{chat_id}",
                    group_key=f"alert:{alert.event_id}:r{round_}",
                )

    def intake(
        self,
        session: Session,
        intake_id: int,
        now: datetime,
        chat_ids: Sequence[int] | None = None,
    ) -> None:
        """A compiled intake for every provider chat (or for `chat_ids`, on request)."""
        for chat_id in self.provider_chat_ids if chat_ids is None else chat_ids:
            self._add(
                session,
                chat_id,
                Kind.INTAKE,
                {"intake_id": intake_id},
                Priority.PROVIDER,
                now,
                group_key=f"intake:{intake_id}" if chat_ids is None else None,
            )

    def add(
        self,
        session: Session,
        chat_id: int,
        kind: Kind,
        payload: dict[str, Any],
        priority: int,
        now: datetime,
        *,
        dedupe_key: str | None = None,
    ) -> None:
        self._add(session, chat_id, kind, payload, priority, now, dedupe_key=dedupe_key)

    def _add(
        self,
        session: Session,
        chat_id: int,
        kind: Kind,
        payload: dict[str, Any],
        priority: int,
        now: datetime,
        *,
        dedupe_key: str | None = None,
        group_key: str | None = None,
    ) -> None:
        outbox.add_later(
            session,
            chat_id,
            kind,
            payload,
            now,
            priority=priority,
            dedupe_key=dedupe_key,
            group_key=group_key,
        )
