"""The public pages: open without signing in, filtered, and never naming an individual."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client

from publica.accounts.models import Department
from publica.spending.tests.factories import (
    BudgetLineFactory,
    MilestoneFactory,
    ProjectFactory,
    SpendFactory,
)

#: A name that must never reach a page (invented; stands for a private individual's).
PRIVATE_NAME = "Alex Example-Carer"


@pytest.fixture
def accounts(highways: Department, parking: Department) -> None:
    BudgetLineFactory(department=highways, programme="Road maintenance", amount=Decimal(1000))
    BudgetLineFactory(department=highways, programme="Street lighting", amount=Decimal(400))
    BudgetLineFactory(department=parking, programme="Enforcement", amount=Decimal(200))
    BudgetLineFactory(department=parking, programme="Enforcement", amount=Decimal(50),
                      financial_year=2024)  # fmt: skip
    SpendFactory(department=highways, programme="Road maintenance", amount=Decimal(600),
                 supplier="Tarmac Works Ltd", reference="PAY-1")  # fmt: skip
    SpendFactory(department=highways, programme="Street lighting", amount=Decimal(500),
                 supplier="Bright Lamps Ltd", reference="PAY-2")  # fmt: skip
    # Stored with a name as if it came from elsewhere: the pages must redact it anyway.
    SpendFactory(department=parking, programme="Enforcement", amount=Decimal(80),
                 supplier=PRIVATE_NAME, payee_is_individual=True, reference="PAY-3")  # fmt: skip


def cells(html: str) -> list[str]:
    """Each table cell's text, without what only screen readers hear."""
    html = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", html)
    found = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in found]


def test_the_budget_page_compares_planned_and_spent_without_signing_in(
    client: Client, accounts: None
) -> None:
    response = client.get("/opendata/budget/")
    assert response.status_code == 200
    html = response.content.decode()
    row = cells(html)
    start = row.index("Road maintenance")
    assert row[start - 1 : start + 5] == ["Highways", "Road maintenance", "£1,000.00", "£600.00",
                                          "£400.00", "60%"]  # fmt: skip
    assert "Over budget" in html  # street lighting: 500 spent of 400
    assert "<svg" in html and 'role="img"' in html
    assert "£1,600.00" in row and "£1,180.00" in row  # the totals


def test_the_budget_page_filters_by_year_department_and_programme(
    client: Client, accounts: None
) -> None:
    html = client.get("/opendata/budget/?year=2025-26&department=highways").content.decode()
    assert "Street lighting" in cells(html) and "Enforcement" not in cells(html)
    html = client.get("/opendata/budget/?year=2025-26&programme=Enforcement").content.decode()
    assert "Enforcement" in cells(html) and "Road maintenance" not in cells(html)
    html = client.get("/opendata/budget/?year=2024-25").content.decode()
    assert "£50.00" in cells(html) and "£200.00" not in cells(html)


def test_the_spending_page_lists_payments_and_redacts_individuals(
    client: Client, accounts: None
) -> None:
    html = client.get("/opendata/spending/").content.decode()
    assert "Tarmac Works Ltd" in html and "PAY-3" in html
    assert "Redacted: individual" in html
    assert PRIVATE_NAME not in html


def test_searching_for_an_individuals_name_finds_nothing(client: Client, accounts: None) -> None:
    html = client.get("/opendata/spending/", {"supplier": "Example-Carer"}).content.decode()
    assert "PAY-3" not in html and "No payments match" in html


def test_the_spending_page_filters_and_pages(client: Client, accounts: None) -> None:
    html = client.get("/opendata/spending/?department=parking").content.decode()
    assert "PAY-3" in html and "PAY-1" not in html
    html = client.get("/opendata/spending/?supplier=bright").content.decode()
    assert "PAY-2" in html and "PAY-1" not in html
    highways = Department.objects.get(slug="highways")
    SpendFactory.create_batch(60, department=highways, date=dt.date(2025, 5, 1))
    first = client.get("/opendata/spending/?department=highways").content.decode()
    assert "Page 1 of 2" in first and "department=highways&amp;page=2" in first
    second = client.get("/opendata/spending/?department=highways&page=2").content.decode()
    assert "PAY-1" in first and "PAY-1" not in second


def test_the_projects_page_shows_status_completion_and_spend(
    client: Client, highways: Department
) -> None:
    project = ProjectFactory(title="Mill Road resurfacing", slug="mill-road", department=highways)
    MilestoneFactory(project=project, weight=1, completed_on=dt.date(2025, 6, 1))
    MilestoneFactory(project=project, weight=3)
    SpendFactory(department=highways, project=project, amount=Decimal(25000))
    ProjectFactory(title="New library", status="planned", department=highways)
    html = client.get("/opendata/projects/").content.decode()
    row = cells(html)
    start = row.index("Mill Road resurfacing")
    assert row[start : start + 6] == ["Mill Road resurfacing", "Mill Road", "In progress", "25%",
                                      "£100,000.00", "£25,000.00 (25%)"]  # fmt: skip
    assert "No milestones yet" in html and "publica-point-map" in html
    planned = client.get("/opendata/projects/?status=planned").content.decode()
    assert "New library" in planned and "Mill Road resurfacing" not in planned


def test_a_project_page_shows_milestones_updates_location_and_payments(
    client: Client, highways: Department
) -> None:
    project = ProjectFactory(title="Mill Road resurfacing", slug="mill-road", department=highways)
    MilestoneFactory(project=project, title="Survey the road", completed_on=dt.date(2025, 6, 1))
    project.updates.create(posted_on=dt.date(2025, 6, 2), text="The survey is done.",
                           status="in-progress", posted_at=project.created_at)  # fmt: skip
    SpendFactory(department=highways, project=project, supplier=PRIVATE_NAME,
                 payee_is_individual=True)  # fmt: skip
    html = client.get("/opendata/projects/mill-road/").content.decode()
    assert "Survey the road" in html and "The survey is done." in html
    assert "openstreetmap.org/?mlat=52.03120&amp;mlon=-0.98760" in html
    assert "100%" in html and "weighted" in html
    assert "Redacted: individual" in html and PRIVATE_NAME not in html


def test_an_unknown_project_is_not_found(client: Client, db: None) -> None:
    assert client.get("/opendata/projects/no-such-project/").status_code == 404


def test_pages_with_no_data_yet_still_render(client: Client, db: None) -> None:
    for url in ("/opendata/budget/", "/opendata/spending/", "/opendata/projects/"):
        assert client.get(url).status_code == 200
