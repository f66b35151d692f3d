from __future__ import annotations

from typing import Any

import pytest

from publica.accounts.models import User
from publica.catalogue.models import Service
from publica.insights.tests import town as hand_made


@pytest.fixture
def town(
    pothole: Service, parking_permit: Service, caseworker: User, resident: User
) -> dict[str, Any]:
    """The hand-made town of `town.py`, its summaries built."""
    return hand_made.build(pothole, parking_permit, caseworker, resident)
