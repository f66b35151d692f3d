"""The whole journey through the real pages: a resident applies, a caseworker approves."""

from __future__ import annotations

import re

import pytest

from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory
from publica.cases.models import Case

pytestmark = pytest.mark.django_db


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def test_resident_applies_for_a_permit_and_a_caseworker_approves_it(
    client, django_user_model, parking_permit, parking_officer, staff_client
):
    # A resident searches in their own words and finds the service.
    results = text(client.get("/", {"q": "park my car"}))
    first_result = re.search(r'href="/services/([a-z-]+)/"', results.split(" found</h2>")[1])
    assert first_result and first_result.group(1) == "parking-permit"

    # They create an account.
    response = client.post(
        "/account/create/",
        {
            "first_name": "Robin",
            "last_name": "Example",
            "email": "robin@example.org",
            "username": "robin",
            "password": "a-long-pass-phrase",
            "password_again": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302

    # The service page explains it and starts the form.
    service_page = text(client.get("/services/parking-permit/"))
    assert "£60.00" in service_page and "10 working days" in service_page
    response = client.get("/services/parking-permit/start/")
    assert response["Location"] == "/services/parking-permit/form/1/"

    # First page, with a mistake: the error summary links to the field, the message is beside it.
    address = {"house": "9", "street": "Kiln Lane", "postcode": "not a postcode"}
    page = text(client.post("/services/parking-permit/form/1/", address))
    assert "There is a problem" in page
    assert '<a href="#postcode">“Postcode” is not in the expected format</a>' in page
    assert 'id="postcode-error"' in page
    assert "<title>Error:" in page

    response = client.post("/services/parking-permit/form/1/", {**address, "postcode": "MB1 2AA"})
    assert response["Location"] == "/services/parking-permit/form/2/"
    vehicle = {"vehicle_registration": "MB24 XYZ", "registered_keeper": "yes"}
    response = client.post("/services/parking-permit/form/2/", vehicle)
    assert response["Location"] == "/services/parking-permit/check/"

    # Check answers, with change links, then send.
    check = text(client.get("/services/parking-permit/check/"))
    assert "Kiln Lane" in check and "MB24 XYZ" in check
    assert "/services/parking-permit/form/1/?change=1#street" in check
    response = client.post("/services/parking-permit/check/")
    case = Case.objects.get()
    assert response["Location"] == f"/cases/{case.reference}/sent/"
    assert case.reference in text(client.get(response["Location"]))
    assert case.state == "submitted" and case.flagged  # Kiln Lane is outside the zones

    # A caseworker signs in with password and TOTP, finds it in the queue and approves it.
    client.post("/account/sign-out/")
    staff = staff_client(parking_officer)
    queue = text(staff.get("/staff/"))
    assert case.reference in queue
    case_page = text(staff.get(f"/staff/cases/{case.reference}/"))
    assert "Kiln Lane" in case_page and "Approve" not in case_page.split("Decide")[0]
    response = staff.post(
        f"/staff/cases/{case.reference}/transition/",
        {"to": "approved", "version": case.version, "reason": ""},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.outcome == "approved"

    # The resident sees it approved on the tracking page.
    staff.post("/account/sign-out/")
    client.post("/account/sign-in/", {"username": "robin", "password": "a-long-pass-phrase"})
    tracking = text(client.get(f"/cases/{case.reference}/"))
    assert "Approved" in tracking
    assert "Your parking permit" in tracking  # the service's notification text


def test_staff_cannot_open_another_departments_case_by_url(
    client, pothole, parking_officer, staff_client
):
    from publica.cases.tests.factories import submit_pothole

    case = submit_pothole(pothole, None)
    staff = staff_client(parking_officer)
    assert staff.get(f"/staff/cases/{case.reference}/").status_code == 404
    response = staff.post(f"/staff/cases/{case.reference}/transition/", {"to": "inspecting"})
    assert response.status_code == 404


def test_residents_are_kept_out_of_the_back_office(client, resident):
    client.force_login(resident)
    assert client.get("/staff/").status_code == 403


def test_staff_without_a_second_factor_cannot_see_the_queue(client, caseworker):
    client.force_login(caseworker)
    response = client.get("/staff/")
    assert response["Location"] == "/staff/verify/"
    assert client.get("/staff/verify/")["Location"] == "/staff/two-factor/"


def test_staff_enrol_with_a_qr_code_and_get_recovery_codes_that_work_once(client, caseworker):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.post(
        "/staff/sign-in/", {"username": caseworker.username, "password": "correct-horse-battery"}
    )
    page = text(client.get("/staff/two-factor/"))
    assert "<svg" in page and "QR code to scan" in page
    device = TOTPDevice.objects.get(user=caseworker)
    wrong = text(client.post("/staff/two-factor/", {"token": "000000"}))
    assert "does not match" in wrong
    codes_page = text(client.post("/staff/two-factor/", {"token": f"{totp(device.bin_key):06d}"}))
    codes = re.findall(r"<li>([a-z0-9]{8})</li>", codes_page)
    assert len(codes) == 10
    assert client.get("/staff/").status_code == 200

    client.post("/account/sign-out/")
    client.post(
        "/staff/sign-in/", {"username": caseworker.username, "password": "correct-horse-battery"}
    )
    assert client.post("/staff/verify/", {"token": codes[0]}).status_code == 302
    client.post("/account/sign-out/")
    client.post(
        "/staff/sign-in/", {"username": caseworker.username, "password": "correct-horse-battery"}
    )
    assert "is not right" in text(client.post("/staff/verify/", {"token": codes[0]}))


def test_sign_in_is_throttled_after_repeated_failures(client, resident):
    for _ in range(5):
        client.post("/account/sign-in/", {"username": resident.username, "password": "wrong"})
    response = client.post(
        "/account/sign-in/", {"username": resident.username, "password": "correct-horse-battery"}
    )
    assert "Too many attempts" in text(response)


def test_every_page_sends_a_strict_content_security_policy(client, pothole):
    policy = client.get("/services/pothole/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_an_auditor_reads_every_queue_but_is_offered_no_actions(client, pothole, staff_client):
    from publica.cases.tests.factories import submit_pothole

    case = submit_pothole(pothole, None)
    auditor = UserFactory(auditor=True)
    staff = staff_client(auditor)
    assert case.reference in text(staff.get("/staff/"))
    page = text(staff.get(f"/staff/cases/{case.reference}/"))
    assert "Add note" not in page and "Decide" not in page
    staff.post(f"/staff/cases/{case.reference}/note/", {"text": "sneaky"})
    assert not case.events.filter(kind="note_added").exists()


def test_supervisor_assigns_in_bulk_from_the_queue(pothole, supervisor, caseworker, staff_client):
    from publica.cases.tests.factories import submit_pothole

    first, second = submit_pothole(pothole, None), submit_pothole(pothole, None)
    staff = staff_client(supervisor)
    response = staff.post(
        "/staff/bulk/",
        {"cases": [first.reference, second.reference], "action": f"assign:{caseworker.pk}"},
    )
    assert response.status_code == 302
    assert set(Case.objects.values_list("assignee", flat=True)) == {caseworker.pk}
    assert caseworker.role == Role.CASEWORKER


def test_admin_shows_each_service_version_as_read_only_yaml(client, pothole):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    admin = UserFactory(admin=True)
    client.force_login(admin)
    session = client.session
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    session["otp_device_id"] = device.persistent_id
    session.save()
    version = pothole.current_version
    page = text(client.get(f"/admin/catalogue/serviceversion/{version.pk}/change/"))
    assert "slug: pothole" in page
    assert 'name="_save"' not in page


def test_caseworker_moves_cases_in_bulk_and_failures_are_named(pothole, caseworker, staff_client):
    from publica.cases.tests.factories import submit_pothole

    first, second = submit_pothole(pothole, None), submit_pothole(pothole, None)
    staff = staff_client(caseworker)
    staff.post("/staff/bulk/", {"cases": [first.reference], "action": "transition:inspecting"})
    response = staff.post(
        "/staff/bulk/",
        {"cases": [first.reference, second.reference], "action": "transition:inspecting"},
        follow=True,
    )
    page = text(response)
    assert "1 case(s) updated." in page
    assert f"{first.reference}: cannot move from &#x27;inspecting&#x27;" in page
    assert set(Case.objects.values_list("state", flat=True)) == {"inspecting"}
