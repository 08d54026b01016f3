"""The `intake-bot` command line.

Usage:
    intake-bot run      # the Telegram bot, long polling, until Ctrl-C or SIGTERM
    intake-bot demo     # the same intake in this terminal: no Telegram, no token
    intake-bot invite --name "Jane D." --at "2026-12-03 15:00"   # a single-use link
    intake-bot appointment --patient "Jane D." --at "2026-12-10 09:30"
    intake-bot export --patient "Jane D." --format pdf   # or fhir, json; --intake <id>
    intake-bot export --questionnaire   # the FHIR Questionnaire the fhir exports answer
    intake-bot diagram  # rewrite flows/intake_machine.md, the Mermaid diagram of the intake
    intake-bot db upgrade   # after a backup: bring the database to the latest schema
    intake-bot db current   # the database's schema revision, and whether it is the latest
    intake-bot keys new     # a new DATA_ENCRYPTION_KEY
    intake-bot keys rotate  # re-encrypt everything stored with the newest key (counts only)

Settings come from the environment and .env (see .env.example). A missing or malformed
setting prints one line naming it and exits with status 2; so does a database whose schema
is behind (or was made by a newer intake-bot): `run` refuses to start on it, and without a
DATA_ENCRYPTION_KEY that reads the stored data.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from storage.crypto import KeyRingError
from storage.schema import SchemaError

USAGE_ERROR = 2
FAILED = 1


def parser() -> argparse.ArgumentParser:
    """Every command and its arguments."""
    root = argparse.ArgumentParser(
        prog="intake-bot",
        description="A Telegram chatbot that prepares patients for psychiatric medication visits.",
        epilog="Settings come from the environment and a .env file; see .env.example.",
    )
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "run",
        help="run the Telegram bot (long polling) until Ctrl-C or SIGTERM",
        description="Needs TELEGRAM_BOT_TOKEN and PROVIDER_CHAT_IDS (see .env.example).",
    )
    demo = commands.add_parser("demo", help="try the intake in this terminal")
    demo.add_argument(
        "--name", default="Demo Patient", help="the patient name shown to the provider"
    )
    _provider_commands(commands)
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
    keys = commands.add_parser("keys", help="the data encryption key: make one, or rotate")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    keys_commands.add_parser("new", help="print a new random DATA_ENCRYPTION_KEY")
    keys_commands.add_parser(
        "rotate",
        help="re-encrypt every stored value with the newest key in DATA_ENCRYPTION_KEY",
        description="List the new key first and the old ones after it (new,old), then run this.",
    )
    return root


def _provider_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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


def run(settings: Settings) -> int:
    """Run the bot with long polling until SIGINT or SIGTERM."""
    from bot.cli.db import check_before_run
    from bot.cli.keys import check_encryption_key
    from bot.telegram.runner import BotApiUnreachable, TokenRejected, run_polling

    settings.token()  # fail early and clearly when the token is missing
    settings.configure_encryption()  # ...or the data encryption key
    if not settings.provider_chat_ids:
        raise SettingsError(
            "PROVIDER_CHAT_IDS is empty: intakes and safety alerts would reach nobody; "
            "set the providers' Telegram chat ids"
        )
    check_before_run(settings.database_url)
    check_encryption_key(settings)
    try:
        run_polling(settings)
    except TokenRejected:
        raise SettingsError("TELEGRAM_BOT_TOKEN was rejected by the Bot API server") from None
    except BotApiUnreachable as error:
        print(f"intake-bot: cannot reach the Bot API server ({error})", file=sys.stderr)
        return FAILED
    return 0


def write_diagram(*, to_stdout: bool) -> int:
    from pathlib import Path

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
        return run(settings)
    if args.command == "keys":
        from bot.cli import keys

        return keys.rotate(settings)
    if args.command == "db":
        from bot.cli import db

        if settings.data_encryption_key is not None:
            settings.configure_encryption()  # a revision may encrypt or decrypt stored data
        return (
            db.upgrade(settings.database_url)
            if args.db_command == "upgrade"
            else db.current(settings.database_url)
        )
    if args.command in ("invite", "appointment", "export"):
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
    from bot.cli.demo import run_demo

    return run_demo(settings, patient_name=args.name)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "diagram":
        return write_diagram(to_stdout=args.stdout)
    if args.command == "keys" and args.keys_command == "new":
        from bot.cli import keys

        return keys.new()  # needs no settings: a broken .env must not stop making a key
    try:
        settings = load_settings()
        configure_logging(settings.log_level)
        return dispatch(args, settings)
    except (SettingsError, SchemaError, KeyRingError) as error:
        print(f"intake-bot: {error}", file=sys.stderr)
        return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
