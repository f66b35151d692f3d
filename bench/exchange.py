"""The data exchange (issue 11) with 1,000,000 access records: queries, signatures, prefill,
the tracker and auditor pages, and sealing.

    python bench/exchange.py                                # SQLite and PostgreSQL
    python bench/exchange.py --records 20000 --repeats 5    # a quick smoke run
    python bench/exchange.py --only postgresql --records 200000

Loads the demo town (forty verified residents in the registers), then ~5,000 more residents
with accounts, verified identities and four cases each, and `--records` access records
straight into the table, ids in time order over a year: staff reading cases (a tenth of
them of someone with no open case), prefill and register checks, another council's agency
and an API client; one resident has ~1,000 of them. Then prints, per database:

1. `register_query` (population, by person) through the LocalAdapter, with its access
   record, in this process;
2. signing alone: sign_request, verify_request, sign_answer, verify_answer of a typical
   query (pure, no Django), p50 of each in µs;
3. the same query signed over HTTP: HttpAdapter against a second Publica process (a live
   `publica serve` with its own key id and key, set up through `publica exchange
   client-add`, `client-grant`, `peer-add` and `route`) that holds the register. It shares
   this process's database (so the ~1M records are in its access table too): each query
   writes the holder's nonce and access record and the caller's access record, as two
   databases would;
4. the prefill: GET /services/parking-permit/start/ for a verified resident with a consent
   in force, on a session that has not prefilled yet (two register queries, two access
   records, the session saved), against the live server;
5. the resident's tracker /account/data/ (the resident with ~1,000 records, first page),
   the auditor's /staff/access/ (default view) and its CSV for the last month, signed in
   as the demo auditor through password and TOTP; every response must be 200;
6. `access_seal()` over every record (all unsealed; the bulk ones older than the waiting
   time), then `access_verify()` over every batch.

Queries (1, 3) and the prefill take 10 x `--repeats` samples, signing 100 x, pages
`--repeats`, each after 3 warm-ups; p99 is the sample at 99 % (with 30 samples, the
slowest). At the default size a run takes about 13 minutes per database on 2 cores (about
5 of them loading the records and 6 sealing and verifying them), 26 for both.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from api_load import PUBLICA, serving
from common import child_main, fresh_database
from insights import latency

#: A database of this bench's own, so it never meets another bench's run.
POSTGRES = "postgres://postgres@127.0.0.1:5432/publica_bench_exchange"
WARM_UPS = 3
RESIDENTS = 5_000
CASES_EACH = 4
HEAVY = 1_000  # records about one resident
BATCH = 20_000
HOLDER = "bench-registrar"  # the key id of the second process, which holds the register
PURPOSE = "council-tax-reduction"
LAW = "Local Government Finance Act 1992, s. 13A"
START = "/services/parking-permit/start/"
# What reads whom, per 100 records; staff reads of someone with no open case, per read.
KINDS = {"staff case": 50, "staff document": 5, "prefill": 20, "register check": 8,
         "agency": 12, "api": 5}  # fmt: skip
WITHOUT_OPEN_CASE = 0.1


def setup(records: int) -> tuple[dict[str, float], dict[str, int]]:
    """The demo town, the bench residents and their cases, and `records` access records."""
    fresh_database()
    from django.db import connection

    from publica.demo.load import load_demo

    took: dict[str, float] = {}
    started = time.perf_counter()
    load_demo(cases=0)
    took["demo_s"] = time.perf_counter() - started
    started = time.perf_counter()
    residents = _residents(RESIDENTS)
    cases = _cases(residents, random.Random(4))
    took["residents_and_cases_s"] = time.perf_counter() - started
    started = time.perf_counter()
    counts = Loader(residents, cases, random.Random(2026)).load(records)
    took["records_s"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:  # what autovacuum does on a live PostgreSQL
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    took["analyze_s"] = time.perf_counter() - started
    return {name: round(value, 1) for name, value in took.items()}, counts


def _residents(count: int) -> list[tuple[int, str]]:
    """`count` residents with accounts and verified identities: (user id, person number)."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from publica.accounts.models import Identity, User
    from publica.accounts.roles import Role
    from publica.core import clock

    password, now = make_password(None), clock.now()
    users = [
        User(username=f"bench.resident{n:05d}", role=Role.RESIDENT, first_name="Bench",
             last_name=f"Resident {n}", email=f"bench.resident{n:05d}@example.org",
             password=password)
        for n in range(count)
    ]  # fmt: skip
    with transaction.atomic():
        User.objects.bulk_create(users, batch_size=1_000)
        made = list(User.objects.filter(username__startswith="bench.resident").order_by("pk"))
        Identity.objects.bulk_create(
            [Identity(user=user, person_id=f"BR{n:07d}", level="substantial", method="bench",
                      verified_at=now) for n, user in enumerate(made)],
            batch_size=1_000,
        )  # fmt: skip
    return [(user.pk, f"BR{n:07d}") for n, user in enumerate(made)]


