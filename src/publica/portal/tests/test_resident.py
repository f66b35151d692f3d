"""Resident pages: forms without JavaScript, tracking by email, answering, withdrawing, drafts."""

from __future__ import annotations

import pytest

from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory
from publica.cases import services as case_services
from publica.cases.models import Case
from publica.cases.tests.factories import submit_pothole

pytestmark = pytest.mark.django_db


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def report_pothole(client, **page_two) -> Case:  # type: ignore[no-untyped-def]
    client.get("/services/pothole/start/")
    client.post(
        "/services/pothole/form/1/",
        {"location-address": "12 Kiln Lane, Millbrook", "road_type": "residential"},
    )
    client.post("/services/pothole/form/2/", {"size": "small", **page_two})
    client.post("/services/pothole/check/", {"contact-email": "walker@example.org"})
    return Case.objects.latest("pk")


def test_a_report_with_only_an_address_works_without_javascript(client, pothole):
    case = report_pothole(client)
    assert case.address == "12 Kiln Lane, Millbrook"
    assert case.latitude is None and case.contact_email == "walker@example.org"


def test_a_report_with_coordinates_and_no_address_works_too(client, pothole):
    client.get("/services/pothole/start/")
    response = client.post(
        "/services/pothole/form/1/",
        {"location-latitude": "52.03", "location-longitude": "-0.98", "road_type": "main"},
    )
    assert response["Location"] == "/services/pothole/form/2/"


def test_a_location_question_left_empty_links_the_error_to_the_address_box(client, pothole):
    client.get("/services/pothole/start/")
    page = text(client.post("/services/pothole/form/1/", {"road_type": "main"}))
    assert '<a href="#location-address">Answer “Where is the pothole?”</a>' in page


def test_a_number_that_is_not_a_number_gets_a_plain_error(client, pothole):
    client.get("/services/pothole/start/")
    client.post("/services/pothole/form/1/", {"location-address": "Kiln Lane", "road_type": "main"})
    page = text(client.post("/services/pothole/form/2/", {"size": "small", "depth_mm": "deep"}))
    assert "enter a whole number, like 12" in page


def test_an_answer_can_be_changed_from_the_check_page(client, pothole):
    report_start = client.get("/services/pothole/start/")
    assert report_start.status_code == 302
    client.post("/services/pothole/form/1/", {"location-address": "Kiln Lane", "road_type": "main"})
    client.post("/services/pothole/form/2/", {"size": "small"})
    response = client.post(
        "/services/pothole/form/1/?change=1",
        {"location-address": "Mill Road", "road_type": "footway"},
    )
    assert response["Location"] == "/services/pothole/check/"
    check = text(client.get("/services/pothole/check/"))
    assert "Mill Road" in check and "A pavement or footpath" in check


def test_a_bad_contact_email_is_shown_beside_its_box_and_nothing_is_sent(client, pothole):
    client.get("/services/pothole/start/")
    client.post("/services/pothole/form/1/", {"location-address": "Kiln Lane", "road_type": "main"})
    client.post("/services/pothole/form/2/", {"size": "small"})
    page = text(client.post("/services/pothole/check/", {"contact-email": "nope"}))
    assert 'href="#contact-email"' in page and 'id="contact-email-error"' in page
    assert not Case.objects.exists()


def test_a_case_is_found_by_reference_and_email_and_not_by_reference_alone(client, pothole):
    case = submit_pothole(pothole, None, contact={"email": "walker@example.org"})
    assert client.get(f"/cases/{case.reference}/").status_code == 404
    wrong = text(client.post("/track/", {"reference": case.reference, "email": "x@example.org"}))
    assert "We could not find a case" in wrong
    response = client.post(
        "/track/", {"reference": case.reference.lower(), "email": "Walker@example.org"}
    )
    assert response["Location"] == f"/cases/{case.reference}/"
    page = text(client.get(response["Location"]))
    assert "We received your request" in page and "Expected by" in page


def test_the_tracking_lookup_is_rate_limited(client, pothole):
    for _ in range(20):
        client.post("/track/", {"reference": "PTH-2026-000001", "email": "guess@example.org"})
    response = client.post(
        "/track/", {"reference": "PTH-2026-000001", "email": "guess@example.org"}
    )
    assert response.status_code == 429


def test_the_applicant_answers_a_question_and_the_clock_restarts(client, pothole, caseworker):
    case = report_pothole(client)
    question = case_services.case_request_info(case=case, question="Photo?", actor=caseworker)
    page = text(client.get(f"/cases/{case.reference}/"))
    assert "We need more information" in page and "Paused until you answer" in page
    client.post(f"/cases/{case.reference}/answers/{question.pk}/", {"answer": "Sent by post"})
    case.refresh_from_db()
    assert not case.is_awaiting_info
    assert "You sent more information" in text(client.get(f"/cases/{case.reference}/"))


