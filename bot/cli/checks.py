"""The start-up checks: what `intake-bot run` verifies before it starts, and what
`intake-bot check` shows as a table, from the same list.

Each check is a function that takes a `CheckContext` and returns `Finding`s (one table row
each). A failed finding's detail is one line naming the setting or service and what to do;
`intake-bot run` prints the first one and exits with status 2, and logs warnings. Adding a
check is one function and one line in `CHECKS`; for example a key that must be set and
valid:

    def encryption_key(context: CheckContext) -> list[Finding]:
        problem = ...  # None, or "DATA_ENCRYPTION_KEY is not set: ..."
        if problem:
            return [Finding("encryption key", Status.FAIL, problem)]
        return [Finding("encryption key", Status.PASS, "set")]

The function's name, with spaces for underscores, names its row while the settings cannot
be read.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.settings import Settings, SettingsError
from storage import schema
from storage.connection import DatabaseUnavailable, describe, where
from storage.db import probe
from storage.schema import SchemaError, SchemaStatus

if TYPE_CHECKING:
    from bot.telegram.runner import ChatReach

log = logging.getLogger(__name__)


class Status(StrEnum):
    PASS = "ok"
    WARN = "warning"
    FAIL = "FAILED"
    SKIP = "not checked"


@dataclass(frozen=True)
class Finding:
    """One row of the table: what was checked, how it went, and one line of detail."""

    subject: str
    status: Status
    detail: str


class StartupError(Exception):
    """A check failed before start: the message is the finding's one line."""


@dataclass(frozen=True)
class CheckContext:
    """What the checks share: the settings, and whether to prepare (create an empty database's
    tables, as `run` does) or only look (`intake-bot check`)."""

    settings: Settings
    prepare: bool


Check = Callable[[CheckContext], list[Finding]]


def required_settings(context: CheckContext) -> list[Finding]:
    """Where the settings were read from, and the ones `run` cannot do without."""
    env_file = Path.cwd() / ".env"
    source = f"{env_file} and the environment" if env_file.is_file() else "the environment"
    problems = []
    try:
        context.settings.token()
    except SettingsError as error:
        problems.append(str(error))
    if not context.settings.provider_chat_ids:
        problems.append(
            "PROVIDER_CHAT_IDS is empty: intakes and safety alerts would reach nobody; set the "
            "providers' Telegram chat ids (to find them: intake-bot whoami)"
        )
    if problems and not env_file.is_file():
        problems.append(
            f"there is no .env in {Path.cwd()}: run intake-bot in the folder that holds it "
            "(for the service, its WorkingDirectory)"
        )
    if problems:
        return [Finding("settings", Status.FAIL, problem) for problem in problems]
    return [Finding("settings", Status.PASS, f"read from {source}")]


def database(context: CheckContext) -> list[Finding]:
    """DATABASE_URL opens, and its schema is the latest (an empty one: created by `run`)."""
    url = context.settings.database_url
    shown = where(make_url(url))
    try:
        if not probe(url, create=context.prepare):
            return [Finding("database", Status.PASS, f"{shown}: not made yet; `run` creates it")]
        if context.prepare:
            from bot.cli.db import check_before_run

            check_before_run(url)
        status, revision = schema.state(url)
    except DatabaseUnavailable as error:
        return [Finding("database", Status.FAIL, f"DATABASE_URL: {error}")]
    except DBAPIError as error:
        return [Finding("database", Status.FAIL, f"DATABASE_URL: {describe(url, error)}")]
    except SchemaError as error:
        return [Finding("database", Status.FAIL, str(error))]
    problem = schema.problem(status, revision)
    if problem is not None:
        return [Finding("database", Status.FAIL, problem)]
    if status is SchemaStatus.EMPTY:
        return [Finding("database", Status.PASS, f"{shown}: empty; `run` creates the tables")]
    return [Finding("database", Status.PASS, f"{shown}: schema {revision} (the latest)")]


def telegram(context: CheckContext) -> list[Finding]:
    """The token is accepted (getMe), and each provider chat can be reached (getChat)."""
    from bot.telegram.runner import BotApiUnreachable, TokenRejected, probe_bot_api, server_name

    settings = context.settings
    chat_ids = settings.provider_chat_ids
    try:
        settings.token()
    except SettingsError:
        return [
            Finding("bot token", Status.SKIP, "needs TELEGRAM_BOT_TOKEN"),
            *_unchecked(chat_ids),
        ]
    try:
        report = probe_bot_api(settings, chat_ids)
    except TokenRejected:
        line = (
            f"TELEGRAM_BOT_TOKEN was rejected by the Bot API server ({server_name(settings)}): "
            "copy the token again from @BotFather"
        )
        return [Finding("bot token", Status.FAIL, line), *_unchecked(chat_ids)]
    except BotApiUnreachable as error:
        return [Finding("Bot API", Status.FAIL, unreachable_line(error)), *_unchecked(chat_ids)]
    token = Finding("bot token", Status.PASS, f"accepted: @{report.username} ({report.name})")
    return [token, *_provider_chats(report.chats)]


