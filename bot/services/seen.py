"""Whether the patient saw the question their text would answer: Telegram numbers a private
chat's messages, the patient's and the bot's, in one sequence, and the dialogue's row records
the message that showed its question (once its settle committed). Text typed before that
message is no answer to it: the patient is told so, once; text typed while the question is being
sent waits a moment for that record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.services.outbox import Kind, ref_to_data
from bot.services.replies import DialogueRef, Reply
from flows import messages
from flows.dialogue import Event, Typed
from flows.safety import mentions_risk
from storage import chat_outbox
from storage.statuses import OutboxStatus


class QuestionOnItsWay(Exception):
    """The patient typed while the question they may be answering was being sent: its settle
    (which records it shown, and its message's number) has not committed yet. The transaction
    is run again shortly (bot.services.transactions.UnitOfWork), or, after waiting long enough,
    with WAITED set."""


WAITED = "waited_for_question"
"""Set in a transaction's Session.info once it waited long enough for a question on its way:
the patient's text is then taken as typed before the question reached them."""


def unseen(
    session: Session,
    chat_id: int | None,
    ref: DialogueRef,
    step: str | None,
    shown: tuple[str | None, int | None],
    typed: tuple[int | None, str | None],
    now: datetime,
) -> bool:
    """Whether the patient has not seen `step` of `ref` (yet, or when they typed); `shown` is
    the step and message the dialogue's row last recorded as shown, `typed` the patient's
    message and its text (None, None for anything else).

    Raises QuestionOnItsWay, for text typed while a message to the chat is being sent and the
    step is not recorded shown: answered a moment later, it is told by the settle's record (a
    patient quick to answer was otherwise told their answer came before the question). Never
    for risk language: its crisis reply does not wait, and it is no answer to anything."""
    (shown_step, shown_message_id), (message_id, text) = shown, typed
    if shown_step == step:
        return chat_id is not None and typed_before_shown(
            session, chat_id, ref, step, message_id, shown_message_id
        )
    if chat_id is None or message_id is None or text is None or session.info.get(WAITED):
        return True
    if not mentions_risk(text) and chat_outbox.sending(session, chat_id, now):
        raise QuestionOnItsWay
    return True


def typed_text(event: Event) -> str | None:
    return event.text if isinstance(event, Typed) else None


def told_already(
    session: Session, chat_id: int | None, reply: Reply, message_id: int | None
) -> bool:
    """Whether `reply`, telling the patient their text came before the question and showing it
    again, was given already: the chat's newest reply says the same of the same question and
    is still waiting or went out after the patient's message. Said once, it answers every text
    typed before (a patient who typed three times while the bot was down is told once)."""
    if chat_id is None or message_id is None or reply.screen is None:
        return False
    if reply.say != [messages.NOT_SHOWN_YET]:
        return False
    row = chat_outbox.newest(session, chat_id, Kind.REPLY)
    if row is None or row.payload.get("say") != reply.say:
        return False
    if not _shows(row.payload, ref_to_data(reply.ref), reply.screen.step):
        return False
    if row.status == OutboxStatus.PENDING:
        return True
    sent = [number for number in row.message_ids or [] if number]
    return row.status == OutboxStatus.SENT and bool(sent) and sent[0] > message_id


def typed_before_shown(
    session: Session,
    chat_id: int,
    ref: DialogueRef,
    step: str | None,
    message_id: int | None,
    shown_message_id: int | None,
) -> bool:
    """Whether the patient's message `message_id` was written before the message showing `step`
    of the dialogue `ref` reached their chat.

    Telegram numbers a private chat's messages, the patient's and the bot's, in one sequence:
    a message with a lower number was sent before. Typed while the bot was down, or while the
    question was on its way, it answers what the patient saw then, not this question. False
    when it cannot be told (no message id, or the question's message is not on record).

    `shown_message_id` is that message, as the dialogue's row recorded it; a row from before
    it was recorded (None) is answered from the chat's last sent replies in the outbox.
    """
    if message_id is None or step is None:
        return False
    if shown_message_id is not None:
        return message_id < shown_message_id
    wanted, first_shown = ref_to_data(ref), None
    for row in chat_outbox.latest_sent(session, chat_id, Kind.REPLY):  # newest first
        if not row.payload.get("screen"):
            continue  # notices only
        if not _shows(row.payload, wanted, step):
            break  # before this, the patient was on another question
        shown = [number for number in row.message_ids or [] if number]
        first_shown = shown[-1] if shown else first_shown  # shown again: the first time counts
    return first_shown is not None and message_id < first_shown


def _shows(payload: dict[str, Any], ref: dict[str, Any] | None, step: str | None) -> bool:
    """Whether a reply's payload shows `step` of the dialogue `ref` (as ref_to_data gives it)."""
    screen = payload.get("screen") or {}
    return screen.get("step") == step and payload.get("ref") == ref
