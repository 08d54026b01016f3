"""End to end: a patient types the medication lines that used to lose words on the way, and the
provider's message and PDF carry the reading and, where not every word was read, the exact
words; sentences typed instead of a medicine are answered and stored as nothing."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from e2e_support import (
    PROVIDER_CHAT_ID,
    answer_to_the_review,
    current_question,
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
from pypdf import PdfReader
from sqlmodel import Session, select

from flows import messages
from storage.db import make_engine
from storage.models import Answer

NOTE_LINE = "sertraline 50 mg once a day — Zoë — 日本語 — 😀"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'intake.db'}"


async def medicine(patient: FakeChat, line: str, *, how_often: str | None = None) -> str:
    """Type a medication line, answer what is still asked, and add another; the echo."""
    reply = texts(await say(patient, line))
    if how_often is not None:
        assert "How often do you take" in current_question(patient)
        await tap(patient, how_often)
    await tap(patient, "Taking it as prescribed")
    await tap(patient, "0")
    await tap(patient, "Add another medication")
    return reply


async def rest_of_intake(patient: FakeChat) -> None:
    await past_the_history(patient)
    await answer_to_the_review(patient)


def pdf_text(data: bytes) -> str:
    """The PDF's words, whitespace runs as one space (pypdf's NULs before CJK glyphs dropped)."""
    pages = PdfReader(BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text().replace("\x00", "").split()) for page in pages)


async def test_the_provider_gets_every_word_of_the_medication_lines(
    fake: FakeBotAPI, database_url: str
) -> None:
    patient = fake.private_chat(chat_id=1201, first_name="Zoë")
    provider = fake.chats[PROVIDER_CHAT_ID]
    settings = settings_for(fake, database_url)
    token = invite(settings, "Zoë Ü.")
    async with running_bot(settings):
        await join(patient, token)
        await tap(patient, "I agree")
        await skip_to_the_medicines(patient)

        reply = texts(await say(patient, "I stopped taking it"))
        assert messages.STOPPED_WHICH_MEDICINE in reply
        reply = texts(await say(patient, "not sure of the dose"))
        assert messages.DOSE_WITHOUT_NAME in reply
        assert "Medications · question 1" in current_question(patient)

        echo = await medicine(patient, "lamotrigine 25 mg, increasing", how_often="Once a day")
        assert "Got it: lamotrigine · 25 mg." in echo
        await medicine(patient, "propranolol 10 mg before presentations", how_often="As needed")
        echo = await medicine(patient, "seroquel 25-50 mg at bedtime as needed")
        assert "Got it: seroquel · 25–50 mg · at bedtime, as needed." in echo
        await medicine(patient, "trazodone 50mg at bedtime as needed for sleep")
        await say(patient, NOTE_LINE)
        await tap(patient, "Taking it as prescribed")
        await tap(patient, "0")
        await tap(patient, "That's all")
        await rest_of_intake(patient)
        await say(patient, "submit")
        await provider.wait_for(
            lambda chat: any(m.media == "document" for m in chat.messages), timeout=20
        )

    summary = "\n".join(plain(m) for m in provider.messages if m.media is None)
    for line in (
        "• lamotrigine 25 mg once a day, increasing — taking as prescribed",
        "• propranolol 10 mg as needed, before presentations — taking as prescribed",
        "• seroquel 25–50 mg at bedtime, as needed — taking as prescribed",
        "• trazodone 50 mg at bedtime, as needed for sleep — taking as prescribed",
        "• sertraline 50 mg once a day — taking as prescribed",
        f"   patient's words: “{NOTE_LINE}”",
    ):
        assert line in summary, line
    assert summary.count("patient's words") == 1  # only the line not every word of was read
    assert "stopped taking it" not in summary and "not sure of the dose" not in summary

    pdf = next(m for m in provider.messages if m.media == "document")
    assert pdf.file is not None
    text = pdf_text(pdf.file.data)
    for words in (
        "25 mg, increasing",
        "as needed, before presentations",
        "25–50 mg",
        "at bedtime, as needed for sleep",
        "The patient's own words, where not every word was read:",
        f"sertraline “{NOTE_LINE}”",
    ):
        assert words in text, words

    with Session(make_engine(database_url)) as session:
        names = session.exec(select(Answer).where(Answer.question_key.endswith(".name"))).all()
        typed = [answer.value["name"] for answer in names if isinstance(answer.value, dict)]
    assert typed == ["lamotrigine", "propranolol", "seroquel", "trazodone", "sertraline"]
