"""Date arithmetic the open-data snapshots and the dashboards' summaries need, in each
database's own SQL.

Django's Trunc functions on SQLite call back into Python once per row, which is most of a
rebuild's time at a million cases; these run inside the database on both. Every one works in
UTC, the time zone the open datasets and the summaries are kept in.
"""

from __future__ import annotations

from typing import Any

from django.db.models import DateField, DateTimeField, FloatField, Func, IntegerField

__all__ = ["DaysBetween", "FloorInt", "Scanned", "UtcDay", "UtcHour", "UtcMonth"]


class _Strftime(Func):
    """strftime on SQLite (datetimes are stored as UTC text there); an expression on
    PostgreSQL, over the timestamp seen in UTC."""

    arity = 1
    sqlite_format = ""
    postgresql_template = ""

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"strftime(%s, {sql})", [self.sqlite_format, *params]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template=self.postgresql_template, **extra)


class UtcHour(_Strftime):
    """The datetime with its minutes and seconds dropped."""

    output_field = DateTimeField()
    sqlite_format = "%Y-%m-%d %H:00:00"
    postgresql_template = (
        "(date_trunc('hour', %(expressions)s AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
    )


class UtcDay(_Strftime):
    """The date of the datetime, in UTC."""

    output_field = DateField()
    sqlite_format = "%Y-%m-%d"
    postgresql_template = "((%(expressions)s AT TIME ZONE 'UTC')::date)"


class UtcMonth(_Strftime):
    """The first day of the datetime's month, in UTC."""

    output_field = DateField()
    sqlite_format = "%Y-%m-01"
    postgresql_template = "(date_trunc('month', %(expressions)s AT TIME ZONE 'UTC')::date)"


class DaysBetween(Func):
    """Days (fractional) from the second datetime to the first."""

    output_field = FloatField()
    arity = 2

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s))",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)",
            arg_joiner=" - ",
            **extra,
        )


class FloorInt(Func):
    """The largest integer not above a number that is never negative (SQLite's CAST
    truncates, which for these is the same; PostgreSQL's rounds, so it floors first)."""

    output_field = IntegerField()
    arity = 1

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS INTEGER)")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="FLOOR(%(expressions)s)::integer")


class Scanned(Func):
    """A date column as is, but on SQLite written `+day`, SQLite's documented way to keep the
    planner off an index. For a day range over a summary table keyed (day, …) its planner
    reads the range through the key and looks each row up; a scan of the table is faster for
    every period (the hotspot counts at a million cases: 84 days 36 → 24 ms, a year
    166 → 66 ms, three years 840 → 250 ms). PostgreSQL chooses for itself from its statistics.
    """

    arity = 1
    template = "%(expressions)s"
    output_field = DateField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra)
