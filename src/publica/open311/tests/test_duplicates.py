"""A report through Open311 near an open one is still filed (GeoReport cannot ask the client
"is it one of these?"), and staff find the likely duplicate in an internal note."""

from __future__ import annotations

import pytest

from publica.cases.models import Case, CaseEvent
from publica.cases.tests.factories import submit_pothole
from publica.catalogue.models import Service
from publica.open311.tests.conftest import Open311, parsed

pytestmark = pytest.mark.django_db

POTHOLE = {
    "service_code": "pothole",
    "lat": "52.0312",
    "long": "-0.9876",
    "attribute[road_type]": "residential",
    "attribute[size]": "medium",
    "description": "Deep pothole in the cycle lane",
}


def test_a_likely_duplicate_is_filed_and_named_to_staff(
    open311: Open311, pothole: Service, open311_key: str
) -> None:
    earlier = submit_pothole(
        pothole,
        location={"latitude": 52.0313, "longitude": -0.9876},
        description="Pothole in the cycle lane, deep",
    )
    response = open311.post("requests.json", {"api_key": open311_key, **POTHOLE})
    assert response.status_code == 200, response.content
    case = Case.objects.get(reference=parsed(response)[0]["service_request_id"])
    assert not case.events.filter(kind=CaseEvent.Kind.NOTE_ADDED).exists()  # not yet: a task
    _run_tasks()
    note = case.events.get(kind=CaseEvent.Kind.NOTE_ADDED)
    assert not note.public and note.actor_label == "assistant:duplicates"
    assert earlier.reference in note.data["text"] and "11 m away" in note.data["text"]
    # the public updates do not show it
    updates = open311.get("servicerequestupdates.json", api_key=open311_key)
    assert earlier.reference not in updates.content.decode()


def test_a_report_with_nothing_nearby_gets_no_note(
    open311: Open311, pothole: Service, open311_key: str
) -> None:
    response = open311.post("requests.json", {"api_key": open311_key, **POTHOLE})
    case = Case.objects.get(reference=parsed(response)[0]["service_request_id"])
    _run_tasks()
    assert not case.events.filter(kind=CaseEvent.Kind.NOTE_ADDED).exists()


def _run_tasks() -> None:
    """Run the queued duplicate-finding tasks as `publica worker` would (each one called)."""
    from django_tasks_db.models import DBTaskResult

    from publica.assistant.tasks import duplicates_note_task

    for queued in DBTaskResult.objects.filter(task_path__endswith="duplicates_note_task"):
        duplicates_note_task.call(*queued.args_kwargs["args"])
