"""The data encryption key ring: AES-256-GCM from the `cryptography` library, configured once at
start-up, and keyed hashes of names for look-ups.

`configure(text_or_keys)` installs the ring; the composition roots call it (bot/telegram/app.py,
the command line, the demo, the tests' fixtures) with DATA_ENCRYPTION_KEY: one or more keys,
comma-separated, newest first. Each key is 32 random bytes in URL-safe base64 (`new_key()`).

- New values are encrypted with the newest key; a value written with any key in the ring reads
  back, so a new key can be put in front of the old one at once, and `intake-bot keys rotate`
  re-encrypts the rest later.
- A stored value (`encrypt`) is VERSION, a 4-byte key id, a 12-byte random nonce, then the
  ciphertext with GCM's 16-byte tag; the first 5 bytes are authenticated as associated data.
  The key id picks the key directly: no trial decryption, however many keys the ring holds.
  Column types store it as base64 text (storage.encrypted).
- `name_hash(name)`: HMAC-SHA256 of the normalised name (NFKC, casefolded, spaces collapsed)
  under a key derived once per data key with HKDF, so names are found without being stored
  in the clear. `name_hashes` gives one per key in the ring, for look-ups mid-rotation.

Everything costly happens once in `configure` (parsing, the AESGCM objects, HKDF): a value
costs one AES-GCM call (about 1 µs for a typical answer; see bench/encryption.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SETTING = "DATA_ENCRYPTION_KEY"
KEY_BYTES = 32
VERSION = b"\x01"
KEY_ID_BYTES = 4
NONCE_BYTES = 12
HEADER_BYTES = len(VERSION) + KEY_ID_BYTES
BODY_START = HEADER_BYTES + NONCE_BYTES
OVERHEAD = BODY_START + 16  # the GCM tag
NEW_KEY_COMMAND = '"intake-bot keys new"'


class KeyRingError(Exception):
    """The key ring is missing, malformed or cannot read a stored value. The message is one line
    that names DATA_ENCRYPTION_KEY and what to do; it never contains a key or stored data."""


@dataclass(frozen=True)
class DataKey:
    """One key of the ring, with everything derived from it made once. Its repr shows the key
    id only, so no key material reaches a log or a traceback."""

    key_id: bytes
    aead: AESGCM = field(repr=False)
    name_key: bytes = field(repr=False)  # the HMAC key for name hashes, derived with HKDF


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[DataKey, ...]  # newest first
    by_id: dict[bytes, DataKey]

    @property
    def newest(self) -> DataKey:
        return self.keys[0]


_ring: KeyRing | None = None


# --- keys -------------------------------------------------------------------------------


def new_key() -> str:
    """A fresh random key, as DATA_ENCRYPTION_KEY takes it."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def parse_keys(text: str) -> tuple[bytes, ...]:
    """The keys in a DATA_ENCRYPTION_KEY value (comma-separated, newest first).

    KeyRingError, naming which key is wrong but never echoing it, for anything else."""
    parts = [part.strip() for part in text.split(",")]
    if not any(parts):
        raise KeyRingError(f"{SETTING} is empty: make a key with {NEW_KEY_COMMAND}")
    keys: list[bytes] = []
    for number, part in enumerate(parts, start=1):
        try:
            key = base64.urlsafe_b64decode(part.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            key = b""
        if len(key) != KEY_BYTES:
            which = f"key {number} of {len(parts)}" if len(parts) > 1 else "the key"
            raise KeyRingError(
                f"{SETTING} is malformed ({which} is not {KEY_BYTES} bytes of URL-safe base64): "
                f"make a key with {NEW_KEY_COMMAND}"
            )
        keys.append(key)
    return tuple(keys)


def _key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"intake-bot key id\x00" + key).digest()[:KEY_ID_BYTES]


def _data_key(key: bytes) -> DataKey:
    name_key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"intake-bot name hash v1"
    ).derive(key)
    return DataKey(_key_id(key), AESGCM(key), name_key)


