"""The text handling every parser shares: one normal form to compare what was typed."""

from __future__ import annotations

import re
import unicodedata

APOSTROPHES = re.compile(r"[’‘ʼ`´′]")
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
SPACES = re.compile(r"\s+")
LETTER = re.compile(r"[^\W\d_]")


def normalise(text: str) -> str:
    """Lower-case, trimmed, single-spaced, one kind of apostrophe, no punctuation at the ends."""
    text = APOSTROPHES.sub("'", unicodedata.normalize("NFKC", text)).lower()
    return _EDGE_PUNCTUATION.sub("", SPACES.sub(" ", text).strip())


def comparison_key(text: str) -> str:
    """A comparison form: `normalise`, with dots and apostrophes dropped, other marks spaces."""
    text = re.sub(r"[.']", "", normalise(text))
    return SPACES.sub(" ", re.sub(r"[\W_]+", " ", text)).strip()
