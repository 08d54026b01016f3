"""Inline keyboards: a screen's option buttons (toggles and Done for a checklist) with Back /
Skip / Pause, a reminder's "start" button, and a safety alert's Acknowledge button."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.services.reminders import ReminderButton
from bot.services.replies import DialogueKind, DialogueRef
from bot.telegram import callbacks
from flows.dialogue import Screen

SHORT_LABEL = 24  # labels up to this long share a row two by two
ACKNOWLEDGE = "ack"


def keyboard(screen: Screen, ref: DialogueRef) -> InlineKeyboardMarkup | None:
    """Numbered option buttons (toggles and Done for a checklist), then Back / Skip / Pause."""
    kind = callbacks.TOGGLE if screen.multi else callbacks.ANSWER
    buttons = []
    for number, option in enumerate(screen.options, start=1):
        if screen.multi:
            mark = "☑️" if option.value in screen.selected else "⬜"
            label = f"{mark} {option.label}"
        elif screen.numbered:
            label = f"{number}. {option.label}"
        else:
            label = option.label
        data = callbacks.encode(kind, ref, screen.step, option.value)
        buttons.append(InlineKeyboardButton(label, callback_data=data))
    rows = _layout(buttons)
    if screen.multi:
        done = callbacks.encode(callbacks.DONE, ref, screen.step)
        rows.append([InlineKeyboardButton("Done ✔️", callback_data=done)])
    navigation = []
    if screen.can_back:
        navigation.append(_nav("◀️ Back", ref, screen.step, "back"))
    if screen.can_skip:
        navigation.append(_nav("Skip ▶️", ref, screen.step, "skip"))
    if screen.header and not screen.review:
        navigation.append(_nav("⏸ Pause", ref, screen.step, "pause"))
    if navigation:
        rows.append(navigation)
    return InlineKeyboardMarkup(rows) if rows else None


def reminder_keyboard(button: ReminderButton | None) -> InlineKeyboardMarkup | None:
    if button is None:
        return None
    data = callbacks.encode(callbacks.OPEN, button.ref, button.step)
    return InlineKeyboardMarkup([[InlineKeyboardButton(button.label, callback_data=data)]])


def acknowledge_keyboard(event_id: int) -> InlineKeyboardMarkup:
    ref = DialogueRef(DialogueKind.SAFETY_ALERT, event_id)
    data = callbacks.encode(callbacks.ANSWER, ref, ACKNOWLEDGE)
    return InlineKeyboardMarkup([[InlineKeyboardButton("✅ Acknowledge", callback_data=data)]])


ACKNOWLEDGE_PATTERN = r"^a\|s\d+\|ack\|"
"""The callback data of an Acknowledge button, for its handler."""


def _nav(label: str, ref: DialogueRef, step: str, command: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        label, callback_data=callbacks.encode(callbacks.NAVIGATE, ref, step, command)
    )


def _layout(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    """Short labels two to a row, long ones alone, so labels are not cut off on a phone."""
    if buttons and all(len(b.text) <= 4 for b in buttons):
        return [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        if (
            len(button.text) <= SHORT_LABEL
            and rows
            and len(rows[-1]) == 1
            and len(rows[-1][0].text) <= SHORT_LABEL
        ):
            rows[-1].append(button)
        else:
            rows.append([button])
    return rows
