"""What encryption at rest costs: CPU per answer, and per answered question in the real services.

1. 10,000 typical answers (a stored value and the patient's typed words) through the encrypted
   column types, both ways, beside plain JSON (what sqlalchemy's JSON type did before).
2. The demo's scripted intake (tests/data/demo_answers.txt) through the conversation router on
   a SQLite file, counting the values encrypted and decrypted per answered question and the
   time they took, against the time the whole answer took.

Run: .venv/bin/python bench/encryption.py
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine.default import DefaultDialect

from bot.services.config import ServiceConfig
from bot.services.router import ConversationRouter
from flows.dialogue import Typed
from flows.schedule import ReminderPolicy
from storage import crypto
from storage.db import make_engine
from storage.encrypted import EncryptedJSON, EncryptedText

ROOT = Path(__file__).resolve().parents[1]

ANSWERS = 10_000
TYPICAL: list[tuple[Any, str | None]] = [
    ("2", "more than half the days"),
    ({"choice": "none"}, "I don't take any"),
    (
        {"name": "sertraline", "dose": "50 mg", "frequency": "once a day"},
        "sertraline 50 mg once a day",
    ),
    (["nausea", "headache"], "nausea, headache"),
    (6.5, "6.5"),
    ("Should I change my dose? I have been feeling more anxious in the mornings.", None),
]


def per_answer(work: Callable[[], None], rounds: int = 5) -> float:
    """The best of `rounds` runs of `work` (which handles ANSWERS answers), in µs per answer."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times) / ANSWERS * 1e6


def column_types() -> None:
    dialect = DefaultDialect()
    value_type, text_type = EncryptedJSON(), EncryptedText()
    answers = [TYPICAL[n % len(TYPICAL)] for n in range(ANSWERS)]
    stored = [
        (value_type.process_bind_param(v, dialect), text_type.process_bind_param(t, dialect))
        for v, t in answers
    ]

    def encrypt() -> None:
        for value, typed in answers:
            value_type.process_bind_param(value, dialect)
            text_type.process_bind_param(typed, dialect)

    def decrypt() -> None:
        for value, typed in stored:
            value_type.process_result_value(value, dialect)
            text_type.process_result_value(typed, dialect)

    def plain_json() -> None:
        for value, _ in answers:
            json.loads(json.dumps(value))

    sizes = [len(v or "") + len(t or "") for v, t in stored]
    print(f"{ANSWERS:,} typical answers (value + typed words), best of 5:")
    print(f"  encrypt {per_answer(encrypt):6.2f} µs per answer")
    print(f"  decrypt {per_answer(decrypt):6.2f} µs per answer")
    print(f"  plain JSON round trip, for scale: {per_answer(plain_json):6.2f} µs per answer")
    print(f"  stored size: {statistics.mean(sizes):.0f} characters per answer on average")


class Counting:
    """Wraps crypto.encrypt and crypto.decrypt to count calls and the time spent in them."""

    def __init__(self) -> None:
        self.calls = {"encrypt": 0, "decrypt": 0}
        self.seconds = 0.0
        for name in self.calls:
            setattr(crypto, name, self._wrap(name, getattr(crypto, name)))

    def _wrap(self, name: str, function: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
        def counted(data: bytes) -> bytes:
            start = time.perf_counter()
            try:
                return function(data)
            finally:
                self.seconds += time.perf_counter() - start
                self.calls[name] += 1

        return counted


def services() -> None:
    lines = (ROOT / "tests" / "data" / "demo_answers.txt").read_text().splitlines()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        config = ServiceConfig("Bench Clinic", ZoneInfo("America/Chicago"), ReminderPolicy())
        router = ConversationRouter(engine, config)
        router.start_demo(-1, "Bench Patient")
        counting = Counting()
        start = time.perf_counter()
        for line in lines:
            router.handle(-1, Typed(line))
        elapsed = time.perf_counter() - start
        engine.dispose()
    answered = len(lines)
    print(f"\nthe demo's intake through the services on SQLite: {answered} answered questions")
    print(
        f"  per answered question: {counting.calls['encrypt'] / answered:.1f} values encrypted, "
        f"{counting.calls['decrypt'] / answered:.1f} decrypted"
    )
    print(
        f"  time in encryption: {counting.seconds / answered * 1e6:.0f} µs of "
        f"{elapsed / answered * 1e3:.2f} ms per answered question "
        f"({counting.seconds / elapsed:.1%})"
    )


def main() -> None:
    crypto.configure(crypto.new_key())
    column_types()
    services()


if __name__ == "__main__":
    main()
