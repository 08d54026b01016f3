"""PostgreSQL: statements the event loop runs itself, on one asynchronous psycopg connection of
the process's own, for work that is one statement, that every answer does, and that would
otherwise cost a worker thread's hop each time (a sent reply's settle: storage.outbox).

A statement is compiled once, by the engine's dialect (storage.compiled); a run converts the
values and sends the text. The connection is opened on first use and autocommits. Any failure
closes it (the next run opens a new one) and is raised: the caller then does the work in a
thread, the usual way, which is safe because what runs here is harmless to run again once its
commit landed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.sql import ClauseElement

from storage.compiled import compiled_for, values_for
from storage.engine import CONNECT_TIMEOUT_SECONDS, TIMEOUTS, timeouts

STATEMENT_TIMEOUT_SECONDS = 10
"""How long a statement here may take before its connection is given up (a network that went
silent would otherwise hold every settle behind it)."""


class LoopStatements:
    """One connection, used by one event loop; `close` it when the loop stops."""

    def __init__(self, engine: Engine) -> None:
        self.dialect = engine.dialect
        arguments, options = engine.dialect.create_connect_args(engine.url)
        options.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
        self._arguments, self._options = list(arguments), dict(options)
        self._connection: Any = None
        self._opening = asyncio.Lock()

    async def first_row(self, statement: ClauseElement, parameters: dict[str, Any]) -> Any:
        """The first row `statement` returns (a tuple), or None; its change is committed."""
        compiled = compiled_for(statement, self.dialect)
        values = values_for(compiled, parameters)
        connection = await self._connected()
        try:
            async with asyncio.timeout(STATEMENT_TIMEOUT_SECONDS):  # a connection gone silent
                cursor = await connection.execute(compiled.sql, values)
                return await cursor.fetchone()
        except BaseException:
            if self._connection is connection:  # not a newer one another run opened since
                self._connection = None
            await connection.close()
            raise

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()

    async def _connected(self) -> Any:
        async with self._opening:  # one connection, though several runs start at once
            if self._connection is None or self._connection.closed:
                import psycopg  # only a bot on PostgreSQL imports it

                connection = await psycopg.AsyncConnection.connect(
                    *self._arguments, autocommit=True, **self._options
                )
                try:
                    async with asyncio.timeout(STATEMENT_TIMEOUT_SECONDS):
                        await connection.execute(TIMEOUTS, timeouts())  # as the engine's have
                except BaseException:
                    await connection.close()
                    raise
                self._connection = connection
            return self._connection


def for_engine(engine: Engine) -> LoopStatements | None:
    """Statements on the loop for a PostgreSQL engine (psycopg 3); None for any other."""
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return None
    return LoopStatements(engine)
