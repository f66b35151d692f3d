"""Characters `str.isdigit()` accepts but `int()` cannot read ("²", "³", "①") are bad input
like any other: a 400 or a field error, never a 500. Each case here was a 500."""

from __future__ import annotations

import pytest

from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory
from publica.core.errors import InvalidInput
from publica.insights.services import ratings

pytestmark = pytest.mark.django_db

SUPERSCRIPT = "\u00b2"


@pytest.mark.parametrize(
    "url",
    [
        f"/opendata/ocds/records.json?after={SUPERSCRIPT}",
        f"/opendata/ocds/records.json?limit={SUPERSCRIPT}",
        f"/opendata/ocds/releases.json?limit={SUPERSCRIPT}",
        f"/sta/v1.1/Things?$top={SUPERSCRIPT}",
        f"/sta/v1.1/Things?$skip={SUPERSCRIPT}",
    ],
)
def test_public_pages_refuse_a_superscript_number(client, url: str) -> None:
    assert client.get(url).status_code in (200, 400)


@pytest.mark.parametrize(
    "url",
    [
        f"/staff/insights/?department={SUPERSCRIPT}",
        f"/staff/insights/performance/?service={SUPERSCRIPT}",
    ],
)
def test_staff_pages_refuse_a_superscript_number(staff_client, supervisor, url: str) -> None:
    assert staff_client(supervisor).get(url).status_code in (200, 400)


def test_the_access_audit_refuses_a_superscript_staff_id(staff_client, highways) -> None:
    auditor = UserFactory(role=Role.AUDITOR, department=highways)

    assert staff_client(auditor).get(f"/staff/access/?staff={SUPERSCRIPT}").status_code == 200


def test_a_handling_time_in_superscript_minutes_is_refused(staff_client, supervisor, pothole):
    response = staff_client(supervisor).post(
        "/staff/insights/forecast/handling-time/",
        {"service": str(pothole.pk), "minutes": SUPERSCRIPT},
    )

    assert response.status_code < 500


def test_a_superscript_satisfaction_score_is_a_field_error() -> None:
    with pytest.raises(InvalidInput) as refused:
        ratings._score(SUPERSCRIPT)

    assert refused.value.errors[0].field == "score"
