"""Proves that tests/fake_bot_api.py behaves like the Bot API for a real PTB Application."""

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from fake_bot_api import FakeBotAPI
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

TOKEN = "123456:TEST-TOKEN"
REPORT_BYTES = b"visit summary\nmood: ok\n"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    row = [InlineKeyboardButton(label, callback_data=label.lower()) for label in ("Yes", "No")]
    keyboard = InlineKeyboardMarkup([row])
    args = " ".join(context.args or [])
    await update.effective_message.reply_text(f"echo: /start {args}".strip(), reply_markup=keyboard)


async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_document(
        InputFile(REPORT_BYTES, filename="summary.txt"), caption="Your summary"
    )


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer("Noted")
    await query.edit_message_text(f"You chose {query.data}")


async def sticker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text("Nice sticker")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.bot_data.setdefault("seen", []).append(
        (update.update_id, update.effective_chat.type, update.effective_message.text)
    )
    await update.effective_message.reply_text(f"You said: {update.effective_message.text}")


def build_app(fake: FakeBotAPI, token: str = TOKEN) -> Application:
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("report", report))
    app.add_handler(CallbackQueryHandler(button))
    app.add_handler(MessageHandler(filters.Sticker.ALL, sticker))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(token=TOKEN) as server:
        yield server


@pytest.fixture
async def app(fake: FakeBotAPI) -> AsyncIterator[Application]:
    application = build_app(fake)
    await application.initialize()
    await application.start()
    await application.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


async def test_get_me_identifies_the_bot(fake: FakeBotAPI, app: Application) -> None:
    assert app.bot.username == "intake_test_bot"
    assert app.bot.id == 123456
    assert fake.calls[0].method == "getMe"
    assert fake.calls_named("deleteWebhook"), "the updater bootstraps by deleting the webhook"


async def test_start_command_gets_echo_reply_with_keyboard(
    fake: FakeBotAPI, app: Application
) -> None:
    chat = fake.private_chat(chat_id=1001, first_name="Ana", last_name="P.")

    replies = await chat.send_command_and_wait("/start")

    assert [m.text for m in replies] == ["echo: /start"]
    assert chat.last_text == "echo: /start"
    assert chat.buttons() == ["Yes", "No"]
    sent = fake.calls_named("sendMessage")[-1]
    assert sent.params["chat_id"] == 1001
    assert sent.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "yes"


async def test_command_arguments_and_entity(fake: FakeBotAPI, app: Application) -> None:
    chat = fake.private_chat()

    update = await chat.send_command("/start abc")
    replies = await chat.wait_for_reply()

    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert replies[0].text == "echo: /start abc"


async def test_button_press_answers_query_and_edits_message(
    fake: FakeBotAPI, app: Application
) -> None:
    chat = fake.private_chat()
    await chat.send_command_and_wait("/start")
    original = chat.last_message
    assert original is not None

    replies = await chat.press_and_wait("Yes")

    assert replies == [original]
    assert original.text == "You chose yes"
    assert [v.text for v in original.history] == ["echo: /start", "You chose yes"]
    assert original.reply_markup is None, "editMessageText without markup drops the keyboard"
    assert chat.callback_answers[0]["text"] == "Noted"
    methods = [c.method for c in fake.calls if c.method != "getUpdates"]
    assert methods[-2:] == ["answerCallbackQuery", "editMessageText"]
    with pytest.raises(AssertionError, match="No bot message with an inline keyboard"):
        await chat.press("Yes")


async def test_press_unknown_button_lists_available_ones(
    fake: FakeBotAPI, app: Application
) -> None:
    chat = fake.private_chat()
    await chat.send_command_and_wait("/start")

    with pytest.raises(AssertionError, match=r"'Yes' \(callback_data='yes'\)"):
        await chat.press("Maybe")
    await chat.press("no")  # callback_data works too
    assert (await chat.wait_for())[0].text == "You chose no"


async def test_sticker_reaches_sticker_handler(fake: FakeBotAPI, app: Application) -> None:
    chat = fake.private_chat()

    update = await chat.send_sticker()
    replies = await chat.wait_for_reply()

    assert update["message"]["sticker"]["type"] == "regular"
    assert [m.text for m in replies] == ["Nice sticker"]


async def test_group_chat_messages_have_group_type(fake: FakeBotAPI, app: Application) -> None:
    group = fake.group_chat(chat_id=-2001, title="Some group", user_id=1001)

    replies = await group.send_text_and_wait("hello group")

    assert group.updates[0]["message"]["chat"]["type"] == "group"
    assert replies[0].chat == {"id": -2001, "type": "group", "title": "Some group"}
    assert group.last_text == "You said: hello group"
    assert app.bot_data["seen"] == [(group.updates[0]["update_id"], "group", "hello group")]


