"""The database schema's version: Alembic migrations, run in code.

The revisions live in storage/migrations/versions and ship inside the package; there is no
alembic.ini (the repository's top level is fixed), so `config()` builds Alembic's Config here.

`check()` tells what a database needs:

- EMPTY: none of intake-bot's tables; `upgrade()` (or storage.db.make_engine) creates them.
- CURRENT: at the latest revision.
- BEHIND: at an older revision; `intake-bot db upgrade` brings it up to date.
- LEGACY: intake-bot's tables but no recorded revision: made by create_all before migrations
  existed. `upgrade()` checks that the baseline's tables and columns are all there, stamps it
  at the baseline (0001) and runs the later revisions.
- AHEAD: a revision this intake-bot does not know: made by a newer intake-bot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, create_engine, inspect, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage import revisions as known
from storage.engine import new_engine, untimed

if TYPE_CHECKING:  # Alembic is imported where a database is created, upgraded or compared
    from alembic.config import Config
    from alembic.runtime.migration import MigrationInfo

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"
"""The revision equal to the tables create_all made before migrations existed."""
VERSION_TABLE = "alembic_version"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "%(table_name)s_%(column_0_name)s_key",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}
"""The names PostgreSQL gives create_all's unnamed constraints, which revision 0001 spells out.
SQLite keeps no names for them: pass this to op.batch_alter_table(naming_convention=...) in a
revision that drops or alters such a constraint, so it is found by the same name on both."""


class SchemaStatus(StrEnum):
    EMPTY = "empty"
    CURRENT = "current"
    BEHIND = "behind"
    LEGACY = "legacy"
    AHEAD = "ahead"


class SchemaError(Exception):
    """The database's schema is not one this intake-bot can use or upgrade; one line says why."""


@dataclass(frozen=True)
class Step:
    """One revision applied (or the baseline stamped on a legacy database)."""

    source: str | None
    destination: str | None
    description: str

    def __str__(self) -> str:
        return f"{self.source or 'empty'} -> {self.destination or 'empty'}: {self.description}"


EngineOrUrl = Engine | URL | str


# --- Alembic's configuration and revisions ----------------------------------------------


def config(connection: Connection | None = None, **attributes: Any) -> Config:
    """Alembic's Config for storage/migrations; env.py runs on `connection`."""
    from alembic.config import Config
    alembic_config = Config()
    # Config values are interpolated: a % in the installed path must be doubled.
    alembic_config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    alembic_config.attributes["connection"] = connection
    alembic_config.attributes.update(attributes)
    return alembic_config


def alembic_revisions() -> list[str]:
    """Every revision as Alembic reads it, oldest first (a test checks `revisions()` by it)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def head_revision() -> str:
    """The latest revision this intake-bot knows."""
    return known.chain()[-1]


def revisions() -> list[str]:
    """Every revision this intake-bot knows, oldest first."""
    return list(known.chain())


def known_revision(revision: str) -> bool:
    return revision in revisions()


# --- reading a database's state ---------------------------------------------------------


@contextmanager
def _engine(engine_or_url: EngineOrUrl) -> Iterator[Engine]:
    """The engine given, or one made (without any schema check) for a URL and disposed after."""
    if isinstance(engine_or_url, Engine):
        yield engine_or_url
        return
    url = (
        engine_or_url
        if isinstance(engine_or_url, str)
        else engine_or_url.render_as_string(hide_password=False)
    )
    made = new_engine(url)
    try:
        yield made
    finally:
        made.dispose()


def _state(connection: Connection) -> tuple[SchemaStatus, str | None]:
    tables = set(inspect(connection).get_table_names())
    revisions: tuple[str, ...] = ()
    if VERSION_TABLE in tables:
        revisions = tuple(
            connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
        )
    if not revisions:
        ours = tables & set(SQLModel.metadata.tables)
        return (SchemaStatus.LEGACY if ours else SchemaStatus.EMPTY), None
    if len(revisions) > 1:
        return SchemaStatus.AHEAD, ",".join(revisions)
    revision = revisions[0]
    if revision == head_revision():
        return SchemaStatus.CURRENT, revision
    if known_revision(revision):
        return SchemaStatus.BEHIND, revision
    return SchemaStatus.AHEAD, revision


def state(engine_or_url: EngineOrUrl) -> tuple[SchemaStatus, str | None]:
    """The database's status and its recorded revision (None when none is recorded)."""
    with _engine(engine_or_url) as engine, engine.connect() as connection:
        return _state(connection)


def check(engine_or_url: EngineOrUrl) -> SchemaStatus:
    """What the database needs: see the module's docstring."""
    return state(engine_or_url)[0]


def current_revision(engine_or_url: EngineOrUrl) -> str | None:
    """The revision recorded in the database, or None (empty, or made before migrations)."""
    return state(engine_or_url)[1]


def problem(status: SchemaStatus, revision: str | None) -> str | None:
    """One line for a database intake-bot cannot run on, naming what to do; None if it can."""
    head = head_revision()
    if status is SchemaStatus.BEHIND:
        return (
            f"the database schema is behind ({revision}, latest {head}): "
            'back it up, then run "intake-bot db upgrade"'
        )
    if status is SchemaStatus.LEGACY:
        return (
            f"the database schema is behind (made before migrations, latest {head}): "
            'back it up, then run "intake-bot db upgrade"'
        )
    if status is SchemaStatus.AHEAD:
        return (
            f"the database was made by a newer intake-bot (revision {revision}, this one knows "
            f"up to {head}): upgrade intake-bot"
        )
    return None


