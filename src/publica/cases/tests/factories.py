"""Cases made through case_submit, so every test case has a real reference and timeline."""

from __future__ import annotations

from typing import Any

from publica.accounts.models import User
from publica.cases.models import Case
from publica.cases.services import case_check_registers, case_submit
from publica.catalogue.models import Service
from publica.core.actors import SystemActor

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
    """A permit application whose address and vehicle the registers then confirm."""
    case = case_submit(service=service, data={**PERMIT_ANSWERS, **answers}, actor=actor)
    return confirm_by_registers(case)


def confirm_by_registers(case: Case, **overrides: Any) -> Case:
    """What the exchange does once a permit is sent: the registers' answers, here saying the
    applicant lives at the address given and keeps the vehicle, handed to the case."""
    data = case.data
    facts = {
        "person": {"house": data["house"], "street": data["street"], "postcode": data["postcode"]},
        "vehicles": [
            {"registration": data["vehicle_registration"], "make": "", "permit_eligible": True}
        ],
        "_sources": {
            "person": {"register": "population", "title": "Population register"},
            "vehicles": {"register": "vehicles", "title": "Vehicle register"},
        },
        **overrides,
    }
    return case_check_registers(case=case, facts=facts, actor=SystemActor("register-check"))
