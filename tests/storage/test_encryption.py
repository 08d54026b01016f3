"""Encryption at rest (storage.crypto, storage.encrypted, storage.rekey), on SQLite and PostgreSQL:

- values round-trip through the encrypted column types and are unreadable in the raw rows;
- the key ring: malformed keys, an unknown key, a tampered value, messages that show no key;
- rotation: old keys still read, new writes use the newest, `rotate` re-encrypts everything and
  recomputes the name hashes, and can run while rows change;
- look-ups by name through the keyed hash, in any case and Unicode form (issue 10).
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from storage import crypto, intakes, patients, rekey
from storage.encrypted import EncryptedBytes, EncryptedJSON, EncryptedText
from storage.engine import rewrite_sqlite_file
from storage.models import Answer, Checkin, Patient

TEST_KEY = os.environ[crypto.SETTING]  # the session's key (tests/conftest.py)
OTHER_KEY = crypto.new_key()
THIRD_KEY = crypto.new_key()


def raw(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    """Rows as the database holds them: plain SQL, nothing decrypted."""
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(sql))]


def key_id_of(token: str) -> bytes:
    return base64.b64decode(token)[1:5]


# --- the key ring -----------------------------------------------------------------------


def test_a_value_round_trips_and_encrypts_differently_each_time() -> None:
    first = crypto.encrypt_text("Zoë takes sertraline")
    second = crypto.encrypt_text("Zoë takes sertraline")
    assert first != second  # a fresh nonce each time
    assert crypto.decrypt_text(first) == crypto.decrypt_text(second) == "Zoë takes sertraline"
    assert "sertraline" not in first and len(first) < 100


def test_a_changed_value_fails_its_integrity_check() -> None:
    blob = bytearray(crypto.encrypt(b"several days"))
    blob[-1] ^= 1
    with pytest.raises(crypto.KeyRingError, match="integrity check under DATA_ENCRYPTION_KEY"):
        crypto.decrypt(bytes(blob))
    with pytest.raises(crypto.KeyRingError, match="not encrypted data"):
        crypto.decrypt_text("several days")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "DATA_ENCRYPTION_KEY is empty"),
        ("not-a-key", r"malformed \(the key is not 32 bytes"),
        (base64.urlsafe_b64encode(b"x" * 16).decode(), r"malformed \(the key is not 32 bytes"),
        (f"{TEST_KEY},{TEST_KEY[:-4]}", r"malformed \(key 2 of 2 is not 32 bytes"),
        (f"{TEST_KEY},", r"malformed \(key 2 of 2"),
    ],
    ids=["empty", "not-a-key", "16-bytes", "second-key-cut", "empty-second-key"],
)
def test_a_malformed_key_is_named_without_showing_it(text: str, message: str) -> None:
    with pytest.raises(crypto.KeyRingError, match=message) as refused:
        crypto.parse_keys(text)
    shown = str(refused.value)
    assert "\n" not in shown and '"intake-bot keys new"' in shown
    assert all(part not in shown for part in text.split(",") if len(part) > 4)


def test_a_value_written_with_a_key_not_in_the_ring_is_refused(
    key_ring: Callable[[str], None],
) -> None:
    token = crypto.encrypt_text("Lamictal 100 mg")
    key_ring(OTHER_KEY)
    with pytest.raises(crypto.KeyRingError) as refused:
        crypto.decrypt_text(token)
    assert str(refused.value) == (
        "a stored value was encrypted with a key that DATA_ENCRYPTION_KEY does not list: add "
        "that key after the newest one"
    )
    assert OTHER_KEY not in str(refused.value) and TEST_KEY not in str(refused.value)


def test_without_a_ring_nothing_is_written_in_the_clear(key_ring: Callable[[str], None]) -> None:
    crypto.reset()
    with pytest.raises(crypto.KeyRingError, match=r"^no data encryption key is configured: set"):
        crypto.encrypt_text("anything")
    assert crypto.name_hash(None) is None  # no name needs no key


def test_old_keys_read_and_new_writes_use_the_newest(key_ring: Callable[[str], None]) -> None:
    old = crypto.encrypt_text("written under the old key")
    key_ring(f"{OTHER_KEY},{TEST_KEY}")
    assert crypto.decrypt_text(old) == "written under the old key"
    new = crypto.encrypt_text("written under the new key")
    assert key_id_of(new) == crypto.ring().newest.key_id != key_id_of(old)
    assert crypto.reencrypt(base64.b64decode(new)) is None
    again = crypto.reencrypt(base64.b64decode(old))
    assert again is not None and crypto.decrypt(again) == b"written under the old key"
    assert crypto.is_newest(again)


def test_names_are_normalised_before_hashing() -> None:
    same = ["Zoë Ünïcode", "ZOË ÜNÏCODE", "zoë  ünïcode ", "Zoe\u0308 U\u0308ni\u0308code"]
    assert {crypto.normalise_name(name) for name in same} == {"zoë ünïcode"}
    assert len({crypto.name_hash(name) for name in same}) == 1
    assert crypto.name_hash("Émile R.") != crypto.name_hash("Emile R.")
    assert crypto.name_hash("   ") is None and crypto.name_hashes("  ") == []
    # keyed: not the plain SHA-256 of the name
    assert crypto.name_hash("zoë ünïcode") != hashlib.sha256("zoë ünïcode".encode()).hexdigest()


# --- the column types, through the database ---------------------------------------------


def test_every_encrypted_column_round_trips_and_is_unreadable_raw(
    session: Session, make_patient: Callable[..., Patient], engine: Engine
) -> None:
    patient = make_patient(display_name="Émile R.")
    patient.timezone = "Europe/Paris"
    patient.settings_draft = {"cadence": "daily", "time": "08:30"}
    session.add(patient)
    intake = intakes.create(session, patient.id)
    values: list[Any] = [
        "nearly every day",
        {"choice": "none"},
        ["nausea", "other"],
        2.0,
        7,
        True,
        None,
        "😀 Ünïcode, and a NUL \u0000 PostgreSQL's text could not hold",
    ]
    for number, value in enumerate(values):
        intakes.record_answer(
            session, intake.id, f"q.{number}", value, f"typed {number}", intake.started_at
        )
    checkin = Checkin(patient_id=patient.id, answers={"checkin.note": "Xochimilco"}, draft=["a"])
    session.add(checkin)
    session.commit()

    with Session(engine) as fresh:
        answers = intakes.current_answers(fresh, intake.id)
        assert [answers[f"q.{n}"] for n in range(len(values))] == values
        assert isinstance(answers["q.3"], float) and isinstance(answers["q.4"], int)
        assert intakes.current_typed_texts(fresh, intake.id)["q.1"] == "typed 1"
        stored = fresh.get(Patient, patient.id)
        assert stored is not None
        assert (stored.display_name, stored.timezone) == ("Émile R.", "Europe/Paris")
        assert stored.settings_draft == {"cadence": "daily", "time": "08:30"}
        assert fresh.exec(select(Checkin)).one().answers == {"checkin.note": "Xochimilco"}

    dumped = repr(raw(engine, "SELECT * FROM answer") + raw(engine, "SELECT * FROM patient"))
    dumped += repr(raw(engine, "SELECT * FROM checkin"))
    for plain in ("nearly every day", "nausea", "typed", "Émile", "Europe/Paris", "Xochimilco"):
        assert plain not in dumped
    # NULL stays NULL, so "has an answer" queries still work
    assert raw(engine, "SELECT count(*) FROM answer WHERE value IS NULL") == [(1,)]


def test_an_encrypted_column_cannot_be_compared_in_sql() -> None:
    with pytest.raises(TypeError, match="is encrypted and cannot be compared"):
        select(Patient).where(Patient.display_name == "Émile R.")
    with pytest.raises(TypeError, match="is encrypted"):
        select(Answer).order_by(col(Answer.raw_text).desc())
    # ...but whether there is a value can
    select(Answer).where(col(Answer.raw_text).is_not(None), Answer.value == None)  # noqa: E711


def test_encrypted_bytes_are_stored_in_a_binary_column(engine: Engine) -> None:
    metadata = sa.MetaData()
    documents = sa.Table(
        "t_encrypted_documents",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pdf", EncryptedBytes()),
        sa.Column("note", EncryptedText()),
        sa.Column("payload", EncryptedJSON()),
    )
    metadata.create_all(engine)
    try:
        pdf = b"%PDF-1.7 Zo\xc3\xab \x00\xff" * 100
        with engine.begin() as connection:
            connection.execute(documents.insert().values(id=1, pdf=pdf, note="n", payload=[1]))
        with engine.connect() as connection:
            row = connection.execute(sa.select(documents)).one()
            stored = connection.execute(sa.text("SELECT pdf FROM t_encrypted_documents")).scalar()
        assert (row.pdf, row.note, row.payload) == (pdf, "n", [1])
        assert isinstance(stored, bytes | memoryview)
        assert b"%PDF" not in bytes(stored) and len(bytes(stored)) == len(pdf) + crypto.OVERHEAD
    finally:
        metadata.drop_all(engine)


# --- look-ups by name -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("Émile R.", "émile r."),
        ("Émile R.", "ÉMILE R."),
        ("Émile R.", "  Émile   R. "),
        ("Zoë Ünïcode", "ZOË ÜNÏCODE"),
        ("Zoë Ünïcode", "zoë ünïcode"),
        ("Zoë Ünïcode", "Zoe\u0308 U\u0308ni\u0308code"),  # combining marks: another Unicode form
        ("Straße K.", "STRASSE K."),
    ],
)
def test_a_patient_is_found_by_name_in_any_case_and_form(
    session: Session, make_patient: Callable[..., Patient], stored: str, typed: str
) -> None:
    wanted = make_patient(display_name=stored)
    make_patient(display_name="Someone Else")
    make_patient()
    assert [p.id for p in patients.by_name(session, typed)] == [wanted.id]


def test_two_patients_with_one_name_are_both_found(
    session: Session, make_patient: Callable[..., Patient]
) -> None:
    first = make_patient(display_name="Zoë Ünïcode")
    second = make_patient(display_name="ZOË ÜNÏCODE")
    make_patient(display_name="Zoe Unicode")  # another name: no accents
    assert [p.id for p in patients.by_name(session, "zoë ünïcode")] == [first.id, second.id]


def test_a_renamed_patient_is_found_by_the_new_name_only(
    session: Session, make_patient: Callable[..., Patient]
) -> None:
    patient = make_patient(display_name="Old Name")
    patient.display_name = "Zoë New"
    session.add(patient)
    session.flush()
    assert patients.by_name(session, "old name") == []
    assert [p.id for p in patients.by_name(session, "ZOË NEW")] == [patient.id]


# --- rotation and the start-up check ----------------------------------------------------


def fill(
    session: Session, make_patient: Callable[..., Patient], name: str, answers: int
) -> tuple[int, int]:
    """A patient named `name` with an intake of `answers` typed answers: (patient, intake)."""
    patient = make_patient(display_name=name)
    intake = intakes.create(session, patient.id)
    for n in range(answers):
        intakes.record_answer(session, intake.id, f"q.{n}", f"answer {n}", "typed", intake.started_at)
    session.commit()
    return patient.id, intake.id


def key_ids(engine: Engine) -> set[bytes]:
    tokens = [t for (t,) in raw(engine, "SELECT raw_text FROM answer")]
    tokens += [t for (t,) in raw(engine, "SELECT display_name FROM patient")]
    return {key_id_of(token) for token in tokens}


def test_rotation_moves_every_value_and_name_hash_to_the_newest_key(
    session: Session,
    make_patient: Callable[..., Patient],
    engine: Engine,
    key_ring: Callable[[str], None],
) -> None:
    first, first_intake = fill(session, make_patient, "Émile R.", answers=3)
    old_id = crypto.ring().newest.key_id
    key_ring(f"{OTHER_KEY},{TEST_KEY}")
    second, _ = fill(session, make_patient, "Zoë Ünïcode", answers=2)
    new_id = crypto.ring().newest.key_id
    assert key_ids(engine) == {old_id, new_id}
    # before rotation both are found: the look-up tries every key's hash
    assert [p.id for p in patients.by_name(session, "ÉMILE R.")] == [first]
    assert rekey.unreadable(engine) is None

    done = rekey.rotate(engine)

    # patient: 1 name; answer: 3 values + 3 typed texts, all from the first patient
    assert dict(done.reencrypted) == {"patient": 1, "answer": 6}
    assert done.already_newest == 1 + 4 and done.name_hashes == 1
    assert key_ids(engine) == {new_id}
    key_ring(OTHER_KEY)  # the old key can go now
    assert rekey.unreadable(engine) is None
    with Session(engine) as fresh:
        assert [p.id for p in patients.by_name(fresh, "émile r.")] == [first]
        assert [p.id for p in patients.by_name(fresh, "zoë ünïcode")] == [second]
        assert intakes.current_answers(fresh, first_intake)["q.2"] == "answer 2"
    again = rekey.rotate(engine)
    assert (again.total, again.name_hashes) == (0, 0)


def test_rotation_keeps_a_value_the_bot_changed_meanwhile(
    session: Session,
    make_patient: Callable[..., Patient],
    engine: Engine,
    key_ring: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fill(session, make_patient, "Émile R.", answers=1)
    key_ring(f"{OTHER_KEY},{TEST_KEY}")
    table = next(t for t in rekey._plain_tables() if t.name == "answer")
    read_by_rotation = list(rekey._pages(engine, sa.select(table.table), table.key))
    # the bot rewrites the typed text (under the newest key) after rotation read it
    with Session(engine) as bot:
        row = bot.exec(select(Answer)).one()
        row.raw_text = "changed by the bot"
        bot.add(row)
        bot.commit()
    monkeypatch.setattr(rekey, "_pages", lambda *_: iter(read_by_rotation))
    done = rekey.Rotation()
    rekey._rotate_table(engine, table, done)
    assert done.reencrypted["answer"] == 1  # the value; the typed text had moved on
    with Session(engine) as fresh:
        answer = fresh.exec(select(Answer)).one()
        assert (answer.value, answer.raw_text) == ("answer 0", "changed by the bot")


def test_the_start_up_check_names_the_setting_when_the_key_is_wrong(
    session: Session,
    make_patient: Callable[..., Patient],
    engine: Engine,
    key_ring: Callable[[str], None],
) -> None:
    fill(session, make_patient, "Émile R.", answers=1)
    key_ring(OTHER_KEY)
    problem = rekey.unreadable(engine)
    assert problem is not None and problem.startswith(
        "DATA_ENCRYPTION_KEY cannot read the stored data (patient.display_name was encrypted "
        "with another key): set the key it was written with"
    )
    assert "keys rotate" in problem and OTHER_KEY not in problem and TEST_KEY not in problem
    with pytest.raises(crypto.KeyRingError, match=r"^patient.display_name holds a value"):
        rekey.rotate(engine)
    key_ring(f"{OTHER_KEY},{THIRD_KEY}")
    assert rekey.unreadable(engine) is not None


def test_the_start_up_check_sees_an_old_key_dropped_before_rotation(
    session: Session,
    make_patient: Callable[..., Patient],
    engine: Engine,
    key_ring: Callable[[str], None],
) -> None:
    fill(session, make_patient, "Émile R.", answers=1)  # the oldest rows: the old key
    key_ring(f"{OTHER_KEY},{TEST_KEY}")
    fill(session, make_patient, "Zoë Ünïcode", answers=1)  # the newest rows: the new key
    key_ring(OTHER_KEY)  # the old key dropped without rotating
    assert "cannot read the stored data" in (rekey.unreadable(engine) or "")


def sqlite_files(engine: Engine) -> bytes:
    """The SQLite database file and its write-ahead log, as on disk."""
    path = engine.url.database or ""
    files = [Path(f"{path}{end}") for end in ("", "-wal")]
    return b"".join(file.read_bytes() for file in files if file.exists())


def old_rows_dropped(engine: Engine, *, secure_delete: bool) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql(f"PRAGMA secure_delete={'ON' if secure_delete else 'OFF'}")
        connection.exec_driver_sql("CREATE TABLE t_old (words TEXT)")
        for number in range(200):
            connection.exec_driver_sql(f"INSERT INTO t_old VALUES ('Kirkcaldy note {number}')")
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE t_old")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def test_deleted_rows_leave_nothing_in_the_sqlite_file(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    old_rows_dropped(sqlite_engine, secure_delete=True)
    assert b"Kirkcaldy note" not in sqlite_files(sqlite_engine)


def test_rewriting_the_sqlite_file_leaves_no_deleted_plain_text(sqlite_engine: Engine) -> None:
    """What `intake-bot db upgrade` does after a migration rewrote rows, for a file written
    without secure_delete (by a SQLite built without it, before this version)."""
    old_rows_dropped(sqlite_engine, secure_delete=False)
    assert b"Kirkcaldy note" in sqlite_files(sqlite_engine)
    rewrite_sqlite_file(sqlite_engine)
    assert b"Kirkcaldy note" not in sqlite_files(sqlite_engine)


def test_the_ring_shows_no_key_material() -> None:
    shown = repr(crypto.ring()) + str(crypto.ring())
    assert TEST_KEY not in shown and TEST_KEY.rstrip("=") not in shown
    assert "name_key" not in shown and "aead" not in shown
    for key in crypto.ring().keys:
        assert key.name_key.hex() not in shown and repr(key.name_key) not in shown
