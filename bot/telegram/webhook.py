"""Webhook mode: Telegram posts each update to the clinic's reverse proxy, which passes it to
this listener (WEBHOOK_LISTEN, 127.0.0.1:8443 by default).

An update is answered 200 only once it is committed to the inbox; if storing fails the answer
is 500, and Telegram sends the update again later. A request without the right
`X-Telegram-Bot-Api-Secret-Token` header (WEBHOOK_SECRET_TOKEN, compared in constant time) gets
403 and is not stored. `GET /healthz` answers 200 while the database answers, 503 otherwise,
and says nothing else. The inbox worker then handles stored updates exactly as in polling; an
update delivered twice, or to two replicas, is stored once (bot.services.inbox).

The HTTP server is tornado's, the one python-telegram-bot's own webhook support uses; PTB's
handler is not used because it answers 200 before the update is stored anywhere.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application
from tornado.httpserver import HTTPServer
from tornado.web import Application as WebApplication
from tornado.web import RequestHandler

from bot.telegram.inbox import ALLOWED_UPDATES, InboxWorker

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024
"""Telegram's updates are small (files come by id): a larger body is refused unread."""


class WebhookRefused(Exception):
    """Telegram refused WEBHOOK_URL (setWebhook); the message says why, in one line."""


class UpdateHandler(RequestHandler):
    """POST <webhook path>: one update, stored, then 200."""

    def initialize(self, receiver: WebhookReceiver) -> None:
        self.receiver = receiver

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.receiver.secret.encode()):
            log.warning("a webhook request without the right secret token was refused")
            self._answer(403)
            return
        try:
            payload = json.loads(self.request.body)
            if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(payload, self.receiver.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("a webhook request that is not a Telegram update was refused")
            self._answer(400)
            return
        try:
            await self.receiver.store(update, payload)
        except Exception as error:  # the database: Telegram sends the update again later
            log.error("an update could not be stored (%s); answered 500", type(error).__name__)
            self._answer(500)
            return
        self._answer(200)

    def _answer(self, status: int) -> None:
        self.set_status(status)
        self.finish()


class HealthHandler(RequestHandler):
    """GET /healthz: 200 when the database answers, 503 when it does not; nothing else."""

    def initialize(self, receiver: WebhookReceiver) -> None:
        self.receiver = receiver

    async def get(self) -> None:
        try:
            healthy = await asyncio.to_thread(self.receiver.database_ok)
        except Exception:
            healthy = False
        self.set_status(200 if healthy else 503)
        self.set_header("Content-Type", "text/plain")
        self.set_header("Cache-Control", "no-store")
        self.finish("ok\n" if healthy else "database unreachable\n")


class WebhookReceiver:
    """The listener, and telling Telegram where it is (setWebhook)."""

    def __init__(
        self,
        application: Application,
        worker: InboxWorker,
        *,
        url: str,
        path: str,
        listen: tuple[str, int],
        secret: str,
        database_ok: Callable[[], bool],
    ) -> None:
        self.application = application
        self.worker = worker
        self.url = url
        self.path = path
        self.listen = listen
        self.secret = secret
        self.database_ok = database_ok
        self._server: HTTPServer | None = None

    def web_application(self) -> WebApplication:
        routes: list[Any] = [
            (self.path, UpdateHandler, {"receiver": self}),
            ("/healthz", HealthHandler, {"receiver": self}),
        ]
        return WebApplication(routes, log_function=lambda _handler: None)  # no access log

    async def store(self, update: Update, payload: dict[str, Any]) -> None:
        """Commit the update to the inbox (raises if it could not be) for the worker."""
        await self.worker.store_decoded([(update.update_id, update, payload)], claim=False)

    async def start(self) -> None:
        """Listen first, then tell Telegram: its first delivery finds the listener ready."""
        host, port = self.listen
        self._server = HTTPServer(self.web_application(), max_body_size=MAX_BODY)
        self._server.listen(port, address=host)
        try:
            await self.application.bot.set_webhook(
                url=self.url,
                secret_token=self.secret,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            )
        except BadRequest as error:
            await self.stop()
            raise WebhookRefused(
                f"Telegram refused WEBHOOK_URL {self.url} ({error.message}): it must be an "
                "HTTPS address on port 443, 80, 88 or 8443 with a valid certificate"
            ) from None
        log.info("receiving updates by webhook, listening on %s:%d", host, port)

    async def stop(self) -> None:
        """Stop listening. The webhook stays set: other replicas still receive, and Telegram
        keeps what arrives while none does."""
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
