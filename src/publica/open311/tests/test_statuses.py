"""Workflow states as Open311 statuses and back: pure, no database."""

from __future__ import annotations

import pytest

from publica.cases.workflow import Workflow
from publica.catalogue import servicefile
from publica.open311 import statuses
from publica.testing import DEMO_SERVICES


def workflow_of(slug: str) -> Workflow:
    data = servicefile.parse_file(DEMO_SERVICES / f"{slug}.yaml").data
    return Workflow.from_definition(data["workflow"])


POTHOLE = workflow_of("pothole")
FLY_TIPPING = workflow_of("fly-tipping")


def status_of(workflow: Workflow, state: str) -> str:
    outcome = workflow.outcomes.get(state, "")
    return statuses.extended(state=state, outcome=outcome, initial=workflow.initial)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("submitted", "open"),
        ("inspecting", "investigating"),
        ("repair_scheduled", "action_scheduled"),
        ("repaired", "fixed"),
        ("no_action", "no_further_action"),
        ("duplicate", "duplicate"),
        ("withdrawn", "closed"),
    ],
)
def test_pothole_states_as_extended_statuses(state: str, expected: str) -> None:
    assert status_of(POTHOLE, state) == expected


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("investigating", "investigating"),
        ("clearance_booked", "action_scheduled"),
        ("cleared", "fixed"),
        ("landowner_responsible", "not_councils_responsibility"),
        ("not_found", "no_further_action"),
    ],
)
def test_fly_tipping_states_as_extended_statuses(state: str, expected: str) -> None:
    assert status_of(FLY_TIPPING, state) == expected


def test_an_open_state_with_no_telling_name_is_in_progress() -> None:
    assert statuses.extended(state="with_crew", outcome="", initial="new") == "in_progress"


def test_an_approved_case_is_closed() -> None:
    assert statuses.extended(state="granted", outcome="approved", initial="new") == "closed"


def test_basic_status_is_open_or_closed() -> None:
    assert statuses.basic(closed=False) == "open"
    assert statuses.basic(closed=True) == "closed"


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("FIXED", "fixed"),
        ("IN_PROGRESS", "in_progress"),
        ("in progress", "in_progress"),
        ("Not councils responsibility", "not_councils_responsibility"),
        ("planned", "action_scheduled"),
        ("REOPEN", "reopen"),
        ("finished", None),
        ("", None),
    ],
)
def test_statuses_are_read_as_fixmystreet_writes_them(sent: str, expected: str | None) -> None:
    assert statuses.parse(sent) == expected


@pytest.mark.parametrize(
    ("state", "status", "target"),
    [
        ("repair_scheduled", "fixed", "repaired"),
        ("repair_scheduled", "closed", "repaired"),
        ("submitted", "investigating", "inspecting"),
        ("submitted", "action_scheduled", "repair_scheduled"),
        ("inspecting", "duplicate", "duplicate"),
        ("inspecting", "no_further_action", "no_action"),
        ("submitted", "fixed", None),  # no step from submitted straight to repaired
        ("submitted", "open", None),
        ("repair_scheduled", "action_scheduled", None),  # already there
        ("repaired", "reopen", None),
    ],
)
def test_a_status_moves_a_pothole_only_along_a_supervisors_step(
    state: str, status: str, target: str | None
) -> None:
    assert statuses.target(POTHOLE, state, status, "supervisor") == target


def test_a_status_never_takes_a_step_the_role_may_not_take() -> None:
    # Only the applicant may withdraw; a supervisor's "closed" never picks that step.
    assert statuses.target(POTHOLE, "submitted", "closed", "supervisor") is None
    assert statuses.target(POTHOLE, "submitted", "investigating", "applicant") is None


def test_not_councils_responsibility_refers_fly_tipping_to_the_landowner() -> None:
    target = statuses.target(FLY_TIPPING, "submitted", "not_councils_responsibility", "supervisor")

    assert target == "landowner_responsible"
