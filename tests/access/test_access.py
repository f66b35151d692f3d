"""Every URL and API operation, tried as every principal, answers as the access table says;
refused writes leave nothing behind."""

from __future__ import annotations

import pytest
from django.http import HttpResponse

from publica.assistant.models import Triage
from publica.cases.models import Case, CaseEvent, InformationRequest
from publica.exchange.models import Consent
from publica.notify.models import WebhookSubscription
from publica.sensors.models import Datastream
from tests.access.calls import call
from tests.access.table import Redirect, cases
from tests.access.world import (
    ADMIN,
    ANONYMOUS,
    AUDITOR,
    CASEWORKER,
    CASEWORKER_OTHER_DEPARTMENT,
    KEY,
    KEY_OTHER_DEPARTMENT,
    KEY_WITHOUT_SCOPE,
    NO_KEY,
    OTHER_RESIDENT,
    OWNER,
    SERVICE_DESIGNER,
    SIGNED_IN_RESIDENT,
    World,
)

pytestmark = pytest.mark.django_db


def describe(response: HttpResponse) -> str:
    if response.status_code in (301, 302, 303):
        return f"{response.status_code} to {response['Location']}"
    return str(response.status_code)


@pytest.mark.parametrize(
    ("key", "method", "principal", "expected"),
    [pytest.param(*row, id=f"{row[0]} {row[1]} as {row[2]}") for row in cases()],
)
def test_url_answers_each_principal_as_the_table_says(
    world: World, key: str, method: str, principal: str, expected: object
) -> None:
    response = call(world, key, method, principal)
    if isinstance(expected, Redirect):
        target = expected.to.format(**world.args)
        location = response.get("Location", "")
        assert response.status_code == 302 and location.split("?")[0].startswith(target), (
            f"{method} {key} as {principal}: expected {expected!r}, got {describe(response)}"
        )
    else:
        assert response.status_code == expected, (
            f"{method} {key} as {principal}: expected {expected}, got {describe(response)}"
        )


# Refused writes leave nothing behind.


def _events(world: World) -> int:
    return CaseEvent.objects.filter(case=world.case).count()


@pytest.mark.parametrize(
    "principal", [ANONYMOUS, OWNER, OTHER_RESIDENT, CASEWORKER_OTHER_DEPARTMENT, AUDITOR]
)
def test_a_refused_note_on_the_staff_case_page_adds_nothing(world: World, principal: str) -> None:
    before = _events(world)
    call(world, "staff:case-action", "POST", principal)
    assert _events(world) == before


def test_the_case_departments_caseworker_adds_a_note(world: World) -> None:
    before = _events(world)
    call(world, "staff:case-action", "POST", CASEWORKER)
    assert _events(world) == before + 1  # so the refusals above are real refusals


@pytest.mark.parametrize("principal", [ANONYMOUS, OTHER_RESIDENT, CASEWORKER, ADMIN])
def test_only_the_applicant_withdraws_their_case(world: World, principal: str) -> None:
    call(world, "portal:withdraw", "POST", principal)
    assert Case.objects.get(pk=world.case.pk).state == "submitted"  # type: ignore[union-attr]
    call(world, "portal:withdraw", "POST", OWNER)
    assert Case.objects.get(pk=world.case.pk).state == "withdrawn"  # type: ignore[union-attr]


@pytest.mark.parametrize("principal", [ANONYMOUS, OTHER_RESIDENT, CASEWORKER])
def test_only_the_applicant_answers_a_question(world: World, principal: str) -> None:
    call(world, "portal:respond", "POST", principal)
    assert InformationRequest.objects.filter(answered_at__isnull=False).count() == 0


@pytest.mark.parametrize(
    "principal", [NO_KEY, SIGNED_IN_RESIDENT, KEY_WITHOUT_SCOPE, KEY_OTHER_DEPARTMENT]
)
def test_a_refused_api_note_adds_nothing(world: World, principal: str) -> None:
    before = _events(world)
    call(world, "POST /api/v1/cases/{reference}/notes", "POST", principal)
    assert _events(world) == before


@pytest.mark.parametrize("principal", [NO_KEY, SIGNED_IN_RESIDENT, KEY_WITHOUT_SCOPE])
def test_a_refused_api_submission_makes_no_case(world: World, principal: str) -> None:
    before = Case.objects.count()
    call(world, "POST /api/v1/cases", "POST", principal)
    assert Case.objects.count() == before


@pytest.mark.parametrize("principal", [NO_KEY, KEY_WITHOUT_SCOPE, KEY_OTHER_DEPARTMENT])
def test_a_webhook_is_deleted_only_by_its_own_key(world: World, principal: str) -> None:
    call(world, "DELETE /api/v1/webhooks/{pk}", "DELETE", principal)
    assert WebhookSubscription.objects.get(pk=world.args["webhook"]).active
    call(world, "DELETE /api/v1/webhooks/{pk}", "DELETE", KEY)  # unsubscribing keeps the row
    assert not WebhookSubscription.objects.get(pk=world.args["webhook"]).active


def test_another_resident_cannot_revoke_a_consent(world: World) -> None:
    call(world, "exchange:revoke", "POST", OTHER_RESIDENT)
    assert Consent.objects.get(pk=world.args["consent_id"]).revoked_at is None


@pytest.mark.parametrize("principal", [CASEWORKER_OTHER_DEPARTMENT, AUDITOR, SERVICE_DESIGNER])
def test_a_triage_is_decided_only_by_staff_who_may(world: World, principal: str) -> None:
    call(world, "staff:triage-decide", "POST", principal)
    assert Triage.objects.get(pk=world.args["triage_id"]).state == Triage.State.PENDING


@pytest.mark.parametrize("principal", [AUDITOR, SERVICE_DESIGNER, OWNER])
def test_a_datastream_is_published_only_by_staff_who_may(world: World, principal: str) -> None:
    call(world, "staff_sensors:publication", "POST", principal)
    assert not Datastream.objects.get(pk=world.args["datastream_id"]).public


def test_a_form_post_without_the_csrf_token_is_refused(world: World) -> None:
    client = world.client(OWNER)
    before = Case.objects.get(pk=world.case.pk).state  # type: ignore[union-attr]
    response = client.post(f"/cases/{world.args['reference']}/withdraw/", {"reason": "x"})
    assert response.status_code == 403
    assert Case.objects.get(pk=world.case.pk).state == before  # type: ignore[union-attr]


# Lists show only what the principal may see (a 200 is not enough).


@pytest.mark.parametrize("view", ["department", "unassigned", "overdue", "at-risk", "waiting"])
def test_another_departments_caseworker_does_not_see_the_case_in_any_queue(
    world: World, view: str
) -> None:
    client = world.client(CASEWORKER_OTHER_DEPARTMENT)
    page = client.get(f"/staff/?view={view}&q={world.args['reference']}").content.decode()
    assert f"/staff/cases/{world.args['reference']}/" not in page  # the search box echoes it


def test_the_case_departments_caseworker_sees_the_case_in_the_queue(world: World) -> None:
    page = world.client(CASEWORKER).get("/staff/?view=department").content.decode()
    assert f"/staff/cases/{world.args['reference']}/" in page


def test_a_key_of_another_department_lists_none_of_the_cases(world: World) -> None:
    client = world.client(KEY_OTHER_DEPARTMENT)
    listed = client.get("/api/v1/cases", headers=world.headers(KEY_OTHER_DEPARTMENT)).json()
    assert listed["items"] == []
    mine = client.get("/api/v1/cases", headers=world.headers(KEY)).json()
    assert world.args["reference"] in {item["reference"] for item in mine["items"]}
