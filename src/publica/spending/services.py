"""Writes for budgets, spending and public projects: CSV imports, projects, milestones and
status updates.

An import is all or nothing: the file is checked whole (every problem reported, each with
its row and column) before anything is written, and then written in one transaction.
Importing a budget replaces every line of the financial years the file covers; spend is
added to what is there, and a reference already imported is an error, so importing the
same file twice cannot count a payment twice.

The supplier of a payment to a private individual is not stored at all: Publica publishes
spending, the finance system keeps its records, and what is not stored cannot leak.

Who may do what: admins import (a file changes the published accounts of every
department); supervisors and admins manage projects, a supervisor only their own
department's. The command line and the demo act as Publica itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from publica.accounts.models import Department, User
from publica.accounts.roles import Role
from publica.core import clock
from publica.core.actors import Actor, SystemActor
from publica.core.errors import FieldError, InvalidInput, PermissionDenied
from publica.spending import csvimport, years
from publica.spending.models import (
    BudgetLine,
    ImportKind,
    ImportRecord,
    Milestone,
    Project,
    ProjectStatus,
    SpendTransaction,
    StatusUpdate,
)

__all__ = [
    "PROJECT_FIELDS",
    "ImportResult",
    "budget_import",
    "may_manage",
    "milestone_add",
    "milestone_complete",
    "milestone_reopen",
    "project_change",
    "project_create",
    "spend_import",
    "status_update_post",
]

_BATCH = 2000


@dataclass(frozen=True)
class ImportResult:
    record: ImportRecord
    #: Budget lines the import replaced (always 0 for spend).
    replaced: int


# Imports


@transaction.atomic
def budget_import(*, data: bytes, file_name: str, actor: Actor) -> ImportResult:
    """Replace the budget of every financial year in the file with the file's lines."""
    _require_importer(actor)
    parsed = csvimport.read_budget(data, departments=_departments(), source=file_name)
    parsed.raise_if_errors()
    _require_rows(parsed.rows, file_name)
    covered = sorted({row.financial_year for row in parsed.rows})
    record = _record(ImportKind.BUDGET, data, file_name, len(parsed.rows), actor, covered)
    replaced, _ = BudgetLine.objects.filter(financial_year__in=covered).delete()
    ids = _department_ids()
    BudgetLine.objects.bulk_create(
        (
            BudgetLine(
                financial_year=row.financial_year,
                department_id=ids[row.department],
                programme=row.programme,
                cost_centre=row.cost_centre,
                description=row.description,
                amount=row.amount,
                imported_in=record,
            )
            for row in parsed.rows
        ),
        batch_size=_BATCH,
    )
    return ImportResult(record, replaced)


@transaction.atomic
def spend_import(*, data: bytes, file_name: str, actor: Actor) -> ImportResult:
    """Add the file's payments; every reference must be new."""
    _require_importer(actor)
    parsed = csvimport.read_spend(
        data,
        departments=_departments(),
        projects=set(Project.objects.values_list("slug", flat=True)),
        latest=timezone.localdate(clock.now()),
        existing_references=_existing_references,
        source=file_name,
    )
    parsed.raise_if_errors()
    _require_rows(parsed.rows, file_name)
    record = _record(ImportKind.SPEND, data, file_name, len(parsed.rows), actor, [])
    ids = _department_ids()
    projects = dict(Project.objects.values_list("slug", "pk"))
    SpendTransaction.objects.bulk_create(
        (
            SpendTransaction(
                date=row.date,
                financial_year=years.of(row.date),
                department_id=ids[row.department],
                programme=row.programme,
                supplier="" if row.payee_is_individual else row.supplier,
                payee_is_individual=row.payee_is_individual,
                description=row.description,
                amount=row.amount,
                reference=row.reference,
                project_id=projects.get(row.project),
                imported_in=record,
            )
            for row in parsed.rows
        ),
        batch_size=_BATCH,
    )
    return ImportResult(record, 0)


def _existing_references(wanted: list[str]) -> list[str]:
    found: list[str] = []
    for start in range(0, len(wanted), _BATCH):  # stays under SQLite's parameter limit
        chunk = wanted[start : start + _BATCH]
        found += SpendTransaction.objects.filter(reference__in=chunk).values_list(
            "reference", flat=True
        )
    return found


