"""What the benchmarks share: a fresh database per backend, each measured in a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from typing import Any

POSTGRES = "postgres://postgres@127.0.0.1:5432/publica_bench"


def postgres_reachable() -> bool:
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


def fresh_database() -> None:
    """Set Django up on an empty, migrated database (the one the parent chose)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def highways_with_pothole() -> Any:
    """A council with a Highways department and the demo pothole service; returns the service."""
    from publica.accounts.services import department_upsert, organisation_upsert
    from publica.catalogue import servicefile
    from publica.catalogue.services import service_load
    from publica.core.actors import SystemActor
    from publica.demo.load import SERVICES_DIR

    setup = SystemActor("bench")
    council = organisation_upsert(slug="bench", name="Bench Council", actor=setup)
    department_upsert(organisation=council, slug="highways", name="Highways", actor=setup)
    definition = servicefile.parse_file(SERVICES_DIR / "pothole.yaml")
    return service_load(definition=definition, actor=setup).version.service


def run_on_each_database(script: str, args: list[str], only: str | None) -> list[dict[str, Any]]:
    """Run `script --child ARGS` once per reachable database; collect the JSON each prints."""
    results = []
    with tempfile.TemporaryDirectory() as data_dir:
        targets = {"sqlite": f"sqlite:///{data_dir}/bench.sqlite3", "postgres": POSTGRES}
        for name, url in targets.items():
            if only and name != only:
                continue
            if name == "postgres" and not postgres_reachable():
                print("postgres: not reachable at 127.0.0.1:5432, skipped", file=sys.stderr)
                continue
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "PUBLICA_DATA_DIR": data_dir,
                "DJANGO_SETTINGS_MODULE": "publica.settings",
                "PUBLICA_LOG_LEVEL": "WARNING",
            }
            command = [sys.executable, script, "--child", *args]
            output = subprocess.run(command, env=env, capture_output=True, text=True)
            if output.returncode:
                sys.exit(f"{name}: the measurement failed:\n{output.stderr}")
            results.append(json.loads(output.stdout.strip().splitlines()[-1]))
    return results


def child_main(measure: Callable[[], dict[str, Any]]) -> None:
    print(json.dumps(measure()))


def bulk_cases(
    service: Any, departments: list[Any], count: int, batch: int = 20_000, prefix: str = "PTH"
) -> None:
    """Insert `count` pothole cases straight into the table, spread over `departments` and a
    year, 90 % closed: for benchmarks that measure reading, not submitting."""
    import datetime as dt
    import random

    from django.db import transaction

    from publica.cases.models import Case

    rng = random.Random(1)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for offset in range(0, count, batch):
        rows = []
        for n in range(offset, min(offset + batch, count)):
            submitted = start + dt.timedelta(minutes=rng.randrange(525_600))
            rows.append(
                Case(
                    reference=f"{prefix}-2025-{n:07d}",
                    service=service,
                    service_version_id=service.current_version_id,
                    department=departments[n % len(departments)],
                    state="submitted",
                    data={"road_type": "main", "size": "small"},
                    latitude=52.03 + rng.uniform(-0.02, 0.02),
                    longitude=-0.98 + rng.uniform(-0.03, 0.03),
                    address="1 Kiln Lane, Millbrook",
                    submitted_at=submitted,
                    due_at=submitted + dt.timedelta(days=14),
                    closed_at=None if rng.random() < 0.1 else submitted + dt.timedelta(days=3),
                    updated_at=submitted,
                )
            )
        with transaction.atomic():
            Case.objects.bulk_create(rows)
