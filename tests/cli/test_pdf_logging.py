"""Logging set up as every command sets it up, at DEBUG: making a PDF of a patient's text logs
none of that text, in any spelling (as typed, escaped, code points, UTF-8 bytes, or the glyph
names fontTools would log while subsetting the fonts)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from fontTools.ttLib import TTFont

from bot.cli.logs import configure_logging
from bot.render.pdf import render_intake_pdf
from bot.render.pdf.fonts import FALLBACKS, FONT_DIR
from flows.compiled import compile_intake

KNOWN = "Zoë Jürgen مرحبا بالعالم 日本語のテキスト 😀🎉 Quetzalcoatl-7731"
NAME = "Ünïcode Patient"
QUIET = ("fontTools", "httpx", "httpcore", "transitions", "telegram", "apscheduler", "alembic")


@pytest.fixture
def debug_logging(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The commands' logging at DEBUG; every logger's level put back afterwards."""
    levels = {name: logging.getLogger(name).level for name in (*QUIET, "")}
    configure_logging("DEBUG")
    caplog.set_level(logging.DEBUG)
    try:
        yield caplog
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def spellings(text: str) -> set[str]:
    """The text, its words and each non-ASCII character in the ways a log line could carry it."""
    found = {text, *text.split()}
    for char in {c for c in text if ord(c) > 127}:
        point = ord(char)
        found |= {
            char,
            f"uni{point:04X}",
            f"u{point:04X}",
            f"U+{point:04X}",
            f"\\u{point:04x}",
            f"\\U{point:08x}",
            repr(char.encode())[2:-1],
        }
    return found


def glyph_names(text: str) -> set[str]:
    """The names the PDF's fonts give the text's non-ASCII characters ("edieresis", "uni0628")."""
    names = set()
    for path in (FONT_DIR / "DejaVuSans.ttf", *(path for _, path in FALLBACKS)):
        cmap = TTFont(str(path), lazy=True).getBestCmap()
        names |= {cmap[ord(c)] for c in text if ord(c) > 127 and ord(c) in cmap}
    return {name for name in names if len(name) > 2}


def test_a_pdf_made_with_logging_at_debug_logs_none_of_its_text(
    debug_logging: pytest.LogCaptureFixture,
) -> None:
    compiled = compile_intake(
        {"q.1": KNOWN, "q.2": {"choice": "done"}}, intake_id=1, patient_name=NAME
    )
    pdf = render_intake_pdf(compiled, clinic="Clinic", zone="UTC", chart_png=None)
    assert pdf.startswith(b"%PDF")
    logging.getLogger("bot.render").debug("marker %s", "pdf-made")
    log = "\n".join(record.getMessage() for record in debug_logging.records)
    assert "marker pdf-made" in log  # DEBUG records are captured: silence is not a blind spot
    forbidden = spellings(KNOWN) | spellings(NAME) | glyph_names(KNOWN + NAME)
    assert {"edieresis", "udieresis"} <= forbidden  # what fontTools logs at INFO when let
    assert sorted(part for part in forbidden if part in log) == []
    assert "Glyph names" not in log and "Glyph IDs" not in log
    assert not re.search(r"\buni[0-9A-F]{4}\b|\bcid\d+\b", log)
