"""Writes to the ledger: a pending entry in the decision's own transaction (or the access
records' sealing), and the sequencer that integrates pending entries into the tree and signs
a checkpoint."""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.conf import settings
from django.db import connection, transaction

from publica.core import clock
from publica.core.actors import SystemActor
from publica.ledger import entries, keys, note
from publica.ledger.merkle import leaf_hash, tree_hash
from publica.ledger.models import Checkpoint, Entry, Head, Pending, Tile
from publica.ledger.tiles import Frontier, TileHashes, partial_tiles

__all__ = ["LedgerInconsistent", "ledger_append", "ledger_append_access_batch", "ledger_sequence"]

logger = logging.getLogger(__name__)
SEQUENCER = SystemActor("ledger-sequencer")


class LedgerInconsistent(RuntimeError):
    """The stored tree no longer extends the last signed checkpoint: nothing is signed."""


def ledger_append(
    *,
    kind: str,
    case: str,
    service: str,
    service_version: int,
    from_state: str,
    to_state: str,
    outcome: str,
    role: str,
    digest: str,
    at: dt.datetime | None = None,
    into: str | None = None,
) -> Entry:
    """Record a decision (or, with `into`, a merge) as a pending entry. Call it inside the
    decision's transaction: the two commit together or not at all."""
    moment = at or clock.now()
    body = entries.decision(
        kind=kind, case=case, service=service, service_version=service_version,
        from_state=from_state, to_state=to_state, outcome=outcome, role=role, at=moment,
        digest=digest, into=into,
    )  # fmt: skip
    return _pending(kind=kind, case_reference=case, body=body, at=moment)


def ledger_append_access_batch(
    *, batch: int, first_id: int, last_id: int, count: int, root: str, at: dt.datetime
) -> Entry:
    """Record the Merkle root of a batch of access records as a pending entry, in the
    sealing's transaction. The entry names no case: it is about no one in particular."""
    body = entries.access_batch(
        batch=batch, first_id=first_id, last_id=last_id, count=count, root=root, at=at
    )
    return _pending(kind=entries.ACCESS_BATCH, case_reference="", body=body, at=at)


def _pending(*, kind: str, case_reference: str, body: bytes, at: dt.datetime) -> Entry:
    entry = Entry.objects.create(
        kind=kind, case_reference=case_reference, body=body, recorded_at=at
    )
    Pending.objects.create(entry=entry)
    if settings.PUBLICA_LEDGER_INTEGRATE_ON_COMMIT:
        transaction.on_commit(_integrate, robust=True)
    return entry


def _integrate() -> None:
    ledger_sequence()


def ledger_sequence(*, limit: int = 20_000, actor: SystemActor = SEQUENCER) -> Checkpoint | None:
    """Integrate up to `limit` pending entries, oldest first: give them their indexes, extend
    the tiles and sign a checkpoint for the new size. Returns it, or None with nothing to do.

    One sequencer at a time holds the head row; before signing, the new tree is checked to
    extend the last checkpoint, so two inconsistent checkpoints are never both signed.
    """
    if not Pending.objects.exists():
        return None
    with transaction.atomic():
        head = _lock_head()
        # The small queue first, then the entries by primary key: never a walk of the ledger
        # (a join lets the planner walk it when its statistics lag behind the queue).
        queued = list(
            Pending.objects.order_by("entry_id").values_list("entry_id", flat=True)[:limit]
        )
        bodies = dict(Entry.objects.filter(id__in=queued).values_list("id", "body"))
        pending = [(pk, bodies[pk]) for pk in queued]
        if not pending:
            return None
        wanted = [(level, number) for level, number, _ in partial_tiles(head.size)]
        frontier = Frontier(head.size, _tiles(wanted))
        _require_extends_last_checkpoint(frontier, head.size)
        frontier.append(leaf_hash(bytes(body)) for _, body in pending)
        Tile.objects.bulk_create(
            [Tile(level=level, number=number, hashes=data)
             for (level, number), data in frontier.changed().items()],
            update_conflicts=True, unique_fields=["level", "number"], update_fields=["hashes"],
        )  # fmt: skip
        now = clock.now()
        _assign_indexes([(pk, head.size + offset) for offset, (pk, _) in enumerate(pending)], now)
        Pending.objects.filter(entry_id__in=[pk for pk, _ in pending]).delete()
        root = frontier.root()
        signed = note.sign(
            note.checkpoint_text(note.Checkpoint(keys.origin(), frontier.size, root)),
            keys.origin(),
            keys.signing_key(),
        )
        checkpoint = Checkpoint.objects.create(
            size=frontier.size, root_hash=root, note=signed, signed_at=now
        )
        head.size = frontier.size
        head.save(update_fields=["size"])
    logger.info("%s integrated %d entries; tree size %d", actor.name, len(pending), head.size)
    return checkpoint


def _lock_head() -> Head:
    head, _ = Head.objects.select_for_update().get_or_create(pk=1)
    return head


def _tiles(wanted: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    found: dict[tuple[int, int], bytes] = {}
    for level, number in wanted:
        row = Tile.objects.filter(level=level, number=number).values_list("hashes", flat=True)
        data = row.first()
        if data is not None:
            found[level, number] = bytes(data)
    return found


def _require_extends_last_checkpoint(frontier: Frontier, size: int) -> None:
    last = Checkpoint.objects.order_by("-size").values_list("size", "root_hash").first()
    if last is None:
        if size:
            raise LedgerInconsistent(f"the tree has {size} entries but no checkpoint")
        return
    if last[0] != size or tree_hash(TileHashes(frontier.tile), 0, size) != bytes(last[1]):
        raise LedgerInconsistent(
            f"the stored tree of size {size} does not match the last checkpoint ({last[0]}); "
            "run `publica ledger verify` to find where"
        )


def _assign_indexes(places: list[tuple[int, int]], at: dt.datetime) -> None:
    """Set each entry's index in one statement (row by row would cost more than hashing)."""
    moment = connection.ops.adapt_datetimefield_value(at)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "UPDATE ledger_entry SET log_index = v.i, integrated_at = %s"
                " FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, i) WHERE ledger_entry.id = v.id",
                [moment, [pk for pk, _ in places], [i for _, i in places]],
            )
        else:
            cursor.execute(
                "UPDATE ledger_entry SET log_index = json_extract(v.value, '$[1]'),"
                " integrated_at = %s FROM json_each(%s) AS v"
                " WHERE ledger_entry.id = json_extract(v.value, '$[0]')",
                [moment, json.dumps(places)],
            )
