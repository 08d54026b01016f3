"""Alembic's environment for intake-bot.

There is no alembic.ini: storage.schema builds the Config in code and hands this script an open
connection in `config.attributes["connection"]` (so the engine's own settings, such as a
PostgreSQL search_path or SQLite's pragmas, apply), plus an optional `on_version_apply` callback.
"""

from __future__ import annotations

import sqlmodel.sql.sqltypes  # noqa: F401  (revisions may name SQLModel's AutoString)
from alembic import context
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("storage.schema runs the migrations with an open connection")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters most things by copying the table: Alembic's batch mode does it for us.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # Each revision commits on its own, so a failure leaves the database at the last good one.
        transaction_per_migration=True,
        on_version_apply=config.attributes.get("on_version_apply"),
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported; run intake-bot db upgrade")
run_migrations_online()