async def test_bot_upload_is_recorded_with_bytes(fake: FakeBotAPI, app: Application) -> None:
    chat = fake.private_chat()

    replies = await chat.send_command_and_wait("/report")

    document = replies[0]
    assert document.media == "document"
    assert document.caption == "Your summary"
    assert document.file is not None
    assert document.file.data == REPORT_BYTES
    assert document.file.file_name == "summary.txt"
    assert fake.uploads[-1].data == REPORT_BYTES
    photo = await app.bot.send_photo(chat.chat_id, photo=b"\x89PNG fake", caption="pic")
    assert photo.photo[-1].file_size == len(b"\x89PNG fake")
    assert chat.last_message is not None
    assert chat.last_message.file is not None
    assert chat.last_message.file.data == b"\x89PNG fake"


async def test_user_files_can_be_downloaded(fake: FakeBotAPI, app: Application) -> None:
    chat = fake.private_chat()
    update = await chat.send_document(b"lab results", file_name="labs.pdf")

    file = await app.bot.get_file(update["message"]["document"]["file_id"])

    assert bytes(await file.download_as_bytearray()) == b"lab results"


async def test_get_chat_describes_known_chats_and_refuses_others_as_telegram_does(
    fake: FakeBotAPI,
) -> None:
    fake.private_chat(chat_id=4242, first_name="Dana", last_name="Rivera")
    removed = fake.group_chat(chat_id=-3003, title="Front desk")
    removed.bot_removed = True
    application = build_app(fake)
    await application.initialize()
    try:
        chat = await application.bot.get_chat(4242)
        assert (chat.id, chat.type, chat.full_name) == (4242, "private", "Dana Rivera")
        with pytest.raises(BadRequest, match="Chat not found"):
            await application.bot.get_chat(777)
        with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
            await application.bot.get_chat(-3003)
    finally:
        await application.shutdown()

    assert [(c.method, c.status) for c in fake.calls_named("getChat")] == [
        ("getChat", 200),
        ("getChat", 400),
        ("getChat", 403),
    ]
    assert not fake.calls_named("sendMessage", "sendChatAction")


async def test_wrong_token_is_unauthorized(fake: FakeBotAPI) -> None:
    application = build_app(fake, token="999:WRONG")

    with pytest.raises(InvalidToken):
        await application.initialize()

    assert [(c.method, c.status) for c in fake.calls] == [("getMe", 401)]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_limit_gives_429_and_retry_after(fake: FakeBotAPI) -> None:
    fake.flood_limit_per_second = 2
    fake.flood_retry_after = 3
    chat = fake.private_chat()
    application = build_app(fake)
    await application.initialize()
    try:
        await application.bot.send_message(chat.chat_id, "one")
        await application.bot.send_message(chat.chat_id, "two")
        with pytest.raises(RetryAfter) as raised:
            await application.bot.send_message(chat.chat_id, "three")
        assert raised.value.retry_after in (3, dt.timedelta(seconds=3))
    finally:
        await application.shutdown()

    assert fake.rejected_429 == 1
    assert [c.status for c in fake.calls_named("sendMessage")] == [200, 200, 429]
    assert [m.text for m in chat.messages] == ["one", "two"]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_faults_fail_the_nth_call_of_one_chat_with_an_error_or_429(fake: FakeBotAPI) -> None:
    chat, other = fake.private_chat(chat_id=1001), fake.private_chat(chat_id=1002)
    refused = fake.fail(method="sendMessage", chat_id=1001, skip=1, times=1)
    busy = fake.fail(method="sendDocument", kind="retry_after", retry_after=4, times=None)
    application = build_app(fake)
    await application.initialize()
    try:
        await application.bot.send_message(chat.chat_id, "one")
        with pytest.raises(NetworkError):  # a 500 reaches PTB as a network error
            await application.bot.send_message(chat.chat_id, "two")
        await application.bot.send_message(other.chat_id, "elsewhere")
        await application.bot.send_message(chat.chat_id, "three")
        for _ in range(2):
            with pytest.raises(RetryAfter) as raised:
                await application.bot.send_document(chat.chat_id, REPORT_BYTES)
            assert raised.value.retry_after in (4, dt.timedelta(seconds=4))
    finally:
        await application.shutdown()

    assert (refused.hits, busy.hits) == (1, 2)
    assert [m.text for m in chat.messages] == ["one", "three"]
    assert [c.status for c in fake.calls_named("sendMessage")] == [200, 500, 200, 200]


