"""Convert SensorThings JSON values (times, intervals, results) to stored values and back. Pure."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ValueProblem",
    "format_interval",
    "format_time",
    "joined_result",
    "parse_interval",
    "parse_time",
    "result_problem",
    "split_result",
]

_OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"
#: What a result must be for each observationType of the spec (Table 12); others allow anything.
_RESULT_TYPES = {
    _OM + "OM_Measurement": "a number",
    _OM + "OM_CountObservation": "a whole number",
    _OM + "OM_TruthObservation": "true or false",
    _OM + "OM_CategoryObservation": "a category URI as a string",
}


class ValueProblem(ValueError):
    """A JSON value has the wrong type or format; the message says what was expected."""


def parse_time(value: Any) -> datetime:
    """An ISO 8601 instant; one without an offset is taken as UTC."""
    if not isinstance(value, str):
        raise ValueProblem(f"expected an ISO 8601 time as a string, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueProblem(f"{value!r} is not an ISO 8601 time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_interval(value: Any) -> tuple[datetime, datetime | None]:
    """An instant, or an interval `start/end`, as (start, end or None)."""
    if isinstance(value, str) and "/" in value:
        start, end = (parse_time(part) for part in value.split("/", 1))
        if end < start:
            raise ValueProblem(f"the interval {value!r} ends before it starts")
        return start, end
    return parse_time(value), None


def format_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def format_interval(start: datetime | None, end: datetime | None) -> str | None:
    if start is None:
        return None
    if end is None:
        return format_time(start)
    return f"{format_time(start)}/{format_time(end)}"


def split_result(result: Any) -> tuple[float | None, Any]:
    """(value, result): a finite number goes in `value`, anything else stays JSON."""
    kind = type(result)  # exact types: bool is an int, and this runs for every reading
    if kind is float or kind is int:
        number = float(result)
        if math.isfinite(number):
            return number, None
    return None, result


def joined_result(value: float | None, result: Any) -> Any:
    """The result as sent: a whole number comes back as one, not as 3.0."""
    if value is None:
        return result
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def result_problem(observation_type: str, result: Any) -> str | None:
    """Why `result` cannot be a result of a Datastream of this observationType, or None."""
    wanted = _RESULT_TYPES.get(observation_type)
    if wanted is None:
        return None
    number = isinstance(result, int | float) and not isinstance(result, bool)
    fits = {
        "a number": number and math.isfinite(result),
        "a whole number": number and float(result).is_integer(),
        "true or false": isinstance(result, bool),
        "a category URI as a string": isinstance(result, str),
    }[wanted]
    if fits:
        return None
    return f"this Datastream's observationType wants {wanted} as the result, got {result!r}"[:200]
