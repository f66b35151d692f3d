"""The local adapter: answers a query from this instance's own register tables."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models

from publica.core import clock
from publica.exchange import registers
from publica.exchange.adapters import Answer, Query
from publica.exchange.models import Business, Person, Property, Vehicle

__all__ = ["LocalAdapter"]

#: register -> (model, {lookup: the field it filters on})
_TABLES: dict[str, tuple[type[models.Model], dict[str, str]]] = {
    "population": (Person, {"person": "person_id"}),
    "vehicles": (Vehicle, {"keeper": "keeper_id", "registration": "registration"}),
    "businesses": (Business, {"company": "company_number"}),
    "property": (Property, {"occupier": "occupier_id", "address": "address_id"}),
}


class LocalAdapter:
    """Reads the register tables seeded by `publica demo` (or loaded by the council)."""

    def query(self, query: Query) -> Answer:
        register = registers.get(query.register)
        lookup = registers.lookup(query.register, query.lookup)
        fields = list(query.fields) or list(register.fields)
        model, keys = _TABLES[query.register]
        rows: list[models.Model]
        if query.register == "businesses" and query.lookup == "director":
            # JSON containment differs between SQLite and PostgreSQL: narrow by text, then check.
            candidates = Business.objects.filter(directors__icontains=query.value).order_by("pk")
            rows = [business for business in candidates if query.value in business.directors]
        else:
            matching = model._default_manager.filter(**{keys[query.lookup]: query.value})
            rows = list(matching.order_by("pk"))
        if not lookup.many:
            rows = rows[:1]
        records = [{field: _plain(getattr(row, field)) for field in fields} for row in rows]
        return Answer(
            register=query.register,
            records=records,
            holder=register.holder,
            answered_at=clock.now(),
            subjects=(query.value,) if lookup.by_subject else _subjects(rows),
        )


def _subjects(rows: list[models.Model]) -> tuple[str, ...]:
    """Who the entries are about: a vehicle's keeper, a company's directors, an occupier."""
    people: list[str] = []
    for row in rows:
        if isinstance(row, Vehicle):
            people.append(row.keeper_id)
        elif isinstance(row, Business):
            people.extend(str(director) for director in row.directors)
        elif isinstance(row, Property):
            people.append(row.occupier_id)
        elif isinstance(row, Person):
            people.append(row.person_id)
    return tuple(dict.fromkeys(person for person in people if person))


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value
