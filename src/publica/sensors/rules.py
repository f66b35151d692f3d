"""Sensor alarm rules: decide from recent readings whether a rule fires. Pure: no Django.

Four kinds, each with its `parameters`:

- `threshold`: `{op: ">=", limit: 85}`; fires while the latest reading compares true.
- `rate_of_change`: `{op: ">", limit: 10, window_seconds: 3600}`; the change per hour between
  the oldest reading in the window and the latest.
- `absence`: `{seconds: 7200}`; fires when no reading arrived for that long as of `now`.
- `zscore`: `{k: 3, window: 30, min_count: 10}`; fires when the latest reading is at least
  `k` standard deviations from the mean of the `window` readings before it.

A rule may add a CEL condition `when` (the same engine as case automation) that must also
hold; it sees `value`, `previous`, `rate` (per hour), `z`, `count`, and `thing` and
`datastream` (each `name` and `properties`).
"""

from __future__ import annotations

import datetime as dt
import math
import operator
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from publica.cases import rules as cel_rules

__all__ = [
    "KINDS",
    "OPERATORS",
    "VARIABLES",
    "Reading",
    "Rule",
    "Verdict",
    "evaluate",
    "parameter_problems",
]

KINDS = ("threshold", "rate_of_change", "absence", "zscore")
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
VARIABLES = frozenset({"value", "previous", "rate", "z", "count", "thing", "datastream"})
_HOUR = 3600.0


@dataclass(frozen=True)
class Reading:
    time: dt.datetime
    value: float


@dataclass(frozen=True)
class Rule:
    kind: str
    parameters: dict[str, Any]
    when: str = ""


@dataclass(frozen=True)
class Verdict:
    """Whether the rule fires on the latest reading, and a short reason a person can read.
    `error` is set when the `when` condition could not be evaluated (the rule then does not
    fire, as a failing automation rule does not)."""

    firing: bool
    reason: str
    variables: dict[str, Any] = field(default_factory=dict)
    error: str = ""


# ---------------------------------------------------------------------------- parameters

_SPEC: dict[str, dict[str, tuple[str, bool]]] = {
    # name: (type, required)
    "threshold": {"op": ("op", False), "limit": ("number", True)},
    "rate_of_change": {
        "op": ("op", False),
        "limit": ("number", True),
        "window_seconds": ("positive", False),
    },
    "absence": {"seconds": ("positive", True)},
    "zscore": {"k": ("positive", True), "window": ("count", True), "min_count": ("count", False)},
}


