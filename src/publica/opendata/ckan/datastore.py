"""CKAN's `datastore_search` over a dataset's `Table`: filters, full-text `q`, fields and
sort checked against the table's columns and handed to the ORM, a page read with
LIMIT/OFFSET, and a total counted only when it cannot be known otherwise."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import F, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.db.models.lookups import IContains

from publica.opendata.ckan.errors import NotFoundError, ValidationError
from publica.opendata.ckan.params import (
    LARGEST,
    as_bool,
    as_dict_or_string,
    as_natural,
    as_string,
    as_string_list,
    check_no_nul,
)
from publica.opendata.selectors import Published, Resource, published_list
from publica.opendata.tables import ColumnType, Table

__all__ = ["ROWS_DEFAULT", "ROWS_MAX", "search"]

#: The page size without a `limit`, and the largest one (CKAN's
#: ckan.datastore.search.rows_default and rows_max).
ROWS_DEFAULT = 100
ROWS_MAX = 32000
RECORDS_FORMATS = ("objects", "lists", "csv", "tsv")
# An IN list or a q longer than this is not a search but an attempt to tire the database.
MAX_VALUES = 1000
MAX_Q = 1000


def search(
    params: dict[str, Any], *, path: str = "", query: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Search a dataset's rows (`resource_id`: its CSV resource's id, or the dataset's
    name): filters, q, distinct, limit, offset, fields, sort, include_total,
    records_format."""
    wanted = as_string(params, "resource_id") or as_string(params, "id")
    if not wanted:
        raise ValidationError({"resource_id": ["Missing value"]})
    item, resource = _datastore_resource(wanted)
    table = item.table
    types: dict[str, ColumnType] = {"_id": "int"}
    types.update({column.name: column.type for column in table.columns})

    limit = as_natural(params, "limit", default=ROWS_DEFAULT, maximum=ROWS_MAX, refuse_above=True)
    offset = as_natural(params, "offset", default=0, maximum=LARGEST)
    names = _fields(params, types)
    order = _sort(params, types)
    distinct = as_bool(params, "distinct", default=False)
    include_total = as_bool(params, "include_total", default=True)
    records_format = as_string(params, "records_format", default="objects")
    if records_format not in RECORDS_FORMATS:
        raise ValidationError(
            {"records_format": [f"Value must be one of {', '.join(RECORDS_FORMATS)}"]}
        )
    as_bool(params, "plain", default=True)
    as_string(params, "language")
    as_natural(params, "total_estimation_threshold", default=0, maximum=LARGEST)
    condition = _filters(params, types) & _full_text(params, item, types)

    rows = table.queryset().filter(condition).values(*names)
    if distinct:
        rows = rows.distinct()
        order = [key for key in order if key.lstrip("-") in names] or names[:1]
    elif not any(key.lstrip("-") == "_id" for key in order):
        order = [*order, "_id"]  # a stable order, so pages neither repeat nor skip rows
    page = [
        [_value(record[name], types[name]) for name in names]
        for record in rows.order_by(*order)[offset : offset + limit]
    ]
    result: dict[str, Any] = {
        "resource_id": resource.id,
        "fields": _field_descriptions(table, names, types),
        "records": _records(page, names, records_format),
        "limit": limit,
        "include_total": include_total,
        "records_format": records_format,
        "total_estimation_threshold": None,
        "_links": _links(path, query, resource.id, offset, limit),
    }
    for echoed in ("offset", "filters", "q", "sort", "distinct"):
        if echoed in params:
            result[echoed] = offset if echoed == "offset" else params[echoed]
    if include_total:
        filtered = condition != Q()
        result["total"] = _total(item, rows, page, offset, limit, filtered or distinct)
        result["total_was_estimated"] = False
    return result


def _datastore_resource(wanted: str) -> tuple[Published, Resource]:
    for item in published_list():
        for resource in item.resources():
            if resource.datastore_active and wanted in (resource.id, item.name):
                return item, resource
    raise NotFoundError(f'Resource "{wanted}" was not found.')


def _not_in_table(parameter: str, name: str) -> ValidationError:
    return ValidationError({parameter: [f'field "{name}" not in table']})


