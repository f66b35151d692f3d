"""The access world, built once per test module inside a transaction rolled back after it;
each test runs in a savepoint of it, so no test sees another's writes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from tests.access.world import World, build_world


@pytest.fixture(scope="session")
def _access_media(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("access-media")):
        yield


@pytest.fixture
def _uploads_in_a_temporary_folder(_access_media: None) -> None:
    """The world's attachments live in one folder for the whole run (overrides the per-test
    folder of publica.testing)."""


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, _access_media: None) -> Iterator[World]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)
