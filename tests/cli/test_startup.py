"""Every way `intake-bot run` can fail to start is one line naming the setting or service and
what to do, with exit status 2 and no traceback: bad settings, a database that cannot be
reached, does not exist or cannot be created, a schema that is behind, a malformed or rejected
token, a Bot API server that cannot be reached, provider chats the bot cannot reach, and a
second bot on the same database. Real processes, on 127.0.0.1 only."""

from __future__ import annotations

import signal
from pathlib import Path

from cli_support import cli_env, finished, intake_bot, intake_bot_async, one_line, unused_port
from e2e_support import PROVIDER_CHAT_ID, TOKEN
from fake_bot_api import FakeBotAPI
from sqlalchemy.engine import make_url

from bot.cli.running import claim
from storage import schema

NOWHERE = f"http://127.0.0.1:{unused_port()}/bot"
"""A Bot API address where nothing listens: a bot that got past the check it is testing would
stop here, with a different line."""


def refused(tmp_path: Path, **settings: str) -> str:
    values = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": NOWHERE, **settings}
    result = intake_bot(tmp_path, "run", env=cli_env(tmp_path, **values))
    assert result.returncode == 2, result.stderr
    return one_line(result.stderr)


def test_a_malformed_setting_is_named(tmp_path: Path) -> None:
    line = refused(tmp_path, QUIET_HOURS="late")
    assert line.startswith("intake-bot: QUIET_HOURS") and "24-hour time like 21:00" in line


def test_a_malformed_token_is_named_even_when_the_bot_api_cannot_be_reached(
    tmp_path: Path,
) -> None:
    line = refused(tmp_path, TELEGRAM_BOT_TOKEN="paste the token here")
    assert line == (
        "intake-bot: TELEGRAM_BOT_TOKEN does not look like a bot token (a number, a colon, then "
        "letters and digits): copy it again from @BotFather"
    )
    assert "paste" not in line  # the setting is named, its value never shown


def test_a_postgresql_server_that_does_not_answer(tmp_path: Path) -> None:
    port = unused_port()
    line = refused(tmp_path, DATABASE_URL=f"postgresql+psycopg://intake:SECRET@127.0.0.1:{port}/x")
    assert line == (
        f"intake-bot: DATABASE_URL: cannot open PostgreSQL at 127.0.0.1:{port}: nothing answers "
        "there (connection refused): start PostgreSQL, or correct the host and port"
    )
    assert "SECRET" not in line


def test_a_postgresql_database_that_does_not_exist(
    tmp_path: Path, postgres_schema_url: str
) -> None:
    server = make_url(postgres_schema_url)
    missing = server.set(database="intake_no_such_database", query={})
    line = refused(tmp_path, DATABASE_URL=missing.render_as_string(hide_password=False))
    assert line == (
        f"intake-bot: DATABASE_URL: cannot open PostgreSQL at {server.host}:{server.port or 5432}:"
        ' the database "intake_no_such_database" does not exist: create it (createdb '
        "intake_no_such_database) or correct the name"
    )


def test_a_sqlite_folder_that_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the folder should be")
    line = refused(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'data' / 'intake.db'}")
    assert line == (
        f"intake-bot: DATABASE_URL: cannot create the folder {tmp_path / 'data'} for the SQLite "
        "database (a file of that name is in the way): create it and let the bot's user write "
        "to it, or point the setting at another file"
    )


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n" * 200)
    line = refused(tmp_path, DATABASE_URL=f"sqlite:///{notes}")
    assert line.startswith(
        f"intake-bot: DATABASE_URL: {notes} is not an intake-bot SQLite database"
    )
    assert line.endswith("point the setting at the right file, or restore a backup")


def test_a_schema_that_is_behind_keeps_its_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'intake.db'}"
    (tmp_path / "data").mkdir()
    schema.upgrade(url, schema.BASELINE)
    line = refused(tmp_path, DATABASE_URL=url)
    assert line == (
        f"intake-bot: the database schema is behind (0001, latest {schema.head_revision()}): "
        'back it up, then run "intake-bot db upgrade"'
    )


def test_a_bot_api_server_that_cannot_be_reached(tmp_path: Path) -> None:
    line = refused(tmp_path)
    assert line.startswith(f"intake-bot: cannot reach the Bot API server {NOWHERE[:-4]} (")
    assert line.endswith("check this machine's internet access, or TELEGRAM_API_BASE_URL")
    assert TOKEN.split(":")[1] not in line


async def test_a_token_the_bot_api_rejects(tmp_path: Path) -> None:
    async with FakeBotAPI(token=TOKEN) as fake:
        env = cli_env(tmp_path, TELEGRAM_BOT_TOKEN="999:WRONG", TELEGRAM_API_BASE_URL=fake.base_url)
        status, _, stderr = await finished(await intake_bot_async(tmp_path, "run", env=env))
    assert status == 2
    assert one_line(stderr).startswith("intake-bot: TELEGRAM_BOT_TOKEN was rejected by the Bot API")


async def test_no_provider_chat_the_bot_can_reach_refuses_to_start(tmp_path: Path) -> None:
    async with FakeBotAPI(token=TOKEN) as fake:  # the provider never opened the bot
        env = cli_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=fake.base_url)
        status, _, stderr = await finished(await intake_bot_async(tmp_path, "run", env=env))
        assert not fake.calls_named("sendMessage", "getUpdates")
    assert status == 2
    assert one_line(stderr) == (
        f"intake-bot: PROVIDER_CHAT_IDS: chat {PROVIDER_CHAT_ID} cannot be reached (Chat not "
        "found): the provider must open the bot and send /start once, or correct the id (/whoami)"
    )


async def test_one_unreachable_provider_chat_among_others_is_a_warning(tmp_path: Path) -> None:
    async with FakeBotAPI(token=TOKEN) as fake:
        fake.private_chat(chat_id=PROVIDER_CHAT_ID, first_name="Dana")
        env = cli_env(
            tmp_path,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=fake.base_url,
            PROVIDER_CHAT_IDS=f"{PROVIDER_CHAT_ID},4040",
        )
        process = await intake_bot_async(tmp_path, "run", env=env)
        assert await fake.wait_until(lambda: bool(fake.calls_named("getUpdates")), timeout=60)
        process.send_signal(signal.SIGTERM)
        status, _, stderr = await finished(process)
    assert status == 0, stderr
    assert "WARNING bot.cli.checks: PROVIDER_CHAT_IDS: chat 4040 cannot be reached" in stderr


async def test_a_second_bot_on_the_same_sqlite_database_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'intake.db'}"
    async with FakeBotAPI(token=TOKEN) as fake:
        fake.private_chat(chat_id=PROVIDER_CHAT_ID)
        env = cli_env(
            tmp_path,
            DATABASE_URL=url,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=fake.base_url,
        )
        with claim(url):  # this test process plays the bot that is already running
            status, _, stderr = await finished(await intake_bot_async(tmp_path, "run", env=env))
        assert not fake.calls_named("getUpdates")
    assert status == 2
    line = one_line(stderr)
    assert line.startswith(f"intake-bot: another intake-bot is already running on {tmp_path}")
    assert line.endswith("stop it first")


def test_no_lock_file_is_made_beside_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n")
    refused(tmp_path, DATABASE_URL=f"sqlite:///{notes}")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]
