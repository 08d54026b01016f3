"""The PDF's fonts: DejaVu Sans from matplotlib's package, and Last Resort only when needed.

Nothing is downloaded or installed on the system. Characters DejaVu Sans lacks (CJK, newer
emoji…) fall back to Last Resort, which draws a labelled box for any code point.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import TTFFont

from bot.render.pdf.text import printable

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "dejavu"
FALLBACK_FONT = "lastresort"


def register_fonts(pdf: FPDF, texts: Iterable[str]) -> None:
    """DejaVu Sans (regular, bold, oblique) as FONT; Last Resort as a fallback if `texts` need it."""
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_font(FONT, "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
    fallbacks = [FONT]
    # Last Resort covers every code point, which makes it slow to load (about a second):
    # it is loaded only when the text has characters DejaVu Sans lacks.
    covered = _code_points(pdf, FONT).intersection(_code_points(pdf, FONT + "B"))
    if any(ord(char) not in covered for text in texts for char in printable(text) if char != "\n"):
        pdf.add_font(FALLBACK_FONT, "", str(FONT_DIR / "LastResortHE-Regular.ttf"))
        fallbacks.append(FALLBACK_FONT)
    pdf.set_fallback_fonts(fallbacks, exact_match=False)


def _code_points(pdf: FPDF, key: str) -> set[int]:
    """The code points a font added with add_font (a TrueType font) has glyphs for."""
    font = pdf.fonts[key]
    if not isinstance(font, TTFFont):
        raise TypeError(f"{key} is a core PDF font, not one added from a TrueType file")
    return set(font.cmap)
