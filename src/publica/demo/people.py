"""Invented names for demo staff and residents. None of them is a real person."""

from __future__ import annotations

import itertools

_FIRST = [
    "Amara", "Ben", "Chloe", "Dev", "Elif", "Finn", "Grace", "Hamza", "Isla", "Jonah",
    "Kiran", "Lena", "Marek", "Nia", "Owen", "Priya", "Quinn", "Rosa", "Sami", "Tess",
]  # fmt: skip
_LAST = [
    "Ashdown", "Brackley", "Calloway", "Dunmore", "Elstow", "Fenwick", "Garside", "Holloway",
    "Ingleby", "Jessop", "Kettering", "Linford", "Marsh", "Northam", "Oakridge", "Pennock",
]  # fmt: skip

STREETS = [
    "High Street", "Church Lane", "Mill Road", "Station Approach", "Victoria Terrace",
    "Orchard Way", "Brook Street", "Meadow Close", "Market Square", "Kiln Lane", "Willow Drive",
    "Bridge Road", "Quarry Hill", "School Lane", "Riverside Walk", "Abbey Gardens",
]  # fmt: skip
#: Millbrook's town centre; demo report locations fall within about 2 km of it.
CENTRE = (52.0312, -0.9876)


def staff_names() -> list[tuple[str, str]]:
    """Distinct (first, last) pairs, enough for every member of staff."""
    return list(itertools.product(_FIRST[::2], _LAST))


def resident_names() -> list[tuple[str, str]]:
    """Forty residents, each name distinct from the staff's."""
    return list(itertools.product(_FIRST[1::2], _LAST))[:40]
