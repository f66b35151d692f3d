"""Sealing access records into the transparency ledger, and checking the seals.

Records wait `PUBLICA_EXCHANGE_SEAL_MINUTES` (so that a reading transaction has committed),
then are sealed in batches in id order: the RFC 9162 Merkle root of their canonical bytes
goes into an `AccessBatch` and into a ledger entry of kind `access-batch`, which names no
person. Deleting or changing a sealed record, even with the database's triggers dropped, no
longer matches the root the signed ledger holds; `access_verify` finds where.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import rfc8785
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max

from publica.core import clock
from publica.core.actors import SystemActor
from publica.exchange.models import AccessBatch, AccessRecord
from publica.ledger import entries
from publica.ledger.merkle import LeafList, leaf_hash, tree_hash
from publica.ledger.models import Entry
from publica.ledger.services import ledger_append_access_batch

__all__ = ["AccessVerification", "access_seal", "access_verify", "record_bytes", "records_root"]

logger = logging.getLogger(__name__)
SEALER = SystemActor("access-sealing")

#: What a record's digest covers. Fixed for good: a field added to the model later is not in
#: the digest of records sealed before it, so it would need a new version of this list.
SEALED_FIELDS = (
    "id", "at", "subject_id", "subject_person_id", "organisation", "department", "actor_kind",
    "actor_id", "actor_label", "register", "data", "categories", "purpose", "basis",
    "basis_detail", "case_id", "without_open_case",
)  # fmt: skip
#: Records left unsealed this long mean the sealing job is not running, or worse.
OVERDUE = dt.timedelta(days=1)
#: Any number will do, as long as nothing else takes this PostgreSQL advisory lock.
_SEALING_LOCK = 0x5E41_ACCE55
_UPDATE_CHUNK = 500


def record_bytes(values: Mapping[str, Any]) -> bytes:
    """A record's canonical bytes (RFC 8785) from its `SEALED_FIELDS`."""
    body = {name: values[name] for name in SEALED_FIELDS}
    body["at"] = values["at"].astimezone(dt.UTC).isoformat(timespec="microseconds")
    return rfc8785.dumps(body)


def records_root(records: Iterable[Mapping[str, Any]]) -> tuple[int, str]:
    """How many records, and the RFC 9162 Merkle root (hex) of their canonical bytes."""
    leaves = [leaf_hash(record_bytes(record)) for record in records]
    return len(leaves), tree_hash(LeafList(leaves), 0, len(leaves)).hex()


def access_seal(*, batch_size: int = 5_000, actor: SystemActor = SEALER) -> list[AccessBatch]:
    """Seal every record older than the waiting time, `batch_size` at a time, each batch in
    its own transaction. Returns the batches made; safe to run in several workers at once."""
    sealed = []
    while (batch := _seal_batch(batch_size)) is not None:
        sealed.append(batch)
        logger.info("%s sealed %d access records as batch %d", actor, batch.count, batch.pk)
    return sealed


@transaction.atomic
def _seal_batch(size: int) -> AccessBatch | None:
    """One batch: the records, their root, the ledger entry and the batch, or nothing."""
    _lock_sealing()
    cutoff = clock.now() - dt.timedelta(minutes=settings.PUBLICA_EXCHANGE_SEAL_MINUTES)
    records = list(
        AccessRecord.objects.filter(batch__isnull=True, at__lte=cutoff)
        .order_by("pk")
        .values(*SEALED_FIELDS)[:size]
    )
    if not records:
        return None
    count, root = records_root(records)
    ids = [record["id"] for record in records]
    number = (AccessBatch.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
    now = clock.now()
    entry = ledger_append_access_batch(
        batch=number, first_id=ids[0], last_id=ids[-1], count=count, root=root, at=now
    )
    batch = AccessBatch.objects.create(
        pk=number, first_id=ids[0], last_id=ids[-1], count=count, root=root, sealed_at=now,
        ledger_entry=entry,
    )  # fmt: skip
    for start in range(0, len(ids), _UPDATE_CHUNK):
        chunk = ids[start : start + _UPDATE_CHUNK]
        updated = AccessRecord.objects.filter(pk__in=chunk, batch__isnull=True).update(batch=batch)
        if updated != len(chunk):  # sealed meanwhile by someone not holding the lock
            raise RuntimeError(f"access records {chunk[0]} to {chunk[-1]} were sealed twice")
    return batch


def _lock_sealing() -> None:
    """One sealer at a time: on PostgreSQL an advisory lock held to the end of the
    transaction; SQLite takes its one write lock when the transaction begins (IMMEDIATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEALING_LOCK])


@dataclass
class AccessVerification:
    """What `access_verify` found: a line for each problem, none when all is well."""

    batches: int = 0
    records: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def access_verify() -> AccessVerification:
    """Recompute every batch's root from its records and compare it with the batch and with
    the batch's ledger entry; name each batch whose records were deleted, added or changed,
    each batch gone from under its ledger entry, and records left unsealed for a day.

    It trusts the ledger entries: `publica ledger verify` checks those against the signed
    checkpoints."""
    report = AccessVerification()
    sealed = _sealed_in_ledger()
    for batch in AccessBatch.objects.order_by("pk").select_related("ledger_entry"):
        report.batches += 1
        report.records += batch.count
        report.problems.extend(_batch_problems(batch, sealed.pop(batch.pk, None)))
    report.problems.extend(
        f"batch {number}: the batch is gone; its ledger entry remains" for number in sorted(sealed)
    )
    report.problems.extend(_overdue())
    return report


def _sealed_in_ledger() -> dict[int, bytes]:
    """The ledger's access-batch entries by batch number (a body that no longer parses is
    left out, so its batch is reported; `publica ledger verify` names the entry)."""
    found = {}
    for body in Entry.objects.filter(kind=entries.ACCESS_BATCH).values_list("body", flat=True):
        try:
            found[int(json.loads(bytes(body))["batch"])] = bytes(body)
        except (ValueError, KeyError, TypeError):
            continue
    return found


def _batch_problems(batch: AccessBatch, body: bytes | None) -> list[str]:
    problems = []
    expected = entries.access_batch(
        batch=batch.pk, first_id=batch.first_id, last_id=batch.last_id, count=batch.count,
        root=batch.root, at=batch.sealed_at,
    )  # fmt: skip
    if body != expected or bytes(batch.ledger_entry.body) != expected:
        problems.append(f"batch {batch.pk}: the batch no longer matches its ledger entry")
    records = list(AccessRecord.objects.filter(batch=batch).order_by("pk").values(*SEALED_FIELDS))
    count, root = records_root(records)
    ends = (records[0]["id"], records[-1]["id"]) if records else None
    if count != batch.count:
        problems.append(
            f"batch {batch.pk}: {batch.count} records were sealed and {count} are there now"
            " (records were deleted or moved)"
        )
    elif root != batch.root or ends != (batch.first_id, batch.last_id):
        problems.append(
            f"batch {batch.pk}: records {batch.first_id} to {batch.last_id} no longer match"
            " their sealed root (a record was changed)"
        )
    return problems


def _overdue() -> list[str]:
    unsealed = AccessRecord.objects.filter(batch__isnull=True, at__lt=clock.now() - OVERDUE)
    first = unsealed.order_by("pk").values_list("pk", flat=True).first()
    if first is None:
        return []
    count = unsealed.count()
    return [f"{count} access records older than a day are not sealed (the first is {first})"]
