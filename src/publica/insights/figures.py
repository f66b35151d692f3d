"""A figure on a dashboard: a title, a chart, and the table of numbers behind it, which the
page shows to screen-reader users and offers as CSV. Pure: no database."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Figure", "as_csv"]


@dataclass(frozen=True)
class Figure:
    """`slug` names the figure in its CSV link (`?csv=<slug>`); `chart` is SVG markup drawn
    from exactly `rows` (empty for a table-only figure)."""

    slug: str
    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    chart: str = ""
    note: str = ""
    links: Sequence[str] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not self.rows


def as_csv(figure: Figure) -> str:
    """The figure's table as CSV; text cells that a spreadsheet would run as a formula are
    quoted with a leading apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(figure.columns)
    for row in figure.rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
