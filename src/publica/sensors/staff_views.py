"""The back office's sensors pages, at /staff/sensors/: a map and table of things with their
latest readings and 24-hour sparklines, active alarms, and one thing's readings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from publica.accounts.models import User
from publica.core import clock
from publica.core.errors import PermissionDenied
from publica.portal.staff import staff_required
from publica.sensors import charts
from publica.sensors.models import Datastream, Observation, Thing
from publica.sensors.services import PUBLISHERS, datastream_set_public

WINDOW = timedelta(hours=24)
QUIET_AFTER = timedelta(hours=1)  # no reading for this long: flagged on the page
RECENT_ROWS = 50


@dataclass
class StreamRow:
    datastream: Datastream
    symbol: str
    latest_value: float | None
    latest_time: datetime | None
    quiet: bool
    summary: charts.Summary
    chart: SafeString


def _streams(datastreams: Any, now: datetime, *, width: int, height: int) -> list[StreamRow]:
    """Each Datastream with its latest reading and a chart of the last 24 hours."""
    latest = Observation.objects.filter(datastream=OuterRef("pk")).order_by("-phenomenon_time")
    streams = list(
        datastreams.annotate(
            latest_value=Subquery(latest.values("value")[:1]),
            latest_time=Subquery(latest.values("phenomenon_time")[:1]),
        ).order_by("thing__name", "name")
    )
    points: dict[int, list[tuple[float, float]]] = {stream.pk: [] for stream in streams}
    recent = (
        Observation.objects.filter(
            datastream__in=streams,
            phenomenon_time__gt=now - WINDOW,
            phenomenon_time__lte=now,
            value__isnull=False,
        )
        .order_by("phenomenon_time")
        .values_list("datastream_id", "phenomenon_time", "value")
    )
    for pk, moment, value in recent:
        if value is not None:  # already filtered; this tells the type checker
            points[pk].append((moment.timestamp(), value))
    rows = []
    for stream in streams:
        symbol = (stream.unit_of_measurement or {}).get("symbol", "")
        title = _("%(name)s, last 24 hours") % {"name": stream.name}
        rows.append(
            StreamRow(
                datastream=stream,
                symbol=symbol,
                latest_value=stream.latest_value,  # type: ignore[attr-defined]
                latest_time=stream.latest_time,  # type: ignore[attr-defined]
                quiet=stream.latest_time is None  # type: ignore[attr-defined]
                or stream.latest_time < now - QUIET_AFTER,  # type: ignore[attr-defined]
                summary=charts.summarise(points[stream.pk]),
                # charts.py escapes every text it writes into the SVG.
                chart=mark_safe(
                    charts.sparkline(
                        points[stream.pk],
                        title=title,
                        width=width,
                        height=height,
                        start=(now - WINDOW).timestamp(),
                        end=now.timestamp(),
                        max_gap=QUIET_AFTER.total_seconds(),
                    )
                ),
            )
        )
    return rows


def _point(thing: Thing) -> charts.MapPoint | None:
    for location in thing.locations.all():
        geometry = location.location or {}
        if geometry.get("type") == "Feature":
            geometry = geometry.get("geometry") or {}
        coordinates = geometry.get("coordinates") if geometry.get("type") == "Point" else None
        if coordinates and len(coordinates) >= 2:
            kind = (thing.properties or {}).get("kind", "")
            return charts.MapPoint(thing.name, float(coordinates[1]), float(coordinates[0]), kind)
    return None


def active_alarms() -> list[dict[str, Any]] | None:
    """Firing alarms, or None while this Publica has no alarms (the Alarm model is optional)."""
    try:
        alarm_model = apps.get_model("sensors", "Alarm")
    except LookupError:
        return None
    alarms = (
        alarm_model._default_manager.filter(state="firing")
        .select_related("datastream__thing", "case", "rule")
        .order_by("-first_fired_at")
    )
    return [
        {
            "rule": str(getattr(alarm, "rule", "")),
            "datastream": alarm.datastream,
            "reason": getattr(alarm, "last_reason", ""),
            "since": getattr(alarm, "first_fired_at", None),
            "case_reference": getattr(getattr(alarm, "case", None), "reference", ""),
        }
        for alarm in alarms
    ]


@staff_required
def overview(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    things = list(Thing.objects.prefetch_related("locations").order_by("name"))
    rows = _streams(
        Datastream.objects.select_related("thing", "observed_property"), now, width=160, height=40
    )
    by_thing: dict[int, list[StreamRow]] = {}
    for row in rows:
        by_thing.setdefault(row.datastream.thing_id, []).append(row)
    points = [point for point in map(_point, things) if point is not None]
    return render(
        request,
        "sensors/staff/overview.html",
        {
            "things": [(thing, by_thing.get(thing.pk, [])) for thing in things],
            "map": mark_safe(
                charts.point_map(
                    points, title=_("Map of %(count)d things") % {"count": len(points)}
                )
            )
            if points
            else "",
            "alarms": active_alarms(),
            "now": now,
        },
    )


@staff_required
def thing_detail(request: HttpRequest, thing_id: int) -> HttpResponse:
    thing = Thing.objects.prefetch_related("locations").filter(pk=thing_id).first()
    if thing is None:
        raise Http404
    now = clock.now()
    rows = _streams(
        thing.datastreams.select_related("thing", "observed_property"), now, width=640, height=160
    )
    recent = {
        row.datastream.pk: list(
            Observation.objects.filter(datastream=row.datastream, phenomenon_time__lte=now)
            .order_by("-phenomenon_time")
            .values("phenomenon_time", "value", "result")[:RECENT_ROWS]
        )
        for row in rows
    }
    point = _point(thing)
    return render(
        request,
        "sensors/staff/thing.html",
        {
            "thing": thing,
            "point": point,
            "streams": [(row, recent[row.datastream.pk]) for row in rows],
            "recent_rows": RECENT_ROWS,
            "may_publish": str(getattr(request.user, "role", "")) in PUBLISHERS,
        },
    )


@staff_required
@require_POST
def datastream_publication(request: HttpRequest, datastream_id: int) -> HttpResponse:
    """Publish a Datastream's readings as open data, or stop publishing them."""
    datastream = get_object_or_404(Datastream, pk=datastream_id)
    public = request.POST.get("public") == "true"
    actor: User = request.user  # type: ignore[assignment]  # staff_required: signed in
    try:
        datastream_set_public(datastream=datastream, public=public, actor=actor)
    except PermissionDenied as refused:
        messages.error(request, str(refused))
    else:
        done = (
            _("%(name)s is published as open data.")
            if public
            else _("%(name)s is no longer published.")
        )
        messages.success(request, done % {"name": datastream.name})
    return redirect("staff_sensors:thing", datastream.thing_id)
