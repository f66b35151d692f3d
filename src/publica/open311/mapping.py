"""A service's form as Open311 attributes, and posted Open311 fields as the form's answers.

No database access. Every question except `location` and `description` is an attribute; the
location comes from `lat`/`long`, `address_string` or `address_id`, and `description` from the
field of that name. Errors name the Open311 parameter at fault (`lat`, `attribute[size]`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from publica.core.errors import FieldError, InvalidInput
from publica.portal import formpages

__all__ = [
    "MAX_DESCRIPTION",
    "Attribute",
    "Submission",
    "as_parameters",
    "attributes",
    "datatype",
    "parameter_for",
    "submission",
]

#: GeoReport v2 caps a request's description at 4,000 characters.
MAX_DESCRIPTION = 4000
#: Questions answered by Open311's own fields rather than by attributes.
NOT_ATTRIBUTES = ("location", "description")
_ATTRIBUTE_FIELD = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_LARGEST_INTEGER = 2**63 - 1
_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")
_NAME_FIELDS = ("first_name", "last_name")


class Posted(Protocol):
    """What a Django QueryDict offers: the last value of a field, or all of them."""

    def get(self, key: str, default: Any = None) -> Any: ...
    def getlist(self, key: str) -> list[str]: ...
    def __iter__(self) -> Iterator[str]: ...


@dataclass(frozen=True)
class Attribute:
    """One question as a GeoReport v2 service definition attribute."""

    code: str
    datatype: str
    required: bool
    description: str
    datatype_description: str
    order: int
    values: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Submission:
    """Posted fields as case_submit takes them: the form's answers and the contact details."""

    data: dict[str, Any]
    contact: dict[str, str]


def attributes(form: dict[str, Any]) -> list[Attribute]:
    """The form's questions as attributes, in the order the portal asks them.

    Questions Open311 cannot carry (file uploads, nested objects) are left out.
    """
    found: list[Attribute] = []
    for name in _question_names(form):
        asked = formpages.question(form, name)
        schema = form["schema"]["properties"][name]
        kind = datatype(schema, asked.widget)
        if kind is None:
            continue
        found.append(
            Attribute(
                code=name,
                datatype=kind,
                required=asked.required,
                description=asked.label,
                datatype_description=_datatype_description(schema, asked.help, kind),
                order=len(found) + 1,
                values=_values(schema, asked),
            )
        )
    return found


def datatype(schema: dict[str, Any], widget: str) -> str | None:
    """The GeoReport v2 datatype of a question, or None when Open311 cannot carry it."""
    kind = schema.get("type")
    if widget == "file" or kind == "object":
        return None
    if kind == "array":
        return "multivaluelist"
    if kind == "boolean" or "enum" in schema or widget in ("radios", "select", "yes-no"):
        return "singlevaluelist"
    if kind in ("integer", "number"):
        return "number"
    if schema.get("format") in ("date", "date-time") or widget == "date":
        return "datetime"
    if widget == "textarea" or schema.get("maxLength", 0) > 300:
        return "text"
    return "string"