def unreachable_line(error: Exception) -> str:
    """What to do when the Bot API server cannot be reached (`error` names it and why)."""
    return (
        f"cannot reach the Bot API server {error}: check this machine's internet access, or "
        "TELEGRAM_API_BASE_URL"
    )


def _unchecked(chat_ids: tuple[int, ...]) -> list[Finding]:
    return [
        Finding(f"provider chat {chat_id}", Status.SKIP, "needs a working token and Bot API")
        for chat_id in chat_ids
    ]


def _provider_chats(reaches: tuple[ChatReach, ...]) -> list[Finding]:
    """A chat the bot cannot reach fails when no provider can be reached (alerts would reach
    nobody) and is a warning otherwise: the others still receive everything."""
    anyone = any(reach.reachable for reach in reaches)
    findings = []
    for reach in reaches:
        subject = f"provider chat {reach.chat_id}"
        if reach.reachable:
            findings.append(Finding(subject, Status.PASS, f"reachable: {reach.detail}"))
            continue
        line = (
            f"PROVIDER_CHAT_IDS: chat {reach.chat_id} cannot be reached ({reach.detail}): the "
            "provider must open the bot and send /start once, or correct the id (/whoami)"
        )
        findings.append(Finding(subject, Status.WARN if anyone else Status.FAIL, line))
    return findings


def encryption_key(context: CheckContext) -> list[Finding]:
    """DATA_ENCRYPTION_KEY is set, well formed, and reads what is stored."""
    from bot.cli.keys import check_encryption_key
    from storage.crypto import KeyRingError

    try:
        context.settings.configure_encryption()
        url = context.settings.database_url
        if not probe(url, create=False) or schema.check(url) is SchemaStatus.EMPTY:
            return [Finding("encryption key", Status.PASS, "set; nothing is stored yet")]
        check_encryption_key(context.settings)
    except (SettingsError, KeyRingError) as error:
        return [Finding("encryption key", Status.FAIL, str(error))]
    except (DatabaseUnavailable, DBAPIError, SchemaError):
        detail = "needs a database that opens, with the latest schema"
        return [Finding("encryption key", Status.SKIP, detail)]
    return [Finding("encryption key", Status.PASS, "set, and it reads the stored data")]


def time_zone(context: CheckContext) -> list[Finding]:
    """CLINIC_TIMEZONE, with the time there now, so a wrong zone is seen at a glance."""
    zone = context.settings.zone
    now = datetime.now(UTC).astimezone(zone)
    offset = now.strftime("%z")
    shown = f"{now:%a %d %b %Y, %H:%M} {now.tzname()} (UTC{offset[:3]}:{offset[3:]})"
    return [Finding("time zone", Status.PASS, f"{zone.key}: now {shown}")]


def mode(context: CheckContext) -> list[Finding]:
    """What `run` will do: long polling (no incoming connections), or with WEBHOOK_URL set,
    webhook mode: the secret is set and the listening address is free."""
    settings = context.settings
    if not settings.webhook_mode:
        return [
            Finding("mode", Status.PASS, "polling: the bot asks Telegram for updates; no open port")
        ]
    try:
        settings.webhook_secret()
    except SettingsError as error:
        return [Finding("mode", Status.FAIL, str(error))]
    host, port = settings.listen_address()
    busy = _port_problem(host, port)
    if busy is not None:
        line = (
            f"WEBHOOK_LISTEN {host}:{port} cannot be listened on ({busy}): stop what uses it "
            "(a bot already running?) or choose another port, and point the proxy at it"
        )
        return [Finding("mode", Status.FAIL if context.prepare else Status.WARN, line)]
    one_process = "" if settings.database_url.startswith("postgresql") else "; one process only"
    detail = (
        f"webhook: Telegram posts to {settings.webhook_url}, passed to {host}:{port} "
        f"(health: /healthz){one_process}"
    )
    return [Finding("mode", Status.PASS, detail)]


def _port_problem(host: str, port: int) -> str | None:
    """Why nothing could listen on host:port now, or None when it could."""
    try:
        with socket.create_server((host, port)):
            return None
    except OSError as error:
        return error.strerror or type(error).__name__


CHECKS: tuple[Check, ...] = (
    required_settings,
    database,
    encryption_key,
    telegram,
    time_zone,
    mode,
)
"""In the order `run` meets them: the database before Telegram, so a schema that is behind
is named even when the Bot API cannot be reached."""


def run_checks(loaded: Settings, *, prepare: bool) -> list[Finding]:
    """Every check's findings, in order."""
    context = CheckContext(loaded, prepare)
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(context))
    return findings


def before_start(loaded: Settings) -> None:
    """What `run` does first: StartupError with the first failure's line; warnings logged."""
    context = CheckContext(loaded, prepare=True)
    for check in CHECKS:
        for finding in check(context):
            if finding.status is Status.FAIL:
                raise StartupError(finding.detail)
            if finding.status is Status.WARN:
                log.warning("%s", finding.detail)
