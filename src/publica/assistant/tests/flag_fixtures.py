"""Fixtures for the review-flag tests: the demo Council Tax Reduction service in a revenues
department, its staff, and claims submitted through `case_submit` at chosen times, with the
after-commit review run as it is in production. Imported by the review-flag test modules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from publica.accounts.models import Department, User
from publica.accounts.roles import Role
from publica.accounts.tests.factories import DepartmentFactory, UserFactory
from publica.assistant.services.flags import flags_forget_history
from publica.cases.models import Case
from publica.cases.services import case_submit
from publica.catalogue.models import Service
from publica.core import clock
from publica.testing import load_demo_service

ACCOUNT = "40590018"
NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=dt.UTC)
ANSWERS: dict[str, Any] = {
    "account_number": ACCOUNT,
    "pension_age": False,
    "benefit": "universal-credit",
    "weekly_income": 240.0,
    "savings": 900.0,
    "other_adults": False,
    "backdate": False,
}


@pytest.fixture(autouse=True)
def _no_kept_history() -> None:
    """Each test reads its own past claims: service ids repeat across tests."""
    flags_forget_history()


@pytest.fixture
def revenues(db: None) -> Department:
    department = DepartmentFactory(slug="revenues", name="Revenues and Benefits")
    department.supervisor = UserFactory(role=Role.SUPERVISOR, department=department)
    department.save()
    return department


@pytest.fixture
def ctr(revenues: Department) -> Service:
    return load_demo_service("council-tax-reduction")


@pytest.fixture
def officer(revenues: Department) -> User:
    return UserFactory(role=Role.CASEWORKER, department=revenues)


@pytest.fixture
def claim(ctr: Service, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Submit a claim `days_ago` days before NOW; the review runs after it commits, as in
    production (tests otherwise never commit). `review=False` skips it, for history."""

    def submit(
        days_ago: float = 0, *, email: str = "", review: bool = True, **answers: Any
    ) -> Case:
        contact = {"email": email or f"claimant{Case.objects.count()}@example.org"}
        with clock.at(NOW - dt.timedelta(days=days_ago)):
            if not review:
                case = case_submit(
                    service=ctr, data={**ANSWERS, **answers}, actor=None, contact=contact
                )
            else:
                with django_capture_on_commit_callbacks(execute=True):
                    case = case_submit(
                        service=ctr, data={**ANSWERS, **answers}, actor=None, contact=contact
                    )
        case.refresh_from_db()
        return case

    return submit
