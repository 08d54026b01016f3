"""storage.engine: a SQLite connection stays open once made, so work that comes in bursts (16
patients' turns at once) does not open and close connections, nor make the batch triggers
again (storage.sqlite_batch), on every burst. PostgreSQL keeps KEPT_OPEN open, the rest are
the server's to share (tests/storage/test_pool.py bounds what it opens)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from storage import engine as engines


def test_connections_made_in_a_burst_are_kept_for_the_next(tmp_path: Path) -> None:
    engine = engines.new_engine(f"sqlite:///{tmp_path / 'intake.db'}", connections=8)
    made: list[object] = []
    event.listen(engine, "connect", lambda dbapi_connection, _record: made.append(1))
    try:
        for burst in range(3):
            held: list[Connection] = [engine.connect() for _ in range(8)]
            for connection in held:
                assert connection.execute(text("SELECT 1")).scalar_one() == 1
                connection.close()
            assert len(made) == 8, f"burst {burst + 1} opened new connections"
    finally:
        engine.dispose()


def test_postgresql_keeps_its_first_connections_for_the_next_burst(
    postgres_schema_url: str,
) -> None:
    engine = engines.new_engine(postgres_schema_url, connections=engines.KEPT_OPEN + 3)
    made: list[object] = []
    event.listen(engine, "connect", lambda dbapi_connection, _record: made.append(1))
    try:
        for burst in range(3):
            held: list[Connection] = [engine.connect() for _ in range(engines.KEPT_OPEN + 3)]
            for connection in held:
                assert connection.execute(text("SELECT 1")).scalar_one() == 1
                connection.close()
            # the 3 beyond those kept are closed as they come back, and made again
            assert len(made) == engines.KEPT_OPEN + 3 * (burst + 1)
    finally:
        engine.dispose()
