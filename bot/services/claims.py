"""Taking back at once what a stopped bot process had claimed: with replicas, a process killed
mid-turn or mid-send held its patients' updates and replies (a crisis reply among them) for the
rest of its leases, up to two minutes. Which processes stopped is the caller's to say
(storage.locks.ProcessLocks.stopped): the claims' owners that no running process holds."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime

from sqlalchemy.engine import Engine

from storage import claims
from storage.clock import utcnow
from storage.db import session_scope

log = logging.getLogger(__name__)


class StoppedClaims:
    """Ends the claims of stopped processes, so the running ones take them at their next claim."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    def take_back(self, stopped: Callable[[Collection[str]], list[str]]) -> int:
        """End every live claim whose owner `stopped` names among the owners holding claims now:
        how many updates and messages were freed."""
        now = self.clock()
        with session_scope(self.engine) as session:  # one transaction, one round trip if none
            holders = claims.holders(session, now)
            gone = stopped(holders) if holders else []
            freed = claims.end(session, gone, now)
        if freed:
            log.warning(
                "%d stopped bot process(es) held %d updates or messages: freed for the others",
                len(gone),
                freed,
            )
        return freed
