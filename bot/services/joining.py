"""Joining: an invitation link links a Telegram chat to the patient a provider invited, and the
patient agrees (or not) to take part. Nothing about a stranger is ever stored."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlmodel import Session

from bot.services.config import ServiceConfig
from bot.services.replies import Reply
from bot.services.safety import patient_ref
from flows import messages
from flows.dialogue import Event, Screen, Tapped, Typed
from flows.parsing import match_option
from storage import patients
from storage.clock import as_utc
from storage.models import Invitation, Patient

JOIN_CONSENT_STEP = "join.consent"
"""The consent question asked when an invitation link is opened (the demo's intake asks its own)."""


def token_hash(token: str) -> str:
    """Invitation tokens are stored hashed: a copy of the database cannot be used to join."""
    return hashlib.sha256(token.encode()).hexdigest()


class Joining:
    """/start with or without a link, and the consent question."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config

    def usable_invitation(
        self, session: Session, token: str, now: datetime
    ) -> tuple[Invitation | None, bool]:
        """The invitation behind a link, and whether it can still be used."""
        invitation = patients.invitation_by_token_hash(session, token_hash(token))
        usable = (
            invitation is not None
            and invitation.used_at is None
            and as_utc(invitation.expires_at) > now
        )
        return invitation, usable

    def link(self, session: Session, invitation: Invitation, chat_id: int, now: datetime) -> Reply:
        """Link this chat to the invited patient, and ask for consent; or, when another chat
        used the link at the same moment, say it is not valid."""
        if not patients.use_invitation(session, invitation, now):
            return Reply(say=[self.invitation_not_valid()], forget=True)
        patient = patients.get(session, invitation.patient_id)
        assert patient is not None
        patient.telegram_chat_id = chat_id
        patient.linked_at = now
        session.add(patient)
        session.flush()
        return self.consent_question(patient)

    def consent_question(self, patient: Patient) -> Reply:
        return Reply(
            ref=patient_ref(patient),
            screen=Screen(
                JOIN_CONSENT_STEP,
                messages.welcome(self.config.clinic_name),
                options=messages.CONSENT_OPTIONS,
            ),
        )

    def invitation_needed(self) -> str:
        return messages.invitation_needed(self.config.clinic_name)

    def invitation_not_valid(self) -> str:
        return messages.invitation_not_valid(self.config.clinic_name)


def consent_choice(event: Event) -> str | None:
    """ "agree", "decline", or None for an event that is no answer to the consent question."""
    if isinstance(event, Tapped) and event.step == JOIN_CONSENT_STEP:
        return event.value
    if isinstance(event, Typed):
        option = match_option(event.text, messages.CONSENT_OPTIONS)
        return option.value if option else None
    return None