def submission(form: dict[str, Any], posted: Posted) -> Submission:
    """The answers and contact details in an Open311 POST; InvalidInput names every bad field."""
    errors: list[FieldError] = []
    data: dict[str, Any] = {}
    questions = form["schema"]["properties"]
    location = _location(questions.get("location", {}), posted, errors)
    if location is not None:
        data["location"] = location
    description = (posted.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors.append(FieldError("description", f"must be at most {MAX_DESCRIPTION} characters"))
    elif description and "description" not in questions:
        errors.append(FieldError("description", "this service does not take a description"))
    elif description:
        data["description"] = description
    data.update(_attribute_answers(form, posted, errors))
    media_url = (posted.get("media_url") or "").strip()
    if media_url and not re.match(r"^https?://[^\s/]+", media_url, re.IGNORECASE):
        errors.append(FieldError("media_url", "must be an http or https URL"))
    elif media_url and "media_url" in questions and "media_url" not in data:
        data["media_url"] = media_url  # kept only where the service asks for it
    if errors:
        raise InvalidInput(errors)
    return Submission(data, _contact(posted))


def parameter_for(field: str) -> str:
    """The Open311 parameter a form field's error is about (`location.latitude` is `lat`)."""
    named = {
        "location.latitude": "lat",
        "location.longitude": "long",
        "location.address": "address_string",
        "location": "location",
        "description": "description",
        "media_url": "media_url",
        "contact.email": "email",
        "contact.phone": "phone",
        "contact.name": "first_name",
        "service": "service_code",
        "": "request",
    }
    if field in named:
        return named[field]
    return f"attribute[{field.split('.')[0]}]"


def as_parameters(error: InvalidInput) -> InvalidInput:
    """case_submit's complaints about form fields, renamed to the Open311 parameters."""
    return InvalidInput(
        [FieldError(parameter_for(each.field), each.message) for each in error.errors]
    )


def _question_names(form: dict[str, Any]) -> list[str]:
    ui = form.get("ui", {})
    if ui.get("pages"):
        names = [name for page in ui["pages"] for name in page["fields"]]
    else:
        names = list(ui.get("order") or [])
    names += [name for name in form["schema"]["properties"] if name not in names]
    return [name for name in dict.fromkeys(names) if name not in NOT_ATTRIBUTES]


def _values(schema: dict[str, Any], asked: formpages.Question) -> tuple[tuple[str, str], ...]:
    if schema.get("type") == "boolean":
        labels = dict(asked.choices)
        return (("true", labels.get("yes", "Yes")), ("false", labels.get("no", "No")))
    return asked.choices


def _datatype_description(schema: dict[str, Any], help_text: str, kind: str) -> str:
    parts = [help_text.strip()] if help_text.strip() else []
    if kind == "number":
        whole = schema.get("type") == "integer"
        low, high = schema.get("minimum"), schema.get("maximum")
        noun = "A whole number" if whole else "A number"
        if low is not None and high is not None:
            parts.append(f"{noun} from {low} to {high}.")
        elif low is not None:
            parts.append(f"{noun}, at least {low}.")
        elif high is not None:
            parts.append(f"{noun}, at most {high}.")
        else:
            parts.append(f"{noun}.")
    elif kind == "datetime" and schema.get("format") == "date-time":
        parts.append("A date and time with its offset, like 2026-03-27T14:30:00+00:00.")
    elif kind == "datetime":
        parts.append("A date, like 2026-03-27.")
    elif kind == "multivaluelist":
        parts.append("One or more of the keys, each as attribute[code][].")
    elif kind in ("string", "text") and "maxLength" in schema:
        parts.append(f"At most {schema['maxLength']} characters.")
    return " ".join(parts)


def _location(
    schema: dict[str, Any], posted: Posted, errors: list[FieldError]
) -> dict[str, Any] | None:
    location: dict[str, Any] = {}
    latitude = _coordinate(posted, "lat", 90, errors)
    longitude = _coordinate(posted, "long", 180, errors)
    if (latitude is None) != (longitude is None) and not errors:
        missing = "long" if longitude is None else "lat"
        errors.append(FieldError(missing, "give both lat and long, or neither"))
    elif latitude is not None and longitude is not None:
        location["latitude"], location["longitude"] = latitude, longitude
    address = (posted.get("address_string") or "").strip()
    address_id = (posted.get("address_id") or "").strip()
    if address:
        location["address"] = address
    if address_id and "address_id" in schema.get("properties", {}):
        location["address_id"] = address_id
    elif address_id and not location:
        # Publica keeps no address register: the caller's identifier is all there is.
        location["address"] = f"Address ID {address_id}"
    if not location and not any(e.field in ("lat", "long") for e in errors):
        errors.append(FieldError("location", "give lat and long, address_string or address_id"))
    return location or None


def _coordinate(posted: Posted, name: str, limit: int, errors: list[FieldError]) -> float | None:
    raw = (posted.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not -limit <= value <= limit:
        errors.append(FieldError(name, f"must be a number from -{limit} to {limit}"))
        return None
    return value


def _attribute_answers(
    form: dict[str, Any], posted: Posted, errors: list[FieldError]
) -> dict[str, Any]:
    known = {attribute.code: attribute for attribute in attributes(form)}
    given: dict[str, list[str]] = {}
    for key in posted:
        if not key.startswith("attribute"):
            continue
        match = _ATTRIBUTE_FIELD.match(key)
        if match is None:
            errors.append(
                FieldError(key, "write attributes as attribute[code] or attribute[code][]")
            )
        elif match.group(1) not in known:
            code = match.group(1)
            errors.append(FieldError(key, f"this service has no attribute {code!r}"))
        else:
            given.setdefault(match.group(1), []).extend(posted.getlist(key))
    answers = {}
    for code, raw in given.items():
        values = [value.strip() for value in raw if value.strip()]
        if not values:
            continue  # an optional attribute sent empty, as FixMyStreet does
        schema = form["schema"]["properties"][code]
        try:
            answers[code] = _convert(schema, known[code].datatype, values)
        except ValueError as exc:
            errors.append(FieldError(f"attribute[{code}]", str(exc)))
    return answers


def _convert(schema: dict[str, Any], kind: str, values: list[str]) -> Any:
    if kind == "multivaluelist":
        items = schema.get("items", {})
        return [_scalar(items, value) for value in dict.fromkeys(values)]
    if len(set(values)) > 1:
        raise ValueError("give one value")
    return _scalar(schema, values[0])


def _scalar(schema: dict[str, Any], value: str) -> Any:
    kind = schema.get("type")
    if kind == "boolean":
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise ValueError("use true or false")
    for choice in schema.get("enum", ()):
        if str(choice) == value or (isinstance(choice, bool) and str(choice).lower() == value):
            return choice
    if kind == "integer":
        try:
            number = int(value)
        except ValueError:
            raise ValueError("enter a whole number, like 12") from None
        if abs(number) > _LARGEST_INTEGER:
            raise ValueError("the number is too large")
        return number
    if kind == "number":
        try:
            real = float(value)
        except ValueError:
            raise ValueError("enter a number, like 12.5") from None
        if not math.isfinite(real):
            raise ValueError("enter a finite number")
        return real
    return value


def _contact(posted: Posted) -> dict[str, str]:
    name = " ".join(
        part for part in ((posted.get(key) or "").strip() for key in _NAME_FIELDS) if part
    )
    return {
        "email": (posted.get("email") or "").strip(),
        "name": name,
        "phone": (posted.get("phone") or "").strip(),
    }
