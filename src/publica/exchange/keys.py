"""This organisation's exchange signing key: from PUBLICA_EXCHANGE_KEY when set, otherwise a
key created on first use in PUBLICA_DATA_DIR (readable by its owner only) and kept there.

Other agencies know the key by its id (PUBLICA_EXCHANGE_KEY_ID, by default the organisation's
slug) and its public half, which `publica exchange key` prints for them.
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["KEY_FILE", "key_id", "public_key_b64", "signing_key"]

KEY_FILE = "exchange-signing-key.pem"


def signing_key() -> Ed25519PrivateKey:
    return _load(settings.PUBLICA_EXCHANGE_KEY, Path(settings.DATA_DIR))


def key_id() -> str:
    """The id other agencies know this key by: the setting, else the organisation's slug."""
    if settings.PUBLICA_EXCHANGE_KEY_ID:
        return str(settings.PUBLICA_EXCHANGE_KEY_ID)
    from publica.accounts.selectors import organisation_get

    organisation = organisation_get()
    if organisation is None:
        raise ImproperlyConfigured(
            "set PUBLICA_EXCHANGE_KEY_ID, or set up the organisation whose slug names the key"
        )
    return organisation.slug


def public_key_b64() -> str:
    """The public half of the key, base64 of its 32 raw bytes, as other agencies enter it."""
    raw = signing_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


@cache
def _load(setting: str, data_dir: Path) -> Ed25519PrivateKey:
    if setting:
        try:
            return Ed25519PrivateKey.from_private_bytes(base64.b64decode(setting, validate=True))
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(
                "PUBLICA_EXCHANGE_KEY must be the base64 of a 32-byte Ed25519 private key"
            ) from None
    return _key_in(data_dir / KEY_FILE)


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
