"""The `intake-bot` command line.

Usage:
    intake-bot run      # the Telegram bot (polling, or webhook), until Ctrl-C or SIGTERM
    intake-bot check    # before patients arrive: settings, database, token, provider chats
    intake-bot whoami   # while setting up: answer /whoami so providers find their chat ids
    intake-bot demo     # the same intake in this terminal (its own database): no Telegram
    intake-bot demo --returning   # the demo patient comes back for the next visit
    intake-bot invite --name "Jane D." --at "2026-12-03 15:00"   # a single-use link
    intake-bot appointment --patient "Jane D." --at "2026-12-10 09:30"
    intake-bot export --patient "Jane D." --format pdf   # or fhir, json; --intake <id>
    intake-bot backup FILE      # a consistent copy of the database, while the bot runs
    intake-bot restore FILE     # put a backup back (see `intake-bot restore --help`)
    intake-bot export --questionnaire   # the FHIR Questionnaire the fhir exports answer
    intake-bot diagram  # rewrite flows/intake_machine.md, the Mermaid diagram of the intake
    intake-bot db upgrade   # after a backup: bring the database to the latest schema
    intake-bot db current   # the database's schema revision, and whether it is the latest
    intake-bot keys new     # a new DATA_ENCRYPTION_KEY
    intake-bot keys rotate  # re-encrypt everything stored with the newest key (counts only)
    intake-bot purge        # erase patients past RETENTION_DAYS now (the bot does it daily)
    intake-bot --version

Settings come from the environment and .env (see .env.example). Anything that stops a command
before it starts (a missing or malformed setting, a database that cannot be opened or whose
schema is behind, a token the Bot API refuses, a Bot API server that cannot be reached) prints
one line naming the setting or service and what to do, and exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from sqlalchemy.exc import DBAPIError

from bot.cli.checks import StartupError
from bot.cli.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from storage.connection import DatabaseUnavailable, describe
from storage.crypto import KeyRingError
from storage.schema import SchemaError

USAGE_ERROR = 2
FAILED = 1
DEMO_DATABASE_URL = "sqlite:///data/demo.db"


def version() -> str:
    """The installed package's version."""
    try:
        return metadata.version("intake-bot")
    except metadata.PackageNotFoundError:
        return "unknown (not installed: pip install -e .)"


def parser() -> argparse.ArgumentParser:
    """Every command and its arguments."""
    root = argparse.ArgumentParser(
        prog="intake-bot",
        description="A Telegram chatbot that prepares patients for psychiatric medication visits.",
        epilog="Settings come from the environment and a .env file; see .env.example.",
    )
    root.add_argument("--version", action="version", version=f"intake-bot {version()}")
    commands = root.add_subparsers(dest="command", required=True)
    run_command = commands.add_parser(
        "run",
        help="run the Telegram bot (long polling, or webhook) until Ctrl-C or SIGTERM",
        description="Needs TELEGRAM_BOT_TOKEN and PROVIDER_CHAT_IDS (see .env.example). "
        "Receives by webhook when WEBHOOK_URL is set (or with --webhook), else by long polling.",
    )
    run_command.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates by webhook (needs WEBHOOK_URL and WEBHOOK_SECRET_TOKEN)",
    )
    commands.add_parser(
        "check",
        help="check settings, database, token and provider chats; exit 0 when all pass",
        description="Sends nothing to anyone: asks the Bot API about the bot and each chat.",
    )
    commands.add_parser(
        "whoami",
        help="while setting up: answer /whoami only, so each provider can find their chat id",
        description="Needs only TELEGRAM_BOT_TOKEN. Prints each chat id asked for; Ctrl-C ends.",
    )
    _demo_command(commands)
    _provider_commands(commands)
    _backup_commands(commands)
    diagram = commands.add_parser("diagram", help="write the intake state machine as Mermaid")
    diagram.add_argument("--stdout", action="store_true", help="print instead of writing the file")
    db = commands.add_parser("db", help="the database schema: upgrade it, or show its revision")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser(
        "upgrade",
        help="bring the database to the latest schema (back it up first)",
        description="Runs the schema migrations the database has not had yet, one line each.",
    )
    db_commands.add_parser(
        "current", help="print the database's schema revision and whether it is the latest"
    )
    _keys_commands(commands)
    _purge_command(commands)
    return root


def _purge_command(commands: Commands) -> None:
    commands.add_parser(
        "purge",
        help="erase every patient last seen more than RETENTION_DAYS ago (counts only)",
        description="The running bot does this once a day; this is for cron, or a stopped bot.",
    )


