"""Providers name patients as they were invited, in any case: with names stored encrypted the
look-up goes through their keyed hash (storage.crypto.name_hash), on SQLite and PostgreSQL.
Non-ASCII names too (issue 10: SQLite's lower() only lowered ASCII)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from service_support import NOW, make_services
from sqlalchemy.engine import Engine

from bot.services.providers import ProviderError


@pytest.mark.parametrize(
    ("invited", "typed"),
    [
        ("Émile R.", "émile r."),
        ("Émile R.", "ÉMILE R."),
        ("Zoë Ünïcode", "ZOË ÜNÏCODE"),
        ("Zoë Ünïcode", "zoë   ünïcode"),
        ("Zoë Ünïcode", "Zoe\u0308 U\u0308ni\u0308code"),  # the same letters as combining marks
    ],
)
def test_a_provider_finds_a_patient_by_name_in_any_case(
    engine: Engine, invited: str, typed: str
) -> None:
    services = make_services(engine)
    patient = services.invite(invited)
    services.invite("Someone Else")
    scheduled = services.provider.schedule(typed, NOW + timedelta(days=3))
    assert (scheduled.patient_id, scheduled.display_name) == (patient.patient_id, invited)
    assert services.lookups.patient_id(typed) == patient.patient_id


def test_two_patients_with_one_name_still_need_the_id(engine: Engine) -> None:
    services = make_services(engine)
    first = services.invite("Zoë Ünïcode")
    second = services.invite("ZOË ÜNÏCODE")
    with pytest.raises(ProviderError) as refused:
        services.provider.schedule("zoë ünïcode", NOW + timedelta(days=3))
    assert str(refused.value) == (
        f"More than one patient has that name (#{first.patient_id}, #{second.patient_id}); "
        "use the #id."
    )
    scheduled = services.provider.schedule(f"#{second.patient_id}", NOW + timedelta(days=3))
    assert scheduled.display_name == "ZOË ÜNÏCODE"


def test_an_unknown_name_is_said_so(engine: Engine) -> None:
    services = make_services(engine)
    services.invite("Émile R.")
    with pytest.raises(ProviderError, match="No patient by that name"):
        services.provider.schedule("Emile R.", NOW + timedelta(days=3))  # no accent: another name
