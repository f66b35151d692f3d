from __future__ import annotations

import pytest

from publica.accounts.models import Department, User
from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory


@pytest.fixture
def admin(db: None) -> User:
    return UserFactory(admin=True)


@pytest.fixture
def buyer(highways: Department) -> Department:
    """Highways of Testshire Council, with a role mailbox for the council."""
    organisation = highways.organisation
    organisation.contact_email = "procurement@testshire.example.gov.uk"
    organisation.save()
    return highways


@pytest.fixture
def other_supervisor(parking: Department) -> User:
    return UserFactory(role=Role.SUPERVISOR, department=parking)
