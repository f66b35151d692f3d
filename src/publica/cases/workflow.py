"""A service's workflow as a plain table of allowed state changes. Pure: no Django.

Readable by a non-programmer in the service file:

    transitions:
      - {from: submitted, to: in_review, roles: [caseworker]}

A state with an `outcome` is terminal. `Workflow.step()` is the one question the case engine
asks: may this change happen, and who may make it?
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from publica.core.errors import TransitionNotAllowed

__all__ = ["Step", "Workflow", "WorkflowError"]


class WorkflowError(ValueError):
    """A workflow definition that cannot work; `field` points into the `workflow` mapping."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Step:
    source: str
    target: str
    roles: frozenset[str]
    label: str
    require_reason: bool = False


@dataclass(frozen=True)
class Workflow:
    initial: str
    labels: dict[str, str]
    outcomes: dict[str, str]
    steps: dict[tuple[str, str], Step] = field(repr=False)

    @classmethod
    def from_definition(cls, flow: dict[str, Any]) -> Workflow:
        """Build from the `workflow` mapping of a service file; raise WorkflowError if broken."""
        states: dict[str, dict[str, Any]] = flow["states"]
        if flow["initial"] not in states:
            raise WorkflowError("initial", f"no state named {flow['initial']!r}")
        steps: dict[tuple[str, str], Step] = {}
        for index, raw in enumerate(flow["transitions"]):
            sources = [raw["from"]] if isinstance(raw["from"], str) else raw["from"]
            for name in (*sources, raw["to"]):
                if name not in states:
                    raise WorkflowError(f"transitions.{index}", f"no state named {name!r}")
            for source in sources:
                if (source, raw["to"]) in steps:
                    raise WorkflowError(
                        f"transitions.{index}", f"{source} -> {raw['to']} is declared twice"
                    )
                label = raw.get("label") or states[raw["to"]]["label"]
                steps[source, raw["to"]] = Step(
                    source,
                    raw["to"],
                    frozenset(raw["roles"]),
                    label,
                    require_reason=bool(raw.get("require_reason")),
                )
        graph = cls(
            initial=flow["initial"],
            labels={name: state["label"] for name, state in states.items()},
            outcomes={name: s["outcome"] for name, s in states.items() if "outcome" in s},
            steps=steps,
        )
        graph._check_shape()
        return graph

    def _check_shape(self) -> None:
        if self.initial in self.outcomes:
            raise WorkflowError("initial", "the initial state cannot be terminal")
        for source, _ in self.steps:
            if source in self.outcomes:
                raise WorkflowError(
                    f"states.{source}", f"{source!r} has an outcome, so nothing may leave it"
                )
        for state in self.labels:
            if state not in self.outcomes and not self.targets_of(state):
                raise WorkflowError(
                    f"states.{state}",
                    f"{state!r} is a dead end: give it an outcome or a transition out of it",
                )
        unreachable = set(self.labels) - self._reachable()
        if unreachable:
            names = ", ".join(sorted(unreachable))
            raise WorkflowError("states", f"not reachable from {self.initial!r}: {names}")
        if not self.outcomes:
            raise WorkflowError("states", "at least one state needs an outcome")

    def _reachable(self) -> set[str]:
        seen = {self.initial}
        queue = deque([self.initial])
        while queue:
            for target in self.targets_of(queue.popleft()):
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
        return seen

    @property
    def states(self) -> set[str]:
        return set(self.labels)

    def is_terminal(self, state: str) -> bool:
        return state in self.outcomes

    def targets_of(self, state: str) -> list[str]:
        return [target for source, target in self.steps if source == state]

    def sources_of(self, state: str, *, role: str | None = None) -> list[str]:
        """States with a step into `state` (that `role` may take, when given)."""
        return [
            step.source
            for step in self.steps.values()
            if step.target == state and (role is None or role in step.roles)
        ]

    def step(self, source: str, target: str) -> Step:
        """The step from `source` to `target`; TransitionNotAllowed names what is allowed."""
        if target not in self.labels:
            raise TransitionNotAllowed(f"this service has no state named {target!r}")
        found = self.steps.get((source, target))
        if found is None:
            allowed = ", ".join(self.targets_of(source)) or "none: the case is closed"
            raise TransitionNotAllowed(
                f"cannot move from {source!r} to {target!r}; allowed from {source!r}: {allowed}"
            )
        return found

    def withdrawal_from(self, source: str) -> Step | None:
        """The applicant's way out of `source` to a `withdrawn` state, if the workflow has one."""
        for (step_source, target), step in self.steps.items():
            if step_source == source and self.outcomes.get(target) == "withdrawn":
                return step
        return None
