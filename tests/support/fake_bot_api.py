"""A fake Telegram Bot API server for end-to-end tests of the intake bot.

The fake is a small aiohttp web server bound to ``127.0.0.1`` on a free port. A real
python-telegram-bot ``Application`` talks to it over HTTP exactly as it would talk to
``api.telegram.org``, so tests exercise the real handlers, the real request encoding and the
real long-polling loop, with no network access::

    async with FakeBotAPI(token=TOKEN) as fake:
        app = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(fake.base_url)            # PTB appends the token: .../bot<TOKEN>/<method>
            .base_file_url(fake.base_file_url)  # .../file/bot<TOKEN>/<file_path>
            .build()
        )
        ...  # app.initialize(); app.start(); app.updater.start_polling(poll_interval=0, timeout=1)
        chat = fake.private_chat(chat_id=1001, first_name="Ana")
        replies = await chat.send_command_and_wait("/start")
        assert replies[0].text == "Welcome"
        await chat.press("Yes")

Tests play the patient: a ``FakeChat`` enqueues realistic updates (text, commands, stickers,
photos, voice notes, documents, button presses) that the bot receives through ``getUpdates``,
and shows what the bot sent to that chat, with edits and deletions applied.

How "send and wait for the reply" works (``FakeChat.wait_for_reply`` and the ``*_and_wait``
helpers): the server cannot see when a handler finishes, so it waits until

1. the update was *delivered*: a ``getUpdates`` response carrying it was written to a live
   connection, and
2. the bot made at least one API call other than ``getUpdates`` after that delivery
   (``expect_activity=False`` drops this condition, to assert that the bot stays silent), and
3. the bot then made no call other than ``getUpdates`` for ``quiet`` seconds (default 0.15).

PTB asks for the next batch of updates as soon as it has queued the previous one, not once
the handler is done, so "the next getUpdates call arrived" says nothing about the handler;
hence the quiet period. A handler that pauses longer than ``quiet`` between two sends needs a
larger ``quiet`` or an explicit ``chat.wait_for(count=...)``.

Behaviour copied from Telegram because bots get it wrong in production:

* ``editMessageText``/``editMessageCaption`` without ``reply_markup`` remove the inline
  keyboard; an edit that changes nothing fails with "400 Bad Request: message is not modified".
* Messages returned to the bot carry ``reply_markup`` only for inline keyboards (reply
  keyboards are recorded on the message but not echoed, as in the real API).
* Unknown chats give "400 Bad Request: chat not found" (``getChat`` included: it is how a bot
  checks a chat id without sending anything), a missing ``chat_id`` "400 Bad Request: chat_id
  is empty"; ``chat.blocked = True`` makes sends fail with "403 Forbidden: bot was blocked by
  the user"; ``chat.bot_removed = True`` (a group the bot was removed from) makes every call
  on the chat, ``getChat`` too, fail with "403 Forbidden: bot was kicked from the group chat".
* Updates stay pending until confirmed by a later ``getUpdates`` with a higher ``offset``.
* ``allowed_updates`` is recorded but not applied.
* Webhooks: ``setWebhook`` records the URL and secret; while one is set ``getUpdates`` fails
  with 409 Conflict. Telegram would post to the webhook URL (the clinic's reverse proxy); a test
  names the addresses behind it with ``deliver_by_webhook(targets)``: each update is then posted
  (with the secret header) to a target chosen at random, sometimes to two at once, and posted
  again after any answer but 200, until one answers 200; the update counts as delivered then.

Faults, as a flaky network or Telegram gives them (``fake.fail(...)``, see ``Fault``): a call
refused with an error (500 by default, or any code and description), refused with 429 and a
``retry_after``, or *lost*: Telegram accepts the call (the message is in the chat) and the
answer never reaches the bot (the connection is closed without a response), or *hung*: Telegram
never answers and never takes the call (the bot's request waits until it gives up, or its
process ends; a process killed meanwhile sent nothing). A fault can target
one method, one chat, calls matching a predicate, the Nth matching call (``skip``) and a number
of calls (``times``, ``None`` for every one). ``on_accepted`` is called for every call Telegram
accepted, before the answer is written: a test can stop the bot there, losing the answer.
"""

import asyncio
import contextlib
import itertools
import json
import random
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import ClientError, ClientSession, ClientTimeout, web
from aiohttp.web_request import FileField

JSONDict = dict[str, Any]
ChatPredicate = Callable[["FakeChat"], bool]
EventKind = Literal["sent", "edited", "deleted"]

DEFAULT_TOKEN = "123456:TEST-TOKEN"
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
DEFAULT_QUIET = 0.15
DEFAULT_TIMEOUT = 5.0

# A 1x1 transparent PNG and a minimal Ogg header, so uploads look like real files.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
TINY_OGG = b"OggS\x00\x02" + bytes(20)

