"""What a published table is: a queryset and the typed columns taken from it.

Every dataset's rows come from one `Table`. The CKAN `datastore_search`, the downloads (CSV,
JSON, Parquet), the preview on the dataset's page and the DCAT schema all read a table
through this one description, so a column is named, typed and described once.

Apps that publish their own data (spending, procurement, sensors) give a `Table` from their
selectors; the opendata registry lists them as datasets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Expression, F, QuerySet

__all__ = ["Chart", "Column", "ColumnType", "Table"]

# The CKAN DataStore's type names, which the downloads and the DCAT schema reuse.
ColumnType = Literal["text", "int", "numeric", "timestamp", "date", "bool"]


@dataclass(frozen=True)
class Column:
    """One published column. `source` is the ORM path (or expression) it is read from;
    without one, the column is the model field of the same name."""

    name: str
    type: ColumnType
    description: str
    source: str | Expression | None = None

    def expression(self) -> Expression | F:
        if isinstance(self.source, Expression):
            return self.source
        return F(self.source or self.name)


@dataclass(frozen=True)
class Chart:
    """How the dataset's page draws its chart: `y` summed (or averaged) per `x`, or the rows
    counted per `x` without a `y`; as bars (categories) or a line (a series in `x` order)."""

    x: str
    y: str | None = None
    kind: Literal["bar", "line"] = "bar"
    title: str = ""
    average: bool = False


@dataclass(frozen=True)
class Table:
    """Where a dataset's rows come from.

    `rows` returns a fresh queryset of the published rows only (already filtered to what
    may be published); `id_source` is the unique, stable field that becomes CKAN's `_id`;
    `order` is the default sort, by column names.
    """

    rows: Callable[[], QuerySet[Any]]
    columns: tuple[Column, ...]
    id_source: str = "pk"
    order: tuple[str, ...] = ("_id",)
    chart: Chart | None = None

    def column(self, name: str) -> Column | None:
        return next((column for column in self.columns if column.name == name), None)

    def queryset(self) -> QuerySet[Any]:
        """The rows with every column annotated under its published name, plus `_id`."""
        annotations: dict[str, Any] = {"_id": F(self.id_source)}
        for column in self.columns:
            if column.source is not None and column.source != column.name:
                annotations[column.name] = column.expression()
        return self.rows().annotate(**annotations)

    def values(self) -> QuerySet[Any]:
        """Dicts of `_id` and the published columns, in the default order."""
        names = ["_id", *(column.name for column in self.columns)]
        return self.queryset().order_by(*self.order).values(*names)