async def test_a_lost_answer_delivers_the_message_but_the_bot_sees_a_network_error(
    fake: FakeBotAPI,
) -> None:
    chat = fake.private_chat()
    fake.fail(method="sendMessage", kind="lost")
    accepted: list[str] = []
    fake.on_accepted = lambda call: accepted.append(call.method)
    application = build_app(fake)
    await application.initialize()
    try:
        with pytest.raises(NetworkError):
            await application.bot.send_message(chat.chat_id, "arrives unconfirmed")
        await application.bot.send_message(chat.chat_id, "confirmed")
    finally:
        await application.shutdown()

    assert [m.text for m in chat.messages] == ["arrives unconfirmed", "confirmed"]
    assert [c.status for c in fake.calls_named("sendMessage")] == [0, 200]
    assert accepted == ["getMe", "sendMessage", "sendMessage"]


async def test_unknown_method_json_body_and_query_string(fake: FakeBotAPI) -> None:
    chat = fake.private_chat()
    url = f"{fake.base_url}{TOKEN}"
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{url}/noSuchMethod") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
        payload = {"chat_id": chat.chat_id, "text": "json", "reply_markup": markup}
        async with session.post(f"{url}/sendMessage", json=payload) as response:
            body = await response.json()
            assert body["ok"] is True
            assert body["result"]["reply_markup"] == markup
        async with session.get(f"{url}/sendMessage?chat_id={chat.chat_id}&text=42") as response:
            assert (await response.json())["result"]["text"] == "42"
        async with session.get(f"{url}/sendMessage?chat_id=777&text=x") as response:
            assert response.status == 400
    assert [m.text for m in chat.messages] == ["json", "42"]


async def test_get_updates_long_polls_and_honours_offset(fake: FakeBotAPI) -> None:
    chat = fake.private_chat()
    application = build_app(fake)
    await application.initialize()
    bot = application.bot
    try:
        started = time.monotonic()
        assert await bot.get_updates(timeout=0) == ()
        assert time.monotonic() - started < 0.5

        async def send_later() -> None:
            await asyncio.sleep(0.1)
            await chat.send_text("hi")

        sender = asyncio.create_task(send_later())
        started = time.monotonic()
        updates = await bot.get_updates(timeout=3)
        await sender
        assert time.monotonic() - started < 1.5, "long poll returns as soon as an update arrives"
        assert [u.message.text for u in updates] == ["hi"]

        second = await chat.send_text("again")
        again = await bot.get_updates(timeout=0)
        assert [u.update_id for u in again] == [updates[0].update_id, second["update_id"]]
        confirmed = await bot.get_updates(offset=second["update_id"], timeout=0, limit=1)
        assert [u.message.text for u in confirmed] == ["again"]
        assert await bot.get_updates(offset=second["update_id"] + 1, timeout=0) == ()
    finally:
        await application.shutdown()


async def test_deliver_again_redelivers_the_same_update(fake: FakeBotAPI, app: Application) -> None:
    chat = fake.private_chat()
    update = await chat.send_text("only once please")
    await chat.wait_for_reply()

    await fake.deliver_again(update)
    replies = await chat.wait_for_reply()

    assert [m.text for m in replies] == ["You said: only once please"]
    ids = [seen[0] for seen in app.bot_data["seen"]]
    assert ids == [update["update_id"], update["update_id"]]


async def test_edits_that_change_nothing_are_rejected(fake: FakeBotAPI, app: Application) -> None:
    chat = fake.private_chat()
    message = await app.bot.send_message(chat.chat_id, "same")

    with pytest.raises(BadRequest, match="Message is not modified"):
        await app.bot.edit_message_text("same", chat_id=chat.chat_id, message_id=message.message_id)
    await app.bot.delete_message(chat.chat_id, message.message_id)
    assert chat.messages == []
    assert chat.all_messages[0].deleted


async def test_wait_for_times_out_with_recent_messages(fake: FakeBotAPI, app: Application) -> None:
    chat = fake.private_chat()
    await chat.send_text_and_wait("first")

    with pytest.raises(AssertionError, match="You said: first"):
        await chat.wait_for(count=1, timeout=0.2)
    await chat.send_text("second")
    await chat.wait_for(lambda c: c.last_text == "You said: second", timeout=2)


async def test_silence_can_be_asserted(fake: FakeBotAPI, app: Application) -> None:
    chat = fake.private_chat()
    await chat.send_voice()  # no handler for voice notes

    assert await chat.wait_for_reply(expect_activity=False) == []
    with pytest.raises(AssertionError, match="made no API call"):
        await chat.wait_for_reply(timeout=0.3)
