"""End to end: a returning patient, changes since the last visit, the PDF and FHIR exports, and the
providers' /today, /patient, /intake and /export commands."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from e2e_support import (
    PROVIDER_CHAT_ID,
    answer_to_the_review,
    invite,
    join,
    past_the_history,
    plain,
    running_bot,
    say,
    settings_for,
    skip_to_the_medicines,
    tap,
    texts,
)
from fake_bot_api import FakeBotAPI, FakeChat
from fhir_checks import validate_bundle
from pypdf import PdfReader
from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import Appointment


@pytest.fixture
def settings(fake: FakeBotAPI, tmp_path: Path):  # type: ignore[no-untyped-def]
    return settings_for(fake, f"sqlite:///{tmp_path / 'intake.db'}")


async def rest_of_intake(patient: FakeChat, phq9: str, gad7: str) -> None:
    """From the first mood question to the review, typing: PHQ-9 items 1–8 and every GAD-7 item
    the same answer, item 9 "not at all"."""
    for _ in range(8):
        await say(patient, phq9)
    await say(patient, "not at all")
    if phq9 != "not at all":
        await say(patient, "somewhat difficult")
    for _ in range(7):
        await say(patient, gad7)
    await answer_to_the_review(patient)


def move_appointments_into_the_past(database_url: str) -> None:
    with Session(make_engine(database_url)) as session:
        for appointment in session.exec(select(Appointment)).all():
            appointment.starts_at = datetime.now(UTC) - timedelta(days=1)
            session.add(appointment)
        session.commit()


async def test_returning_patient_changes_pdf_and_exports(fake: FakeBotAPI, settings) -> None:  # type: ignore[no-untyped-def]
    provider = fake.chats[PROVIDER_CHAT_ID]
    patient = fake.private_chat(chat_id=6001, first_name="Rae")
    token = invite(settings, "Rae T.")
    async with running_bot(settings):
        await join(patient, token)
        await tap(patient, "I agree")
        await skip_to_the_medicines(patient)  # the first intake is a first visit
        reply = await say(patient, "setraline 50 mg once a day")
        assert "Did you mean sertraline (Zoloft)?" in texts(reply)
        await tap(patient, "Yes")
        await tap(patient, "Taking it as prescribed")
        await tap(patient, "0")
        await tap(patient, "That's all")
        await tap(patient, "Nothing new")
        await past_the_history(patient)
        await rest_of_intake(patient, "more than half the days", "several days")
        await say(patient, "submit")
        await provider.wait_for(
            lambda chat: any(m.media == "document" for m in chat.messages), timeout=60
        )

        move_appointments_into_the_past(settings.database_url)
        when = (datetime.now(UTC) + timedelta(hours=20)).astimezone(settings.zone)
        reply = await provider.send_command_and_wait(f"/appointment Rae T. {when:%Y-%m-%d %H:%M}")
        assert "Appointment for Rae T." in texts(reply)

        reply = await patient.send_command_and_wait("/start")
        assert "Last time you told us you take sertraline 50 mg once a day" in texts(reply)
        await tap(patient, "Something changed")  # the list from last time, then medicine by medicine
        await tap(patient, "Yes, but it changed")
        await say(patient, "sertraline 100 mg once a day")
        await tap(patient, "1")  # one day with a missed dose
        await tap(patient, "I forgot")
        await tap(patient, "Done ✔️")
        await tap(patient, "Yes")  # started another medicine
        await say(patient, "Vistaril 25 mg as needed")
        await tap(patient, "Taking it as prescribed")
        await tap(patient, "0")
        await tap(patient, "That's all")
        await tap(patient, "Nothing new")
        await rest_of_intake(patient, "not at all", "not at all")
        before = len(provider.messages)
        await say(patient, "submit")
        await provider.wait_for(
            lambda chat: any(m.media == "document" for m in chat.messages[before:]), timeout=60
        )
        second = provider.messages[before:]
        summary = "\n".join(plain(m) for m in second if m.media is None)
        assert re.search(
            r"PHQ-9: 0 / 27 — minimal \(-16 since last intake: change of 5 or more, response vs\. "
            r"the first intake #1 of \d{1,2} [A-Z][a-z]{2}, 16, remission\)",
            summary,
        )
        assert "Changes since the last intake" in summary
        assert "Dose changed: sertraline: 50 mg once a day → 100 mg once a day" in summary
        assert "Started: hydroxyzine" in summary or "Started: Vistaril" in summary
        pdf = next(m for m in second if m.media == "document")
        assert pdf.file is not None and pdf.file.data.startswith(b"%PDF")
        pdf_text = "\n".join(
            page.extract_text() for page in PdfReader(BytesIO(pdf.file.data)).pages
        )
        assert "Rae T." in pdf_text and "Changes since the last intake" in pdf_text

        reply = await provider.send_command_and_wait("/today", quiet=0.3)
        assert "Rae T." in texts(reply) and "submitted" in texts(reply)
        reply = await provider.send_command_and_wait("/patient Rae T.", quiet=0.5)
        history = texts(reply)
        assert "PHQ-9 16 (moderately severe)" in history and "PHQ-9 0 (minimal)" in history
        intake_id = int(history.split("/intake ")[1].split()[0])
        reply = await provider.send_command_and_wait(f"/export {intake_id} fhir", quiet=0.5)
        document = next(m for m in reply if m.media == "document")
        bundle = json.loads(document.file.data)  # type: ignore[union-attr]
        assert bundle["resourceType"] == "Bundle"
        kinds = [resource["resourceType"] for resource in validate_bundle(bundle)]
        assert kinds[:2] == ["Patient", "QuestionnaireResponse"]
        assert kinds.count("Observation") == 4  # PHQ-9 and GAD-7: each a panel and a total
        before = len(provider.messages)
        await provider.send_command(f"/intake {intake_id}")
        again = await provider.wait_for(  # summary, chart, then the PDF, rendered in turn
            lambda chat: any(m.media == "document" for m in chat.messages[before:]), timeout=60
        )
        assert again and "Pre-visit intake: Rae T." in texts(provider.messages[before:])

        from_patient = await patient.send_command_and_wait("/export 1 pdf")
        assert "don't know that command" in texts(from_patient)
