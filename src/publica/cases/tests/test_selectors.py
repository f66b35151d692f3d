"""Queues and reads: each person sees exactly what their role allows."""

from __future__ import annotations

import datetime as dt

import pytest

from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory
from publica.cases import selectors, services
from publica.cases.tests.factories import submit_permit, submit_pothole
from publica.core import clock
from publica.core.errors import NotFound, PermissionDenied

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def both(pothole, parking_permit, resident):
    with clock.at(START):
        road = submit_pothole(pothole, resident)
        permit = submit_permit(parking_permit, resident, street="Nowhere Road")
    return road, permit


def test_caseworker_queue_holds_only_their_departments_cases(both, caseworker):
    road, _ = both
    assert list(selectors.case_queue(actor=caseworker)) == [road]


def test_admin_and_auditor_see_every_case(both):
    for person in (UserFactory(admin=True), UserFactory(auditor=True)):
        assert selectors.case_queue(actor=person).count() == 2


def test_resident_cannot_read_another_residents_case(both):
    road, _ = both
    stranger = UserFactory(role=Role.RESIDENT)
    with pytest.raises(NotFound):
        selectors.case_get(reference=road.reference, actor=stranger)
    with pytest.raises(PermissionDenied):
        selectors.case_timeline(case=road, actor=stranger)
    assert not selectors.case_list(actor=stranger).exists()


def test_resident_finds_their_own_case_by_reference_in_any_case(both, resident):
    road, _ = both
    assert selectors.case_get(reference=road.reference.lower(), actor=resident) == road
    assert selectors.case_list(actor=resident).count() == 2


def test_service_designer_sees_no_cases(both):
    assert not selectors.case_queue(actor=UserFactory(designer=True)).exists()


def test_queue_puts_urgent_first_then_the_earliest_due(pothole, resident, caseworker):
    with clock.at(START):
        normal = submit_pothole(pothole, resident)
        urgent = submit_pothole(pothole, resident, road_type="main", depth_mm=80)
    with clock.at(START - dt.timedelta(days=4)):  # the Thursday before
        earlier = submit_pothole(pothole, resident)
    assert list(selectors.case_queue(actor=caseworker)) == [urgent, earlier, normal]


def test_queue_filters_overdue_state_flagged_and_assignee(pothole, resident, caseworker):
    with clock.at(START):
        late = submit_pothole(pothole, resident)
    with clock.at(START + dt.timedelta(days=20)):
        fresh = submit_pothole(pothole, resident)
        services.case_assign(case=fresh, assignee=caseworker, actor=caseworker)
        services.case_flag(case=late, reason="Check", actor=caseworker)
        now = clock.now()
    queue = dict(actor=caseworker, now=now)
    assert list(selectors.case_queue(**queue, overdue=True)) == [late]
    assert list(selectors.case_queue(**queue, overdue=False)) == [fresh]
    assert list(selectors.case_queue(**queue, flagged=True)) == [late]
    assert list(selectors.case_queue(**queue, assignee=caseworker)) == [fresh]
    assert list(selectors.case_queue(**queue, state="inspecting")) == []
    assert selectors.case_queue(**queue, department="highways", service="pothole").count() == 2


def test_closed_cases_leave_the_queue_unless_asked_for(pothole, resident, caseworker):
    case = submit_pothole(pothole, resident)
    services.case_transition(case=case, to="no_action", actor=caseworker, reason="Fine")
    assert not selectors.case_queue(actor=caseworker).exists()
    assert selectors.case_queue(actor=caseworker, include_closed=True).count() == 1


def test_queue_pages_follow_each_other_without_gaps_or_repeats(pothole, resident, caseworker):
    with clock.at(START):  # the same due time for every case: the id breaks the ties
        made = [submit_pothole(pothole, resident) for _ in range(7)]
    seen, cursor = [], ""
    while True:
        page = selectors.case_queue_page(actor=caseworker, after=cursor, size=3)
        seen += [case.pk for case in page.cases]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [case.pk for case in made]


def test_queue_page_views_and_search(pothole, resident, caseworker):
    with clock.at(START):
        mine = submit_pothole(pothole, resident, description="Near the old mill wheel")
        other = submit_pothole(pothole, resident)
        services.case_assign(case=mine, assignee=caseworker, actor=caseworker)
    assert [c.pk for c in selectors.case_queue_page(actor=caseworker, view="mine").cases] == [
        mine.pk
    ]
    unassigned = selectors.case_queue_page(actor=caseworker, view="unassigned").cases
    assert [c.pk for c in unassigned] == [other.pk]
    found = selectors.case_queue_page(actor=caseworker, search="mill wheel").cases
    assert [c.pk for c in found] == [mine.pk]
    by_reference = selectors.case_queue_page(actor=caseworker, search=other.reference.lower())
    assert [c.pk for c in by_reference.cases] == [other.pk]
    assert selectors.case_queue_page(actor=caseworker, after="not-a-cursor").cases
