"""Which of a service's automation rules fire for an event. Pure: no Django, no writes.

The case engine (`services.py`) applies what this returns through the same steps a person's
actions take, so a rule's decision lands on the timeline like anyone else's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from publica.cases import rules

__all__ = ["Failure", "Firing", "evaluate"]


@dataclass(frozen=True)
class Firing:
    rule: str
    then: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class Failure:
    rule: str
    message: str


def evaluate(
    definition: dict[str, Any], *, event_kind: str, variables: dict[str, Any]
) -> tuple[list[Firing], list[Failure]]:
    """The rules that hold for this event, in file order, and those that failed to evaluate."""
    firings: list[Firing] = []
    failures: list[Failure] = []
    scope = {**variables, "lookups": definition.get("lookups", {})}
    for rule in definition.get("automation", []):
        if event_kind not in rule.get("on", ["submitted"]):
            continue
        try:
            holds = rules.evaluate(rule["when"], scope)
        except rules.RuleError as exc:
            failures.append(Failure(rule["name"], str(exc)))
            continue
        if holds:
            reason = rule["then"].get("reason") or rule.get("description") or rule["name"]
            firings.append(Firing(rule["name"], rule["then"], reason))
    return firings, failures
