"""The insights dashboards with 1,000,000 cases: summary and forecast jobs, and page times.

    python bench/insights.py                          # SQLite and PostgreSQL
    python bench/insights.py --cases 100000 --only sqlite --repeats 20

Loads two years of cases for the demo town straight into the tables (services used unevenly,
with weekly and yearly seasons; channels, staff, priorities, times to close, paused clocks,
clustered places, automation decisions and ratings), then prints, per database:
- how long the load took, and `summaries_rebuild` (every summary row from the cases),
  `summaries_refresh` after ~1,000 cases changed (the worker's incremental job) and
  `forecasts_make`, with the summary tables' row counts;
- p50/p99 time of each dashboard page against a live `publica serve` with one web worker,
  one request at a time, signed in as an admin (every department): with the default filters
  (the last 12 weeks on staff pages, the last year on the public one) and over a year. Every
  response must be 200.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import math
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from api_load import serving
from common import child_main, fresh_database, run_on_each_database

PAGES = {
    "overview": "/staff/insights/",
    "performance": "/staff/insights/performance/",
    "workload": "/staff/insights/workload/",
    "hotspots": "/staff/insights/hotspots/",
    "forecast": "/staff/insights/forecast/",
    "public performance": "/performance/",
}
DAYS = 730  # two years of cases, ending now
BATCH = 20_000
EXTRA_CASEWORKERS = 3  # per department, beside the demo's supervisor and two caseworkers
# Channels reports and applications arrive by (sensor-maintenance cases come from sensors).
CHANNELS = {"portal": 58, "staff": 17, "open311": 12, "api": 9, "sensor": 1}
PRIORITIES = {"normal": 70, "low": 10, "high": 15, "urgent": 5}
WEEKDAYS = [1.25, 1.15, 1.1, 1.05, 1.0, 0.6, 0.5]  # Monday first
HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 15, 14, 12, 13, 14, 13, 12, 10, 8, 7, 5, 4, 2, 1]
# Services with a season: (peak day of the year, amplitude); others vary a little at random.
SEASONS = {"pothole": (40, 0.45), "fallen-tree": (320, 0.5), "noise": (190, 0.4),
           "street-event": (160, 0.6), "missed-bin": (5, 0.2),
           "blocked-drain": (330, 0.35)}  # fmt: skip
# Busy places in a town about 6 km across: (latitude, longitude, share of reports).
CENTRE = (52.03, -0.98)
CLUSTERS = [(52.034, -0.976, 12), (52.021, -0.991, 8), (52.041, -0.962, 6),
            (52.027, -1.003, 5), (52.016, -0.969, 4), (52.045, -0.995, 3)]  # fmt: skip


def setup(cases: int) -> dict[str, float]:
    """The demo town with `cases` bulk cases and their side rows; returns load times (s)."""
    fresh_database()
    from django.db import connection

    from publica.demo.load import load_demo

    started = time.perf_counter()
    load_demo(cases=0)
    staff = _staff()
    times = {"demo_s": time.perf_counter() - started}
    times.update(Loader(staff, random.Random(2026)).load(cases))
    _handling_times(random.Random(3))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # What autovacuum does on a live PostgreSQL: statistics, and the visibility map that
        # lets the open-case count read its index alone. SQLite only needs statistics.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    times["analyze_s"] = time.perf_counter() - started
    return {name: round(value, 1 if name.endswith("_s") else 3) for name, value in times.items()}


def _staff() -> dict[int, list[Any]]:
    """The people who work cases, per department id: the demo's, and a few more."""
    from django.contrib.auth.hashers import make_password

    from publica.accounts.models import Department, User
    from publica.accounts.roles import Role
    from publica.accounts.services import user_create
    from publica.core.actors import SystemActor

    password = make_password(None)
    for department in Department.objects.all():
        for number in range(EXTRA_CASEWORKERS):
            user_create(username=f"{department.slug}.bench{number}", role=Role.CASEWORKER,
                        department=department, first_name="Caseworker", last_name=str(number + 3),
                        password_hash=password, actor=SystemActor("bench"))  # fmt: skip
    teams: dict[Any, list[Any]] = {}
    for user in User.objects.filter(department__isnull=False).order_by("pk"):
        teams.setdefault(user.department_id, []).append(user)
    return teams


