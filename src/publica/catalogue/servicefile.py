"""Service files (service-as-code): parse a YAML file, check every rule, report every error.

Pure: no Django. `parse()` returns a `ServiceDefinition` (the normalised file as plain data,
stored verbatim in a ServiceVersion) or raises `InvalidInput` listing every problem with
its line and field path. The format is documented in docs/service-files.md.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from publica.accounts.roles import AUTOMATION, TRANSITION_ROLES
from publica.assistant import flags as review_flags
from publica.cases import rules, workflow
from publica.core.errors import FieldError, InvalidInput
from publica.exchange import registers

__all__ = ["PLACEHOLDERS", "PRIORITIES", "ServiceDefinition", "parse", "parse_file"]

PRIORITIES = ("low", "normal", "high", "urgent")
OUTCOMES = ("approved", "rejected", "resolved", "withdrawn")
PLACEHOLDERS = frozenset({"reference", "service", "state", "due_date", "department"})
WIDGETS = (
    "text", "textarea", "number", "email", "tel", "date", "radios", "checkboxes", "select",
    "location", "file", "yes-no",
)  # fmt: skip

_SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
_NAME = r"^[a-z][a-z0-9_]*$"
_TEXT = {"type": "string", "minLength": 1}
_TEXTS = {"type": "array", "items": _TEXT}
_PREFILL_FROM = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"  # a query, then a field (or 0.field)

#: The shape of a service file. Structure only; `_check_meaning` checks cross-references.
FILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "slug", "title", "summary", "kind", "department", "reference_prefix", "sla", "form",
        "workflow",
    ],
    "properties": {
        "slug": {"type": "string", "pattern": _SLUG, "maxLength": 50},
        "title": {**_TEXT, "maxLength": 200},
        "summary": {**_TEXT, "maxLength": 500},
        "description": {"type": "string"},
        "kind": {"enum": ["report", "application"]},
        "department": {"type": "string", "pattern": _SLUG},
        "group": _TEXT,
        "reference_prefix": {"type": "string", "pattern": "^[A-Z]{2,4}$"},
        "keywords": _TEXTS,
        "synonyms": _TEXTS,
        "eligibility": {"type": "string"},
        "you_will_need": _TEXTS,
        "fee": {
            "type": ["object", "null"],
            "additionalProperties": False,
            "required": ["amount", "currency"],
            "properties": {
                "amount": {"type": "string", "pattern": r"^\d+(\.\d{2})?$"},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                "description": {"type": "string"},
            },
        },
        "sla": {
            "type": "object",
            "additionalProperties": False,
            "required": ["days"],
            "properties": {
                "days": {"type": "integer", "minimum": 1, "maximum": 3650},
                "calendar": {"enum": ["working", "calendar"]},
            },
        },
        "form": {
            "type": "object",
            "additionalProperties": False,
            "required": ["schema"],
            "properties": {
                "schema": {"type": "object"},
                "ui": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "order": {"type": "array", "items": {"type": "string"}},
                        "pages": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["fields"],
                                "properties": {
                                    "title": _TEXT,
                                    "fields": {
                                        "type": "array",
                                        "minItems": 1,
                                        "items": {"type": "string"},
                                    },
                                },
                            },
                        },
                        "fields": {
                            "type": "object",
                            "additionalProperties": {
                                "type": "object",
                                "additionalProperties": False,
                                "properties": {
                                    "label": _TEXT,
                                    "help": {"type": "string"},
                                    "widget": {"enum": list(WIDGETS)},
                                    "show_if": _TEXT,
                                    "options": {"type": "object"},
                                },
                            },
                        },
                    },
                },
            },
        },
        "lookups": {"type": "object"},
        "public_requests": {"type": "boolean"},
        "review_flags": review_flags.CONFIG_SCHEMA,
        "duplicates": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "enabled": {"type": "boolean"},
                "radius_m": {"type": "number", "exclusiveMinimum": 0, "maximum": 5000},
                "related": {"type": "array", "items": {"type": "string", "pattern": _SLUG}},
                "close_as": {"type": "string", "pattern": _NAME},
            },
        },
        "workflow": {
            "type": "object",
            "additionalProperties": False,
            "required": ["initial", "states", "transitions"],
            "properties": {
                "initial": {"type": "string"},
                "states": {
                    "type": "object",
                    "minProperties": 2,
                    "propertyNames": {"pattern": _NAME},
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["label"],
                        "properties": {
                            "label": _TEXT,
                            "outcome": {"enum": list(OUTCOMES)},
                            "public_label": _TEXT,
                        },
                    },
                },
                "transitions": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["from", "to", "roles"],
                        "properties": {
                            "from": {"oneOf": [{"type": "string"}, _TEXTS]},
                            "to": {"type": "string"},
                            "roles": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                            "label": _TEXT,
                            "require_reason": {"type": "boolean"},
                        },
                    },
                },
            },
        },
        "automation": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "when", "then"],
                "properties": {
                    "name": {"type": "string", "pattern": _SLUG},
                    "description": {"type": "string"},
                    "on": {"type": "array", "items": {"enum": list(rules.TRIGGERS)}},
                    "when": _TEXT,
                    "then": {
                        "type": "object",
                        "minProperties": 1,
                        "additionalProperties": False,
                        "properties": {
                            "transition": {"type": "string"},
                            "set_priority": {"enum": list(PRIORITIES)},
                            "assign": {"type": "string"},
                            "flag": _TEXT,
                            "reason": _TEXT,
                        },
                    },
                },
            },
        },
        "notifications": {"type": "object", "additionalProperties": _TEXT},
        "retention": {
            "type": "object",
            "additionalProperties": False,
            "required": ["anonymise_after", "reason"],
            "properties": {
                "anonymise_after": {
                    "type": "object",
                    "additionalProperties": False,
                    "minProperties": 1,
                    "properties": {
                        "years": {"type": "integer", "minimum": 0, "maximum": 100},
                        "months": {"type": "integer", "minimum": 0, "maximum": 1200},
                        "days": {"type": "integer", "minimum": 0, "maximum": 36500},
                    },
                },
                "reason": {**_TEXT, "maxLength": 500},
                "erasure": {"enum": ["on_request", "after_retention"]},
            },
        },
        "registers": {
            "type": "object",
            "additionalProperties": False,
            "required": ["purpose", "basis", "use"],
            "properties": {
                "purpose": {**_TEXT, "maxLength": 300},
                "basis": {"enum": ["consent", "statutory"]},
                "law": {**_TEXT, "maxLength": 300},
                "consent_months": {"type": "integer", "minimum": 1, "maximum": 60},
                "use": {
                    "type": "object",
                    "minProperties": 1,
                    "propertyNames": {"pattern": _NAME},
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["register", "by"],
                        "properties": {
                            "register": {"enum": list(registers.REGISTERS)},
                            "by": {"type": "string"},
                            "fields": {"type": "array", "minItems": 1, "items": _TEXT},
                        },
                    },
                },
                "prefill": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["from"],
                        "properties": {
                            "from": {"type": "string", "pattern": _PREFILL_FROM},
                            "editable": {"type": "boolean"},
                        },
                    },
                },
            },
        },
    },
}  # fmt: skip
_FILE_VALIDATOR = Draft202012Validator(FILE_SCHEMA)


@dataclass(frozen=True)
class ServiceDefinition:
    """A checked service file; `data` is what a ServiceVersion stores."""

    data: dict[str, Any]

    @property
    def slug(self) -> str:
        return str(self.data["slug"])

    @property
    def checksum(self) -> str:
        """SHA-256 over canonical JSON: equal files give equal checksums, whatever their layout."""
        canonical = json.dumps(self.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def parse_file(path: Path) -> ServiceDefinition:
    """Read and check one service file; errors name the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput([FieldError("", f"cannot read file: {exc}", source=str(path))]) from exc
    return parse(text, source=str(path))


