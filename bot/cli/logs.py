"""Logging for every command: the level from LOG_LEVEL, and the libraries that would log patient
data or secrets held quiet at any level."""

from __future__ import annotations

import logging


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # transitions logs every state change at INFO: noise, and a trace of a patient's path.
    logging.getLogger("transitions").setLevel(logging.WARNING)
    # At DEBUG, python-telegram-bot logs the token in the API URL, every update and every message
    # sent, and APScheduler names each job (reminder keys carry ids and timing): never below these.
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLogger().level))
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Alembic logs each revision it runs; `intake-bot db upgrade` prints them itself.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # fontTools (fpdf2's font subsetting) logs the glyph names of every PDF it makes at INFO:
    # "edieresis", "uniFE91"... spell out the patient's text.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
