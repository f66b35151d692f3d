"""Retention, erasure and subject access, through the real services and pages."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from publica.accounts.models import Identity, User
from publica.accounts.services import identity_verify
from publica.cases.models import Case, CaseEvent
from publica.cases.services import (
    case_add_note,
    case_provide_info,
    case_request_info,
    case_transition,
)
from publica.cases.tests.factories import submit_permit, submit_pothole
from publica.core.actors import SystemActor
from publica.ledger.models import Entry
from publica.notify.models import Message
from publica.privacy.models import ErasureRequest
from publica.privacy.services import erasure_request, retention_run

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
pytestmark = pytest.mark.django_db


def _closed_pothole(pothole, resident, caseworker) -> Case:
    case = submit_pothole(pothole, resident, description="Deep hole outside number 12")
    request = case_request_info(case=case, question="Which side of the road?", actor=caseworker)
    upload = SimpleUploadedFile("where.pdf", PDF, content_type="application/pdf")
    case_provide_info(request=request, answer="North side", actor=resident, files=[upload])
    case_add_note(case=case, text="Rang the resident back", actor=caseworker)
    case_transition(case=case, to="inspecting", actor=caseworker, reason="Booked")
    case_transition(case=case, to="no_action", actor=caseworker, reason="Within tolerance")
    case.refresh_from_db()
    return case


def _age(case: Case, days: int) -> None:
    Case.objects.filter(pk=case.pk).update(closed_at=case.closed_at - dt.timedelta(days=days))


def test_retention_anonymises_closed_cases_past_their_period_and_says_so(
    pothole, resident, caseworker, django_capture_on_commit_callbacks
) -> None:
    old = _closed_pothole(pothole, resident, caseworker)
    recent = _closed_pothole(pothole, resident, caseworker)
    still_open = submit_pothole(pothole, resident)
    _age(old, 2 * 366)
    file_name = old.attachments.get().file.name
    storage = old.attachments.get().file.storage

    with django_capture_on_commit_callbacks(execute=True):
        assert retention_run() == 1

    old.refresh_from_db()
    assert old.anonymised_at is not None and old.applicant is None
    assert (old.data, old.contact_email, old.register_facts) == ({}, "", {})
    assert old.latitude == round(old.latitude, 3)
    assert not old.attachments.exists() and not storage.exists(file_name)
    assert old.information_requests.get().answer == ""
    texts = json.dumps([event.data for event in old.events.all()])
    assert "Deep hole" not in texts and "Rang the resident" not in texts
    assert "Within tolerance" not in texts and "North side" not in texts
    last = old.events.order_by("pk").last()
    assert last.kind == CaseEvent.Kind.ANONYMISED
    assert last.data == {"why": "retention", "rule": "2 years after the case closed"}
    entry = Entry.objects.filter(case_reference=old.reference).order_by("pk").last()
    assert entry.kind == "anonymised" and b"Deep hole" not in bytes(entry.body)
    assert not Message.objects.filter(case=old).exclude(recipient="").exists()
    for untouched in (recent, still_open):
        untouched.refresh_from_db()
        assert untouched.anonymised_at is None and untouched.applicant == resident
    assert retention_run() == 0  # nothing twice


def test_erasure_removes_what_the_rules_allow_and_explains_what_is_kept(
    pothole, parking_permit, resident, caseworker
) -> None:
    report = _closed_pothole(pothole, resident, caseworker)  # on request: erased
    permit = submit_permit(parking_permit, resident)  # decided by the registers, kept 3 years
    permit.refresh_from_db()
    assert permit.closed_at is not None
    still_open = submit_pothole(pothole, resident)

    made = erasure_request(person=resident, actor=resident)

    assert made.status == ErasureRequest.Status.PARTLY
    by_case = {line["case"]: line for line in made.outcome}
    assert by_case[report.reference]["action"] == "erased"
    assert by_case[permit.reference]["action"] == "kept"
    assert "three years" in by_case[permit.reference]["reason"]
    assert by_case[permit.reference]["until"]
    assert "still open" in by_case[still_open.reference]["reason"]
    report.refresh_from_db()
    permit.refresh_from_db()
    assert report.anonymised_at is not None and permit.anonymised_at is None
    resident.refresh_from_db()
    assert resident.is_active and resident.email  # the account stays while a case is kept


def test_erasure_closes_the_account_when_nothing_has_to_be_kept(
    pothole, resident, caseworker
) -> None:
    _closed_pothole(pothole, resident, caseworker)
    identity_verify(
        user=resident, person_id="P-TEST-1", level="substantial", method="demo",
        actor=SystemActor("demo"),
    )  # fmt: skip

    made = erasure_request(person=resident, actor=resident)

    assert made.status == ErasureRequest.Status.DONE
    resident.refresh_from_db()
    assert not resident.is_active and not resident.has_usable_password()
    assert (resident.email, resident.first_name) == ("", "")
    assert not Identity.objects.filter(user=resident).exists()


def test_a_resident_erases_only_their_own_data(pothole, resident) -> None:
    other = User.objects.create_user("other-resident", role="resident")
    with pytest.raises(Exception, match="own data"):
        erasure_request(person=resident, actor=other)


def test_the_download_holds_their_data_and_files_and_nobody_elses(
    client, pothole, resident, caseworker
) -> None:
    mine = _closed_pothole(pothole, resident, caseworker)
    other = User.objects.create_user("other-resident", role="resident", email="o@example.org")
    theirs = submit_pothole(pothole, other, description="Someone else's hole")
    client.force_login(resident)

    response = client.get(reverse("privacy:download"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))
    assert [case["reference"] for case in data["cases"]] == [mine.reference]
    assert theirs.reference not in json.dumps(data)
    case = data["cases"][0]
    assert case["answers"]["description"] == "Deep hole outside number 12"
    assert case["questions"][0]["answer"] == "North side"
    assert "Rang the resident back" not in json.dumps(data)  # internal notes stay out
    assert archive.read(case["attachments"][0]["file"]) == PDF
    assert data["account"]["email"] == resident.email
    assert "README.txt" in archive.namelist()


def test_the_erase_page_shows_what_will_happen_before_anything_is_removed(
    client, pothole, resident, caseworker
) -> None:
    case = _closed_pothole(pothole, resident, caseworker)
    client.force_login(resident)

    page = client.get(reverse("privacy:erase"))

    assert page.status_code == 200
    assert case.reference in page.content.decode()
    case.refresh_from_db()
    assert case.anonymised_at is None
    done = client.post(reverse("privacy:erase"))
    assert done.status_code == 200 and "Erased" in done.content.decode()
    case.refresh_from_db()
    assert case.anonymised_at is not None


def test_privacy_pages_ask_to_sign_in(client) -> None:
    for name in ("privacy:privacy", "privacy:download", "privacy:erase"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "sign-in" in response["Location"]
