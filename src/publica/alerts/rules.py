"""The limits alerts keep to, and reading phone numbers and coordinates people type. No Django.

`FieldProblem` is what a check raises; the services turn it into a FieldError naming the field.
"""

from __future__ import annotations

import math
import re

__all__ = [
    "BODY_MAX",
    "MAX_SUBSCRIPTIONS_PER_ADDRESS",
    "RADIUS_MAX_M",
    "RADIUS_MIN_M",
    "TITLE_MAX",
    "FieldProblem",
    "boundary",
    "latitude",
    "longitude",
    "phone_number",
    "radius",
    "rate_spacing",
]

RADIUS_MIN_M = 50
RADIUS_MAX_M = 20_000
TITLE_MAX = 120
BODY_MAX = 1000
#: Subscriptions one address may hold at once (stops a form being used to flood someone).
MAX_SUBSCRIPTIONS_PER_ADDRESS = 20


class FieldProblem(ValueError):
    """A value a person typed that cannot be used; the message says what to type instead."""


_PHONE_PUNCTUATION = re.compile(r"[\s().\-]")
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
_UK_MOBILE = re.compile(r"^07[0-9]{9}$")
_UK_NATIONAL = re.compile(r"^0[1-9][0-9]{8,9}$")


def phone_number(text: str) -> str:
    """A mobile number in E.164 form (+447700900123) from how people write one: a UK mobile
    (07700 900123, +44 7700 900123, 0044 7700 900123) or any international E.164 number."""
    number = _PHONE_PUNCTUATION.sub("", text)
    if number.startswith("00"):
        number = "+" + number[2:]
    if number.startswith("+440"):  # +44 (0)7700 … written with the trunk zero
        number = "+44" + number[4:]
    if _UK_MOBILE.match(number):
        return "+44" + number[1:]
    if _UK_NATIONAL.match(number) or (number.startswith("+44") and number[3:4] != "7"):
        raise FieldProblem("Enter a UK mobile number, like 07700 900123")
    if not _E164.match(number):
        raise FieldProblem("Enter a mobile number, like 07700 900123 or +44 7700 900123")
    return number


def _number(value: float | int | str | None, name: str, example: str) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise FieldProblem(f"Enter the {name}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FieldProblem(f"Enter the {name} as a number, like {example}") from None
    if not math.isfinite(number):
        raise FieldProblem(f"Enter the {name} as a number, like {example}")
    return number


def latitude(value: float | str | None) -> float:
    number = _number(value, "latitude", "52.03")
    if not -90 <= number <= 90:
        raise FieldProblem("Latitude must be between -90 and 90")
    return number


def longitude(value: float | str | None) -> float:
    number = _number(value, "longitude", "-0.98")
    if not -180 <= number <= 180:
        raise FieldProblem("Longitude must be between -180 and 180")
    return number


def radius(value: int | str | None) -> int:
    """A distance in whole metres within the limits."""
    number = _number(value, "distance", "500")
    if number != int(number):
        raise FieldProblem("Enter the distance in whole metres, like 500")
    if not RADIUS_MIN_M <= number <= RADIUS_MAX_M:
        raise FieldProblem(
            f"The distance must be between {RADIUS_MIN_M:,} and {RADIUS_MAX_M:,} metres"
        )
    return int(number)


def boundary(value: object) -> list[list[float]]:
    """A ward's boundary: three or more [latitude, longitude] corners."""
    if not isinstance(value, list | tuple) or len(value) < 3:
        raise FieldProblem("Give the boundary as three or more [latitude, longitude] corners")
    corners = []
    for corner in value:
        if not isinstance(corner, list | tuple) or len(corner) != 2:
            raise FieldProblem("Give each corner as [latitude, longitude]")
        corners.append([latitude(corner[0]), longitude(corner[1])])
    return corners


def rate_spacing(per_minute: int) -> float:
    """Seconds between two messages of one channel so it sends at most `per_minute`."""
    if per_minute <= 0:
        raise ValueError("a rate must be at least one message a minute")
    return 60.0 / per_minute
