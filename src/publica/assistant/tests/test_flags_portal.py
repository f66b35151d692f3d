"""The back office's review-flag page: who sees which flags, and clearing or confirming one."""

from __future__ import annotations

import pytest

from publica.accounts.roles import Role
from publica.accounts.tests.factories import DepartmentFactory, UserFactory
from publica.assistant.models import ReviewFlag
from publica.assistant.tests import flag_fixtures
from publica.assistant.tests.flag_fixtures import ACCOUNT
from publica.cases.models import Case

pytestmark = pytest.mark.django_db

PAGE = "/staff/review-flags/"

_no_kept_history = flag_fixtures._no_kept_history
claim = flag_fixtures.claim
ctr = flag_fixtures.ctr
officer = flag_fixtures.officer
revenues = flag_fixtures.revenues


@pytest.fixture
def flagged(claim) -> Case:  # type: ignore[no-untyped-def]
    """The third claim on one account in a week, flagged for review."""
    claim(days_ago=6)
    claim(days_ago=4)
    case = claim(days_ago=1)
    assert case.flagged
    return case


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def action(flag: ReviewFlag, name: str) -> str:
    return f"{PAGE}{flag.pk}/{name}/"


def test_staff_of_the_department_see_open_flags_with_their_reasons(staff_client, officer, flagged):
    page = text(staff_client(officer).get(PAGE))
    assert flagged.reference in page
    assert "The same council tax account is on 2 other claims in the last 30 days" in page
    assert ACCOUNT not in page
    assert "Clear: nothing wrong" in page and "Confirm: acted on" in page
    assert f'href="{PAGE}"' in page  # the back office menu links here


def test_staff_of_another_department_neither_see_nor_settle_the_flag(staff_client, flagged):
    outsider = UserFactory(role=Role.CASEWORKER, department=DepartmentFactory(slug="parks"))
    client = staff_client(outsider)
    page = text(client.get(PAGE))
    assert flagged.reference not in page and "No review flags here." in page
    flag = ReviewFlag.objects.get()
    assert client.post(action(flag, "clear"), {"note": "x"}).status_code == 404
    flag.refresh_from_db()
    assert flag.state == ReviewFlag.State.OPEN


def test_an_auditor_sees_every_flag_but_cannot_settle_one(staff_client, flagged):
    client = staff_client(UserFactory(auditor=True))
    page = text(client.get(PAGE))
    assert flagged.reference in page and "Clear: nothing wrong" not in page
    response = client.post(action(ReviewFlag.objects.get(), "clear"))
    assert response.status_code == 403 and "You cannot review this flag" in text(response)


def test_residents_and_strangers_cannot_open_the_page(client, flagged):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/staff/sign-in/" in response["Location"]
    client.force_login(UserFactory(role=Role.RESIDENT))
    assert client.get(PAGE).status_code == 403


def test_clearing_from_the_page_lifts_the_flag_and_writes_the_timeline(
    staff_client, officer, flagged
):
    client = staff_client(officer)
    flag = ReviewFlag.objects.get()
    response = client.post(action(flag, "clear"), {"note": "Lodgers at the same address"})
    assert response.status_code == 302 and response["Location"] == PAGE
    page = text(client.get(PAGE))
    assert f"Flag cleared on {flagged.reference}." in page and "No review flags here." in page
    flagged.refresh_from_db()
    assert not flagged.flagged
    assert flagged.events.last().data["reason"] == (
        "Review flag cleared: nothing wrong found. Lodgers at the same address"
    )
    cleared = text(client.get(f"{PAGE}?state=cleared"))
    assert flagged.reference in cleared and "Lodgers at the same address" in cleared


def test_confirming_without_a_note_shows_an_error_naming_the_note(staff_client, officer, flagged):
    client = staff_client(officer)
    flag = ReviewFlag.objects.get()
    response = client.post(action(flag, "confirm"), {"note": ""})
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page
    assert f'<a href="#note-{flag.pk}">say what you found and what you did</a>' in page
    assert 'class="govuk-error-message"' in page
    flag.refresh_from_db()
    assert flag.state == ReviewFlag.State.OPEN
    response = client.post(action(flag, "confirm"), {"note": "Asked for a tenancy agreement"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.state == ReviewFlag.State.CONFIRMED and flag.reviewed_by == officer


def test_an_unknown_action_or_flag_is_not_found(staff_client, officer, flagged):
    client = staff_client(officer)
    flag = ReviewFlag.objects.get()
    assert client.post(action(flag, "reject")).status_code == 404
    assert client.post(f"{PAGE}999999/clear/").status_code == 404
    assert client.get(action(flag, "clear")).status_code == 405
