"""Check a resident's answers against a service version's form. Pure: no Django.

Answers to questions hidden by `show_if` are dropped before validation, so a hidden question
never blocks a submission and never stores stale data. An answer to a question the form does
not ask is an error, so nothing unvetted is ever stored.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from publica.cases import rules
from publica.core.errors import FieldError, InvalidInput

__all__ = ["clean"]

_FORMATS = FormatChecker()


def clean(form: dict[str, Any], data: Any) -> dict[str, Any]:
    """The answers to keep, or InvalidInput naming every field at fault."""
    if not isinstance(data, dict):
        raise InvalidInput([FieldError("", "the answers must be an object of field: value")])
    questions = form["schema"]["properties"]
    unknown = [
        FieldError(str(name), f"this form has no question {name!r}")
        for name in data
        if name not in questions
    ]
    visible = {name: value for name, value in data.items() if _shown(form, name, data)}
    validator = Draft202012Validator(form["schema"], format_checker=_FORMATS)
    errors = sorted(validator.iter_errors(visible), key=lambda e: list(e.absolute_path))
    if unknown or errors:
        raise InvalidInput(unknown + [_field_error(form, error) for error in errors])
    return visible


def visible_fields(form: dict[str, Any], data: dict[str, Any]) -> list[str]:
    """The questions to ask, in order, given the answers so far."""
    ui = form.get("ui", {})
    if ui.get("pages"):
        names = [name for page in ui["pages"] for name in page["fields"]]
    else:
        names = ui.get("order") or list(form["schema"]["properties"])
    return [name for name in names if _shown(form, name, data)]


def _shown(form: dict[str, Any], name: str, data: dict[str, Any]) -> bool:
    condition = form.get("ui", {}).get("fields", {}).get(name, {}).get("show_if")
    if not condition:
        return True
    try:
        return rules.evaluate(condition, {"data": data})
    except rules.RuleError:
        return False  # the question it depends on is unanswered, so it is not asked yet


def _field_error(form: dict[str, Any], error: ValidationError) -> FieldError:
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required":
        missing = error.message.split("'")[1]
        path.append(missing)
        return FieldError(".".join(path), f"{_label(form, path)}: answer this question")
    if error.validator == "additionalProperties":
        return FieldError(".".join(path), f"unexpected answer(s): {error.message}")
    return FieldError(".".join(path), f"{_label(form, path)}: {_plain_message(error)}")


def _label(form: dict[str, Any], path: list[str]) -> str:
    hints = form.get("ui", {}).get("fields", {})
    label = hints.get(path[0], {}).get("label") if path else None
    return str(label or ".".join(path) or "the form")


def _plain_message(error: ValidationError) -> str:
    match error.validator:
        case "enum":
            return "choose one of " + ", ".join(repr(v) for v in error.validator_value)
        case "type":
            return f"must be {error.validator_value}"
        case "maxLength":
            return f"must be at most {error.validator_value} characters"
        case "minLength":
            return f"must be at least {error.validator_value} characters"
        case "minimum":
            return f"must be {error.validator_value} or more"
        case "maximum":
            return f"must be {error.validator_value} or less"
        case "pattern":
            return "is not in the expected format"
        case "format":
            return f"must be a valid {error.validator_value}"
    return str(error.message)
