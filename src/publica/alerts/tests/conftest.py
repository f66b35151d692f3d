from __future__ import annotations

import pytest

from publica.accounts.models import User
from publica.accounts.tests.factories import UserFactory
from publica.alerts.demo import load_demo_wards
from publica.alerts.models import Ward
from publica.notify.tests.conftest import smtp  # noqa: F401  (the real SMTP sink)


@pytest.fixture
def wards(db: None) -> dict[str, Ward]:
    """Millbrook's four demo wards, which meet at the town centre."""
    return {ward.slug: ward for ward in load_demo_wards()}


@pytest.fixture
def admin(db: None) -> User:
    return UserFactory(admin=True)
