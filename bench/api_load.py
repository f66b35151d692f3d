"""Concurrent clients against a live `publica serve`, with 1,000,000 cases loaded.

    python bench/api_load.py                          # SQLite and PostgreSQL
    python bench/api_load.py --cases 100000 --only sqlite

Prints, per database: Open311 POST submissions/s, REST POST /api/v1/cases creations/s (also
per web worker, the figure Open Zaak publishes), and p50/p99 latency of
GET /open311/v2/requests.json and GET /api/v1/cases. Clients are threads in this process
using keep-alive connections; the server runs `--workers` gunicorn processes. Submission
rates use `--clients` concurrent clients; list latencies use one client per worker.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from common import (
    bulk_cases,
    child_main,
    fresh_database,
    run_on_each_database,
)

PUBLICA = Path(sys.executable).with_name("publica")


def setup(cases: int) -> str:
    """Demo catalogue, `cases` bulk cases, and an API key; returns the key."""
    fresh_database()
    from django.db import connection

    from publica.accounts.apikeys import apikey_create
    from publica.accounts.models import Department
    from publica.catalogue.models import Service
    from publica.core.actors import SystemActor
    from publica.demo.load import load_demo

    load_demo(cases=0)
    service = Service.objects.get(slug="pothole")
    bulk_cases(service, [service.department], cases)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    _, key = apikey_create(
        name="load",
        scopes=["open311:write", "cases:read", "cases:write", "services:read"],
        rate_per_minute=100_000_000,
        actor=SystemActor("bench"),
    )
    assert Department.objects.exists()
    return key


def serve(port: int, workers: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [str(PUBLICA), "serve", "--port", str(port), "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PUBLICA_LOG_LEVEL": "WARNING"},
    )
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    return server


def load(
    port: int, requests: int, clients: int, make: Callable[[int], tuple[str, str, bytes, dict]]
) -> dict[str, Any]:
    """Send `requests` requests from `clients` threads; latencies in ms and the rate."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            method, path, body, headers = make(n)
            began = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            took = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(took)
                if response.status >= 300:
                    failures.append(response.status)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "per_second": round((len(latencies) - len(failures)) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 1),
        "failures": len(failures),
        "failure_statuses": sorted(set(failures))[:5],
    }


def measure(cases: int, requests: int, clients: int, workers: int) -> dict[str, Any]:
    key = setup(cases)
    from django.db import connection

    vendor = connection.vendor
    connection.close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = serve(port, workers)
    bearer = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    def open311_post(n: int) -> tuple[str, str, bytes, dict]:
        body = urllib.parse.urlencode({
            "api_key": key, "service_code": "pothole", "lat": "52.03", "long": "-0.98",
            "attribute[road_type]": "residential", "attribute[size]": "small",
            "description": f"Load test report {n}",
        }).encode()  # fmt: skip
        return "POST", "/open311/v2/requests.json", body, form

    def api_post(n: int) -> tuple[str, str, bytes, dict]:
        data = {"road_type": "residential", "size": "small",
                "location": {"latitude": 52.03, "longitude": -0.98}}  # fmt: skip
        return (
            "POST",
            "/api/v1/cases",
            json.dumps({"service": "pothole", "data": data}).encode(),
            bearer,
        )

    def open311_list(n: int) -> tuple[str, str, bytes, dict]:
        return "GET", "/open311/v2/requests.json", b"", {}

    def api_list(n: int) -> tuple[str, str, bytes, dict]:
        return "GET", "/api/v1/cases?limit=50", b"", bearer

    try:
        load(port, 50, 2, api_list)  # warm the workers
        results: dict[str, Any] = {"database": vendor, "cases": cases, "workers": workers,
                                   "clients": clients}  # fmt: skip
        probe_connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        probe_connection.request("GET", "/open311/v2/discovery.json")
        has_open311 = probe_connection.getresponse().status == 200
        # Rates with `clients` at once; list latencies with one client per web worker, so the
        # figures are the time a request takes, not the time it waits in a queue.
        if has_open311:
            results["open311_post"] = load(port, requests, clients, open311_post)
            results["open311_list"] = load(port, requests // 4, workers, open311_list)
        results["api_post"] = load(port, requests, clients, api_post)
        results["api_list"] = load(port, requests, workers, api_list)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(lambda: measure(args.cases, args.requests, args.clients, args.workers))
        return
    arguments = [f"--cases={args.cases}", f"--requests={args.requests}",
                 f"--clients={args.clients}", f"--workers={args.workers}"]  # fmt: skip
    for r in run_on_each_database(__file__, arguments, args.only):
        print(f"{r['database']}: {r['cases']:,} cases, {r['workers']} web workers, "
              f"{r['clients']} concurrent clients")  # fmt: skip
        for name, label in (
            ("open311_post", "Open311 POST requests.json"),
            ("api_post", "REST POST /api/v1/cases"),
            ("open311_list", "Open311 GET requests.json"),
            ("api_list", "REST GET /api/v1/cases"),
        ):
            if name in r:
                x = r[name]
                extra = f", {x['failures']} failed {x['failure_statuses']}" if x["failures"] else ""
                per_worker = x["per_second"] / r["workers"]
                print(f"  {label:30} {x['per_second']:>8}/s ({per_worker:.1f}/s per worker), "
                      f"p50 {x['p50_ms']} ms, p99 {x['p99_ms']} ms{extra}")  # fmt: skip


if __name__ == "__main__":
    main()
