"""Cases made through case_submit, so every test case has a real reference and timeline."""

from __future__ import annotations

from typing import Any

from publica.accounts.models import User
from publica.cases.models import Case
from publica.cases.services import case_submit
from publica.catalogue.models import Service

POTHOLE_ANSWERS = {
    "location": {"latitude": 52.03, "longitude": -0.98, "address": "12 Kiln Lane, Millbrook"},
    "road_type": "residential",
    "size": "medium",
}
PERMIT_ANSWERS = {
    "house": "4",
    "street": "High Street",
    "postcode": "MB1 2AA",
    "vehicle_registration": "MB24 XYZ",
    "registered_keeper": True,
}


def submit_pothole(
    service: Service,
    actor: User | None = None,
    *,
    contact: dict[str, str] | None = None,
    **answers: Any,
) -> Case:
    contact = contact if contact is not None else {"email": "reporter@example.org"}
    return case_submit(
        service=service, data={**POTHOLE_ANSWERS, **answers}, actor=actor, contact=contact
    )


def submit_permit(service: Service, actor: User, **answers: Any) -> Case:
    return case_submit(service=service, data={**PERMIT_ANSWERS, **answers}, actor=actor)
