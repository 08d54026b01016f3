"""Webhook mode from the command line: `intake-bot check` says which mode `run` will use and
whether webhook mode has what it needs; `intake-bot run --webhook` without its settings, or with
malformed ones, stops with one line naming the setting (exit 2, no traceback). Real processes,
on 127.0.0.1 only."""

from __future__ import annotations

import socket
from pathlib import Path

from cli_support import cli_env, finished, intake_bot, intake_bot_async, one_line, unused_port
from e2e_support import PROVIDER_CHAT_ID, TOKEN
from fake_bot_api import FakeBotAPI
from test_check import rows

SECRET = "a-webhook-secret-for-tests-0123456789"
URL = "https://bot.example-clinic.test/telegram-webhook"


def webhook_env(tmp_path: Path, fake: FakeBotAPI | None = None, **values: str) -> dict[str, str]:
    settings = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url if fake else f"http://127.0.0.1:{unused_port()}/bot",
        "WEBHOOK_URL": URL,
        "WEBHOOK_SECRET_TOKEN": SECRET,
        "WEBHOOK_LISTEN": f"127.0.0.1:{unused_port()}",
        **values,
    }
    return cli_env(tmp_path, **settings)


def refused(tmp_path: Path, *args: str, **values: str) -> str:
    result = intake_bot(tmp_path, "run", *args, env=webhook_env(tmp_path, **values))
    assert result.returncode == 2, result.stderr
    return one_line(result.stderr)


async def test_check_shows_webhook_mode_and_where_it_listens(tmp_path: Path) -> None:
    async with FakeBotAPI(token=TOKEN) as fake:
        fake.private_chat(chat_id=PROVIDER_CHAT_ID)
        env = webhook_env(tmp_path, fake, WEBHOOK_LISTEN="127.0.0.1:18443")
        _, out, err = await finished(await intake_bot_async(tmp_path, "check", env=env))
        assert not fake.calls_named("setWebhook", "deleteWebhook")  # check changes nothing
    result, detail = rows(out)["mode"]
    assert result == "ok", out + err
    assert detail == (
        f"webhook: Telegram posts to {URL}, passed to 127.0.0.1:18443 (health: /healthz); "
        "one process only"
    )
    assert SECRET not in out + err


async def test_check_warns_when_the_listening_port_is_taken(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        async with FakeBotAPI(token=TOKEN) as fake:
            fake.private_chat(chat_id=PROVIDER_CHAT_ID)
            env = webhook_env(tmp_path, fake, WEBHOOK_LISTEN=f"127.0.0.1:{port}")
            _, out, _ = await finished(await intake_bot_async(tmp_path, "check", env=env))
    result, detail = rows(out)["mode"]
    assert result == "warning"
    assert detail.startswith(f"WEBHOOK_LISTEN 127.0.0.1:{port} cannot be listened on (")


def test_check_fails_webhook_mode_without_a_secret(tmp_path: Path) -> None:
    env = webhook_env(tmp_path, WEBHOOK_SECRET_TOKEN="")
    result = intake_bot(tmp_path, "check", env=env)
    mode = rows(result.stdout)["mode"]
    assert mode[0] == "FAILED"
    assert mode[1].startswith("WEBHOOK_SECRET_TOKEN is not set: webhook mode needs it")


def test_run_webhook_without_a_url_is_one_line(tmp_path: Path) -> None:
    line = refused(tmp_path, "--webhook", WEBHOOK_URL="")
    assert line.startswith("intake-bot: WEBHOOK_URL is not set: webhook mode needs the HTTPS")


def test_run_in_webhook_mode_without_a_secret_is_one_line(tmp_path: Path) -> None:
    line = refused(tmp_path, WEBHOOK_SECRET_TOKEN="")
    assert line.startswith("intake-bot: WEBHOOK_SECRET_TOKEN is not set")


def test_malformed_webhook_settings_are_named_and_the_secret_never_shown(tmp_path: Path) -> None:
    line = refused(tmp_path, WEBHOOK_URL="http://bot.example-clinic.test/hook")
    assert line.startswith("intake-bot: WEBHOOK_URL must be the HTTPS address Telegram sends")
    line = refused(tmp_path, WEBHOOK_LISTEN="8443")
    assert line.startswith("intake-bot: WEBHOOK_LISTEN '8443' is not a host:port like")
    line = refused(tmp_path, WEBHOOK_SECRET_TOKEN="short secret!")
    assert line.startswith("intake-bot: WEBHOOK_SECRET_TOKEN must be 16 to 256 letters")
    assert "short secret" not in line


async def test_a_webhook_url_telegram_refuses_is_one_line(tmp_path: Path) -> None:
    async with FakeBotAPI(token=TOKEN) as fake:
        fake.private_chat(chat_id=PROVIDER_CHAT_ID)
        fake.webhook_refusal = "bad webhook: Failed to resolve host: Name or service not known"
        env = webhook_env(tmp_path, fake)
        status, _, stderr = await finished(await intake_bot_async(tmp_path, "run", env=env))
    assert status == 2
    assert one_line(stderr) == (
        f"intake-bot: Telegram refused WEBHOOK_URL {URL} (Bad webhook: failed to resolve host: "
        "name or service not known): it must be an HTTPS address on port 443, 80, 88 or 8443 "
        "with a valid certificate"
    )
