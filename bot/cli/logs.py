"""Logging for every command: the level from LOG_LEVEL, the shape from LOG_FORMAT (plain text,
or one JSON object per line for a log collector), time stamps with their UTC offset in both,
and the libraries that would log patient data or secrets held quiet at any level."""

from __future__ import annotations

import json
import logging
from datetime import datetime

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def timestamp(record: logging.LogRecord) -> str:
    """When the record was made, in the server's time zone with its offset, to the millisecond:
    2026-03-08T01:59:59.120-06:00."""
    moment = datetime.fromtimestamp(record.created).astimezone()
    return moment.isoformat(timespec="milliseconds")


class PlainFormatter(logging.Formatter):
    """One line per record (plus a traceback's lines), starting with a zone-aware time stamp."""

    def __init__(self) -> None:
        super().__init__(PLAIN_FORMAT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return timestamp(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and a traceback if any. A message
    of several lines stays on one line (JSON escapes the line breaks)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, log_format: str = "plain") -> None:
    """Send every record to standard error (the journal, under systemd) in the chosen shape."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else PlainFormatter())
    logging.basicConfig(level=level, handlers=[handler])
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
    # Drawing a chart or a PDF makes thousands of DEBUG records about fonts and images: LOG_LEVEL
    # DEBUG is for intake-bot's own records.
    for library in ("matplotlib", "fontTools", "fpdf", "PIL"):
        logging.getLogger(library).setLevel(max(logging.WARNING, logging.getLogger().level))
