"""The pure rule decisions and the rules file format: no database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publica.core.errors import InvalidInput
from publica.sensors import rulefile
from publica.sensors.rules import Reading, Rule, evaluate, parameter_problems

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def series(*values: float, step: dt.timedelta = dt.timedelta(minutes=10)) -> list[Reading]:
    return [Reading(T0 + i * step, v) for i, v in enumerate(values)]


def test_threshold_fires_on_a_bin_at_or_above_85_percent():
    rule = Rule("threshold", {"op": ">=", "limit": 85})
    assert evaluate(rule, series(40, 85), now=T0).firing
    verdict = evaluate(rule, series(90, 84.9), now=T0)
    assert not verdict.firing
    assert verdict.reason == "reading 84.9 is not >= 85"


@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
def test_threshold_agrees_with_the_comparison(value, limit):
    rule = Rule("threshold", {"op": ">", "limit": limit})
    assert evaluate(rule, series(value), now=T0).firing == (value > limit)


def test_rate_of_change_fires_when_the_river_rises_more_than_10_cm_an_hour():
    rule = Rule("rate_of_change", {"op": ">", "limit": 10, "window_seconds": 3600})
    rising = series(100, 103, 106, 109, step=dt.timedelta(minutes=15))  # 12 cm an hour
    verdict = evaluate(rule, rising, now=T0)
    assert verdict.firing
    assert verdict.variables["rate"] == pytest.approx(12)
    assert not evaluate(rule, series(100, 101, 102, step=dt.timedelta(minutes=15)), now=T0).firing


def test_rate_of_change_only_looks_inside_its_window():
    rule = Rule("rate_of_change", {"limit": 10, "window_seconds": 1800})
    # A big jump two hours ago, then flat: no longer rising.
    readings = [Reading(T0, 0)]
    readings += [Reading(T0 + dt.timedelta(hours=2, minutes=m), 200) for m in (0, 10, 20)]
    assert not evaluate(rule, readings, now=T0).firing


def test_rate_of_change_with_a_single_reading_does_not_fire():
    rule = Rule("rate_of_change", {"limit": 10})
    assert not evaluate(rule, series(500), now=T0).firing


def test_absence_fires_when_no_reading_for_two_hours():
    rule = Rule("absence", {"seconds": 7200})
    readings = series(1)
    assert not evaluate(rule, readings, now=T0 + dt.timedelta(hours=1)).firing
    verdict = evaluate(rule, readings, now=T0 + dt.timedelta(hours=2, minutes=30))
    assert verdict.firing
    assert verdict.reason == "no reading for 2.5 h (allowed 2.0 h)"
    assert evaluate(rule, [], now=T0).firing


def test_zscore_fires_on_an_outlier_and_needs_enough_history():
    rule = Rule("zscore", {"k": 3, "window": 10, "min_count": 5})
    calm = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10]
    assert evaluate(rule, series(*calm, 30), now=T0).firing
    assert not evaluate(rule, series(*calm, 10.5), now=T0).firing
    short = evaluate(rule, series(10, 11, 9, 30), now=T0)
    assert not short.firing
    assert "needed" in short.reason


@given(st.lists(st.floats(-1000, 1000), min_size=3, max_size=30), st.floats(0.5, 5))
def test_zscore_of_a_reading_equal_to_the_mean_never_fires(values, k):
    mean = sum(values) / len(values)
    rule = Rule("zscore", {"k": k, "window": len(values), "min_count": 2})
    verdict = evaluate(rule, series(*values, mean), now=T0)
    assert abs(verdict.variables.get("z", 0.0)) < k or not verdict.firing


def test_a_cel_condition_must_also_hold():
    rule = Rule("threshold", {"limit": 85}, when='thing.properties.kind == "bin"')
    context = {"thing": {"name": "Bin 1", "properties": {"kind": "bin"}}, "datastream": {}}
    assert evaluate(rule, series(90), now=T0, context=context).firing
    context["thing"]["properties"]["kind"] = "gauge"
    assert not evaluate(rule, series(90), now=T0, context=context).firing


def test_a_cel_condition_sees_value_previous_and_rate():
    rule = Rule("threshold", {"limit": 50}, when="value > previous && rate > 0.0")
    assert evaluate(rule, series(60, 70), now=T0).firing
    assert not evaluate(rule, series(80, 70), now=T0).firing


def test_a_failing_cel_condition_does_not_fire_and_says_why():
    rule = Rule("threshold", {"limit": 1}, when="thing.properties.missing == 1")
    verdict = evaluate(rule, series(5), now=T0, context={"thing": {"properties": {}}})
    assert not verdict.firing
    assert verdict.error


def test_parameter_problems_name_the_parameter():
    assert parameter_problems("threshold", {"op": "=>"}) == [
        ("parameters.op", "use one of > >= < <= == !="),
        ("parameters.limit", "this parameter is required"),
    ]
    assert parameter_problems("zscore", {"k": 3, "window": 5, "min_count": 9}) == [
        ("parameters.min_count", "must not be more than window")
    ]
    assert parameter_problems("nonsense", {})[0][0] == "kind"
    assert parameter_problems("absence", {"seconds": 60}) == []


GOOD = """
rules:
  - name: bin-nearly-full
    kind: threshold
    parameters: {op: ">=", limit: 85}
    observed_property: Fill level
    service: sensor-maintenance
    auto_resolve: true
  - name: gauge-offline
    kind: absence
    parameters: {seconds: 7200}
    datastream: 3
    service: sensor-maintenance
"""


def test_the_rules_file_reads_every_rule():
    found = rulefile.parse(GOOD)
    assert [d.name for d in found] == ["bin-nearly-full", "gauge-offline"]
    assert found[0].observed_property == "Fill level"
    assert found[0].auto_resolve and not found[1].auto_resolve
    assert found[1].datastream == 3


def test_the_rules_file_names_every_field_at_fault():
    broken = GOOD.replace("limit: 85", "limit: high").replace("datastream: 3", "datastream: x")
    broken += "    when: value >>> 3\n  - name: Bad Name\n    kind: zscore\n"
    with pytest.raises(InvalidInput) as caught:
        rulefile.parse(broken)
    fields = [error.field for error in caught.value.errors]
    assert "rules[0].parameters.limit" in fields
    assert "rules[1].datastream" in fields
    assert "rules[1].when" in fields
    assert "rules[2].name" in fields
    assert "rules[2].parameters.k" in fields
    assert "rules[2].service" in fields
