"""Reads of budgets, spending and projects: budget against actual, the published payments
(individuals redacted) and projects with what they have spent and how far they have got."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    DecimalField,
    Exists,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, LPad, Mod, NullIf

from publica.accounts.models import Department
from publica.core.errors import NotFound
from publica.spending import measures
from publica.spending.models import (
    DECIMAL_PLACES,
    MAX_DIGITS,
    BudgetLine,
    ImportRecord,
    Milestone,
    Project,
    SpendTransaction,
)

__all__ = [
    "REDACTED_SUPPLIER",
    "Comparison",
    "ProjectSummary",
    "budget_line_rows",
    "budget_vs_actual",
    "department_list",
    "financial_year_label",
    "financial_year_list",
    "import_list",
    "programme_list",
    "project_get",
    "project_list",
    "project_rows",
    "project_summaries",
    "published_supplier",
    "spend_list",
    "spend_rows",
    "totals",
]

#: What is published in place of the supplier of a payment to a private individual.
REDACTED_SUPPLIER = "Redacted: individual"


def published_supplier() -> Expression:
    """The supplier as published: redacted for individuals, whatever the row holds."""
    return Case(
        When(payee_is_individual=True, then=Value(REDACTED_SUPPLIER)),
        default=F("supplier"),
        output_field=CharField(),
    )


def financial_year_label() -> Expression:
    """`financial_year` (2025) as its name (2025-26), in the database."""
    return Concat(
        Cast("financial_year", CharField()),
        Value("-"),
        LPad(Cast(Mod(F("financial_year") + 1, 100), CharField()), 2, Value("0")),
        output_field=CharField(),
    )


# Budget against actual


@dataclass(frozen=True)
class Comparison:
    """What one department planned and spent on one programme (or in all, without one)."""

    department: str
    department_slug: str
    programme: str
    planned: Decimal
    spent: Decimal

    @property
    def remaining(self) -> Decimal:
        return measures.remaining(self.planned, self.spent)

    @property
    def share_spent(self) -> int | None:
        return measures.share_spent(self.planned, self.spent)

    @property
    def over_budget(self) -> bool:
        return self.spent > self.planned


def financial_year_list() -> list[int]:
    """Every year with a budget or spending, the latest first."""
    planned = BudgetLine.objects.values_list("financial_year", flat=True).distinct()
    spent = SpendTransaction.objects.values_list("financial_year", flat=True).distinct()
    return sorted(set(planned) | set(spent), reverse=True)


def department_list() -> QuerySet[Department]:
    """Departments with a budget, spending or a project."""
    return Department.objects.filter(
        Q(Exists(BudgetLine.objects.filter(department=OuterRef("pk"))))
        | Q(Exists(SpendTransaction.objects.filter(department=OuterRef("pk"))))
        | Q(Exists(Project.objects.filter(department=OuterRef("pk"))))
    )


def programme_list(*, year: int | None = None, department: str = "") -> list[str]:
    budget = _narrowed(BudgetLine.objects.all(), year, department)
    spend = _narrowed(SpendTransaction.objects.all(), year, department)
    names = set(budget.values_list("programme", flat=True).distinct())
    names |= set(spend.values_list("programme", flat=True).distinct())
    return sorted(names, key=str.casefold)


def budget_vs_actual(
    *, year: int, department: str = "", programme: str = "", by_programme: bool = True
) -> list[Comparison]:
    """Planned and spent in a financial year by department and programme (or by department
    only), including programmes with spending but no budget, in department then programme
    order."""
    keys = ["department__slug", "department__name", *(["programme"] if by_programme else [])]
    budget = _narrowed(BudgetLine.objects.all(), year, department, programme)
    spend = _narrowed(SpendTransaction.objects.all(), year, department, programme)
    totals: dict[tuple[str, str, str], list[Decimal]] = {}
    for index, rows in enumerate((budget, spend)):
        for row in rows.values(*keys).annotate(total=Sum("amount")).order_by():
            key = (row["department__name"], row["department__slug"], row.get("programme", ""))
            totals.setdefault(key, [Decimal(0), Decimal(0)])[index] += row["total"]
    return [
        Comparison(name, slug, name_of_programme, planned, spent)
        for (name, slug, name_of_programme), (planned, spent) in sorted(
            totals.items(), key=lambda item: (item[0][0].casefold(), item[0][2].casefold())
        )
    ]


def totals(rows: Iterable[Comparison]) -> Comparison:
    """The sum of some comparisons."""
    rows = list(rows)
    return Comparison(
        "",
        "",
        "",
        sum((r.planned for r in rows), Decimal(0)),
        sum((r.spent for r in rows), Decimal(0)),
    )


def _narrowed(
    rows: QuerySet[Any], year: int | None, department: str, programme: str = ""
) -> QuerySet[Any]:
    if year is not None:
        rows = rows.filter(financial_year=year)
    if department:
        rows = rows.filter(department__slug=department)
    if programme:
        rows = rows.filter(programme=programme)
    return rows


# Spending


def spend_list(
    *,
    year: int | None = None,
    department: str = "",
    programme: str = "",
    supplier: str = "",
    project: str = "",
) -> QuerySet[SpendTransaction]:
    """Published payments, the latest first, each with `shown_supplier` (redacted for an
    individual). Searching by supplier searches what is shown, so a search cannot find a
    payment by an individual's name."""
    rows = _narrowed(SpendTransaction.objects.all(), year, department, programme)
    rows = rows.select_related("department", "project").annotate(
        shown_supplier=published_supplier()
    )
    if supplier:
        rows = rows.filter(shown_supplier__icontains=supplier)
    if project:
        rows = rows.filter(project__slug=project)
    return rows.order_by("-date", "reference")


