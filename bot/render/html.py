"""Small helpers for Telegram's HTML parse mode: escaping, splitting under the length limit, plain text."""

from __future__ import annotations

import html
import re

TELEGRAM_TEXT_LIMIT = 4096


def esc(text: object) -> str:
    """Escape anything a patient or a setting supplied before it goes into an HTML message."""
    return html.escape(str(text), quote=False)


def split_blocks(blocks: list[str], limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Join self-contained HTML blocks into messages under `limit`, breaking only between blocks.

    A single block longer than the limit is broken between its lines, and a single line
    longer than the limit between characters that are not inside a tag or an entity.
    """
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _fit(block, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _fit(block: str, limit: int) -> list[str]:
    if len(block) <= limit:
        return [block]
    pieces: list[str] = []
    current = ""
    for line in block.split("\n"):
        for part in _hard_split(line, limit):
            candidate = f"{current}\n{part}" if current else part
            if len(candidate) <= limit:
                current = candidate
            else:
                pieces.append(current)
                current = part
    if current:
        pieces.append(current)
    return pieces


_TOKEN = re.compile(r"<[^>]*>|&[a-zA-Z#0-9]+;|[^<&]")


def _hard_split(line: str, limit: int) -> list[str]:
    """Break an over-long line without cutting a tag or an entity in half.

    Tags opened in one piece are closed at its end and reopened in the next, so each
    piece is valid HTML on its own.
    """
    if len(line) <= limit:
        return [line]
    pieces: list[str] = []
    open_tags: list[str] = []
    current = ""
    for token in _TOKEN.findall(line):
        closing = "".join(f"</{name}>" for name in reversed(open_tags))
        if len(current) + len(token) + len(closing) > limit:
            pieces.append(current + closing)
            current = "".join(f"<{name}>" for name in open_tags)
        current += token
        if token.startswith("</"):
            if open_tags:
                open_tags.pop()
        elif token.startswith("<"):
            open_tags.append(token[1:-1].split()[0])
    pieces.append(current)
    return pieces


def to_plain(text: str) -> str:
    """What a reader sees of an HTML message: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))
