"""The datasets this app publishes (see publica.opendata.registry): budget lines, spending
(the supplier redacted for individuals, in the query itself, so every download is safe)
and public projects. Each is read live from its tables."""

from __future__ import annotations

from publica.opendata.registry import Definition
from publica.opendata.tables import Chart, Column, Table
from publica.spending import selectors

__all__ = ["DATASETS", "budget_table", "projects_table", "spending_table"]

_YEAR = Column(
    "financial_year",
    "text",
    "The financial year, 1 April to 31 March, like 2025-26.",
    selectors.financial_year_label(),
)
_DEPARTMENT = Column("department", "text", "The council department.", "department__name")


def budget_table() -> Table:
    return Table(
        rows=selectors.budget_line_rows,
        columns=(
            _YEAR,
            _DEPARTMENT,
            Column("programme", "text", "The programme or service area."),
            Column("cost_centre", "text", "The council's cost-centre code, if any."),
            Column("description", "text", "What the money is for."),
            Column("amount", "numeric", "The budget, in pounds."),
        ),
        order=("financial_year", "department", "programme", "_id"),
        chart=Chart(x="department", y="amount", title="Budget by department"),
    )


def spending_table() -> Table:
    return Table(
        rows=selectors.spend_rows,
        columns=(
            Column("date", "date", "The day the payment was made."),
            _YEAR,
            _DEPARTMENT,
            Column("programme", "text", "The programme the payment was charged to."),
            Column(
                "supplier",
                "text",
                f"Who was paid; '{selectors.REDACTED_SUPPLIER}' for a private individual.",
                selectors.published_supplier(),
            ),
            Column(
                "payee_is_individual",
                "bool",
                "Whether the payee is a private individual (whose name is not published).",
            ),
            Column("description", "text", "What was bought."),
            Column("amount", "numeric", "The amount in pounds; negative for a refund."),
            Column("reference", "text", "The council's own transaction reference."),
            Column("project", "text", "The public project it paid for, if any.", "project__slug"),
        ),
        order=("date", "reference"),
        chart=Chart(x="department", y="amount", title="Spending by department"),
    )


def projects_table() -> Table:
    return Table(
        rows=selectors.project_rows,
        columns=(
            Column("slug", "text", "The project's short name, as in its web address."),
            Column("title", "text", "The project's name."),
            Column("summary", "text", "What the project is."),
            _DEPARTMENT,
            Column("status", "text", "planned, in-progress, paused, complete or cancelled."),
            Column("budget", "numeric", "The project's budget, in pounds."),
            Column("spent", "numeric", "Spent so far: the payments tagged with the project."),
            Column(
                "percent_complete",
                "int",
                "Completed milestones' weight as a percentage of all milestones' weight; "
                "empty without milestones.",
            ),
            Column("place_name", "text", "Where the project is."),
            Column("latitude", "numeric", "Latitude of the project's location (WGS 84)."),
            Column("longitude", "numeric", "Longitude of the project's location (WGS 84)."),
            Column("start_date", "date", "When the work started or is planned to start."),
            Column("expected_end_date", "date", "When the work is expected to end."),
            Column("updated_at", "timestamp", "When the project was last changed."),
        ),
        order=("slug",),
        chart=Chart(x="status", title="Projects by status"),
    )


DATASETS: tuple[Definition, ...] = (
    Definition(
        name="budget-lines",
        title="Budget",
        description=(
            "What each department plans to spend, by programme and financial year "
            "(1 April to 31 March), as imported from the council's finance system."
        ),
        table=budget_table,
        frequency="annual",
        keywords=("budget", "finance", "council spending"),
        theme="GOVE",
    ),
    Definition(
        name="spending",
        title="Spending",
        description=(
            "Every payment the council made, with the supplier, programme and amount. "
            "Payments to private individuals (such as foster carers) are included with the "
            f"supplier shown as '{selectors.REDACTED_SUPPLIER}'."
        ),
        table=spending_table,
        frequency="monthly",
        keywords=("spending", "payments", "suppliers", "transparency"),
        theme="ECON",
    ),
    Definition(
        name="projects",
        title="Public projects",
        description=(
            "The council's public works, such as road resurfacing or a new library: status, "
            "budget against spending, percentage complete and location."
        ),
        table=projects_table,
        frequency="irregular",
        keywords=("projects", "capital works", "infrastructure"),
        theme="GOVE",
    ),
)
