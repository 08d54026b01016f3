"""An invitation is used once, even by two chats opening its link at the same moment
(storage.patients.use_invitation), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage import patients
from storage.clock import as_utc
from storage.models import Invitation, Patient

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_link_opened_twice_at_once_is_used_once(
    engine: Engine, session: Session, make_patient: Callable[..., Patient]
) -> None:
    patient = make_patient()
    invitation = Invitation(
        patient_id=patient.id,
        token_hash="h" * 64,
        created_by="cli",
        expires_at=T0 + timedelta(days=14),
    )
    patients.add_invitation(session, invitation)
    session.commit()
    with Session(engine) as first, Session(engine) as second:
        # Both read the link unused, as two chats' turns would before either commits.
        seen_first = patients.invitation_by_token_hash(first, "h" * 64)
        seen_second = patients.invitation_by_token_hash(second, "h" * 64)
        assert seen_first is not None and seen_second is not None
        assert seen_first.used_at is None and seen_second.used_at is None
        assert patients.use_invitation(first, seen_first, T0)
        first.commit()
        assert not patients.use_invitation(second, seen_second, T0 + timedelta(seconds=1))
        assert seen_second.used_at is None
        second.commit()
    with Session(engine) as fresh:
        stored = patients.invitation_by_token_hash(fresh, "h" * 64)
        assert stored is not None and stored.used_at is not None
        assert as_utc(stored.used_at) == T0
