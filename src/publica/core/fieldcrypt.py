"""Field-level encryption of personal data at rest, and keyed hashes to search it. Pure: no
Django, no database.

A value is stored as ``enc1:<key id>:<base64 of nonce ‖ AES-256-GCM ciphertext and tag>``.
The key id says which key of the keyring opens it, so keys rotate without downtime: a new key
becomes current for writes while the old ones still read, and `publica keys rotate`
re-encrypts what the old ones hold. Each value is bound to its column (the GCM associated data
is e.g. ``cases.case.contact_email``): a value copied into another column does not open.

Encrypted columns cannot be searched by the database, so the columns that must be searched
get a companion *keyed hash* (a blind index): HMAC-SHA256 under a separate search key of the
normalised value, which finds equal values and nothing else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["PREFIX", "Keyring", "KeyringError", "Undecryptable", "key_id_of", "new_key"]

PREFIX = "enc1"
_NONCE = 12
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_WORD = re.compile(r"\w+", re.UNICODE)


class KeyringError(ValueError):
    """The keys are missing or malformed (a setting or key file to fix)."""


class Undecryptable(ValueError):
    """A stored value that no key of the keyring opens: its key is gone, or it was altered."""


def new_key() -> bytes:
    return os.urandom(32)


def key_id_of(stored: str) -> str | None:
    """The key id a stored value was encrypted under; None for a value never encrypted."""
    if not stored.startswith(PREFIX + ":"):
        return None
    return stored.split(":", 2)[1]


@dataclass(frozen=True)
class Keyring:
    """Data keys by id (`current` encrypts; all decrypt) and the search key for keyed hashes."""

    keys: dict[str, bytes]
    current: str
    search_key: bytes
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise KeyringError(f"the current key {self.current!r} is not in the keyring")
        for key_id, key in self.keys.items():
            if not _KEY_ID.match(key_id):
                raise KeyringError(f"key id {key_id!r}: use 1-32 letters, digits, - or _")
            if len(key) != 32:
                raise KeyringError(f"key {key_id!r} must be 32 bytes (AES-256)")
            self._ciphers[key_id] = AESGCM(key)
        if len(self.search_key) < 32:
            raise KeyringError("the search key must be at least 32 bytes")

    @classmethod
    def parse(cls, keys: str, search_key: str) -> Keyring:
        """From settings text: ``"k2:<base64>,k1:<base64>"`` (the first is current) and the
        search key's base64."""
        parsed: dict[str, bytes] = {}
        for item in (part.strip() for part in keys.split(",") if part.strip()):
            key_id, _, value = item.partition(":")
            parsed[key_id.strip()] = _b64("a field key", value.strip())
        if not parsed:
            raise KeyringError("no field keys given")
        return cls(parsed, next(iter(parsed)), _b64("the search key", search_key))

    def encrypt(self, plaintext: bytes, column: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._ciphers[self.current].encrypt(nonce, plaintext, column.encode())
        return f"{PREFIX}:{self.current}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str, column: str) -> bytes:
        key_id = key_id_of(stored)
        if key_id is None:
            raise Undecryptable(f"{column}: not an encrypted value")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise Undecryptable(f"{column}: encrypted under key {key_id!r}, which is not loaded")
        try:
            raw = base64.b64decode(stored.split(":", 2)[2], validate=True)
            return cipher.decrypt(raw[:_NONCE], raw[_NONCE:], column.encode())
        except (binascii.Error, InvalidTag, ValueError):
            raise Undecryptable(f"{column}: altered, or not a value of this column") from None

    def blind(self, value: str, purpose: str) -> str:
        """The keyed hash of `value` (case-, accent- and space-insensitive) for `purpose`; ""
        for an empty value. Equal inputs give equal hashes; nothing else can be learnt."""
        normal = _normalise(value)
        if not normal:
            return ""
        message = f"{purpose}\x00{normal}".encode()
        return hmac.new(self.search_key, message, hashlib.sha256).hexdigest()[:32]

    def blind_words(self, texts: list[str], purpose: str) -> str:
        """Every distinct word of `texts`, each as a short keyed hash, space-separated with a
        space at each end: ``" h1 h2 "``. A query word is found with ``contains " h "``."""
        words = {word for text in texts for word in _WORD.findall(_normalise(text))}
        hashes = sorted(self.blind(word, purpose)[:16] for word in words)
        return f" {' '.join(hashes)} " if hashes else ""


def _normalise(value: str) -> str:
    folded = unicodedata.normalize("NFKD", value.casefold())
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    return " ".join(plain.split())


def _b64(what: str, value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise KeyringError(f"{what} is not valid base64") from None
