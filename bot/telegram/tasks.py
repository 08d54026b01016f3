"""The one way the bot's background loops (dispatcher, inbox worker and poller, leadership)
are stopped: cancel the task and wait until it has really ended."""

from __future__ import annotations

import asyncio
import contextlib


async def cancel_and_wait(task: asyncio.Task[None] | None) -> None:
    """Cancel `task` (if any) and wait for it to finish its cancellation."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
