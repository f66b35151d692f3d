"""Reading an action's parameters the way CKAN's validators do: numbers may come as strings,
lists and dicts as JSON text (from a GET's query string), booleans as "true"/"1"/"yes".
Each reader raises a ValidationError naming the parameter, so a bad value is an answer in
the client's format, never a crash further in."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from publica.opendata.ckan.errors import ValidationError

__all__ = [
    "as_bool",
    "as_dict_or_string",
    "as_natural",
    "as_string",
    "as_string_list",
    "check_no_nul",
]

# Beyond a signed 64-bit integer the databases refuse a number outright.
LARGEST = 2**63 - 1
_INTEGER = re.compile(r"[+-]?[0-9]{1,30}")
_TRUE = {"true", "1", "yes", "y", "on", "t"}


def _fail(name: str, message: str) -> ValidationError:
    return ValidationError({name: [message]})


def as_natural(
    params: Mapping[str, Any], name: str, *, default: int, maximum: int, refuse_above: bool = False
) -> int:
    """A whole number from 0; above `maximum` it is lowered to it, or, with `refuse_above`
    (a page size: `rows`, `limit`), refused with a Validation Error naming the limit, so a
    client asking for a million rows learns why it got fewer instead of guessing."""
    value = params.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, (bool, list | dict)):
        raise _fail(name, "Invalid integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise _fail(name, "Invalid integer")
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not _INTEGER.fullmatch(text):
            raise _fail(name, "Invalid integer")
        value = int(text)
    if not isinstance(value, int):
        raise _fail(name, "Invalid integer")
    if value < 0:
        raise _fail(name, "Must be a natural number")
    if refuse_above and value > maximum:
        raise _fail(name, f"Must be less than or equal to {maximum}")
    return min(value, maximum)


def as_bool(params: Mapping[str, Any], name: str, *, default: bool) -> bool:
    value = params.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    raise _fail(name, "Must be a boolean")


def as_string(params: Mapping[str, Any], name: str, *, default: str = "") -> str:
    value = params.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _fail(name, "Must be a string")
    text = str(value)
    check_no_nul(name, text)
    return text


def as_string_list(params: Mapping[str, Any], name: str, *, comma: bool) -> list[str] | None:
    """A list of strings, given as a list, as JSON text of one, or (with `comma`) as
    "a, b" text. None when absent."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                raise _fail(name, "Cannot parse JSON") from None
        elif comma:
            value = [part.strip() for part in text.split(",") if part.strip()]
        else:
            value = [text]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _fail(name, "Not a list of strings")
    for item in value:
        check_no_nul(name, item)
    return list(value)


def as_dict_or_string(params: Mapping[str, Any], name: str) -> dict[str, Any] | str | None:
    """A dict (or JSON text of one), or else plain text; None when absent."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            try:
                parsed = json.loads(text)
            except ValueError:
                raise _fail(name, "Cannot parse JSON") from None
            if isinstance(parsed, dict):
                return parsed
        check_no_nul(name, value)
        return value
    raise _fail(name, "Must be a string or an object")


def check_no_nul(name: str, text: str) -> None:
    # PostgreSQL cannot hold a NUL character; saying so here beats a database error.
    if "\x00" in text:
        raise _fail(name, "Must not contain NUL characters")
