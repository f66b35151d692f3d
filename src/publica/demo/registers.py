"""Millbrook's demo registers: a population, vehicle, business and property register entry
for each demo resident (invented, like their names), and a verified identity for each, so a
demo resident can see "once only" at work. Loading twice changes nothing."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from publica.accounts.models import User
from publica.accounts.roles import Role
from publica.accounts.services import identity_verify
from publica.core.actors import DEMO
from publica.demo.people import STREETS
from publica.exchange.services.registers import register_entries_load

#: Streets by ward (the demo's four wards), for the property register.
WARDS = ("Millbrook North", "Millbrook East", "Millbrook South", "Millbrook West")
MAKES = ("Ford Fiesta", "Nissan Leaf", "VW Golf", "Vauxhall Corsa", "Toyota Yaris", "Kia Niro")
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def person_id(index: int) -> str:
    """A demo person number: 'MB' and seven digits, the last a check digit (mod 11)."""
    digits = f"{index:06d}"
    check = sum(int(d) * w for d, w in zip(digits, range(7, 1, -1), strict=True)) % 11 % 10
    return f"MB{digits}{check}"


def load_demo_registers(*, seed: int = 2026) -> int:
    """Register entries and verified identities for the demo residents; returns how many."""
    rng = random.Random(seed)
    residents = list(User.objects.filter(role=Role.RESIDENT, username__startswith="resident"))
    people: list[dict[str, Any]] = []
    vehicles: list[dict[str, Any]] = []
    properties: list[dict[str, Any]] = []
    businesses: list[dict[str, Any]] = []
    for index, user in enumerate(sorted(residents, key=lambda u: u.username), start=1):
        number = person_id(index)
        house, street = str(rng.randint(1, 80)), rng.choice(STREETS)
        if index == 1:  # resident01 shows the whole of "once only": a permit zone, a car
            house, street = "4", "High Street"
        postcode = (
            f"MB{rng.randint(1, 3)} {rng.randint(1, 9)}{rng.choice(LETTERS)}{rng.choice(LETTERS)}"
        )
        address_id = f"MB-UPRN-{index:06d}"
        people.append(
            dict(
                person_id=number, given_name=user.first_name, family_name=user.last_name,
                date_of_birth=dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 20000)),
                house=house, street=street, town="Millbrook", postcode=postcode,
                address_id=address_id,
            )
        )  # fmt: skip
        properties.append(
            dict(
                address_id=address_id, house=house, street=street, town="Millbrook",
                postcode=postcode, ward=rng.choice(WARDS),
                council_tax_band=rng.choice("ABCDEFG"), occupier_id=number,
            )
        )  # fmt: skip
        for _ in range(1 if index == 1 else rng.choice((0, 1, 1, 1, 2))):
            vehicle = _vehicle(rng, number, eligible=index == 1 or rng.random() > 0.1)
            if vehicle["registration"] not in {v["registration"] for v in vehicles}:
                vehicles.append(vehicle)
        if index % 8 == 0:
            businesses.append(_business(rng, index, number))
    count = 0
    for register, entries in (
        ("population", people),
        ("property", properties),
        ("vehicles", vehicles),
        ("businesses", businesses),
    ):
        count += register_entries_load(register=register, entries=entries, actor=DEMO)
    for index, user in enumerate(sorted(residents, key=lambda u: u.username), start=1):
        identity_verify(
            user=user, person_id=person_id(index), level="substantial", method="demo", actor=DEMO
        )
    return count


def _vehicle(rng: random.Random, keeper: str, *, eligible: bool) -> dict[str, Any]:
    letters = "".join(rng.choice(LETTERS) for _ in range(3))
    return {
        "registration": f"MB{rng.randint(10, 26)} {letters}",
        "keeper_id": keeper,
        "make": rng.choice(MAKES),
        "permit_eligible": eligible,  # a few are heavy vans a resident permit cannot cover
    }


def _business(rng: random.Random, index: int, director: str) -> dict[str, Any]:
    trade = rng.choice(("Bakery", "Garage", "Studio", "Books"))
    return dict(
        company_number=f"MB{index:06d}",
        name=f"{rng.choice(('Mill', 'Brook', 'Orchard', 'Kiln'))} {trade} Ltd",
        house=str(rng.randint(1, 40)), street=rng.choice(STREETS), town="Millbrook",
        postcode=f"MB1 {rng.randint(1, 9)}{rng.choice(LETTERS)}{rng.choice(LETTERS)}",
        directors=[director],
    )  # fmt: skip
