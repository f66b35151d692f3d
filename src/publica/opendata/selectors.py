"""Reads of the published datasets: each one's record joined with its definition, and the
downloads (resources) it offers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Aggregate, Avg, Count, Sum
from django.urls import reverse

from publica.core.errors import NotFound
from publica.opendata import charts
from publica.opendata.models import Dataset
from publica.opendata.registry import Definition, definitions
from publica.opendata.tables import Table

__all__ = [
    "FORMATS",
    "Published",
    "Resource",
    "chart_figures",
    "chart_svg",
    "published_get",
    "published_list",
    "resource_get",
]

#: The downloads every dataset offers: format name, file extension, media type.
FORMATS: tuple[tuple[str, str, str], ...] = (
    ("CSV", "csv", "text/csv"),
    ("JSON", "json", "application/json"),
    ("Parquet", "parquet", "application/vnd.apache.parquet"),
)


@dataclass(frozen=True)
class Resource:
    """One download of a dataset. Its id is derived from the dataset's and the format, so it
    stays the same across rebuilds; the CSV one is the dataset's DataStore resource."""

    id: str
    dataset_id: str
    format: str
    extension: str
    media_type: str
    url: str

    @property
    def datastore_active(self) -> bool:
        return self.format == "CSV"


@dataclass(frozen=True)
class Published:
    """A dataset as the public sees it: its record (`dataset`) and what code says it is."""

    dataset: Dataset
    definition: Definition

    @property
    def id(self) -> str:
        return str(self.dataset.id)

    @property
    def name(self) -> str:
        return self.dataset.name

    @property
    def title(self) -> str:
        return self.definition.title

    @property
    def description(self) -> str:
        return self.definition.description

    @cached_property
    def table(self) -> Table:
        return self.definition.table()

    def get_absolute_url(self) -> str:
        return reverse("opendata:dataset", args=[self.name])

    def resources(self) -> list[Resource]:
        return [
            Resource(
                id=str(uuid.uuid5(self.dataset.id, extension)),
                dataset_id=self.id,
                format=label,
                extension=extension,
                media_type=media_type,
                url=reverse("opendata:download", args=[self.name, extension]),
            )
            for label, extension, media_type in FORMATS
        ]

    def resource(self, extension: str) -> Resource:
        return next(item for item in self.resources() if item.extension == extension)


def published_list() -> list[Published]:
    """Every published dataset, in the registry's order. A definition whose record is not
    written yet (before the first `datasets_publish`) is not listed."""
    known = definitions()
    records = {record.name: record for record in Dataset.objects.select_related("organisation")}
    return [
        Published(records[name], definition)
        for name, definition in known.items()
        if name in records
    ]


def published_get(name_or_id: str) -> Published:
    """By CKAN name or id; raises NotFound."""
    for item in published_list():
        if name_or_id in (item.name, item.id):
            return item
    raise NotFound(f"no dataset named {name_or_id!r}")


def resource_get(resource_id: str) -> tuple[Published, Resource]:
    """A download by its id; raises NotFound."""
    for item in published_list():
        for resource in item.resources():
            if resource.id == resource_id:
                return item, resource
    raise NotFound(f"no resource with id {resource_id!r}")


# Chart figures are aggregates over up to millions of rows, so each process keeps the last ones
# per (dataset, build): a snapshot's change only when it is rebuilt; a live table's are as of
# the worker's last pass over it (PUBLICA_OPENDATA_REFRESH_MINUTES).
_FIGURES: dict[tuple[str, object], list[tuple[str, float]]] = {}
LINE_POINTS = 90
BARS = 20


def chart_figures(published: Published) -> list[tuple[str, float]]:
    """The (label, value) pairs the dataset's chart draws, computed by the database: the rows
    counted, or `y` summed or averaged, per `x`. A line shows the last 90 points of the
    series; bars the 20 largest."""
    chart = published.table.chart
    if chart is None:
        return []
    key = (published.name, published.dataset.built_at)
    if key not in _FIGURES:
        measure: Aggregate
        if chart.y is None:
            measure = Count("_id")
        elif chart.average:
            measure = Avg(chart.y)
        else:
            measure = Sum(chart.y)
        grouped = published.table.queryset().values(chart.x).annotate(figure=measure)
        if chart.kind == "line":
            found = list(grouped.order_by(f"-{chart.x}")[:LINE_POINTS])[::-1]
        else:
            found = list(grouped.order_by("-figure", chart.x)[:BARS])
        if len(_FIGURES) > 100:
            _FIGURES.clear()
        _FIGURES[key] = [
            (str(row[chart.x]), float(row["figure"] or 0))
            for row in found
            if row[chart.x] is not None
        ]
    return _FIGURES[key]


def chart_svg(published: Published, figures: list[tuple[str, float]]) -> str:
    chart = published.table.chart
    if chart is None or not figures:
        return ""
    draw = charts.line if chart.kind == "line" else charts.bars
    return draw(figures, title=chart.title or published.title)
