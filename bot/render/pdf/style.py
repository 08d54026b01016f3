"""The PDF's look in numbers: page geometry, type sizes and line heights, colours, keep rules.

Lengths are millimetres, sizes points, colours RGB.
"""

from __future__ import annotations

# US Letter, portrait, millimetres: the clinics are in the US.
PAGE_FORMAT = "letter"
SIDE_MARGIN = 18.0
TOP_MARGIN = 16.0
BOTTOM_GAP = 9.0  # below the footer
FOOTER_SIZE = 7.0
FOOTER_LINE = 3.1

BODY_SIZE = 10.0
BODY_LINE = 5.0
TABLE_SIZE = 9.0
TABLE_LINE = 4.3
TABLE_PADDING = (1.3, 1.6)  # vertical, horizontal
SECTION_SIZE = 12.5
TITLE_SIZE = 18.0

Colour = tuple[int, int, int]

INK: Colour = (20, 20, 20)
MUTED: Colour = (90, 90, 90)
NAVY: Colour = (31, 78, 156)  # the chart's mood colour
FLAG_RED: Colour = (178, 24, 43)  # the chart's visit colour
FLAG_FILL: Colour = (253, 236, 234)
WHITE: Colour = (255, 255, 255)
RULE: Colour = (185, 185, 185)
HEADING_FILL: Colour = (232, 236, 243)

CHART_WIDTH_SHARE = 0.9

NOTHING = "—"
KEEP_TOGETHER = 45.0
"""Tables up to this height (mm) are not split across pages; a longer one starts on the page of
its heading only when its headings and first two rows fit there."""
KEEP_ROWS = 2