def _record(
    kind: str, data: bytes, file_name: str, rows: int, actor: Actor, covered: list[int]
) -> ImportRecord:
    return ImportRecord.objects.create(
        kind=kind,
        file_name=file_name[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        row_count=rows,
        financial_years=covered,
        imported_by=actor if isinstance(actor, User) else None,
        imported_by_label=str(actor)[:100],
        imported_at=clock.now(),
    )


def _require_rows(rows: list[Any], file_name: str) -> None:
    if not rows:
        raise InvalidInput([FieldError("file", "The file has no rows of data", source=file_name)])


def _departments() -> set[str]:
    return set(Department.objects.values_list("slug", flat=True))


def _department_ids() -> dict[str, int]:
    return dict(Department.objects.values_list("slug", "pk"))


def _require_importer(actor: Actor) -> None:
    if isinstance(actor, SystemActor):
        return
    if isinstance(actor, User) and actor.role == Role.ADMIN:
        return
    raise PermissionDenied("Only an admin may import budgets and spending.")


# Projects

#: The project fields staff fill in, for the forms and their error summaries.
PROJECT_FIELDS = ("title", "slug", "summary", "department", "status", "budget", "place_name",
                  "latitude", "longitude", "start_date", "expected_end_date")  # fmt: skip


@transaction.atomic
def project_create(
    *,
    title: str,
    summary: str,
    department: Department | None,
    budget: Decimal | str,
    place_name: str,
    slug: str = "",
    status: str = ProjectStatus.PLANNED,
    latitude: float | str | None = None,
    longitude: float | str | None = None,
    start_date: dt.date | str | None = None,
    expected_end_date: dt.date | str | None = None,
    actor: Actor,
) -> Project:
    """A new public project; its slug (its address) comes from the title unless given."""
    if department is not None:
        _require_manager(actor, department)
    errors: list[FieldError] = []
    fields = _project_fields(
        {"title": title, "summary": summary, "department": department, "budget": budget,
         "place_name": place_name, "status": status, "latitude": latitude,
         "longitude": longitude, "start_date": start_date,
         "expected_end_date": expected_end_date},
        errors,
    )  # fmt: skip
    slug = slugify(slug or title)[:80]
    if not slug:
        errors.append(FieldError("slug", "Enter a short name for the project's address"))
    elif Project.objects.filter(slug=slug).exists():
        errors.append(FieldError("slug", f"Another project already has the address {slug}"))
    if errors:
        raise InvalidInput(errors)
    now = clock.now()
    return Project.objects.create(slug=slug, created_at=now, updated_at=now, **fields)


@transaction.atomic
def project_change(
    *,
    project: Project,
    title: str,
    summary: str,
    department: Department | None,
    budget: Decimal | str,
    place_name: str,
    status: str,
    latitude: float | str | None = None,
    longitude: float | str | None = None,
    start_date: dt.date | str | None = None,
    expected_end_date: dt.date | str | None = None,
    actor: Actor,
) -> Project:
    """Change a project's details (its address stays, so links to it keep working). Moving
    it to another department needs the right to manage both."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    _require_manager(actor, project.department)
    if department is not None:
        _require_manager(actor, department)
    errors: list[FieldError] = []
    fields = _project_fields(
        {"title": title, "summary": summary, "department": department, "budget": budget,
         "place_name": place_name, "status": status, "latitude": latitude,
         "longitude": longitude, "start_date": start_date,
         "expected_end_date": expected_end_date},
        errors,
    )  # fmt: skip
    if errors:
        raise InvalidInput(errors)
    changed = [name for name, value in fields.items() if getattr(project, name) != value]
    if not changed:
        return project
    for name in changed:
        setattr(project, name, fields[name])
    project.updated_at = clock.now()
    project.save(update_fields=[*changed, "updated_at"])
    return project


def _project_fields(given: dict[str, Any], errors: list[FieldError]) -> dict[str, Any]:
    """The model's values from what was given, each checked; problems go to `errors`."""
    fields: dict[str, Any] = {
        "title": _required(given["title"], "title", "Enter the project's title", 120, errors),
        "summary": _required(
            given["summary"], "summary", "Enter a summary for residents", 2000, errors
        ),
        "place_name": _required(
            given["place_name"], "place_name", "Enter where the project is", 120, errors
        ),
        "department": given["department"],
        "status": given["status"],
        "budget": _money(given["budget"], errors),
        "start_date": _day(given["start_date"], "start_date", "start", errors),
        "expected_end_date": _day(
            given["expected_end_date"], "expected_end_date", "expected end", errors
        ),
    }
    if given["department"] is None:
        errors.append(FieldError("department", "Choose the department running the project"))
    if given["status"] not in ProjectStatus.values:
        errors.append(FieldError("status", "Choose the project's status"))
    start, end = fields["start_date"], fields["expected_end_date"]
    if start and end and end < start:
        errors.append(FieldError("expected_end_date", "The expected end must be after the start"))
    fields["latitude"], fields["longitude"] = _point(given["latitude"], given["longitude"], errors)
    return fields


# Milestones and status updates


@transaction.atomic
def milestone_add(
    *, project: Project, title: str, due_date: dt.date | str, weight: int | str = 1, actor: Actor
) -> Milestone:
    """A step of the project; `weight` (1 to 100) is its share of the work."""
    _require_manager(actor, project.department)
    errors: list[FieldError] = []
    title = _required(title, "title", "Enter the milestone", 120, errors)
    due = _day(due_date, "due_date", "due", errors)
    if due is None and not any(error.field == "due_date" for error in errors):
        errors.append(FieldError("due_date", "Enter the date it is due, like 2026-03-31"))
    number = _whole(weight)
    if number is None or not 1 <= number <= 100:
        errors.append(FieldError("weight", "Enter a weight from 1 to 100"))
    if errors:
        raise InvalidInput(errors)
    assert due is not None and number is not None
    milestone = Milestone.objects.create(project=project, title=title, due_date=due, weight=number)
    _touch(project)
    return milestone


@transaction.atomic
def milestone_complete(
    *, milestone: Milestone, completed_on: dt.date | None = None, actor: Actor
) -> Milestone:
    """Mark a milestone done (today, unless a day is given); done twice changes nothing."""
    milestone = Milestone.objects.select_for_update().select_related("project").get(pk=milestone.pk)
    _require_manager(actor, milestone.project.department)
    if milestone.completed_on is not None:
        return milestone
    milestone.completed_on = completed_on or timezone.localdate(clock.now())
    milestone.save(update_fields=["completed_on"])
    _touch(milestone.project)
    return milestone


@transaction.atomic
def milestone_reopen(*, milestone: Milestone, actor: Actor) -> Milestone:
    """Undo a milestone marked done by mistake."""
    milestone = Milestone.objects.select_for_update().select_related("project").get(pk=milestone.pk)
    _require_manager(actor, milestone.project.department)
    if milestone.completed_on is None:
        return milestone
    milestone.completed_on = None
    milestone.save(update_fields=["completed_on"])
    _touch(milestone.project)
    return milestone


@transaction.atomic
def status_update_post(
    *,
    project: Project,
    text: str,
    status: str,
    posted_on: dt.date | None = None,
    actor: Actor,
) -> StatusUpdate:
    """Tell residents how the project is going; the project takes the status given."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    _require_manager(actor, project.department)
    errors: list[FieldError] = []
    text = _required(text.replace("\r\n", "\n"), "text", "Enter the update", 2000, errors)
    if status not in ProjectStatus.values:
        errors.append(FieldError("status", "Choose the project's status"))
    if errors:
        raise InvalidInput(errors)
    now = clock.now()
    update = StatusUpdate.objects.create(
        project=project,
        posted_on=posted_on or timezone.localdate(now),
        text=text,
        status=status,
        posted_by=actor if isinstance(actor, User) else None,
        posted_at=now,
    )
    project.status, project.updated_at = status, now
    project.save(update_fields=["status", "updated_at"])
    return update


def may_manage(actor: Actor, department: Department) -> bool:
    """Whether `actor` may manage projects of `department` (for pages to offer the forms)."""
    try:
        _require_manager(actor, department)
    except PermissionDenied:
        return False
    return True


def _require_manager(actor: Actor, department: Department) -> None:
    if isinstance(actor, SystemActor):
        return
    if isinstance(actor, User):
        if actor.role == Role.ADMIN:
            return
        if actor.role == Role.SUPERVISOR and actor.department_id == department.pk:
            return
    raise PermissionDenied(
        "Only an admin, or a supervisor of the project's department, may manage it."
    )


def _touch(project: Project) -> None:
    Project.objects.filter(pk=project.pk).update(updated_at=clock.now())


# Checks of typed values


def _required(value: str, field: str, message: str, limit: int, errors: list[FieldError]) -> str:
    value = value.strip()
    if not value:
        errors.append(FieldError(field, message))
    elif len(value) > limit:
        errors.append(FieldError(field, f"Must be {limit:,} characters or fewer"))
    return value


def _money(value: Decimal | str, errors: list[FieldError]) -> Decimal:
    text = str(value).strip().replace(",", "").removeprefix("£")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0 or amount > csvimport.MAX_AMOUNT:
        errors.append(FieldError("budget", "Enter the budget in pounds, like 250000"))
        return Decimal(0)
    return amount.quantize(Decimal("0.01"))


def _day(
    value: dt.date | str | None, field: str, name: str, errors: list[FieldError]
) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors.append(FieldError(field, f"Enter the {name} date like 2026-03-31"))
        return None


def _point(
    latitude: float | str | None, longitude: float | str | None, errors: list[FieldError]
) -> tuple[float | None, float | None]:
    lat, lon = _number(latitude), _number(longitude)
    if lat is None and lon is None and not _given(latitude) and not _given(longitude):
        return None, None
    if lat is None or not -90 <= lat <= 90:
        errors.append(FieldError("latitude", "Enter a latitude between -90 and 90, like 52.03"))
    if lon is None or not -180 <= lon <= 180:
        errors.append(FieldError("longitude", "Enter a longitude between -180 and 180"))
    return lat, lon


def _given(value: object) -> bool:
    return value is not None and str(value).strip() != ""


def _number(value: float | str | None) -> float | None:
    try:
        number = float(value) if _given(value) else None  # type: ignore[arg-type]
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _whole(value: int | str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
