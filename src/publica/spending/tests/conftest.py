from __future__ import annotations

import pytest

from publica.accounts.models import User
from publica.accounts.tests.factories import UserFactory


@pytest.fixture
def admin(db: None) -> User:
    return UserFactory(admin=True)
