"""What a UnitOfWork's transaction runs once it has committed: kept in its session, run by
bot.services.transactions.UnitOfWork, never if the transaction did not commit."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

AFTER_COMMIT = "after_commit"
"""Where a UnitOfWork's session keeps what to run once it committed (Session.info)."""


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` once the transaction of `session` (a UnitOfWork's) has committed; never if
    it did not, nor outside a UnitOfWork."""
    actions = session.info.get(AFTER_COMMIT)
    if actions is not None:
        actions.append(action)
