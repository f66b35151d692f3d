"""The hotspot map: where reports cluster, per H3 cell, for the chosen period, department and
service."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from publica.accounts.models import User
from publica.insights import hexmap
from publica.insights.figures import Figure
from publica.insights.selectors.figures import as_of
from publica.insights.selectors.hotspots import Hotspots, hotspot_cells
from publica.insights.views.common import dashboard, filters_for
from publica.portal.staff import staff_required

__all__ = ["page"]

#: How many of the busiest cells the second figure lists.
TOP_CELLS = 10


@staff_required
def page(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    chosen, filter_context = filters_for(request, actor)
    found = hotspot_cells(filters=chosen)
    context = {
        "heading": _("Hotspots"),
        "current": "hotspots",
        "as_of": as_of(),
        "reports": found.reports,
        "cell_count": len(found.cells),
        "cell_area": hexmap.cell_area_km2(settings.PUBLICA_INSIGHTS_H3_RESOLUTION),
        **filter_context,
    }
    return dashboard(request, "insights/hotspots.html", context, [_map(found), _busiest(found)])


def _map(found: Hotspots) -> Figure:
    title = _("Reports by area")
    labels = {
        cell.cell: ngettext(
            "%(reports)s report; most for %(service)s",
            "%(reports)s reports; most for %(service)s",
            cell.reports,
        )
        % {"reports": f"{cell.reports:,}", "service": cell.top_service}
        for cell in found.cells
    }
    return Figure(
        slug="hotspots",
        title=title,
        columns=(_("Cell"), _("Centre latitude"), _("Centre longitude"), _("Reports")),
        rows=[(cell.cell, *hexmap.centre(cell.cell), cell.reports) for cell in found.cells],
        chart=hexmap.hexmap(
            [(cell.cell, cell.reports) for cell in found.cells],
            title=title,
            legend_title=_("Reports per area"),
            labels=labels,
        ),
        note=_(
            "Each hexagon is one area; the darker it is, the more reports were made in it. "
            "Reports merged into another and reports without a point on the map are not "
            "counted."
        ),
    )


def _busiest(found: Hotspots) -> Figure:
    return Figure(
        slug="busiest-areas",
        title=_("The busiest areas"),
        note=_("The %(count)d areas with the most reports, and the service most were for.")
        % {"count": TOP_CELLS},
        columns=(
            _("Cell"),
            _("Centre latitude"),
            _("Centre longitude"),
            _("Reports"),
            _("Most reported service"),
            _("Its reports"),
        ),
        rows=[
            (
                cell.cell,
                *hexmap.centre(cell.cell),
                cell.reports,
                cell.top_service,
                cell.top_service_reports,
            )
            for cell in found.cells[:TOP_CELLS]
        ],
    )