def parse(text: str, *, source: str = "<string>") -> ServiceDefinition:
    """Parse YAML text and check it; raise `InvalidInput` with every error found."""
    try:
        tree = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise InvalidInput(
            [FieldError("", f"not valid YAML: {exc.problem}", line, source)]
        ) from exc
    except RecursionError:
        nested = FieldError("", "not valid YAML: nested too deeply", None, source)
        raise InvalidInput([nested]) from None
    except Exception as exc:  # ruamel's own errors, and ValueError, IndexError… from malformed
        # scalars (a control character, `2026-13-45`, `!!float ""`).
        raise InvalidInput([FieldError("", f"not valid YAML: {exc}", None, source)]) from exc
    if not isinstance(tree, CommentedMap):
        raise InvalidInput([FieldError("", "a service file is a YAML mapping", 1, source)])

    data = _plain(tree)
    errors = [
        FieldError(
            _dotted(error.absolute_path), error.message, _line(tree, error.absolute_path), source
        )
        for error in sorted(_FILE_VALIDATOR.iter_errors(data), key=lambda e: list(e.path))
    ]
    if not errors:
        errors = [
            FieldError(field, message, _line(tree, field.split(".")), source)
            for field, message in _check_meaning(data)
        ]
    if errors:
        raise InvalidInput(errors)
    return ServiceDefinition(data)