def _handling_times(rng: random.Random) -> None:
    """Minutes per case for every service, so the forecast page can show staff hours."""
    from publica.accounts.models import User
    from publica.catalogue.models import Service
    from publica.insights.services.forecasts import handling_time_set

    admin = User.objects.get(username="admin")
    for service in Service.objects.all():
        handling_time_set(service=service, minutes=rng.randrange(10, 120, 5), actor=admin)


class Loader:
    """Makes the cases in batches; each knows when it came in, closed, and who worked it."""

    def __init__(self, teams: dict[int, list[Any]], rng: random.Random) -> None:
        from publica.catalogue.models import Service
        from publica.core import clock
        from publica.demo.load import SERVICE_WEIGHTS

        self.rng, self.teams = rng, teams
        self.now = clock.now()
        self.first_day = self.now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.first_day -= dt.timedelta(days=DAYS - 1)
        services = list(Service.objects.select_related("current_version").order_by("slug"))
        self.services = services
        self.service_weights = _cumulative(max(SERVICE_WEIGHTS.get(s.slug, 1), 1) for s in services)
        self.days = {s.pk: self._day_weights(s.slug, s.kind) for s in services}
        self.speed = {s.pk: rng.uniform(0.25, 0.8) for s in services}  # median close / SLA
        self.automated = {s.pk: rng.uniform(0.05, 0.45) for s in services}
        self.channels = list(CHANNELS), _cumulative(CHANNELS.values())
        self.priorities = list(PRIORITIES), _cumulative(PRIORITIES.values())
        self.hours = _cumulative(HOURS)
        self.places = [(CENTRE[0], CENTRE[1], 62.0), *CLUSTERS]
        self.place_weights = _cumulative(p[2] for p in self.places)
        self.open = 0

    def _day_weights(self, slug: str, kind: str) -> list[float]:
        """Cumulative weights of the days: growth, the week, and the service's season."""
        peak, amplitude = SEASONS.get(slug, (self.rng.randrange(365), self.rng.uniform(0, 0.1)))
        weekdays = WEEKDAYS if kind == "report" else [1.2, 1.2, 1.2, 1.2, 1.1, 0.25, 0.2]
        total, cumulative = 0.0, []
        for index in range(DAYS):
            day = self.first_day + dt.timedelta(days=index)
            season = 1 + amplitude * math.cos(2 * math.pi * (day.timetuple().tm_yday - peak) / 365)
            total += (1 + 0.3 * index / DAYS) * weekdays[day.weekday()] * season
            cumulative.append(total)
        return cumulative

    def load(self, count: int) -> dict[str, float]:
        from django.db import transaction

        from publica.cases.models import Case, CaseEvent
        from publica.insights.models import Rating, RatingReceipt

        took = {"cases_s": 0.0, "events_and_ratings_s": 0.0}
        started = time.perf_counter()
        # In the order they came in, as ids go in a real database.
        arrivals = sorted(self._arrival() for _ in range(count))
        took["cases_s"] += time.perf_counter() - started
        for offset in range(0, count, BATCH):
            started = time.perf_counter()
            made = [self._case(n, *arrivals[n]) for n in range(offset, min(offset + BATCH, count))]
            with transaction.atomic():
                Case.objects.bulk_create([case for case, _ in made])
            took["cases_s"] += time.perf_counter() - started
            started = time.perf_counter()
            events, ratings, receipts = [], [], []
            for case, extra in made:
                if extra.get("automated"):
                    events.append(self._decision(case))
                if "score" in extra:
                    ratings.append(Rating(service_id=case.service_id, score=extra["score"],
                                          department_id=case.department_id,
                                          day=case.closed_at.date()))  # fmt: skip
                    receipts.append(RatingReceipt(case_id=case.pk))
            with transaction.atomic():
                CaseEvent.objects.bulk_create(events)
                Rating.objects.bulk_create(ratings)
                RatingReceipt.objects.bulk_create(receipts)
            took["events_and_ratings_s"] += time.perf_counter() - started
        took["open_share"] = self.open / max(count, 1)
        return took

    def _arrival(self) -> tuple[dt.datetime, int]:
        """When a case came in, and the index of its service."""
        rng = self.rng
        service = _bisect(self.service_weights, rng.random())
        index = _bisect(self.days[self.services[service].pk], rng.random())
        hour = _bisect(self.hours, rng.random())
        submitted = self.first_day + dt.timedelta(
            days=index, hours=hour, seconds=rng.randrange(3600)
        )
        if submitted > self.now:
            submitted -= dt.timedelta(days=1)
        return submitted, service

    def _case(
        self, n: int, submitted: dt.datetime, service_index: int
    ) -> tuple[Any, dict[str, Any]]:
        from publica.cases.models import Case

        rng, now = self.rng, self.now
        service = self.services[service_index]
        version: Any = service.current_version
        flow, definition = version.workflow, version.definition
        sla = definition["sla"]
        sla_days = sla["days"] * (7 / 5 if sla.get("calendar") == "working" else 1)
        due = submitted + dt.timedelta(days=sla_days)
        median = sla_days * 24 * self.speed[service.pk]
        hours = max(0.5, rng.lognormvariate(math.log(median), 1.1))
        paused = 0
        if rng.random() < 0.06:  # waited on the resident for information
            paused = int(rng.uniform(0.5, 8) * 86400)
            hours += paused / 3600
            due += dt.timedelta(seconds=paused)
        closed: dt.datetime | None = submitted + dt.timedelta(hours=hours)
        age = (now - submitted).total_seconds() / 86400
        stalled = rng.random() < 0.03 + 0.5 * math.exp(-age / 40)
        team = self.teams[service.department_id]
        assignee = team[min(int(rng.paretovariate(1.2)) - 1, len(team) - 1)]
        channel = "sensor" if service.slug == "sensor-maintenance" else None
        channel = channel or rng.choices(self.channels[0], cum_weights=self.channels[1])[0]
        extra: dict[str, Any] = {}
        if closed is None or closed > now or stalled:
            self.open += 1
            states = [s for s in flow.labels if s not in flow.outcomes]
            state = flow.initial if rng.random() < 0.5 else rng.choice(states)
            closed, outcome = None, ""
            updated = submitted + (now - submitted) * rng.random() * 0.5
            assignee = assignee if rng.random() < 0.8 else None
        else:
            state = self._outcome_state(flow)
            outcome = flow.outcomes[state]
            updated = closed
            extra["automated"] = (
                outcome != "withdrawn" and rng.random() < self.automated[service.pk]
            )
            if outcome != "withdrawn" and rng.random() < 0.12:
                extra["score"] = _score(rng, closed <= due)
        place = self._place() if service.kind == "report" else (None, None)
        case = Case(
            reference=f"{definition.get('reference_prefix', 'B')}-B{n:08d}",
            service=service, service_version=version, department_id=service.department_id,
            state=state, outcome=outcome, channel=channel, data={},
            priority=rng.choices(self.priorities[0], cum_weights=self.priorities[1])[0],
            latitude=place[0], longitude=place[1], assignee=assignee,
            submitted_at=submitted, due_at=due, closed_at=closed, sla_paused_seconds=paused,
            escalated_at=due + dt.timedelta(days=1) if closed is None and due < now else None,
            awaiting_info_since=updated if closed is None and rng.random() < 0.08 else None,
            updated_at=updated,
        )  # fmt: skip
        return case, extra

    def _outcome_state(self, flow: Any) -> str:
        weight = {"resolved": 4.0, "approved": 4.0, "rejected": 1.5, "withdrawn": 0.3}
        states = list(flow.outcomes)
        weights = [0.6 if s == "duplicate" else weight.get(flow.outcomes[s], 1.0) for s in states]
        return str(self.rng.choices(states, weights)[0])

    def _place(self) -> tuple[float, float]:
        rng = self.rng
        latitude, longitude, _ = rng.choices(self.places, cum_weights=self.place_weights)[0]
        if (latitude, longitude) == CENTRE:  # anywhere in town
            return latitude + rng.uniform(-0.027, 0.027), longitude + rng.uniform(-0.044, 0.044)
        return rng.gauss(latitude, 0.0015), rng.gauss(longitude, 0.0025)

    def _decision(self, case: Any) -> Any:
        """The timeline event of an automation rule closing the case."""
        from publica.cases.models import CaseEvent

        flow = case.service_version.workflow
        data = {"from": flow.initial, "to": case.state, "label": flow.labels[case.state],
                "outcome": case.outcome, "reason": "Decided by the service's rule.",
                "message": ""}  # fmt: skip
        return CaseEvent(case_id=case.pk, kind="transitioned", actor_role="automation",
                         actor_label="rule: bench", data=data, public=True,
                         created_at=case.closed_at)  # fmt: skip