def configure(keys: str | Sequence[bytes]) -> None:
    """Install the key ring: DATA_ENCRYPTION_KEY's text, or the raw keys, newest first."""
    global _ring
    raw = parse_keys(keys) if isinstance(keys, str) else tuple(keys)
    if not raw or any(len(key) != KEY_BYTES for key in raw):
        raise KeyRingError(f"{SETTING} needs at least one {KEY_BYTES}-byte key")
    ring = tuple(_data_key(key) for key in dict.fromkeys(raw))
    by_id = {key.key_id: key for key in ring}
    if len(by_id) != len(ring):
        raise KeyRingError(f"{SETTING}: two keys share an id; make another with {NEW_KEY_COMMAND}")
    _ring = KeyRing(ring, by_id)


def reset() -> None:
    """Forget the key ring (for tests)."""
    global _ring
    _ring = None


def is_configured() -> bool:
    return _ring is not None


def ring() -> KeyRing:
    """The configured ring, or KeyRingError saying how to configure one."""
    if _ring is None:
        raise KeyRingError(
            f"no data encryption key is configured: set {SETTING} "
            f"(make a key with {NEW_KEY_COMMAND})"
        )
    return _ring


# --- values -----------------------------------------------------------------------------


def encrypt(plaintext: bytes) -> bytes:
    """`plaintext` encrypted with the newest key."""
    key = ring().newest
    header = VERSION + key.key_id
    nonce = os.urandom(NONCE_BYTES)
    return header + nonce + key.aead.encrypt(nonce, plaintext, header)


def decrypt(blob: bytes) -> bytes:
    """A value from `encrypt`, with whichever key of the ring wrote it."""
    if len(blob) < OVERHEAD or blob[:1] != VERSION:
        raise KeyRingError(f"a stored value is not encrypted data that {SETTING} can read")
    key = ring().by_id.get(blob[1:HEADER_BYTES])
    if key is None:
        raise KeyRingError(
            f"a stored value was encrypted with a key that {SETTING} does not list: add that key "
            "after the newest one"
        )
    nonce = blob[HEADER_BYTES:BODY_START]
    try:
        return key.aead.decrypt(nonce, blob[BODY_START:], blob[:HEADER_BYTES])
    except InvalidTag:
        raise KeyRingError(f"a stored value failed its integrity check under {SETTING}") from None


def is_newest(blob: bytes) -> bool:
    """Whether `blob` was written with the newest key."""
    return blob[1:HEADER_BYTES] == ring().newest.key_id


def encrypt_text(plaintext: str) -> str:
    """`plaintext` encrypted, as base64 text for a TEXT column."""
    return to_token(encrypt(plaintext.encode("utf-8")))


def decrypt_text(token: str) -> str:
    return decrypt(to_blob(token)).decode("utf-8")


def to_token(blob: bytes) -> str:
    """An encrypted value as the text a TEXT column stores."""
    return base64.b64encode(blob).decode("ascii")


def to_blob(token: str) -> bytes:
    try:
        return base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError):
        raise KeyRingError(
            f"a stored value is not encrypted data that {SETTING} can read"
        ) from None


def reencrypt(blob: bytes) -> bytes | None:
    """`blob` encrypted again with the newest key; None when it already is."""
    if is_newest(blob):
        decrypt(blob)  # still checked: a value that cannot be read must not pass as done
        return None
    return encrypt(decrypt(blob))


# --- names ------------------------------------------------------------------------------


def normalise_name(name: str) -> str:
    """The form two spellings of one name share: NFKC, casefolded, single spaces."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return " ".join(folded.split())


def _hash(key: DataKey, normalised: str) -> str:
    return hmac.new(key.name_key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


def name_hash(name: str | None) -> str | None:
    """The keyed hash stored beside a name (newest key); None for no name."""
    if name is None or not normalise_name(name):
        return None
    return _hash(ring().newest, normalise_name(name))


def name_hashes(name: str) -> list[str]:
    """The name's hash under every key of the ring, newest first: a row not yet rotated is
    still found."""
    normalised = normalise_name(name)
    if not normalised:
        return []
    return [_hash(key, normalised) for key in ring().keys]