# Form fields whose values are plain strings; every other form value is JSON-decoded
# (PTB sends str values as-is and json.dumps() everything else: ints, bools, dicts, lists).
_STRING_FIELDS = frozenset(
    {
        "text", "caption", "parse_mode", "callback_query_id", "action", "inline_message_id",
        "url", "language_code", "emoji", "description", "short_description", "name", "title",
        "query_id", "business_connection_id", "message_effect_id", "file_id", "secret_token",
        "ip_address", "photo", "document", "voice", "audio", "video", "animation", "sticker",
        "thumbnail", "filename", "question", "address", "phone_number", "first_name",
        "last_name",
    }
)  # fmt: skip

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": ..., ...}``."""

    def __init__(self, code: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def response(self) -> web.Response:
        body: JSONDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return web.json_response(body, status=self.code)


FaultKind = Literal["error", "retry_after", "lost", "hang"]


@dataclass
class Fault:
    """Calls the fake fails on purpose (see the module docstring); ``hits`` counts them."""

    method: str | None = None  # e.g. "sendDocument"; None: every method but getUpdates
    chat_id: int | None = None
    when: Callable[["ApiCall"], bool] | None = None
    skip: int = 0  # let this many matching calls through first: skip=1 fails the 2nd
    times: int | None = 1  # how many calls to fail; None: every matching call, for good
    kind: FaultKind = "error"
    code: int = 500
    description: str = "Internal Server Error"
    retry_after: int = 1
    seen: int = 0
    hits: int = 0

    def matches(self, call: "ApiCall") -> bool:
        if self.method is not None and call.method.lower() != self.method.lower():
            return False
        if self.method is None and call.method.lower() == "getupdates":
            return False
        if self.chat_id is not None and str(call.params.get("chat_id")) != str(self.chat_id):
            return False
        return self.when is None or self.when(call)

    def fires(self, call: "ApiCall") -> bool:
        """Whether this call fails (counted once per matching call)."""
        if not self.matches(call):
            return False
        self.seen += 1
        if self.seen <= self.skip or (self.times is not None and self.hits >= self.times):
            return False
        self.hits += 1
        return True

    def error(self) -> "ApiError":
        if self.kind == "retry_after":
            wait = self.retry_after
            return ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        return ApiError(self.code, self.description)


@dataclass
class UploadedFile:
    """One multipart file part of a request, exactly as the bot uploaded it."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class StoredFile:
    """A file known to the fake: uploaded by the bot, sent by a user, or given by URL."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None
    url: str | None = None

    @property
    def file_path(self) -> str:
        return f"files/{self.file_id}"


@dataclass
class ApiCall:
    """One HTTP request the bot made: method name as requested and decoded parameters."""

    method: str
    params: JSONDict
    files: dict[str, UploadedFile]
    status: int = 200
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class MessageVersion:
    """The content of a bot message at one point in time."""

    text: str | None
    caption: str | None
    parse_mode: str | None
    reply_markup: JSONDict | None
    edit_date: int | None


@dataclass
class BotMessage:
    """A message the bot sent to a chat, in its current state (edits applied).

    ``history`` holds every version, oldest first; the last one is the current content.
    """

    message_id: int
    chat: JSONDict
    date: int
    text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    reply_markup: JSONDict | None = None
    file: StoredFile | None = None
    media: Literal["photo", "document"] | None = None
    edit_date: int | None = None
    deleted: bool = False
    history: list[MessageVersion] = field(default_factory=list)

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"])

    @property
    def content(self) -> str | None:
        """The text, or the caption for media messages."""
        return self.text if self.text is not None else self.caption

    @property
    def edited(self) -> bool:
        return len(self.history) > 1

    @property
    def inline_keyboard(self) -> list[list[JSONDict]]:
        return list((self.reply_markup or {}).get("inline_keyboard") or [])

    def buttons(self) -> list[str]:
        """Labels of the inline keyboard buttons, flattened row by row."""
        return [button.get("text", "") for row in self.inline_keyboard for button in row]

    def find_button(self, label_or_data: str) -> JSONDict | None:
        """The inline button whose label, or failing that callback_data, equals the argument."""
        flat = [button for row in self.inline_keyboard for button in row]
        for key in ("text", "callback_data"):
            for button in flat:
                if button.get(key) == label_or_data:
                    return button
        return None

    def snapshot(self) -> MessageVersion:
        return MessageVersion(
            self.text, self.caption, self.parse_mode, self.reply_markup, self.edit_date
        )

    def to_api(self, sender: JSONDict) -> JSONDict:
        """The Message object as the Bot API returns it."""
        data: JSONDict = {
            "message_id": self.message_id,
            "from": sender,
            "chat": self.chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.text is not None:
            data["text"] = self.text
        if self.caption is not None:
            data["caption"] = self.caption
        if self.file is not None and self.media is not None:
            data.update(_media_payload(self.media, self.file))
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup
        return data

    def describe(self) -> str:
        state = " (deleted)" if self.deleted else ""
        kind = f"[{self.media}] " if self.media else ""
        buttons = f" buttons={self.buttons()}" if self.inline_keyboard else ""
        return f"#{self.message_id}{state} {kind}{self.content!r}{buttons}"


@dataclass
class ChatEvent:
    """Something the bot did to a chat: sent, edited or deleted a message."""

    kind: EventKind
    message: BotMessage
    at: float = field(default_factory=time.monotonic)


@dataclass
class _Envelope:
    """An update waiting in the fake's queue, with its delivery state."""

    update: JSONDict
    forced: bool = False
    delivered_at: float | None = None
    activity_mark: int = 0

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])


def _media_payload(media: str, file: StoredFile) -> JSONDict:
    ids = {"file_id": file.file_id, "file_unique_id": file.file_unique_id}
    size = len(file.data)
    if media == "photo":
        return {"photo": [{**ids, "width": 1, "height": 1, "file_size": size}]}
    document: JSONDict = {**ids, "file_size": size}
    if file.file_name:
        document["file_name"] = file.file_name
    if file.mime_type:
        document["mime_type"] = file.mime_type
    return {"document": document}


