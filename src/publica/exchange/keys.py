"""This organisation's exchange signing key: from PUBLICA_EXCHANGE_KEY when set, otherwise a
key created on first use in PUBLICA_DATA_DIR (readable by its owner only) and kept there.

Other agencies know the key by its id (PUBLICA_EXCHANGE_KEY_ID, by default the organisation's
slug) and its public half, which `publica exchange key` prints for them.
"""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from publica.core.keyfiles import ed25519_key

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
    return ed25519_key(setting="PUBLICA_EXCHANGE_KEY", value=setting, path=data_dir / KEY_FILE)
