"""Concurrent clients against a live `publica serve`, with 1,000,000 cases loaded.

    python bench/api_load.py                          # SQLite and PostgreSQL
    python bench/api_load.py --cases 100000 --only sqlite

Prints, per database:
- case creations/s through Open311 POST requests.json and REST POST /api/v1/cases, from a
  server with ONE web worker (the per-worker figure Open Zaak publishes), `--clients`
  connections at once;
- p50/p99 latency of GET /open311/v2/requests.json and GET /api/v1/cases from a server with
  `--workers` web workers, one client per worker (the time a request takes, not the time it
  waits in a queue).

The load comes from wrk (`apt-get install wrk`), a C program that leaves the CPU to the
server; without it, from Python threads in this process, which take CPU from the server on a
small machine and so understate the rates.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
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
        # Web workers only: no background worker polling beside them.
        env={
            **os.environ,
            "PUBLICA_LOG_LEVEL": "WARNING",
            "PUBLICA_SERVE_WORKER": "false",
            "PUBLICA_ASSISTANT_WARM_UP": "false",
        },
    )
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    return server


Request = tuple[str, str, bytes, dict[str, str]]

#: Lua for wrk: each request from `make` (numbered), and a JSON summary at the end.
WRK_SCRIPT = """
local n = 0
request = function()
  n = n + 1
  return wrk.format(%(method)s, %(path)s, %(headers)s, string.format(%(body)s, n))
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "seconds": %%f, "p50_us": %%d, "p99_us": %%d, "failures": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def wrk_load(
    port: int, seconds: int, clients: int, make: Callable[[int], Request]
) -> dict[str, Any]:
    """Requests from wrk on `clients` connections for `seconds`: the rate, latencies in ms.
    The body from `make` may hold the marker %d, which each request replaces by a number."""
    method, path, body, headers = make(0)
    template = body.decode().replace("%", "%%").replace("%%d", "%d")  # Lua's string.format
    fields = ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())
    script = WRK_SCRIPT % {
        "method": json.dumps(method),
        "path": json.dumps(path),
        "body": json.dumps(template),
        "headers": "{" + fields + "}",
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as file:
        file.write(script)
        file.flush()
        command = ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "-s", file.name,
                   f"http://127.0.0.1:{port}"]  # fmt: skip
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    return {
        "per_second": round((result["requests"] - result["failures"]) / result["seconds"], 1),
        "p50_ms": round(result["p50_us"] / 1000, 1),
        "p99_ms": round(result["p99_us"] / 1000, 1),
        "failures": result["failures"],
        "failure_statuses": [],
    }


def thread_load(
    port: int, seconds: int, clients: int, make: Callable[[int], Request]
) -> dict[str, Any]:
    """The same from Python threads with keep-alive connections (when wrk is missing)."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    counter = iter(range(1, 10**9))
    stop = time.perf_counter() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < stop:
            with lock:
                n = next(counter)
            method, path, template, headers = make(n)
            body = template.replace(b"%d", str(n).encode())
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


def measure(cases: int, seconds: int, clients: int, workers: int) -> dict[str, Any]:
    key = setup(cases)
    from django.db import connection

    vendor = connection.vendor
    connection.close()
    load = wrk_load if shutil.which("wrk") else thread_load
    bearer = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    report = urllib.parse.urlencode({
        "api_key": key, "service_code": "pothole", "lat": "52.03", "long": "-0.98",
        "attribute[road_type]": "residential", "attribute[size]": "small",
    })  # fmt: skip
    case = {"service": "pothole", "data": {"road_type": "residential", "size": "small",
            "location": {"latitude": 52.03, "longitude": -0.98}}}  # fmt: skip

    def open311_post(n: int) -> Request:
        body = f"{report}&description=Load+test+report+%d".encode()
        return "POST", "/open311/v2/requests.json", body, form

    def api_post(n: int) -> Request:
        return "POST", "/api/v1/cases", json.dumps(case).encode(), bearer

    def open311_list(n: int) -> Request:
        return "GET", "/open311/v2/requests.json", b"", {}

    def api_list(n: int) -> Request:
        return "GET", "/api/v1/cases?limit=50", b"", bearer

    results: dict[str, Any] = {"database": vendor, "cases": cases, "workers": workers,
                               "clients": clients, "load": load.__name__}  # fmt: skip
    with serving(1) as port:  # creations per web worker
        results["open311_post"] = load(port, seconds, clients, open311_post)
        results["api_post"] = load(port, seconds, clients, api_post)
    with serving(workers) as port:  # list latencies, one client per worker
        results["open311_list"] = load(port, seconds, workers, open311_list)
        results["api_list"] = load(port, seconds, workers, api_list)
    return results


@contextlib.contextmanager
def serving(workers: int) -> Iterator[int]:
    """A live `publica serve` with `workers` web workers, warmed up; yields its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = serve(port, workers)
    try:
        for _ in range(20 * workers):  # every worker has loaded its code and connection
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", "/open311/v2/discovery.json")
            connection.getresponse().read()
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=15, help="load per measurement")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(lambda: measure(args.cases, args.seconds, args.clients, args.workers))
        return
    arguments = [f"--cases={args.cases}", f"--seconds={args.seconds}",
                 f"--clients={args.clients}", f"--workers={args.workers}"]  # fmt: skip
    for r in run_on_each_database(__file__, arguments, args.only):
        print(f"{r['database']}: {r['cases']:,} cases, load from {r['load']}")
        for name, label, workers in (
            ("open311_post", "Open311 POST requests.json", 1),
            ("api_post", "REST POST /api/v1/cases", 1),
            ("open311_list", "Open311 GET requests.json", r["workers"]),
            ("api_list", "REST GET /api/v1/cases", r["workers"]),
        ):
            x = r[name]
            clients = r["clients"] if workers == 1 else workers
            failed = f", {x['failures']} failed {x['failure_statuses']}" if x["failures"] else ""
            print(f"  {label:28} {workers} worker(s), {clients} clients: {x['per_second']:>7}/s, "
                  f"p50 {x['p50_ms']} ms, p99 {x['p99_ms']} ms{failed}")  # fmt: skip


if __name__ == "__main__":
    main()
