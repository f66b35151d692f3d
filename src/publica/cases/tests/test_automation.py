"""Automation rules acting through the case engine: assign, flag, chains and their limit."""

from __future__ import annotations

import pytest

from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory
from publica.cases import services
from publica.cases.services import MAX_AUTOMATION_DEPTH
from publica.catalogue import servicefile
from publica.catalogue.services import service_load
from publica.core.errors import PermissionDenied
from publica.testing import LOADER

pytestmark = pytest.mark.django_db

PING_PONG = """
slug: ping-pong
title: Ping pong
summary: A service whose rules keep moving the case between two states.
kind: application
department: highways
reference_prefix: PP
sla: {days: 5}
form:
  schema:
    type: object
    properties:
      team: {type: string}
workflow:
  initial: ping
  states:
    ping: {label: Ping}
    pong: {label: Pong}
    done: {label: Done, outcome: resolved}
  transitions:
    - {from: ping, to: pong, roles: [automation]}
    - {from: pong, to: ping, roles: [automation]}
    - {from: [ping, pong], to: done, roles: [caseworker]}
automation:
  - {name: to-pong, on: [submitted, transitioned], when: 'case.state == "ping"',
     then: {transition: pong}}
  - {name: to-ping, on: [transitioned], when: 'case.state == "pong"', then: {transition: ping}}
  - {name: assign-night-team, when: 'has(data.team) && data.team == "night"',
     then: {assign: night.owl}}
"""


@pytest.fixture
def ping_pong(highways):
    return service_load(definition=servicefile.parse(PING_PONG), actor=LOADER).version.service


def test_rules_that_trigger_each_other_stop_at_the_depth_limit_and_say_so(ping_pong, resident):
    case = services.case_submit(service=ping_pong, data={}, actor=resident)
    moves = case.events.filter(kind="transitioned").count()
    assert moves == MAX_AUTOMATION_DEPTH
    failure = case.events.get(kind="rule_failed")
    assert "kept triggering each other" in failure.data["error"]


def test_rule_assigns_the_case_to_a_named_member_of_the_department(ping_pong, resident, highways):
    owl = UserFactory(username="night.owl", role=Role.CASEWORKER, department=highways)
    case = services.case_submit(service=ping_pong, data={"team": "night"}, actor=resident)
    assert case.assignee == owl
    assert case.events.get(kind="assigned").actor_label == "rule:assign-night-team"


def test_rule_assigning_someone_who_cannot_work_the_case_fails_visibly(
    ping_pong, resident, parking
):
    UserFactory(username="night.owl", role=Role.CASEWORKER, department=parking)
    case = services.case_submit(service=ping_pong, data={"team": "night"}, actor=resident)
    assert case.assignee is None
    failure = case.events.get(kind="rule_failed", data__rule="assign-night-team")
    assert "cannot work cases of Highways" in failure.data["error"]


def test_rule_assigning_an_unknown_person_fails_visibly(ping_pong, resident):
    case = services.case_submit(service=ping_pong, data={"team": "night"}, actor=resident)
    failure = case.events.get(kind="rule_failed", data__rule="assign-night-team")
    assert "no active staff member 'night.owl'" in failure.data["error"]


def test_people_cannot_take_a_step_reserved_for_automation(ping_pong, resident, caseworker):
    case = services.case_submit(service=ping_pong, data={}, actor=resident)
    target = "ping" if case.state == "pong" else "pong"
    with pytest.raises(PermissionDenied):
        services.case_transition(case=case, to=target, actor=caseworker)
