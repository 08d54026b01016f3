"""Settings from the environment and a .env file, validated once at start-up."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from flows.fhir import DEFAULT_PATIENT_SYSTEM
from flows.schedule import ReminderPolicy
from storage import crypto
from storage.db import DEFAULT_DATABASE_URL
from storage.engine import CONNECTIONS

TELEGRAM_API = "https://api.telegram.org/bot"
LOG_FORMATS = ("plain", "json")
TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
"""A bot token as @BotFather gives it: the bot's number, a colon, then letters, digits, - and _."""
SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
"""A webhook secret Telegram accepts (1-256 of A-Z a-z 0-9 _ -), and long enough to guess: 16+."""
DEFAULT_WEBHOOK_LISTEN = "127.0.0.1:8443"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it and never echoes secrets."""


class Settings(BaseSettings):
    """Every setting the bot reads; .env.example documents each one."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    # One or more keys, comma-separated, newest first (storage.crypto); never shown anywhere.
    data_encryption_key: SecretStr | None = None
    telegram_api_base_url: str = TELEGRAM_API
    database_url: str = DEFAULT_DATABASE_URL
    # The most database connections one bot process opens, its locks' one included.
    database_connections: int = Field(default=CONNECTIONS, ge=4, le=500)
    provider_chat_ids: Annotated[tuple[int, ...], NoDecode] = ()
    clinic_name: str = Field(default="our clinic", min_length=1, max_length=100)
    clinic_timezone: str = "America/Chicago"
    log_level: str = "INFO"
    log_format: str = "plain"
    invite_ttl_days: int = Field(default=14, ge=1, le=365)
    intake_open_days: int = Field(default=3, ge=1, le=30)
    intake_reminder_hours: Annotated[tuple[int, ...], NoDecode] = (48, 24)
    appointment_reminder_time: str = "17:00"
    quiet_hours: str = "21:00-08:00"
    alert_repeat_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # Webhook mode (bot.telegram.webhook): the public HTTPS address Telegram posts updates to
    # (the reverse proxy's), where this process listens behind it, and the secret Telegram
    # sends back in a header with every update. Empty WEBHOOK_URL: long polling.
    webhook_url: str = ""
    webhook_listen: str = DEFAULT_WEBHOOK_LISTEN
    webhook_secret_token: SecretStr | None = None
    # A patient's data is purged this many days after their last visit; None (0 or empty): kept.
    retention_days: int | None = Field(default=365, ge=1, le=100 * 365)
    # The system of the patient identifier in FHIR exports: a URI the clinic controls.
    fhir_patient_identifier_system: str = Field(
        default=DEFAULT_PATIENT_SYSTEM, min_length=1, max_length=200, pattern=r"^\S+:\S+$"
    )

    @field_validator("provider_chat_ids", mode="before")
    @classmethod
    def _split_chat_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            try:
                return tuple(int(part) for part in parts)
            except ValueError:
                raise ValueError(
                    "must be comma-separated numeric chat ids, like 12345,-10067"
                ) from None
        return value

    @field_validator("intake_reminder_hours", mode="before")
    @classmethod
    def _split_hours(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                hours = tuple(int(part) for part in value.split(",") if part.strip())
            except ValueError:
                raise ValueError("must be comma-separated whole hours, like 48,24") from None
            if any(h <= 0 for h in hours):
                raise ValueError("must be positive hours, like 48,24")
            return hours
        return value

    @field_validator("retention_days", mode="before")
    @classmethod
    def _keep_forever(cls, value: object) -> object:
        """0 or an empty value: nothing is purged."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if str(value).strip() == "0":
            return None
        return value

    @field_validator("data_encryption_key")
    @classmethod
    def _keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        try:
            crypto.parse_keys(value.get_secret_value())
        except crypto.KeyRingError as error:
            # The message names the setting itself; pydantic's prefix would name it twice.
            raise ValueError(str(error).removeprefix(f"{crypto.SETTING} ")) from None
        return value

    @field_validator("appointment_reminder_time")
    @classmethod
    def _clock(cls, value: str) -> str:
        _clock_time(value)
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        start, _, end = value.partition("-")
        _clock_time(start)
        _clock_time(end)
        return value

    @model_validator(mode="after")
    def _policy_is_valid(self) -> Settings:
        try:
            self.reminder_policy()
        except ValueError as error:
            raise ValueError(f"INTAKE_REMINDER_HOURS or QUIET_HOURS: {error}") from None
        return self

    def reminder_policy(self) -> ReminderPolicy:
        """The reminder rules these settings describe."""
        start, _, end = self.quiet_hours.partition("-")
        return ReminderPolicy(
            intake_open_days=self.intake_open_days,
            intake_reminder_hours=self.intake_reminder_hours,
            appointment_reminder_time=_clock_time(self.appointment_reminder_time),
            quiet_start=_clock_time(start),
            quiet_end=_clock_time(end),
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.clinic_timezone)

    @field_validator("clinic_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a time zone name (for example America/Chicago)"
            ) from None
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("log_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        chosen = value.strip().lower()
        if chosen not in LOG_FORMATS:
            raise ValueError("must be plain or json")
        return chosen

    @field_validator("telegram_api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        value = value.strip()
        if value and not re.match(r"^https://[^/\s]+/\S*$", value):
            raise ValueError(
                "must be the HTTPS address Telegram sends updates to, like "
                "https://bot.example-clinic.org/telegram-webhook (or empty, for polling)"
            )
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        _host_port(value)
        return value.strip()

    @field_validator("webhook_secret_token")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if not SECRET_SHAPE.match(value.get_secret_value().strip()):
            raise ValueError(
                "must be 16 to 256 letters, digits, _ or - (make one with: "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return value

    @property
    def telegram_file_base_url(self) -> str:
        """The file-download base that goes with the Bot API base URL (…/bot -> …/file/bot)."""
        base = self.telegram_api_base_url
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base.rstrip("/") + "/file/bot"

    def token(self) -> str:
        """The bot token, or SettingsError naming the setting when it is missing."""
        if (
            self.telegram_bot_token is None
            or not self.telegram_bot_token.get_secret_value().strip()
        ):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put it in .env"
            )
        token = self.telegram_bot_token.get_secret_value().strip()
        if not TOKEN_SHAPE.match(token):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (a number, a colon, then "
                "letters and digits): copy it again from @BotFather"
            )
        return token

    @property
    def webhook_mode(self) -> bool:
        """Whether `intake-bot run` receives by webhook (WEBHOOK_URL set) instead of polling."""
        return bool(self.webhook_url)

    def webhook_path(self) -> str:
        """The path of WEBHOOK_URL: the one the listener serves updates on."""
        return urlsplit(self.webhook_url).path or "/"

    def listen_address(self) -> tuple[str, int]:
        """WEBHOOK_LISTEN as (host, port)."""
        return _host_port(self.webhook_listen)

    def webhook_secret(self) -> str:
        """What webhook mode needs, checked: the secret, or SettingsError naming the setting."""
        if not self.webhook_url:
            raise SettingsError(
                "WEBHOOK_URL is not set: webhook mode needs the HTTPS address of the reverse "
                "proxy that passes Telegram's updates here (see deploy/nginx-webhook.conf)"
            )
        if self.webhook_secret_token is None:
            raise SettingsError(
                "WEBHOOK_SECRET_TOKEN is not set: webhook mode needs it, so only Telegram can "
                "post updates; make one with: python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'"
            )
        return self.webhook_secret_token.get_secret_value().strip()

    def encryption_keys(self) -> tuple[bytes, ...]:
        """The data encryption keys, newest first, or SettingsError naming the setting when
        there is none."""
        if self.data_encryption_key is None:
            raise SettingsError(
                f"{crypto.SETTING} is not set: every answer is stored encrypted with it; make a "
                'key with "intake-bot keys new", put it in .env, and keep a copy apart from the '
                "database and its backups"
            )
        return crypto.parse_keys(self.data_encryption_key.get_secret_value())

    def configure_encryption(self) -> None:
        """Install the key ring storage encrypts with (SettingsError when there is no key)."""
        crypto.configure(self.encryption_keys())


def _clock_time(text: str) -> time:
    try:
        hours, minutes = (int(part) for part in text.strip().split(":"))
        return time(hours, minutes)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a 24-hour time like 21:00") from None


def _host_port(text: str) -> tuple[str, int]:
    host, _, port = text.strip().rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text.strip()!r} is not a host:port like {DEFAULT_WEBHOOK_LISTEN}")
    return host.strip("[]"), int(port)


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning validation errors into one line naming each bad setting."""
    try:
        return Settings(**overrides)
    except OSError as error:  # an .env file this user may not read
        name = Path(error.filename or ".env").name
        raise SettingsError(
            f"{name} in {Path.cwd()} cannot be read ({error.strerror}): let this user read it, "
            "or run intake-bot as the user that may"
        ) from None
    except ValidationError as error:
        problems = []
        for item in error.errors():
            message = item["msg"].removeprefix("Value error, ")
            # A check across several settings names them itself.
            problems.append(f"{str(item['loc'][0]).upper()} {message}" if item["loc"] else message)
        raise SettingsError("; ".join(problems)) from None
