"""Processes in each stage, made through the services as staff would make them.
The companies are invented; their contacts are role mailboxes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from publica.accounts.models import Department
from publica.core import clock
from publica.core.actors import Actor
from publica.procurement import services
from publica.procurement.models import Award, Contract, ContractingProcess

ROADWORKS = services.SupplierIn(
    name="Tarmac and Kerb Ltd", identifier="01234567", address="1 Quarry Lane, Testbury",
    postal_code="TE1 2ST", contact_email="bids@tarmac-and-kerb.example.com",
)  # fmt: skip
LIGHTING = services.SupplierIn(name="Lamplight Services Ltd", identifier="SC123456")


def tender_fields(**overrides: Any) -> dict[str, Any]:
    """What staff type to open a tender for resurfacing: every field valid."""
    return {
        "title": "Resurfacing of Mill Road",
        "description": "Plane and resurface 1.2 km of carriageway, with new road markings.",
        "value_amount": "250000",
        "procurement_method": "open",
        "main_category": "works",
        "period_end": clock.now() + dt.timedelta(days=30),
        "items": [
            services.ItemIn(
                description="Resurfacing works", quantity="1200", unit="metre",
                classification_id="45233141", classification_description="Road-maintenance works",
            )
        ],
        **overrides,
    }  # fmt: skip


def open_tender(buyer: Department, actor: Actor, **overrides: Any) -> ContractingProcess:
    return services.tender_create(buyer=buyer, actor=actor, **tender_fields(**overrides))


def awarded(buyer: Department, actor: Actor) -> Award:
    process = open_tender(buyer, actor)
    return services.tender_award(
        process=process, title="Mill Road resurfacing", value_amount="238500.50",
        suppliers=[ROADWORKS], actor=actor,
    )  # fmt: skip


def signed(buyer: Department, actor: Actor) -> Contract:
    award = awarded(buyer, actor)
    today = clock.now().date()
    return services.contract_sign(
        award=award, title="Mill Road resurfacing contract", value_amount="238500.50",
        period_start=today, period_end=today + dt.timedelta(days=90), date_signed=today,
        actor=actor,
    )  # fmt: skip
