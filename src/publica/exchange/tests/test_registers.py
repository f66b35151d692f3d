"""The register catalogue, the local adapter, loading entries and the service-file section."""

from __future__ import annotations

from pathlib import Path

import pytest

from publica.accounts.models import Identity
from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory
from publica.catalogue import servicefile
from publica.core.actors import SystemActor
from publica.core.errors import InvalidInput, PermissionDenied
from publica.demo.registers import load_demo_registers, person_id
from publica.exchange import registers
from publica.exchange.adapters import Query
from publica.exchange.local import LocalAdapter
from publica.exchange.models import Person, Vehicle
from publica.exchange.services.registers import register_entries_load
from publica.exchange.tests.factories import BusinessFactory, PersonFactory, VehicleFactory

LOADER = SystemActor("test-load")
PERMIT_FILE = Path(__file__).parents[2] / "demo" / "services" / "parking-permit.yaml"


def ask(register: str, lookup: str, value: str, *fields: str) -> list[dict]:
    query = Query(register, lookup, value, purpose="test", basis="statutory", fields=fields)
    return LocalAdapter().query(query).records


def test_each_register_field_falls_in_a_category_a_resident_can_read():
    for register in registers.REGISTERS.values():
        assert set(register.fields.values()) <= set(registers.CATEGORIES)


def test_an_unknown_register_or_lookup_is_named_in_the_error():
    with pytest.raises(registers.UnknownLookup, match="no register named 'taxes'"):
        registers.get("taxes")
    with pytest.raises(registers.UnknownLookup, match="asked keeper, registration, not 'colour'"):
        registers.lookup("vehicles", "colour")


@pytest.mark.django_db
def test_the_local_adapter_answers_only_the_fields_asked_for():
    person = PersonFactory()
    VehicleFactory(registration="MB24 XYZ", keeper_id=person.person_id)
    VehicleFactory(registration="MB25 ABC", keeper_id=person.person_id)
    VehicleFactory(registration="MB26 DEF", keeper_id="someone-else")
    assert ask("population", "person", person.person_id, "street") == [{"street": "High Street"}]
    kept = ask("vehicles", "keeper", person.person_id, "registration")
    assert kept == [{"registration": "MB24 XYZ"}, {"registration": "MB25 ABC"}]
    assert ask("population", "person", "nobody") == []
    born = ask("population", "person", person.person_id, "date_of_birth")
    assert born == [{"date_of_birth": "1985-04-12"}]


@pytest.mark.django_db
def test_a_director_finds_only_their_own_companies():
    BusinessFactory(directors=["TP000001", "TP000002"], name="Both Ltd")
    BusinessFactory(directors=["TP0000011"], name="Lookalike Ltd")
    assert ask("businesses", "director", "TP000001", "name") == [{"name": "Both Ltd"}]


@pytest.mark.django_db
def test_loading_entries_checks_every_entry_first_and_names_the_field():
    good = {"registration": "MB24 XYZ", "keeper_id": "TP1", "make": "Kia Niro"}
    bad = {"registration": "", "keeper_id": "TP1", "make": "Kia Niro"}
    with pytest.raises(InvalidInput) as raised:
        register_entries_load(register="vehicles", entries=[good, bad], actor=LOADER)
    assert raised.value.errors[0].field == "entries.1.registration"
    assert not Vehicle.objects.exists()
    assert register_entries_load(register="vehicles", entries=[good], actor=LOADER) == 1
    assert register_entries_load(register="vehicles", entries=[good], actor=LOADER) == 1
    assert Vehicle.objects.count() == 1


@pytest.mark.django_db
def test_a_resident_cannot_load_register_entries():
    with pytest.raises(PermissionDenied):
        register_entries_load(register="vehicles", entries=[], actor=UserFactory())


@pytest.mark.django_db
def test_the_demo_gives_each_resident_a_verified_identity_in_the_registers():
    residents = [UserFactory(username=f"resident{n:02d}", role=Role.RESIDENT) for n in (1, 2)]
    load_demo_registers()
    load_demo_registers()  # twice changes nothing
    first = Identity.objects.get(user=residents[0])
    assert first.person_id == person_id(1) and first.is_verified
    assert Person.objects.get(person_id=first.person_id).street == "High Street"
    assert Vehicle.objects.filter(keeper_id=first.person_id, permit_eligible=True).exists()
    assert Person.objects.count() == 2


def section_problems(**section: object) -> list[str]:
    text = PERMIT_FILE.read_text()
    data = servicefile.parse(text).data
    data["registers"] = {
        "purpose": "Test", "basis": "consent",
        "use": {"person": {"register": "population", "by": "person"}}, **section,
    }  # fmt: skip
    return [f"{field}: {message}" for field, message in servicefile._check_registers(data)]


def test_the_demo_parking_permit_file_declares_its_registers():
    data = servicefile.parse(PERMIT_FILE.read_text()).data
    assert data["registers"]["basis"] == "consent"
    assert not section_problems()


def test_a_service_asks_registers_only_about_the_applicant():
    problems = section_problems(use={"car": {"register": "vehicles", "by": "registration"}})
    assert problems == ["registers.use.car.by: a service asks registers only about the applicant"]


def test_a_statutory_basis_names_its_law():
    assert section_problems(basis="statutory") == [
        "registers.law: a statutory basis names the law or duty it rests on"
    ]


def test_prefill_reads_a_field_a_query_fetches():
    problems = section_problems(
        use={"person": {"register": "population", "by": "person", "fields": ["street"]}},
        prefill={"house": {"from": "person.house"}, "nope": {"from": "car.make"}},
    )
    assert problems == [
        "registers.prefill.house.from: read a field the query fetches, as person.<field>",
        "registers.prefill.nope: 'nope' is not a property of form.schema",
        "registers.prefill.nope.from: no query named 'car' under registers.use",
    ]


def test_an_unknown_lookup_in_a_service_file_is_an_error_with_its_line():
    text = PERMIT_FILE.read_text().replace("by: keeper", "by: colour")
    with pytest.raises(InvalidInput) as raised:
        servicefile.parse(text)
    error = raised.value.errors[0]
    assert error.field == "registers.use.vehicles.by" and error.line is not None
