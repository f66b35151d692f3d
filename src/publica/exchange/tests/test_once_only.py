"""'Once only' through the real portal pages: consent, prefill from the registers, and a
permit the rules approve from what the registers say."""

from __future__ import annotations

import pytest

from publica.accounts.tests.factories import UserFactory
from publica.cases.models import Case
from publica.catalogue import servicefile
from publica.catalogue.services import service_load
from publica.core.actors import SystemActor
from publica.exchange.models import AccessRecord, Consent
from publica.exchange.tests.factories import PersonFactory, VehicleFactory, verify
from publica.testing import DEMO_SERVICES

pytestmark = pytest.mark.django_db
START = "/services/parking-permit/start/"
VEHICLE = {"vehicle_registration": "MB24 XYZ", "registered_keeper": "yes"}  # as prefilled


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


@pytest.fixture
def person():  # type: ignore[no-untyped-def]
    someone = PersonFactory(house="4", street="High Street", postcode="MB1 2AA")
    VehicleFactory(registration="MB24 XYZ", keeper_id=someone.person_id, make="Nissan Leaf")
    return someone


@pytest.fixture
def applicant(person):  # type: ignore[no-untyped-def]
    user = UserFactory()
    verify(user, person)
    return user


@pytest.fixture
def signed_in(client, applicant):  # type: ignore[no-untyped-def]
    client.force_login(applicant)
    return client


