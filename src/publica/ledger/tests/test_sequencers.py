"""Two sequencers started at once never sign inconsistent checkpoints.

Real concurrent transactions need PostgreSQL: SQLite's test database is in memory and
serialises every writer anyway (and its IMMEDIATE transactions take the lock at BEGIN).
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading

import pytest
from django.db import connection, connections

from publica.ledger import keys, merkle, selectors
from publica.ledger.models import Checkpoint, Entry, Pending
from publica.ledger.services import ledger_append, ledger_sequence
from publica.ledger.verify import DatabaseSource, verify

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def _append(count: int, start: int) -> None:
    for n in range(start, start + count):
        ledger_append(
            kind="transition", case=f"PTH-2026-{n:06d}", service="pothole", service_version=1,
            from_state="submitted", to_state="inspecting", outcome="", role="caseworker",
            digest="cd" * 32, at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
        )  # fmt: skip


def test_sequencers_racing_while_decisions_arrive_sign_one_consistent_history(tmp_path):
    stop = threading.Event()
    errors: list[BaseException] = []

    def sequencer() -> None:
        try:
            while not stop.is_set():
                ledger_sequence(limit=37)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def writer(start: int) -> None:
        try:
            for batch in range(10):
                _append(20, start + batch * 20)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=sequencer) for _ in range(3)]
    writers = [threading.Thread(target=writer, args=(n * 1000,)) for n in range(2)]
    for thread in [*workers, *writers]:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in workers:
        thread.join()
    assert not errors
    while ledger_sequence() is not None:
        pass
    assert not Entry.objects.filter(log_index__isnull=True).exists()
    assert not Pending.objects.exists()
    sizes = list(Checkpoint.objects.order_by("size").values_list("size", "root_hash"))
    assert sizes[-1][0] == 400
    for (first, old), (second, new) in itertools.pairwise(sizes):
        proof = selectors.consistency(first, second)
        assert merkle.verify_consistency(first, second, bytes(old), bytes(new), proof)
    assert verify(DatabaseSource(), keys.verifier(), tmp_path / "seen.json").ok
