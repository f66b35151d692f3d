"""The demo town loads through the real service functions, and loading twice changes nothing."""

from __future__ import annotations

import pytest

from publica.accounts.models import Department, User
from publica.cases.models import Case, CaseEvent
from publica.catalogue.models import Service, ServiceVersion
from publica.demo.load import load_demo
from tests.test_cli import run

pytestmark = pytest.mark.django_db

EXPECTED_SLUGS = {
    "pothole", "streetlight", "missed-bin", "fly-tipping", "graffiti", "noise", "fallen-tree",
    "blocked-drain", "parking-permit", "business-licence", "building-permit", "street-event",
    "council-tax-reduction", "bulky-waste", "blue-badge", "foi-request", "sensor-maintenance",
}  # fmt: skip


def test_demo_loads_every_service_with_staff_and_a_year_of_cases_once():
    first = load_demo(cases=60, seed=7)
    counts = (Case.objects.count(), CaseEvent.objects.count(), ServiceVersion.objects.count())
    second = load_demo(cases=60, seed=7)
    assert first.startswith("Demo loaded: 17 services")
    assert second.startswith("Demo already loaded")
    assert (Case.objects.count(), CaseEvent.objects.count(), ServiceVersion.objects.count()) == (
        counts
    )
    assert set(Service.objects.values_list("slug", flat=True)) == EXPECTED_SLUGS
    assert counts[0] == 60 + 3  # and three claims on one account, to show a review flag
    assert all(department.supervisor for department in Department.objects.all())
    assert User.objects.filter(username="admin", role="admin").exists()


def test_demo_cases_have_real_timelines_spread_over_the_past_year():
    load_demo(cases=60, seed=7)
    oldest = Case.objects.order_by("submitted_at").first()
    newest = Case.objects.order_by("submitted_at").last()
    assert (newest.submitted_at - oldest.submitted_at).days > 180  # type: ignore[union-attr]
    assert Case.objects.filter(closed_at__isnull=False).exists()
    assert Case.objects.filter(closed_at__isnull=True).exists()
    for case in Case.objects.all():
        times = list(case.events.values_list("created_at", flat=True))
        assert times == sorted(times)
        assert case.events.first().kind == "submitted"  # type: ignore[union-attr]


def test_publica_demo_command_shows_progress_and_a_summary():
    result = run("demo", "--cases", "5")
    assert "Creating past cases" in result.output
    assert "Demo loaded: 17 services" in result.output
