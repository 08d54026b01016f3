"""A bare python-telegram-bot bot, the floor bench/startup.py compares intake-bot's start-up
with: an Application with AIORateLimiter and one handler that echoes every text, run by long
polling until SIGINT or SIGTERM. It reads the same settings `intake-bot run` does from the
environment (TELEGRAM_BOT_TOKEN, and TELEGRAM_API_BASE_URL for a Bot API server other than
Telegram's) and nothing else: no database, no checks.

`polling(base_url, token, text)` runs the same kind of bot inside a benchmark's own process
(bench/load.py, bench/answering.py, bench/stalls.py): it answers every text with `text` at once.

Run: TELEGRAM_BOT_TOKEN=... [TELEGRAM_API_BASE_URL=...] .venv/bin/python bench/bare_bot.py
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat is not None and update.effective_message is not None:
        await context.bot.send_message(
            update.effective_chat.id, update.effective_message.text or ""
        )


@asynccontextmanager
async def polling(base_url: str, token: str, text: str) -> AsyncIterator[Application]:
    """A bare bot polling `base_url` while the block runs, answering every text with `text`."""

    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, text)

    application = (
        Application.builder()
        .token(token)
        .base_url(base_url)
        .rate_limiter(AIORateLimiter(max_retries=5))
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, reply))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0)
        yield application
        await application.updater.stop()
        await application.stop()


def main() -> None:
    builder = Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"])
    base_url = os.environ.get("TELEGRAM_API_BASE_URL")
    if base_url:
        builder = builder.base_url(base_url)
    application = builder.rate_limiter(AIORateLimiter()).build()
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.run_polling()


if __name__ == "__main__":
    main()
