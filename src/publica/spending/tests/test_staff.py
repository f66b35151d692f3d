"""The back office's spending pages: who may import and manage, and the import's errors."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from publica.accounts.models import Department, User
from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory
from publica.core import clock
from publica.spending.models import BudgetLine, Milestone, Project, SpendTransaction
from publica.spending.tests.factories import (
    BUDGET_HEADER,
    SPEND_HEADER,
    MilestoneFactory,
    ProjectFactory,
    csv_file,
)

StaffClient = Any  # the `staff_client` fixture: sign a person in, get a client


def upload(client: Client, kind: str, data: bytes, name: str = "file.csv") -> Any:
    return client.post(f"/staff/spending/import/{kind}/",
                       {"file": SimpleUploadedFile(name, data, "text/csv")})  # fmt: skip


def test_the_pages_need_a_signed_in_member_of_staff(client: Client, resident: User) -> None:
    assert client.get("/staff/spending/").status_code == 302
    client.force_login(resident)
    assert client.get("/staff/spending/").status_code == 403


def test_an_admin_imports_a_budget_and_sees_it_listed(
    staff_client: StaffClient, admin: User, highways: Department
) -> None:
    client = staff_client(admin)
    data = csv_file(BUDGET_HEADER, "2025-26,highways,Road maintenance,,,1000")
    response = upload(client, "budget", data, "budget-2025.csv")
    assert response.status_code == 302
    assert BudgetLine.objects.count() == 1
    page = client.get("/staff/spending/").content.decode()
    assert "Imported 1 rows from budget-2025.csv" in page and "2025-26" in page


def test_the_upload_page_lists_every_error_with_its_row_and_column(
    staff_client: StaffClient, admin: User, highways: Department
) -> None:
    client = staff_client(admin)
    data = csv_file(
        SPEND_HEADER,
        "2025-06-30,highways,Roads,Tarmac Works Ltd,no,,1,PAY-1,",
        "2025-06-31,highways,Roads,Tarmac Works Ltd,no,,ten,PAY-2,",
        "2025-06-30,libraries,Roads,Tarmac Works Ltd,no,,1,PAY-1,",
    )
    response = upload(client, "spend", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and "Nothing was imported" in html
    assert "Row 3, column date:" in html and "Row 3, column amount:" in html
    assert "Row 4, column department:" in html and "Row 4, column reference:" in html
    rows = re.findall(r'<tr class="govuk-table__row" id="problem-\d+">(.*?)</tr>', html, re.S)
    assert len(rows) == 4
    assert not SpendTransaction.objects.exists()


def test_a_missing_file_is_an_error_beside_the_input(
    staff_client: StaffClient, admin: User
) -> None:
    html = staff_client(admin).post("/staff/spending/import/budget/").content.decode()
    assert 'href="#problem-1"' in html and "Choose a CSV file" in html


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.CASEWORKER, Role.AUDITOR])
def test_only_admins_may_import(
    staff_client: StaffClient, highways: Department, role: Role
) -> None:
    person = UserFactory(role=role, department=highways if role != Role.AUDITOR else None)
    client = staff_client(person)
    assert client.get("/staff/spending/import/budget/").status_code == 403
    data = csv_file(BUDGET_HEADER, "2025-26,highways,Roads,,,1")
    assert upload(client, "budget", data).status_code == 403
    assert not BudgetLine.objects.exists()


def test_a_supervisor_creates_a_project_in_their_department(
    staff_client: StaffClient, supervisor: User, parking: Department
) -> None:
    client = staff_client(supervisor)
    form = {"title": "Mill Road resurfacing", "slug": "", "summary": "A new surface.",
            "department": "highways", "status": "planned", "budget": "250000",
            "place_name": "Mill Road", "latitude": "52.03", "longitude": "-0.98",
            "start_date": "2026-04-01", "expected_end_date": "2026-09-30"}  # fmt: skip
    page = client.get("/staff/spending/projects/new/").content.decode()
    assert 'value="highways"' in page and 'value="parking"' not in page
    response = client.post("/staff/spending/projects/new/", form)
    assert response.status_code == 302
    assert Project.objects.get().slug == "mill-road-resurfacing"
    wrong = client.post("/staff/spending/projects/new/", {**form, "department": "parking"})
    assert "Choose your own department" in wrong.content.decode()


def test_the_project_form_lists_its_errors_in_a_summary(
    staff_client: StaffClient, admin: User
) -> None:
    html = staff_client(admin).post("/staff/spending/projects/new/", {"title": ""}).content.decode()
    summary = html.split('govuk-error-summary__list">')[1].split("</ul>")[0]
    assert re.findall(r'href="#(\w+)"', summary) == [
        "title", "slug", "summary", "department", "status", "budget", "place_name"]  # fmt: skip


def test_a_supervisor_manages_milestones_and_updates(
    staff_client: StaffClient, supervisor: User, highways: Department
) -> None:
    client = staff_client(supervisor)
    project = ProjectFactory(slug="mill-road", department=highways)
    base = "/staff/spending/projects/mill-road/"
    response = client.post(base, {"action": "milestone", "title": "Survey",
                                  "due_date": "2026-05-01", "weight": "2"})  # fmt: skip
    assert response.status_code == 302
    milestone = Milestone.objects.get(project=project)
    with clock.at(dt.datetime(2026, 5, 2, 9, tzinfo=dt.UTC)):
        client.post(f"{base}milestones/{milestone.pk}/complete/")
    milestone.refresh_from_db()
    assert milestone.completed_on == dt.date(2026, 5, 2)
    client.post(base, {"action": "update", "text": "Survey done.", "status": "in-progress"})
    project.refresh_from_db()
    assert project.status == "in-progress" and project.updates.get().text == "Survey done."
    public = client.get("/opendata/projects/mill-road/").content.decode()
    assert "Survey done." in public and "100%" in public


def test_a_bad_milestone_is_sent_back_with_its_errors(
    staff_client: StaffClient, admin: User, highways: Department
) -> None:
    ProjectFactory(slug="mill-road", department=highways)
    html = (
        staff_client(admin)
        .post(
            "/staff/spending/projects/mill-road/",
            {"action": "milestone", "title": "", "due_date": "soon", "weight": "0"},
        )
        .content.decode()
    )
    assert 'href="#milestone-title"' in html and 'href="#milestone-due_date"' in html
    assert 'id="milestone-weight-error"' in html


def test_a_supervisor_cannot_manage_another_departments_project(
    staff_client: StaffClient, supervisor: User, parking: Department
) -> None:
    project = ProjectFactory(slug="car-park", department=parking)
    milestone = MilestoneFactory(project=project)
    client = staff_client(supervisor)
    assert client.get("/staff/spending/projects/car-park/").status_code == 403
    assert client.get("/staff/spending/projects/car-park/edit/").status_code == 403
    assert (
        client.post(
            f"/staff/spending/projects/car-park/milestones/{milestone.pk}/complete/"
        ).status_code
        == 403
    )
    milestone.refresh_from_db()
    assert milestone.completed_on is None


def test_a_caseworker_sees_projects_but_cannot_add_one(
    staff_client: StaffClient, caseworker: User, highways: Department
) -> None:
    ProjectFactory(slug="mill-road", title="Mill Road", department=highways)
    client = staff_client(caseworker)
    page = client.get("/staff/spending/").content.decode()
    assert "Mill Road" in page and "Add a project" not in page and "Import a budget" not in page
    assert client.get("/staff/spending/projects/new/").status_code == 403
    assert client.get("/staff/spending/projects/mill-road/").status_code == 403
