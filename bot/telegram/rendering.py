"""Patient-facing screens as Telegram messages: HTML text and inline keyboards."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.render.html import esc, split_blocks
from bot.telegram import callbacks
from flows.dialogue import Screen

SHORT_LABEL = 24  # labels up to this long share a row two by two


def screen_text(screen: Screen) -> str:
    """The question (or review) as HTML, escaped throughout."""
    parts: list[str] = []
    if screen.header:
        parts.append(f"<b>{esc(screen.header)}</b>")
    if screen.stem:
        parts.append(f"<i>{esc(screen.stem)}</i>")
    parts.append(esc(screen.text))
    if screen.current_answer is not None:
        parts.append(f"Your answer so far: <b>{esc(screen.current_answer)}</b>")
    if screen.hint:
        parts.append(f"<i>{esc(screen.hint)}</i>")
    return "\n\n".join(parts)


def review_blocks(screen: Screen) -> list[str]:
    """The review screen's body: every answer grouped by section, then the screen's own text."""
    blocks = []
    for group in screen.review:
        lines = [f"<b>{esc(group.title)}</b>"]
        lines.extend(f"• {esc(label)}: {esc(answer)}" for label, answer in group.lines)
        if not group.lines:
            lines.append("• nothing answered")
        blocks.append("\n".join(lines))
    blocks.append(screen_text(screen))
    return blocks


def screen_messages(screen: Screen) -> list[str]:
    """The screen as one or more HTML messages; the keyboard belongs on the last."""
    if screen.review:
        return split_blocks(review_blocks(screen))
    return split_blocks([screen_text(screen)])


def keyboard(screen: Screen, reference: str) -> InlineKeyboardMarkup | None:
    """Numbered option buttons (toggles and Done for a checklist), then Back / Skip / Pause."""
    rows: list[list[InlineKeyboardButton]] = []
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
        data = callbacks.encode(kind, reference, screen.step, option.value)
        buttons.append(InlineKeyboardButton(label, callback_data=data))
    rows.extend(_layout(buttons))
    if screen.multi:
        rows.append(
            [
                InlineKeyboardButton(
                    "Done ✔️", callback_data=callbacks.encode(callbacks.DONE, reference, screen.step)
                )
            ]
        )
    navigation = []
    if screen.can_back:
        navigation.append(_nav("◀️ Back", reference, screen.step, "back"))
    if screen.can_skip:
        navigation.append(_nav("Skip ▶️", reference, screen.step, "skip"))
    if screen.header and not screen.review:
        navigation.append(_nav("⏸ Pause", reference, screen.step, "pause"))
    if navigation:
        rows.append(navigation)
    return InlineKeyboardMarkup(rows) if rows else None


def _nav(label: str, reference: str, step: str, command: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        label, callback_data=callbacks.encode(callbacks.NAVIGATE, reference, step, command)
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