def _cumulative(weights: Any) -> list[float]:
    total, cumulative = 0.0, []
    for weight in weights:
        total += weight
        cumulative.append(total)
    return cumulative


def _bisect(cumulative: list[float], fraction: float) -> int:
    import bisect

    return min(bisect.bisect(cumulative, fraction * cumulative[-1]), len(cumulative) - 1)


def _score(rng: random.Random, in_time: bool) -> int:
    return rng.choices([1, 2, 3, 4, 5], [3, 4, 10, 35, 48] if in_time else [20, 20, 25, 20, 15])[0]


def touch(rng: random.Random, count: int = 1_000) -> None:
    """What a working day changes: some recent open cases closed, others reprioritised (a
    refresh recounts the days they were submitted on, and today)."""
    from publica.cases.models import Case
    from publica.catalogue.models import Service
    from publica.core import clock

    now = clock.now()
    recent = Case.objects.filter(
        closed_at__isnull=True, submitted_at__gte=now - dt.timedelta(days=60)
    )
    candidates = list(recent.values_list("pk", "service_id"))
    chosen = rng.sample(candidates, min(count, len(candidates)))
    closing, reprioritised = chosen[: len(chosen) * 6 // 10], chosen[len(chosen) * 6 // 10 :]
    for service in Service.objects.select_related("current_version"):
        flow = service.current_version.workflow  # type: ignore[union-attr]
        ids = [pk for pk, service_id in closing if service_id == service.pk]
        done = next(s for s, outcome in flow.outcomes.items() if outcome != "withdrawn")
        Case.objects.filter(pk__in=ids).update(
            state=done, outcome=flow.outcomes[done], closed_at=now, updated_at=now
        )
    ids = [pk for pk, _ in reprioritised]
    Case.objects.filter(pk__in=ids).update(priority="high", updated_at=now)


def jobs(rng: random.Random) -> dict[str, float | None]:
    """Seconds each summary and forecast job takes; None for a job not written yet."""
    from publica.core.actors import SystemActor

    actor = SystemActor("bench")
    took: dict[str, float | None] = {}
    try:
        from publica.insights.services.summaries import summaries_rebuild, summaries_refresh
    except ImportError:
        took["rebuild_s"] = took["refresh_s"] = None
    else:
        took["rebuild_s"] = _timed(lambda: summaries_rebuild(actor=actor))
        touch(rng)
        days: list[int] = []
        took["refresh_s"] = _timed(lambda: days.append(summaries_refresh(actor=actor)))
        took["refresh_again_s"] = _timed(lambda: days.append(summaries_refresh(actor=actor)))
        took["days_recounted"] = days  # type: ignore[assignment]
    try:
        from publica.insights.services.forecasts import forecasts_make
    except ImportError:
        took["forecasts_s"] = None
    else:
        took["forecasts_s"] = _timed(lambda: forecasts_make(actor=actor))
    return took


def _timed(job: Any) -> float:
    started = time.perf_counter()
    job()
    return round(time.perf_counter() - started, 2)


def row_counts() -> dict[str, int]:
    from publica.cases.models import Case, CaseEvent
    from publica.core import clock
    from publica.insights import models

    counts = {
        name: getattr(models, name).objects.count()
        for name in ("DailyFigures", "ResolutionBucket", "HotspotCount", "Rating",
                     "ForecastRun", "ForecastWeek")
    }  # fmt: skip
    counts["automation events"] = CaseEvent.objects.filter(actor_role="automation").count()
    now = clock.now()
    opened = Case.objects.filter(closed_at__isnull=True)
    counts["open cases"] = opened.count()
    counts["overdue"] = opened.filter(due_at__lt=now).count()
    counts["due within 2 days"] = opened.filter(
        due_at__gte=now, due_at__lt=now + dt.timedelta(days=2)
    ).count()
    return counts


def signed_in_admin() -> Any:
    """A Django test client signed in as the demo's admin through the password and TOTP
    pages, as a person would be: its session cookie works against the live server too."""
    from django.test import Client
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from publica.accounts.models import User
    from publica.demo.load import DEMO_PASSWORD

    admin = User.objects.get(username="admin")
    device = TOTPDevice.objects.create(user=admin, name="bench", confirmed=True)
    client = Client(HTTP_HOST="127.0.0.1")
    response = client.post("/staff/sign-in/", {"username": "admin", "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content[:500]
    response = client.post("/staff/verify/", {"token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 302, response.content[:500]
    return client


def periods() -> dict[str, str]:
    from publica.core import clock

    today = clock.now().date()
    year_ago = today - dt.timedelta(days=364)
    return {"default": "", "1 year": f"?from={year_ago:%Y-%m-%d}&to={today:%Y-%m-%d}"}


def latency(port: int, path: str, cookie: str, repeats: int) -> dict[str, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    timings = []
    for _ in range(repeats + 3):  # the first three warm the worker's caches
        started = time.perf_counter()
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        body = response.read()
        timings.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            return {"status": response.status, "body": body[:200].decode(errors="replace").strip()}
    timings = sorted(timings[3:])
    return {
        "status": 200,
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.99))], 1),
    }


def where_time_goes(client: Any, path: str) -> dict[str, Any]:
    """One in-process rendering of a page: its SQL statements and their time, the slowest
    statements, and the insights and chart functions that took longest (with what they call)."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    profile = cProfile.Profile()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        response = profile.runcall(client.get, path)
    total = (time.perf_counter() - started) * 1000
    timed = sorted(((float(q["time"]) * 1000, q["sql"]) for q in queries), reverse=True)
    # (file, line, name) -> (calls, primitive calls, own time, cumulative time, callers)
    stats: dict[Any, Any] = getattr(pstats.Stats(profile), "stats")  # noqa: B009
    ours = sorted(
        (row[3] * 1000, f"{Path(file).parent.name}/{Path(file).name}:{name}")
        for (file, _, name), row in stats.items()
        if ("/publica/insights/" in file or "charts" in file) and "/views/" not in file
    )[::-1]
    return {"status": response.status_code, "total_ms": round(total, 1), "queries": len(timed),
            "sql_ms": round(sum(ms for ms, _ in timed), 1),
            "slowest": [(round(ms, 1), sql[:300]) for ms, sql in timed[:3]],
            "python": [(round(ms, 1), name) for ms, name in ours[:5]]}  # fmt: skip


def measure(cases: int, repeats: int) -> dict[str, Any]:
    loads = setup(cases)
    from django.db import connection

    took = jobs(random.Random(7))
    if connection.vendor == "postgresql":  # as autovacuum leaves the rewritten tables
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    counts = row_counts()
    client = signed_in_admin()
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
    pages: dict[str, Any] = {}
    vendor = connection.vendor
    connection.close()
    with serving(1) as port:
        for label, path in PAGES.items():
            for period, query in periods().items():
                pages[f"{label}, {period}"] = latency(port, path + query, cookie, repeats)
    profiles = {
        f"{label}, {period}": where_time_goes(client, path + query)
        for label, path in PAGES.items()
        for period, query in periods().items()
    }
    return {"database": vendor, "cases": cases, "loads": loads, "jobs": took,
            "counts": counts, "pages": pages, "profiles": profiles}  # fmt: skip


def report(r: dict[str, Any], queries: bool) -> None:
    loads, took = r["loads"], r["jobs"]
    print(f"{r['database']}: {r['cases']:,} cases, {loads.pop('open_share'):.1%} open")
    print("  load: " + ", ".join(f"{k[:-2].replace('_', ' ')} {v} s" for k, v in loads.items()))
    days = took.pop("days_recounted", None)
    print("  jobs: " + ", ".join(f"{k[:-2].replace('_', ' ')} {v} s" for k, v in took.items()))
    if days:
        print(f"  days recounted by the refreshes: {days}")
    print("  rows: " + ", ".join(f"{k} {v:,}" for k, v in r["counts"].items()))
    for label, x in r["pages"].items():
        if x["status"] != 200:
            print(f"  {label:32} HTTP {x['status']}: {x['body']!r}")
            continue
        slow = "   over 500 ms" if x["p50_ms"] > 500 else ""
        print(f"  {label:32} p50 {x['p50_ms']:>7} ms   p99 {x['p99_ms']:>7} ms{slow}")
    if queries:
        for label, x in r["profiles"].items():
            print(f"  {label}: HTTP {x['status']}, {x['total_ms']} ms in process (profiled), "
                  f"{x['queries']} queries taking {x['sql_ms']} ms; slowest:")  # fmt: skip
            for ms, sql in x["slowest"]:
                print(f"      {ms:>8} ms  {sql}")
            print("    slowest functions (profiled, with what they call): " + "; ".join(
                f"{name} {ms} ms" for ms, name in x["python"]))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=30, help="requests per page")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--queries", action="store_true", help="print each page's slowest SQL")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(lambda: measure(args.cases, args.repeats))
        return
    arguments = [f"--cases={args.cases}", f"--repeats={args.repeats}"]
    for r in run_on_each_database(__file__, arguments, args.only):
        report(r, args.queries)


if __name__ == "__main__":
    main()
