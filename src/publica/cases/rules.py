"""Automation rules and conditional questions in CEL (Common Expression Language). Pure.

CEL is safe (no side effects, always terminates) and has a public spec; a rule never runs
Python. `when` expressions see these variables:

- `data`: the form answers;
- `case`: reference, service, state, priority, channel, flagged, assigned;
- `event`: the event that triggered evaluation (`kind` and its `data`);
- `lookups`: the reference tables the service file declares;
- `registers`: what the base registers said about the applicant (from the
  `registers_checked` event on), by the service file's name for each query; a query that was
  not asked, or found nothing, is absent: use `has()`.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import cel

__all__ = ["TRIGGERS", "VARIABLES", "RuleError", "compile_problem", "evaluate"]

#: Case events that re-evaluate a service's rules.
TRIGGERS = (
    "submitted", "transitioned", "info_provided", "note_added", "assigned", "registers_checked",
)  # fmt: skip
VARIABLES = frozenset({"data", "case", "event", "lookups", "registers"})
# Names bound inside macros (`data.items.exists(i, i.size > 2)`) are reported as variables.
_MACRO_VARIABLE = re.compile(r"\.(?:all|exists|exists_one|map|filter)\(\s*([A-Za-z_]\w*)\s*,")


class RuleError(ValueError):
    """An expression that cannot be compiled, or that failed or returned a non-boolean."""


@functools.lru_cache(maxsize=1024)
def _compile(expression: str) -> Any:
    try:
        return cel.compile(expression)
    except ValueError as exc:
        raise RuleError(f"not a valid CEL expression: {exc}") from exc


def compile_problem(expression: str, *, allowed: frozenset[str] | set[str]) -> str | None:
    """What is wrong with `expression` (syntax, unknown variable), or None if it compiles."""
    try:
        program = _compile(expression)
    except RuleError as exc:
        return str(exc)
    bound = set(_MACRO_VARIABLE.findall(expression))
    unknown = set(program.variables()) - set(allowed) - bound
    if unknown:
        names = ", ".join(sorted(unknown))
        return f"unknown variable(s) {names}; rules may use {', '.join(sorted(allowed))}"
    return None


def evaluate(expression: str, variables: dict[str, Any]) -> bool:
    """True when the expression holds; RuleError if it cannot be evaluated or is not boolean."""
    program = _compile(expression)
    try:
        result = program.execute(variables)
    except (KeyError, RuntimeError, TypeError, ValueError) as exc:
        raise RuleError(f"could not evaluate {expression!r}: {_describe(exc)}") from exc
    if not isinstance(result, bool):
        raise RuleError(f"{expression!r} gave {result!r}, not true or false")
    return result


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"no field {exc.args[0]!r} (use has() for optional answers)"
    return str(exc).split(". ")[0]
