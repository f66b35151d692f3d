"""The workflow table, without a database."""

from __future__ import annotations

import pytest

from publica.cases.workflow import Workflow, WorkflowError
from publica.core.errors import TransitionNotAllowed

FLOW = {
    "initial": "new",
    "states": {
        "new": {"label": "New"},
        "review": {"label": "In review"},
        "done": {"label": "Done", "outcome": "approved"},
        "gone": {"label": "Withdrawn", "outcome": "withdrawn"},
    },
    "transitions": [
        {"from": "new", "to": "review", "roles": ["caseworker"]},
        {"from": "review", "to": "done", "roles": ["supervisor", "automation"]},
        {"from": ["new", "review"], "to": "gone", "roles": ["applicant"], "label": "Withdraw"},
    ],
}


def test_step_lists_who_may_take_it():
    step = Workflow.from_definition(FLOW).step("review", "done")
    assert step.roles == {"supervisor", "automation"}
    assert step.label == "Done"


def test_a_step_not_in_the_table_names_what_is_allowed():
    with pytest.raises(TransitionNotAllowed, match="allowed from 'new': review, gone"):
        Workflow.from_definition(FLOW).step("new", "done")


def test_withdrawal_goes_to_the_withdrawn_outcome():
    flow = Workflow.from_definition(FLOW)
    assert flow.withdrawal_from("review").target == "gone"  # type: ignore[union-attr]
    assert flow.withdrawal_from("done") is None


def test_terminal_states_are_those_with_an_outcome():
    flow = Workflow.from_definition(FLOW)
    assert [s for s in sorted(flow.states) if flow.is_terminal(s)] == ["done", "gone"]


def test_sources_of_can_filter_by_role():
    flow = Workflow.from_definition(FLOW)
    assert flow.sources_of("done", role="automation") == ["review"]
    assert flow.sources_of("review", role="automation") == []


def test_a_transition_declared_twice_is_refused():
    broken = {**FLOW, "transitions": [*FLOW["transitions"], FLOW["transitions"][0]]}
    with pytest.raises(WorkflowError, match="declared twice"):
        Workflow.from_definition(broken)


def test_a_terminal_initial_state_is_refused():
    with pytest.raises(WorkflowError, match="initial state cannot be terminal"):
        Workflow.from_definition({**FLOW, "initial": "done"})
