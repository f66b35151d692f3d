"""'Who has used my data': a resident reads every use of their data, and only theirs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from publica.accounts.roles import Role
from publica.accounts.tests.factories import OrganisationFactory, UserFactory
from publica.cases.tests.factories import submit_pothole
from publica.core import clock
from publica.core.actors import SystemActor
from publica.exchange.services.access import access_record
from publica.exchange.tests.factories import PersonFactory, verify

TRACKER = "/account/data/"
MOMENT = dt.datetime(2026, 11, 21, 14, 5, tzinfo=dt.UTC)


@pytest.fixture
def council(db):  # type: ignore[no-untyped-def]
    """The council every test department belongs to, with an address for privacy questions."""
    organisation = OrganisationFactory()
    organisation.contact_email = "privacy@example.org"
    organisation.save()
    return organisation


def _prefill(subject=None, person_id: str = "", purpose: str = "Filling in your permit"):  # type: ignore[no-untyped-def]
    with clock.at(MOMENT):
        return access_record(
            actor=SystemActor("prefill"), subject=subject, subject_person_id=person_id,
            data="Your registered address", purpose=purpose, basis="consent",
            register="population",
        )  # fmt: skip


def test_someone_signed_out_is_sent_to_sign_in(client):
    response = client.get(TRACKER)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portal:signin')}?next={TRACKER}"


def test_staff_have_no_data_tracker(client, caseworker):
    client.force_login(caseworker)
    assert client.get(TRACKER).status_code == 404


def test_the_resident_sees_their_records_and_not_another_residents(client, resident, council):
    _prefill(resident, purpose="Filling in your parking permit application")
    _prefill(UserFactory(role=Role.RESIDENT), purpose="Someone else's permit")
    client.force_login(resident)
    page = client.get(TRACKER).content.decode()
    assert "Filling in your parking permit application" in page
    assert "Someone else" not in page
    assert "21 November 2026, 14:05" in page
    assert "Testshire Council — Publica (prefill)" in page
    assert "mailto:privacy@example.org" in page


def test_reads_by_their_person_number_are_theirs_too(client, resident, council):
    verify(resident, PersonFactory(person_id="TP123456"))
    _prefill(person_id="TP123456", purpose="Checking who keeps a vehicle")
    _prefill(person_id="TP999999", purpose="Checking someone else")
    client.force_login(resident)
    page = client.get(TRACKER).content.decode()
    assert "Checking who keeps a vehicle" in page and "Checking someone else" not in page


def test_a_caseworker_opening_the_case_is_on_the_page_naming_the_case(
    client, staff_client, caseworker, pothole, resident, council
):
    case = submit_pothole(pothole, resident)
    staff_client(caseworker).get(reverse("staff:case", args=[case.reference]))
    client.logout()
    client.force_login(resident)
    page = client.get(TRACKER).content.decode()
    assert f"Testshire Council, Highways — {caseworker}" in page
    assert "Your case and its answers" in page and "handling your case" in page
    assert f'href="{reverse("portal:case", args=[case.reference])}"' in page


def test_consent_links_to_the_consents_and_a_legal_duty_names_the_law(client, resident, council):
    _prefill(resident)
    access_record(
        actor=SystemActor("council-tax"), subject=resident, data="Your home's council tax band",
        purpose="Working out your council tax", basis="statutory",
        basis_detail="Local Government Finance Act 1992",
    )  # fmt: skip
    client.force_login(resident)
    page = client.get(TRACKER).content.decode()
    assert f'<a class="govuk-link" href="{reverse("exchange:consents")}">your consent</a>' in page
    assert "a legal duty: Local Government Finance Act 1992" in page


def test_another_organisation_is_named_as_such(client, resident, council):
    access_record(
        actor=SystemActor("exchange"), subject=resident, data="Your registered address",
        purpose="Checking your address for a school place", basis="statutory",
        agency="Northshire County Council", on_behalf_of="School admissions",
    )  # fmt: skip
    client.force_login(resident)
    page = client.get(TRACKER).content.decode()
    assert "Another organisation: Northshire County Council, for School admissions" in page


def test_records_come_newest_first_fifty_a_page(client, resident, council):
    for minute in range(51):
        with clock.at(MOMENT + dt.timedelta(minutes=minute)):
            access_record(
                actor=SystemActor("prefill"), subject=resident, data="Your registered address",
                purpose=f"Read number {minute}", basis="consent",
            )  # fmt: skip
    client.force_login(resident)
    first = client.get(TRACKER).content.decode()
    assert first.index("Read number 50") < first.index("Read number 49")
    assert "Read number 0<" not in first and 'rel="next"' in first
    second = client.get(TRACKER, {"page": 2}).content.decode()
    assert "Read number 0<" in second and "Read number 1<" not in second


def test_a_resident_with_no_records_is_told_so(client, resident):
    client.force_login(resident)
    assert "Nobody has used your personal data yet." in client.get(TRACKER).content.decode()
