"""Check a resident's answers against a service version's form. No database access.

Answers to questions hidden by `show_if` are dropped before validation, so a hidden question
never blocks a submission and never stores stale data. An answer to a question the form does
not ask is an error, so nothing unvetted is ever stored.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from publica.cases import rules
from publica.core.errors import FieldError, InvalidInput

__all__ = ["clean"]

_FORMATS = FormatChecker()


def clean(form: dict[str, Any], data: Any) -> dict[str, Any]:
    """The answers to keep, or InvalidInput naming every field at fault."""
    if not isinstance(data, dict):
        raise InvalidInput([FieldError("", _("The answers must be an object of field: value"))])
    questions = form["schema"]["properties"]
    unknown = [
        FieldError(str(name), _("This form has no question %(name)r") % {"name": name})
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
        return FieldError(".".join(path), _("Answer “%(label)s”") % {"label": _label(form, path)})
    if error.validator == "anyOf" and _widget(form, path) == "location":
        return FieldError(".".join(path), _("Enter an address or choose a point on the map"))
    if error.validator == "additionalProperties":
        return FieldError(
            ".".join(path), _("Unexpected answer: %(detail)s") % {"detail": error.message}
        )
    message = _plain_message(error)
    return FieldError(".".join(path), f"“{_label(form, path)}” {message}")


def _widget(form: dict[str, Any], path: list[str]) -> str:
    hints = form.get("ui", {}).get("fields", {})
    return str(hints.get(path[0], {}).get("widget", "")) if path else ""


def _label(form: dict[str, Any], path: list[str]) -> str:
    hints = form.get("ui", {}).get("fields", {})
    label = hints.get(path[0], {}).get("label") if path else None
    return str(label or ".".join(path) or "the form")


def _plain_message(error: ValidationError) -> str:
    value = error.validator_value
    match error.validator:
        case "enum":
            return _("choose one of %(choices)s") % {"choices": ", ".join(repr(v) for v in value)}
        case "type":
            return _("must be %(type)s") % {"type": value}
        case "maxLength":
            return _("must be %(count)s characters or fewer") % {"count": value}
        case "minLength":
            return _("must be at least %(count)s characters") % {"count": value}
        case "minimum":
            return _("must be %(number)s or more") % {"number": value}
        case "maximum":
            return _("must be %(number)s or less") % {"number": value}
        case "minItems":
            return _("choose at least %(count)s") % {"count": value}
        case "pattern":
            return _("is not in the expected format")
        case "format":
            return _("must be a valid %(format)s") % {"format": value}
    return str(error.message)
