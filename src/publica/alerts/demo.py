"""Wards for the demo town of Millbrook: four quarters around the town centre (invented)."""

from __future__ import annotations

from publica.alerts.models import Ward
from publica.alerts.services import ward_upsert
from publica.core.actors import DEMO, Actor

#: The town centre, as in PUBLICA_MAP_CENTRE's default.
CENTRE = (52.0312, -0.9876)
#: Half the town's height and width, in degrees (about 2.5 km by 2.7 km in all).
HALF_HEIGHT, HALF_WIDTH = 0.0115, 0.02

#: slug, name, and which quarter: (north?, east?).
WARDS = [
    ("northfield", "Northfield", (True, False)),
    ("abbey", "Abbey", (True, True)),
    ("riverside", "Riverside", (False, False)),
    ("castle", "Castle", (False, True)),
]


def load_demo_wards(*, actor: Actor = DEMO) -> list[Ward]:
    """Create (or put back) Millbrook's wards; loading twice changes nothing."""
    lat, lon = CENTRE
    wards = []
    for slug, name, (north, east) in WARDS:
        lat2 = lat + HALF_HEIGHT if north else lat - HALF_HEIGHT
        lon2 = lon + HALF_WIDTH if east else lon - HALF_WIDTH
        boundary = [[lat, lon], [lat, lon2], [lat2, lon2], [lat2, lon]]
        wards.append(ward_upsert(slug=slug, name=name, boundary=boundary, actor=actor))
    return wards