def differences(engine: Engine, metadata: MetaData | None = None) -> list[Any]:
    """What autogenerate would put in a new revision, as `alembic check` sees it: an empty list
    when the database's tables match the models (or `metadata`)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, metadata if metadata is not None else SQLModel.metadata)


# --- changing it ------------------------------------------------------------------------


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection outside any transaction, so Alembic commits each revision on its own.

    On SQLite, foreign-key enforcement is off while the revisions run (batch mode copies a
    table, drops the old one and renames the copy; with enforcement on, dropping a table that
    others point at fails) and every key is checked before it is turned back on.
    """
    with engine.connect() as connection, untimed(connection):
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            yield connection
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                connection.commit()
                if broken:
                    raise SchemaError(f"the upgrade left {len(broken)} broken foreign keys")
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def _run(
    engine: Engine,
    action: Callable[[Config], None],
    on_step: Callable[[Step], None] | None,
) -> list[Step]:
    steps: list[Step] = []

    def applied(*, step: MigrationInfo, **_: Any) -> None:
        done = Step(
            ",".join(step.source_revision_ids) or None,
            ",".join(step.destination_revision_ids) or None,
            "stamped" if step.is_stamp else _describe(step),
        )
        steps.append(done)
        if on_step is not None:
            on_step(done)

    with _migration_connection(engine) as connection:
        action(config(connection, on_version_apply=applied))
    return steps


def _describe(step: MigrationInfo) -> str:
    # Alembic hands back its Script objects here, which carry the revision's message as `doc`.
    doc = str(getattr(step.up_revision, "doc", "") or "")
    return doc if step.is_upgrade else f"undo: {doc}"


def upgrade(
    engine_or_url: EngineOrUrl,
    revision: str = "head",
    *,
    on_step: Callable[[Step], None] | None = None,
) -> list[Step]:
    """Bring the database up to `revision` (default: the latest), one revision at a time.

    A legacy database (tables made by create_all before migrations) is stamped at the baseline
    first, once its tables and columns are checked. `on_step` is called after each revision.
    Raises SchemaError for a database made by a newer intake-bot, or a legacy one that is not
    the baseline.
    """
    from alembic import command

    with _engine(engine_or_url) as engine:
        status, current = state(engine)
        if status is SchemaStatus.AHEAD:
            raise SchemaError(problem(status, current))
        steps: list[Step] = []
        if status is SchemaStatus.LEGACY:
            verify_baseline(engine)
            stamped = Step(None, BASELINE, "tables made before migrations, stamped at baseline")
            _run(engine, lambda c: command.stamp(c, BASELINE), None)
            if on_step is not None:
                on_step(stamped)
            steps.append(stamped)
        steps += _run(engine, lambda c: command.upgrade(c, revision), on_step)
        return steps


def downgrade(
    engine_or_url: EngineOrUrl,
    revision: str,
    *,
    on_step: Callable[[Step], None] | None = None,
) -> list[Step]:
    """Take the database back to `revision` ("base" drops every table), one revision at a time."""
    from alembic import command

    with _engine(engine_or_url) as engine:
        return _run(engine, lambda c: command.downgrade(c, revision), on_step)


def ensure_current(engine: Engine) -> SchemaStatus:
    """Bring an EMPTY database to the latest revision; accept a CURRENT one; raise SchemaError,
    naming the command to run, for any other. Never migrates a database that has tables."""
    status, revision = state(engine)
    if status is SchemaStatus.EMPTY:
        upgrade(engine)
    elif status is not SchemaStatus.CURRENT:
        raise SchemaError(problem(status, revision))
    return status


def new_revision(message: str) -> Path:
    """For developers: write the next revision, storage/migrations/versions/NNNN_<slug>.py,
    with what the models have that the latest revision has not (autogenerate against an
    in-memory SQLite database at the latest revision, in batch mode, which works on both
    databases). Read and tidy it before committing: autogenerate sees no renames and moves no
    data."""
    from alembic import command

    number = f"{int(head_revision()[:4]) + 1:04d}"  # "0006_data_rights" is 6
    scratch = create_engine("sqlite://", poolclass=StaticPool)
    try:
        with scratch.connect() as connection:
            command.upgrade(config(connection), "head")
            written = command.revision(
                config(connection), message, autogenerate=True, rev_id=number
            )
    finally:
        scratch.dispose()
    known.chain.cache_clear()
    assert written is not None and not isinstance(written, list)
    return Path(written.path)


# --- the baseline -----------------------------------------------------------------------


@cache
def _baseline_columns() -> dict[str, frozenset[str]]:
    """Each table of revision 0001 and its columns, read from an in-memory database."""
    from alembic import command

    scratch = create_engine("sqlite://", poolclass=StaticPool)
    try:
        with scratch.connect() as connection:
            command.upgrade(config(connection), BASELINE)
            found = inspect(connection)
            return {
                table: frozenset(column["name"] for column in found.get_columns(table))
                for table in found.get_table_names()
                if table != VERSION_TABLE
            }
    finally:
        scratch.dispose()


def verify_baseline(engine: Engine) -> None:
    """Raise SchemaError unless every table and column of the baseline (0001) is there."""
    found = inspect(engine)
    tables = set(found.get_table_names())
    missing: list[str] = []
    for table, columns in sorted(_baseline_columns().items()):
        if table not in tables:
            missing.append(table)
            continue
        present = {column["name"] for column in found.get_columns(table)}
        missing += [f"{table}.{name}" for name in sorted(columns - present)]
    if missing:
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        raise SchemaError(
            f"the database has intake-bot tables but not all of the baseline schema {BASELINE} "
            f"(missing {shown}), so it cannot be upgraded automatically"
        )
