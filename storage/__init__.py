"""Persistence of patients, intakes and answers: SQLModel tables, engine and query functions."""
