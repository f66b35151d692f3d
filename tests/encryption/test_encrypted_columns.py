"""Personal data in the database: encrypted at rest, read as plain values, found by keyed
hashes, and re-encrypted under a new key while it stays readable."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from django.db import connection

from publica.cases import selectors
from publica.cases.models import Case
from publica.cases.tests.factories import submit_pothole
from publica.cli import main
from publica.core.actors import ContactActor
from publica.core.fieldkeys import keyring, keys_add
from publica.core.keyrotation import PLAIN, keys_rotate, keys_status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_key_file(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    settings.PUBLICA_FIELD_KEYS = ""


def _stored(case: Case, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM cases_case WHERE id = %s", [case.pk])
        return str(cursor.fetchone()[0])


def test_personal_data_is_stored_encrypted_and_read_back_plain(pothole, resident) -> None:
    case = submit_pothole(
        pothole, None, contact={"email": "kit@example.org", "name": "Kit Marlowe-Test"},
        description="Hole by the Old Mill",
    )  # fmt: skip
    for column in ("contact_email", "contact_name", "data", "address"):
        stored = _stored(case, column)
        assert stored.startswith("enc1:k1:"), column
        assert "kit" not in stored.lower() and "Mill" not in stored
    again = Case.objects.get(pk=case.pk)
    assert again.contact_email == "kit@example.org"
    assert again.data["description"] == "Hole by the Old Mill"
    assert Case.objects.filter(pk=case.pk).values_list("data", flat=True)[0]["size"] == "medium"


def test_a_contact_finds_their_cases_by_the_keyed_hash_of_their_address(pothole) -> None:
    mine = submit_pothole(pothole, None, contact={"email": "Kit@Example.org"})
    submit_pothole(pothole, None, contact={"email": "someone@example.org"})
    found = selectors.visible_cases(actor=ContactActor(" kit@example.ORG "))
    assert list(found) == [mine]
    assert mine.contact_email_hash and "kit" not in mine.contact_email_hash


def test_staff_search_finds_whole_words_in_encrypted_answers(pothole, caseworker) -> None:
    case = submit_pothole(pothole, None, description="Deep hole beside the mill wheel")
    submit_pothole(pothole, None, description="Shallow dip")
    assert selectors.case_queue_page(actor=caseworker, search="Wheel mill").cases == [case]
    assert selectors.case_queue_page(actor=caseworker, search="whee").cases == []


def test_rotation_re_encrypts_everything_under_the_new_key_and_loses_nothing(
    pothole, resident
) -> None:
    cases = [submit_pothole(pothole, resident, description=f"Hole {n}") for n in range(3)]
    with connection.cursor() as cursor:  # a row from before the column was encrypted
        cursor.execute(
            "UPDATE cases_case SET contact_phone = %s WHERE id = %s", ["01632 960 001", cases[0].pk]
        )
    assert keys_status()["cases.case.contact_phone"][PLAIN] == 1

    added = keys_add()
    done = keys_rotate(batch=2)

    assert added == "k2" and keyring().current == "k2"
    assert done["cases.case.data"] == 3 and done["cases.case.contact_phone"] == 1
    status = keys_status()
    assert all(set(counts) <= {"k2"} for counts in status.values()), status
    for n, case in enumerate(cases):
        again = Case.objects.get(pk=case.pk)
        assert again.data["description"] == f"Hole {n}"
        assert _stored(case, "data").startswith("enc1:k2:")
    assert Case.objects.get(pk=cases[0].pk).contact_phone == "01632 960 001"
    assert keys_rotate() == dict.fromkeys(status, 0)  # nothing left


def test_the_keys_command_adds_rotates_and_retires(pothole, resident) -> None:
    case = submit_pothole(pothole, resident, description="Hole by the gate")
    runner = CliRunner()
    assert "Added key k2" in runner.invoke(main, ["keys", "add"]).output
    refused = runner.invoke(main, ["keys", "retire", "k1"])
    assert refused.exit_code == 1 and "still encrypts" in refused.output
    assert "cases.case.data (1)" in refused.output
    rotated = runner.invoke(main, ["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    retired = runner.invoke(main, ["keys", "retire", "k1"])
    assert retired.exit_code == 0, retired.output
    assert "k1" not in keyring().keys
    assert Case.objects.get(pk=case.pk).data["description"] == "Hole by the gate"
    status = runner.invoke(main, ["keys", "status"]).output
    assert "Current key: k2" in status and "cases.case.data: k2: 1" in status


def test_the_key_file_is_readable_by_its_owner_only(settings) -> None:
    keyring()
    path = settings.DATA_DIR / "field-keys.json"
    assert path.stat().st_mode & 0o777 == 0o600
    assert set(json.loads(path.read_text())) == {"current", "keys", "search"}


def test_person_numbers_are_encrypted_and_found_by_their_keyed_hash(resident) -> None:
    from publica.accounts.models import Identity
    from publica.accounts.services import identity_verify
    from publica.core.actors import SystemActor

    identity_verify(
        user=resident, person_id="P-ENC-7", level="substantial", method="demo",
        actor=SystemActor("demo"),
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT person_id FROM accounts_identity WHERE user_id = %s", [resident.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("enc1:") and "P-ENC-7" not in stored
    assert Identity.objects.get(person_hash=Identity.hash_of("p-enc-7")).user == resident


def test_register_names_and_addresses_are_encrypted(db) -> None:
    import datetime as dt

    from publica.exchange.models import Person

    Person.objects.create(
        person_id="P-ENC-8", given_name="Ada", family_name="Example", house="4",
        street="High Street", town="Millbrook", postcode="MB1 2AA",
        date_of_birth=dt.date(1990, 1, 1),
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT family_name, street FROM exchange_person")
        family, street = cursor.fetchone()
    assert family.startswith("enc1:") and street.startswith("enc1:")
    assert Person.objects.get(person_id="P-ENC-8").street == "High Street"
