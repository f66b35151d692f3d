"""The figures residents read: budget against spend, and how far a project has got.

Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["percent", "percent_complete", "remaining", "share_spent"]


def remaining(planned: Decimal, spent: Decimal) -> Decimal:
    """What is left of the budget; negative when spending went over it."""
    return planned - spent


def share_spent(planned: Decimal, spent: Decimal) -> int | None:
    """Spent as a whole percentage of planned (above 100 when over budget), or None when
    nothing was planned, where a share means nothing."""
    if planned <= 0:
        return None
    return int((spent * 100 / planned).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent_complete(milestones: Iterable[tuple[int, bool]]) -> int | None:
    """The weight of completed milestones as a whole percentage of all their weight, from
    (weight, completed) pairs; None for a project without weighted milestones.

    Rounded down, so a project shows 100% only once every milestone is complete."""
    total = done = 0
    for weight, completed in milestones:
        total += max(weight, 0)
        done += max(weight, 0) if completed else 0
    return percent(done, total)


def percent(done: int, total: int) -> int | None:
    """`done` as a whole percentage of `total`, rounded down; None when `total` is 0."""
    if total <= 0:
        return None
    return min(max(done, 0), total) * 100 // total
