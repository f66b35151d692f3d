"""Reads for the hotspot map: reports per H3 cell over a period, from HotspotCount."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F, Sum

from publica.catalogue.models import Service
from publica.core.sqlfunctions import Scanned
from publica.insights.filters import Filters
from publica.insights.models import HotspotCount

__all__ = ["HotspotCell", "Hotspots", "hotspot_cells"]


@dataclass(frozen=True)
class HotspotCell:
    """One H3 cell's reports in the period, and the service most of them were for (ties go
    to the service whose title sorts first)."""

    cell: str
    reports: int
    top_service: str
    top_service_reports: int


@dataclass(frozen=True)
class Hotspots:
    """The cells with reports, most reports first, and their total."""

    cells: list[HotspotCell]

    @property
    def reports(self) -> int:
        return sum(cell.reports for cell in self.cells)


def hotspot_cells(*, filters: Filters) -> Hotspots:
    """Reports per cell for the filters' days, department and service, summed over days in
    one grouped query (per cell and service, which also gives each cell's top service)."""
    counts = HotspotCount.objects.alias(scanned_day=Scanned(F("day"))).filter(
        scanned_day__gte=filters.start, scanned_day__lte=filters.end
    )
    if filters.department is not None:
        counts = counts.filter(department_id=filters.department)
    if filters.service is not None:
        counts = counts.filter(service_id=filters.service)
    grouped = (
        counts.values("cell", "service_id")
        .annotate(total=Sum("reports"))
        .order_by()
        .values_list("cell", "service_id", "total")
    )
    by_cell: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for cell, service, total in grouped:
        by_cell[cell].append((service, total))
    titles = dict(
        Service.objects.filter(
            pk__in={service for found in by_cell.values() for service, _ in found}
        ).values_list("pk", "title")
    )
    cells = []
    for cell, found in by_cell.items():
        top, top_reports = min(found, key=lambda pair: (-pair[1], titles.get(pair[0], "")))
        cells.append(
            HotspotCell(
                cell=cell,
                reports=sum(total for _, total in found),
                top_service=titles.get(top, ""),
                top_service_reports=top_reports,
            )
        )
    cells.sort(key=lambda found: (-found.reports, found.cell))
    return Hotspots(cells=cells)
