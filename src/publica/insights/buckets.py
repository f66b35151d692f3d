"""Times to close, kept as counts per bucket so medians need no case rows. Pure: no Django.

A bucket is an hour wide under two days, a day wide under sixty days, and a week wide after
that (the last bucket takes everything from about two years on). Each bucket also keeps the
sum of its cases' days, so a median is the mean of the bucket holding the middle case: exact
when that bucket's cases took the same time, and never further out than the bucket's width.
The database computes the same buckets (`services.summaries.bucket_expression`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["DAILY_UNTIL", "HOURLY_UNTIL", "LAST", "bucket_of", "median"]

#: Buckets are an hour wide below this many days...
HOURLY_UNTIL = 2
#: ...a day wide below this many...
DAILY_UNTIL = 60
#: ...and a week wide up to the last bucket.
LAST = 205


def bucket_of(days: float) -> int:
    """The bucket of a case that took `days` (fractional) to close."""
    if days < HOURLY_UNTIL:
        return max(math.floor(days * 24), 0)
    if days < DAILY_UNTIL:
        return math.floor(days) + HOURLY_UNTIL * 24 - HOURLY_UNTIL
    weekly_from = HOURLY_UNTIL * 24 + DAILY_UNTIL - HOURLY_UNTIL
    return weekly_from + min(math.floor((days - DAILY_UNTIL) / 7), LAST - weekly_from)


def median(buckets: Iterable[tuple[int, int, float]]) -> float | None:
    """The median days from (bucket, cases, sum of days) rows, which may repeat a bucket
    (rows from different days or services); None when there are no cases."""
    merged: dict[int, list[float]] = {}
    for bucket, cases, days in buckets:
        found = merged.setdefault(bucket, [0.0, 0.0])
        found[0] += cases
        found[1] += days
    total = int(sum(count for count, _ in merged.values()))
    if total == 0:
        return None
    wanted = [(total + 1) // 2, (total + 2) // 2]  # the middle rank, or the middle two
    values: list[float] = []
    seen = 0
    for bucket in sorted(merged):
        count, days_sum = merged[bucket]
        if not count:
            continue
        seen += int(count)
        while wanted and wanted[0] <= seen:
            wanted.pop(0)
            values.append(days_sum / count)
    return sum(values) / len(values)
