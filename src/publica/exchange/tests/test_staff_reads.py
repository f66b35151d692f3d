"""Every staff read of a resident's case, and every read of it through the API, writes an
access record the resident can see; their own reads do not."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from publica.accounts.apikeys import apikey_create
from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory
from publica.cases.models import Case
from publica.cases.services import case_attach
from publica.cases.tests.factories import submit_pothole
from publica.core import clock
from publica.core.actors import SystemActor
from publica.exchange.models import AccessRecord

SETUP = SystemActor("tests")
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def case(pothole, resident) -> Case:  # type: ignore[no-untyped-def]
    return submit_pothole(pothole, resident)


def test_a_caseworker_opening_the_case_adds_one_record_naming_them(staff_client, caseworker, case):
    response = staff_client(caseworker).get(f"/staff/cases/{case.reference}/")
    assert response.status_code == 200
    [record] = AccessRecord.objects.all()
    assert record.subject == case.applicant and record.case == case
    assert (record.actor, record.actor_kind, record.actor_label) == (
        caseworker, AccessRecord.Actor.STAFF, str(caseworker)
    )  # fmt: skip
    assert record.department == "Highways"
    assert record.data == "Your case and its answers"
    assert record.purpose == f"Handling case {case.reference}"
    assert record.basis == AccessRecord.Basis.CASE and not record.without_open_case


def test_downloading_a_document_adds_one_record_naming_it(staff_client, caseworker, case):
    [attachment] = case_attach(
        case=case, files=[SimpleUploadedFile("photo-of-hole.pdf", PDF)], actor=caseworker
    )
    signed_in = staff_client(caseworker)
    response = signed_in.get(reverse("staff:attachment", args=[case.reference, attachment.pk]))
    assert response.status_code == 200
    [record] = AccessRecord.objects.all()
    assert record.data == "The document photo-of-hole.pdf" and record.actor == caseworker
    assert record.case == case and record.subject == case.applicant


def test_the_resident_viewing_their_own_case_adds_none(client, resident, case):
    client.force_login(resident)
    assert client.get(f"/cases/{case.reference}/").status_code == 200
    assert not AccessRecord.objects.exists()


def test_a_staff_read_of_a_resident_with_every_case_closed_is_marked(
    staff_client, caseworker, case
):
    Case.objects.filter(pk=case.pk).update(closed_at=clock.now(), state="repaired")
    staff_client(caseworker).get(f"/staff/cases/{case.reference}/")
    [record] = AccessRecord.objects.all()
    assert record.without_open_case


def test_a_read_while_another_case_of_theirs_is_open_is_not_marked(
    staff_client, caseworker, case, pothole, resident
):
    submit_pothole(pothole, resident)
    Case.objects.filter(pk=case.pk).update(closed_at=clock.now(), state="repaired")
    staff_client(caseworker).get(f"/staff/cases/{case.reference}/")
    assert not AccessRecord.objects.get().without_open_case


def test_an_anonymous_report_without_contact_details_is_about_no_one(
    staff_client, caseworker, pothole
):
    anonymous = submit_pothole(pothole, contact={})
    staff_client(caseworker).get(f"/staff/cases/{anonymous.reference}/")
    assert not AccessRecord.objects.exists()


def test_an_auditor_reading_a_case_is_recorded_too(staff_client, case):
    auditor = UserFactory(role=Role.AUDITOR)
    assert staff_client(auditor).get(f"/staff/cases/{case.reference}/").status_code == 200
    assert AccessRecord.objects.get().actor == auditor


def test_an_api_client_reading_the_case_adds_a_record_naming_the_client(client, case):
    _, raw = apikey_create(name="Roads app", scopes=["cases:read"], actor=SETUP)
    response = client.get(f"/api/v1/cases/{case.reference}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    [record] = AccessRecord.objects.all()
    assert record.actor_kind == AccessRecord.Actor.SYSTEM and record.actor is None
    assert record.actor_label == "API client Roads app" and record.subject == case.applicant
    assert record.case == case and record.data == "Your case and its answers"