def _cases(residents: list[tuple[int, str]], rng: random.Random) -> dict[int, list[Any]]:
    """Four cases for each resident over the last year, 90 % closed: {user id: [(id, ref)]}."""
    from django.db import transaction

    from publica.cases.models import Case
    from publica.catalogue.models import Service
    from publica.core import clock

    services = list(Service.objects.exclude(slug="sensor-maintenance").order_by("slug"))
    now, made = clock.now(), []
    for number, (user_id, _) in enumerate(r for r in residents for _ in range(CASES_EACH)):
        service = services[number % len(services)]
        submitted = now - dt.timedelta(minutes=rng.randrange(2, 525_600))
        closed = None if rng.random() < 0.1 else submitted + dt.timedelta(days=rng.randrange(9))
        made.append(
            Case(reference=f"BX-B{number:07d}", service=service, applicant_id=user_id,
                 service_version_id=service.current_version_id,
                 department_id=service.department_id, state="submitted", data={},
                 submitted_at=submitted, due_at=submitted + dt.timedelta(days=14),
                 closed_at=closed if closed is None or closed < now else None,
                 updated_at=submitted)
        )  # fmt: skip
    with transaction.atomic():
        Case.objects.bulk_create(made, batch_size=2_000)
    cases: dict[int, list[Any]] = {}
    for pk, reference, applicant in Case.objects.filter(reference__startswith="BX-").values_list(
        "pk", "reference", "applicant_id"
    ):
        cases.setdefault(applicant, []).append((pk, reference))
    return cases


