"""FixMyStreet's servicerequestupdates (GET and POST) and the spec's tokens endpoint."""

from __future__ import annotations

import datetime as dt

import pytest

from publica.accounts.models import Department, User
from publica.cases.models import Case, CaseEvent
from publica.cases.services import (
    case_add_note,
    case_provide_info,
    case_request_info,
    case_transition,
)
from publica.cases.tests.factories import submit_permit, submit_pothole
from publica.catalogue.models import Service
from publica.core import clock
from publica.core.actors import ContactActor
from publica.open311.tests.conftest import Open311, errors, make_key, parsed

pytestmark = pytest.mark.django_db


def updates(open311: Open311, key: str, fmt: str = "json", **query: str) -> object:
    return open311.get(f"servicerequestupdates.{fmt}", api_key=key, **query)


def post_update(open311: Open311, key: str, fmt: str = "json", **fields: str) -> object:
    return open311.post(f"servicerequestupdates.{fmt}", {"api_key": key, **fields})


@pytest.fixture
def worked_case(pothole: Service, supervisor: User) -> Case:
    """A pothole with every kind of event, public and internal, in order."""
    case = submit_pothole(pothole)
    case_add_note(case=case, text="We have seen your report.", actor=supervisor, public=True)
    case_add_note(case=case, text="Internal: ring the contractor", actor=supervisor)
    case_transition(case=case, to="inspecting", actor=supervisor)
    request = case_request_info(case=case, question="Is it near the school?", actor=supervisor)
    case_provide_info(
        request=request,
        answer="Yes, call me on 07700 900123",
        actor=ContactActor(case.contact_email),
    )
    case_transition(case=case, to="repair_scheduled", actor=supervisor)
    case_transition(case=case, to="repaired", actor=supervisor)
    return case


def test_updates_are_the_public_events_each_with_the_status_it_left(
    open311: Open311, worked_case: Case, open311_key: str
) -> None:
    response = updates(open311, open311_key)

    assert response.status_code == 200
    body = parsed(response)
    assert [(u["status"], u["external_status_code"]) for u in body] == [
        ("open", "submitted"),
        ("investigating", "inspecting"),
        ("investigating", "inspecting"),
        ("action_scheduled", "repair_scheduled"),
        ("fixed", "repaired"),
    ]
    assert body[0]["description"] == "We have seen your report."
    assert body[1]["description"] == (
        f"An inspector will visit the site of report {worked_case.reference} soon."
    )
    assert body[2]["description"] == "Is it near the school?"
    assert {u["service_request_id"] for u in body} == {worked_case.reference}
    public = worked_case.events.filter(public=True).exclude(kind__in=["submitted", "info_provided"])
    assert [u["update_id"] for u in body] == [str(pk) for pk in public.values_list("pk", flat=True)]
    text = response.content.decode()
    assert "Internal" not in text and "07700 900123" not in text
    assert "reporter@example.org" not in text


def test_updates_in_xml(open311: Open311, worked_case: Case, open311_key: str) -> None:
    root = parsed(updates(open311, open311_key, "xml"))

    assert root.tag == "service_requests_updates"
    first = root.find("request_update")
    assert [child.tag for child in first] == [  # type: ignore[union-attr]
        "update_id",
        "service_request_id",
        "status",
        "external_status_code",
        "description",
        "updated_datetime",
        "media_url",
    ]
    assert first.findtext("updated_datetime")[-6] in "+-"  # type: ignore[index, union-attr]


