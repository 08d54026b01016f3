"""Dialogue and clinical logic of the intake: pure Python, no telegram, no database."""
