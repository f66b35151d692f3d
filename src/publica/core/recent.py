"""Rows read on every request but changed rarely (API keys, services), kept a few seconds in
each web worker so a request does not spend most of its time looking them up.

A change made through this process's services is seen at once, because the writer calls
`forget`; other workers see it within PUBLICA_LOCAL_CACHE_SECONDS (0 turns this off).
Values are copied in and out of the cache, so a caller can never change what another reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import transaction

__all__ = ["forget", "forget_all", "remembered"]

T = TypeVar("T")


def remembered(key: str, load: Callable[[], T | None]) -> T | None:
    """The value kept under `key`, or what `load` returns (kept unless it is None)."""
    if settings.PUBLICA_LOCAL_CACHE_SECONDS <= 0:
        return load()
    cache = caches["local"]
    value: T | None = cache.get(key)
    if value is None:
        value = load()
        if value is not None:
            cache.set(key, value, timeout=settings.PUBLICA_LOCAL_CACHE_SECONDS)
    return value


def forget(key: str) -> None:
    """Drop this process's copy now, and again once the change that called this commits (a
    request in between could otherwise keep the old row)."""
    caches["local"].delete(key)
    transaction.on_commit(lambda: caches["local"].delete(key))


def forget_all() -> None:
    caches["local"].clear()