class Loader:
    """Access records in bulk, in time order: who read whose data, why and on what basis."""

    def __init__(
        self, residents: list[tuple[int, str]], cases: dict[int, list[Any]], rng: random.Random
    ) -> None:
        from publica.accounts.models import User
        from publica.accounts.selectors import organisation_get
        from publica.core import clock
        from publica.exchange import registers

        self.residents, self.cases, self.rng = residents, cases, rng
        self.now = clock.now()
        self.organisation = organisation_get().name  # type: ignore[union-attr]
        staff = User.objects.filter(department__isnull=False).select_related("department")
        self.staff = [(user.pk, str(user), user.department.name) for user in staff]  # type: ignore[union-attr]
        self.kinds, self.weights = list(KINDS), list(KINDS.values())

        def words(name: str, fields: list[str]) -> tuple[str, list[str]]:
            register = registers.get(name)
            categories = register.categories(fields)
            described = "; ".join(registers.CATEGORIES[c] for c in categories)
            return f"{described} ({register.title})", categories

        self.reads = {
            "population": words("population", ["house", "street", "postcode"]),
            "vehicles": words("vehicles", ["registration", "make", "permit_eligible"]),
            "agency": words("population", list(registers.get("population").fields)),
        }

    def load(self, count: int) -> dict[str, int]:
        """Insert `count` records, ~HEAVY of them about the first resident."""
        from django.db import transaction

        from publica.exchange.models import AccessRecord

        rng = self.rng
        heavy = min(HEAVY, count // 2)
        about = [0] * heavy + [rng.randrange(1, len(self.residents)) for _ in range(count - heavy)]
        rng.shuffle(about)
        # Minutes ago, oldest first, as ids grow in a real table; none within the seal window.
        ages = sorted((rng.uniform(2, 525_600) for _ in range(count)), reverse=True)
        for offset in range(0, count, BATCH):
            rows = [
                self._record(ages[n], about[n]) for n in range(offset, min(offset + BATCH, count))
            ]
            with transaction.atomic():
                AccessRecord.objects.bulk_create(rows)
        return {"records": count, "about the heavy resident": heavy}

    def _record(self, minutes_ago: float, resident: int) -> Any:
        from publica.exchange.models import AccessRecord

        rng = self.rng
        user_id, person_id = self.residents[resident]
        kind = rng.choices(self.kinds, self.weights)[0]
        case_id, reference = rng.choice(self.cases[user_id])
        record = AccessRecord(
            at=self.now - dt.timedelta(minutes=minutes_ago), subject_id=user_id,
            subject_person_id=person_id, organisation=self.organisation,
            data="Your case and its answers", purpose=f"Handling case {reference}",
            basis="case", case_id=case_id,
        )  # fmt: skip
        if kind.startswith("staff"):
            record.actor_kind = "staff"
            record.actor_id, record.actor_label, record.department = rng.choice(self.staff)
            record.without_open_case = rng.random() < WITHOUT_OPEN_CASE
            if kind == "staff document":
                record.data = f"The document photo-{rng.randrange(1, 4)}.jpg"
        elif kind == "api":
            record.actor_kind, record.actor_label = "system", "API client Housing system"
        elif kind == "agency":
            record.actor_kind, record.case_id = "agency", None
            record.organisation, record.actor_label = "Northshire County Council", "Admissions"
            record.register, record.basis, record.basis_detail = "population", "statutory", LAW
            record.data, record.categories = self.reads["agency"]
            record.purpose = "School admissions"
            if rng.random() < 1 / 6:  # someone with no account here, known by number only
                record.subject_id, record.subject_person_id = None, f"NP{rng.randrange(10**7):07d}"
        else:  # the portal's prefill, or the check once the case is sent
            record.actor_kind = "system"
            record.actor_label = "prefill" if kind == "prefill" else "register-check"
            record.register = rng.choice(["population", "vehicles"])
            record.data, record.categories = self.reads[record.register]
            record.purpose = "Check your address and the vehicles you keep, to decide your permit"
            record.basis, record.basis_detail = "consent", str(uuid.UUID(int=rng.getrandbits(128)))
            record.case_id = case_id if kind == "register check" else None
        return record


def summary(seconds: list[float], unit: float = 1000, digits: int = 2) -> dict[str, Any]:
    """n, p50 and p99 of `seconds` in milliseconds (or `unit`s per second)."""
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"n": len(ordered), "p50": round(statistics.median(ordered) * unit, digits),
            "p99": round(p99 * unit, digits)}  # fmt: skip


def timed(count: int, step: Callable[[int], Any]) -> list[float]:
    """Seconds each of `count` calls of `step(i)` took, after WARM_UPS calls not counted."""
    timings = []
    for n in range(count + WARM_UPS):
        started = time.perf_counter()
        step(n)
        timings.append(time.perf_counter() - started)
    return timings[WARM_UPS:]


def demo_people() -> list[tuple[Any, str]]:
    """The demo residents (verified, in the registers) and their person numbers."""
    from publica.accounts.models import Identity

    identities = Identity.objects.filter(method="demo").select_related("user").order_by("pk")
    return [(identity.user, identity.person_id) for identity in identities]