def _decode_form_value(name: str, value: str) -> Any:
    if name in _STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def _read_params(request: web.Request) -> tuple[JSONDict, dict[str, UploadedFile]]:
    """Decode query string plus a JSON, urlencoded or multipart body."""
    params: JSONDict = {k: _decode_form_value(k, v) for k, v in request.query.items()}
    files: dict[str, UploadedFile] = {}
    if not request.can_read_body:
        return params, files
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
        return params, files
    for name, value in (await request.post()).items():
        if isinstance(value, FileField):
            data = value.file.read()
            files[name] = UploadedFile(name, value.filename, value.content_type, data)
        else:
            params[name] = _decode_form_value(name, str(value))
    return params, files


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _now() -> int:
    return int(time.time())


class FakeChat:
    """A chat seen from the user's side: send things to the bot, read what it sent back."""

    def __init__(self, api: "FakeBotAPI", chat: JSONDict, user: JSONDict) -> None:
        self.api = api
        self.chat = chat
        self.user = user
        self.blocked = False
        self.bot_removed = False
        self.events: list[ChatEvent] = []
        self.all_messages: list[BotMessage] = []
        self.updates: list[JSONDict] = []
        self.callback_answers: list[JSONDict] = []
        self.chat_actions: list[str] = []
        self.keyboard: list[str] = []
        self._message_ids = itertools.count(1)
        self._cursor = 0
        self._last_envelope: _Envelope | None = None

    # ----------------------------------------------------------------- reading the chat

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"])

    @property
    def type(self) -> str:
        return str(self.chat["type"])

    @property
    def messages(self) -> list[BotMessage]:
        """The bot's messages in this chat that were not deleted, in current state."""
        return [message for message in self.all_messages if not message.deleted]

    @property
    def last_message(self) -> BotMessage | None:
        return self.messages[-1] if self.messages else None

    @property
    def last_text(self) -> str | None:
        """Text (or caption) of the bot's latest message in this chat."""
        last = self.last_message
        return last.content if last else None

    def buttons(self, message: BotMessage | None = None) -> list[str]:
        """Inline button labels of ``message`` or of the latest message with a keyboard."""
        target = message or self._latest_with_keyboard()
        return target.buttons() if target else []

    def message(self, message_id: int) -> BotMessage | None:
        return next((m for m in self.all_messages if m.message_id == message_id), None)

    # ----------------------------------------------------------------- acting as the user

    async def send_text(self, text: str) -> JSONDict:
        return self._send_user_message({"text": text})

    async def send_command(self, command: str) -> JSONDict:
        """Send e.g. ``"/start"`` or ``"/start abc"`` with a bot_command entity."""
        if not command.startswith("/"):
            command = f"/{command}"
        name = command.split(maxsplit=1)[0]
        entity = {"type": "bot_command", "offset": 0, "length": _utf16_len(name)}
        return self._send_user_message({"text": command, "entities": [entity]})

    async def send_sticker(self, emoji: str = "👍") -> JSONDict:
        file = self.api.store_file(TINY_PNG, mime_type="image/webp", prefix="sticker")
        sticker = {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._send_user_message({"sticker": sticker})

    async def send_photo(self, data: bytes = TINY_PNG, caption: str | None = None) -> JSONDict:
        file = self.api.store_file(data, mime_type="image/jpeg", prefix="photo")
        return self._send_user_message(_with_caption(_media_payload("photo", file), caption))

    async def send_voice(self, data: bytes = TINY_OGG, duration: int = 2) -> JSONDict:
        file = self.api.store_file(data, mime_type="audio/ogg", prefix="voice")
        voice = {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        return self._send_user_message({"voice": voice})

    async def send_document(
        self,
        data: bytes = b"%PDF-1.4 fake\n",
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
    ) -> JSONDict:
        file = self.api.store_file(data, file_name=file_name, mime_type=mime_type, prefix="doc")
        return self._send_user_message(_with_caption(_media_payload("document", file), caption))

    async def send_contact(self, phone_number: str = "+10000000000") -> JSONDict:
        contact = {
            "phone_number": phone_number,
            "first_name": self.user["first_name"],
            "user_id": self.user["id"],
        }
        return self._send_user_message({"contact": contact})

    async def press(self, label_or_data: str, message: BotMessage | None = None) -> JSONDict:
        """Press an inline button by label (or callback_data) and enqueue the callback_query.

        Uses ``message`` or else the latest non-deleted bot message with an inline keyboard.
        """
        target = message or self._latest_with_keyboard()
        if target is None:
            raise AssertionError(
                f"No bot message with an inline keyboard in chat {self.chat_id}.\n"
                f"{self.describe_recent()}"
            )
        button = target.find_button(label_or_data)
        if button is None or "callback_data" not in button:
            available = [
                f"{b.get('text')!r} (callback_data={b.get('callback_data')!r})"
                for row in target.inline_keyboard
                for b in row
            ]
            reason = "not found" if button is None else "has no callback_data"
            raise AssertionError(
                f"Button {label_or_data!r} {reason} on message {target.describe()}.\n"
                f"Available buttons: {', '.join(available) or 'none'}"
            )
        query = {
            "id": self.api.new_callback_query_id(self),
            "from": self.user,
            "chat_instance": f"instance-{self.chat_id}",
            "message": target.to_api(self.api.bot_user),
            "data": button["callback_data"],
        }
        return self._enqueue({"callback_query": query})

    async def press_data(self, data: str, message: BotMessage) -> JSONDict:
        """A callback query with any ``data``, as a forged or outdated client could send."""
        query = {
            "id": self.api.new_callback_query_id(self),
            "from": self.user,
            "chat_instance": f"instance-{self.chat_id}",
            "message": message.to_api(self.api.bot_user),
            "data": data,
        }
        return self._enqueue({"callback_query": query})

    # ----------------------------------------------------------------- waiting for the bot

    async def wait_for(
        self,
        predicate: ChatPredicate | None = None,
        count: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> list[BotMessage]:
        """Wait until the bot sent/edited/deleted ``count`` messages here since the last
        action or wait (default 1), and/or until ``predicate(chat)`` holds (both must hold
        when both are given). Returns the touched messages in current state, deduplicated.
        """
        if predicate is None and count is None:
            count = 1

        def done() -> bool:
            enough = count is None or len(self.events) - self._cursor >= count
            return enough and (predicate is None or predicate(self))

        if not await self.api.wait_until(done, timeout):
            wanted = f"{count} new message(s)/edit(s)" if count else "the predicate"
            raise AssertionError(
                f"Timed out after {timeout}s waiting for {wanted} in chat {self.chat_id}; "
                f"got {len(self.events) - self._cursor}.\n{self.describe_recent()}"
            )
        return self._take_new()

    async def wait_for_reply(
        self,
        quiet: float = DEFAULT_QUIET,
        timeout: float = DEFAULT_TIMEOUT,
        expect_activity: bool = True,
    ) -> list[BotMessage]:
        """Wait until the bot has handled the last update sent from this chat.

        Criterion (see the module docstring): the update was delivered by getUpdates, the bot
        then made at least one other API call (unless ``expect_activity`` is False), and then
        stayed idle for ``quiet`` seconds. Returns this chat's messages sent, edited or deleted
        since the action, in current state and deduplicated (may be empty, e.g. when the bot
        only answered a callback query).
        """
        envelope = self._last_envelope
        if envelope is None:
            raise AssertionError("wait_for_reply() needs a preceding send_*/press action")
        problem = await self.api.wait_quiet(envelope, quiet, timeout, expect_activity)
        if problem:
            raise AssertionError(f"{problem} (chat {self.chat_id}).\n{self.describe_recent()}")
        # Quiet, but nothing here yet: on a loaded machine the reply may still be on its way
        # (the bot answered the button press, then went quiet while sending). Give it until
        # the timeout to write to this chat, then wait for quiet again.
        nothing_yet = expect_activity and len(self.events) == self._cursor
        if nothing_yet and await self.api.wait_until(
            lambda: len(self.events) > self._cursor, timeout
        ):
            await self.api.wait_quiet(envelope, quiet, timeout, expect_activity)
        return self._take_new()

    async def send_text_and_wait(self, text: str, **wait: Any) -> list[BotMessage]:
        await self.send_text(text)
        return await self.wait_for_reply(**wait)

    async def send_command_and_wait(self, command: str, **wait: Any) -> list[BotMessage]:
        await self.send_command(command)
        return await self.wait_for_reply(**wait)

    async def press_and_wait(
        self, label_or_data: str, message: BotMessage | None = None, **wait: Any
    ) -> list[BotMessage]:
        await self.press(label_or_data, message)
        return await self.wait_for_reply(**wait)

    def describe_recent(self, limit: int = 8) -> str:
        recent = self.all_messages[-limit:]
        lines = [f"  {message.describe()}" for message in recent] or ["  (none)"]
        return f"Bot messages in chat {self.chat_id} (latest last):\n" + "\n".join(lines)

    # ----------------------------------------------------------------- used by the server

    def record_sent(self, message: BotMessage) -> None:
        self.all_messages.append(message)
        self._update_reply_keyboard(message.reply_markup)
        self._record("sent", message)

    def record_edited(self, message: BotMessage) -> None:
        self._record("edited", message)

    def record_deleted(self, message: BotMessage) -> None:
        self._record("deleted", message)

    def next_message_id(self) -> int:
        return next(self._message_ids)

    def set_last_envelope(self, envelope: _Envelope) -> None:
        self._last_envelope = envelope
        self._cursor = len(self.events)

    # ----------------------------------------------------------------- internals

    def _record(self, kind: EventKind, message: BotMessage) -> None:
        self.events.append(ChatEvent(kind, message))
        self.api.notify()

    def _update_reply_keyboard(self, markup: JSONDict | None) -> None:
        if not markup:
            return
        if "keyboard" in markup:
            self.keyboard = [
                button if isinstance(button, str) else button.get("text", "")
                for row in markup["keyboard"]
                for button in row
            ]
        elif markup.get("remove_keyboard"):
            self.keyboard = []

    def _latest_with_keyboard(self) -> BotMessage | None:
        return next((m for m in reversed(self.messages) if m.inline_keyboard), None)

    def _send_user_message(self, content: JSONDict) -> JSONDict:
        message = {
            "message_id": self.next_message_id(),
            "from": self.user,
            "chat": self.chat,
            "date": _now(),
            **content,
        }
        return self._enqueue({"message": message})

    def _enqueue(self, update: JSONDict) -> JSONDict:
        envelope = self.api.enqueue_envelope(update)
        self.updates.append(envelope.update)
        self.set_last_envelope(envelope)
        return envelope.update

    def _take_new(self) -> list[BotMessage]:
        new = self.events[self._cursor :]
        self._cursor = len(self.events)
        touched: dict[int, BotMessage] = {}
        for event in new:
            touched.setdefault(id(event.message), event.message)
        return list(touched.values())


def _with_caption(content: JSONDict, caption: str | None) -> JSONDict:
    return {**content, "caption": caption} if caption is not None else content


Handler = Callable[[ApiCall, web.Request], Any]


class FakeBotAPI:
    """The fake server. Start it, point a PTB Application at ``base_url``, create chats.

    Public state: ``calls`` (every request, in order, including rejected ones), ``chats``
    (by id), ``uploads`` (every multipart file the bot uploaded), ``commands`` (by
    (scope JSON, language_code)), ``flood_limit_per_second``/``flood_retry_after``/
    ``rejected_429`` (optional flood control on send* methods), ``faults`` (see ``fail``),
    ``on_accepted`` (called with every call Telegram accepted, before its answer is written).
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_first_name: str = "Intake Test Bot",
        bot_username: str = "intake_test_bot",
    ) -> None:
        self.token = token
        self.bot_user: JSONDict = {
            "id": int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.calls: list[ApiCall] = []
        self.chats: dict[int, FakeChat] = {}
        self.uploads: list[UploadedFile] = []
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.files: dict[str, StoredFile] = {}
        self.flood_limit_per_second: int | None = None
        self.flood_retry_after: int = 1
        self.rejected_429 = 0
        self.faults: list[Fault] = []
        self.on_accepted: Callable[[ApiCall], None] | None = None
        self._pending: list[_Envelope] = []
        self._forced: list[_Envelope] = []
        self._update_ids = itertools.count(1)
        self._ids = itertools.count(1)
        self._callback_chats: dict[str, FakeChat] = {}
        self._answered: set[str] = set()
        self._send_times: deque[float] = deque()
        self._activity_count = 0
        self._last_activity_at = 0.0
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self.webhook: JSONDict | None = None  # the last setWebhook's parameters, until deleted
        self.webhook_refusal: str | None = None  # set: setWebhook fails with this 400 description
        self.webhook_posts: list[tuple[str, int, int]] = []  # (target, update_id, HTTP status)
        self._webhook_task: asyncio.Task[None] | None = None
        self._methods: dict[str, Handler] = {
            name.lower(): handler for name, handler in self._method_table().items()
        }

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        self._closing = False

    async def stop(self) -> None:
        """Stop the server. Stop the PTB Application first, or it will log network errors."""
        self._closing = True
        self.notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotAPI is not started; call `await fake.start()` first")
        return self._port

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``; PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``; PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ----------------------------------------------------------------- chats and updates

    def private_chat(
        self,
        chat_id: int = 1001,
        first_name: str = "Ana",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> FakeChat:
        """A private chat with a user whose user id equals ``chat_id`` (as in Telegram)."""
        user = _user(chat_id, first_name, last_name, username, language_code)
        chat = {k: v for k, v in user.items() if k in ("id", "first_name", "last_name", "username")}
        return self._register(FakeChat(self, {**chat, "type": "private"}, user))

    def group_chat(
        self,
        chat_id: int = -2001,
        title: str = "Some group",
        user_id: int = 1001,
        first_name: str = "Ana",
        last_name: str | None = None,
    ) -> FakeChat:
        """A group chat; messages in it come from the user ``user_id``."""
        user = _user(user_id, first_name, last_name, None, "en")
        chat = {"id": chat_id, "type": "group", "title": title}
        return self._register(FakeChat(self, chat, user))

    async def enqueue(self, update: JSONDict) -> JSONDict:
        """Enqueue a hand-made update; an ``update_id`` is assigned unless present."""
        return self.enqueue_envelope(update).update

    async def deliver_again(self, update: JSONDict) -> JSONDict:
        """Deliver an update again, with the same update_id, on the next getUpdates.

        Simulates Telegram re-delivering an update after the bot crashed (or timed out)
        before it confirmed the update by calling getUpdates with a higher ``offset``. Real
        getUpdates would drop an update whose id is below the confirmed offset, so this bypasses
        the offset filter: the copy is delivered exactly once, before the regular queue.
        The chat the update belongs to remembers it, so ``chat.wait_for_reply()`` waits for it.
        """
        envelope = _Envelope(json.loads(json.dumps(update)), forced=True)
        self._forced.append(envelope)
        chat = self._chat_of(update)
        if chat is not None:
            chat.set_last_envelope(envelope)
        self.notify()
        return envelope.update

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by the bot (plus forced re-deliveries)."""
        return [envelope.update for envelope in self._forced + self._pending]

    def fail(self, **fault: Any) -> Fault:
        """Fail calls from now on (see ``Fault``); returns the fault, whose ``hits`` count."""
        made = Fault(**fault)
        self.faults.append(made)
        return made

    def calls_named(self, *methods: str) -> list[ApiCall]:
        """Recorded calls of the given methods (case-insensitive), in order."""
        wanted = {method.lower() for method in methods}
        return [call for call in self.calls if call.method.lower() in wanted]

    def store_file(
        self,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        prefix: str = "file",
        url: str | None = None,
    ) -> StoredFile:
        number = next(self._ids)
        file = StoredFile(f"{prefix}-{number}", f"u{prefix}{number}", data, file_name, mime_type)
        file.url = url
        self.files[file.file_id] = file
        return file

    def new_callback_query_id(self, chat: FakeChat) -> str:
        query_id = f"cbq-{next(self._ids)}"
        self._callback_chats[query_id] = chat
        return query_id

    # ----------------------------------------------------------------- waiting

    def notify(self) -> None:
        """Wake everything waiting for a change (long polls and test-side waits)."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_changed(self, timeout: float) -> None:
        if timeout <= 0:
            return
        # Not asyncio.wait_for: on Python 3.11 it swallows a cancellation that arrives as the
        # event is set, and a waiter cancelled while the bot keeps changing things never ends.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._changed.wait()

    async def wait_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``condition()`` is true (re-checked on every change); False on timeout."""
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            await self._wait_changed(remaining)
        return True

    async def wait_quiet(
        self, envelope: _Envelope, quiet: float, timeout: float, expect_activity: bool
    ) -> str | None:
        """Wait for the reply criterion of the module docstring; a problem text on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            ready_at = self._quiet_at(envelope, quiet, expect_activity)
            if ready_at is not None and now >= ready_at:
                return None
            if now >= deadline:
                return self._wait_problem(envelope, timeout)
            wake = deadline if ready_at is None else min(deadline, ready_at)
            await self._wait_changed(wake - now)

    def _quiet_at(self, envelope: _Envelope, quiet: float, expect_activity: bool) -> float | None:
        if envelope.delivered_at is None:
            return None
        if self._activity_count > envelope.activity_mark:
            return self._last_activity_at + quiet
        return None if expect_activity else envelope.delivered_at + quiet

    def _wait_problem(self, envelope: _Envelope, timeout: float) -> str:
        if envelope.delivered_at is None:
            return (
                f"Update {envelope.update_id} was not fetched via getUpdates within {timeout}s; "
                f"is an Application polling with base_url={self.base_url!r}?"
            )
        return f"The bot fetched update {envelope.update_id} but made no API call in {timeout}s"

    # ----------------------------------------------------------------- webhook delivery

    def deliver_by_webhook(
        self, targets: list[str], *, both_every: int = 4, seed: int = 0, retry_after: float = 0.2
    ) -> None:
        """Post queued updates to ``targets`` (full URLs) as Telegram posts to a webhook: each
        to one target at random, and every ``both_every``-th update to two targets at once (a
        duplicate delivery). Needs a webhook set by the bot (its secret is sent). An update is
        posted again after ``retry_after`` seconds until a target answers 200."""
        if self._webhook_task is not None:
            raise RuntimeError("webhook delivery already runs")
        rng = random.Random(seed)
        self._webhook_task = asyncio.create_task(
            self._webhook_loop(targets, both_every, rng, retry_after)
        )

    async def _webhook_loop(
        self, targets: list[str], both_every: int, rng: random.Random, retry_after: float
    ) -> None:
        posting: dict[int, _Envelope] = {}  # by id(); holding them keeps each id() unique
        tasks: set[asyncio.Task[None]] = set()
        count = itertools.count(1)
        async with ClientSession(timeout=ClientTimeout(total=30)) as client:
            try:
                while not self._closing:
                    for envelope in self._forced + self._pending:
                        if self.webhook is None or id(envelope) in posting:
                            continue
                        posting[id(envelope)] = envelope
                        chosen = (
                            rng.sample(targets, 2)
                            if len(targets) > 1 and next(count) % both_every == 0
                            else [rng.choice(targets)]
                        )
                        task = asyncio.create_task(
                            self._post_until_accepted(client, envelope, chosen, retry_after)
                        )
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                    await self._wait_changed(0.5)
            finally:
                for task in list(tasks):
                    task.cancel()

    async def _post_until_accepted(
        self, client: ClientSession, envelope: _Envelope, targets: list[str], retry_after: float
    ) -> None:
        while True:
            statuses = await asyncio.gather(
                *(self._post_once(client, target, envelope) for target in targets)
            )
            if 200 in statuses:
                if envelope in self._pending:
                    self._pending.remove(envelope)
                self._mark_delivered([envelope])
                return
            await asyncio.sleep(retry_after)

    async def _post_once(self, client: ClientSession, target: str, envelope: _Envelope) -> int:
        secret = str((self.webhook or {}).get("secret_token") or "")
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        try:
            async with client.post(target, json=envelope.update, headers=headers) as response:
                status = response.status
        except (ClientError, OSError, TimeoutError):
            status = 0
        self.webhook_posts.append((target, envelope.update_id, status))
        return status

    # ----------------------------------------------------------------- update queue

    def enqueue_envelope(self, update: JSONDict) -> _Envelope:
        update = {"update_id": next(self._update_ids), **update}
        envelope = _Envelope(update)
        self._pending.append(envelope)
        self.notify()
        return envelope

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            self._pending = self._pending[offset:]
        else:
            self._pending = [e for e in self._pending if e.update_id >= offset]

    def _next_batch(self, limit: int) -> list[_Envelope]:
        return (self._forced + self._pending)[:limit]

    def _mark_delivered(self, batch: list[_Envelope]) -> None:
        now = time.monotonic()
        for envelope in batch:
            if envelope.forced and envelope in self._forced:
                self._forced.remove(envelope)
            if envelope.delivered_at is None:
                envelope.delivered_at = now
                envelope.activity_mark = self._activity_count
        self.notify()

    def _chat_of(self, update: JSONDict) -> FakeChat | None:
        message = update.get("message") or (update.get("callback_query") or {}).get("message")
        chat_id = ((message or {}).get("chat") or {}).get("id")
        return self.chats.get(chat_id) if chat_id is not None else None

    def _register(self, chat: FakeChat) -> FakeChat:
        return self.chats.setdefault(chat.chat_id, chat)

    # ----------------------------------------------------------------- HTTP dispatch

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/file/bot"):
            return self._serve_file(path.removeprefix("/file/bot"))
        if not path.startswith("/bot"):
            return ApiError(404, "Not Found").response()
        token, _, method = path.removeprefix("/bot").partition("/")
        params, files = await _read_params(request)
        call = ApiCall(method, params, files)
        self.calls.append(call)
        fault = next((f for f in self.faults if f.fires(call)), None)
        try:
            if fault is not None and fault.kind == "hang":
                self.notify()  # a test waiting for the hang sees it now
                await asyncio.Event().wait()  # until the fake stops or the bot disconnects
            if fault is not None and fault.kind != "lost":
                raise fault.error()
            result = await self._call(token, call, request)
        except ApiError as error:
            call.status = error.code
            return error.response()
        if method.lower() != "getupdates" and self.on_accepted is not None:
            self.on_accepted(call)
        if fault is not None and request.transport is not None:  # accepted, answer lost
            call.status = 0
            request.transport.close()
        return web.json_response({"ok": True, "result": result})

    async def _call(self, token: str, call: ApiCall, request: web.Request) -> Any:
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        handler = self._methods.get(call.method.lower())
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        if call.method.lower() != "getupdates":
            self._activity_count += 1
            self._last_activity_at = time.monotonic()
            self.notify()
        self._check_flood(call.method)
        self.uploads.extend(call.files.values())
        return await handler(call, request)

    def _check_flood(self, method: str) -> None:
        if not method.lower().startswith("send"):
            return
        now = time.monotonic()
        while self._send_times and self._send_times[0] <= now - 1.0:
            self._send_times.popleft()
        limit = self.flood_limit_per_second
        if limit is not None and len(self._send_times) >= limit:
            self.rejected_429 += 1
            retry = self.flood_retry_after
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        self._send_times.append(now)

    def _serve_file(self, rest: str) -> web.Response:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return ApiError(401, "Unauthorized").response()
        file = self.files.get(file_path.removeprefix("files/"))
        if file is None:
            return ApiError(404, "Not Found").response()
        content_type = file.mime_type or "application/octet-stream"
        return web.Response(body=file.data, content_type=content_type)

    def _method_table(self) -> Mapping[str, Handler]:
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "deleteMessage": self._delete_message,
            "getChat": self._get_chat,
            "getFile": self._get_file,
            "close": self._true,
            "logOut": self._true,
        }

    # ----------------------------------------------------------------- methods: bot & polling

    async def _true(self, call: ApiCall, request: web.Request) -> bool:
        return True

    async def _get_me(self, call: ApiCall, request: web.Request) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, call: ApiCall, request: web.Request) -> list[JSONDict]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        params = call.params
        if params.get("offset") is not None:
            self._confirm(int(params["offset"]))
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        deadline = time.monotonic() + max(float(params.get("timeout") or 0), 0.0)
        batch = self._next_batch(limit)
        while not batch and not self._closing and time.monotonic() < deadline:
            await self._wait_changed(deadline - time.monotonic())
            batch = self._next_batch(limit)
        transport = request.transport
        if self._closing or transport is None or transport.is_closing():
            return []  # nobody will read this response: do not count it as delivered
        self._mark_delivered(batch)
        return [envelope.update for envelope in batch]

    async def _delete_webhook(self, call: ApiCall, request: web.Request) -> bool:
        if call.params.get("drop_pending_updates"):
            self._pending.clear()
        self.webhook = None
        return True

    async def _set_webhook(self, call: ApiCall, request: web.Request) -> bool:
        url = str(call.params.get("url") or "")
        if self.webhook_refusal is not None:
            raise ApiError(400, f"Bad Request: {self.webhook_refusal}")
        if not url.startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        if call.params.get("drop_pending_updates"):
            self._pending.clear()
        self.webhook = dict(call.params)
        self.notify()
        return True

    async def _get_webhook_info(self, call: ApiCall, request: web.Request) -> JSONDict:
        pending = len(self._pending)
        url = str((self.webhook or {}).get("url") or "")
        return {"url": url, "has_custom_certificate": False, "pending_update_count": pending}

    def _commands_key(self, params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _set_my_commands(self, call: ApiCall, request: web.Request) -> bool:
        commands = call.params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, 'Bad Request: parameter "commands" is required')
        self.commands[self._commands_key(call.params)] = commands
        return True

    async def _get_my_commands(self, call: ApiCall, request: web.Request) -> list[JSONDict]:
        return self.commands.get(self._commands_key(call.params), [])

    async def _delete_my_commands(self, call: ApiCall, request: web.Request) -> bool:
        self.commands.pop(self._commands_key(call.params), None)
        return True

    # ----------------------------------------------------------------- methods: chats

    def _chat_for(self, params: JSONDict, *, sending: bool = False) -> FakeChat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        try:
            chat = self.chats.get(int(raw))
        except (TypeError, ValueError):
            chat = None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.bot_removed:
            kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind}")
        if sending and chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _new_message(self, chat: FakeChat, params: JSONDict, **content: Any) -> BotMessage:
        message = BotMessage(
            message_id=chat.next_message_id(),
            chat=chat.chat,
            date=_now(),
            parse_mode=params.get("parse_mode"),
            reply_markup=params.get("reply_markup"),
            **content,
        )
        message.history.append(message.snapshot())
        chat.record_sent(message)
        return message

    async def _send_message(self, call: ApiCall, request: web.Request) -> JSONDict:
        chat = self._chat_for(call.params, sending=True)
        text = call.params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        return self._new_message(chat, call.params, text=text).to_api(self.bot_user)

    async def _send_photo(self, call: ApiCall, request: web.Request) -> JSONDict:
        return self._send_media(call, "photo")

    async def _send_document(self, call: ApiCall, request: web.Request) -> JSONDict:
        return self._send_media(call, "document")

    def _send_media(self, call: ApiCall, media: Literal["photo", "document"]) -> JSONDict:
        chat = self._chat_for(call.params, sending=True)
        file = self._input_file(call, media)
        caption = call.params.get("caption")
        if caption is not None and _utf16_len(str(caption)) > MAX_CAPTION_LENGTH:
            raise ApiError(400, "Bad Request: message caption is too long")
        message = self._new_message(chat, call.params, caption=caption, file=file, media=media)
        return message.to_api(self.bot_user)

    def _input_file(self, call: ApiCall, name: str) -> StoredFile:
        """Resolve an upload (field or attach://), a known file_id, or a URL."""
        value = call.params.get(name)
        upload = call.files.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = call.files.get(value.removeprefix("attach://"))
        if upload is not None:
            return self.store_file(
                upload.data,
                file_name=upload.filename,
                mime_type=upload.content_type,
                prefix=name,
            )
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return self.store_file(b"", file_name=value.rsplit("/", 1)[-1], url=value, prefix=name)
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    async def _send_chat_action(self, call: ApiCall, request: web.Request) -> bool:
        chat = self._chat_for(call.params, sending=True)
        chat.chat_actions.append(str(call.params.get("action")))
        return True

    async def _get_chat(self, call: ApiCall, request: web.Request) -> JSONDict:
        return {**self._chat_for(call.params).chat, "accent_color_id": 0, "max_reaction_count": 11}

    async def _get_file(self, call: ApiCall, request: web.Request) -> JSONDict:
        file = self.files.get(str(call.params.get("file_id")))
        if file is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "file_size": len(file.data),
            "file_path": file.file_path,
        }

    # ----------------------------------------------------------------- methods: edits

    def _target_message(self, params: JSONDict) -> tuple[FakeChat, BotMessage]:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: inline messages are not supported by the fake")
        chat = self._chat_for(params)
        message = chat.message(int(params.get("message_id") or 0))
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        return chat, message

    def _apply_edit(self, chat: FakeChat, message: BotMessage, **changes: Any) -> JSONDict:
        before = message.snapshot()
        for name, value in changes.items():
            setattr(message, name, value)
        if message.snapshot() == before:
            raise ApiError(400, NOT_MODIFIED)
        message.edit_date = _now()
        message.history.append(message.snapshot())
        chat.record_edited(message)
        return message.to_api(self.bot_user)

    async def _edit_message_text(self, call: ApiCall, request: web.Request) -> JSONDict:
        chat, message = self._target_message(call.params)
        text = call.params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if message.text is None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        return self._apply_edit(
            chat,
            message,
            text=text,
            parse_mode=call.params.get("parse_mode"),
            reply_markup=call.params.get("reply_markup"),
        )

    async def _edit_message_caption(self, call: ApiCall, request: web.Request) -> JSONDict:
        chat, message = self._target_message(call.params)
        if message.media is None:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        return self._apply_edit(
            chat,
            message,
            caption=call.params.get("caption"),
            parse_mode=call.params.get("parse_mode"),
            reply_markup=call.params.get("reply_markup"),
        )

    async def _edit_message_reply_markup(self, call: ApiCall, request: web.Request) -> JSONDict:
        chat, message = self._target_message(call.params)
        return self._apply_edit(chat, message, reply_markup=call.params.get("reply_markup"))

    async def _delete_message(self, call: ApiCall, request: web.Request) -> bool:
        chat = self._chat_for(call.params)
        message_id = int(call.params.get("message_id") or 0)
        message = chat.message(message_id)
        if message is not None and not message.deleted:
            message.deleted = True
            chat.record_deleted(message)
            return True
        if message is None and any(
            (update.get("message") or {}).get("message_id") == message_id for update in chat.updates
        ):
            return True  # a user's message; bots may delete those in private chats
        raise ApiError(400, "Bad Request: message to delete not found")

    async def _answer_callback_query(self, call: ApiCall, request: web.Request) -> bool:
        query_id = str(call.params.get("callback_query_id"))
        chat = self._callback_chats.get(query_id)
        if chat is None or query_id in self._answered:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._answered.add(query_id)
        chat.callback_answers.append(call.params)
        return True


def _user(
    user_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language_code: str | None,
) -> JSONDict:
    user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
    optional = {"last_name": last_name, "username": username, "language_code": language_code}
    user.update({key: value for key, value in optional.items() if value is not None})
    return user
