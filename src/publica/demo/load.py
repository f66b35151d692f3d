"""The demo town of Millbrook: departments, staff, residents, services and a year of cases.

Everything goes through the same service functions real use does, with the clock set to the
past, so every demo case has a true timeline. Loading twice changes nothing the second time.
All people here are invented.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from publica.accounts import services as accounts
from publica.accounts.models import Department, Organisation, User
from publica.accounts.roles import Role
from publica.alerts.demo import load_demo_wards
from publica.cases import services as case_services
from publica.cases.models import Case, Channel
from publica.catalogue import answers
from publica.catalogue.models import Service
from publica.catalogue.services import service_load_path
from publica.core import clock
from publica.core.actors import DEMO
from publica.core.errors import InvalidInput, PublicaError
from publica.demo import people, reports
from publica.demo.answers import fake_answers
from publica.demo.registers import load_demo_registers
from publica.insights.services.forecasts import forecasts_make
from publica.insights.services.ratings import rating_record, rating_token
from publica.insights.services.summaries import summaries_rebuild, summaries_refresh
from publica.opendata.services import datasets_publish
from publica.procurement import demo as procurement_demo
from publica.sensors.alarms import rules_load
from publica.sensors.demo import load_demo_things
from publica.sensors.services import datastream_set_public
from publica.spending import demo as spending_demo

SERVICES_DIR = Path(__file__).parent / "services"
DEMO_PASSWORD = "millbrook-demo-2026"  # demo data only; printed in the README

DEPARTMENTS = {
    "highways": "Highways",
    "waste": "Waste and Street Scene",
    "environmental-health": "Environmental Health",
    "parks": "Parks and Trees",
    "parking": "Parking Services",
    "licensing": "Licensing",
    "building-control": "Building Control",
    "revenues": "Revenues and Benefits",
    "social-care": "Adult Social Care",
    "information-governance": "Information Governance",
}
# How often each service is used, relative to the others: reports outnumber applications.
SERVICE_WEIGHTS = {
    "pothole": 14, "missed-bin": 14, "streetlight": 9, "fly-tipping": 9, "graffiti": 5,
    "noise": 6, "fallen-tree": 3, "blocked-drain": 5, "parking-permit": 8, "bulky-waste": 7,
    "business-licence": 2, "building-permit": 3, "street-event": 2, "council-tax-reduction": 4,
    "sensor-maintenance": 0,  # opened by sensor rules, never by residents
    "blue-badge": 3, "foi-request": 3,
}  # fmt: skip

REASONS = [
    "Checked against the service's rules.",
    "Inspected on site.",
    "Decided after reviewing the evidence provided.",
]

Progress = Callable[[Any, str], AbstractContextManager[Iterator[Any]]]


def load_demo(*, cases: int = 400, seed: int = 2026, progress: Progress | None = None) -> str:
    """Load Millbrook; return a one-line summary. Past cases are created only once."""
    organisation = _organisation()
    staff = _staff(organisation)
    residents = _residents()
    load_demo_registers(seed=seed)
    results = service_load_path(path=SERVICES_DIR, actor=DEMO)
    loaded = sum(result.created for result in results)
    load_demo_wards()
    for datastream in load_demo_things(actor=DEMO):  # air, water and bins: public places
        datastream_set_public(datastream=datastream, public=True, actor=DEMO)
    rules_load(path=SERVICES_DIR.parent / "sensor-rules.yaml", actor=DEMO)
    # Each seed runs once; running the demo again changes nothing.
    spending_demo.seed(rng_seed=seed)
    procurement_demo.seed()
    if Case.objects.exists():
        datasets_publish(actor=DEMO)
        summaries_refresh(actor=DEMO)
        return f"Demo already loaded: {len(results)} services ({loaded} new versions)."
    rng = random.Random(seed)
    now = clock.now()
    starts = sorted(now - dt.timedelta(days=365 * rng.random() ** 0.8) for _ in range(cases))
    services = {service.slug: service for service in Service.objects.all()}
    weights = [SERVICE_WEIGHTS.get(slug, 1) for slug in services]
    with _bar(progress, starts, "Creating past cases") as bar:
        for started in bar:
            service = rng.choices(list(services.values()), weights)[0]
            _past_case(rng, service, started, now, staff, residents)
    _claims_sharing_an_account(rng, services.get("council-tax-reduction"), now)
    escalated = len(case_services.case_escalate_overdue(actor=DEMO))
    datasets_publish(actor=DEMO)
    summaries_rebuild(actor=DEMO)
    forecasts_make(actor=DEMO)
    return (
        f"Demo loaded: {len(results)} services, {sum(map(len, staff.values()))} caseworkers and "
        f"supervisors, {len(residents)} residents, "
        f"{cases} cases ({escalated} overdue escalated). Staff password: {DEMO_PASSWORD}"
    )


def _organisation() -> Organisation:
    organisation = accounts.organisation_upsert(
        slug="millbrook",
        name="Millbrook Town Council",
        actor=DEMO,
        contact_email="contact@millbrook.example.org",
        contact_phone="01632 960 000",
    )
    for slug, name in DEPARTMENTS.items():
        accounts.department_upsert(organisation=organisation, slug=slug, name=name, actor=DEMO)
    return organisation


@transaction.atomic
def _staff(organisation: Organisation) -> dict[str, list[User]]:
    """Two caseworkers and a supervisor per department, plus an admin, a designer, an auditor."""
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing per user takes seconds
    names = iter(people.staff_names())
    by_department: dict[str, list[User]] = {}
    for department in Department.objects.filter(organisation=organisation):
        members = []
        for role, number in ((Role.SUPERVISOR, 1), (Role.CASEWORKER, 1), (Role.CASEWORKER, 2)):
            username = f"{department.slug}.{role}{'' if role == Role.SUPERVISOR else number}"
            first, last = next(names)
            user = _user(username, role, password, department, first, last)
            if role == Role.SUPERVISOR and department.supervisor_id != user.pk:
                department.supervisor = user
                department.save(update_fields=["supervisor"])
            members.append(user)
        by_department[department.slug] = members
    for username, role in (
        ("admin", Role.ADMIN),
        ("designer", Role.SERVICE_DESIGNER),
        ("auditor", Role.AUDITOR),
    ):
        first, last = next(names)
        _user(username, role, password, None, first, last)
    return by_department


def _user(
    username: str, role: str, password: str, department: Department | None, first: str, last: str
) -> User:
    """The demo person named `username`, created with the pre-hashed password if missing."""
    user = User.objects.filter(username=username).first()
    if user is None:
        domain = "example.org" if role == Role.RESIDENT else "millbrook.example.org"
        user = accounts.user_create(
            username=username,
            role=role,
            department=department,
            first_name=first,
            last_name=last,
            email=f"{username}@{domain}",
            password_hash=password,
            actor=DEMO,
        )
    return user


@transaction.atomic
def _residents() -> list[User]:
    password = make_password(DEMO_PASSWORD)
    return [
        _user(f"resident{index:02d}", Role.RESIDENT, password, None, first, last)
        for index, (first, last) in enumerate(people.resident_names(), start=1)
    ]


def _past_case(
    rng: random.Random,
    service: Service,
    started: dt.datetime,
    now: dt.datetime,
    staff: dict[str, list[User]],
    residents: list[User],
) -> None:
    form = service.current_version.definition["form"]  # type: ignore[union-attr]
    data = _valid_answers(rng, form)
    _describe(random.Random(started.isoformat()), service.slug, form, data)
    resident = rng.choice(residents) if rng.random() < 0.6 else None
    channel = rng.choices([Channel.PORTAL, Channel.STAFF, Channel.API], [75, 15, 10])[0]
    team = staff[service.department.slug]
    actor = resident if resident else rng.choice(team) if channel == Channel.STAFF else None
    contact = {} if resident else {"email": f"reporter{rng.randrange(1000):03d}@example.org"}
    with clock.at(started):
        case = case_services.case_submit(
            service=service, data=data, actor=actor, channel=channel, contact=contact
        )
    _work(rng, case, started, now, team)
    _rate(case, now)


def _rate(case: Case, now: dt.datetime) -> None:
    """About one resident in three answers the satisfaction question, happier when resolved.
    Its own random source, so the rest of the demo draws the same numbers as before."""
    rng = random.Random(f"rating-{case.reference}")
    case.refresh_from_db()
    if case.closed_at is None or rng.random() > 0.35:
        return
    answered = case.closed_at + dt.timedelta(hours=rng.uniform(1, 96))
    if answered >= now:
        return
    good = case.outcome in ("resolved", "approved")
    score = rng.choices([1, 2, 3, 4, 5], [5, 8, 12, 35, 40] if good else [25, 25, 20, 20, 10])[0]
    with clock.at(answered):
        rating_record(token=rating_token(case), score=score, actor=None)


def _claims_sharing_an_account(
    rng: random.Random, service: Service | None, now: dt.datetime
) -> None:
    """Three council tax claims on one account this week, from three people: the third gets a
    review flag (docs/assistant.md, "Review flags"), so the demo has one to show."""
    if service is None or service.current_version is None:
        return
    form = service.current_version.definition["form"]
    for days_ago, claimant in ((6, 1), (4, 2), (1, 3)):
        data = {**_valid_answers(rng, form), "account_number": "40590018"}
        with clock.at(now - dt.timedelta(days=days_ago)):
            case_services.case_submit(
                service=service, data=data, actor=None,
                contact={"email": f"claimant{claimant}@example.org"},
            )  # fmt: skip


def _work(
    rng: random.Random, case: Case, moment: dt.datetime, now: dt.datetime, team: list[User]
) -> None:
    """Walk the case along its workflow as its department would, stopping at today."""
    case.refresh_from_db()
    workflow = case.service_version.workflow
    sla_days = case.service_version.definition["sla"]["days"]
    worker = rng.choice(team)
    # Some cases stall, as in any council: they stay open and show up as overdue.
    steps = 0 if rng.random() < 0.08 else 6
    for _ in range(steps):
        if case.closed_at is not None:
            return
        moment += dt.timedelta(hours=rng.uniform(2, sla_days * 24 * 0.6))
        if moment >= now:
            return
        with clock.at(moment):
            if case.assignee_id is None:
                case = case_services.case_assign(case=case, assignee=worker, actor=worker)
            if rng.random() < 0.08 and case.awaiting_info_since is None and _reachable(case):
                request = case_services.case_request_info(
                    case=case, question="Could you send a photo of the problem?", actor=worker
                )
                answered = moment + dt.timedelta(days=rng.uniform(0.5, 6))
                if answered < now:
                    with clock.at(answered):
                        case_services.case_provide_info(
                            request=request, answer="Photo sent by post.", actor=worker
                        )
                    moment = answered
                case.refresh_from_db()
                continue
            targets = [
                target
                for target in workflow.targets_of(case.state)
                if worker.role in workflow.step(case.state, target).roles
                and workflow.outcomes.get(target) != "withdrawn"
            ]
            if not targets:
                return
            try:
                target = rng.choice(targets)
                reason = rng.choice(REASONS) if workflow.outcomes.get(target) else ""
                case = case_services.case_transition(
                    case=case, to=target, actor=worker, reason=reason
                )
            except PublicaError:
                return


def _describe(rng: random.Random, slug: str, form: dict[str, Any], data: dict[str, Any]) -> None:
    """Most reports come with the resident's own words, varied as residents write them."""
    name, needs = reports.FIELDS.get(slug, ("description", {}))
    question = form["schema"]["properties"].get(name)
    text = reports.describe(rng, slug, limit=question.get("maxLength", 1000)) if question else None
    if text and rng.random() < 0.9:
        data.update({**needs, name: text})


def _reachable(case: Case) -> bool:
    return case.applicant_id is not None or bool(case.contact_email)


def _valid_answers(rng: random.Random, form: dict[str, Any]) -> dict[str, Any]:
    files = {
        n
        for n, hints in form.get("ui", {}).get("fields", {}).items()
        if hints.get("widget") == "file"
    }
    for attempt in range(20):
        data = fake_answers(rng, form["schema"], everything=attempt >= 10)
        data = {name: value for name, value in data.items() if name not in files}
        try:
            return answers.clean(form, data)
        except InvalidInput:
            continue
    raise RuntimeError(f"could not make valid demo answers for {form['schema']}")


def _bar(progress: Progress | None, items: list[Any], label: str) -> Any:
    if progress is None:
        return _Plain(items)
    return progress(items, label)


class _Plain(AbstractContextManager[list[Any]]):
    def __init__(self, items: list[Any]) -> None:
        self.items = items

    def __enter__(self) -> list[Any]:
        return self.items

    def __exit__(self, *exc: object) -> None:
        return None
