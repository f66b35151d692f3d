"""CEL rules, without a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publica.cases import automation, rules


def test_rule_holds_on_matching_data():
    assert rules.evaluate('data.road_type == "main"', {"data": {"road_type": "main"}})


def test_missing_answer_is_an_error_that_suggests_has():
    with pytest.raises(rules.RuleError, match=r"no field 'depth' \(use has\(\)"):
        rules.evaluate("data.depth > 40", {"data": {}})


def test_non_boolean_result_is_an_error():
    with pytest.raises(rules.RuleError, match="not true or false"):
        rules.evaluate("data.size", {"data": {"size": 3}})


def test_compile_problem_reports_syntax_and_unknown_variables():
    assert "not a valid CEL expression" in (rules.compile_problem("1 +", allowed={"data"}) or "")
    assert "unknown variable(s) secrets" in (
        rules.compile_problem("secrets.key == 1", allowed={"data"}) or ""
    )
    assert rules.compile_problem("data.items.exists(i, i > 2)", allowed={"data"}) is None


def test_automation_fires_matching_rules_in_order_and_reports_failures():
    definition = {
        "lookups": {"zones": ["A"]},
        "automation": [
            {"name": "a", "when": "data.zone in lookups.zones", "then": {"flag": "x"}},
            {"name": "b", "on": ["transitioned"], "when": "true", "then": {"flag": "y"}},
            {"name": "c", "when": "data.missing == 1", "then": {"flag": "z"}},
            {"name": "d", "when": "true", "then": {"set_priority": "high"}, "description": "D"},
        ],
    }
    firings, failures = automation.evaluate(
        definition, event_kind="submitted", variables={"data": {"zone": "A"}}
    )
    assert [(f.rule, f.reason) for f in firings] == [("a", "a"), ("d", "D")]
    assert [f.rule for f in failures] == ["c"]


@given(st.integers(min_value=-(2**40), max_value=2**40))
def test_threshold_rule_agrees_with_python(value):
    assert rules.evaluate("data.depth >= 40", {"data": {"depth": value}}) is (value >= 40)
