"""Checks that a Telegram HTML message is well formed: every tag closed, no bare ampersand."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _TagChecker(HTMLParser):
    """Fails on tags Telegram does not allow or that are left open."""

    ALLOWED = frozenset({"b", "i", "u", "s", "code", "pre", "a"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:  # type: ignore[type-arg]
        assert tag in self.ALLOWED, tag
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (self.open, tag)
        self.open.pop()


def assert_valid_html(message: str) -> None:
    checker = _TagChecker()
    checker.feed(message)
    checker.close()
    assert not checker.open, checker.open
    assert not re.search(r"&(?!(amp|lt|gt|quot|#\d+);)", message), (
        "a bare & would break Telegram's parser"
    )
