"""Millbrook's demo procurement: a handful of contracting processes at every stage, made through
the services with the clock set to the past, so each release has a true date.

The companies are invented, with made-up company numbers; contacts are role mailboxes.
Seeding twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from publica.accounts.models import Department
from publica.core import clock
from publica.core.actors import DEMO, Actor
from publica.procurement import services
from publica.procurement.models import Award, ContractingProcess
from publica.procurement.services import ItemIn, SupplierIn

__all__ = ["seed"]

GRITTING = SupplierIn(
    name="Northvale Minerals Ltd", identifier="09876543",
    address="Unit 4, Saltworks Road, Northvale", postal_code="NV3 8QP",
    contact_email="tenders@northvale-minerals.example.com",
)  # fmt: skip
HAULAGE = SupplierIn(
    name="Greenway Haulage Ltd", identifier="07654321", address="Depot 2, Canal Street, Millbrook",
    postal_code="MB1 4HG", contact_email="contracts@greenway-haulage.example.com",
)  # fmt: skip
ROOFING = SupplierIn(name="Summit Roofing Contractors Ltd", identifier="11223344")
PLAYGROUNDS = SupplierIn(
    name="Safe Play Inspections CIC", identifier="12345678",
    contact_email="office@safeplay.example.org",
)  # fmt: skip


def seed() -> str:
    """Create the demo processes in the departments the demo town has; a one-line summary."""
    if ContractingProcess.objects.exists():
        return "Demo procurement already loaded."
    departments = {d.slug: d for d in Department.objects.all()}
    made = 0
    for slug, build in _PROCESSES:
        department = departments.get(slug)
        if department is not None:
            build(department, department.supervisor or DEMO, clock.now())
            made += 1
    return f"Demo procurement loaded: {made} contracting processes."


def _planned(buyer: Department, actor: Actor, now: dt.datetime) -> None:
    with clock.at(now - dt.timedelta(days=12)):
        services.tender_create(
            buyer=buyer, title="Street lighting column replacement, phase 2",
            description="Replace 420 life-expired steel lighting columns with LED units.",
            value_amount="640000", procurement_method="open", main_category="works",
            planned=True, items=[ItemIn(description="Lighting columns with LED lanterns",
                                        quantity="420", unit="column",
                                        classification_id="34928500",
                                        classification_description="Street-lighting equipment")],
            actor=actor,
        )  # fmt: skip


def _open(buyer: Department, actor: Actor, now: dt.datetime) -> None:
    with clock.at(now - dt.timedelta(days=9)):
        services.tender_create(
            buyer=buyer, title="Grounds maintenance of parks and open spaces, 2026 to 2029",
            description="Grass cutting, shrub beds and litter picking in 38 parks.",
            value_amount="1150000", procurement_method="open", main_category="services",
            period_end=now + dt.timedelta(days=21),
            items=[ItemIn(description="Grounds maintenance", classification_id="77314000",
                          classification_description="Grounds maintenance services")],
            actor=actor,
        )  # fmt: skip


def _awarded(buyer: Department, actor: Actor, now: dt.datetime) -> Award:
    with clock.at(now - dt.timedelta(days=70)):
        process = services.tender_create(
            buyer=buyer, title="Supply of winter de-icing salt",
            description="Up to 3,000 tonnes of brown rock salt a winter, delivered to the depot.",
            value_amount="210000", procurement_method="open", main_category="goods",
            period_end=now - dt.timedelta(days=40),
            items=[ItemIn(description="Brown rock salt", quantity="3000", unit="tonne",
                          classification_id="34927100", classification_description="Road salt")],
            actor=actor,
        )  # fmt: skip
    with clock.at(now - dt.timedelta(days=55)):
        services.tender_amend(
            process=process, rationale="Closing date moved to allow for a supplier question",
            period_end=now - dt.timedelta(days=35), actor=actor,
        )  # fmt: skip
    with clock.at(now - dt.timedelta(days=20)):
        return services.tender_award(
            process=process, title="Winter de-icing salt, 2026 to 2028", value_amount="198400",
            suppliers=[GRITTING], actor=actor,
        )  # fmt: skip


def _signed(buyer: Department, actor: Actor, now: dt.datetime) -> None:
    award = _award_of(
        buyer, actor, now - dt.timedelta(days=120),
        tender={"title": "Haulage from the household recycling centre",
                "description": "Collect and haul skips of sorted recyclables to reprocessors.",
                "value_amount": "420000", "procurement_method": "selective",
                "main_category": "services"},
        award={"title": "Recycling centre haulage", "value_amount": "405000",
               "suppliers": [HAULAGE]},
    )  # fmt: skip
    with clock.at(now - dt.timedelta(days=45)):
        signed_on = clock.now().date()
        services.contract_sign(
            award=award, title="Recycling centre haulage contract", value_amount="405000",
            period_start=signed_on + dt.timedelta(days=14),
            period_end=signed_on + dt.timedelta(days=14 + 3 * 365), date_signed=signed_on,
            actor=actor,
        )  # fmt: skip


def _terminated(buyer: Department, actor: Actor, now: dt.datetime) -> None:
    award = _award_of(
        buyer, actor, now - dt.timedelta(days=300),
        tender={"title": "Depot roof refurbishment", "value_amount": "185000",
                "description": "Strip and re-cover the vehicle depot's roof; renew the gutters.",
                "procurement_method": "open", "main_category": "works"},
        award={"title": "Depot roof refurbishment", "value_amount": "172250",
               "suppliers": [ROOFING]},
    )  # fmt: skip
    with clock.at(now - dt.timedelta(days=230)):
        signed_on = clock.now().date()
        contract = services.contract_sign(
            award=award, title="Depot roof refurbishment contract", value_amount="172250",
            period_start=signed_on, period_end=signed_on + dt.timedelta(days=180),
            date_signed=signed_on, actor=actor,
        )  # fmt: skip
    with clock.at(now - dt.timedelta(days=150)):
        services.contract_terminate(
            contract=contract, ended_on=clock.now().date(), actor=actor,
            reason="The contractor ceased trading; the remaining work will be tendered again.",
        )  # fmt: skip


def _completed(buyer: Department, actor: Actor, now: dt.datetime) -> None:
    award = _award_of(
        buyer, actor, now - dt.timedelta(days=420),
        tender={"title": "Playground safety inspections", "value_amount": "24000",
                "description": "Annual independent inspection of 26 playgrounds.",
                "procurement_method": "limited", "main_category": "services"},
        award={"title": "Playground safety inspections", "value_amount": "22800",
               "suppliers": [PLAYGROUNDS]},
    )  # fmt: skip
    with clock.at(now - dt.timedelta(days=380)):
        signed_on = clock.now().date()
        contract = services.contract_sign(
            award=award, title="Playground safety inspections", value_amount="22800",
            period_start=signed_on, period_end=signed_on + dt.timedelta(days=365),
            date_signed=signed_on, actor=actor,
        )  # fmt: skip
    with clock.at(now - dt.timedelta(days=14)):
        services.contract_complete(contract=contract, ended_on=clock.now().date(), actor=actor)


def _award_of(
    buyer: Department,
    actor: Actor,
    opened: dt.datetime,
    *,
    tender: dict[str, Any],
    award: dict[str, Any],
) -> Award:
    """A tender open for 30 days from `opened`, awarded 20 days after it closed."""
    with clock.at(opened):
        process = services.tender_create(
            buyer=buyer, period_end=opened + dt.timedelta(days=30), actor=actor, **tender
        )
    with clock.at(opened + dt.timedelta(days=50)):
        return services.tender_award(process=process, actor=actor, **award)


_PROCESSES: list[tuple[str, Callable[[Department, Actor, dt.datetime], Any]]] = [
    ("highways", _planned),
    ("parks", _open),
    ("highways", _awarded),
    ("waste", _signed),
    ("building-control", _terminated),
    ("parks", _completed),
]
