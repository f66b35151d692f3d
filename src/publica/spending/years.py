"""Financial years as the council counts them: 1 April to 31 March, named like 2025-26.

Pure: no Django. A year is held as the calendar year it starts in (2025 for 2025-26).
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["FIRST_MONTH", "bounds", "label", "of", "parse"]

#: The month a financial year starts in (April, as for English councils).
FIRST_MONTH = 4

_LABEL = re.compile(r"^(\d{4})[-/](\d{2})$")


def label(start: int) -> str:
    """`2025` -> `2025-26`."""
    return f"{start}-{(start + 1) % 100:02d}"


def parse(text: str) -> int | None:
    """`2025-26` (or `2025/26`) -> 2025; None when the text is not a financial year."""
    found = _LABEL.match(text.strip())
    if found is None:
        return None
    start = int(found.group(1))
    if not 1900 <= start <= 2999 or int(found.group(2)) != (start + 1) % 100:
        return None
    return start


def of(day: dt.date) -> int:
    """The financial year a day falls in."""
    return day.year if day.month >= FIRST_MONTH else day.year - 1


def bounds(start: int) -> tuple[dt.date, dt.date]:
    """The first and last day of a financial year."""
    return dt.date(start, FIRST_MONTH, 1), dt.date(start + 1, FIRST_MONTH, 1) - dt.timedelta(1)
