"""What encrypting personal data, rotating its keys and applying retention cost.

    python bench/privacy.py                      # SQLite and PostgreSQL
    python bench/privacy.py --cases 20000 --only sqlite

Prints, per database:
- encrypting + decrypting one contact e-mail, in process (µs, median);
- reading a page of 50 cases with their encrypted columns against the same page with those
  columns left out (ms, median, and the ratio);
- `publica keys rotate` over `--cases` cases (6 encrypted columns each): values per second;
- the retention job anonymising 1,000 closed cases past their period: cases per second;
- a resident's subject-access ZIP with 50 cases (ms, median).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from common import (
    bulk_cases,
    child_main,
    fresh_database,
    highways_with_pothole,
    run_on_each_database,
)

ENCRYPTED = ("contact_name", "contact_email", "contact_phone", "address", "data", "register_facts")


def _median_ms(action: Any, runs: int = 15) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(times), 2)


def measure(cases: int) -> dict[str, Any]:
    fresh_database()
    import datetime as dt

    from django.db import connection

    from publica.accounts.models import Department, User
    from publica.cases.models import Case
    from publica.core.fieldkeys import keyring, keys_add, keys_make_current
    from publica.core.keyrotation import keys_rotate
    from publica.privacy.export import subject_access_zip
    from publica.privacy.services import retention_run

    service = highways_with_pothole()
    bulk_cases(service, list(Department.objects.all()), cases)
    ring = keyring()

    timings = []
    for _ in range(2000):
        began = time.perf_counter()
        ring.decrypt(
            ring.encrypt(b"someone@example.org", "cases.case.contact_email"),
            "cases.case.contact_email",
        )
        timings.append((time.perf_counter() - began) * 1e6)
    crypt_us = round(statistics.median(timings), 1)

    page = Case.objects.order_by("pk")
    with_plain = _median_ms(lambda: list(page[:50]))
    without = _median_ms(lambda: list(page.defer(*ENCRYPTED)[:50]))

    keys_make_current(keys_add())  # so the timing leaves out rotate's wait for other processes
    began = time.perf_counter()
    rotated = sum(keys_rotate(batch=500).values())
    rotate_s = time.perf_counter() - began

    # 1,000 closed cases seven years old: past the pothole's two years.
    old = list(Case.objects.filter(closed_at__isnull=False).order_by("pk")[:1000])
    Case.objects.filter(pk__in=[c.pk for c in old]).update(
        closed_at=dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
    )
    began = time.perf_counter()
    anonymised = retention_run(limit=1000)
    retention_s = time.perf_counter() - began

    resident = User.objects.create_user("bench-resident", role="resident")
    Case.objects.filter(
        pk__in=list(page.filter(anonymised_at__isnull=True).values_list("pk", flat=True)[:50])
    ).update(applicant=resident)
    export_ms = _median_ms(
        lambda: subject_access_zip(person=resident, organisation="Bench", contact="x").close(),
        runs=7,
    )

    return {
        "database": connection.vendor,
        "cases": cases,
        "encrypt_decrypt_us": crypt_us,
        "page_50_ms": with_plain,
        "page_50_without_encrypted_ms": without,
        "rotated_values": rotated,
        "rotate_values_per_s": round(rotated / rotate_s),
        "anonymised": anonymised,
        "retention_cases_per_s": round(anonymised / retention_s),
        "export_50_cases_ms": export_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        child_main(lambda: measure(args.cases))
        return
    for row in run_on_each_database(__file__, ["--cases", str(args.cases)], args.only):
        ratio = row["page_50_ms"] / max(row["page_50_without_encrypted_ms"], 0.01)
        print(
            f"{row['database']}: encrypt+decrypt {row['encrypt_decrypt_us']} µs; page of 50 "
            f"{row['page_50_ms']} ms vs {row['page_50_without_encrypted_ms']} ms without the "
            f"encrypted columns ({ratio:.1f}x); keys rotate {row['rotate_values_per_s']:,} "
            f"values/s ({row['rotated_values']:,} values); retention "
            f"{row['retention_cases_per_s']:,} cases/s ({row['anonymised']}); subject-access "
            f"ZIP of 50 cases {row['export_50_cases_ms']} ms"
        )


if __name__ == "__main__":
    main()