def queries(count: int, verified_by: str) -> dict[str, Any]:
    """`register_query` of the population register by person, each with its access record."""
    from publica.core.actors import SystemActor
    from publica.exchange.adapters import Query
    from publica.exchange.services.queries import register_query

    people, actor = demo_people(), SystemActor("council-tax")

    def ask(n: int) -> None:
        user, person_id = people[n % len(people)]
        query = Query(register="population", lookup="person", value=person_id, purpose=PURPOSE,
                      basis="statutory", law=LAW, on_behalf_of="Council tax team")  # fmt: skip
        answer = register_query(query=query, actor=actor, subject=user)
        assert answer.records and answer.verified_by == verified_by, answer

    return summary(timed(count, ask))


def signing_alone(count: int) -> dict[str, Any]:
    """Each of the four signature steps of one query and its answer, p50 in µs."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from publica.exchange import signing

    caller, holder = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    body = json.dumps({"basis": "statutory", "law": LAW, "lookup": "person", "purpose": PURPOSE,
                       "register": "population", "value": "MB0000014"},
                      sort_keys=True, separators=(",", ":")).encode()  # fmt: skip
    answer_body = json.dumps({"register": "population", "holder": "Registrar of population",
                              "records": [{"given_name": "Alex", "family_name": "Tester",
                                           "house": "4", "street": "High Street",
                                           "postcode": "MB1 2AA"}],
                              "answered_at": "2026-11-21T09:30:00+00:00"}).encode()  # fmt: skip
    skew = dt.timedelta(seconds=300)
    steps: dict[str, list[float]] = {name: [] for name in
                                     ("sign_request", "verify_request", "sign_answer",
                                      "verify_answer", "all four")}  # fmt: skip
    for n in range(count + WARM_UPS):
        now = dt.datetime.now(dt.UTC)
        t0 = time.perf_counter()
        request = signing.sign_request(method="POST", url="http://127.0.0.1:8000/exchange/v1/query",
                                       body=body, content_type="application/json", key=caller,
                                       key_id="millbrook", now=now)  # fmt: skip
        t1 = time.perf_counter()
        signing.verify_request(request, public_key=lambda _: caller.public_key(), now=now,
                               max_skew=skew)  # fmt: skip
        t2 = time.perf_counter()
        answer = signing.SignedAnswer(200, {"Content-Type": "application/json"}, answer_body,
                                      request)  # fmt: skip
        signing.sign_answer(answer, key=holder, key_id=HOLDER, now=now)
        t3 = time.perf_counter()
        signing.verify_answer(answer, key_id=HOLDER, public_key=holder.public_key(), now=now,
                              max_skew=skew)  # fmt: skip
        t4 = time.perf_counter()
        if n >= WARM_UPS:
            for name, took in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0),
                                  strict=True):  # fmt: skip
                steps[name].append(took)
    return {name: summary(took, unit=1_000_000, digits=0) for name, took in steps.items()}


def publica(*args: str) -> str:
    """`publica ARGS` in this database, as a deployer would run it; its standard output."""
    done = subprocess.run([str(PUBLICA), *args], capture_output=True, text=True, timeout=300)
    if done.returncode:
        raise RuntimeError(f"publica {' '.join(args)}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@contextlib.contextmanager
def holder_environment() -> Iterator[str]:
    """Processes started inside sign as the register's holder, with a key of its own; yields
    its public key. This process stays the town, signing with its own key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from publica.exchange import signing

    key = Ed25519PrivateKey.generate()
    changed = {"PUBLICA_EXCHANGE_KEY": base64.b64encode(key.private_bytes_raw()).decode(),
               "PUBLICA_EXCHANGE_KEY_ID": HOLDER}  # fmt: skip
    saved = {name: os.environ.get(name) for name in changed}
    os.environ.update(changed)
    try:
        yield signing.encode_public_key(key.public_key())
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def over_http(port: int, holder_key: str, count: int) -> tuple[dict[str, Any], float]:
    """The query of `queries`, routed to the holder at `port`; and the seconds set-up took."""
    from publica.exchange import keys

    started = time.perf_counter()
    town = keys.key_id()
    publica("exchange", "client-add", "--id", town, "--name", "Millbrook Town Council",
            "--public-key", keys.public_key_b64())  # fmt: skip
    publica("exchange", "client-grant", "--id", town, "--register", "population",
            "--purpose", PURPOSE)  # fmt: skip
    publica("exchange", "peer-add", "--slug", "registrar", "--name", "Bench Registrar",
            "--url", f"http://127.0.0.1:{port}/exchange/", "--key-id", HOLDER,
            "--public-key", holder_key, "--client-id", town)  # fmt: skip
    publica("exchange", "route", "--register", "population", "--peer", "registrar")
    setup_s = time.perf_counter() - started
    try:
        return queries(count, verified_by=HOLDER), setup_s
    finally:
        publica("exchange", "route", "--register", "population", "--local")


