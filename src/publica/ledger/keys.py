"""The ledger's Ed25519 signing key: from PUBLICA_LEDGER_KEY when set, otherwise a key
created on first use in PUBLICA_DATA_DIR (readable by its owner only) and kept there."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from publica.core.keyfiles import ed25519_key
from publica.ledger import note

__all__ = ["origin", "signing_key", "verifier", "verifier_key"]

KEY_FILE = "ledger-signing-key.pem"


def origin() -> str:
    return str(settings.PUBLICA_LEDGER_ORIGIN)


def signing_key() -> Ed25519PrivateKey:
    return _load(settings.PUBLICA_LEDGER_KEY, Path(settings.DATA_DIR))


@cache
def _load(setting: str, data_dir: Path) -> Ed25519PrivateKey:
    return ed25519_key(setting="PUBLICA_LEDGER_KEY", value=setting, path=data_dir / KEY_FILE)


def verifier_key() -> str:
    """The public verifier key string (`<origin>+<key id>+<base64 key>`)."""
    return note.verifier_key(origin(), signing_key())


def verifier() -> note.Verifier:
    return note.Verifier.parse(verifier_key())
