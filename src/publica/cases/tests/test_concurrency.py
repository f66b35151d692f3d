"""Two people acting on one case at once: the row lock lets exactly one through.

These run real concurrent transactions, so they need PostgreSQL: SQLite's test database is
in memory and serialises every writer anyway.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from publica.cases import services
from publica.cases.models import Case
from publica.cases.tests.factories import submit_pothole
from publica.core.errors import PublicaError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def race(jobs: list[Callable[[], object]]) -> list[object]:
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = jobs[index]()
        except PublicaError as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_caseworkers_closing_one_case_at_once_leave_one_decision(
    pothole, resident, caseworker, supervisor
):
    case = submit_pothole(pothole, resident)
    results = race(
        [
            lambda: services.case_transition(
                case=case, to="no_action", actor=caseworker, reason="Fine"
            ),
            lambda: services.case_transition(case=case, to="duplicate", actor=supervisor),
        ]
    )
    assert sum(isinstance(result, Case) for result in results) == 1
    assert sum(isinstance(result, PublicaError) for result in results) == 1
    case.refresh_from_db()
    assert case.events.filter(kind="transitioned").count() == 1


def test_parallel_submissions_get_distinct_consecutive_references(pothole, resident):
    results = race([lambda: submit_pothole(pothole, resident) for _ in range(8)])
    references = sorted(result.reference for result in results)  # type: ignore[attr-defined]
    assert references == [f"PTH-{references[0][4:8]}-{n:06d}" for n in range(1, 9)]