def parameter_problems(kind: str, parameters: Any) -> list[tuple[str, str]]:
    """What is wrong with a rule's kind and parameters, as (field, message) pairs."""
    if kind not in KINDS:
        return [("kind", f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")]
    if not isinstance(parameters, dict):
        return [("parameters", "expected a mapping of parameter: value")]
    spec = _SPEC[kind]
    problems = [
        (f"parameters.{name}", f"{kind} has no parameter {name!r}; it takes {', '.join(spec)}")
        for name in parameters
        if name not in spec
    ]
    for name, (kind_of_value, required) in spec.items():
        if name not in parameters:
            if required:
                problems.append((f"parameters.{name}", "this parameter is required"))
            continue
        problem = _value_problem(kind_of_value, parameters[name])
        if problem:
            problems.append((f"parameters.{name}", problem))
    if kind == "zscore" and not problems:
        if parameters.get("min_count", 2) > parameters["window"]:
            problems.append(("parameters.min_count", "must not be more than window"))
        if parameters.get("min_count", 2) < 2:
            problems.append(("parameters.min_count", "must be at least 2"))
    return problems


def _value_problem(kind_of_value: str, value: Any) -> str:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind_of_value == "op":
        return "" if value in OPERATORS else f"use one of {' '.join(OPERATORS)}"
    if not number or not math.isfinite(value):
        return "expected a number"
    if kind_of_value == "positive" and value <= 0:
        return "must be more than 0"
    if kind_of_value == "count" and (not isinstance(value, int) or value < 1):
        return "expected a whole number of at least 1"
    return ""


# ---------------------------------------------------------------------------- evaluation


def evaluate(
    rule: Rule,
    readings: Sequence[Reading],
    *,
    now: dt.datetime,
    context: dict[str, Any] | None = None,
) -> Verdict:
    """Judge the latest of `readings` (oldest first) as of `now`. `context` gives the CEL
    condition its `thing` and `datastream`."""
    latest = readings[-1] if readings else None
    if rule.kind == "absence":
        firing, reason, variables = _absence(rule.parameters, latest, now)
    elif latest is None:
        return Verdict(False, "no readings yet")
    elif rule.kind == "threshold":
        firing, reason, variables = _threshold(rule.parameters, latest)
    elif rule.kind == "rate_of_change":
        firing, reason, variables = _rate(rule.parameters, readings)
    elif rule.kind == "zscore":
        firing, reason, variables = _zscore(rule.parameters, readings)
    else:
        raise ValueError(f"unknown rule kind {rule.kind!r}")
    variables = {**_basics(readings), **variables, **(context or {})}
    if firing and rule.when:
        try:
            held = cel_rules.evaluate(rule.when, variables)
        except cel_rules.RuleError as exc:
            return Verdict(False, "the when condition failed", variables, error=str(exc))
        if not held:
            return Verdict(False, f"{reason}, but not when {rule.when}", variables)
    return Verdict(firing, reason, variables)


def _basics(readings: Sequence[Reading]) -> dict[str, Any]:
    if not readings:
        return {"value": 0.0, "previous": 0.0, "rate": 0.0, "z": 0.0, "count": 0}
    latest = readings[-1]
    previous = readings[-2] if len(readings) > 1 else latest
    return {
        "value": float(latest.value),
        "previous": float(previous.value),
        "rate": _per_hour(previous, latest),
        "z": 0.0,
        "count": len(readings),
    }


def _per_hour(first: Reading, last: Reading) -> float:
    seconds = (last.time - first.time).total_seconds()
    return 0.0 if seconds <= 0 else (last.value - first.value) / seconds * _HOUR


def _threshold(parameters: dict[str, Any], latest: Reading) -> tuple[bool, str, dict[str, Any]]:
    op, limit = parameters.get("op", ">="), parameters["limit"]
    firing = OPERATORS[op](latest.value, limit)
    verb = "is" if firing else "is not"
    return firing, f"reading {latest.value:g} {verb} {op} {limit:g}", {}


def _rate(
    parameters: dict[str, Any], readings: Sequence[Reading]
) -> tuple[bool, str, dict[str, Any]]:
    op, limit = parameters.get("op", ">"), parameters["limit"]
    window = dt.timedelta(seconds=parameters.get("window_seconds", _HOUR))
    latest = readings[-1]
    inside = [r for r in readings if latest.time - window <= r.time <= latest.time]
    if len(inside) < 2 or inside[0].time >= latest.time:
        return False, "not enough readings in the window to measure a rate", {}
    rate = _per_hour(inside[0], latest)
    firing = OPERATORS[op](rate, limit)
    verb = "is" if firing else "is not"
    return firing, f"change of {rate:+.3g} an hour {verb} {op} {limit:g}", {"rate": rate}


def _absence(
    parameters: dict[str, Any], latest: Reading | None, now: dt.datetime
) -> tuple[bool, str, dict[str, Any]]:
    seconds = parameters["seconds"]
    if latest is None:
        return True, "no reading has ever arrived", {}
    silent = (now - latest.time).total_seconds()
    if silent > seconds:
        return True, f"no reading for {_duration(silent)} (allowed {_duration(seconds)})", {}
    return False, f"last reading {_duration(max(silent, 0))} ago", {}


def _zscore(
    parameters: dict[str, Any], readings: Sequence[Reading]
) -> tuple[bool, str, dict[str, Any]]:
    k, window = parameters["k"], parameters["window"]
    min_count = parameters.get("min_count", min(window, 3))
    latest = readings[-1]
    baseline = [r.value for r in readings[-window - 1 : -1]]
    if len(baseline) < max(min_count, 2):
        return False, f"only {len(baseline)} earlier readings; {max(min_count, 2)} needed", {}
    mean = statistics.fmean(baseline)
    spread = statistics.pstdev(baseline, mean)
    if spread == 0:
        z = 0.0 if latest.value == mean else math.copysign(math.inf, latest.value - mean)
    else:
        z = (latest.value - mean) / spread
    firing = abs(z) >= k
    verb = "is" if firing else "is not"
    return firing, f"z-score {z:+.2f} {verb} beyond ±{k:g} (mean {mean:.3g})", {"z": z}


def _duration(seconds: float) -> str:
    if seconds >= 2 * _HOUR:
        return f"{seconds / _HOUR:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"
