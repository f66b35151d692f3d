"""The auditor's list of staff reads: reads of someone with no open case stand out, and only
auditors and admins may see it."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory
from publica.cases.models import Case
from publica.cases.tests.factories import submit_pothole
from publica.core import clock
from publica.exchange.models import AccessRecord
from publica.exchange.services.reads import access_record_case_read

AUDIT = "/staff/access/"
MONDAY = dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def auditor(db):  # type: ignore[no-untyped-def]
    return UserFactory(role=Role.AUDITOR, first_name="Ada", last_name="Auditor")


@pytest.fixture
def reads(pothole, resident, caseworker):  # type: ignore[no-untyped-def]
    """A read of an open case on Monday, and on Wednesday one of a closed case."""
    open_case = submit_pothole(pothole, resident)
    closed = submit_pothole(pothole, UserFactory(role=Role.RESIDENT, last_name="Closedcase"))
    Case.objects.filter(pk=closed.pk).update(closed_at=MONDAY, state="repaired")
    closed.refresh_from_db()
    with clock.at(MONDAY):
        open_read = access_record_case_read(case=open_case, actor=caseworker)
    with clock.at(MONDAY + dt.timedelta(days=2)):
        unexplained = access_record_case_read(case=closed, actor=caseworker)
    return open_read, unexplained


def test_an_auditor_sees_the_read_without_an_open_case_highlighted(staff_client, auditor, reads):
    open_read, unexplained = reads
    page = staff_client(auditor).get(AUDIT).content.decode()
    assert unexplained.case.reference in page and "No open case" in page
    assert open_read.case.reference not in page
    assert "Closedcase" in page


def test_every_read_is_listed_on_request_newest_first(staff_client, auditor, reads):
    open_read, unexplained = reads
    page = staff_client(auditor).get(AUDIT, {"show": "all"}).content.decode()
    assert page.index(unexplained.case.reference) < page.index(open_read.case.reference)
    assert page.count("No open case</strong>") == 1


def test_the_dates_and_the_staff_member_narrow_the_list(staff_client, auditor, reads, supervisor):
    open_read, unexplained = reads
    signed_in = staff_client(auditor)
    monday = signed_in.get(AUDIT, {"show": "all", "from": "2026-11-16", "to": "2026-11-16"})
    assert open_read.case.reference in monday.content.decode()
    assert unexplained.case.reference not in monday.content.decode()
    someone_else = signed_in.get(AUDIT, {"show": "all", "staff": supervisor.pk})
    assert "No staff read matches these filters." in someone_else.content.decode()


def test_a_wrong_date_is_named_and_the_list_still_shows(staff_client, auditor, reads):
    response = staff_client(auditor).get(AUDIT, {"from": "16/11/2026", "staff": "x"})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<a href="#filter-from">Enter a real date, like 2026-11-21</a>' in page
    assert '<a href="#filter-staff">Choose a member of staff from the list</a>' in page
    assert reads[1].case.reference in page


def test_the_csv_has_the_rows_the_filters_chose(staff_client, auditor, reads, caseworker):
    response = staff_client(auditor).get(AUDIT, {"show": "all", "csv": "1"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["case"] for row in rows] == [reads[1].case.reference, reads[0].case.reference]
    assert [row["no_open_case"] for row in rows] == ["yes", "no"]
    assert rows[0]["staff_member"] == str(caseworker) and rows[0]["department"] == "Highways"
    assert [row["resident"] for row in rows] == [str(read.subject) for read in reversed(reads)]


def test_a_csv_cell_a_spreadsheet_would_run_is_quoted(staff_client, auditor, pothole):
    mischief = UserFactory(role=Role.RESIDENT, first_name="=HYPERLINK(1)", last_name="")
    case = submit_pothole(pothole, mischief)
    Case.objects.filter(pk=case.pk).update(closed_at=MONDAY)
    case.refresh_from_db()
    reader = UserFactory(role=Role.SUPERVISOR, department=case.department)
    access_record_case_read(case=case, actor=reader)
    response = staff_client(auditor).get(AUDIT, {"csv": "1"})
    [row] = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert row["resident"] == "'=HYPERLINK(1)"


def test_an_admin_may_see_it(staff_client, reads):
    admin = UserFactory(admin=True)
    assert staff_client(admin).get(AUDIT).status_code == 200


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.SUPERVISOR])
def test_caseworkers_and_supervisors_may_not(staff_client, highways, role):
    person = UserFactory(role=role, department=highways)
    assert staff_client(person).get(AUDIT).status_code == 403


def test_a_resident_or_someone_signed_out_may_not(client, resident):
    assert client.get(AUDIT)["Location"].startswith(reverse("staff:signin"))
    client.force_login(resident)
    assert client.get(AUDIT).status_code == 403
    assert not AccessRecord.objects.exists()
