"""Fixtures for open-data tests: an organisation to publish as."""

from __future__ import annotations

import pytest

from publica.accounts.models import Organisation


@pytest.fixture
def council(db: None) -> Organisation:
    return Organisation.objects.create(slug="millbrook", name="Millbrook Council")
