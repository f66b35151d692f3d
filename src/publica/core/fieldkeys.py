"""Where the field-encryption keys come from, and how a new one is added.

From settings when `PUBLICA_FIELD_KEYS` is set (``"k2:<base64>,k1:<base64>"``, the first is
current) with `PUBLICA_SEARCH_KEY`; otherwise from ``field-keys.json`` in the data folder,
made on first use (readable by its owner only) and included in every backup. Every process
re-reads the file when it changes (checked at most once a second), so `publica keys add` and
`publica keys rotate` need no restart.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from publica.core.fieldcrypt import Keyring, KeyringError, new_key

__all__ = ["FILE_NAME", "RELOAD_SECONDS", "keyring", "keys_add", "keys_make_current"]

FILE_NAME = "field-keys.json"
#: How stale a process's copy of the key file may be.
RELOAD_SECONDS = 1.0

_lock = threading.Lock()
_cached: dict[str, Any] = {"ring": None, "source": None, "checked": 0.0, "mtime": None}


def keyring() -> Keyring:
    """The keyring this process encrypts and decrypts with."""
    now = time.monotonic()
    source = _source()
    if (
        _cached["ring"] is not None
        and _cached["source"] == source
        and now - _cached["checked"] < RELOAD_SECONDS
    ):
        return _cached["ring"]  # type: ignore[no-any-return]
    with _lock:
        if source == "settings":
            if _cached["source"] != source:
                _cached["ring"] = _from_settings()
            mtime = None
        else:
            path = Path(source)
            if not path.exists():
                _write(path, _new_file())
            mtime = path.stat().st_mtime_ns
            if _cached["source"] != source or _cached["mtime"] != mtime:
                _cached["ring"] = _from_file(path)
        _cached.update(source=source, checked=now, mtime=mtime)
        return _cached["ring"]  # type: ignore[no-any-return]


def keys_add() -> str:
    """Add a new key to the key file, not yet current (every process learns to read it
    first); returns its id. `keys_make_current` then makes writes use it."""
    path = _file_or_refuse()
    data = json.loads(path.read_text())
    key_id = f"k{1 + max(int(k[1:]) for k in data['keys'] if k[1:].isdigit())}"
    data["keys"][key_id] = base64.b64encode(new_key()).decode()
    _write(path, data, replace=True)
    return key_id


def keys_make_current(key_id: str) -> None:
    path = _file_or_refuse()
    data = json.loads(path.read_text())
    if key_id not in data["keys"]:
        raise KeyringError(f"there is no key {key_id!r} in {path}")
    data["current"] = key_id
    _write(path, data, replace=True)


def keys_retire(key_id: str) -> None:
    path = _file_or_refuse()
    data = json.loads(path.read_text())
    if key_id == data["current"]:
        raise KeyringError(f"{key_id} is the current key; make another current first")
    data["keys"].pop(key_id, None)
    _write(path, data, replace=True)


def newest_key_id() -> str:
    ring = keyring()
    return max(ring.keys, key=lambda k: (len(k), k))


def _source() -> str:
    if settings.PUBLICA_FIELD_KEYS:
        return "settings"
    return str(Path(settings.DATA_DIR) / FILE_NAME)


def _from_settings() -> Keyring:
    try:
        return Keyring.parse(settings.PUBLICA_FIELD_KEYS, settings.PUBLICA_SEARCH_KEY)
    except KeyringError as exc:
        raise ImproperlyConfigured(f"PUBLICA_FIELD_KEYS / PUBLICA_SEARCH_KEY: {exc}") from None


def _from_file(path: Path) -> Keyring:
    try:
        data = json.loads(path.read_text())
        keys = {key_id: base64.b64decode(value) for key_id, value in data["keys"].items()}
        return Keyring(keys, data["current"], base64.b64decode(data["search"]))
    except (KeyError, ValueError, KeyringError) as exc:
        raise ImproperlyConfigured(f"{path} is not a valid field key file: {exc}") from None


def _file_or_refuse() -> Path:
    if settings.PUBLICA_FIELD_KEYS:
        raise KeyringError(
            "the keys come from PUBLICA_FIELD_KEYS: add a key there (docs/encryption.md)"
        )
    keyring()  # makes the file if it is missing
    return Path(_source())


def _new_file() -> dict[str, Any]:
    return {
        "current": "k1",
        "keys": {"k1": base64.b64encode(new_key()).decode()},
        "search": base64.b64encode(new_key()).decode(),
    }


def _write(path: Path, data: dict[str, Any], *, replace: bool = False) -> None:
    """Whole file under another name, then linked (new) or renamed (replace): a process
    reading at the same moment sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # 0600
    draft = Path(name)
    with os.fdopen(descriptor, "w") as file:
        json.dump(data, file, indent=2)
    _cached["checked"] = 0.0  # this process reads the new file at once
    if replace:
        os.replace(draft, path)
        return
    try:
        os.link(draft, path)
    except FileExistsError:
        pass  # another process made it a moment ago: use theirs
    finally:
        draft.unlink()
