"""Access records and their batches are append-only in the database itself, on SQLite and
PostgreSQL alike: only sealing may set a record's batch, once."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from publica.core.actors import SystemActor
from publica.exchange.models import AccessBatch, AccessRecord
from publica.exchange.services.access import access_record
from publica.exchange.services.sealing import access_seal

PREFILL = SystemActor("prefill")


def _record(subject=None) -> AccessRecord:  # type: ignore[no-untyped-def]
    return access_record(
        actor=PREFILL, subject=subject, subject_person_id="TP000001",
        data="Your name and address", purpose="Filling in your parking permit application",
        basis="consent",
    )  # fmt: skip


def _refused(action) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError), transaction.atomic():
        action()


@pytest.fixture
def sealed(db, settings) -> AccessBatch:  # type: ignore[no-untyped-def]
    settings.PUBLICA_EXCHANGE_SEAL_MINUTES = 0
    _record()
    _record()
    [batch] = access_seal()
    return batch


def test_an_access_record_cannot_be_deleted(db):
    record = _record()
    _refused(lambda: AccessRecord.objects.filter(pk=record.pk).delete())
    _refused(record.delete)
    assert AccessRecord.objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize(
    "change",
    [
        {"data": "Nothing at all"},
        {"purpose": "Curiosity"},
        {"actor_label": "Someone else"},
        {"subject_person_id": ""},
        {"categories": ["identity"]},
        {"without_open_case": True},
        {"case": None, "department": "Elsewhere"},
    ],
)
def test_an_access_record_cannot_be_changed(db, change):
    record = _record()
    _refused(lambda: AccessRecord.objects.filter(pk=record.pk).update(**change))
    assert AccessRecord.objects.get(pk=record.pk).data == "Your name and address"


def test_a_record_of_no_one_cannot_be_given_a_subject(db, resident):
    record = _record()
    _refused(lambda: AccessRecord.objects.filter(pk=record.pk).update(subject=resident))


def test_sealing_sets_the_batch_once_and_never_again(sealed):
    assert AccessRecord.objects.filter(batch=sealed).count() == 2
    record = AccessRecord.objects.filter(batch=sealed).first()
    _refused(lambda: AccessRecord.objects.filter(pk=record.pk).update(batch=None))
    other = AccessBatch.objects.create(
        pk=99, first_id=0, last_id=0, count=1, root="00" * 32, sealed_at=sealed.sealed_at,
        ledger_entry=_another_entry(),
    )  # fmt: skip
    _refused(lambda: AccessRecord.objects.filter(pk=record.pk).update(batch=other))
    assert AccessRecord.objects.get(pk=record.pk).batch_id == sealed.pk


def test_a_sealed_record_cannot_be_deleted_or_changed(sealed):
    record = AccessRecord.objects.filter(batch=sealed).first()
    _refused(lambda: AccessRecord.objects.filter(pk=record.pk).update(data="Nothing"))
    _refused(lambda: AccessRecord.objects.filter(pk=record.pk).delete())


def test_a_batch_cannot_be_changed_or_deleted(sealed):
    _refused(lambda: AccessBatch.objects.filter(pk=sealed.pk).update(root="ff" * 32))
    _refused(lambda: AccessBatch.objects.filter(pk=sealed.pk).update(count=1))
    _refused(lambda: AccessBatch.objects.filter(pk=sealed.pk).delete())
    assert AccessBatch.objects.get(pk=sealed.pk).root == sealed.root


def test_flush_steps_the_guards_aside_and_puts_them_back(transactional_db, settings):
    settings.PUBLICA_EXCHANGE_SEAL_MINUTES = 0
    _record()
    access_seal()
    call_command("flush", interactive=False, verbosity=0)
    assert not AccessRecord.objects.exists() and not AccessBatch.objects.exists()
    record = _record()
    _refused(record.delete)


def _another_entry():  # type: ignore[no-untyped-def]
    from publica.core import clock
    from publica.ledger.services import ledger_append_access_batch

    return ledger_append_access_batch(
        batch=99, first_id=1, last_id=1, count=1, root="00" * 32, at=clock.now()
    )
