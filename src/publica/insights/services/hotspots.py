"""Placeholder: keeping HotspotCount up to date (built by the hotspots work)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection


def hotspots_rebuild(*, days: Collection[dt.date] | None) -> int:
    """Recount the HotspotCount rows of these UTC days (every day when None); returns the
    rows written."""
    return 0
