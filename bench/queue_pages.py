"""Back-office queue pages over a million cases: keyset pages vs. OFFSET, on both databases.

    python bench/queue_pages.py                     # 1,000,000 cases, SQLite and PostgreSQL
    python bench/queue_pages.py --cases 100000 --only sqlite

Cases are bulk-inserted (this measures reading, not submitting), spread over 10 departments
and a year of due dates, 90 % closed as in a real council's history. The caseworker's
department queue is read at its first page and half-way through its open cases, and an
admin's whole-council queue half-way through; by cursor (what the back office does) and by
OFFSET over the same query (what it avoids). Medians of --repeat.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import (
    bulk_cases,
    child_main,
    fresh_database,
    highways_with_pothole,
    run_on_each_database,
)


def measure(cases: int, repeat: int) -> dict[str, object]:
    fresh_database()
    from django.db import connection

    from publica.accounts.models import Department, User
    from publica.accounts.roles import Role
    from publica.accounts.services import department_upsert
    from publica.cases.models import Case
    from publica.cases.selectors import case_queue_page, visible_cases
    from publica.core.actors import SystemActor

    service = highways_with_pothole()
    organisation = service.department.organisation
    departments = [service.department] + [
        department_upsert(
            organisation=organisation,
            slug=f"dept-{n}",
            name=f"Dept {n}",
            actor=SystemActor("bench"),
        )
        for n in range(9)
    ]
    caseworker = User.objects.create(
        username="bench-caseworker", role=Role.CASEWORKER, department=service.department
    )
    admin = User.objects.create(username="bench-admin", role=Role.ADMIN)
    loaded = time.perf_counter()
    bulk_cases(service, departments, cases)
    loaded = time.perf_counter() - loaded
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_case")

    queue = Case.objects.filter(department=service.department, closed_at__isnull=True)
    open_cases = queue.count()
    middle = queue.order_by("due_at", "pk")[open_cases // 2]
    cursor = f"{middle.due_at.isoformat()}|{middle.pk}"

    everything = Case.objects.filter(closed_at__isnull=True)
    all_open = everything.count()
    deep = everything.order_by("due_at", "pk")[all_open // 2]
    deep_cursor = f"{deep.due_at.isoformat()}|{deep.pk}"

    def offset_page(actor: User, skip: int) -> list[Case]:
        open_cases = visible_cases(actor=actor).filter(closed_at__isnull=True)
        return list(open_cases.order_by("due_at", "pk")[skip : skip + 51])

    def timed(read) -> float:  # type: ignore[no-untyped-def]
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            read()
            times.append((time.perf_counter() - began) * 1000)
        return round(statistics.median(times), 2)

    return {
        "database": connection.vendor,
        "cases": cases,
        "open_in_queue": open_cases,
        "load_seconds": round(loaded, 1),
        "first_page_ms": timed(lambda: case_queue_page(actor=caseworker)),
        "deep_page_keyset_ms": timed(lambda: case_queue_page(actor=caseworker, after=cursor)),
        "deep_page_offset_ms": timed(lambda: offset_page(caseworker, open_cases // 2)),
        "all_open": all_open,
        "org_deep_keyset_ms": timed(lambda: case_queue_page(actor=admin, after=deep_cursor)),
        "org_deep_offset_ms": timed(lambda: offset_page(admin, all_open // 2)),
        "departments": Department.objects.count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(lambda: measure(args.cases, args.repeat))
        return
    for r in run_on_each_database(
        __file__, [f"--cases={args.cases}", f"--repeat={args.repeat}"], args.only
    ):
        print(
            f"{r['database']:>10}: {r['cases']:,} cases ({r['open_in_queue']:,} open in the "
            f"queue), loaded in {r['load_seconds']} s; first page {r['first_page_ms']} ms, "
            f"half-way by cursor {r['deep_page_keyset_ms']} ms, by OFFSET "
            f"{r['deep_page_offset_ms']} ms; whole council ({r['all_open']:,} open), half-way "
            f"by cursor {r['org_deep_keyset_ms']} ms, by OFFSET {r['org_deep_offset_ms']} ms "
            f"(medians of {args.repeat})"
        )


if __name__ == "__main__":
    main()