def consent_and_start(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get(START)["Location"] == "/services/parking-permit/your-data/"
    assert (
        client.post("/services/parking-permit/your-data/", {"consent": "yes"})["Location"] == START
    )
    assert client.get(START)["Location"] == "/services/parking-permit/form/1/"


def test_a_verified_resident_is_asked_for_consent_before_anything_is_fetched(
    signed_in, parking_permit
):
    response = signed_in.get(START)
    assert response["Location"] == "/services/parking-permit/your-data/"
    page = text(signed_in.get(response["Location"]))
    assert "May we fetch your details?" in page
    assert "Population register" in page and "Vehicle register" in page
    assert "Your registered address" in page and "The vehicles you keep" in page
    assert not AccessRecord.objects.exists()


def test_not_choosing_is_an_error_naming_the_question(signed_in, parking_permit):
    page = text(signed_in.post("/services/parking-permit/your-data/", {}))
    assert '<a href="#consent">Choose whether we may fetch your details</a>' in page
    assert not Consent.objects.exists()


def test_prefill_shows_the_address_and_vehicle_with_where_they_came_from(
    signed_in, parking_permit, applicant
):
    consent_and_start(signed_in)
    address_page = text(signed_in.get("/services/parking-permit/form/1/"))
    assert "High Street" in address_page and "MB1 2AA" in address_page
    assert "From the Population register (Registrar of population)" in address_page
    assert 'name="street"' not in address_page  # the register's address is not typed over
    vehicle_page = text(signed_in.get("/services/parking-permit/form/2/"))
    assert 'value="MB24 XYZ"' in vehicle_page
    assert "Filled in from the Vehicle register (Vehicle licensing agency)" in vehicle_page

    records = AccessRecord.objects.filter(subject=applicant).order_by("pk")
    assert [r.register for r in records] == ["population", "vehicles"]
    assert {r.basis for r in records} == {"consent"}
    assert records[0].basis_detail == str(Consent.objects.get().pk)
    assert records[0].purpose.startswith("Check your address")
    assert records[0].actor_kind == "system" and records[0].case is None


def test_a_permit_from_register_facts_is_approved_automatically(
    signed_in, parking_permit, applicant
):
    consent_and_start(signed_in)
    signed_in.post("/services/parking-permit/form/1/", {})
    signed_in.post("/services/parking-permit/form/2/", VEHICLE)
    check = text(signed_in.get("/services/parking-permit/check/"))
    assert "From the Population register" in check
    response = signed_in.post("/services/parking-permit/check/")
    case = Case.objects.get()
    assert response["Location"] == f"/cases/{case.reference}/sent/"
    assert (case.state, case.outcome) == ("approved", "approved")
    decision = case.events.get(kind="transitioned")
    assert decision.actor_label == "rule:auto-approve-from-register-facts"
    assert case.register_facts["person"]["street"] == "High Street"
    assert case.events.filter(kind="registers_checked").count() == 1
    checked = AccessRecord.objects.filter(subject=applicant, case=case)
    assert sorted(r.register for r in checked) == ["population", "vehicles"]


def test_posting_another_address_does_not_change_the_registers_answer(signed_in, parking_permit):
    consent_and_start(signed_in)
    signed_in.post("/services/parking-permit/form/1/", {"street": "Kiln Lane", "house": "99"})
    signed_in.post("/services/parking-permit/form/2/", VEHICLE)
    signed_in.post("/services/parking-permit/check/")
    case = Case.objects.get()
    assert (case.data["street"], case.data["house"]) == ("High Street", "4")


def test_a_vehicle_the_registers_do_not_show_as_theirs_waits_for_a_person(
    signed_in, parking_permit
):
    consent_and_start(signed_in)
    signed_in.post("/services/parking-permit/form/1/", {})
    signed_in.post(
        "/services/parking-permit/form/2/",
        {"vehicle_registration": "KT19 ABC", "registered_keeper": "yes"},
    )
    signed_in.post("/services/parking-permit/check/")
    case = Case.objects.get()
    assert case.state == "submitted"
    assert case.flagged and "keeper" in case.flag_reason


def test_declining_means_typing_and_nothing_is_fetched(signed_in, parking_permit):
    signed_in.get(START)
    response = signed_in.post("/services/parking-permit/your-data/", {"consent": "no"})
    assert response["Location"] == START
    assert signed_in.get(START)["Location"] == "/services/parking-permit/form/1/"
    page = text(signed_in.get("/services/parking-permit/form/1/"))
    assert 'name="street"' in page and "High Street" not in page
    assert not AccessRecord.objects.exists()
    assert not Consent.objects.exists()


def test_revoking_consent_stops_the_next_prefill(client, parking_permit, applicant):
    client.force_login(applicant)
    consent_and_start(client)
    fetched = AccessRecord.objects.count()
    consent = Consent.objects.get()
    page = text(client.get("/account/consents/"))
    assert "In force" in page and consent.purpose in page
    response = client.post(f"/account/consents/{consent.pk}/revoke/")
    assert response["Location"] == "/account/consents/"
    assert "Withdrawn" in text(client.get("/account/consents/"))

    client.logout()  # a new visit
    client.force_login(applicant)
    assert client.get(START)["Location"] == "/services/parking-permit/your-data/"
    assert AccessRecord.objects.count() == fetched


def test_a_consent_revoked_after_prefill_stops_the_check_and_a_person_decides(
    signed_in, parking_permit
):
    consent_and_start(signed_in)
    fetched = AccessRecord.objects.count()
    Consent.objects.update(revoked_at=Consent.objects.get().granted_at)
    signed_in.post("/services/parking-permit/form/1/", {})
    signed_in.post("/services/parking-permit/form/2/", VEHICLE)
    signed_in.post("/services/parking-permit/check/")
    case = Case.objects.get()
    assert case.state == "submitted" and case.register_facts == {}
    assert AccessRecord.objects.count() == fetched


def test_a_resident_without_a_verified_identity_types_their_details(client, parking_permit):
    client.force_login(UserFactory())
    assert client.get(START)["Location"] == "/services/parking-permit/form/1/"
    assert not AccessRecord.objects.exists()


def test_someone_elses_consent_cannot_be_revoked(client, parking_permit, applicant):
    client.force_login(applicant)
    consent_and_start(client)
    consent = Consent.objects.get()
    client.force_login(UserFactory())
    assert client.post(f"/account/consents/{consent.pk}/revoke/").status_code == 404
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_the_consents_page_asks_a_visitor_to_sign_in(client):
    assert client.get("/account/consents/")["Location"].startswith("/account/sign-in/")


def test_the_whole_journey_leaves_a_trail_the_resident_can_read(
    client, parking_permit, applicant, staff_client, parking_officer
):
    """Issue 11's done-when, end to end through the pages."""
    client.force_login(applicant)
    consent_and_start(client)
    client.post("/services/parking-permit/form/1/", {})
    client.post("/services/parking-permit/form/2/", VEHICLE)
    client.post("/services/parking-permit/check/")
    case = Case.objects.get()
    assert case.outcome == "approved"

    staff = staff_client(parking_officer)
    case_page = text(staff.get(f"/staff/cases/{case.reference}/"))
    assert "What the registers said" in case_page and "Vehicle register" in case_page
    opened = AccessRecord.objects.get(actor=parking_officer)
    assert (opened.subject, opened.case, opened.basis) == (applicant, case, "case")

    client.force_login(applicant)  # staff_client signed the same test client in as staff
    tracker = text(client.get("/account/data/"))
    assert case.reference in tracker
    assert "Population register" in tracker and "Vehicle register" in tracker
    assert str(parking_officer) in tracker


LAW = "Road Traffic Regulation Act 1984, section 45"


@pytest.fixture
def statutory_permit(parking):  # type: ignore[no-untyped-def]
    """The parking permit as a council with a statutory duty to check would run it."""
    text = (DEMO_SERVICES / "parking-permit.yaml").read_text()
    text = text.replace("basis: consent\n  consent_months: 12", f"basis: statutory\n  law: {LAW}")
    definition = servicefile.parse(text)
    return service_load(definition=definition, actor=SystemActor("test")).version.service


def test_on_a_statutory_basis_details_are_fetched_without_consent_naming_the_law(
    signed_in, statutory_permit, applicant
):
    assert signed_in.get(START)["Location"] == "/services/parking-permit/form/1/"
    signed_in.post("/services/parking-permit/form/1/", {})
    signed_in.post("/services/parking-permit/form/2/", VEHICLE)
    signed_in.post("/services/parking-permit/check/")
    assert Case.objects.get().outcome == "approved"
    assert not Consent.objects.exists()
    records = AccessRecord.objects.filter(subject=applicant)
    assert records.count() == 4  # prefill and check, two registers each
    assert {(r.basis, r.basis_detail) for r in records} == {("statutory", LAW)}


def test_a_director_finds_their_company_name_filled_in_and_may_change_it(client, applicant, person):
    from publica.accounts.tests.factories import DepartmentFactory
    from publica.exchange.tests.factories import BusinessFactory
    from publica.testing import load_demo_service

    DepartmentFactory(slug="licensing")
    load_demo_service("business-licence")
    BusinessFactory(name="Mill Bakery Ltd", directors=[person.person_id])
    client.force_login(applicant)
    start = "/services/business-licence/start/"
    assert client.get(start)["Location"] == "/services/business-licence/your-data/"
    page = text(client.get("/services/business-licence/your-data/"))
    assert "Business register" in page and "The companies you direct" in page
    client.post("/services/business-licence/your-data/", {"consent": "yes"})
    assert client.get(start)["Location"] == "/services/business-licence/form/1/"
    your_business = text(client.get("/services/business-licence/form/2/"))
    assert 'value="Mill Bakery Ltd"' in your_business
    assert "Filled in from the Business register" in your_business
    [record] = AccessRecord.objects.filter(subject=applicant)
    assert record.register == "businesses"
