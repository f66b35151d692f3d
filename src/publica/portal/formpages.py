"""A service's form as web pages: questions, pages, reading posted values, showing answers.

No database access. The form definition (JSON Schema plus UI hints) comes from the pinned
ServiceVersion; values arrive as the strings a browser posts and leave as typed JSON.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.utils.translation import gettext as _

from publica.catalogue import answers
from publica.core.errors import FieldError, InvalidInput

__all__ = ["Page", "Question", "display", "page_errors", "pages", "question", "read_page"]


class PostedData(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...
    def getlist(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class Question:
    name: str
    label: str
    help: str
    widget: str
    choices: tuple[tuple[str, str], ...]
    required: bool

    @property
    def is_choice(self) -> bool:
        return self.widget in ("radios", "select", "yes-no", "checkboxes")


@dataclass(frozen=True)
class Page:
    number: int
    title: str
    names: tuple[str, ...]


def pages(form: dict[str, Any]) -> list[Page]:
    """The form's pages: the service's own grouping, else one question a page."""
    ui = form.get("ui", {})
    if ui.get("pages"):
        return [
            Page(index, page.get("title", ""), tuple(page["fields"]))
            for index, page in enumerate(ui["pages"], start=1)
        ]
    names = ui.get("order") or list(form["schema"]["properties"])
    return [Page(index, "", (name,)) for index, name in enumerate(names, start=1)]


def visible(form: dict[str, Any], page: Page, data: dict[str, Any]) -> list[str]:
    """The questions of `page` asked given the answers so far."""
    shown = set(answers.visible_fields(form, data))
    return [name for name in page.names if name in shown]


def question(form: dict[str, Any], name: str) -> Question:
    schema = form["schema"]["properties"][name]
    hints = form.get("ui", {}).get("fields", {}).get(name, {})
    widget = hints.get("widget") or _default_widget(name, schema)
    return Question(
        name=name,
        label=hints.get("label") or name.replace("_", " ").capitalize(),
        help=hints.get("help", ""),
        widget=widget,
        choices=_choices(schema, hints, widget),
        required=name in form["schema"].get("required", []),
    )


def read_page(
    form: dict[str, Any], names: Sequence[str], posted: PostedData
) -> tuple[dict[str, Any], list[FieldError]]:
    """Typed answers to the questions `names` from posted strings, and conversion errors."""
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name in names:
        schema = form["schema"]["properties"][name]
        asked = question(form, name)
        try:
            value = _read(asked, schema, posted)
        except ValueError as exc:
            errors.append(FieldError(name, f"“{asked.label}”: {exc}"))
            continue
        if value is not None:
            values[name] = value
    return values, errors


def page_errors(
    form: dict[str, Any], data: dict[str, Any], names: Sequence[str]
) -> list[FieldError]:
    """The schema's complaints about the questions `names`, given every answer so far."""
    try:
        answers.clean(form, data)
    except InvalidInput as exc:
        return [error for error in exc.errors if error.field.split(".")[0] in names]
    return []


def display(form: dict[str, Any], name: str, value: Any) -> str:
    """An answer as a person reads it: choice labels, yes/no, an address or coordinates."""
    asked = question(form, name)
    labels = dict(asked.choices)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list) and asked.widget == "file":
        return ", ".join(str(item) for item in value)
    if isinstance(value, list):
        return ", ".join(labels.get(str(item), str(item)) for item in value)
    if isinstance(value, dict):
        parts = [str(value["address"])] if value.get("address") else []
        if "latitude" in value and "longitude" in value:
            parts.append(f"{value['latitude']:.5f}, {value['longitude']:.5f}")
        return " — ".join(parts)
    if asked.widget == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).strftime("%-d %B %Y")
        except ValueError:
            return value
    return labels.get(str(value), str(value))


def _default_widget(name: str, schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if kind == "object":
        return "location"
    if kind == "boolean":
        return "yes-no"
    if kind == "array":
        return "checkboxes"
    if "enum" in schema:
        return "radios"
    if kind in ("integer", "number"):
        return "number"
    if schema.get("format") == "date":
        return "date"
    if schema.get("format") == "email":
        return "email"
    return "textarea" if schema.get("maxLength", 0) > 300 else "text"


def _choices(
    schema: dict[str, Any], hints: dict[str, Any], widget: str
) -> tuple[tuple[str, str], ...]:
    labels = hints.get("options", {})
    if widget == "yes-no":
        return (("yes", _("Yes")), ("no", _("No")))
    values = schema.get("enum") or schema.get("items", {}).get("enum") or list(labels)
    return tuple((str(v), str(labels.get(v, labels.get(str(v), v)))) for v in values)


def _read(asked: Question, schema: dict[str, Any], posted: PostedData) -> Any:
    name = asked.name
    if asked.widget == "file":
        return None  # files arrive separately (request.FILES) and are held by the portal
    if asked.widget == "location":
        return _read_location(name, posted)
    if asked.widget == "date":
        return _read_date(name, posted)
    if asked.widget == "checkboxes":
        chosen = [value for value in posted.getlist(name) if value]
        return chosen or None
    raw = (posted.get(name) or "").strip()
    if not raw:
        return None
    kind = schema.get("type")
    if kind == "boolean":
        if raw not in ("yes", "no"):
            raise ValueError(_("choose yes or no"))
        return raw == "yes"
    if kind == "integer":
        try:
            return int(raw.replace(",", ""))
        except ValueError:
            raise ValueError(_("enter a whole number, like 12")) from None
    if kind == "number":
        try:
            return float(raw.replace(",", ""))
        except ValueError:
            raise ValueError(_("enter a number, like 12.5")) from None
    return raw


def _read_location(name: str, posted: PostedData) -> dict[str, Any] | None:
    location: dict[str, Any] = {}
    address = (posted.get(f"{name}-address") or "").strip()
    if address:
        location["address"] = address
    latitude = (posted.get(f"{name}-latitude") or "").strip()
    longitude = (posted.get(f"{name}-longitude") or "").strip()
    if latitude or longitude:
        try:
            location["latitude"], location["longitude"] = float(latitude), float(longitude)
        except ValueError:
            raise ValueError(_("enter both latitude and longitude as numbers")) from None
    return location or None


def _read_date(name: str, posted: Mapping[str, Any] | PostedData) -> str | None:
    parts = [(posted.get(f"{name}-{part}") or "").strip() for part in ("day", "month", "year")]
    if not any(parts):
        return None
    try:
        day, month, year = (int(part) for part in parts)
        return dt.date(year, month, day).isoformat()
    except ValueError:
        raise ValueError(_("enter a real date, like 27 3 2027")) from None
