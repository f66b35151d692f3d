"""Register entries and verified residents for the exchange's tests. Made-up people only."""

from __future__ import annotations

import datetime as dt

import factory

from publica.accounts.models import Identity, User
from publica.accounts.services import identity_verify
from publica.core.actors import SystemActor
from publica.exchange.models import Business, Person, Property, Vehicle


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    person_id = factory.Sequence(lambda n: f"TP{n:06d}")
    given_name = "Alex"
    family_name = factory.Sequence(lambda n: f"Tester{n}")
    date_of_birth = dt.date(1985, 4, 12)
    house = "4"
    street = "High Street"
    town = "Millbrook"
    postcode = "MB1 2AA"
    address_id = factory.Sequence(lambda n: f"UPRN{n:08d}")


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    registration = factory.Sequence(lambda n: f"MB{n % 100:02d} XYZ")
    keeper_id = "TP000000"
    make = "Nissan Leaf"
    permit_eligible = True


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Business

    company_number = factory.Sequence(lambda n: f"MB{n:06d}")
    name = factory.Sequence(lambda n: f"Test Bakery {n} Ltd")
    house = "1"
    street = "Mill Road"
    town = "Millbrook"
    postcode = "MB1 3CC"
    directors = factory.LazyFunction(list)


class PropertyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Property

    address_id = factory.Sequence(lambda n: f"UPRN{n:08d}")
    house = "4"
    street = "High Street"
    town = "Millbrook"
    postcode = "MB1 2AA"
    ward = "Millbrook Central"
    council_tax_band = "C"
    occupier_id = ""


def verify(user: User, person: Person, level: str = Identity.Level.SUBSTANTIAL) -> Identity:
    """Give `user` the identity of `person` in the registers, as an identity provider would."""
    return identity_verify(
        user=user, person_id=person.person_id, level=level, method="test",
        actor=SystemActor("test-identity"),
    )  # fmt: skip
