"""Open data with 1,000,000 service requests: the time to rebuild every dataset, and the
latency of the CKAN actions clients call most.

    python bench/opendata.py                          # SQLite and PostgreSQL
    python bench/opendata.py --cases 100000 --only sqlite

Prints, per database:
- the time `datasets_publish()` takes to rebuild every dataset from the cases (the worker's
  scheduled job), the first time and again;
- p50/p99 latency of `package_search` and `datastore_search` calls against a live
  `publica serve` with one web worker, one request at a time (the time a call takes).
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from api_load import serving
from common import bulk_cases, child_main, fresh_database, run_on_each_database

SERVICES = {"pothole": "PTH", "streetlight": "STL", "fly-tipping": "FLY"}


def setup(cases: int) -> None:
    fresh_database()
    from django.db import connection

    from publica.catalogue.models import Service
    from publica.demo.load import load_demo

    load_demo(cases=0)
    share = cases // len(SERVICES)
    for slug, prefix in SERVICES.items():
        service = Service.objects.get(slug=slug)
        bulk_cases(service, [service.department], share, prefix=prefix)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def calls(resource_id: str) -> dict[str, str]:
    """The calls measured: what a portal's search page and a data explorer send."""
    filters = json.dumps({"service_code": "streetlight", "status": "closed"})
    return {
        "package_search q": "package_search?q=requests&rows=10",
        "package_search fq + facets": "package_search?fq=res_format:CSV&rows=20"
        '&facet.field=["tags","res_format","license_id"]',
        "package_search harvester page": "package_search?sort=id+asc&rows=100&start=0"
        "&fq=metadata_modified:[2020-01-01T00:00:00Z+TO+*]",
        "datastore_search first page": f"datastore_search?resource_id={resource_id}&limit=100",
        "datastore_search filters + sort": f"datastore_search?resource_id={resource_id}"
        f"&filters={urllib.parse.quote(filters)}&sort=opened_at+desc&limit=100",
        "datastore_search q": f"datastore_search?resource_id={resource_id}&q=fly&limit=100",
        "datastore_search deep offset": f"datastore_search?resource_id={resource_id}"
        "&limit=100&offset=900000&include_total=false",
    }


def latency(port: int, path: str, repeats: int) -> dict[str, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    timings, status = [], 0
    for _ in range(repeats + 3):  # the first three warm the worker's caches
        started = time.perf_counter()
        connection.request("GET", "/api/3/action/" + path)
        response = connection.getresponse()
        body = response.read()
        timings.append((time.perf_counter() - started) * 1000)
        status = response.status
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status}: {body[:300]!r}")
    timings = sorted(timings[3:])
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.99))], 1),
    }


def measure(cases: int, repeats: int) -> dict[str, Any]:
    setup(cases)
    from django.db import connection

    from publica.opendata.selectors import published_get
    from publica.opendata.services import datasets_publish

    builds = []
    for _ in range(2):
        started = time.perf_counter()
        datasets_publish()
        builds.append(round(time.perf_counter() - started, 2))
    published = published_get("service-requests")
    resource_id = published.resource("csv").id
    rows = published.dataset.row_count
    connection.close()
    results: dict[str, Any] = {}
    with serving(1) as port:
        for label, path in calls(resource_id).items():
            results[label] = latency(port, path, repeats)
    return {"database": connection.vendor, "cases": cases, "rows": rows, "builds_s": builds,
            "calls": results}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=200, help="calls per measurement")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(lambda: measure(args.cases, args.repeats))
        return
    arguments = [f"--cases={args.cases}", f"--repeats={args.repeats}"]
    for r in run_on_each_database(__file__, arguments, args.only):
        first, again = r["builds_s"]
        print(f"{r['database']}: {r['cases']:,} cases, {r['rows']:,} service-request rows")
        print(f"  rebuild every dataset: {first} s (first), {again} s (again)")
        for label, x in r["calls"].items():
            print(f"  {label:34} p50 {x['p50_ms']:>7} ms   p99 {x['p99_ms']:>7} ms")


if __name__ == "__main__":
    main()
