"""The `publica` command, run in-process against the test database."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from django.utils import timezone

from publica.cases.tests.factories import submit_pothole
from publica.catalogue.models import Service
from publica.cli import main
from publica.core import clock
from publica.testing import DEMO_SERVICES

pytestmark = pytest.mark.django_db


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_services_validate_accepts_the_demo_catalogue():
    result = run("services", "validate", str(DEMO_SERVICES))
    assert result.exit_code == 0, result.output
    assert "17 service file(s) OK" in result.output


def test_services_validate_prints_file_line_and_field_and_fails(tmp_path):
    broken = tmp_path / "pothole.yaml"
    broken.write_text(
        (DEMO_SERVICES / "pothole.yaml").read_text().replace("kind: report", "kind: x")
    )
    result = run("services", "validate", str(broken))
    assert result.exit_code == 1
    assert f"{broken}:13: kind: 'x' is not one of" in result.output
    assert "1 of 1 file(s) have errors" in result.output


def test_services_load_then_list(highways):
    result = run("services", "load", str(DEMO_SERVICES / "pothole.yaml"))
    assert "pothole: v1 (new version)" in result.stdout.splitlines()
    again = run("services", "load", str(DEMO_SERVICES / "pothole.yaml"))
    assert "pothole: v1 (unchanged)" in again.stdout.splitlines()
    listing = run("services", "list")
    assert listing.stdout.split()[:3] == ["pothole", "v1", "report"]


def test_services_load_refuses_a_folder_with_errors_and_loads_nothing(highways, tmp_path):
    (tmp_path / "a.yaml").write_text((DEMO_SERVICES / "pothole.yaml").read_text())
    (tmp_path / "b.yaml").write_text("slug: [")
    result = run("services", "load", str(tmp_path))
    assert result.exit_code == 1
    assert "nothing was loaded" in result.output
    assert not Service.objects.exists()


@pytest.mark.django_db(transaction=True)  # the task worker commits as it goes, as in production
def test_worker_once_escalates_overdue_cases(pothole, resident):
    with clock.at(timezone.now() - dt.timedelta(days=60)):
        case = submit_pothole(pothole, resident)
    result = run("worker", "--once")
    assert result.exit_code == 0
    assert "sla-escalation: 1" in result.output
    assert case.events.filter(kind="escalated").exists()


def test_other_names_go_to_djangos_management_commands():
    result = run("check", "--fail-level", "ERROR")
    assert "System check identified no issues" in result.output


def test_sensor_rules_load_from_a_file_or_name_every_problem(tmp_path):
    from publica.accounts.tests.factories import DepartmentFactory
    from publica.core.actors import SystemActor
    from publica.demo.load import SERVICES_DIR
    from publica.sensors.demo import load_demo_things
    from publica.sensors.models import SensorRule
    from publica.testing import load_demo_service

    DepartmentFactory(slug="waste", name="Waste and Street Scene")
    load_demo_service("sensor-maintenance")
    load_demo_things(actor=SystemActor("test"))
    bad = tmp_path / "rules.yaml"
    bad.write_text("rules:\n  - name: Bad Name\n    kind: sometimes\n")
    result = run("sensors", "rules", "load", str(bad))
    assert result.exit_code == 1 and "rules[0]" in result.output
    assert not SensorRule.objects.exists()
    result = run("sensors", "rules", "load", str(SERVICES_DIR.parent / "sensor-rules.yaml"))
    assert result.exit_code == 0, result.output
    assert SensorRule.objects.count() == 4
