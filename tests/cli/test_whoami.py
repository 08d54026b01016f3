"""`intake-bot whoami`: while the clinic sets up (no PROVIDER_CHAT_IDS yet, so `run` cannot
start), the bot answers /whoami and nothing else, prints each chat id on the terminal, opens no
database and stores nothing."""

from __future__ import annotations

import signal
from pathlib import Path

from cli_support import cli_env, finished, intake_bot_async
from e2e_support import TOKEN, plain
from fake_bot_api import FakeBotAPI

from bot.telegram.patient_handlers import GROUP_REFUSAL
from bot.telegram.setup import NOT_OPEN_YET


async def test_providers_find_their_chat_ids_before_the_bot_is_set_up(tmp_path: Path) -> None:
    async with FakeBotAPI(token=TOKEN) as fake:
        dana = fake.private_chat(chat_id=5_550_100_200, first_name="Dana", last_name="Rivera")
        lee = fake.private_chat(chat_id=6_660_100_300, first_name="Lee")
        group = fake.group_chat(chat_id=-5005, title="Front desk")
        env = cli_env(
            tmp_path,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=fake.base_url,
            PROVIDER_CHAT_IDS="",
        )
        process = await intake_bot_async(tmp_path, "whoami", env=env)
        first = await dana.send_command_and_wait("/whoami", timeout=60)
        other = await lee.send_text_and_wait("hello?")
        second = await lee.send_command_and_wait("/whoami")
        in_group = await group.send_command_and_wait("/whoami")
        process.send_signal(signal.SIGTERM)
        status, out, err = await finished(process)
    assert status == 0, err
    assert [plain(m) for m in first] == ["Your chat id: 5550100200"]
    assert [plain(m) for m in other] == [NOT_OPEN_YET]
    assert [plain(m) for m in second] == ["Your chat id: 6660100300"]
    assert [plain(m) for m in in_group] == [GROUP_REFUSAL]
    assert "open https://t.me/intake_test_bot in Telegram" in out
    assert "5550100200  Dana Rivera\n6660100300  Lee\n" in out
    assert out.rstrip().endswith("In .env: PROVIDER_CHAT_IDS=5550100200,6660100300")
    assert not (tmp_path / "data").exists()  # no database opened


async def test_risk_words_bring_the_crisis_resources_even_before_set_up(tmp_path: Path) -> None:
    async with FakeBotAPI(token=TOKEN) as fake:
        sam = fake.private_chat(chat_id=1818, first_name="Sam")
        env = cli_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=fake.base_url)
        process = await intake_bot_async(tmp_path, "whoami", env=env)
        reply = await sam.send_text_and_wait("i want to kill myself", timeout=60)
        process.send_signal(signal.SIGTERM)
        status, _, err = await finished(process)
    assert status == 0, err
    shown = [plain(m) for m in reply]
    assert "988" in shown[0] and shown[-1] == NOT_OPEN_YET
