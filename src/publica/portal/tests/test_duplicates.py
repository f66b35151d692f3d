""" "Is it one of these?" in the report flow, following instead of sending, the public report
page, and staff merging from the case page."""

from __future__ import annotations

import pytest

from publica.cases.models import Case, CaseEvent, Follower
from publica.cases.services import case_transition
from publica.cases.tests.factories import submit_pothole

pytestmark = pytest.mark.django_db

NEAR = {"latitude": 52.0301, "longitude": -0.98, "address": "3 Kiln Lane, Millbrook"}


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def fill_in_a_pothole(client, description: str = "Deep pothole by the bus stop") -> None:  # type: ignore[no-untyped-def]
    assert client.get("/services/pothole/start/")["Location"] == "/services/pothole/form/1/"
    where = {"location-address": "5 Kiln Lane, Millbrook", "location-latitude": "52.03",
             "location-longitude": "-0.98", "road_type": "residential"}  # fmt: skip
    assert client.post("/services/pothole/form/1/", where).status_code == 302
    about = {"size": "medium", "description": description}
    assert client.post("/services/pothole/form/2/", about)["Location"] == "/services/pothole/check/"


def test_a_resident_is_shown_reports_nearby_and_follows_one_instead(client, pothole) -> None:
    earlier = submit_pothole(pothole, location=NEAR, description="Deep pothole at the bus stop")
    fill_in_a_pothole(client)

    response = client.get("/services/pothole/check/")
    assert response["Location"] == "/services/pothole/already-reported/"
    page = text(client.get(response["Location"]))
    assert "Is it one of these?" in page and "Deep pothole at the bus stop" in page
    assert f'href="/reports/{earlier.reference}/"' in page and "11 metres away" in page
    assert "reporter@example.org" not in page

    page = text(client.post("/services/pothole/already-reported/", {}))
    assert "There is a problem" in page and 'href="#choice"' in page
    page = text(client.post("/services/pothole/already-reported/", {"choice": earlier.reference}))
    assert 'href="#email"' in page and "enter your email address" in page

    response = client.post(
        "/services/pothole/already-reported/",
        {"choice": earlier.reference, "email": "neighbour@example.org"},
    )
    assert response["Location"] == f"/reports/{earlier.reference}/"
    assert "You are following report" in text(client.get(response["Location"]))
    assert Follower.objects.get(case=earlier).email == "neighbour@example.org"
    assert Case.objects.count() == 1  # nothing sent twice
    # the answers are gone: nothing is left to send
    assert "5 Kiln Lane" not in text(client.get("/services/pothole/check/"))


def test_a_resident_whose_problem_is_different_carries_on_and_sends_it(client, pothole) -> None:
    submit_pothole(pothole, location=NEAR, description="Deep pothole at the bus stop")
    fill_in_a_pothole(client, "A loose manhole cover that rattles")
    client.get("/services/pothole/check/")

    response = client.post("/services/pothole/already-reported/", {"choice": "none"})
    assert response["Location"] == "/services/pothole/check/"
    assert "Check your answers" in text(client.get("/services/pothole/check/"))  # asked once
    response = client.post("/services/pothole/check/", {"contact-email": ""})
    assert response.status_code == 302 and Case.objects.count() == 2


def test_with_nothing_nearby_the_resident_goes_straight_to_checking(client, pothole) -> None:
    fill_in_a_pothole(client)
    assert "Check your answers" in text(client.get("/services/pothole/check/"))


def test_a_signed_in_resident_follows_with_their_account(client, pothole, resident) -> None:
    earlier = submit_pothole(pothole, location=NEAR)
    client.force_login(resident)
    fill_in_a_pothole(client)
    client.get("/services/pothole/check/")
    page = text(client.get("/services/pothole/already-reported/"))
    assert 'name="email"' not in page
    response = client.post("/services/pothole/already-reported/", {"choice": earlier.reference})
    assert response.status_code == 302
    assert Follower.objects.get(case=earlier).user == resident


def test_the_public_report_page_shows_no_one_and_can_be_followed(client, pothole) -> None:
    case = submit_pothole(
        pothole, contact={"email": "reporter@example.org", "name": "Cora Vane"},
        description="Hole by the school gate",
    )  # fmt: skip
    page = text(client.get(f"/reports/{case.reference}/"))
    assert "Hole by the school gate" in page and "Received" in page
    assert "Cora" not in page and "reporter@example.org" not in page
    page = text(client.post(f"/reports/{case.reference}/", {"email": "nope"}))
    assert 'href="#email"' in page
    response = client.post(f"/reports/{case.reference}/", {"email": "walker@example.org"})
    assert response.status_code == 302
    assert case.events.filter(kind=CaseEvent.Kind.FOLLOWED).count() == 1
    assert client.get("/reports/PTH-2026-999999/").status_code == 404


def test_staff_merge_a_duplicate_from_the_case_page(staff_client, pothole, caseworker) -> None:
    parent = submit_pothole(pothole, location=NEAR, description="Deep pothole at the bus stop")
    child = submit_pothole(pothole, description="Deep pothole by the bus stop")
    staff = staff_client(caseworker)
    assert f"/staff/cases/{child.reference}/merge/" in text(
        staff.get(f"/staff/cases/{child.reference}/")
    )
    page = text(staff.get(f"/staff/cases/{child.reference}/merge/"))
    assert parent.reference in page and "Merge and close this case" in page

    page = text(staff.post(f"/staff/cases/{child.reference}/merge/", {"other": "PTH-2026-999999"}))
    assert 'href="#parent"' in page and "No report PTH-2026-999999" in page

    response = staff.post(
        f"/staff/cases/{child.reference}/merge/", {"parent": parent.reference, "reason": "Same"}
    )
    assert response["Location"] == f"/staff/cases/{child.reference}/"
    child.refresh_from_db()
    assert child.duplicate_of == parent and child.state == "duplicate"
    assert "Merged" in text(staff.get(f"/staff/cases/{parent.reference}/"))


def test_staff_of_another_department_cannot_open_the_merge_page(
    staff_client, pothole, parking_officer
) -> None:
    case = submit_pothole(pothole)
    staff = staff_client(parking_officer)
    assert staff.get(f"/staff/cases/{case.reference}/merge/").status_code == 404


def test_the_merge_page_says_when_the_workflow_cannot_close_a_duplicate(
    staff_client, pothole, caseworker
) -> None:
    case = submit_pothole(pothole)
    case_transition(case=case, to="repair_scheduled", actor=caseworker)
    page = text(staff_client(caseworker).get(f"/staff/cases/{case.reference}/merge/"))
    assert "cannot be merged now" in page and "Merge and close this case" not in page


def test_the_reporter_of_a_merged_report_reads_where_it_is_in_hand(
    client, pothole, resident, caseworker
) -> None:
    from publica.cases.services import case_merge

    parent = submit_pothole(pothole)
    child = submit_pothole(pothole, resident)
    case_merge(child=child, parent=parent, actor=caseworker)
    client.force_login(resident)
    page = text(client.get(f"/cases/{child.reference}/"))
    assert "Already reported" in page and f"it is in hand as {parent.reference}" in page
