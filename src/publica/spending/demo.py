"""Budgets, payments and projects for the demo town of Millbrook (all invented).

Everything goes through the same services real use does: the budget and the payments are
built as CSV files and imported, the projects created, their milestones completed and their
updates posted. Seeding twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from publica.accounts.models import Department
from publica.core import clock
from publica.core.actors import DEMO
from publica.spending import services, years
from publica.spending.csvimport import BUDGET_COLUMNS, SPEND_COLUMNS
from publica.spending.models import BudgetLine, Project

__all__ = ["seed"]

#: Programmes of the demo departments (by slug); others get GENERAL.
PROGRAMMES = {
    "highways": ["Road maintenance", "Street lighting", "Winter gritting"],
    "waste": ["Household collections", "Recycling centres", "Street cleaning"],
    "environmental-health": ["Food safety", "Pollution control"],
    "parks": ["Parks maintenance", "Tree management", "Play areas"],
    "parking": ["Enforcement", "Car parks"],
    "licensing": ["Licensing administration"],
    "building-control": ["Inspections", "Public buildings"],
    "revenues": ["Council tax collection", "Benefits administration"],
    "social-care": ["Home care", "Foster care allowances", "Direct payments"],
    "information-governance": ["Records management"],
}
GENERAL = ["Running costs"]
#: Programmes whose payments go to private individuals (their names are never stored).
TO_INDIVIDUALS = {"Foster care allowances", "Direct payments"}
SUPPLIERS = [
    "Tarmac Works Ltd", "Brightway Lighting Ltd", "Millbrook Plant Hire", "Greenleaf Grounds Ltd",
    "Northgate Vehicle Services", "Clearview Cleaning Co", "Riverside Print & Design",
    "Castle IT Services Ltd", "Abbey Construction Group", "Saltmarsh Gritting Supplies",
    "Oakfield Care Partnership", "Ledger & Lane Consulting", "Kestrel Signs Ltd",
    "Willow Play Equipment Ltd", "Meadow Recycling Ltd", "Beacon Security Services",
]  # fmt: skip


def seed(*, rng_seed: int = 2026) -> None:
    """Two financial years of budget and payments, and four projects; nothing if a budget or
    a project is there already, or there are no departments yet."""
    departments = {d.slug: d for d in Department.objects.all()}
    if not departments or BudgetLine.objects.exists() or Project.objects.exists():
        return
    rng = random.Random(rng_seed)
    today = timezone.localdate(clock.now())
    current = years.of(today)
    budget = {
        (year, slug, programme): Decimal(rng.randrange(80, 3000) * 1000)
        for year in (current - 1, current)
        for slug in departments
        for programme in PROGRAMMES.get(slug, GENERAL)
    }
    for spec in PROJECTS:  # the projects are paid from their department's capital budget
        if spec["department"] in departments:
            for year in (current - 1, current):
                budget[(year, spec["department"], "Capital works")] = Decimal(spec["budget"]) / 2
    _import(services.budget_import, BUDGET_COLUMNS, _budget_rows(budget), "demo-budget.csv")
    projects = _projects(departments, today, current)
    payments = _payments(rng, budget, today, projects)
    _import(services.spend_import, SPEND_COLUMNS, payments, "demo-spending.csv")


def _budget_rows(budget: dict[tuple[int, str, str], Decimal]) -> list[dict[str, Any]]:
    return [
        {"financial_year": years.label(year), "department": slug, "programme": programme,
         "cost_centre": f"{slug[:3].upper()}{index:03d}", "description": "", "amount": amount}
        for index, ((year, slug, programme), amount) in enumerate(sorted(budget.items()), 1)
    ]  # fmt: skip


def _payments(
    rng: random.Random,
    budget: dict[tuple[int, str, str], Decimal],
    today: dt.date,
    projects: dict[str, Project],
) -> list[dict[str, Any]]:
    """About seven payments a programme a year, adding up to 70 to 110% of its budget over a
    whole year (less for the part of the current year gone so far)."""
    rows: list[dict[str, Any]] = []
    for (year, slug, programme), planned in sorted(budget.items()):
        start, end = years.bounds(year)
        end = min(end, today)
        if end < start:
            continue
        elapsed = (end - start).days / 365
        target = float(planned) * rng.uniform(0.7, 1.1) * elapsed
        count = rng.randint(4, 10)
        for _ in range(count):
            day = start + dt.timedelta(days=rng.randint(0, (end - start).days))
            individual = programme in TO_INDIVIDUALS
            rows.append({
                "date": day.isoformat(), "department": slug, "programme": programme,
                "supplier": "" if individual else rng.choice(SUPPLIERS),
                "payee_is_individual": "yes" if individual else "no",
                "description": "Allowance" if individual else f"{programme}: works and supplies",
                "amount": f"{target / count * rng.uniform(0.6, 1.4):.2f}",
                "reference": f"MB{year}-{len(rows) + 1:05d}", "project": "",
            })  # fmt: skip
    rows += _project_payments(rng, today, projects, len(rows))
    return rows


def _project_payments(
    rng: random.Random, today: dt.date, projects: dict[str, Project], numbered: int
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for project in projects.values():
        if project.start_date is None or project.start_date > today:
            continue
        share = {"complete": 0.97, "in-progress": 0.55, "paused": 0.3}.get(project.status, 0)
        count = 6
        for n in range(count):
            day = min(project.start_date + dt.timedelta(days=30 * n + rng.randint(0, 20)), today)
            rows.append({
                "date": day.isoformat(), "department": project.department.slug,
                "programme": "Capital works", "supplier": rng.choice(SUPPLIERS),
                "payee_is_individual": "no", "description": f"{project.title}: stage {n + 1}",
                "amount": f"{float(project.budget) * share / count:.2f}",
                "reference": f"MBCAP-{numbered + len(rows) + 1:05d}", "project": project.slug,
            })  # fmt: skip
    return rows


def _import(importer: Any, columns: Any, rows: list[dict[str, Any]], name: str) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[column.name for column in columns])
    writer.writeheader()
    writer.writerows(rows)
    importer(data=out.getvalue().encode(), file_name=name, actor=DEMO)


# Projects: (slug, title, department, status, budget, place, point, months from the start of
# last financial year to the start, summary, milestones as (title, weight, done), updates).
PROJECTS: list[dict[str, Any]] = [
    {
        "slug": "mill-road-resurfacing", "title": "Mill Road resurfacing",
        "department": "highways", "status": "in-progress", "budget": "480000",
        "place_name": "Mill Road, from the station to Abbey Bridge",
        "point": (52.0335, -0.9790), "start": 14,
        "summary": "A new road surface and drainage along the whole of Mill Road, done in "
                   "three stretches so one lane stays open.",
        "milestones": [("Survey and design", 1, True), ("Drainage works", 2, True),
                       ("Resurface the station stretch", 2, False),
                       ("Resurface the bridge stretch", 2, False), ("Road markings", 1, False)],
        "updates": [("in-progress", "Drainage works are finished. Resurfacing starts next "
                                    "month, overnight, with one lane open.")],
    },
    {
        "slug": "northfield-library", "title": "New Northfield library",
        "department": "building-control", "status": "in-progress", "budget": "2400000",
        "place_name": "Northfield Green, next to the health centre",
        "point": (52.0392, -0.9990), "start": 8,
        "summary": "A new library with a children's room, study spaces and a community hall, "
                   "replacing the temporary library in the old school.",
        "milestones": [("Planning permission", 1, True), ("Foundations", 2, True),
                       ("Frame and roof", 3, False), ("Fit-out", 3, False),
                       ("Opening", 1, False)],
        "updates": [("planned", "Planning permission was granted."),
                    ("in-progress", "Building work has started; the foundations are done.")],
    },
    {
        "slug": "riverside-play-area", "title": "Riverside Park play area",
        "department": "parks", "status": "complete", "budget": "165000",
        "place_name": "Riverside Park, by the boathouse", "point": (52.0251, -0.9950),
        "start": 2,
        "summary": "New play equipment for under-12s, with a level path and seating.",
        "milestones": [("Choose the design with residents", 1, True),
                       ("Install the equipment", 3, True), ("Safety inspection", 1, True)],
        "updates": [("in-progress", "Equipment is being installed; the area is fenced off."),
                    ("complete", "The play area is open. Thank you for your patience.")],
    },
    {
        "slug": "town-centre-ev-charging", "title": "Electric vehicle charging in town car parks",
        "department": "parking", "status": "paused", "budget": "320000",
        "place_name": "Castle Street and Market Square car parks",
        "point": (52.0290, -0.9790), "start": 10,
        "summary": "Forty charging points across two town-centre car parks.",
        "milestones": [("Grid connection agreed", 2, True), ("Install Castle Street", 2, False),
                       ("Install Market Square", 2, False)],
        "updates": [("paused", "Work is paused while the electricity network upgrades the "
                               "supply to Market Square. We expect to restart in spring.")],
    },
]  # fmt: skip


def _projects(
    departments: dict[str, Department], today: dt.date, current: int
) -> dict[str, Project]:
    created: dict[str, Project] = {}
    base, _ = years.bounds(current - 1)
    fallback = next(iter(departments.values()))
    for spec in PROJECTS:
        start = _months_after(base, spec["start"])
        if start > today:
            start = today - dt.timedelta(days=60)
        project = services.project_create(
            slug=spec["slug"], title=spec["title"], summary=spec["summary"],
            department=departments.get(spec["department"], fallback), budget=spec["budget"],
            place_name=spec["place_name"], latitude=spec["point"][0],
            longitude=spec["point"][1], start_date=start,
            expected_end_date=_months_after(start, 12), actor=DEMO,
        )  # fmt: skip
        _milestones(project, spec["milestones"], start, today)
        for n, (status, text) in enumerate(spec["updates"]):
            posted = min(start + dt.timedelta(days=45 * (n + 1)), today)
            services.status_update_post(
                project=project, text=text, status=status, posted_on=posted, actor=DEMO
            )
        project.refresh_from_db()
        created[project.slug] = project
    return created


def _milestones(
    project: Project, milestones: list[tuple[str, int, bool]], start: dt.date, today: dt.date
) -> None:
    for n, (title, weight, done) in enumerate(milestones):
        due = start + dt.timedelta(days=60 * (n + 1))
        milestone = services.milestone_add(
            project=project, title=title, due_date=due, weight=weight, actor=DEMO
        )
        if done:
            services.milestone_complete(
                milestone=milestone, completed_on=min(due, today), actor=DEMO
            )


def _months_after(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, 1)
