"""A provider's command (or a notice the adapter sends) as one transaction: the Telegram update
claimed once, the command's effect, and its answer written to the outbox, so a re-delivered
update has one effect and a crash loses no answer."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.services.outbox import Kind, Outbox
from bot.services.providers import ProviderError
from bot.services.transactions import no_inbox
from storage import updates
from storage.clock import utcnow
from storage.db import session_scope
from storage.outbox import FORGET
from storage.statuses import Priority

Work = Callable[[Session, datetime], list[str]]
"""A command's effect in the transaction; returns its answer as messages of Telegram HTML."""


class Commands:
    """Runs commands and notices, each exactly once per Telegram update."""

    def __init__(
        self, engine: Engine, outbox: Outbox, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.clock = clock
        self.on_claimed: Callable[[int], None] = no_inbox  # as UnitOfWork.on_claimed

    def run(self, update_id: int | None, chat_id: int, work: Work) -> bool:
        """Do `work` and send its answer; a ProviderError's message is the answer instead.

        False when the update was handled before (nothing is done again).
        """
        try:
            return self._once(update_id, chat_id, work)
        except ProviderError as error:
            message = html.escape(str(error), quote=False)
            return self._once(update_id, chat_id, lambda _s, _now: [message])

    def answer(self, update_id: int | None, chat_id: int, pages: list[str]) -> bool:
        """Send messages of Telegram HTML (a look-up's answer)."""
        return self._once(update_id, chat_id, lambda _s, _now: pages)

    def notice(self, update_id: int | None, chat_id: int, text_html: str) -> bool:
        """A notice that may go to anyone, a stranger or a group included (an edit was not
        applied, a sticker cannot be read, the chat's id): once sent, the outbox keeps neither
        its words nor the chat it went to."""

        def queue(session: Session, now: datetime) -> list[str]:
            payload = {"html": text_html, FORGET: True}
            self.outbox.add(session, chat_id, Kind.HTML, payload, Priority.CONVERSATION, now)
            return []

        return self._once(update_id, chat_id, queue)

    def request(
        self, update_id: int | None, chat_id: int, kind: Kind, payload: dict[str, Any]
    ) -> bool:
        """Send something the dispatcher renders when it sends it (an intake, a file, a chart)."""

        def queue(session: Session, now: datetime) -> list[str]:
            self.outbox.add(session, chat_id, kind, payload, Priority.PROVIDER, now)
            return []

        return self._once(update_id, chat_id, queue)

    def _once(self, update_id: int | None, chat_id: int, work: Work) -> bool:
        try:
            with session_scope(self.engine) as session:
                now = self.clock()
                if update_id is not None and not updates.claim(session, update_id, now):
                    return False
                self.outbox.html(session, chat_id, work(session, now), now)
            if update_id is not None:
                self.on_claimed(update_id)
            return True
        except IntegrityError as error:
            if "processedupdate" in str(error.orig).lower():
                return False  # the same update, handled in parallel
            raise
