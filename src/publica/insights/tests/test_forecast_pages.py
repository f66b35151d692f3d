"""The forecast page: chart and table for each service, the CSV behind them, who sees which
services, and setting the minutes a case takes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.test import Client

from publica.accounts.models import Department, User
from publica.accounts.roles import Role
from publica.accounts.tests.factories import DepartmentFactory, UserFactory
from publica.catalogue.models import Service
from publica.core import clock
from publica.core.actors import SCHEDULER
from publica.insights.models import DailyFigures, HandlingTime
from publica.insights.services.forecasts import forecasts_make

StaffClient = Any  # the `staff_client` fixture: sign a person in, get a client
PAGE = "/staff/insights/forecast/"
SET_MINUTES = "/staff/insights/forecast/handling-time/"


@pytest.fixture
def admin(db: None) -> User:
    return UserFactory(admin=True)  # type: ignore[return-value]


def this_monday() -> dt.date:
    today = clock.now().date()
    return today - dt.timedelta(days=today.weekday())


def weeks_of_cases(service: Service, weeks: int, per_week: int = 10) -> None:
    """`per_week` cases on the Wednesday of each of the `weeks` weeks before this one."""
    for n in range(1, weeks + 1):
        DailyFigures.objects.create(
            day=this_monday() - dt.timedelta(weeks=n) + dt.timedelta(days=2),
            service=service, department=service.department, channel="portal", opened=per_week,
        )  # fmt: skip


@pytest.fixture
def forecast_made(pothole: Service) -> Service:
    weeks_of_cases(pothole, 30)
    forecasts_make(actor=SCHEDULER)
    return pothole


def test_the_page_needs_a_signed_in_member_of_staff(client: Client, resident: User) -> None:
    assert client.get(PAGE).status_code == 302
    client.force_login(resident)
    assert client.get(PAGE).status_code == 403


def test_the_page_shows_each_forecast_as_a_chart_and_a_table(
    staff_client: StaffClient, caseworker: User, forecast_made: Service
) -> None:
    response = staff_client(caseworker).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert forecast_made.title in html
    assert 'class="history"' in html and 'class="forecast"' in html and 'class="interval"' in html
    first_week = this_monday().isoformat()
    assert f'<th scope="row" class="govuk-table__header">{first_week}</th>' in html
    assert "Expected cases" in html and "Staff hours" in html
    assert 'id="figure-forecast-summary"' in html


def test_the_page_gives_the_backtest_error_in_words(
    staff_client: StaffClient, caseworker: User, forecast_made: Service
) -> None:
    html = staff_client(caseworker).get(PAGE).content.decode()
    assert (
        "In a test on the 8 weeks before the forecast was made, it was off by 0.0 cases a week "
        "on average (0 %); 8 of 8 weeks fell inside the range." in html
    )
    assert "from 30 weeks of cases. Method: Exponential smoothing (ETS)" in html
    assert "Staff hours use 30 minutes a case (the default)." in html


def test_a_service_with_too_little_history_is_said_to_have_none(
    staff_client: StaffClient, caseworker: User, pothole: Service
) -> None:
    weeks_of_cases(pothole, 5)
    assert forecasts_make(actor=SCHEDULER) == []
    html = staff_client(caseworker).get(PAGE).content.decode()
    assert "Services without a forecast" in html
    assert "Not enough history to forecast: 5 complete weeks of cases" in html
    assert "<svg" not in html


def test_a_figure_downloads_as_csv(
    staff_client: StaffClient, caseworker: User, forecast_made: Service
) -> None:
    response = staff_client(caseworker).get(PAGE, {"csv": f"forecast-{forecast_made.slug}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["Week starting", "New cases", "Expected cases",
                           "Low (80% range)", "High (80% range)"]  # fmt: skip
    assert len(rows) == 1 + 30 + 8
    so_far, ahead = rows[30], rows[31]
    assert so_far[1] == "10" and so_far[2] == ""
    assert ahead[0] == this_monday().isoformat() and ahead[1] == ""
    assert float(ahead[2]) == pytest.approx(10, abs=0.1)
    assert float(ahead[5]) == pytest.approx(5, abs=0.1)  # 10 cases at 30 minutes


def test_the_summary_adds_up_the_services_week_by_week(
    staff_client: StaffClient, caseworker: User, pothole: Service
) -> None:
    weeks_of_cases(pothole, 30, per_week=20)
    forecasts_make(actor=SCHEDULER)
    response = staff_client(caseworker).get(PAGE, {"csv": "forecast-summary"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Week starting", "Expected cases", "Staff hours"]
    assert len(rows) == 9
    assert float(rows[1][1]) == pytest.approx(20, abs=0.1)
    assert float(rows[1][2]) == pytest.approx(10, abs=0.1)


def test_an_unknown_figure_is_not_found(
    staff_client: StaffClient, caseworker: User, forecast_made: Service
) -> None:
    assert staff_client(caseworker).get(PAGE, {"csv": "nothing"}).status_code == 404


def test_caseworkers_see_only_their_departments_services(
    staff_client: StaffClient,
    caseworker: User,
    forecast_made: Service,
    parking_permit: Service,
) -> None:
    weeks_of_cases(parking_permit, 30)
    forecasts_make(actor=SCHEDULER)
    client = staff_client(caseworker)
    html = client.get(PAGE).content.decode()
    assert f"figure-forecast-{forecast_made.slug}" in html
    assert f"figure-forecast-{parking_permit.slug}" not in html
    assert parking_permit.title not in html
    csv_of_other = client.get(PAGE, {"csv": f"forecast-{parking_permit.slug}"})
    assert csv_of_other.status_code == 404


def test_an_admin_sees_every_department_and_may_narrow_to_one_service(
    staff_client: StaffClient, admin: User, forecast_made: Service, parking_permit: Service
) -> None:
    weeks_of_cases(parking_permit, 30)
    forecasts_make(actor=SCHEDULER)
    client = staff_client(admin)
    html = client.get(PAGE).content.decode()
    assert f"figure-forecast-{forecast_made.slug}" in html
    assert f"figure-forecast-{parking_permit.slug}" in html
    html = client.get(PAGE, {"service": parking_permit.pk}).content.decode()
    assert f"figure-forecast-{forecast_made.slug}" not in html
    assert f"figure-forecast-{parking_permit.slug}" in html


def test_a_service_of_another_department_is_an_error_beside_the_select(
    staff_client: StaffClient, caseworker: User, forecast_made: Service, parking_permit: Service
) -> None:
    response = staff_client(caseworker).get(PAGE, {"service": parking_permit.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and 'href="#filter-service"' in html
    assert "Choose a service from the list" in html
    assert f"figure-forecast-{forecast_made.slug}" in html  # the page still shows figures


# Minutes per case


def test_the_supervisor_sets_the_minutes_and_the_staff_hours_follow(
    staff_client: StaffClient, supervisor: User, forecast_made: Service
) -> None:
    client = staff_client(supervisor)
    assert 'id="minutes-' in client.get(PAGE).content.decode()
    response = client.post(SET_MINUTES, {"service": forecast_made.pk, "minutes": "90"})
    assert response.status_code == 302 and response["Location"] == PAGE
    assert HandlingTime.objects.get(service=forecast_made).minutes == 90
    html = client.get(PAGE).content.decode()
    assert "a case now takes 90 minutes of staff time" in html
    assert "Staff hours use 90 minutes a case." in html
    rows = list(csv.reader(io.StringIO(
        client.get(PAGE, {"csv": f"forecast-{forecast_made.slug}"}).content.decode()
    )))  # fmt: skip
    assert float(rows[-1][5]) == pytest.approx(15, abs=0.1)  # 10 cases at 90 minutes


def test_setting_the_minutes_goes_back_to_the_service_shown(
    staff_client: StaffClient, admin: User, forecast_made: Service
) -> None:
    response = staff_client(admin).post(
        SET_MINUTES, {"service": forecast_made.pk, "minutes": "12", "shown": forecast_made.pk}
    )
    assert response["Location"] == f"{PAGE}?service={forecast_made.pk}"


@pytest.mark.parametrize(
    ("entered", "message"),
    [
        ("", "Enter the minutes as a whole number"),
        ("ten", "Enter the minutes as a whole number"),
        ("-5", "Enter the minutes as a whole number"),
        ("0", "Enter a number of minutes from 1 to 1440"),
        ("1441", "Enter a number of minutes from 1 to 1440"),
        ("99999999999", "Enter the minutes as a whole number"),
    ],
)
def test_wrong_minutes_are_an_error_beside_the_field(
    staff_client: StaffClient,
    supervisor: User,
    forecast_made: Service,
    entered: str,
    message: str,
) -> None:
    response = staff_client(supervisor).post(
        SET_MINUTES, {"service": forecast_made.pk, "minutes": entered}
    )
    assert response.status_code == 200
    html = response.content.decode()
    field = f"minutes-{forecast_made.pk}"
    assert "govuk-error-summary" in html and f'href="#{field}"' in html
    assert re.search(rf'<p class="govuk-error-message" id="{field}-error">.*{message}', html)
    assert f'value="{entered}"' in html  # what was typed stays in the field
    assert "<title>Error:" in html
    assert not HandlingTime.objects.exists()


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.AUDITOR])
def test_other_staff_may_not_set_the_minutes(
    staff_client: StaffClient, highways: Department, forecast_made: Service, role: Role
) -> None:
    client = staff_client(UserFactory(role=role, department=highways))
    assert 'id="minutes-' not in client.get(PAGE).content.decode()
    response = client.post(SET_MINUTES, {"service": forecast_made.pk, "minutes": "45"})
    assert response.status_code == 403
    assert "You cannot do this" in response.content.decode()
    assert not HandlingTime.objects.exists()


def test_a_supervisor_may_not_set_another_departments_minutes(
    staff_client: StaffClient, forecast_made: Service
) -> None:
    parks = DepartmentFactory(slug="parks")
    client = staff_client(UserFactory(role=Role.SUPERVISOR, department=parks))
    response = client.post(SET_MINUTES, {"service": forecast_made.pk, "minutes": "oops"})
    assert response.status_code == 403
    assert not HandlingTime.objects.exists()


def test_setting_the_minutes_of_no_such_service_is_not_found(
    staff_client: StaffClient, admin: User
) -> None:
    client = staff_client(admin)
    assert client.post(SET_MINUTES, {"service": "999999", "minutes": "5"}).status_code == 404
    assert client.post(SET_MINUTES, {"service": "x", "minutes": "5"}).status_code == 404


def test_opening_the_minutes_address_goes_on_to_the_forecast(
    staff_client: StaffClient, admin: User
) -> None:
    response = staff_client(admin).get(SET_MINUTES, {"csv": "forecast-summary"})
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}?csv=forecast-summary"