def _keys_commands(commands: Commands) -> None:
    keys = commands.add_parser("keys", help="the data encryption key: make one, or rotate")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    keys_commands.add_parser("new", help="print a new random DATA_ENCRYPTION_KEY")
    keys_commands.add_parser(
        "rotate",
        help="re-encrypt every stored value with the newest key in DATA_ENCRYPTION_KEY",
        description="List the new key first and the old ones after it (new,old), then run this.",
    )


if TYPE_CHECKING:
    Commands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


def _demo_command(commands: Commands) -> None:
    demo = commands.add_parser(
        "demo",
        help="try the intake in this terminal (its own database, never the clinic's)",
        description="Run it again to continue a paused intake. The demo never uses DATABASE_URL.",
    )
    demo.add_argument(
        "--name",
        default="Demo Patient",
        help="the patient's name shown to the provider; each name is its own demo patient",
    )
    demo.add_argument(
        "--returning",
        action="store_true",
        help="the patient comes back for the next visit after a submitted demo intake",
    )
    demo.add_argument(
        "--database",
        default=DEMO_DATABASE_URL,
        help=f"where the demo keeps its answers (default: {DEMO_DATABASE_URL})",
    )


def _provider_commands(commands: Commands) -> None:
    invite = commands.add_parser("invite", help="invite a patient: prints a single-use link")
    invite.add_argument(
        "--name", required=True, help='the patient\'s name or initials, e.g. "Jane D."'
    )
    invite.add_argument("--at", help='the appointment, e.g. "2026-12-03 15:00" (clinic time zone)')
    invite.add_argument(
        "--username", help="the bot's username, to make the link without asking Telegram"
    )
    appointment = commands.add_parser(
        "appointment", help="set or move a patient's next appointment"
    )
    appointment.add_argument("--patient", required=True, help='a name given at invite, or "#id"')
    appointment.add_argument("--at", required=True, help='e.g. "2026-12-10 09:30"')
    export = commands.add_parser(
        "export",
        help="write a submitted intake as PDF, FHIR or JSON, or the FHIR Questionnaire",
        description="Either --patient and --format, or --questionnaire.",
    )
    export.add_argument("--patient", help='a name given at invite, or "#id"')
    export.add_argument("--intake", type=int, help="the intake id (default: the latest)")
    export.add_argument("--format", choices=("pdf", "fhir", "json"))
    export.add_argument(
        "--questionnaire",
        action="store_true",
        help="write the FHIR Questionnaire the intakes' FHIR exports answer",
    )
    export.add_argument("--output", help="the file to write (default: intake-<id>.<format>)")


def _backup_commands(commands: Commands) -> None:
    backup = commands.add_parser(
        "backup",
        help="write a consistent copy of the database to FILE (safe while the bot runs)",
        description="SQLite: a one-file copy made with SQLite's backup API. PostgreSQL: pg_dump "
        "(custom format), or the exact command when pg_dump is not installed.",
    )
    backup.add_argument("file", type=Path, help="a new file, e.g. backups/intake-2026-12-01.db")
    restore = commands.add_parser(
        "restore",
        help="put a backup back into the database (stop the bot first)",
        description="SQLite: refused while the bot runs; a database that has tables is replaced "
        "only with --replace, and is kept beside it first. PostgreSQL: restores into an empty "
        "database, or prints the exact pg_restore command for one that has tables.",
    )
    restore.add_argument("file", type=Path, help="a file made by intake-bot backup")
    restore.add_argument(
        "--replace",
        action="store_true",
        help="replace a SQLite database that has tables (it is copied aside first)",
    )


@contextmanager
def telegram_failures() -> Iterator[None]:
    """A refused token or an unreachable Bot API server, met after the checks: one line."""
    from bot.cli.checks import unreachable_line
    from bot.telegram.runner import BotApiUnreachable, TokenRejected
    from bot.telegram.webhook import WebhookRefused

    try:
        yield
    except TokenRejected:
        raise SettingsError("TELEGRAM_BOT_TOKEN was rejected by the Bot API server") from None
    except BotApiUnreachable as error:
        raise StartupError(unreachable_line(error)) from None
    except WebhookRefused as error:
        raise StartupError(str(error)) from None


