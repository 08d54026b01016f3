"""Where charts and PDFs are drawn: in a worker thread, with their renderers (matplotlib,
fpdf2) imported on first use, so the bot starts without them and no rendering runs on the event
loop itself.

A separate process would also spare other chats the rendering's share of the interpreter lock;
it was tried (a spawned ProcessPoolExecutor) and hung intermittently when the bot stopped under
load, so it is left for later (issue 9).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class RenderPool:
    """Runs bot.render.jobs functions off the event loop."""

    async def run(self, job: Callable[..., T], *args: Any) -> T:
        """`job(*args)` in a worker thread."""
        return await asyncio.to_thread(job, *args)


SHARED = RenderPool()
"""The renderer every sender uses."""
