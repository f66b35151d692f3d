"""Loading the local registers: entries a council holds itself, or the demo's."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from publica.core.actors import Actor, SystemActor
from publica.core.errors import FieldError, InvalidInput, PermissionDenied
from publica.exchange.models import Business, Person, Property, Vehicle

__all__ = ["register_entries_load"]

#: register -> (model, the field that identifies an entry)
_TABLES: dict[str, tuple[type[models.Model], str]] = {
    "population": (Person, "person_id"),
    "vehicles": (Vehicle, "registration"),
    "businesses": (Business, "company_number"),
    "property": (Property, "address_id"),
}


@transaction.atomic
def register_entries_load(*, register: str, entries: Iterable[dict[str, Any]], actor: Actor) -> int:
    """Create or update entries of a local register by their key; return how many changed.
    Every entry is checked first: one bad entry loads nothing and names its field."""
    if not isinstance(actor, SystemActor) and getattr(actor, "role", "") != "admin":
        raise PermissionDenied("only an admin or the system loads register entries")
    if register not in _TABLES:
        raise InvalidInput([FieldError("register", f"no local register named {register!r}")])
    model, key = _TABLES[register]
    rows = list(entries)
    errors: list[FieldError] = []
    for index, entry in enumerate(rows):
        try:
            model(**entry).full_clean(validate_unique=False)
        except TypeError as exc:
            errors.append(FieldError(f"entries.{index}", str(exc)))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.extend(FieldError(f"entries.{index}.{field}", m) for m in messages)
    if errors:
        raise InvalidInput(errors)
    for entry in rows:
        values = {name: value for name, value in entry.items() if name != key}
        model._default_manager.update_or_create(**{key: entry[key]}, defaults=values)
    return len(rows)