def _fields(params: dict[str, Any], types: dict[str, ColumnType]) -> list[str]:
    wanted = as_string_list(params, "fields", comma=True)
    if not wanted:
        return list(types)
    for name in wanted:
        if name not in types:
            raise _not_in_table("fields", name)
    return list(dict.fromkeys(wanted))


def _sort(params: dict[str, Any], types: dict[str, ColumnType]) -> list[str]:
    """ORM ordering from "a, b desc" or ["a", "b desc"]; empty when none is asked for."""
    clauses = as_string_list(params, "sort", comma=True) or []
    if len(clauses) == 1 and "," in clauses[0]:
        clauses = [part for part in clauses[0].split(",") if part.strip()]
    order = []
    for clause in clauses:
        parts = clause.split()
        if not parts or len(parts) > 2:
            raise ValidationError({"sort": [f"cannot sort by {clause!r}"]})
        name = parts[0].strip('"')
        direction = parts[1].lower() if len(parts) == 2 else "asc"
        if name not in types:
            raise _not_in_table("sort", name)
        if direction not in ("asc", "desc"):
            raise ValidationError({"sort": [f'sort direction "{parts[1]}" is not asc or desc']})
        order.append(f"-{name}" if direction == "desc" else name)
    return order


def _filters(params: dict[str, Any], types: dict[str, ColumnType]) -> Q:
    given = params.get("filters")
    if given is None or given == "":
        return Q()
    filters = as_dict_or_string(params, "filters")
    if not isinstance(filters, dict):
        raise ValidationError({"filters": ["Cannot parse JSON"]})
    condition = Q()
    for name, value in filters.items():
        if name not in types:
            raise _not_in_table("filters", name)
        values = value if isinstance(value, list) else [value]
        if len(values) > MAX_VALUES:
            raise ValidationError({"filters": [f"at most {MAX_VALUES} values for {name!r}"]})
        converted = [_filter_value(name, item, types[name]) for item in values]
        present = [item for item in converted if item is not None]
        matched = Q(**{f"{name}__in": present}) if present else Q(pk__in=[])
        if len(present) < len(converted):
            matched |= Q(**{f"{name}__isnull": True})
        condition &= matched
    return condition


def _filter_value(name: str, value: Any, kind: ColumnType) -> Any:
    """The value as the column's type, or a ValidationError naming the field."""
    if value is None:
        return None
    bad = ValidationError({"filters": [f'invalid value for field "{name}" ({kind}): {value!r}']})
    if isinstance(value, dict | list):
        raise bad
    try:
        if kind == "text":
            text = str(value).lower() if isinstance(value, bool) else str(value)
            check_no_nul("filters", text)
            return text
        if kind == "int":
            number = int(value) if not isinstance(value, float) or value.is_integer() else None
            if number is None or isinstance(value, bool) or abs(number) > LARGEST:
                raise bad
            return number
        if kind == "numeric":
            real = float(value)
            if isinstance(value, bool) or not math.isfinite(real):
                raise bad
            return real
        if kind == "bool":
            return _boolean(value, bad)
        if kind == "date":
            return dt.date.fromisoformat(str(value)[:10])
        return _timestamp(str(value))
    except (ValueError, TypeError, OverflowError):
        raise bad from None


def _boolean(value: Any, bad: ValidationError) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "t", "1", "yes"):
        return True
    if text in ("false", "f", "0", "no"):
        return False
    raise bad


