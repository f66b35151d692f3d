"""The published datasets: their columns, their figures, and no individual's name."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from publica.accounts.models import Department
from publica.opendata.registry import definition
from publica.spending.datasets import DATASETS, budget_table, projects_table, spending_table
from publica.spending.tests.factories import (
    BudgetLineFactory,
    MilestoneFactory,
    ProjectFactory,
    SpendFactory,
)


def test_the_three_datasets_are_registered() -> None:
    assert [d.name for d in DATASETS] == ["budget-lines", "spending", "projects"]
    assert all(definition(d.name) is d for d in DATASETS)
    assert {d.theme for d in DATASETS} <= {"GOVE", "ECON"}


def test_budget_lines_give_the_published_columns(highways: Department) -> None:
    BudgetLineFactory(department=highways, financial_year=2025, cost_centre="HW1",
                      amount=Decimal("1250.50"))  # fmt: skip
    BudgetLineFactory(department=highways, financial_year=2009, amount=Decimal(1))
    rows = list(budget_table().values())
    assert list(rows[0]) == ["_id", "financial_year", "department", "programme", "cost_centre",
                             "description", "amount"]  # fmt: skip
    assert [row["financial_year"] for row in rows] == ["2009-10", "2025-26"]
    assert (rows[1]["department"], rows[1]["amount"]) == ("Highways", Decimal("1250.50"))


def test_spending_redacts_every_individual_whatever_the_row_holds(highways: Department) -> None:
    SpendFactory(department=highways, reference="PAY-1", supplier="Tarmac Works Ltd")
    SpendFactory(department=highways, reference="PAY-2", supplier="A Private Person",
                 payee_is_individual=True, date=dt.date(2026, 3, 31))  # fmt: skip
    table = spending_table()
    rows = {row["reference"]: row for row in table.values()}
    assert list(rows["PAY-1"]) == ["_id", "date", "financial_year", "department", "programme",
                                   "supplier", "payee_is_individual", "description", "amount",
                                   "reference", "project"]  # fmt: skip
    assert rows["PAY-1"]["supplier"] == "Tarmac Works Ltd"
    assert rows["PAY-2"]["supplier"] == "Redacted: individual"
    assert rows["PAY-2"]["payee_is_individual"] is True
    assert "A Private Person" not in str(list(table.queryset().values()))


def test_projects_give_spent_and_percent_complete(highways: Department) -> None:
    project = ProjectFactory(slug="mill-road", department=highways)
    MilestoneFactory(project=project, weight=1, completed_on=dt.date(2025, 6, 1))
    MilestoneFactory(project=project, weight=2)
    SpendFactory(department=highways, project=project, amount=Decimal("300.25"))
    SpendFactory(department=highways, project=project, amount=Decimal("100"))
    ProjectFactory(slug="new-library", department=highways)
    rows = {row["slug"]: row for row in projects_table().values()}
    mill = rows["mill-road"]
    assert (mill["spent"], mill["percent_complete"], mill["department"]) == (
        Decimal("400.25"), 33, "Highways")  # fmt: skip
    assert (rows["new-library"]["spent"], rows["new-library"]["percent_complete"]) == (0, None)
