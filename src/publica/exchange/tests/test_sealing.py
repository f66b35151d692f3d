"""Access records are sealed in batches into the ledger, and any deleted or changed record is
found afterwards, even by someone who dropped the database's guards first."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from click.testing import CliRunner
from django.db import connection, connections

from publica.core import clock
from publica.core.actors import SystemActor
from publica.exchange.cli_access import seal_access, verify_access
from publica.exchange.guards import GUARDS
from publica.exchange.models import AccessBatch, AccessRecord
from publica.exchange.services.access import access_record
from publica.exchange.services.sealing import (
    SEALED_FIELDS,
    access_seal,
    access_verify,
    records_root,
)
from publica.exchange.tests.factories import PersonFactory, verify
from publica.ledger import entries
from publica.ledger.models import Entry

NOON = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
PREFILL = SystemActor("prefill")


def _read(subject=None, at: dt.datetime = NOON, person_id: str = "") -> AccessRecord:  # type: ignore[no-untyped-def]
    with clock.at(at):
        return access_record(
            actor=PREFILL, subject=subject, subject_person_id=person_id,
            data="Your name and address", purpose="Filling in your parking permit application",
            basis="consent", basis_detail="consent 1", register="population",
        )  # fmt: skip


def _seal(at: dt.datetime = NOON + dt.timedelta(minutes=5), **options) -> list[AccessBatch]:  # type: ignore[no-untyped-def]
    with clock.at(at):
        return access_seal(**options)


def _verify(at: dt.datetime = NOON + dt.timedelta(minutes=10)):  # type: ignore[no-untyped-def]
    with clock.at(at):
        return access_verify()


@pytest.fixture
def sealed(db, resident) -> AccessBatch:  # type: ignore[no-untyped-def]
    for _ in range(5):
        _read(resident)
    [batch] = _seal()
    return batch


def test_records_are_sealed_in_id_order_under_their_merkle_root(sealed):
    records = AccessRecord.objects.filter(batch=sealed).order_by("pk")
    ids = list(records.values_list("pk", flat=True))
    assert (sealed.first_id, sealed.last_id, sealed.count) == (ids[0], ids[-1], 5)
    assert records_root(records.values(*SEALED_FIELDS)) == (5, sealed.root)
    assert not AccessRecord.objects.filter(batch__isnull=True).exists()


def test_a_sealed_batch_verifies(sealed):
    report = _verify()
    assert report.ok, report.problems
    assert (report.batches, report.records) == (1, 5)


def test_the_ledger_entry_holds_the_digest_and_no_personal_data(db, resident):
    verify(resident, PersonFactory(person_id="TP424242", family_name="Quillfeather"))
    _read(resident, person_id="TP424242")
    [batch] = _seal()
    entry = Entry.objects.get(pk=batch.ledger_entry_id)
    body = json.loads(bytes(entry.body))
    assert entry.kind == entries.ACCESS_BATCH and entry.case_reference == ""
    assert set(body) == entries.ACCESS_BATCH_FIELDS
    assert body["root"] == batch.root and body["count"] == 1 and body["batch"] == batch.pk
    text = bytes(entry.body).decode()
    for personal in ("TP424242", "Quillfeather", resident.username, resident.last_name, "address"):
        assert personal not in text


def test_records_newer_than_the_waiting_time_wait_for_the_next_batch(db, settings):
    settings.PUBLICA_EXCHANGE_SEAL_MINUTES = 5
    early = _read(at=NOON)
    late = _read(at=NOON + dt.timedelta(minutes=4))
    [batch] = _seal(at=NOON + dt.timedelta(minutes=6))
    assert list(batch.records.values_list("pk", flat=True)) == [early.pk]
    assert AccessRecord.objects.get(pk=late.pk).batch_id is None
    [following] = _seal(at=NOON + dt.timedelta(minutes=10))
    assert following.pk == batch.pk + 1 and following.first_id == late.pk
    assert _seal(at=NOON + dt.timedelta(minutes=11)) == []


def test_many_records_are_sealed_in_several_batches(db):
    for _ in range(7):
        _read()
    batches = _seal(batch_size=3)
    assert [batch.count for batch in batches] == [3, 3, 1]
    assert _verify().ok


def test_a_deleted_record_is_found(sealed):
    GUARDS.remove(connection)  # what someone with the database's keys could do; rolled back
    AccessRecord.objects.filter(pk=sealed.first_id + 2).delete()
    report = _verify()
    assert report.problems == [
        f"batch {sealed.pk}: 5 records were sealed and 4 are there now"
        " (records were deleted or moved)"
    ]


def test_a_changed_record_is_found(sealed):
    GUARDS.remove(connection)
    AccessRecord.objects.filter(pk=sealed.last_id).update(purpose="Handling your case")
    [problem] = _verify().problems
    assert problem.startswith(f"batch {sealed.pk}: records {sealed.first_id} to {sealed.last_id}")
    assert "no longer match their sealed root" in problem


def test_a_record_taken_out_of_its_batch_is_found(sealed):
    GUARDS.remove(connection)
    AccessRecord.objects.filter(pk=sealed.first_id).update(batch=None)
    problems = _verify(at=NOON + dt.timedelta(days=2)).problems
    assert problems == [
        f"batch {sealed.pk}: 5 records were sealed and 4 are there now"
        " (records were deleted or moved)",
        f"1 access records older than a day are not sealed (the first is {sealed.first_id})",
    ]


def test_a_rewritten_batch_no_longer_matches_its_ledger_entry(sealed):
    GUARDS.remove(connection)
    # Change a record and the batch's root to match: the ledger entry still holds the old one.
    AccessRecord.objects.filter(pk=sealed.last_id).update(data="Nothing at all")
    records = AccessRecord.objects.filter(batch=sealed).order_by("pk")
    _, root = records_root(records.values(*SEALED_FIELDS))
    AccessBatch.objects.filter(pk=sealed.pk).update(root=root)
    assert _verify().problems == [
        f"batch {sealed.pk}: the batch no longer matches its ledger entry"
    ]


def test_records_left_unsealed_for_a_day_are_reported(db):
    record = _read()
    assert _verify(at=NOON + dt.timedelta(hours=23)).ok
    assert _verify(at=NOON + dt.timedelta(hours=25)).problems == [
        f"1 access records older than a day are not sealed (the first is {record.pk})"
    ]


def test_the_commands_seal_and_exit_1_naming_tampering(sealed):
    _read()
    with clock.at(NOON + dt.timedelta(minutes=5)):
        result = CliRunner().invoke(seal_access)
    assert result.exit_code == 0 and "Sealed 1 access records in 1 batches" in result.output
    with clock.at(NOON + dt.timedelta(minutes=10)):
        fine = CliRunner().invoke(verify_access)
        GUARDS.remove(connection)
        AccessRecord.objects.filter(pk=sealed.first_id).delete()
        tampered = CliRunner().invoke(verify_access)
    assert fine.exit_code == 0 and "6 access records in 2 batches" in fine.output
    assert tampered.exit_code == 1
    assert f"batch {sealed.pk}: 5 records were sealed and 4" in tampered.output


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
def test_sealers_racing_never_seal_a_record_twice():
    for _ in range(60):
        _read()
    errors: list[BaseException] = []

    def sealer() -> None:
        try:
            _seal(batch_size=7)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=sealer) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    assert sum(AccessBatch.objects.values_list("count", flat=True)) == 60
    assert not AccessRecord.objects.filter(batch__isnull=True).exists()
    assert _verify().ok
