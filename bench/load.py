"""A mixed workload on PostgreSQL against a live `publica serve`: the highest rate it sustains.

    python bench/load.py                    # find the rate, then hold it for 10 minutes
    python bench/load.py --minutes 1        # a short run
    python bench/load.py --rate 40          # skip the search: hold 40 requests/s

The mix: browse 50 % (home, a service's page, help, the performance and ledger pages, a
report's public page), submit 20 % (REST POST /api/v1/cases, each with a unique marker and an
`Idempotency-Key`, retried with the same key on a connection error), staff actions 20 % (a
note or the next workflow step on an open pothole case, through the API), API reads 10 %
(case list and detail, Open311 list).

Arrivals are open-loop at a fixed rate, spread over client processes (so the client does not
starve for CPU behind its own threads); latency runs from the moment a request was due, so a
server that falls behind shows it. The search steps the rate up by `--factor` every
`--step-seconds` (after one step not judged, to warm up) until a step has an error, a p99
above `--p99-ms`, or the clients cannot keep the pace; `--margin` (85 %) of the last good rate
is then held for `--minutes`, and the hold too must keep its p99 within the bound.

Afterwards every accepted submission (2xx) must be in the database exactly once, by marker,
and none that was refused. Exit 1 on any error, loss or duplicate.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PUBLICA = Path(sys.executable).with_name("publica")
ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
MIX = (("browse", 50), ("submit", 20), ("staff", 20), ("api", 10))
#: The pothole workflow's next step from each open state (bench cases are residential
#: roads, so no automation moves them on its own).
NEXT_STEP = {"submitted": "inspecting", "inspecting": "repair_scheduled",
             "repair_scheduled": "repaired"}  # fmt: skip
BROWSE = ("/", "/services/pothole/", "/services/missed-bin/", "/help/", "/performance/",
          "/transparency/ledger")  # fmt: skip


# The site: a fresh database, the demo town, a key, and a supervised `publica serve`


@dataclass
class Site:
    name: str  # the database's name
    data_dir: Path
    port: int
    env: dict[str, str]
    key: str = ""
    references: list[tuple[str, str]] = field(default_factory=list)  # open potholes, states
    runs: int = 0  # runs of clients so far

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:5432/{self.name}"


def prepare(
    name: str, data_dir: Path, *, demo_cases: int, extra_env: dict[str, str], reuse: bool = False
) -> Site:
    """Drop and create the database, migrate, load the demo town, create an API key; or, with
    `reuse`, take the database and key a run with `--keep` left."""
    import psycopg

    site = Site(name=name, data_dir=data_dir, port=free_port(), env={})
    site.env = {
        **os.environ,
        "DATABASE_URL": site.database_url,
        "PUBLICA_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "publica.settings",
        "PUBLICA_LOG_LEVEL": "WARNING",
        "PUBLICA_ASSISTANT_WARM_UP": "false",
        "EMAIL_URL": "dummymail://",  # every email is "delivered" at once, nowhere
        **extra_env,
    }
    if reuse and (data_dir / "key").exists():
        site.key = (data_dir / "key").read_text()
        return site
    with psycopg.connect(ADMIN_URL, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    publica(site, "migrate")
    publica(site, "demo", f"--cases={demo_cases}")
    scopes = "cases:read,cases:write,cases:transition,open311:write,services:read"
    created = publica(site, "apikeys", "create", "--name=load", f"--scopes={scopes}",
                      "--rate=100000000")  # fmt: skip
    site.key = created.strip().splitlines()[-1]
    (data_dir / "key").write_text(site.key)
    return site


def drop(site: Site) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{site.name}" WITH (FORCE)')


def publica(site: Site, *args: str) -> str:
    done = subprocess.run([str(PUBLICA), *args], env=site.env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"publica {' '.join(args[:2])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`publica serve` in its own session (process group), its output in a log file."""

    def __init__(self, site: Site, workers: int | None, threads: int | None) -> None:
        self.site = site
        self.args = [str(PUBLICA), "serve", f"--port={site.port}"]
        self.args += [f"--workers={workers}"] if workers else []
        self.args += [f"--threads={threads}"] if threads else []
        self.log = open(site.data_dir / "serve.log", "ab")  # noqa: SIM115 (kept open)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.args, env=self.site.env, stdout=self.log,
                                        stderr=self.log, start_new_session=True)  # fmt: skip

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def wait_ready(self, timeout: float = 120) -> float:
        """Seconds until GET /readyz answers 200 (the database reachable too)."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            if get_status(self.site.port, "/readyz") == 200:
                return time.monotonic() - began
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer within {timeout} s")

    def wait_drained(self, timeout: float = 120) -> None:
        """Until three probes in a row answer within 100 ms: no queue left behind."""
        quick, give_up = 0, time.monotonic() + timeout
        while quick < 3 and time.monotonic() < give_up:
            began = time.monotonic()
            answered = get_status(self.site.port, "/healthz") == 200
            quick = quick + 1 if answered and time.monotonic() - began < 0.1 else 0
            time.sleep(0.5)

    def warm_up(self, rounds: int = 10) -> None:
        """Every page and API read a few times, so each web worker has loaded its code."""
        bearer = {"Authorization": f"Bearer {self.site.key}"}
        paths = [*BROWSE, "/api/v1/cases?limit=20", "/open311/v2/requests.json"]
        for _ in range(rounds):
            for path in paths:
                get_status(self.site.port, path, bearer)


def get_status(port: int, path: str, headers: dict[str, str] | None = None) -> int:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.status
    except OSError:
        return 0


def open_pothole_cases(site: Site) -> list[tuple[str, str]]:
    """The demo's open pothole cases and their states (the staff actions' first work)."""
    import psycopg

    with psycopg.connect(site.database_url) as db:
        rows = db.execute(
            "SELECT c.reference, c.state FROM cases_case c"
            " JOIN catalogue_service s ON s.id = c.service_id WHERE s.slug = 'pothole'"
            " AND c.closed_at IS NULL AND c.state = ANY(%s)"
            " ORDER BY c.id",
            [list(NEXT_STEP)],
        ).fetchall()
    return [(row[0], row[1]) for row in rows]


# The clients: each process sends its share of the arrivals from a pool of threads


@dataclass(frozen=True)
class Plan:
    port: int
    key: str
    rate: float  # requests/s for this process
    seconds: float
    run_id: str
    step: int  # each run of clients in the search and the hold has its own markers
    process: int
    references: tuple[tuple[str, str], ...]  # open pothole cases this process acts on
    retry_seconds: float  # how long a write is retried with the same key (faults: long)
    retry_5xx: bool  # faults: a 5xx is retried too (the database restarting)
    threads: int = 48


@dataclass
class Outcome:
    kind: str
    path: str
    status: int  # 0: no answer (connection refused, reset, timeout)
    took_ms: float
    ok: bool
    due: float  # seconds since the start of the run
    detail: str = ""


class Client:
    """One process's share of the load."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.rng = random.Random(f"{plan.run_id}-{plan.process}")
        self.local = threading.local()
        self.lock = threading.Lock()
        self.counter = 0
        self.outcomes: list[Outcome] = []
        self.submissions: list[tuple[str, str, int]] = []  # marker, "accepted"/"refused"/"unknown"
        self.notes: list[tuple[str, str]] = []  # marker, outcome
        self.idle: list[tuple[str, str]] = list(plan.references)  # reference, state
        self.retries = 0
        self.began = 0.0
        self.prefix = f"{plan.run_id}-{plan.step}.{plan.process}"

    def run(self) -> dict[str, Any]:
        weights = [w for _, w in MIX]
        kinds = [k for k, _ in MIX]
        count = int(self.plan.rate * self.plan.seconds)
        interval = 1 / self.plan.rate
        late = 0
        with ThreadPoolExecutor(self.plan.threads) as pool:
            self.began = time.monotonic() + self.rng.uniform(0, interval)  # processes staggered
            for n in range(count):
                due = self.began + n * interval
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                elif wait < -0.5:
                    late += 1
                kind = self.rng.choices(kinds, weights)[0]
                pool.submit(self.one, kind, due)
        return {
            "outcomes": [o.__dict__ for o in self.outcomes],
            "submissions": self.submissions,
            "notes": self.notes,
            "retries": self.retries,
            "late": late,
            "scheduled": count,
            "idle": self.idle,
        }

    def one(self, kind: str, due: float) -> None:
        try:
            outcome = getattr(self, kind)(due)
        except Exception as exc:  # a bug in the client must show, not vanish in a thread
            outcome = Outcome(kind, "?", 0, 0, False, due - self.began, f"client: {exc!r}")
        with self.lock:
            self.outcomes.append(outcome)

    # One request of each kind

    def browse(self, due: float) -> Outcome:
        paths = [*BROWSE]
        if self.idle:
            paths.append(f"/reports/{self.rng.choice(self.idle)[0]}/")
        path = self.rng.choice(paths)
        status, _ = self.request("GET", path)
        return self.outcome("browse", path, status, due, status == 200)

    def api(self, due: float) -> Outcome:
        choice = self.rng.random()
        if choice < 0.4:
            path = "/api/v1/cases?limit=20"
        elif choice < 0.7 and self.idle:
            path = f"/api/v1/cases/{self.rng.choice(self.idle)[0]}"
        else:
            path = "/open311/v2/requests.json"
        status, _ = self.request("GET", path, headers=self.bearer())
        return self.outcome("api", path, status, due, status == 200)

    def submit(self, due: float) -> Outcome:
        with self.lock:
            self.counter += 1
            marker = f"load-{self.prefix}-{self.counter}"
        body = {"service": "pothole", "data": {
            "location": {"latitude": 52.03 + self.rng.uniform(-0.02, 0.02),
                         "longitude": -0.98 + self.rng.uniform(-0.03, 0.03)},
            "road_type": "residential", "size": self.rng.choice(["small", "medium", "large"]),
            "depth_mm": self.rng.randrange(5, 80), "description": marker}}  # fmt: skip
        status, answer = self.write("POST", "/api/v1/cases", body)
        ok = status == 201
        verdict = "accepted" if ok else "unknown" if status == 0 or status >= 500 else "refused"
        with self.lock:
            self.submissions.append((marker, verdict, status))
            if ok:
                self.idle.append((answer["reference"], answer["state"]))
        return self.outcome("submit", "/api/v1/cases", status, due, ok, answer)

    def staff(self, due: float) -> Outcome:
        with self.lock:
            if not self.idle:
                return self.browse(due)
            reference, state = self.idle.pop(self.rng.randrange(len(self.idle)))
        step = NEXT_STEP.get(state)
        if step and self.rng.random() < 0.5:
            path = f"/api/v1/cases/{reference}/transitions"
            status, answer = self.write("POST", path, {"to": step, "reason": "load"})
            ok = status == 200
            state = answer.get("state", state) if ok else state
        else:
            with self.lock:
                self.counter += 1
                marker = f"note-{self.prefix}-{self.counter}"
            path = f"/api/v1/cases/{reference}/notes"
            status, answer = self.write("POST", path, {"text": marker})
            ok = status == 201
            with self.lock:
                verdict = "accepted" if ok else "unknown" if not status or status >= 500 else ""
                self.notes.append((marker, verdict or "refused"))
        with self.lock:
            if state in NEXT_STEP:  # still open: back in the pool
                self.idle.append((reference, state))
        return self.outcome("staff", path.rsplit("/", 1)[-1], status, due, ok, answer)

    # HTTP

    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.plan.key}"}

    def write(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        """A POST with an Idempotency-Key, sent again with the same key while there is no
        answer (and, under faults, while the answer is a 5xx) for up to `retry_seconds`."""
        headers = {**self.bearer(), "Content-Type": "application/json",
                   "Idempotency-Key": uuid.uuid4().hex}  # fmt: skip
        payload = json.dumps(body).encode()
        give_up = time.monotonic() + self.plan.retry_seconds
        pause = 0.2
        while True:
            status, answer = self.request(method, path, payload, headers)
            retry = status == 0 or (self.plan.retry_5xx and status >= 500)
            if not retry or time.monotonic() > give_up:
                return status, answer
            with self.lock:
                self.retries += 1
            time.sleep(pause)
            pause = min(pause * 2, 3)

    def request(
        self, method: str, path: str, body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:  # fmt: skip
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", self.plan.port, timeout=60)
            self.local.connection = connection
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            return 0, {}
        if "json" in response.getheader("Content-Type", ""):
            try:
                return response.status, json.loads(data)
            except ValueError:
                return response.status, {}
        return response.status, {}

    def outcome(
        self, kind: str, path: str, status: int, due: float, ok: bool, answer: Any = None
    ) -> Outcome:
        took = (time.monotonic() - due) * 1000
        detail = "" if ok else json.dumps(answer)[:300] if answer else ""
        return Outcome(kind, path, status, took, ok, due - self.began, detail)


def client_main(plan: Plan, results: Any) -> None:
    results.put(Client(plan).run())


def run_load(site: Site, rate: float, seconds: float, processes: int, run_id: str,
             *, retry_seconds: float = 10, retry_5xx: bool = False) -> dict[str, Any]:  # fmt: skip
    """`rate` requests/s for `seconds` from `processes` client processes; their results merged."""
    context = multiprocessing.get_context("spawn")
    site.runs += 1
    step = site.runs
    results = context.Queue()
    shares = [site.references[i::processes] for i in range(processes)]
    children = [
        context.Process(
            target=client_main,
            args=(
                Plan(
                    port=site.port,
                    key=site.key,
                    rate=rate / processes,
                    seconds=seconds,
                    run_id=run_id,
                    step=step,
                    process=i,
                    references=tuple(shares[i]),
                    retry_seconds=retry_seconds,
                    retry_5xx=retry_5xx,
                ),
                results,
            ),
        )
        for i in range(processes)
    ]
    for child in children:
        child.start()
    parts = [results.get() for _ in children]
    for child in children:
        child.join()
    merged: dict[str, Any] = {"outcomes": [], "submissions": [], "notes": [], "retries": 0,
                              "late": 0, "scheduled": 0, "idle": []}  # fmt: skip
    for part in parts:
        for name in merged:
            merged[name] += part[name]
    site.references = [tuple(case) for case in merged.pop("idle")]  # open cases, states now
    merged["rate"] = rate
    merged["seconds"] = seconds
    return merged


# Figures and checks


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def summary(result: dict[str, Any]) -> dict[str, Any]:
    by_kind: dict[str, list[float]] = defaultdict(list)
    errors = [o for o in result["outcomes"] if not o["ok"]]
    for o in result["outcomes"]:
        by_kind[o["kind"]].append(o["took_ms"])
    every = [o["took_ms"] for o in result["outcomes"]]
    table = {
        kind: {
            "requests": len(v),
            "p50": percentile(v, 50),
            "p95": percentile(v, 95),
            "p99": percentile(v, 99),
        }
        for kind, v in [*sorted(by_kind.items()), ("overall", every)]
    }
    return {"table": table, "errors": errors, "done": len(every)}


def print_table(table: dict[str, Any]) -> None:
    print(f"  {'kind':8} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind, row in table.items():
        print(f"  {kind:8} {row['requests']:>9} {row['p50']:>8.1f} {row['p95']:>8.1f} "
              f"{row['p99']:>8.1f}")  # fmt: skip


def print_errors(errors: list[dict[str, Any]], limit: int = 8) -> None:
    counts = Counter((e["kind"], e["path"], e["status"]) for e in errors)
    for (kind, path, status), n in counts.most_common(limit):
        sample = next(e["detail"] for e in errors if (e["kind"], e["path"], e["status"]) ==
                      (kind, path, status))  # fmt: skip
        print(f"    {n:5} x {kind} {path} -> {status or 'no answer'} {sample[:160]}")


#: Run inside the site's Django (case answers are encrypted at rest, so SQL cannot read them):
#: prints how many times each marker of the run is stored.
_COUNT_MARKERS = """
import collections, json, sys
import django
django.setup()
from publica.cases.models import Case, CaseEvent
run = sys.argv[1]
cases = collections.Counter()
for data in Case.objects.filter(service__slug="pothole", channel="api").values_list(
        "data", flat=True).iterator():
    text = (data or {}).get("description", "")
    if text.startswith(f"load-{run}-"):
        cases[text] += 1
notes = collections.Counter(
    text for text in CaseEvent.objects.filter(kind="note_added", data__text__startswith=
        f"note-{run}-").values_list("data__text", flat=True))
print(json.dumps({"case": cases, "note": notes}))
"""


def markers_in_database(site: Site, run_id: str) -> dict[str, Counter[str]]:
    """How many times each of this run's markers is stored: submissions by their description,
    notes by their text."""
    done = subprocess.run([sys.executable, "-c", _COUNT_MARKERS, run_id], env=site.env,
                          capture_output=True, text=True, check=True)  # fmt: skip
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    return {name: Counter(found) for name, found in counts.items()}


@dataclass
class Ledger:
    """The written-records check: accepted exactly once, refused never, unknown at most once."""

    accepted: int = 0
    refused: int = 0
    unknown: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    refused_but_stored: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.refused_but_stored)


def check_records(stored: Counter[str], sent: list[Any]) -> Ledger:
    ledger = Ledger()
    for marker, verdict, *_ in sent:
        count = stored.get(marker, 0)
        if count > 1:
            ledger.duplicated.append(marker)
        if verdict == "accepted":
            ledger.accepted += 1
            if count == 0:
                ledger.lost.append(marker)
        elif verdict == "refused":
            ledger.refused += 1
            if count:
                ledger.refused_but_stored.append(marker)
        else:
            ledger.unknown += 1  # no answer in the end: stored at most once is all we can ask
    return ledger


def print_ledger(name: str, ledger: Ledger) -> None:
    print(f"  {name}: {ledger.accepted} accepted, {ledger.refused} refused, {ledger.unknown} "
          f"without an answer; lost {len(ledger.lost)}, duplicated {len(ledger.duplicated)}, "
          f"refused but stored {len(ledger.refused_but_stored)}")  # fmt: skip
    for marker in (ledger.lost + ledger.duplicated + ledger.refused_but_stored)[:5]:
        print(f"    e.g. {marker}")


def steps(start: float, factor: float, limit: int) -> Iterator[float]:
    rate = start
    for _ in range(limit):
        yield round(rate, 1)
        rate *= factor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10, help="how long to hold the rate")
    parser.add_argument("--rate", type=float, help="hold this rate (requests/s); no search")
    parser.add_argument("--start-rate", type=float, default=10)
    parser.add_argument("--factor", type=float, default=1.3, help="each step's rate increase")
    parser.add_argument("--step-seconds", type=float, default=30)
    parser.add_argument("--margin", type=float, default=0.85,
                        help="hold this fraction of the last good step's rate")  # fmt: skip
    parser.add_argument("--p99-ms", type=float, default=1000, help="the p99 a step may reach")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--workers", type=int, help="web workers [all cores]")
    parser.add_argument("--threads", type=int, help="threads per web worker [the default]")
    parser.add_argument("--demo-cases", type=int, default=100)
    parser.add_argument("--database", default="publica_load")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/load-data"))
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="the database --keep left")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress, live

    began = time.monotonic()
    site = prepare(args.database, args.data_dir, demo_cases=args.demo_cases, extra_env={},
                   reuse=args.reuse)  # fmt: skip
    site.references = open_pothole_cases(site)
    server = Server(site, args.workers, args.threads)
    server.start()
    failed = False
    try:
        server.wait_ready()
        server.warm_up()
        print(f"PostgreSQL, {args.demo_cases} demo cases, `publica serve` with "
              f"{args.workers or os.cpu_count()} web workers; ready after "
              f"{time.monotonic() - began:.0f} s of setup")  # fmt: skip
        run_id = uuid.uuid4().hex[:8]
        runs = []
        rate = args.rate
        if rate is None:
            # Not judged: the first requests load code and the worker's first jobs run.
            runs.append(run_load(site, args.start_rate, args.step_seconds, args.clients, run_id))
            server.wait_drained()
            print(f"Searching: steps of {args.step_seconds:.0f} s, x{args.factor} each, until an "
                  f"error, p99 > {args.p99_ms:.0f} ms or the clients fall behind")  # fmt: skip
            for candidate in steps(args.start_rate, args.factor, 30):
                result = run_load(site, candidate, args.step_seconds, args.clients, run_id)
                runs.append(result)
                figures = summary(result)
                p99 = figures["table"]["overall"]["p99"]
                behind = result["late"] > 0.02 * result["scheduled"]
                good = not figures["errors"] and p99 <= args.p99_ms and not behind
                print(f"  {candidate:7.1f}/s: {figures['done']} requests, p99 {p99:.0f} ms, "
                      f"{len(figures['errors'])} errors, {result['late']} sent late"
                      f"{'' if good else '  <- too much'}")  # fmt: skip
                if not good:
                    break
                rate = candidate
            if rate is None:
                sys.exit(f"not even {args.start_rate}/s is sustained; try a lower --start-rate")
            print(
                f"The last good step: {rate}/s; holding {args.margin:.0%} of it, a margin for "
                "the longer run (the worker's periodic jobs, such as retraining, come in it)"
            )
            rate = round(rate * args.margin, 1)
            server.wait_drained()  # the queue the failed step left
        print(f"Holding {rate}/s for {args.minutes:g} minutes …")
        held = run_load(site, rate, args.minutes * 60, args.clients, run_id)
        runs.append(held)
        figures = summary(held)
        print(f"Held {rate}/s for {args.minutes:g} min: {figures['done']} requests "
              f"({figures['done'] / (args.minutes * 60):.1f}/s done), "
              f"{len(figures['errors'])} errors, {held['retries']} retries, "
              f"{held['late']} sent late")  # fmt: skip
        print_table(figures["table"])
        if figures["errors"]:
            failed = True
            print_errors(figures["errors"])
        if figures["table"]["overall"]["p99"] > args.p99_ms:
            failed = True
            print(f"  NOT SUSTAINED: p99 above {args.p99_ms:.0f} ms; try a lower --rate")
        print("Records (every step of the search and the hold):")
        submissions = [s for r in runs for s in r["submissions"]]
        notes = [s for r in runs for s in r["notes"]]
        stored = markers_in_database(site, run_id)
        cases = check_records(stored["case"], submissions)
        noted = check_records(stored["note"], notes)
        print_ledger("submissions", cases)
        print_ledger("notes", noted)
        failed = failed or not cases.ok or not noted.ok
    finally:
        server.stop()
        if not args.keep:
            drop(site)
    print("FAILED" if failed else "OK")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
