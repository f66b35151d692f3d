"""Pytest fixtures shared by every app's tests (registered by the root conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from publica.accounts.models import Department, User
from publica.accounts.roles import Role
from publica.accounts.tests.factories import DepartmentFactory, UserFactory
from publica.catalogue import servicefile
from publica.catalogue.models import Service
from publica.catalogue.services import service_load
from publica.core.actors import SystemActor

DEMO_SERVICES = Path(__file__).parent / "demo" / "services"
LOADER = SystemActor("tests")


@pytest.fixture
def highways(db: None) -> Department:
    department = DepartmentFactory(slug="highways", name="Highways")
    department.supervisor = UserFactory(role=Role.SUPERVISOR, department=department)
    department.save()
    return department


@pytest.fixture
def parking(db: None) -> Department:
    return DepartmentFactory(slug="parking", name="Parking Services")


def load_demo_service(slug: str) -> Service:
    definition = servicefile.parse_file(DEMO_SERVICES / f"{slug}.yaml")
    return service_load(definition=definition, actor=LOADER).version.service


@pytest.fixture
def pothole(highways: Department) -> Service:
    return load_demo_service("pothole")


@pytest.fixture
def parking_permit(parking: Department) -> Service:
    return load_demo_service("parking-permit")


@pytest.fixture
def caseworker(highways: Department) -> User:
    return UserFactory(role=Role.CASEWORKER, department=highways)


@pytest.fixture
def supervisor(highways: Department) -> User:
    return highways.supervisor  # type: ignore[return-value]


@pytest.fixture
def resident(db: None) -> User:
    return UserFactory(role=Role.RESIDENT)


@pytest.fixture
def parking_officer(parking: Department) -> User:
    return UserFactory(role=Role.CASEWORKER, department=parking)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    """Real hashers take ~0.5 s a password by design; tests need only that hashing happens."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    """Key ids repeat across tests (each test's rows roll back); their counters must not."""
    from django.core.cache import caches

    caches["ratelimit"].clear()
    caches["local"].clear()  # and so do the rows each process keeps for a few seconds


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_folder(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _plain_static_files(settings) -> None:  # type: ignore[no-untyped-def]
    """Pages render without `collectstatic`; the served test checks the real storage."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def staff_client(client):  # type: ignore[no-untyped-def]
    """Sign a member of staff in through the real password and TOTP pages."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def sign_in(user: User):  # type: ignore[no-untyped-def]
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        response = client.post(
            "/staff/sign-in/", {"username": user.username, "password": "correct-horse-battery"}
        )
        assert response.status_code == 302, response.content
        response = client.post("/staff/verify/", {"token": f"{totp(device.bin_key):06d}"})
        assert response.status_code == 302, response.content
        return client

    return sign_in
