"""The one place Publica asks for the time, so the demo and tests can replay the past."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

_frozen: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar(
    "publica_frozen_time", default=None
)


def now() -> dt.datetime:
    """The current time (aware, UTC: Publica runs with USE_TZ), or the time set by `at()` in
    this context. Cheaper than `timezone.now()`, which reads settings on every call."""
    return _frozen.get() or dt.datetime.now(dt.UTC)


@contextlib.contextmanager
def at(moment: dt.datetime) -> Iterator[None]:
    """Run a block as if it were `moment` (used to load past cases and in tests)."""
    if timezone.is_naive(moment):
        raise ValueError("clock.at() needs an aware datetime")
    token = _frozen.set(moment)
    try:
        yield
    finally:
        _frozen.reset(token)
