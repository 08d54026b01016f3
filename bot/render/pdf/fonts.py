"""The PDF's fonts: DejaVu Sans from matplotlib's package, and fallbacks from font packages for
the scripts and emoji it lacks, each loaded only when the text needs it.

Nothing is downloaded or read from the system: every font comes from an installed Python
package. DejaVu Sans covers Latin, Greek, Cyrillic, Arabic, Hebrew and many symbols; text
shaping (fpdf2 with uharfbuzz) joins and orders Arabic and other complex scripts. The
fallbacks, in the order they are tried: Noto Sans for other scripts (manimgx-fonts), Noto Sans
CJK JP for Chinese, Japanese and Korean (noto-cjk-sans-jp-regular), Noto Sans Symbols and the
monochrome Noto Emoji (manimgx-fonts). A character no font has is never drawn as a box: the
document replaces it with `PLACEHOLDER` (see `missing_characters`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from pathlib import Path

import matplotlib
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import TTFFont

from bot.render.pdf.text import printable

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "dejavu"
PLACEHOLDER = "[text in a script this PDF cannot show — see the Telegram message]"

_NOTO = Path(str(files("manimgx_fonts")))
_SCRIPTS = (
    *("Arabic", "Hebrew", "Devanagari", "Bengali", "Gujarati", "Gurmukhi", "Kannada"),
    *("Malayalam", "Oriya", "Sinhala", "Tamil", "Telugu", "Thai", "Lao", "Khmer", "Myanmar"),
    *("Ethiopic", "Georgian", "Armenian"),
)
FALLBACKS: tuple[tuple[str, Path], ...] = (
    *((f"noto-{script.lower()}", _NOTO / f"NotoSans{script}[wght].ttf") for script in _SCRIPTS),
    ("noto-cjk", Path(str(files("noto_cjk_sans_jp_regular") / "NotoSansCJKjp-Regular.otf"))),
    ("noto-symbols", _NOTO / "NotoSansSymbols[wght].ttf"),
    ("noto-emoji", _NOTO / "NotoEmoji[wght].ttf"),
)
"""(family, file) of each fallback font, in the order they are tried."""


def register_fonts(pdf: FPDF, texts: Iterable[str]) -> frozenset[str]:
    """DejaVu Sans (regular, bold, oblique) as FONT, the fallbacks `texts` need, and text
    shaping; returns the characters of `texts` that no font can draw."""
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_font(FONT, "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
    covered = _code_points(pdf, FONT).intersection(_code_points(pdf, FONT + "B"))
    needed = {
        char
        for text in texts
        for char in printable(text)
        if ord(char) not in covered and unicodedata.category(char) not in ("Cc", "Zl", "Zp")
    }
    families = [FONT]
    for family, path in FALLBACKS:
        if not needed:
            break
        has = {char for char in needed if ord(char) in _cmap(str(path))}
        if has:
            # Each fallback is parsed only when used: Noto Sans CJK alone takes about a second.
            pdf.add_font(family, "", str(path))
            families.append(family)
            needed -= has
    pdf.set_fallback_fonts(families, exact_match=False)
    pdf.set_text_shaping(True)
    return frozenset(needed)


@cache
def _cmap(path: str) -> frozenset[int]:
    """The code points a font file has glyphs for, read once per process."""
    font = TTFont(path, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def _code_points(pdf: FPDF, key: str) -> set[int]:
    """The code points a font added with add_font (a TrueType font) has glyphs for."""
    font = pdf.fonts[key]
    if not isinstance(font, TTFFont):
        raise TypeError(f"{key} is a core PDF font, not one added from a TrueType file")
    return set(font.cmap)
