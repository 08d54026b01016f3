"""Lets tests/render run on its own: test_pdf builds its intakes from tests/flows' answers.

Test modules are imported by file name with their own folder on sys.path, so
`from test_flows_compiled import ...` only worked when tests/flows had been collected first.
"""

from __future__ import annotations

import sys
from pathlib import Path

FLOWS_TESTS = str(Path(__file__).resolve().parent.parent / "flows")
if FLOWS_TESTS not in sys.path:
    sys.path.append(FLOWS_TESTS)
