"""Case submissions per second through `case_submit`, on SQLite and on PostgreSQL.

    python bench/submit.py                 # both databases (PostgreSQL if reachable)
    python bench/submit.py --only sqlite   # one of them

Each database gets a fresh schema; each round submits `--cases` pothole reports (half of them
fire automation rules) from a resident account, one transaction each, as the portal would.
Prints the median of `--rounds` rounds. Figures, not pass/fail: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

POSTGRES = "postgres://postgres@127.0.0.1:5432/publica_bench"


def measure(cases: int, rounds: int) -> dict[str, object]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)

    from publica.accounts.roles import Role
    from publica.accounts.services import department_upsert, organisation_upsert, user_create
    from publica.cases.services import case_submit
    from publica.catalogue import servicefile
    from publica.catalogue.services import service_load
    from publica.core.actors import SystemActor
    from publica.demo.load import SERVICES_DIR

    setup = SystemActor("bench")
    council = organisation_upsert(slug="bench", name="Bench Council", actor=setup)
    department_upsert(organisation=council, slug="highways", name="Highways", actor=setup)
    definition = servicefile.parse_file(SERVICES_DIR / "pothole.yaml")
    service = service_load(definition=definition, actor=setup).version.service
    resident = user_create(username="bench-resident", role=Role.RESIDENT, actor=setup)
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


def _postgres_reachable() -> bool:
    import psycopg

    try:
        with psycopg.connect(
            "postgres://postgres@127.0.0.1:5432/postgres", connect_timeout=3
        ) as db:
            db.autocommit = True
            exists = db.execute("SELECT 1 FROM pg_database WHERE datname = 'publica_bench'")
            if exists.fetchone() is None:
                db.execute("CREATE DATABASE publica_bench")
        return True
    except psycopg.OperationalError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.cases, args.rounds)))
        return

    results = []
    with tempfile.TemporaryDirectory() as data_dir:
        targets = {"sqlite": f"sqlite:///{data_dir}/bench.sqlite3", "postgres": POSTGRES}
        for name, url in targets.items():
            if args.only and name != args.only:
                continue
            if name == "postgres" and not _postgres_reachable():
                print("postgres: not reachable at 127.0.0.1:5432, skipped", file=sys.stderr)
                continue
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "PUBLICA_DATA_DIR": data_dir,
                "DJANGO_SETTINGS_MODULE": "publica.settings",
                "PUBLICA_LOG_LEVEL": "WARNING",
            }
            command = [sys.executable, __file__, "--child", f"--cases={args.cases}"]
            command.append(f"--rounds={args.rounds}")
            output = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
            results.append(json.loads(output.stdout.strip().splitlines()[-1]))
    for result in results:
        print(
            f"{result['database']:>10}: {result['median_per_second']:>7} case submissions/s "
            f"(median of {result['rounds']} rounds of {result['cases_per_round']}; "
            f"min {result['min_per_second']}, max {result['max_per_second']})"
        )
    if len(results) == 2:
        ratio = results[0]["median_per_second"] / results[1]["median_per_second"]  # type: ignore[operator]
        print(f"SQLite / PostgreSQL: {ratio:.2f}")


if __name__ == "__main__":
    main()