def _check_meaning(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Cross-field rules the structural schema cannot say."""
    yield from _check_form(data)
    flow = data["workflow"]
    try:
        graph = workflow.Workflow.from_definition(flow)
    except workflow.WorkflowError as exc:
        yield f"workflow.{exc.field}", str(exc)
        return
    for index, step in enumerate(flow["transitions"]):
        for role in step["roles"]:
            if role not in TRANSITION_ROLES:
                allowed = ", ".join(sorted(TRANSITION_ROLES))
                yield f"workflow.transitions.{index}.roles", f"unknown role {role!r}; use {allowed}"
    yield from _check_automation(data, graph)
    yield from _check_registers(data)
    yield from review_flags.config_problems(data)
    close_as = data.get("duplicates", {}).get("close_as")
    if close_as is not None and not graph.is_terminal(close_as):
        yield "duplicates.close_as", f"{close_as!r} is not a workflow state with an outcome"
    for state, text in data.get("notifications", {}).items():
        if state not in graph.states:
            yield f"notifications.{state}", f"no workflow state named {state!r}"
        try:
            names = [name for _, name, _, _ in string.Formatter().parse(text)]
        except ValueError as exc:  # a lone `{` or `}`
            yield f"notifications.{state}", f"not a valid message: {exc}; write {{{{ for {{"
            continue
        for name in names:
            if name is not None and name not in PLACEHOLDERS:
                known = ", ".join(sorted(PLACEHOLDERS))
                yield f"notifications.{state}", f"unknown placeholder {{{name}}}; use {known}"


def _check_form(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    schema = data["form"]["schema"]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        path = ".".join(["form", "schema", *(str(p) for p in exc.absolute_path)])
        yield path, f"not a valid JSON Schema (Draft 2020-12): {exc.message}"
        return
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        yield "form.schema", 'a form schema has "type": "object" and "properties"'
        return
    properties = schema["properties"]
    ui = data["form"].get("ui", {})
    for name in ui.get("order", []):
        if name not in properties:
            yield "form.ui.order", f"{name!r} is not a property of form.schema"
    for index, page in enumerate(ui.get("pages", [])):
        for name in page["fields"]:
            if name not in properties:
                yield f"form.ui.pages.{index}.fields", f"{name!r} is not a property of form.schema"
    for name, hints in ui.get("fields", {}).items():
        if name not in properties:
            yield f"form.ui.fields.{name}", f"{name!r} is not a property of form.schema"
        if "show_if" in hints:
            problem = rules.compile_problem(hints["show_if"], allowed={"data"})
            if problem:
                yield f"form.ui.fields.{name}.show_if", problem
    if data["kind"] == "report" and properties.get("location", {}).get("type") != "object":
        yield "form.schema.properties", 'a report has a "location" property of type object'


def _check_automation(data: dict[str, Any], graph: workflow.Workflow) -> Iterator[tuple[str, str]]:
    names: set[str] = set()
    for index, rule in enumerate(data.get("automation", [])):
        where = f"automation.{index}"
        if rule["name"] in names:
            yield f"{where}.name", f"rule name {rule['name']!r} is used twice"
        names.add(rule["name"])
        problem = rules.compile_problem(rule["when"], allowed=rules.VARIABLES)
        if problem:
            yield f"{where}.when", problem
        target = rule["then"].get("transition")
        if target is not None and target not in graph.states:
            yield f"{where}.then.transition", f"no workflow state named {target!r}"
        elif target is not None and not graph.sources_of(target, role=AUTOMATION):
            yield (
                f"{where}.then.transition",
                f"no transition to {target!r} lists the role 'automation'",
            )


def _check_registers(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Each query asks a register a way it answers, about the applicant, for fields it holds;
    a statutory basis names its law; each prefill reads a query's field into a form question."""
    section = data.get("registers")
    if section is None:
        return
    if section["basis"] == "statutory" and not section.get("law"):
        yield "registers.law", "a statutory basis names the law or duty it rests on"
    if section["basis"] == "consent" and "law" in section:
        yield "registers.law", "a law is named only with basis: statutory"
    for name, use in section["use"].items():
        where = f"registers.use.{name}"
        try:
            lookup = registers.lookup(use["register"], use["by"])
        except registers.UnknownLookup as exc:
            yield f"{where}.by", str(exc)
            continue
        if not lookup.by_subject:
            yield f"{where}.by", "a service asks registers only about the applicant"
        held = registers.get(use["register"]).fields
        for field in use.get("fields", []):
            if field not in held:
                yield f"{where}.fields", f"the {use['register']} register has no field {field!r}"
    properties = data["form"]["schema"]["properties"]
    for question, prefill in section.get("prefill", {}).items():
        where = f"registers.prefill.{question}"
        if question not in properties:
            yield where, f"{question!r} is not a property of form.schema"
        name, *path = prefill["from"].split(".")
        use = section["use"].get(name)
        if use is None:
            yield f"{where}.from", f"no query named {name!r} under registers.use"
            continue
        try:
            many = registers.lookup(use["register"], use["by"]).many
        except registers.UnknownLookup:
            continue  # reported under registers.use
        fields = use.get("fields") or list(registers.get(use["register"]).fields)
        field = path[1] if many and len(path) == 2 and path[0].isdigit() else path[0]
        if len(path) != (2 if many else 1) or field not in fields:
            shape = f"{name}.0.<field>" if many else f"{name}.<field>"
            yield f"{where}.from", f"read a field the query fetches, as {shape}"


def _plain(node: Any) -> Any:
    """ruamel's round-trip types as plain dicts, lists and scalars (JSON-compatible)."""
    if isinstance(node, dict):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return str(node)  # dates and other YAML scalars: keep their text


def _dotted(path: Any) -> str:
    return ".".join(str(part) for part in path)


def _line(tree: Any, path: Any) -> int | None:
    """The 1-based line of the deepest node of `path` that exists in the YAML tree."""
    line: int | None = None
    node = tree
    for raw in path:
        if isinstance(node, CommentedMap) and str(raw) in node:
            key = str(raw)
            line = node.lc.key(key)[0] + 1
            node = node[key]
        elif isinstance(node, CommentedSeq) and re.fullmatch(r"\d+", str(raw)):
            index = int(raw)
            if index >= len(node):
                break
            line = node.lc.item(index)[0] + 1
            node = node[index]
        else:
            break
    if line is None and isinstance(tree, CommentedMap):
        return 1
    return line
