"""Ed25519 keys an instance signs with (the ledger's, the exchange's): from a setting when it
is set, otherwise a key made on first use in the data folder (readable by its owner only)."""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from django.core.exceptions import ImproperlyConfigured

__all__ = ["ed25519_key"]


def ed25519_key(*, setting: str, value: str, path: Path) -> Ed25519PrivateKey:
    """The key in `value` (base64 of 32 raw bytes; the setting named `setting`), else the one
    kept at `path`, made there first if missing."""
    if value:
        try:
            return Ed25519PrivateKey.from_private_bytes(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(
                f"{setting} must be the base64 of a 32-byte Ed25519 private key"
            ) from None
    return _key_in(path)


def _key_in(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under another name, then linked: a process starting at the same moment
        # sees no file or a complete one, never half a key.
        descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # 0600
        draft = Path(name)
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it a moment ago: use theirs
        finally:
            draft.unlink()
    loaded = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} does not hold an Ed25519 private key")
    return loaded
