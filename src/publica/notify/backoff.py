"""When to try a failed delivery again: exponential backoff with full jitter, capped, until a
message is too old to be worth sending. Pure: no Django."""

from __future__ import annotations

import datetime as dt
import random

__all__ = ["next_attempt"]


def next_attempt(
    *,
    attempts: int,
    now: dt.datetime,
    created_at: dt.datetime,
    base: float,
    cap: float,
    max_age: float,
    rng: random.Random | None = None,
) -> dt.datetime | None:
    """The time of the next try after `attempts` failed ones, or None when the message will be
    older than `max_age` seconds by then (give up: a permanent failure)."""
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    delay = (rng or random).uniform(ceiling / 2, ceiling)  # half fixed, half jitter
    when = now + dt.timedelta(seconds=delay)
    if (when - created_at).total_seconds() > max_age:
        return None
    return when