def test_updates_filter_by_time(open311: Open311, pothole: Service, supervisor: User) -> None:
    case = submit_pothole(pothole)
    now = clock.now()
    for days, text in ((10, "old"), (5, "middle"), (1, "new")):
        with clock.at(now + dt.timedelta(days=days)):
            case_add_note(case=case, text=text, actor=supervisor, public=True)
    key = make_key("open311:write")

    response = updates(
        open311,
        key,
        start_date=(now + dt.timedelta(days=4)).isoformat(),
        end_date=(now + dt.timedelta(days=6)).isoformat(),
    )

    assert [u["description"] for u in parsed(response)] == ["middle"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_updates_need_a_key_that_may_read_cases(
    open311: Open311, worked_case: Case, highways: Department, fmt: str
) -> None:
    assert updates(open311, "", fmt).status_code == 403
    assert updates(open311, "pub_x_y", fmt).status_code == 403
    response = updates(open311, make_key("services:read"), fmt)
    assert response.status_code == 403
    assert "cases:read" in errors(response)[0]
    assert updates(open311, make_key("cases:read"), fmt).status_code == 200


def test_bad_dates_for_updates_are_400(open311: Open311, open311_key: str) -> None:
    response = updates(open311, open311_key, "xml", start_date="2026-01-01")

    assert response.status_code == 400
    assert errors(response)[0].startswith("start_date:")


def test_a_department_key_sees_only_its_departments_updates(
    open311: Open311, worked_case: Case, fly_tipping: Service, waste: Department
) -> None:
    key = make_key("open311:write", department=waste)

    assert parsed(updates(open311, key)) == []


def test_updates_on_applications_are_never_sent(
    open311: Open311, parking_permit: Service, resident: User, parking_officer: User
) -> None:
    permit = submit_permit(parking_permit, resident)
    case_add_note(case=permit, text="Checked", actor=parking_officer, public=True)

    assert parsed(updates(open311, make_key("open311:write"))) == []


def test_a_council_update_adds_a_public_note_and_fixes_the_case(
    open311: Open311, pothole: Service, supervisor: User, open311_key: str
) -> None:
    case = submit_pothole(pothole)
    case_transition(case=case, to="repair_scheduled", actor=supervisor)

    response = post_update(
        open311,
        open311_key,
        service_request_id=case.reference,
        update_id="7781",
        updated_datetime="2026-03-01T10:00:00+00:00",
        status="FIXED",
        description="Filled this morning.",
        email="crew@example.org",
        first_name="Sam",
        last_name="Crew",
    )

    assert response.status_code == 200, response.content
    case.refresh_from_db()
    note = case.events.get(kind=CaseEvent.Kind.NOTE_ADDED)
    assert parsed(response) == [{"update_id": str(note.pk)}]
    assert note.public is True
    assert note.data == {"text": "Filled this morning."}
    assert note.actor_label == "api:FixMyStreet"
    assert case.state == "repaired" and case.outcome == "resolved"
    statuses = [u["status"] for u in parsed(updates(open311, open311_key))]
    assert statuses[-2:] == ["action_scheduled", "fixed"]


def test_a_closing_status_that_needs_a_reason_uses_the_text(
    open311: Open311, pothole: Service, open311_key: str
) -> None:
    case = submit_pothole(pothole)

    response = post_update(
        open311,
        open311_key,
        "xml",
        service_request_id=case.reference,
        status="NO_FURTHER_ACTION",
        description="The road is private.",
    )

    assert response.status_code == 200, response.content
    root = parsed(response)
    assert root.tag == "service_request_updates"
    assert root.findtext("request_update/update_id")
    case.refresh_from_db()
    assert case.state == "no_action"
    step = case.events.get(kind=CaseEvent.Kind.TRANSITIONED)
    assert step.data["reason"] == "The road is private."


def test_a_status_alone_moves_the_case_and_answers_the_steps_id(
    open311: Open311, pothole: Service, open311_key: str
) -> None:
    case = submit_pothole(pothole)

    response = post_update(
        open311, open311_key, service_request_id=case.reference, status="investigating"
    )

    assert response.status_code == 200, response.content
    step = case.events.get(kind=CaseEvent.Kind.TRANSITIONED)
    assert parsed(response) == [{"update_id": str(step.pk)}]
    assert step.data["to"] == "inspecting"


def test_a_status_the_case_cannot_reach_adds_only_the_note(
    open311: Open311, pothole: Service, open311_key: str
) -> None:
    case = submit_pothole(pothole)

    response = post_update(
        open311, open311_key, service_request_id=case.reference, status="FIXED", description="Ok"
    )

    assert response.status_code == 200
    case.refresh_from_db()
    assert case.state == "submitted"
    assert case.events.filter(kind=CaseEvent.Kind.NOTE_ADDED).count() == 1


def test_an_update_on_a_closed_case_is_a_note(
    open311: Open311, pothole: Service, supervisor: User, open311_key: str
) -> None:
    case = submit_pothole(pothole)
    case_transition(case=case, to="duplicate", actor=supervisor)

    response = post_update(
        open311,
        open311_key,
        service_request_id=case.reference,
        status="OPEN",
        description="Still there",
        media_url="https://fixmystreet.example/photo/1.jpeg",
    )

    assert response.status_code == 200
    note = case.events.get(kind=CaseEvent.Kind.NOTE_ADDED)
    assert note.data["text"] == "Still there\n\nhttps://fixmystreet.example/photo/1.jpeg"


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"status": "FINISHED"}, "status: use one of open, closed, fixed"),
        ({"service_request_id": ""}, "service_request_id: give the service_request_id"),
        ({"updated_datetime": "yesterday"}, "updated_datetime: must be a date and time"),
        ({"description": "", "status": "OPEN"}, "description: give the update's text"),
        ({"media_url": "ftp://x"}, "media_url: must be an http or https URL"),
        ({"description": "x" * 10_001}, "description: must be at most 10000 characters"),
    ],
)
def test_bad_updates_are_400(
    open311: Open311,
    pothole: Service,
    open311_key: str,
    fmt: str,
    fields: dict[str, str],
    expected: str,
) -> None:
    case = submit_pothole(pothole)
    given = {"service_request_id": case.reference, "status": "OPEN", "description": "Hi"}

    response = post_update(open311, open311_key, fmt, **{**given, **fields})

    assert response.status_code == 400
    assert errors(response)[0].startswith(expected)
    assert not case.events.filter(kind=CaseEvent.Kind.NOTE_ADDED).exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_update_on_an_unknown_request_is_404(
    open311: Open311, pothole: Service, open311_key: str, fmt: str
) -> None:
    response = post_update(
        open311, open311_key, fmt, service_request_id="PTH-2026-999999", status="OPEN",
        description="Hi",
    )  # fmt: skip

    assert response.status_code == 404
    assert errors(response) == ["no service request 'PTH-2026-999999'"]


def test_a_department_key_cannot_update_another_departments_request(
    open311: Open311, pothole: Service, waste: Department
) -> None:
    case = submit_pothole(pothole)
    key = make_key("open311:write", department=waste)

    response = post_update(
        open311, key, service_request_id=case.reference, status="OPEN", description="Hi"
    )

    assert response.status_code == 404


def test_updates_may_be_posted_with_the_transition_scope_but_not_read_only(
    open311: Open311, pothole: Service, highways: Department
) -> None:
    case = submit_pothole(pothole)
    fields = {"service_request_id": case.reference, "status": "OPEN", "description": "Hi"}

    assert post_update(open311, make_key("cases:transition"), **fields).status_code == 200
    assert post_update(open311, make_key("cases:read"), **fields).status_code == 403
    assert post_update(open311, "", **fields).status_code == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_tokens_are_never_issued_so_every_token_is_404(open311: Open311, fmt: str) -> None:
    response = open311.get(f"tokens/12345.{fmt}")

    assert response.status_code == 404
    assert "never issues tokens" in errors(response)[0]
