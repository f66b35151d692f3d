"""The sensor rules file: YAML that declares alarm rules, checked as a whole. Pure: no Django.

```yaml
rules:
  - name: bin-nearly-full            # unique; loading again updates the rule of that name
    description: Empty the bin before it overflows.
    kind: threshold                  # threshold rate_of_change absence zscore
    parameters: {op: ">=", limit: 85}
    when: value > previous           # optional CEL condition (see publica.sensors.rules)
    observed_property: Fill level    # by name or id; or `datastream: 12` (an id)
    service: sensor-maintenance      # the service whose cases the rule opens
    auto_resolve: true               # optional, default false
    active: true                     # optional, default true
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from publica.cases import rules as cel_rules
from publica.core.errors import FieldError, InvalidInput
from publica.sensors import rules

__all__ = ["RuleDeclaration", "parse"]

_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_KEYS = {
    "name",
    "description",
    "kind",
    "parameters",
    "when",
    "datastream",
    "observed_property",
    "service",
    "auto_resolve",
    "active",
}


@dataclass(frozen=True)
class RuleDeclaration:
    """One rule as the file states it; `datastream` is an id, `observed_property` an id or
    a name, still to be looked up."""

    name: str
    description: str
    kind: str
    parameters: dict[str, Any]
    when: str
    datastream: int | None
    observed_property: int | str | None
    service: str
    auto_resolve: bool
    active: bool


def parse(text: str, *, source: str = "rules.yaml") -> list[RuleDeclaration]:
    """Every rule in the file, or InvalidInput naming each field at fault (`rules[2].kind`)."""
    try:
        document = YAML(typ="safe", pure=True).load(text)
    except (YAMLError, MarkedYAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        raise InvalidInput([FieldError(where, f"not valid YAML: {exc}")]) from None
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise InvalidInput([FieldError("rules", "expected a mapping with a list under rules")])
    errors: list[FieldError] = []
    declarations: list[RuleDeclaration] = []
    seen: set[str] = set()
    for index, item in enumerate(document["rules"]):
        where = f"rules[{index}]"
        found, declaration = _declaration(item, where)
        errors.extend(found)
        if declaration is not None:
            if declaration.name in seen:
                errors.append(
                    FieldError(f"{where}.name", f"{declaration.name!r} is declared twice")
                )
            seen.add(declaration.name)
            declarations.append(declaration)
    if errors:
        raise InvalidInput(errors)
    return declarations


def _declaration(item: Any, where: str) -> tuple[list[FieldError], RuleDeclaration | None]:
    if not isinstance(item, dict):
        return [FieldError(where, "expected a mapping")], None
    errors = [FieldError(f"{where}.{key}", "unknown key") for key in item if key not in _KEYS]

    def problem(key: str, message: str) -> None:
        errors.append(FieldError(f"{where}.{key}", message))

    name = item.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name) or len(name) > 100:
        problem("name", "required: lower-case words joined by -")
    kind = item.get("kind")
    parameters = item.get("parameters", {})
    for field, message in rules.parameter_problems(str(kind), parameters):
        problem(field, message)
    when = item.get("when") or ""
    if not isinstance(when, str):
        problem("when", "expected a CEL expression")
    elif when:
        compile_problem = cel_rules.compile_problem(when, allowed=rules.VARIABLES)
        if compile_problem:
            problem("when", compile_problem)
    datastream, observed_property = item.get("datastream"), item.get("observed_property")
    if (datastream is None) == (observed_property is None):
        problem("datastream", "give either datastream or observed_property, not both")
    if datastream is not None and (not isinstance(datastream, int) or isinstance(datastream, bool)):
        problem("datastream", "expected the Datastream's id")
    if observed_property is not None and (
        isinstance(observed_property, bool) or not isinstance(observed_property, int | str)
    ):
        problem("observed_property", "expected the ObservedProperty's id or name")
    service = item.get("service")
    if not isinstance(service, str) or not _NAME.fullmatch(service):
        problem("service", "required: the slug of the service to open cases in")
    for key in ("auto_resolve", "active"):
        if key in item and not isinstance(item[key], bool):
            problem(key, "expected true or false")
    description = item.get("description") or ""
    if not isinstance(description, str):
        problem("description", "expected text")
    if errors:
        return errors, None
    assert isinstance(name, str) and isinstance(kind, str) and isinstance(service, str)
    return [], RuleDeclaration(
        name=name,
        description=description,
        kind=kind,
        parameters=parameters,
        when=when,
        datastream=datastream,
        observed_property=observed_property,
        service=service,
        auto_resolve=item.get("auto_resolve", False),
        active=item.get("active", True),
    )
