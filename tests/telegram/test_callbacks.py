"""Callback data: every button of the largest intake and of a check-in fits Telegram's 64
bytes, even for the largest row id, and decodes back to the event it stands for."""

from __future__ import annotations

from flow_driver import largest_intake

from bot.services.replies import DialogueKind, DialogueRef
from bot.telegram import callbacks
from flows.answers import KEEP_OPTION
from flows.checkin_questions import QUESTIONS
from flows.dialogue import Command, DoneTapped, Tapped, Toggled

BIGGEST_INTAKE = DialogueRef(DialogueKind.INTAKE, callbacks.MAX_ROW_ID)


def test_every_button_of_a_full_intake_fits_in_callback_data() -> None:
    d = largest_intake()
    steps = {screen.step for screen in d.screens}
    assert {"consent", "safety.check", "safety.clarify", "restart.confirm", "review"} <= steps
    assert "med.12.frequency" in steps and "se.dry_mouth.interference" in steps
    pairs = {(screen.step, option.value) for screen in d.screens for option in screen.options}
    assert ("se.dry_mouth.medication", "m12") in pairs
    assert len(pairs) > 300
    for step, value in sorted(pairs):
        for kind in (callbacks.ANSWER, callbacks.TOGGLE):
            data = callbacks.encode(kind, BIGGEST_INTAKE, step, value)
            assert len(data.encode()) <= callbacks.MAX_CALLBACK_BYTES
    for step in steps:
        for value in ("back", "skip", "pause"):
            callbacks.encode(callbacks.NAVIGATE, BIGGEST_INTAKE, step, value)
        callbacks.encode(callbacks.DONE, BIGGEST_INTAKE, step)


def test_every_checkin_button_fits_in_callback_data() -> None:
    big_id = DialogueRef(DialogueKind.CHECKIN, callbacks.MAX_ROW_ID)  # the longest reference
    for question in QUESTIONS.values():
        for option in (*question.options, KEEP_OPTION):
            callbacks.encode(callbacks.ANSWER, big_id, question.key, option.value)
        for command in ("back", "skip", "pause"):
            callbacks.encode(callbacks.NAVIGATE, big_id, question.key, command)
        callbacks.encode(callbacks.DONE, big_id, question.key)


def test_a_pressed_button_decodes_to_its_dialogue_row_and_event() -> None:
    ref = DialogueRef(DialogueKind.CHECKIN, 12)
    cases = {
        callbacks.ANSWER: Tapped("checkin.mood", "5"),
        callbacks.TOGGLE: Toggled("checkin.mood", "5"),
        callbacks.DONE: DoneTapped("checkin.mood"),
        callbacks.NAVIGATE: Command("5", step="checkin.mood"),
    }
    for kind, event in cases.items():
        value = "" if kind == callbacks.DONE else "5"
        press = callbacks.decode(callbacks.encode(kind, ref, "checkin.mood", value))
        assert press is not None and (press.ref, press.event) == (ref, event)


def test_forged_and_foreign_callback_data_decode_to_nothing() -> None:
    for data in (
        None,
        "",
        "hello",
        "a|i12|step",  # three fields
        "x|i12|step|v",  # an unknown kind
        "a|z12|step|v",  # an unknown dialogue
        "a|i1x|step|v",
        "a|i" + "9" * 20 + "|step|v",  # a 20-digit id no row can have
        f"a|i{callbacks.MAX_ROW_ID + 1}|step|v",
    ):
        assert callbacks.decode(data) is None, data
    legacy = callbacks.decode("a|12|med.1.status|as_prescribed")  # before references had letters
    assert legacy is not None and legacy.ref == DialogueRef(DialogueKind.INTAKE, 12)
