"""Alembic migrations of the intake-bot database, run in code by storage.schema (no alembic.ini)."""
