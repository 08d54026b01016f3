"""A patient's screen (one question, or the review) as Telegram HTML text: escaped throughout,
split under Telegram's length limit. The buttons are the Telegram adapter's (keyboards)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.render.html import esc, split_blocks
from flows.dialogue import Screen


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


def screen_messages(screen: Screen, notices: Sequence[str] = ()) -> list[str]:
    """The screen as one or more HTML messages, after `notices` (HTML, e.g. "Saved."), in as
    few messages as fit; the keyboard belongs on the last."""
    blocks = review_blocks(screen) if screen.review else [screen_text(screen)]
    return split_blocks([*notices, *blocks])
