"""The base registers Publica knows, what each holds and how it may be asked. Pure: no Django.

A register is a source of truth held by one body: the population register holds people and
their address, the vehicle register who keeps which vehicle. Each is asked by a *lookup*
(`population` by `person`, `vehicles` by `keeper`) and answers with *fields*; every field
belongs to a *data category* ("your address"), which is what consents name and what the
data tracker shows a resident. A lookup keyed by the person the data is about is a
*subject lookup*: a service may use only those, with the applicant's verified identity.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CATEGORIES", "REGISTERS", "Lookup", "Register", "UnknownLookup", "get", "lookup"]

#: Data categories, in the words a resident reads on a consent or the data tracker.
CATEGORIES = {
    "identity": "Your name, date of birth and person number",
    "address": "Your registered address",
    "vehicles": "The vehicles you keep",
    "businesses": "The companies you direct",
    "property": "Your home's ward and council tax band",
}


@dataclass(frozen=True)
class Lookup:
    name: str
    #: True when the key is the person the answer is about (their person number).
    by_subject: bool
    #: True when it answers with a list of records, False with at most one.
    many: bool
    label: str


@dataclass(frozen=True)
class Register:
    name: str
    title: str
    holder: str
    #: field -> data category
    fields: dict[str, str]
    lookups: dict[str, Lookup]

    def categories(self, fields: list[str] | tuple[str, ...] | None = None) -> list[str]:
        """The data categories the given fields (default: all) fall in, in catalogue order."""
        chosen = set(self.fields if fields is None else fields)
        wanted = {category for field, category in self.fields.items() if field in chosen}
        return [category for category in CATEGORIES if category in wanted]


REGISTERS: dict[str, Register] = {
    register.name: register
    for register in (
        Register(
            name="population",
            title="Population register",
            holder="Registrar of population",
            fields={
                "person_id": "identity",
                "given_name": "identity",
                "family_name": "identity",
                "date_of_birth": "identity",
                "house": "address",
                "street": "address",
                "town": "address",
                "postcode": "address",
                "address_id": "address",
            },
            lookups={"person": Lookup("person", True, False, "by person number")},
        ),
        Register(
            name="vehicles",
            title="Vehicle register",
            holder="Vehicle licensing agency",
            fields={
                "registration": "vehicles",
                "make": "vehicles",
                "permit_eligible": "vehicles",
                "keeper_id": "vehicles",
            },
            lookups={
                "keeper": Lookup("keeper", True, True, "by keeper's person number"),
                "registration": Lookup("registration", False, False, "by registration"),
            },
        ),
        Register(
            name="businesses",
            title="Business register",
            holder="Registrar of companies",
            fields={
                "company_number": "businesses",
                "name": "businesses",
                "house": "businesses",
                "street": "businesses",
                "town": "businesses",
                "postcode": "businesses",
                "directors": "businesses",
            },
            lookups={
                "director": Lookup("director", True, True, "by director's person number"),
                "company": Lookup("company", False, False, "by company number"),
            },
        ),
        Register(
            name="property",
            title="Property register",
            holder="Council tax and land records",
            fields={
                "address_id": "property",
                "house": "property",
                "street": "property",
                "town": "property",
                "postcode": "property",
                "ward": "property",
                "council_tax_band": "property",
                "occupier_id": "property",
            },
            lookups={
                "occupier": Lookup("occupier", True, True, "by occupier's person number"),
                "address": Lookup("address", False, False, "by address number"),
            },
        ),
    )
}


class UnknownLookup(LookupError):
    """No such register, or it cannot be asked that way; the message names which."""


def get(name: str) -> Register:
    try:
        return REGISTERS[name]
    except KeyError:
        known = ", ".join(REGISTERS)
        raise UnknownLookup(f"no register named {name!r}; registers: {known}") from None


def lookup(register: str, name: str) -> Lookup:
    held = get(register)
    try:
        return held.lookups[name]
    except KeyError:
        known = ", ".join(held.lookups)
        raise UnknownLookup(f"the {register} register is asked {known}, not {name!r}") from None