def test_the_applicant_withdraws_from_the_tracking_page(client, pothole):
    case = report_pothole(client)
    assert "Withdraw this request" in text(client.get(f"/cases/{case.reference}/"))
    client.post(f"/cases/{case.reference}/withdraw/", {"reason": "Fixed already"})
    case.refresh_from_db()
    assert case.outcome == "withdrawn"
    assert "Withdraw this request" not in text(client.get(f"/cases/{case.reference}/"))


def test_internal_notes_never_reach_the_tracking_page(client, pothole, caseworker):
    case = report_pothole(client)
    case_services.case_add_note(case=case, text="Crew gossip", actor=caseworker)
    assert "Crew gossip" not in text(client.get(f"/cases/{case.reference}/"))


def test_a_signed_in_resident_saves_a_draft_and_comes_back_to_it(client, pothole, resident):
    client.force_login(resident)
    client.get("/services/pothole/start/")
    response = client.post(
        "/services/pothole/form/1/",
        {"location-address": "Kiln Lane", "road_type": "main", "save": "1"},
    )
    assert response["Location"] == "/account/cases/"
    assert "Report a pothole" in text(client.get("/account/cases/"))
    client.logout()
    client.force_login(resident)
    response = client.get("/services/pothole/start/")
    assert response["Location"] == "/services/pothole/form/2/"
    page = text(client.get("/services/pothole/form/1/"))
    assert 'value="Kiln Lane"' in page


def test_my_cases_lists_only_my_own(client, pothole, resident):
    mine = submit_pothole(pothole, resident)
    theirs = submit_pothole(pothole, UserFactory(role=Role.RESIDENT))
    client.force_login(resident)
    page = text(client.get("/account/cases/"))
    assert mine.reference in page and theirs.reference not in page
    assert client.get(f"/cases/{theirs.reference}/").status_code == 404


def test_sign_up_refuses_a_taken_username_and_a_weak_password(client, resident):
    page = text(
        client.post(
            "/account/create/",
            {
                "first_name": "A",
                "last_name": "B",
                "email": "a@example.org",
                "username": resident.username,
                "password": "123",
                "password_again": "123",
            },
        )
    )
    assert "is taken" in page and "too short" in page


VEHICLE_QUESTIONS = """
slug: skip-test
title: Skipping test
summary: A form whose second page depends on the first.
kind: application
department: highways
reference_prefix: SKP
sla: {days: 5}
form:
  schema:
    type: object
    required: [has_vehicle]
    properties:
      has_vehicle: {type: boolean}
      registration: {type: string}
      notes: {type: string}
    if: {properties: {has_vehicle: {const: true}}}
    then: {required: [registration]}
  ui:
    pages:
      - {title: Vehicle, fields: [has_vehicle]}
      - {title: Registration, fields: [registration]}
      - {title: Anything else, fields: [notes]}
    fields:
      has_vehicle: {label: Do you have a vehicle?, widget: yes-no}
      registration: {label: Registration, show_if: data.has_vehicle == true}
workflow:
  initial: new
  states:
    new: {label: New}
    done: {label: Done, outcome: resolved}
  transitions:
    - {from: new, to: done, roles: [caseworker]}
"""


def test_a_hidden_question_and_its_page_are_skipped(client, highways):
    from publica.catalogue import servicefile
    from publica.catalogue.services import service_load
    from publica.testing import LOADER

    service_load(definition=servicefile.parse(VEHICLE_QUESTIONS), actor=LOADER)
    client.get("/services/skip-test/start/")
    response = client.post("/services/skip-test/form/1/", {"has_vehicle": "no"})
    assert response["Location"] == "/services/skip-test/form/3/"
    response = client.post("/services/skip-test/form/1/", {"has_vehicle": "yes"})
    assert response["Location"] == "/services/skip-test/form/2/"
    page = text(client.post("/services/skip-test/form/2/", {}))
    assert "Answer “Registration”" in page


def test_password_reset_sends_a_link_by_email(client, resident, mailoutbox):
    client.post("/account/password-reset/", {"email": resident.email})
    assert len(mailoutbox) == 1
    assert "/account/password-reset/" in mailoutbox[0].body


PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_the_applicant_answers_with_a_document_checked_by_its_content(
    client, pothole, caseworker, staff_client
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = report_pothole(client)
    question = case_services.case_request_info(case=case, question="Proof?", actor=caseworker)
    fake = SimpleUploadedFile("photo.jpg", b"#!/bin/sh\necho not a photo\n", "image/jpeg")
    client.post(f"/cases/{case.reference}/answers/{question.pk}/", {"answer": "", "files": fake})
    assert not case.attachments.exists()
    question.refresh_from_db()
    assert question.is_open

    real = SimpleUploadedFile("letter.pdf", PDF, "application/octet-stream")
    client.post(f"/cases/{case.reference}/answers/{question.pk}/", {"answer": "", "files": real})
    stored = case.attachments.get()
    assert (stored.name, stored.content_type) == ("letter.pdf", "application/pdf")
    assert "letter.pdf" not in stored.file.name  # stored under a random name
    download = client.get(f"/cases/{case.reference}/files/{stored.pk}/")
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")

    staff = staff_client(caseworker)
    assert staff.get(f"/staff/cases/{case.reference}/files/{stored.pk}/").status_code == 200


def test_a_file_over_the_size_limit_is_refused(pothole, resident, caseworker, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from publica.core.errors import InvalidInput

    settings.MAX_UPLOAD_BYTES = 10
    case = submit_pothole(pothole, resident)
    question = case_services.case_request_info(case=case, question="Proof?", actor=caseworker)
    with pytest.raises(InvalidInput, match="smaller than"):
        case_services.case_provide_info(
            request=question,
            answer="here",
            actor=resident,
            files=[SimpleUploadedFile("letter.pdf", PDF)],
        )
    assert not case.attachments.exists()


def test_a_form_file_question_holds_the_upload_and_it_becomes_the_cases_attachment(client, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from publica.accounts.tests.factories import DepartmentFactory
    from publica.portal.models import PendingUpload
    from publica.testing import load_demo_service

    DepartmentFactory(slug="building-control")
    load_demo_service("building-permit")
    client.get("/services/building-permit/start/")
    client.post("/services/building-permit/form/1/", {"application_type": "full-plans"})
    client.post(
        "/services/building-permit/form/2/",
        {"site_address": "4 Kiln Lane, Millbrook MB1 2AA", "building_use": "house",
         "work_type": "loft-conversion"},
    )  # fmt: skip
    client.post("/services/building-permit/form/3/", {"using_agent": "no"})
    page = client.get("/services/building-permit/form/4/").content.decode()
    assert 'enctype="multipart/form-data"' in page

    fake = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf at all", "application/pdf")
    refused = client.post("/services/building-permit/form/4/", {"plans": fake}).content.decode()
    assert "plan.pdf: The file must be a PDF" in refused
    plan = SimpleUploadedFile("ground-floor.pdf", PDF, "application/pdf")
    response = client.post("/services/building-permit/form/4/", {"plans": plan})
    assert response["Location"] == "/services/building-permit/check/"
    assert "ground-floor.pdf" in client.get("/services/building-permit/check/").content.decode()

    client.post("/services/building-permit/check/", {"contact-email": "builder@example.org"})
    case = Case.objects.get()
    attachment = case.attachments.get()
    assert (attachment.question, attachment.name) == ("plans", "ground-floor.pdf")
    assert case.data["plans"] == ["ground-floor.pdf"]
    assert not PendingUpload.objects.exists()


def test_files_held_for_a_form_never_sent_are_deleted_after_a_day(db):
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    from publica.core import clock
    from publica.portal.models import PendingUpload
    from publica.portal.services import upload_hold, uploads_expire

    with clock.at(dt.datetime(2026, 3, 1, tzinfo=dt.UTC)):
        held = upload_hold(
            upload=SimpleUploadedFile("a.pdf", PDF), session_key="s", question="plans"
        )
    path = held.file.path
    with clock.at(dt.datetime(2026, 3, 3, tzinfo=dt.UTC)):
        assert uploads_expire() == 1
    assert not PendingUpload.objects.exists()
    import os

    assert not os.path.exists(path)


def test_with_a_tiles_url_location_questions_get_a_map_allowed_by_the_policy(
    client, pothole, settings
):
    settings.MAP_TILES_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    from publica.settings import tile_origins

    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    images = ["'self'", "data:", *tile_origins(settings.MAP_TILES_URL)]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {**directives, "img-src": images}}
    client.get("/services/pothole/start/")
    response = client.get("/services/pothole/form/1/")
    page = text(response)
    assert 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in page
    assert "publica/leaflet/leaflet.js" in page
    assert "https://tiles.example.org" in response["Content-Security-Policy"]


def test_without_a_tiles_url_there_is_no_map_and_no_leaflet(client, pothole):
    client.get("/services/pothole/start/")
    page = text(client.get("/services/pothole/form/1/"))
    assert "data-publica-map" not in page and "leaflet" not in page
    assert 'id="location-address"' in page and 'id="location-latitude"' in page
