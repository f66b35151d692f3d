"""Imports, projects, milestones and status updates through the service functions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from publica.accounts.models import Department, User
from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory
from publica.core import clock
from publica.core.actors import SystemActor
from publica.core.errors import InvalidInput, PermissionDenied
from publica.spending import selectors, services
from publica.spending.models import (
    BudgetLine,
    ImportRecord,
    Milestone,
    ProjectStatus,
    SpendTransaction,
)
from publica.spending.tests.factories import (
    BUDGET_HEADER,
    SPEND_HEADER,
    MilestoneFactory,
    ProjectFactory,
    csv_file,
)

CLI = SystemActor("cli")
NOW = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _in_january_2026():  # type: ignore[no-untyped-def]
    with clock.at(NOW):
        yield


@pytest.fixture
def departments(highways: Department, parking: Department) -> None:
    return None


def import_budget(*rows: str, actor: object = CLI) -> services.ImportResult:
    return services.budget_import(
        data=csv_file(BUDGET_HEADER, *rows), file_name="budget.csv", actor=actor
    )  # type: ignore[arg-type]


def import_spend(*rows: str, actor: object = CLI) -> services.ImportResult:
    return services.spend_import(
        data=csv_file(SPEND_HEADER, *rows), file_name="spend.csv", actor=actor
    )  # type: ignore[arg-type]


# Imports


def test_a_valid_budget_import_stores_its_lines_and_a_record(
    departments: None, admin: User
) -> None:
    result = import_budget(
        "2025-26,highways,Road maintenance,HW1,Patching,1000000",
        "2025-26,parking,Enforcement,,,250000.50",
        actor=admin,
    )
    assert BudgetLine.objects.count() == 2
    record = result.record
    assert (record.kind, record.row_count, record.financial_years) == ("budget", 2, [2025])
    assert record.imported_by == admin and len(record.sha256) == 64
    assert BudgetLine.objects.get(programme="Enforcement").amount == Decimal("250000.50")


def test_reimporting_a_years_budget_replaces_only_that_year(departments: None) -> None:
    import_budget(
        "2024-25,highways,Roads,,,10",
        "2025-26,highways,Roads,,,20",
        "2025-26,parking,Enforcement,,,5",
    )
    result = import_budget("2025-26,highways,Roads,,,30")
    assert result.replaced == 2
    lines = sorted(BudgetLine.objects.values_list("financial_year", "amount"))
    assert lines == [(2024, Decimal(10)), (2025, Decimal(30))]


def test_a_budget_with_any_bad_row_writes_nothing(departments: None) -> None:
    import_budget("2025-26,highways,Roads,,,20")
    with pytest.raises(InvalidInput) as raised:
        import_budget("2025-26,highways,Roads,,,30", "2025-26,nowhere,Roads,,,x")
    assert [(e.line, e.field) for e in raised.value.errors] == [(3, "department"), (3, "amount")]
    assert list(BudgetLine.objects.values_list("amount", flat=True)) == [Decimal(20)]
    assert ImportRecord.objects.count() == 1


def test_a_valid_spend_import_stores_payments_without_an_individuals_name(
    departments: None,
) -> None:
    project = ProjectFactory(slug="mill-road", department=Department.objects.get(slug="highways"))
    import_spend(
        "2025-06-30,highways,Roads,Tarmac Works Ltd,no,Resurfacing,5000,PAY-1,mill-road",
        "2026-01-02,parking,Fostering,Carer Name,yes,Allowance,400,PAY-2,",
    )
    paid = SpendTransaction.objects.get(reference="PAY-1")
    assert (paid.project, paid.financial_year, paid.amount) == (project, 2025, Decimal(5000))
    carer = SpendTransaction.objects.get(reference="PAY-2")
    assert carer.supplier == "" and carer.payee_is_individual
    assert carer.financial_year == 2025  # January 2026 is in 2025-26


def test_a_spend_reference_imported_before_is_an_error_and_nothing_is_written(
    departments: None,
) -> None:
    import_spend("2025-06-30,highways,Roads,Tarmac Works Ltd,no,,1,PAY-1,")
    with pytest.raises(InvalidInput) as raised:
        import_spend(
            "2025-07-01,highways,Roads,Tarmac Works Ltd,no,,1,PAY-2,",
            "2025-07-01,highways,Roads,Tarmac Works Ltd,no,,1,PAY-1,",
        )
    assert [(e.line, e.field) for e in raised.value.errors] == [(3, "reference")]
    assert "imported before" in raised.value.errors[0].message
    assert SpendTransaction.objects.count() == 1


def test_each_kind_of_spend_error_is_reported_at_once(departments: None) -> None:
    with pytest.raises(InvalidInput) as raised:
        import_spend(
            "2025-13-01,highways,Roads,A Ltd,no,,1,PAY-1,",
            "2025-06-30,roads,Roads,A Ltd,no,,1,PAY-2,",
            "2025-06-30,highways,,A Ltd,no,,1,PAY-3,",
            "2025-06-30,highways,Roads,A Ltd,perhaps,,1,PAY-4,",
            "2025-06-30,highways,Roads,A Ltd,no,,1.234,PAY-5,",
            "2025-06-30,highways,Roads,A Ltd,no,,1,PAY-5,",
            "2025-06-30,highways,Roads,A Ltd,no,,1,PAY-7,unknown-project",
        )
    assert [(e.line, e.field) for e in raised.value.errors] == [
        (2, "date"),
        (3, "department"),
        (4, "programme"),
        (5, "payee_is_individual"),
        (6, "amount"),
        (7, "reference"),
        (8, "project"),
    ]
    assert not SpendTransaction.objects.exists() and not ImportRecord.objects.exists()


def test_a_file_with_only_a_header_is_refused(departments: None) -> None:
    with pytest.raises(InvalidInput, match="no rows"):
        import_budget()


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.CASEWORKER, Role.AUDITOR, Role.RESIDENT])
def test_only_an_admin_or_publica_itself_may_import(
    departments: None, highways: Department, role: Role
) -> None:
    person = UserFactory(role=role, department=highways if role != Role.RESIDENT else None)
    with pytest.raises(PermissionDenied):
        import_budget("2025-26,highways,Roads,,,1", actor=person)


# Projects


def test_a_supervisor_creates_a_project_for_their_department(
    supervisor: User, highways: Department
) -> None:
    project = services.project_create(
        title="Mill Road resurfacing", summary="New surface.", department=highways,
        budget="250,000", place_name="Mill Road", latitude="52.03", longitude="-0.98",
        start_date="2025-05-01", expected_end_date="2025-09-30", actor=supervisor,
    )  # fmt: skip
    assert project.slug == "mill-road-resurfacing"
    assert project.budget == Decimal("250000.00") and project.status == ProjectStatus.PLANNED


def test_a_supervisor_cannot_manage_another_departments_project(
    supervisor: User, parking: Department
) -> None:
    with pytest.raises(PermissionDenied):
        services.project_create(
            title="Car park", summary="x", department=parking, budget="1", place_name="x",
            actor=supervisor,
        )  # fmt: skip
    project = ProjectFactory(department=parking)
    with pytest.raises(PermissionDenied):
        services.status_update_post(project=project, text="x", status="paused", actor=supervisor)


def test_a_project_with_bad_details_names_every_field(admin: User, highways: Department) -> None:
    ProjectFactory(slug="taken", department=highways)
    with pytest.raises(InvalidInput) as raised:
        services.project_create(
            title="Taken", summary=" ", department=None, budget="lots", place_name="",
            latitude="95", longitude="", start_date="2025-09-01",
            expected_end_date="2025-01-01", status="unknown", actor=admin,
        )  # fmt: skip
    fields = {error.field for error in raised.value.errors}
    assert fields == {"summary", "place_name", "department", "budget", "status",
                      "expected_end_date", "latitude", "longitude", "slug"}  # fmt: skip


def test_changing_a_project_keeps_its_address(admin: User, highways: Department) -> None:
    project = ProjectFactory(slug="mill-road", department=highways)
    changed = services.project_change(
        project=project, title="Mill Road phase 2", summary="More.", department=highways,
        budget="5", place_name="Mill Road", status="paused", actor=admin,
    )  # fmt: skip
    assert (changed.slug, changed.title, changed.status) == (
        "mill-road",
        "Mill Road phase 2",
        "paused",
    )
    assert changed.latitude is None


def test_completed_milestone_weights_give_the_percentage_complete(
    supervisor: User, highways: Department
) -> None:
    project = ProjectFactory(department=highways)
    first = services.milestone_add(
        project=project, title="Survey", due_date="2025-06-01", weight="1", actor=supervisor
    )
    services.milestone_add(
        project=project, title="Resurface", due_date="2025-08-01", weight=3, actor=supervisor
    )
    assert selectors.project_get(slug=project.slug).percent_complete == 0
    services.milestone_complete(milestone=first, actor=supervisor)
    assert selectors.project_get(slug=project.slug).percent_complete == 25
    assert Milestone.objects.get(pk=first.pk).completed_on == dt.date(2026, 1, 15)
    services.milestone_reopen(milestone=first, actor=supervisor)
    assert selectors.project_get(slug=project.slug).percent_complete == 0


def test_a_milestone_needs_a_title_a_date_and_a_sensible_weight(
    admin: User, highways: Department
) -> None:
    project = ProjectFactory(department=highways)
    with pytest.raises(InvalidInput) as raised:
        services.milestone_add(project=project, title="", due_date="", weight="0", actor=admin)
    assert {e.field for e in raised.value.errors} == {"title", "due_date", "weight"}


def test_a_status_update_changes_the_projects_status(
    supervisor: User, highways: Department
) -> None:
    project = ProjectFactory(department=highways, status="in-progress")
    update = services.status_update_post(
        project=project, text="Work paused for the frost.", status="paused", actor=supervisor
    )
    project.refresh_from_db()
    assert (project.status, update.status, update.posted_on) == (
        "paused",
        "paused",
        dt.date(2026, 1, 15),
    )


def test_spent_is_the_sum_of_the_projects_payments(departments: None) -> None:
    project = ProjectFactory(slug="mill-road", department=Department.objects.get(slug="highways"))
    MilestoneFactory(project=project, weight=2)  # milestones must not multiply the sum
    MilestoneFactory(project=project, weight=2, completed_on=dt.date(2025, 7, 1))
    import_spend(
        "2025-06-30,highways,Roads,Tarmac Works Ltd,no,,1000,PAY-1,mill-road",
        "2025-07-30,highways,Roads,Tarmac Works Ltd,no,,500.50,PAY-2,mill-road",
        "2025-07-30,highways,Roads,Tarmac Works Ltd,no,,99,PAY-3,",
    )
    summary = selectors.project_get(slug="mill-road")
    assert (summary.spent, summary.percent_complete) == (Decimal("1500.50"), 50)
    assert summary.remaining == Decimal("98499.50") and summary.share_spent == 2
