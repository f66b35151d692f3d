"""The generic service code `general`: the classifier finds the service for the description."""

from __future__ import annotations

from pathlib import Path

import pytest

from publica.assistant.models import Triage
from publica.assistant.tests import triage_fixtures
from publica.cases.models import Case
from publica.catalogue import servicefile
from publica.catalogue.models import Service
from publica.catalogue.services import service_load
from publica.open311.tests.conftest import TESTS, Open311, errors, parsed

# Fixtures shared by the triage tests.
model = triage_fixtures.model
reports = triage_fixtures.reports
waste = triage_fixtures.waste

GENERAL_FILE = Path(__file__).parents[2] / "assistant" / "general.yaml"


@pytest.fixture
def general(reports: dict[str, Service]) -> Service:
    definition = servicefile.parse_file(GENERAL_FILE)
    return service_load(definition=definition, actor=TESTS).version.service


def post(open311: Open311, key: str, description: str) -> object:
    fields = {"api_key": key, "service_code": "general", "lat": "52.03", "long": "-0.98"}
    return open311.post("requests.json", {**fields, "description": description})


def test_the_generic_code_is_listed_with_a_description_field(open311, general):
    listed = {item["service_code"]: item for item in parsed(open311.get("services.json"))}
    assert listed["general"]["service_name"] == "Report another problem"
    definition = parsed(open311.get("services/general.json"))
    assert [a["code"] for a in definition["attributes"]] == []  # description is Open311's own


def test_a_confident_generic_request_is_filed_in_the_suggested_service(
    open311, general, model, open311_key, settings
):
    settings.PUBLICA_TRIAGE_AUTO_ROUTE_CONFIDENCE = 0.0
    response = post(open311, open311_key, "someone dumped bags of rubbish in the alley")
    assert response.status_code == 200, response.content
    reference = parsed(response)[0]["service_request_id"]
    case = Case.objects.get(reference=reference)
    assert case.service.slug == "fly-tipping" and case.department.slug == "waste"
    assert case.triage.state == Triage.State.ROUTED


def test_an_unsure_generic_request_waits_in_the_triage_queue(
    open311, general, model, open311_key, settings
):
    settings.PUBLICA_TRIAGE_AUTO_ROUTE_CONFIDENCE = 1.01
    response = post(open311, open311_key, "someone dumped bags of rubbish in the alley")
    case = Case.objects.get(reference=parsed(response)[0]["service_request_id"])
    assert case.service == general and case.triage.state == Triage.State.PENDING
    assert case.triage.suggested_service_slug == "fly-tipping"


def test_a_generic_request_without_a_description_is_an_error_naming_it(
    open311, general, model, open311_key
):
    response = post(open311, open311_key, "")
    assert response.status_code == 400
    assert any("description" in message for message in errors(response))
    assert not Case.objects.filter(service=general).exists()
