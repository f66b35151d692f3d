"""GET requests: public service requests, filtered, paged, without personal data."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from publica.accounts.models import User
from publica.cases.models import Case
from publica.cases.services import case_transition
from publica.cases.tests.factories import submit_permit, submit_pothole
from publica.catalogue.models import Service
from publica.core import clock
from publica.open311.tests.conftest import Open311, errors, parsed

pytestmark = pytest.mark.django_db

W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
FIELDS = [
    "service_request_id",
    "status",
    "extended_status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def days_ago(days: float) -> dt.datetime:
    return clock.now() - dt.timedelta(days=days)


def submitted(service: Service, when: dt.datetime | None = None, **answers: object) -> Case:
    with clock.at(when or clock.now()):
        return submit_pothole(service, **answers)


def ids(response: object) -> list[str]:
    return [item["service_request_id"] for item in parsed(response)]


def test_a_request_shows_what_where_and_how_far_but_never_who(
    open311: Open311, pothole: Service
) -> None:
    case = submit_pothole(
        pothole,
        contact={"email": "ann@example.org", "name": "Ann Lee", "phone": "01632 960 001"},
        description="Deep and wide",
        location={"address": "Outside 33 High Street, Millbrook MB1 2AA", "latitude": 52.03,
                  "longitude": -0.98},
    )  # fmt: skip

    response = open311.get("requests.json")

    assert response.status_code == 200
    (item,) = parsed(response)
    assert list(item) == FIELDS
    assert item["service_request_id"] == case.reference
    assert item["status"] == "open"
    assert item["extended_status"] == "open"
    assert item["status_notes"] == "Received"
    assert item["service_code"] == "pothole"
    assert item["service_name"] == "Report a pothole"
    assert item["description"] == "Deep and wide"
    assert item["agency_responsible"] == "Highways"
    assert item["address"] == "Outside 33 High Street, Millbrook MB1 2AA"
    assert item["zipcode"] == "MB1 2AA"
    assert (item["lat"], item["long"]) == (52.03, -0.98)
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C.match(item[name]), item[name]
    assert dt.datetime.fromisoformat(item["expected_datetime"]) == case.due_at.replace(
        microsecond=0
    )
    for fmt in ("json", "xml"):
        body = open311.get(f"requests.{fmt}").content.decode()
        for personal in ("ann@example.org", "Ann Lee", "01632 960 001"):
            assert personal not in body


def test_requests_in_xml_parse_without_a_namespace(open311: Open311, pothole: Service) -> None:
    case = submit_pothole(pothole)

    response = open311.get("requests.xml")

    root = parsed(response)
    assert root.tag == "service_requests"
    assert all("{" not in element.tag for element in root.iter())
    request = root.find("request")
    assert [child.tag for child in request] == FIELDS  # type: ignore[union-attr]
    assert root.findtext("request/service_request_id") == case.reference
    assert root.findtext("request/lat") == "52.03"
    assert root.findtext("request/address_id") == ""


def test_requests_by_id_ignore_every_other_parameter(open311: Open311, pothole: Service) -> None:
    first, second, third = (submitted(pothole, days_ago(d)) for d in (200, 2, 1))

    response = open311.get(
        "requests.json",
        service_request_id=f"{first.reference}, {third.reference.lower()}",
        status="closed",
        start_date="not a date",
        service_code="graffiti",
    )

    assert response.status_code == 200
    assert sorted(ids(response)) == sorted([first.reference, third.reference])
    assert second.reference not in ids(response)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_one_request_is_a_list_of_one(open311: Open311, pothole: Service, fmt: str) -> None:
    case = submit_pothole(pothole)

    response = open311.get(f"requests/{case.reference}.{fmt}")

    assert response.status_code == 200
    body = parsed(response)
    if fmt == "json":
        assert [item["service_request_id"] for item in body] == [case.reference]
    else:
        assert [r.findtext("service_request_id") for r in body.findall("request")] == [
            case.reference
        ]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_request_is_404(open311: Open311, pothole: Service, fmt: str) -> None:
    response = open311.get(f"requests/PTH-2026-999999.{fmt}")

    assert response.status_code == 404
    assert errors(response) == ["no service request 'PTH-2026-999999'"]


def test_applications_are_never_service_requests(
    open311: Open311, parking_permit: Service, resident: User
) -> None:
    permit = submit_permit(parking_permit, resident)

    assert open311.get(f"requests/{permit.reference}.json").status_code == 404
    assert ids(open311.get("requests.json", service_request_id=permit.reference)) == []
    assert ids(open311.get("requests.json")) == []


def test_requests_filter_by_service_codes(
    open311: Open311, pothole: Service, road_marking: Service
) -> None:
    hole = submit_pothole(pothole)
    submit_pothole(road_marking)

    response = open311.get("requests.json", service_code="pothole,sinkhole")

    assert ids(response) == [hole.reference]
    assert len(ids(open311.get("requests.json", service_code="pothole,road-marking"))) == 2


def test_requests_filter_by_submission_dates(open311: Open311, pothole: Service) -> None:
    submitted(pothole, days_ago(10))
    middle = submitted(pothole, days_ago(5))
    submitted(pothole, days_ago(1))

    response = open311.get(
        "requests.json",
        start_date=days_ago(6).isoformat(),
        end_date=days_ago(2).astimezone(dt.timezone(dt.timedelta(hours=-5))).isoformat(),
    )

    assert response.status_code == 200
    assert ids(response) == [middle.reference]


def test_the_default_window_is_the_last_90_days(open311: Open311, pothole: Service) -> None:
    submitted(pothole, days_ago(91))
    recent = submitted(pothole, days_ago(89))

    assert ids(open311.get("requests.json")) == [recent.reference]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"start_date": "last week"}, "start_date: must be a date and time"),
        ({"end_date": "2026-01-31"}, "end_date: must include a time zone offset"),
        (
            {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
            "end_date: must not be before start_date",
        ),
        (
            {"start_date": "2025-01-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
            "end_date: the search may not span more than 90 days",
        ),
        ({"status": "fixed"}, "status: use open, closed or both"),
        ({"page": "0"}, "page: must be a whole number from 1"),
        ({"page_size": "5000"}, "page_size: must be a whole number from 1 to 1000"),
    ],
)
def test_bad_filters_are_400(
    open311: Open311, pothole: Service, fmt: str, query: dict[str, str], expected: str
) -> None:
    response = open311.get(f"requests.{fmt}", **query)

    assert response.status_code == 400
    assert errors(response)[0].startswith(expected)


def test_requests_filter_by_status_and_show_the_outcome(
    open311: Open311, pothole: Service, supervisor: User
) -> None:
    still_open = submit_pothole(pothole)
    done = submit_pothole(pothole)
    case_transition(case=done, to="repair_scheduled", actor=supervisor)
    case_transition(case=done, to="repaired", actor=supervisor)

    closed = parsed(open311.get("requests.json", status="closed"))
    assert [item["service_request_id"] for item in closed] == [done.reference]
    assert closed[0]["status"] == "closed"
    assert closed[0]["extended_status"] == "fixed"
    assert closed[0]["status_notes"].startswith(f"The pothole you reported ({done.reference})")
    assert ids(open311.get("requests.json", status="open")) == [still_open.reference]
    assert len(ids(open311.get("requests.json", status="open,closed"))) == 2


def test_a_moved_request_shows_the_state_label_when_the_service_sends_no_message(
    open311: Open311, road_marking: Service, supervisor: User
) -> None:
    case = submit_pothole(road_marking)
    case_transition(case=case, to="inspecting", actor=supervisor)

    (item,) = parsed(open311.get(f"requests/{case.reference}.json"))

    assert item["extended_status"] == "investigating"
    assert item["status_notes"] == "Inspection booked"


def test_pages_of_requests_newest_first(open311: Open311, pothole: Service) -> None:
    oldest, middle, newest = (submitted(pothole, days_ago(d)) for d in (3, 2, 1))

    first = open311.get("requests.json", page_size="2")
    second = open311.get("requests.json", page_size="2", page="2")
    beyond = open311.get("requests.json", page_size="2", page="3")

    assert ids(first) == [newest.reference, middle.reference]
    assert ids(second) == [oldest.reference]
    assert ids(beyond) == []


def test_a_page_of_requests_costs_the_same_queries_however_long(
    open311: Open311, pothole: Service, supervisor: User, django_assert_num_queries: Any
) -> None:
    def add_cases() -> None:
        for _ in range(3):
            case = submit_pothole(pothole)
            case_transition(case=case, to="inspecting", actor=supervisor)

    add_cases()
    with CaptureQueriesContext(connection) as few:
        open311.get("requests.json")
    add_cases()

    with django_assert_num_queries(len(few.captured_queries)):
        assert len(ids(open311.get("requests.json"))) == 6


def test_reports_of_a_service_that_keeps_them_private_are_never_listed(
    open311: Open311, db: None
) -> None:
    from publica.accounts.tests.factories import DepartmentFactory
    from publica.cases.services import case_submit
    from publica.testing import load_demo_service

    DepartmentFactory(slug="environmental-health")
    noise = load_demo_service("noise")
    answers = {
        "location": {"address": "3 Mill Road, Millbrook"},
        "source": "music",
        "times": ["night"],
        "frequency": "weekly",
        "ongoing": True,
    }
    case = case_submit(service=noise, data=answers, actor=None, contact={})
    listed = open311.get("requests.json")
    assert listed.status_code == 200
    assert case.reference not in listed.content.decode()
    assert open311.get(f"requests/{case.reference}.json").status_code == 404
