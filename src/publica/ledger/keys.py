"""The ledger's Ed25519 signing key: from PUBLICA_LEDGER_KEY when set, otherwise a key
created on first use in PUBLICA_DATA_DIR (readable by its owner only) and kept there."""

from __future__ import annotations

import base64
import binascii
import os
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from publica.ledger import note

__all__ = ["origin", "signing_key", "verifier", "verifier_key"]

KEY_FILE = "ledger-signing-key.pem"


def origin() -> str:
    return str(settings.PUBLICA_LEDGER_ORIGIN)


def signing_key() -> Ed25519PrivateKey:
    return _load(settings.PUBLICA_LEDGER_KEY, Path(settings.DATA_DIR))


@cache
def _load(setting: str, data_dir: Path) -> Ed25519PrivateKey:
    if setting:
        try:
            return Ed25519PrivateKey.from_private_bytes(base64.b64decode(setting, validate=True))
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(
                "PUBLICA_LEDGER_KEY must be the base64 of a 32-byte Ed25519 private key"
            ) from None
    return _key_in(data_dir / KEY_FILE)


def _key_in(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it a moment ago: use theirs
        else:
            with os.fdopen(descriptor, "wb") as file:
                file.write(pem)
    loaded = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} does not hold an Ed25519 private key")
    return loaded


def verifier_key() -> str:
    """The public verifier key string (`<origin>+<key id>+<base64 key>`)."""
    return note.verifier_key(origin(), signing_key())


def verifier() -> note.Verifier:
    return note.Verifier.parse(verifier_key())