def import_list() -> QuerySet[ImportRecord]:
    return ImportRecord.objects.select_related("imported_by")


# Projects


@dataclass(frozen=True)
class ProjectSummary:
    project: Project
    spent: Decimal
    #: Completed milestones' weight as a share of all their weight; None without milestones.
    percent_complete: int | None

    @property
    def remaining(self) -> Decimal:
        return measures.remaining(self.project.budget, self.spent)

    @property
    def share_spent(self) -> int | None:
        return measures.share_spent(self.project.budget, self.spent)


def project_list(*, status: str = "", department: str = "") -> QuerySet[Project]:
    """Projects with `spent`, `weight_total` and `weight_done` annotated."""
    rows = Project.objects.select_related("department").annotate(
        spent=_spent(), weight_total=_weight(), weight_done=_weight(done=True)
    )
    if status:
        rows = rows.filter(status=status)
    if department:
        rows = rows.filter(department__slug=department)
    return rows


def project_summaries(*, status: str = "", department: str = "") -> list[ProjectSummary]:
    return [_summary(p) for p in project_list(status=status, department=department)]


def project_get(*, slug: str) -> ProjectSummary:
    """A project by its address, with its milestones and updates fetched."""
    found = project_list().prefetch_related("milestones", "updates").filter(slug=slug).first()
    if found is None:
        raise NotFound("There is no such project.")
    return _summary(found)


def _summary(project: Any) -> ProjectSummary:
    return ProjectSummary(
        project, project.spent, measures.percent(project.weight_done, project.weight_total)
    )


def _spent() -> Expression:
    total = (
        SpendTransaction.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money: DecimalField[Decimal, Decimal] = DecimalField(
        max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )
    return Coalesce(Subquery(total, output_field=money), Value(Decimal("0.00")), output_field=money)


def _weight(*, done: bool = False) -> Expression:
    milestones = Milestone.objects.filter(project=OuterRef("pk"))
    if done:
        milestones = milestones.filter(completed_on__isnull=False)
    total = milestones.order_by().values("project").annotate(total=Sum("weight")).values("total")
    return Coalesce(
        Subquery(total, output_field=IntegerField()), Value(0), output_field=IntegerField()
    )


# Rows for the published datasets


# These are `values()` querysets: a dataset publishes some columns under the name of a model
# field but read from elsewhere (`department` is the department's name, `supplier` the
# redacted one), and Django refuses such an annotation on a model queryset, but not on a
# values queryset, whose names are only the ones it selects.


def budget_line_rows() -> QuerySet[Any, Any]:
    return BudgetLine.objects.values()


def spend_rows() -> QuerySet[Any, Any]:
    return SpendTransaction.objects.values()


def project_rows() -> QuerySet[Any, Any]:
    """Projects with `spent` and `percent_complete` worked out in the database."""
    return Project.objects.values().annotate(
        spent=_spent(),
        percent_complete=_weight(done=True) * 100 / NullIf(_weight(), 0),
    )
