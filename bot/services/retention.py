"""The clinic's retention rule, without Telegram: RETENTION_DAYS after a patient's last visit
(or last use of the bot, whichever is later) everything about them is erased, as /delete
would, but without telling anyone (the clinic set the rule). Also erases declined patients'
risk text that safety no longer needs, in case an acknowledgement did not already.

The same daily run forgets what only the sending needed: messages sent (or given up) more than
KEEP_MESSAGES ago, and Telegram update ids older than the two days Telegram may re-deliver in.

Run daily by the bot (bot/telegram/retention_jobs.py) and by `intake-bot purge` (cron). Logged
by counts only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from bot.services.data_rights import forget_declined_risk
from bot.services.transactions import KEEP_UPDATE_IDS
from storage import erasure, outbox, patients, updates
from storage.clock import utcnow
from storage.db import session_scope
from storage.statuses import Erasure

log = logging.getLogger(__name__)

KEEP_MESSAGES = timedelta(days=7)
"""How long a message stays in the outbox once settled: long enough to tell which question a
typed answer was for, and to look into a delivery problem; not a second copy of the record."""
FORGET_BATCH = 500
"""Messages forgotten per transaction."""


@dataclass(frozen=True)
class Purged:
    patients: int  # erased for good
    risk_texts: int  # declined patients' safety events whose words were erased
    messages: int = 0  # settled outbox messages forgotten
    update_ids: int = 0  # handled Telegram update ids forgotten


class Retention:
    """Purges what the retention rule no longer allows to keep; one transaction per patient."""

    def __init__(
        self, engine: Engine, days: int | None, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.engine = engine
        self.days = days  # None: keep until the patient deletes it
        self.clock = clock

    def purge(self) -> Purged:
        now = self.clock()
        with session_scope(self.engine) as session:
            risk_texts = forget_declined_risk(session, None, now)
        erased = 0
        if self.days is not None:
            with session_scope(self.engine) as session:
                stale = erasure.last_seen_before(session, now - timedelta(days=self.days))
            for patient_id in stale:
                erased += self._erase(patient_id, now)
        messages = self._forget_messages(now - KEEP_MESSAGES)
        with session_scope(self.engine) as session:
            update_ids = updates.forget_before(session, now - KEEP_UPDATE_IDS)
        log.info(
            "purged %d patients; erased the risk text of %d events; forgot %d sent messages "
            "and %d update ids",
            erased,
            risk_texts,
            messages,
            update_ids,
        )
        return Purged(erased, risk_texts, messages, update_ids)

    def _forget_messages(self, settled_before: datetime) -> int:
        """A batch per transaction: the first run on a long-kept outbox must not hold SQLite's
        write lock for longer than a patient's answer can wait for it."""
        forgotten = 0
        while True:
            with session_scope(self.engine) as session:
                batch = outbox.forget_settled(session, settled_before, FORGET_BATCH)
            forgotten += batch
            if batch < FORGET_BATCH:
                return forgotten

    def _erase(self, patient_id: int, now: datetime) -> int:
        cutoff = now - timedelta(days=self.days or 0)
        with session_scope(self.engine) as session:
            # Checked again in this transaction: the patient may have come back meanwhile.
            if patient_id not in erasure.last_seen_before(session, cutoff):
                return 0
            patient = patients.get(session, patient_id)
            if patient is None:
                return 0
            erasure.erase_patient(session, patient, Erasure.PURGED, now)
            return 1