def _timestamp(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _full_text(params: dict[str, Any], item: Published, types: dict[str, ColumnType]) -> Q:
    """`q` as text: every word in some text column; as {field: text}: each field contains
    its text. Case-insensitive containment, which the ORM escapes (% and _ are literal)."""
    q = as_dict_or_string(params, "q")
    if q is None or q == "":
        return Q()
    table = item.table
    if isinstance(q, str):
        if len(q) > MAX_Q:
            raise ValidationError({"q": [f"at most {MAX_Q} characters"]})
        text_columns = [column.name for column in table.columns if column.type == "text"]
        condition = Q()
        for word in q.split():
            condition &= _any_contains(item, text_columns, word)
        return condition
    condition = Q()
    for name, text in q.items():
        if name not in types:
            raise _not_in_table("q", name)
        if not isinstance(text, str | int | float) or isinstance(text, bool):
            raise ValidationError({"q": [f'the text for "{name}" must be a string']})
        check_no_nul("q", str(text))
        if types[name] == "text":
            condition &= Q(**{f"{name}__icontains": str(text)})
        else:
            as_text = Cast(F(name), output_field=TextField())
            condition &= Q(IContains(as_text, str(text)))
    return condition


def _any_contains(item: Published, columns: list[str], word: str) -> Q:
    """Some text column contains `word`. In a snapshot, a column with few distinct values
    is matched against them here and becomes `column IN (…)`: far cheaper for the database
    than a case-insensitive LIKE on that column of every row."""
    found = Q(pk__in=[])
    folded = word.casefold()
    for name in columns:
        values = _distinct_values(item, name)
        if values is None:
            found |= Q(**{f"{name}__icontains": word})
            continue
        matching = [value for value in values if folded in value.casefold()]
        if matching:
            found |= Q(**{f"{name}__in": matching})
    return found


# The distinct values of a snapshot's text columns, per (dataset, build): they change only
# when the worker rebuilds it. A column with more than MANY values keeps the LIKE.
_DISTINCT: dict[tuple[str, object], dict[str, list[str] | None]] = {}
MANY = 2000


def _distinct_values(item: Published, name: str) -> list[str] | None:
    if item.definition.refresh is None:  # read live: its values change at any moment
        return None
    key = (item.name, item.dataset.built_at)
    if key not in _DISTINCT:
        for stale in [known for known in _DISTINCT if known[0] == item.name]:
            del _DISTINCT[stale]
        _DISTINCT[key] = {}
    known = _DISTINCT[key]
    if name not in known:
        rows = item.table.queryset().order_by().values_list(name, flat=True).distinct()
        values = [value for value in rows[: MANY + 1] if value]
        known[name] = None if len(values) > MANY else values
    return known[name]


def _total(
    item: Published,
    rows: QuerySet[Any],
    page: list[list[Any]],
    offset: int,
    limit: int,
    narrowed: bool,
) -> int:
    """The number of matching rows, counted only when nothing cheaper says it exactly: a
    short page ends the results; an unfiltered snapshot holds the rows its build counted."""
    if len(page) < limit and (page or offset == 0):
        return offset + len(page)
    if not narrowed and item.definition.refresh is not None:
        return item.dataset.row_count
    return rows.count()


def _value(value: Any, kind: ColumnType) -> Any:
    """A cell as JSON: timestamps in UTC without an offset (as CKAN writes them)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if kind == "int" else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN or infinity
    return value


def _records(page: list[list[Any]], names: list[str], records_format: str) -> Any:
    if records_format == "objects":
        return [dict(zip(names, row, strict=True)) for row in page]
    if records_format == "lists":
        return page
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="," if records_format == "csv" else "\t")
    for row in page:
        writer.writerow(["" if cell is None else _text(cell) for cell in row])
    return buffer.getvalue()


def _text(cell: Any) -> str:
    if isinstance(cell, bool):
        return "true" if cell else "false"
    return str(cell)


def _field_descriptions(
    table: Table, names: list[str], types: dict[str, ColumnType]
) -> list[dict[str, Any]]:
    described: list[dict[str, Any]] = []
    for name in names:
        column = table.column(name)
        if column is None:
            described.append({"id": name, "type": types[name]})
            continue
        info = {"label": column.name, "notes": column.description, "type_override": ""}
        described.append({"id": name, "type": column.type, "info": info})
    return described


def _links(
    path: str, query: dict[str, Any] | None, resource_id: str, offset: int, limit: int
) -> dict[str, str]:
    """Where the first and next pages are: the same call with another offset. A POST's
    parameters are not in its address, so its links name only the resource."""
    base = {key: value for key, value in (query or {"resource_id": resource_id}).items()}
    base.pop("offset", None)
    links = {
        "start": f"{path}?{urlencode(base, doseq=True)}",
        "next": f"{path}?{urlencode({**base, 'offset': offset + limit}, doseq=True)}",
    }
    if offset - limit > 0:
        links["prev"] = f"{path}?{urlencode({**base, 'offset': offset - limit}, doseq=True)}"
    return links
