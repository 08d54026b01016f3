"""What /delete costs: erasing one patient reads every outbox row (payloads are encrypted, so
provider messages about the patient are found in Python, not SQL). Times one erasure on a SQLite
file as the outbox grows, and the retention query over many patients.

Run: .venv/bin/python bench/erasure.py
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from storage import crypto, erasure
from storage.db import make_engine
from storage.models import Answer, Intake, OutboxMessage, Patient
from storage.statuses import Erasure

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def erase_once(folder: Path, outbox_rows: int) -> float:
    engine = make_engine(f"sqlite:///{folder / f'erase-{outbox_rows}.db'}")
    with Session(engine) as session:
        patient = Patient(telegram_chat_id=1, display_name="Bench Patient", created_at=NOW)
        session.add(patient)
        session.flush()
        intake = Intake(patient_id=patient.id)
        session.add(intake)
        session.flush()
        for n in range(60):
            session.add(Answer(intake_id=intake.id, question_key=f"q{n}", value=n, raw_text="x"))
        for n in range(outbox_rows):
            payload = {"html": f"<b>Someone {n}</b> (#{n}): Intakes"}
            session.add(OutboxMessage(chat_id=9000 + n % 3, kind="html", payload=payload))
        session.commit()
        started = time.perf_counter()
        erasure.erase_patient(session, patient, Erasure.DELETED, NOW)
        session.commit()
        took = time.perf_counter() - started
    engine.dispose()
    return took


def retention_query(folder: Path, patients: int) -> float:
    engine = make_engine(f"sqlite:///{folder / 'retention.db'}")
    with Session(engine) as session:
        for n in range(patients):
            session.add(Patient(display_name=f"P{n}", created_at=NOW - timedelta(days=n % 700)))
        session.commit()
        started = time.perf_counter()
        found = erasure.last_seen_before(session, NOW - timedelta(days=365))
        took = time.perf_counter() - started
    engine.dispose()
    print(f"retention query: {patients:,} patients, {len(found):,} due, {took * 1000:.1f} ms")
    return took


def main() -> None:
    crypto.configure(crypto.new_key())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for rows in (1_000, 10_000, 50_000):
            took = erase_once(folder, rows)
            print(f"erase one patient, {rows:,} outbox rows: {took * 1000:.0f} ms")
        retention_query(folder, 20_000)


if __name__ == "__main__":
    main()
