"""The demo seed and the `publica spending` commands."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from publica.accounts.models import Department
from publica.accounts.tests.factories import DepartmentFactory
from publica.spending import demo, selectors
from publica.spending.commands import spending
from publica.spending.models import BudgetLine, Project, SpendTransaction
from publica.spending.tests.factories import BUDGET_HEADER, csv_file


def test_the_demo_seeds_two_years_payments_and_projects_once(db: None) -> None:
    for slug in ("highways", "parks", "parking", "building-control", "social-care"):
        DepartmentFactory(slug=slug)
    demo.seed()
    assert len(selectors.financial_year_list()) == 2
    assert 150 <= SpendTransaction.objects.count() <= 600
    individuals = SpendTransaction.objects.filter(payee_is_individual=True)
    assert individuals.exists() and not individuals.exclude(supplier="").exists()
    assert Project.objects.count() == 4
    library = selectors.project_get(slug="northfield-library")
    assert library.spent > 0 and library.percent_complete == 30
    counts = (BudgetLine.objects.count(), SpendTransaction.objects.count())
    demo.seed()
    assert (BudgetLine.objects.count(), SpendTransaction.objects.count()) == counts


def test_the_demo_does_nothing_without_departments(db: None) -> None:
    demo.seed()
    assert not BudgetLine.objects.exists()


def test_import_budget_prints_every_problem_and_imports_nothing(
    highways: Department, tmp_path: Path
) -> None:
    bad = tmp_path / "budget.csv"
    bad.write_bytes(csv_file(BUDGET_HEADER, "2025-26,highways,Roads,,,x", "2025,nowhere,,,,1"))
    result = CliRunner().invoke(spending, ["import-budget", str(bad)])
    assert result.exit_code == 1
    assert "budget.csv:2: amount:" in result.output
    assert "budget.csv:3: financial_year:" in result.output
    assert "4 problem(s); nothing was imported" in result.output
    assert not BudgetLine.objects.exists()


def test_import_budget_imports_a_good_file(highways: Department, tmp_path: Path) -> None:
    good = tmp_path / "budget.csv"
    good.write_bytes(csv_file(BUDGET_HEADER, "2025-26,highways,Roads,,,100"))
    result = CliRunner().invoke(spending, ["import-budget", str(good)])
    assert result.exit_code == 0, result.output
    assert "Imported 1 budget lines from budget.csv" in result.output
