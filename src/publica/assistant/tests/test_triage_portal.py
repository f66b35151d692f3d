"""The "describe the problem" page and the staff triage queue."""

from __future__ import annotations

from publica.assistant.models import Triage
from publica.assistant.services.triage import triage_case
from publica.assistant.tests import triage_fixtures
from publica.assistant.tests.triage_fixtures import TESTS, report
from publica.catalogue.models import Service

# Fixtures shared by the triage tests.
model = triage_fixtures.model
reports = triage_fixtures.reports
waste = triage_fixtures.waste


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def test_the_describe_page_asks_for_the_problem_in_the_residents_words(client, reports):
    page = text(client.get("/report/"))
    assert '<label class="govuk-label govuk-label--l" for="problem">' in page
    assert 'method="post"' in page and "Report a pothole" in page


def test_a_described_problem_offers_the_likely_services_best_first(client, model):
    response = client.post("/report/", {"problem": "someone dumped bags of rubbish in the alley"})
    page = text(response)
    assert response.status_code == 200
    suggestions = page.split('id="suggestions"')[1].split("</ol>")[0]
    assert suggestions.index("/services/fly-tipping/start/") < suggestions.index(
        "/services/pothole/start/"
    )


def test_an_empty_description_is_an_error_naming_the_box(client, reports):
    response = client.post("/report/", {"problem": "   "})
    assert response.status_code == 400
    page = text(response)
    assert "govuk-error-summary" in page and 'href="#problem"' in page


def test_without_a_model_the_page_says_so_and_lists_every_report(client, reports):
    page = text(client.post("/report/", {"problem": "a hole in the road"}))
    assert "could not suggest a service" in page and "Report a pothole" in page


def _pending(settings, description: str) -> Triage:  # type: ignore[no-untyped-def]
    settings.PUBLICA_TRIAGE_AUTO_ROUTE_CONFIDENCE = 1.01
    return triage_case(case=report(Service.objects.get(slug="pothole"), description), actor=TESTS)


def test_the_staff_queue_shows_suggestion_confidence_and_alternatives(
    model, settings, highways, staff_client
):
    triage = _pending(settings, "an old fridge dumped on the pavement")
    page = text(staff_client(highways.supervisor).get("/staff/triage/"))
    assert triage.case.reference in page and "an old fridge dumped on the pavement" in page
    assert Service.objects.get(slug="fly-tipping").title in page
    assert f"confidence {triage.confidence:.2f}" in page and "Or:" in page


def test_staff_confirm_from_the_queue(model, settings, highways, staff_client):
    triage = _pending(settings, "an old fridge dumped on the pavement")
    staff = staff_client(highways.supervisor)
    response = staff.post(f"/staff/triage/{triage.pk}/", {"action": "confirm"})
    assert response.status_code == 302
    triage.refresh_from_db()
    assert triage.state == Triage.State.CONFIRMED
    assert triage.case.service.slug == "fly-tipping"


def test_staff_move_from_the_queue_and_an_unknown_service_is_named(
    model, settings, highways, staff_client
):
    triage = _pending(settings, "an old fridge dumped on the pavement")
    staff = staff_client(highways.supervisor)
    page = text(staff.post(f"/staff/triage/{triage.pk}/", {"action": "move", "service": "nope"},
                           follow=True))  # fmt: skip
    assert "Choose a service to move it to" in page
    staff.post(f"/staff/triage/{triage.pk}/", {"action": "move", "service": "streetlight"})
    triage.refresh_from_db()
    assert triage.state == Triage.State.CHANGED and triage.case.service.slug == "streetlight"


def test_the_staff_case_page_offers_the_classifiers_services_first_to_move_a_case(
    model, highways, staff_client
):
    case = report(Service.objects.get(slug="pothole"), "an old fridge dumped on the pavement")
    page = text(staff_client(highways.supervisor).get(f"/staff/cases/{case.reference}/"))
    moves = page.split('id="move-service"')[1].split("</select>")[0]
    suggested = moves.split('label="Suggested"')[1].split("</optgroup>")[0]
    assert 'value="fly-tipping"' in suggested and 'value="pothole"' not in moves


def test_staff_move_a_case_from_its_page_and_an_unknown_service_is_named(
    model, highways, staff_client
):
    case = report(Service.objects.get(slug="pothole"), "the lamp post outside is dark")
    staff = staff_client(highways.supervisor)
    action = f"/staff/cases/{case.reference}/recategorise/"
    page = text(staff.post(action, {"service": "nope"}, follow=True))
    assert "Choose the service to move to" in page
    case.refresh_from_db()
    assert case.service.slug == "pothole"
    response = staff.post(action, {"service": "streetlight", "reason": "a light, not a hole"})
    case.refresh_from_db()
    assert case.service.slug == "streetlight" and response.status_code == 302
    moved = case.events.get(kind="recategorised")
    assert moved.data["from_service"] == "pothole" and moved.data["reason"] == "a light, not a hole"
