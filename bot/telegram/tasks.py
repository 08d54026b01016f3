"""The one way the bot's background loops (dispatcher, inbox worker and poller, leadership)
are stopped: cancel the task and wait until it has really ended; and how they idle."""

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


async def wait_for_wake(wake: asyncio.Event, seconds: float) -> None:
    """Until `wake` is set or `seconds` have passed.

    Not asyncio.wait_for: on Python 3.11 it returns normally when the event is set just as the
    task is cancelled, swallowing the cancellation, and the loop would then never stop."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await wake.wait()