def prefill(port: int, count: int) -> dict[str, Any]:
    """GET the parking permit's start page as a verified resident with a consent in force,
    each time on a new session (a session prefills once): it must send them to page 1."""
    from django.test import Client

    from publica.accounts.models import User
    from publica.catalogue.models import Service
    from publica.exchange.models import AccessRecord
    from publica.exchange.services.consents import consent_grant

    resident = User.objects.get(username="resident01")  # a permit zone and a car
    consent_grant(service=Service.objects.get(slug="parking-permit"), actor=resident)
    cookies = []
    for _ in range(count + WARM_UPS):
        client = Client()
        client.force_login(resident)
        cookies.append("; ".join(f"{k}={m.value}" for k, m in client.cookies.items()))
    before = AccessRecord.objects.filter(subject=resident).count()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def start(n: int) -> None:
        connection.request("GET", START, headers={"Cookie": cookies[n]})
        response = connection.getresponse()
        response.read()
        where = response.getheader("Location", "")
        assert response.status == 302 and where.endswith("/form/1/"), (response.status, where)

    result = summary(timed(count, start))
    written = AccessRecord.objects.filter(subject=resident).count() - before
    assert written == 2 * (count + WARM_UPS), f"{written} access records for the prefills"
    return result


def signed_in_auditor() -> str:
    """The demo auditor's session cookie, signed in through the password and TOTP pages."""
    from django.test import Client
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from publica.accounts.models import User
    from publica.demo.load import DEMO_PASSWORD

    auditor = User.objects.get(username="auditor")
    device = TOTPDevice.objects.create(user=auditor, name="bench", confirmed=True)
    client = Client(HTTP_HOST="127.0.0.1")
    response = client.post("/staff/sign-in/", {"username": "auditor", "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content[:500]
    response = client.post("/staff/verify/", {"token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 302, response.content[:500]
    return "; ".join(f"{k}={m.value}" for k, m in client.cookies.items())


def pages(port: int, count: int) -> tuple[dict[str, Any], dict[str, int]]:
    """The tracker of the resident with the most records, the auditor's page and CSV."""
    from django.http import QueryDict
    from django.test import Client

    from publica.accounts.models import User
    from publica.core import clock
    from publica.exchange import selectors
    from publica.exchange.views import audit

    heavy = User.objects.get(username="bench.resident00000")
    client = Client()
    client.force_login(heavy)
    resident = "; ".join(f"{k}={m.value}" for k, m in client.cookies.items())
    auditor = signed_in_auditor()
    today = clock.now().date()
    month = f"from={today - dt.timedelta(days=30):%Y-%m-%d}&to={today:%Y-%m-%d}"
    last_month = audit.parse_filters(QueryDict(month))[0].query()
    rows = {
        "tracker rows": selectors.access_list_for_resident(person=heavy).count(),
        "no-open-case reads": selectors.access_list_for_audit().count(),
        "CSV rows": selectors.access_list_for_audit(**last_month).count(),
    }
    measured = {
        "tracker /account/data/": page(port, "/account/data/", resident, count),
        "auditor /staff/access/": page(port, "/staff/access/", auditor, count),
        "auditor CSV, last month": page(port, f"/staff/access/?csv=1&{month}", auditor, count),
    }
    return measured, rows


def page(port: int, path: str, cookie: str, count: int) -> dict[str, Any]:
    """insights.latency of one page, in this bench's terms: n, p50 and p99 in ms."""
    took = latency(port, path, cookie, count)
    if took["status"] != 200:
        return took
    return {"n": count, "p50": took["p50_ms"], "p99": took["p99_ms"]}


def sealing() -> dict[str, Any]:
    """Seal every record old enough, then verify every batch."""
    from publica.exchange.models import AccessRecord
    from publica.exchange.services.sealing import access_seal, access_verify

    unsealed = AccessRecord.objects.filter(batch__isnull=True).count()
    started = time.perf_counter()
    batches = access_seal()
    seal_s = time.perf_counter() - started
    sealed = sum(batch.count for batch in batches)
    started = time.perf_counter()
    verification = access_verify()
    verify_s = time.perf_counter() - started
    return {"unsealed before": unsealed, "sealed": sealed, "batches": len(batches),
            "seal_s": round(seal_s, 1), "per_second": round(sealed / seal_s),
            "verify_s": round(verify_s, 1), "verified records": verification.records,
            "problems": verification.problems[:3]}  # fmt: skip


def say(text: str) -> None:
    """A progress line on standard error, which the parent leaves on the terminal."""
    from django.db import connection

    print(
        f"  [{connection.vendor} {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True
    )


def measure(records: int, repeats: int) -> dict[str, Any]:
    loads, rows = setup(records)
    from django.db import connection

    say(f"loaded: {loads}")
    parts: dict[str, float] = {}
    results: dict[str, Any] = {"database": connection.vendor, "loads": loads, "rows": rows}
    started = time.perf_counter()
    results["local"] = queries(repeats * 10, verified_by="local")
    parts["local_s"] = time.perf_counter() - started
    started = time.perf_counter()
    results["signing"] = signing_alone(repeats * 100)
    parts["signing_s"] = time.perf_counter() - started
    say("in-process parts done; starting the server")
    with holder_environment() as holder_key, serving(1) as port:
        started = time.perf_counter()
        results["http"], parts["cli_setup_s"] = over_http(port, holder_key, repeats * 10)
        parts["http_s"] = time.perf_counter() - started
        started = time.perf_counter()
        results["prefill"] = prefill(port, repeats * 10)
        parts["prefill_s"] = time.perf_counter() - started
        started = time.perf_counter()
        results["pages"], page_rows = pages(port, repeats)
        results["rows"].update(page_rows)
        parts["pages_s"] = time.perf_counter() - started
    say("pages done; sealing")
    results["sealing"] = sealing()
    results["parts"] = {name: round(value, 1) for name, value in parts.items()}
    return results


def report(r: dict[str, Any]) -> None:
    local, http_, sealed = r["local"], r["http"], r["sealing"]
    print(f"{r['database']}: {r['rows']['records']:,} access records")
    print(
        "  load: " + ", ".join(f"{k[:-2].replace('_', ' ')} {v} s" for k, v in r["loads"].items())
    )
    print("  rows: " + ", ".join(f"{k} {v:,}" for k, v in r["rows"].items() if k != "records"))
    print(
        "  parts: " + ", ".join(f"{k[:-2].replace('_', ' ')} {v} s" for k, v in r["parts"].items())
    )
    print(f"  {'measure':44} {'n':>5} {'p50':>10} {'p99':>10}")
    lines = [("1. register_query, LocalAdapter (in process)", local, "ms"),
             ("3. register_query signed over HTTP", http_, "ms"),
             ("4. prefill GET " + START, r["prefill"], "ms")]  # fmt: skip
    lines[1:1] = [(f"2. {name}", x, "µs") for name, x in r["signing"].items()]
    lines += [(f"5. {name}", x, "ms") for name, x in r["pages"].items()]
    for label, x, unit in lines:
        if "p50" not in x:
            print(f"  {label:44} HTTP {x['status']}: {x['body']!r}   NOT 200")
            continue
        n = x.get("n", "")
        print(f"  {label:44} {n:>5} {x['p50']:>7} {unit} {x['p99']:>7} {unit}")
    ratio = http_["p50"] / local["p50"]
    print(f"  3/1: signed HTTP query is {ratio:.1f}x the local one (p50)")
    print(f"  6. access_seal: {sealed['sealed']:,} of {sealed['unsealed before']:,} unsealed "
          f"records in {sealed['batches']} batches, {sealed['seal_s']} s "
          f"({sealed['per_second']:,}/s); access_verify: {sealed['verified records']:,} records "
          f"in {sealed['verify_s']} s, "
          f"{'no problems' if not sealed['problems'] else sealed['problems']}")  # fmt: skip
    tracker, audit, csv = (r["pages"][k].get("p50", "failed") for k in r["pages"])
    print(f"{r['database']} summary: query {local['p50']} ms local / {http_['p50']} ms signed "
          f"over HTTP ({ratio:.1f}x), prefill {r['prefill']['p50']} ms, tracker {tracker} ms, "
          f"audit {audit} ms, CSV {csv} ms, sealing {sealed['per_second']:,} records/s, "
          f"verify {sealed['verify_s']} s (p50s)", flush=True)  # fmt: skip


def postgres_ready() -> bool:
    """Whether PostgreSQL answers; makes this bench's database when it is missing."""
    import psycopg

    name = POSTGRES.rsplit("/", 1)[1]
    try:
        with psycopg.connect(POSTGRES.rsplit("/", 1)[0] + "/postgres", connect_timeout=3) as db:
            db.autocommit = True
            if (
                db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
                is None
            ):
                db.execute(f'CREATE DATABASE "{name}"')
        return True
    except psycopg.OperationalError:
        return False


def run_each(arguments: list[str], only: str | None) -> None:
    """Measure in a child process per database; report each as it finishes. Like
    common.run_on_each_database, with this bench's own PostgreSQL database, and the child's
    progress lines left on standard error."""
    with tempfile.TemporaryDirectory() as data_dir:
        targets = {"sqlite": f"sqlite:///{data_dir}/bench.sqlite3", "postgresql": POSTGRES}
        for name, url in targets.items():
            if only and name != only:
                continue
            if name == "postgresql" and not postgres_ready():
                print("postgresql: not reachable at 127.0.0.1:5432, skipped", file=sys.stderr)
                continue
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "PUBLICA_DATA_DIR": data_dir,
                "DJANGO_SETTINGS_MODULE": "publica.settings",
                "PUBLICA_LOG_LEVEL": "WARNING",
            }
            started = time.perf_counter()
            command = [sys.executable, __file__, "--child", *arguments]
            output = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True)
            if output.returncode:
                sys.exit(f"{name}: the measurement failed (its errors are above)")
            report(json.loads(output.stdout.strip().splitlines()[-1]))
            print(f"  ({name} took {time.perf_counter() - started:.0f} s in all)\n", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="access records loaded")
    parser.add_argument("--repeats", type=int, default=30, help="requests per page")
    parser.add_argument("--only", choices=["sqlite", "postgresql", "postgres"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(lambda: measure(args.records, args.repeats))
        return
    only = "postgresql" if args.only == "postgres" else args.only
    run_each([f"--records={args.records}", f"--repeats={args.repeats}"], only)


if __name__ == "__main__":
    main()
