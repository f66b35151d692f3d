"""Observation rows written in bulk: binary COPY on PostgreSQL, multi-row `INSERT … RETURNING`
on SQLite.

Ingestion writes tens of thousands of readings a second. `bulk_create` spends most of that
time building SQL field by field, row by row (and on SQLite, Django caps a statement at 999
parameters); psycopg's client-side binding spends it parsing a statement with tens of
thousands of placeholders. Here PostgreSQL takes the rows as a binary COPY with ids drawn
from the table's sequence beforehand, and SQLite takes statements as large as it allows.
Callers hold a transaction and have checked the rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from django.db import connection

from publica.sensors.models import Observation

__all__ = ["COLUMNS", "insert_observations"]

#: The columns of a row given to `insert_observations`, in order.
COLUMNS = (
    "datastream_id",
    "feature_of_interest_id",
    "phenomenon_time",
    "phenomenon_time_end",
    "result_time",
    "value",
    "result",
    "result_quality",
    "valid_time_start",
    "valid_time_end",
    "parameters",
)
_TIMES = (2, 3, 4, 8, 9)
_JSON = (6, 7, 10)


#: PostgreSQL types of COLUMNS, for the binary COPY.
_PG_TYPES = ["int8", "int8", "timestamptz", "timestamptz", "timestamptz", "float8", "jsonb",
             "jsonb", "timestamptz", "timestamptz", "jsonb"]  # fmt: skip


def insert_observations(rows: Sequence[Sequence[Any]]) -> list[int]:
    """Insert rows (values in COLUMNS order, Python types); the new ids, in the rows' order."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy(rows)
    return _insert_returning(rows)


def _copy(rows: Sequence[Sequence[Any]]) -> list[int]:
    from psycopg.types.json import Jsonb

    quote = connection.ops.quote_name
    table = Observation._meta.db_table
    columns = ", ".join(quote(name) for name in ("id", *COLUMNS))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(rows)],
        )
        ids = [int(found[0]) for found in cursor.fetchall()]
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(
                f"COPY {quote(table)} ({columns}) FROM STDIN (FORMAT BINARY)"
            ) as copy,
        ):
            copy.set_types(["int8", *_PG_TYPES])
            for pk, row in zip(ids, rows, strict=True):
                values = [pk, *row]
                for position in _JSON:
                    if values[position + 1] is not None:
                        values[position + 1] = Jsonb(values[position + 1])
                copy.write_row(values)
    return ids


def _insert_returning(rows: Sequence[Sequence[Any]]) -> list[int]:
    quote = connection.ops.quote_name
    table = quote(Observation._meta.db_table)
    columns = ", ".join(quote(name) for name in COLUMNS)
    placeholder = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
    per_statement = _max_parameters() // len(COLUMNS)
    zone = connection.timezone
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            parameters: list[Any] = []
            for row in chunk:
                parameters.extend(_sqlite_values(row, zone))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholder] * len(chunk))} "
                f"RETURNING {quote('id')}",
                parameters,
            )
            ids.extend(found[0] for found in cursor.fetchall())
    return ids


def _sqlite_values(row: Sequence[Any], zone: tzinfo | None) -> list[Any]:
    """A row as Django's SQLite adapters write it: times as naive text in the connection's
    zone (UTC), JSON as text."""
    values = list(row)
    for position in _TIMES:
        time: datetime | None = values[position]
        if time is not None:
            if time.tzinfo is not None:
                time = time.astimezone(zone).replace(tzinfo=None)
            values[position] = str(time)
    for position in _JSON:
        if values[position] is not None:
            values[position] = json.dumps(values[position])
    return values


def _max_parameters() -> int:
    """Bind parameters one SQLite statement may carry (its compiled limit)."""
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    return int(raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
