"""Fixtures for the triage tests: three report services in two departments, a few invented
past reports of each, and a trained model. Imported by the triage test modules."""

from __future__ import annotations

from typing import Any

import pytest

from publica.accounts.models import Department
from publica.accounts.roles import Role
from publica.accounts.tests.factories import DepartmentFactory, UserFactory
from publica.assistant.models import TriageModel
from publica.assistant.services.triage import triage_train
from publica.cases.models import Case
from publica.cases.services import case_submit
from publica.catalogue.models import Service
from publica.core.actors import SystemActor
from publica.testing import load_demo_service

TESTS = SystemActor("tests")
PLACE = {"location": {"address": "14 Quill Lane, Millbrook"}}
ANSWERS: dict[str, dict[str, Any]] = {
    "pothole": {"road_type": "residential", "size": "medium"},
    "streetlight": {"fault": "out", "near_junction": False},
    "fly-tipping": {"land_type": "alley", "waste_types": ["bags"], "amount": "car-boot",
                    "witnessed": False},
}  # fmt: skip
REPORTS = {
    "pothole": [
        "deep hole in the road outside the bakery",
        "the tarmac has crumbled and left a crater",
        "pothole by the kerb nearly knocked me off my bike",
        "road surface broken up at the junction",
        "huge pot hole filling with rain water",
        "cracked road with a hole getting bigger every week",
    ],
    "streetlight": [
        "the street lamp outside my house is not working",
        "lamp post flickering on and off all night",
        "street light out, the road is pitch dark",
        "the light on the column has been dead for a week",
        "lamppost bulb gone near the crossing",
        "the street light stays on all day long",
    ],
    "fly-tipping": [
        "someone dumped a mattress in the alley",
        "bags of rubbish dumped by the garages",
        "fly tipping of builders rubble on the verge",
        "an old fridge dumped on the pavement",
        "pile of dumped tyres behind the shops",
        "rubbish dumped in the lay-by again",
    ],
}


def report(service: Service, description: str, **extra: Any) -> Case:
    data = {**PLACE, **ANSWERS[service.slug], "description": description, **extra}
    return case_submit(
        service=service, data=data, actor=None, contact={"email": "resident@example.org"}
    )


@pytest.fixture
def waste(db: None) -> Department:
    department = DepartmentFactory(slug="waste", name="Waste and Street Scene")
    department.supervisor = UserFactory(role=Role.SUPERVISOR, department=department)
    department.save()
    return department


@pytest.fixture
def reports(highways: Department, waste: Department) -> dict[str, Service]:
    """Pothole and streetlight (Highways), fly-tipping (Waste), each with its past reports."""
    services = {slug: load_demo_service(slug) for slug in REPORTS}
    for slug, texts in REPORTS.items():
        for text in texts:
            report(services[slug], text)
    return services


@pytest.fixture
def model(reports: dict[str, Service]) -> TriageModel:
    return triage_train(actor=TESTS)
