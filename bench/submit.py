"""Case submissions per second through `case_submit`, on SQLite and on PostgreSQL.

    python bench/submit.py                 # both databases (PostgreSQL if reachable)
    python bench/submit.py --only sqlite   # one of them

Each database gets a fresh schema; each round submits `--cases` pothole reports (half of them
fire automation rules) from a resident account, one transaction each, as the portal would.
Prints the median of `--rounds` rounds. Figures, not pass/fail: the machine is shared.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import child_main, fresh_database, highways_with_pothole, run_on_each_database


def measure(cases: int, rounds: int) -> dict[str, object]:
    fresh_database()
    from django.db import connection

    from publica.accounts.roles import Role
    from publica.accounts.services import user_create
    from publica.cases.services import case_submit
    from publica.core.actors import SystemActor

    service = highways_with_pothole()
    resident = user_create(
        username="bench-resident", role=Role.RESIDENT, actor=SystemActor("bench")
    )
    answers = [
        {
            "location": {"latitude": 52.03, "longitude": -0.98, "address": "1 Kiln Lane"},
            "road_type": "main" if i % 2 else "residential",
            "size": "medium",
            "depth_mm": 30 + i % 30,
        }
        for i in range(cases)
    ]
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        for data in answers:
            case_submit(service=service, data=data, actor=resident)
        rates.append(cases / (time.perf_counter() - started))
    return {
        "database": connection.vendor,
        "cases_per_round": cases,
        "rounds": rounds,
        "median_per_second": round(statistics.median(rates), 1),
        "min_per_second": round(min(rates), 1),
        "max_per_second": round(max(rates), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(lambda: measure(args.cases, args.rounds))
        return
    results = run_on_each_database(
        __file__, [f"--cases={args.cases}", f"--rounds={args.rounds}"], args.only
    )
    for result in results:
        print(
            f"{result['database']:>10}: {result['median_per_second']:>7} case submissions/s "
            f"(median of {result['rounds']} rounds of {result['cases_per_round']}; "
            f"min {result['min_per_second']}, max {result['max_per_second']})"
        )
    if len(results) == 2:
        ratio = results[0]["median_per_second"] / results[1]["median_per_second"]
        print(f"SQLite / PostgreSQL: {ratio:.2f}")


if __name__ == "__main__":
    main()
