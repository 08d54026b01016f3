"""End to end: the real Application, over HTTP, against the fake Bot API, driven as patients would.

One patient taps buttons, one types everything, one is interrupted by a bot restart; the
provider chat receives the compiled intake; bad input gets friendly replies and changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import (
    CLINIC,
    PROVIDER_CHAT_ID,
    bot_services,
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
from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import Answer, Intake, Patient, SafetyEvent


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'intake.db'}"


def provider_texts(fake: FakeBotAPI) -> str:
    return texts(fake.chats[PROVIDER_CHAT_ID].messages)


async def walk_by_buttons(patient: FakeChat, token: str) -> None:
    """A complete first-visit intake, tapping every answer that has a button."""
    welcome = await join(patient, token)
    assert CLINIC in texts(welcome) and "988" in texts(welcome)
    reply = await tap(patient, "I agree")
    assert "What brings you in?" in texts(reply)
    await say(patient, "Panic attacks at work since the spring")
    reply = await say(patient, "To get through a work day calmly")
    assert "Medications · question 1" in texts(reply)
    reply = await say(patient, "sertraline 50 mg once a day")
    assert "Got it: sertraline · 50 mg · once a day." in texts(reply)
    await tap(patient, "Taking it as prescribed")
    await tap(patient, "2")  # days with a missed dose
    reply = await tap(patient, "I forgot")  # a toggle: the same message is redrawn
    assert "☑️ I forgot" in reply[-1].buttons()
    await tap(patient, "Done ✔️")
    await tap(patient, "That's all")
    reply = await tap(patient, "Nothing new")
    assert "taken other medicines for your mental health before" in texts(reply)
    await say(patient, "citalopram")
    await tap(patient, "I don't remember")
    await tap(patient, "It didn't help")
    await say(patient, "It did nothing after three months")
    await tap(patient, "That's all")
    await say(patient, "penicillin: hives")
    await tap(patient, "No one else")
    await tap(patient, "None")
    reply = await tap(patient, "Prefer not to say")
    assert "Mood · 1 of 9" in texts(reply)
    assert "Over the last 2 weeks" in texts(reply)
    for _ in range(8):
        await tap(patient, "More than half the days")
    reply = await tap(patient, "Several days")  # item 9
    assert "988" in texts(reply) and "Are you safe right now?" in texts(reply)
    await tap(patient, "Yes, I'm safe right now")
    await tap(patient, "Somewhat difficult")
    for _ in range(7):
        await tap(patient, "Several days")
    assert "Sleep · 1 of 4" in current_question(patient)
    await say(patient, "6.5")
    await tap(patient, "30–60 minutes")
    await tap(patient, "2")
    await tap(patient, "Poor")
    assert "past two weeks" in current_question(patient)
    for label in ("Poor", "About as usual", "So-so"):
        await tap(patient, label)
    assert "How often do you have a drink containing alcohol?" in current_question(patient)
    await tap(patient, "2–3 times a week")
    await tap(patient, "3 or 4")
    await tap(patient, "Monthly")
    await tap(patient, "Never")  # drugs
    await tap(patient, "No")  # therapist
    await tap(patient, "Yes, please")
    await tap(patient, "No")  # physical health
    await patient.wait_for(lambda chat: "Life stressors · 1" in current_question(chat))
    for label in ("Work or school", "Money"):
        await tap(patient, label)
    await tap(patient, "Done ✔️")
    await tap(patient, "A lot")
    await tap(patient, "A lot")
    await tap(patient, "Nothing to add")
    await tap(patient, "Which side effects of sertraline should I watch for?")
    await tap(patient, "Done ✔️")
    await say(patient, "Can I take my sertraline at night instead? <b>not bold</b>")
    review = await tap(patient, "That's all my questions")
    assert "Here's everything you told me" in texts(review)


async def test_patient_completes_intake_with_buttons(fake: FakeBotAPI, database_url: str) -> None:
    patient = fake.private_chat(chat_id=1001, first_name="Ana", last_name="P.")
    settings = settings_for(fake, database_url)
    token = invite(settings, "Ana P.")
    async with running_bot(settings) as application:
        await walk_by_buttons(patient, token)
        done = await tap(patient, "✅ Submit")
        assert "has been sent to your care team" in texts(done)
        await fake.chats[PROVIDER_CHAT_ID].wait_for(
            lambda chat: any("Pre-visit intake" in plain(m) for m in chat.messages)
        )
        commands = fake.calls_named("setMyCommands")
        assert commands and bot_services(application).router is not None

    provider = provider_texts(fake)
    # the urgent alert came first, naming the patient and the trigger
    assert provider.index("URGENT") < provider.index("Pre-visit intake")
    assert "Patient: Ana P." in provider and "PHQ-9 item 9" in provider
    summary = provider[provider.index("Pre-visit intake") :]
    # flags first, then scores with bands, then details
    assert summary.index("Flags") < summary.index("Scores") < summary.index("Medications")
    assert "safety question: the patient answered that they are safe right now" in summary
    assert "Missed doses: sertraline on 2 of the past 7 days" in summary
    assert "Allergies to medicines: “penicillin: hives”" in summary
    assert "Alcohol: AUDIT-C 6 of 12, positive screen for men (≥4) and for women (≥3)" in summary
    assert "AUDIT-C: 6 / 12 — positive screen for men (≥4) and for women (≥3)" in summary
    # every first-visit section reached the provider
    assert "What brings them in: “Panic attacks at work since the spring”" in summary
    assert "What they hope to get from treatment: “To get through a work day calmly”" in summary
    assert "citalopram: how it went: It didn't help" in summary
    assert "citalopram: why stopped: “It did nothing after three months”" in summary
    assert "Pregnancy, planning or breastfeeding: Prefer not to say" in summary
    assert "How often do you have a drink containing alcohol?: 2–3 times a week" in summary
    assert "for non-medical reasons: Never" in summary
    assert "Would like information about therapy: Yes, please" in summary
    assert "New health problems, hospital or emergency visits: No" in summary
    assert "Energy, appetite, focus (past two weeks)" in summary
    assert "since last visit" not in summary
    assert "PHQ-9: 17 / 27 — moderately severe" in summary  # 8 × 2 + 1
    assert "PHQ-9 total 17 (moderately severe)" in summary  # flagged at 15 or more
    assert "GAD-7: 7 / 21 — mild" in summary
    assert (
        "sertraline 50 mg once a day — taking as prescribed; missed doses on 2 of 7 days" in summary
    )
    assert "reasons: forgot" in summary
    assert "Usual hours of sleep: 6.5" in summary
    assert "a lot: work or school, money" in summary
    assert "1. Which side effects of sertraline should I watch for? (picked from a list)" in summary
    assert "2. Can I take my sertraline at night instead? <b>not bold</b>" in summary
    # the patient's text was escaped, not sent as markup
    raw = "\n".join(m.content or "" for m in fake.chats[PROVIDER_CHAT_ID].messages)
    assert "&lt;b&gt;not bold&lt;/b&gt;" in raw
    assert all(len(m.content or "") <= 4096 for m in fake.chats[PROVIDER_CHAT_ID].messages)
    # nothing about the patient went to any chat but theirs and the provider's
    sent_to = {call.params.get("chat_id") for call in fake.calls_named("sendMessage")}
    assert {int(c) for c in sent_to} == {1001, PROVIDER_CHAT_ID}


async def test_patient_completes_intake_by_typing(fake: FakeBotAPI, database_url: str) -> None:
    patient = fake.private_chat(chat_id=1002, first_name="Ben")
    answers = [
        "yes",
        "skip",  # what brings them in
        "I'm not sure yet",
        "Lamictal 100mg BID",
        "as prescribed",
        "0",
        "add another",
        "quetiapine",  # name only: dose and frequency are asked
        "25 mg",
        "at bedtime",
        "stopped",
        "side effects, 7",
        "made me too sleepy",
        "that's all",
        "melatonin 3 mg",
        "none before",
        "no allergies",
        "no one else",
        "none",
        "doesn't apply to me",
        *["not at all"] * 9,
        *["1"] * 7,  # GAD-7 by the number shown beside "Not at all"
        "7 hours",
        "less than 15 minutes",
        "1",
        "good",
        "good",
        "about as usual",
        "good",
        "never",  # alcohol: items 2 and 3 are not asked
        "3",  # drugs: a count typed
        "cannabis",
        "yes",  # seeing a therapist: no offer of information
        "I broke my wrist in June",
        "housing",
        "a little",
        "Moving house next month",
        "I'll type my own",
        "Is it safe to stop quetiapine?",
        "Could we talk about my sleep?",
        "no",
    ]
    settings = settings_for(fake, database_url)
    token = invite(settings, "Ben")
    async with running_bot(settings):
        await join(patient, token)
        for answer in answers:
            reply = await say(patient, answer)
            assert "didn't catch that" not in texts(reply), (answer, texts(reply))
        assert "Here's everything you told me" in current_question(patient)
        assert "Lamictal 100 mg twice a day" in texts(patient.messages[-2:])
        await say(patient, "submit")
        await fake.chats[PROVIDER_CHAT_ID].wait_for(
            lambda chat: any("Pre-visit intake" in plain(m) for m in chat.messages)
        )
    summary = provider_texts(fake)
    assert "URGENT" not in summary
    assert "Flags\n• Stopped quetiapine" in summary  # a first visit: typed, nothing skipped
    assert "PHQ-9: 0 / 27 — minimal" in summary and "GAD-7: 0 / 21 — minimal" in summary
    assert (
        "quetiapine 25 mg at bedtime — stopped; reasons: side effects, other: made me too sleepy"
        in summary
    )
    assert "New medicines or supplements: melatonin 3 mg" in summary
    assert "Other substances: used 3 times in the past year (cannabis)" in summary
    assert "AUDIT-C: 0 / 12 — below the cut-offs" in summary
    assert "New health problems, hospital or emergency visits: “I broke my wrist in June”" in summary
    assert "1. Is it safe to stop quetiapine?\n2. Could we talk about my sleep?" in summary
    assert "Patient's note: “Moving house next month”" in summary


async def test_interrupted_patient_resumes_after_restart(
    fake: FakeBotAPI, database_url: str
) -> None:
    patient = fake.private_chat(chat_id=1003, first_name="Cleo")
    settings = settings_for(fake, database_url)
    token = invite(settings, "Cleo")
    async with running_bot(settings):
        await join(patient, token)
        await tap(patient, "I agree")
        await skip_to_the_medicines(patient)
        await say(patient, "I don't take any")
        await say(patient, "none")
        await past_the_history(patient)
        await tap(patient, "Several days")
        question_before = current_question(patient)
        assert "Mood · 2 of" in question_before
    # the bot is down; the patient answers anyway, and the update waits at the server
    await patient.send_text("nearly every day")
    async with running_bot(settings):
        reply = await patient.wait_for_reply(timeout=10)
        assert "Mood · 3 of" in texts(reply)
        back = await patient.send_command_and_wait("/start")
        assert "Welcome back" in texts(back) and "Mood · 3 of" in texts(back)

    engine = make_engine(database_url)
    with Session(engine) as session:
        intake = session.exec(select(Intake)).one()
        answers = {
            a.question_key: a.value
            for a in session.exec(select(Answer).where(Answer.superseded == False)).all()  # noqa: E712
        }
    assert intake.step == "phq9.3"
    assert answers["med.1.name"] == {"choice": "none"}
    assert answers["phq9.1"] == "1" and answers["phq9.2"] == "3"


async def test_bad_input_gets_friendly_replies_and_changes_nothing(
    fake: FakeBotAPI, database_url: str
) -> None:
    patient = fake.private_chat(chat_id=1004, first_name="Dee")
    settings = settings_for(fake, database_url)
    token = invite(settings, "Dee")
    async with running_bot(settings):
        await join(patient, token)
        await tap(patient, "I agree")
        await skip_to_the_medicines(patient)
        await say(patient, "I don't take any")
        await say(patient, "none")
        await past_the_history(patient)
        old_question = next(m for m in reversed(patient.messages) if m.inline_keyboard)
        await say(patient, "2")  # answered by typing: the old keyboard stays on screen
        stale = await patient.press_and_wait("4. Nearly every day", message=old_question)
        assert "already moved past" in texts(stale)
        assert "Mood · 2 of" in current_question(patient)
        assert any("Already answered" in (a.get("text") or "") for a in patient.callback_answers)

        for action in (patient.send_sticker, patient.send_photo, patient.send_voice):
            await action()
            reply = await patient.wait_for_reply()
            assert "can only read text and button taps" in texts(reply)
            assert "Mood · 2 of" in texts(reply)

        reply = await say(patient, "x" * 10_000)
        assert "longer than I can take" in texts(reply) or "didn't catch" in texts(reply)
        reply = await say(patient, "purple")
        assert "didn't catch that" in texts(reply)
        reply = await patient.send_command_and_wait("/frobnicate")
        assert "don't know that command" in texts(reply)

        update = await patient.send_text("3")
        await patient.wait_for_reply()
        assert "Mood · 3 of" in current_question(patient)
        await fake.deliver_again(update)
        await patient.wait_for_reply(expect_activity=False)
        assert "Mood · 3 of" in current_question(patient)

        group = fake.group_chat(chat_id=-2001, title="Family", user_id=1005)
        reply = await group.send_command_and_wait("/start")
        assert "only work in private chats" in texts(reply)

    engine = make_engine(database_url)
    with Session(engine) as session:
        current = session.exec(select(Answer).where(Answer.superseded == False)).all()  # noqa: E712
        keys = [a.question_key for a in current]
        patients = session.exec(select(Patient)).all()
    first_visit = ["visit.kind", "reason.coming", "reason.hopes"]
    history = ["past.1.name", "bg.allergies", "bg.prescribers", "bg.conditions", "bg.pregnancy"]
    assert keys == [*first_visit, "med.1.name", "meds.new", *history, "phq9.1", "phq9.2"]
    assert [p.telegram_chat_id for p in patients] == [1004]  # nobody from the group


async def test_risk_language_alerts_provider_but_idioms_do_not(
    fake: FakeBotAPI, database_url: str
) -> None:
    patient = fake.private_chat(chat_id=1006, first_name="Eli")
    settings = settings_for(fake, database_url)
    token = invite(settings, "Eli")
    async with running_bot(settings):
        await join(patient, token)
        await tap(patient, "I agree")
        reply = await say(patient, "this traffic is killing me")
        assert "some words can mean different things" in texts(reply)
        reply = await tap(patient, "No")
        assert "Let's carry on" in texts(reply) and "Why you're coming · 2 of 2" in texts(reply)
        reply = await say(patient, "I am dying for a coffee")
        await tap(patient, "No")
        assert not fake.chats[PROVIDER_CHAT_ID].messages

        reply = await say(patient, "honestly I want to end my life")
        assert "988" in texts(reply) and "741741" in texts(reply) and "911" in texts(reply)
        assert "Are you safe right now?" in texts(reply)
        await fake.chats[PROVIDER_CHAT_ID].wait_for(count=1)
        reply = await tap(patient, "No, I'm not safe")
        assert "call 911" in texts(reply)
        await fake.chats[PROVIDER_CHAT_ID].wait_for(count=1)
        assert "Medications · question 1" in current_question(patient)  # the intake goes on

    alerts = [plain(m) for m in fake.chats[PROVIDER_CHAT_ID].messages]
    assert len(alerts) == 2 and all("URGENT" in a and "Patient: Eli" in a for a in alerts)
    assert "end my life" not in "\n".join(alerts)  # the trigger is named, not quoted
    engine = make_engine(database_url)
    with Session(engine) as session:
        events = session.exec(select(SafetyEvent).order_by(SafetyEvent.id)).all()
    kinds = [e.kind for e in events]
    assert kinds == [
        "unclear_language",
        "clarified_no",
        "unclear_language",
        "clarified_no",
        "risk_language",
        "not_safe",
    ]
    assert all(e.alerted_chat_ids == [PROVIDER_CHAT_ID] for e in events if e.alert)