def run(settings: Settings, *, webhook: bool = False) -> int:
    """Check everything `run` needs, then run the bot until SIGINT or SIGTERM: by webhook with
    --webhook or when WEBHOOK_URL is set, by long polling otherwise."""
    from bot.cli.checks import before_start
    from bot.cli.memory import fewer_heaps
    from bot.cli.running import claim
    from bot.telegram.runner import run_bot

    fewer_heaps()  # before any thread starts

    webhook = webhook or settings.webhook_mode
    if webhook:
        settings.webhook_secret()  # WEBHOOK_URL and WEBHOOK_SECRET_TOKEN, or one line
    settings.configure_encryption()  # without a usable key nothing starts
    before_start(settings)
    # Claimed once the database is known to be one: a lock file is never made beside another.
    with claim(settings.database_url), telegram_failures():
        run_bot(settings, webhook=webhook)
    return 0


def whoami(settings: Settings) -> int:
    """Answer /whoami until Ctrl-C, printing each chat id asked for."""
    from bot.telegram.runner import bot_username, run_whoami

    asked: dict[int, str] = {}

    def seen(chat_id: int, name: str) -> None:
        if chat_id not in asked:
            asked[chat_id] = name
            print(f"{chat_id}  {name}", flush=True)

    with telegram_failures():
        username = bot_username(settings)
        print(
            f"Ask each provider to open https://t.me/{username} in Telegram, press Start and "
            "send /whoami.\nTheir chat ids appear below (and in their chat). Ctrl-C when done.",
            flush=True,
        )
        run_whoami(settings, seen)
    if asked:
        print(f"\nIn .env: PROVIDER_CHAT_IDS={','.join(str(chat_id) for chat_id in asked)}")
    return 0


def write_diagram(*, to_stdout: bool) -> int:
    from flows.machine import DIAGRAM_PATH, diagram_document

    if to_stdout:
        print(diagram_document(), end="")
    else:
        Path(DIAGRAM_PATH).write_text(diagram_document(), encoding="utf-8")
        print(f"wrote {DIAGRAM_PATH}")
    return 0


def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    """Run the command `args` names, with the settings read."""
    if args.command == "run":
        return run(settings, webhook=args.webhook)
    if args.command == "whoami":
        return whoami(settings)
    if args.command == "db":
        from bot.cli import db

        if settings.data_encryption_key is not None:
            settings.configure_encryption()  # a revision may encrypt or decrypt stored data
        return (
            db.upgrade(settings.database_url)
            if args.db_command == "upgrade"
            else db.current(settings.database_url)
        )
    if args.command == "keys":
        from bot.cli import keys

        return keys.rotate(settings)
    if args.command == "purge":
        from bot.cli.purge import purge

        return purge(settings)
    if args.command in ("invite", "appointment", "export"):
        return _provider_command(args, settings)
    if args.command in ("backup", "restore"):
        from bot.cli import backup

        if args.command == "backup":
            return backup.run_backup(settings, args.file)
        return backup.run_restore(settings, args.file, replace=args.replace)
    from bot.cli.demo import run_demo

    return run_demo(
        settings.model_copy(update={"database_url": args.database}),
        patient_name=args.name,
        returning=args.returning,
    )


def _provider_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli import providers

    settings.configure_encryption()
    if args.command == "invite":
        return providers.invite(settings, args.name, args.at, args.username)
    if args.command == "export" and args.questionnaire:
        return providers.export_questionnaire(args.output)
    if args.command == "export":
        if not (args.patient and args.format):
            raise SettingsError("export needs --patient and --format, or --questionnaire")
        return providers.export(settings, args.patient, args.intake, args.format, args.output)
    return providers.appointment(settings, args.patient, args.at)


def database_setting(args: argparse.Namespace) -> str:
    """The setting that names the database the command opens."""
    return "--database" if args.command == "demo" else "DATABASE_URL"


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "diagram":
        return write_diagram(to_stdout=args.stdout)
    if args.command == "check":
        from bot.cli.check import check

        return check()
    if args.command == "keys" and args.keys_command == "new":
        from bot.cli import keys

        return keys.new()  # needs no settings: a broken .env must not stop making a key
    settings: Settings | None = None
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        return dispatch(args, settings)
    except (SettingsError, SchemaError, StartupError, KeyRingError) as error:
        print(f"intake-bot: {error}", file=sys.stderr)
    except DatabaseUnavailable as error:
        print(f"intake-bot: {database_setting(args)}: {error}", file=sys.stderr)
    except DBAPIError as error:  # the database went away, or never answered
        assert settings is not None
        url = args.database if args.command == "demo" else settings.database_url
        print(f"intake-bot: {database_setting(args)}: {describe(url, error)}", file=sys.stderr)
    return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
