"""The bot process's memory allocator, set before its threads start: fewer glibc heaps.

glibc gives each new thread a heap of its own, up to 8 per core, and memory freed in one stays
there. The bot's database threads (up to 32, bot.telegram.runner) mostly wait on the database,
and each kept a heap: about 2 to 4 MB more at start-up with 50,000 patients
(bench/startup.py). Two heaps are the common setting for such services (MALLOC_ARENA_MAX=2).
An operator's own setting (MALLOC_ARENA_MAX, or arena_max in GLIBC_TUNABLES) wins; with
another C library nothing changes.
"""

from __future__ import annotations

import ctypes
import os

M_ARENA_MAX = -8
"""glibc's mallopt parameter for the most heaps (malloc.h)."""
HEAPS = 2


def fewer_heaps() -> bool:
    """Limit the process to HEAPS heaps; whether it was done here."""
    if os.environ.get("MALLOC_ARENA_MAX") or "arena_max" in os.environ.get("GLIBC_TUNABLES", ""):
        return False  # glibc read it at start
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    return bool(mallopt(M_ARENA_MAX, HEAPS))
