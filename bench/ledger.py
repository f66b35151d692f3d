"""The transparency ledger's figures, on SQLite and on PostgreSQL.

    python bench/ledger.py                             # 1,000,000 entries, both databases
    python bench/ledger.py --entries 100000 --only sqlite

Prints, per database:
- sustained integration: `--entries` pending decisions integrated by the sequencer in
  batches of `--batch` (each batch: indexes, tiles, a signed checkpoint), entries/s;
- decision to signed checkpoint, p50/p99: decisions committed one per transaction at a steady
  rate for `--seconds`, integrated (a) by a worker sequencing every PUBLICA_LEDGER_INTERVAL
  and (b) as each decision commits (the embedded default);
- proof generation: median time of an inclusion proof for a random entry, and of a
  consistency proof between two random checkpoints, read from the stored tiles;
- `publica ledger verify` over the whole ledger (every entry, tile and signature).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from common import child_main, fresh_database, run_on_each_database


def _body(n: int, at: dt.datetime) -> bytes:
    from publica.ledger import entries

    return entries.decision(
        kind="decision", case=f"PTH-2026-{n:07d}", service="pothole", service_version=3,
        from_state="inspecting", to_state="repaired", outcome="resolved", role="caseworker",
        at=at, digest=f"{n:064x}",
    )  # fmt: skip


def integrate(count: int, batch: int) -> dict[str, Any]:
    """Load `count` pending entries, then time the sequencer integrating all of them."""
    from django.db import transaction

    from publica.ledger.models import Entry, Pending
    from publica.ledger.services import ledger_sequence

    now = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
    for start in range(0, count, 20_000):
        rows = [
            Entry(kind="decision", case_reference=f"PTH-2026-{n:07d}", body=_body(n, now),
                  recorded_at=now)
            for n in range(start, min(start + 20_000, count))
        ]  # fmt: skip
        with transaction.atomic():
            Pending.objects.bulk_create(Pending(entry=e) for e in Entry.objects.bulk_create(rows))
    began = time.perf_counter()
    checkpoints = 0
    while ledger_sequence(limit=batch) is not None:
        checkpoints += 1
    took = time.perf_counter() - began
    return {"entries": count, "batch": batch, "checkpoints": checkpoints,
            "seconds": round(took, 1), "per_second": round(count / took)}  # fmt: skip


def latency(seconds: float, rate: float, on_commit: bool) -> dict[str, Any]:
    """Decisions at `rate` a second for `seconds`; the time each took to reach a checkpoint."""
    from django.conf import settings
    from django.db import close_old_connections, connections

    from publica.ledger.models import Entry
    from publica.ledger.services import ledger_append, ledger_sequence

    settings.PUBLICA_LEDGER_INTEGRATE_ON_COMMIT = on_commit
    first = (Entry.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    stop = threading.Event()

    def worker() -> None:  # what `publica worker` runs beside its periodic jobs
        while not stop.wait(settings.PUBLICA_LEDGER_INTERVAL):
            while ledger_sequence() is not None:
                pass
            close_old_connections()
        connections.close_all()

    thread = threading.Thread(target=worker)
    if not on_commit:
        thread.start()
    began = time.perf_counter()
    n = 0
    while time.perf_counter() - began < seconds:
        ledger_append(
            kind="transition", case=f"LAT-2026-{n:06d}", service="pothole", service_version=3,
            from_state="submitted", to_state="inspecting", outcome="", role="caseworker",
            digest="ef" * 32,
        )  # fmt: skip
        n += 1
        time.sleep(max(0.0, began + n / rate - time.perf_counter()))
    if not on_commit:
        time.sleep(settings.PUBLICA_LEDGER_INTERVAL * 3)
        stop.set()
        thread.join()
    while ledger_sequence() is not None:
        pass
    waits = sorted(
        (integrated - recorded).total_seconds() * 1000
        for recorded, integrated in Entry.objects.filter(id__gte=first).values_list(
            "recorded_at", "integrated_at"
        )
    )
    return {"decisions": len(waits), "rate": rate, "p50_ms": round(statistics.median(waits), 1),
            "p99_ms": round(waits[int(len(waits) * 0.99) - 1], 1)}  # fmt: skip


def proofs(samples: int) -> dict[str, Any]:
    from publica.ledger import selectors
    from publica.ledger.models import Checkpoint

    rng = random.Random(7)
    size = selectors.checkpoint_latest().size  # type: ignore[union-attr]
    sizes = list(Checkpoint.objects.values_list("size", flat=True))
    inclusion, consistency = [], []
    for _ in range(samples):
        index = rng.randrange(size)
        began = time.perf_counter()
        selectors.inclusion(index)
        inclusion.append((time.perf_counter() - began) * 1000)
        first, second = sorted(rng.sample(sizes, 2))
        began = time.perf_counter()
        selectors.consistency(first, second)
        consistency.append((time.perf_counter() - began) * 1000)
    return {"inclusion_ms": round(statistics.median(inclusion), 2),
            "consistency_ms": round(statistics.median(consistency), 2)}  # fmt: skip


def verification(state: Path) -> dict[str, Any]:
    from publica.ledger import keys
    from publica.ledger.verify import DatabaseSource, verify

    began = time.perf_counter()
    report = verify(DatabaseSource(), keys.verifier(), state)
    took = round(time.perf_counter() - began, 1)
    return {"entries": report.size, "ok": report.ok, "seconds": took,
            "findings": [str(f) for f in report.findings[:5]]}  # fmt: skip


def measure(entries: int, batch: int, seconds: float, rate: float) -> dict[str, Any]:
    fresh_database()
    from django.conf import settings
    from django.db import connection

    settings.PUBLICA_LEDGER_INTEGRATE_ON_COMMIT = False
    results: dict[str, Any] = {"database": connection.vendor}
    results["integration"] = integrate(entries, batch)
    results["latency_worker"] = latency(seconds, rate, on_commit=False)
    results["latency_on_commit"] = latency(seconds, rate, on_commit=True)
    results["proofs"] = proofs(200)
    # Its own record of the last checkpoint seen: the databases are two different ledgers.
    state = Path(settings.DATA_DIR) / f"bench-verified-{connection.vendor}.json"
    results["verify"] = verification(state)
    results["interval"] = settings.PUBLICA_LEDGER_INTERVAL
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=float, default=100, help="decisions a second")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(lambda: measure(args.entries, args.batch, args.seconds, args.rate))
        return
    arguments = [f"--entries={args.entries}", f"--batch={args.batch}",
                 f"--seconds={args.seconds}", f"--rate={args.rate}"]  # fmt: skip
    for r in run_on_each_database(__file__, arguments, args.only):
        i, w, c, p, v = (r[k] for k in ("integration", "latency_worker", "latency_on_commit",
                                         "proofs", "verify"))  # fmt: skip
        print(f"{r['database']}:")
        print(
            f"  integration: {i['entries']:,} entries in {i['seconds']} s, {i['per_second']:,}"
            f" entries/s (batches of {i['batch']:,}, {i['checkpoints']} checkpoints)"
        )
        print(
            f"  decision to checkpoint, worker every {r['interval']} s: p50 {w['p50_ms']} ms,"
            f" p99 {w['p99_ms']} ms ({w['decisions']} decisions at {w['rate']}/s)"
        )
        print(f"  decision to checkpoint, on commit: p50 {c['p50_ms']} ms, p99 {c['p99_ms']} ms")
        print(
            f"  proofs at {i['entries']:,}: inclusion {p['inclusion_ms']} ms,"
            f" consistency {p['consistency_ms']} ms (medians)"
        )
        print(
            f"  publica ledger verify: {v['entries']:,} entries in {v['seconds']} s,"
            f" {'OK' if v['ok'] else 'FAILED: ' + '; '.join(v['findings'])}"
        )


if __name__ == "__main__":
    main()
