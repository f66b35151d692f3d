"""The datasets drawn from the case spine and the sensors: service requests, daily volumes,
service-level performance, and the readings of sensors the council marks public."""

from __future__ import annotations

from django.db.models.fields.json import KeyTextTransform

from publica.opendata import snapshots
from publica.opendata.models import DailyVolumeRow, ServiceRequestRow, SlaPerformanceRow
from publica.opendata.registry import Definition
from publica.opendata.tables import Chart, Column, Table

__all__ = ["DATASETS"]


def _service_requests() -> Table:
    return Table(
        rows=ServiceRequestRow.objects.all,
        columns=(
            Column("service_code", "text", "The service's code, as in Open311 (e.g. pothole)."),
            Column("service_name", "text", "The service's name."),
            Column("department", "text", "The department that handles the service."),
            Column("status", "text", "open or closed."),
            Column("outcome", "text", "How a closed report ended (e.g. fixed), if recorded."),
            Column("channel", "text", "How it came in: portal, open311, api, sensor, staff."),
            Column("opened_at", "timestamp", "When it was reported, to the hour (UTC)."),
            Column("closed_at", "timestamp", "When it was closed, to the hour (UTC)."),
            Column("days_to_close", "numeric", "Days from report to closing."),
            Column(
                "area",
                "text",
                "The grid cell it is in (row:column of the grid); empty when fewer than the "
                "threshold of this service's reports share the cell, or no place was given.",
            ),
            Column("area_latitude", "numeric", "The latitude of the grid cell's centre."),
            Column("area_longitude", "numeric", "The longitude of the grid cell's centre."),
        ),
        chart=Chart(x="service_name", kind="bar", title="Reports per service"),
    )


def _daily_volumes() -> Table:
    return Table(
        rows=DailyVolumeRow.objects.all,
        columns=(
            Column("day", "date", "The local day."),
            Column("service_code", "text", "The service's code."),
            Column("service_name", "text", "The service's name."),
            Column("opened", "int", "Cases opened that day; empty when 1 to 4 (suppressed)."),
            Column("closed", "int", "Cases closed that day; empty when 1 to 4 (suppressed)."),
        ),
        order=("day", "service_code"),
        chart=Chart(x="day", y="opened", kind="line", title="Cases opened per day"),
    )


def _sla_performance() -> Table:
    return Table(
        rows=SlaPerformanceRow.objects.all,
        columns=(
            Column("month", "date", "The month the cases closed in (its first day)."),
            Column("service_code", "text", "The service's code."),
            Column("service_name", "text", "The service's name."),
            Column("department", "text", "The department that handles the service."),
            Column("closed", "int", "Cases closed; empty when fewer than 5."),
            Column("within_sla", "int", "Of those, closed by their due time."),
            Column("within_sla_share", "numeric", "within_sla ÷ closed (0 to 1)."),
            Column("median_days", "numeric", "The median days from report to closing."),
        ),
        order=("month", "service_code"),
        chart=Chart(x="service_name", y="closed", title="Cases closed per service"),
    )


def _sensor_readings() -> Table:
    from publica.sensors.selectors import public_observations

    return Table(
        rows=public_observations,
        columns=(
            Column("datastream_id", "int", "The SensorThings Datastream's @iot.id."),
            Column("datastream_name", "text", "The Datastream's name.", "datastream__name"),
            Column(
                "thing", "text", "The Thing (station) it belongs to.", "datastream__thing__name"
            ),
            Column(
                "observed_property",
                "text",
                "What is measured.",
                "datastream__observed_property__name",
            ),
            Column(
                "unit",
                "text",
                "The unit's symbol.",
                KeyTextTransform("symbol", "datastream__unit_of_measurement"),
            ),
            Column("phenomenon_time", "timestamp", "When the reading was taken (UTC)."),
            Column("value", "numeric", "The reading."),
        ),
        order=("phenomenon_time", "_id"),
        chart=Chart(
            x="datastream_name", y="value", average=True, title="Average reading per datastream"
        ),
    )


DATASETS: tuple[Definition, ...] = (
    Definition(
        name="service-requests",
        title="Service requests",
        description=(
            "Every problem reported to the council (potholes, street lights, fly-tipping, …): "
            "the service, whether it is open or closed, when it was reported and closed, and "
            "roughly where. Nothing the resident wrote and nothing that names them is "
            "published; times are to the hour and places are grid cells of about a kilometre, "
            "withheld where too few reports share one."
        ),
        table=_service_requests,
        frequency="daily",
        keywords=("service requests", "311", "street problems"),
        theme="GOVE",
        refresh=snapshots.build_service_requests,
    ),
    Definition(
        name="daily-volumes",
        title="Cases opened and closed per day",
        description=(
            "For every service, reports and applications alike, how many cases were opened "
            "and closed each day. Counts from 1 to 4 are left empty so that no one case can "
            "be picked out."
        ),
        table=_daily_volumes,
        frequency="daily",
        keywords=("volumes", "demand"),
        theme="GOVE",
        refresh=snapshots.build_daily_volumes,
    ),
    Definition(
        name="sla-performance",
        title="Service-level performance per month",
        description=(
            "How many cases each service closed each month, how many of them by the time the "
            "council promised (the clock stops while the council waits for the resident), and "
            "the median days taken. Months with fewer than 5 closed cases show no figures."
        ),
        table=_sla_performance,
        frequency="daily",
        keywords=("performance", "service level", "SLA"),
        theme="GOVE",
        refresh=snapshots.build_sla_performance,
    ),
    Definition(
        name="sensor-readings",
        title="Sensor readings",
        description=(
            "Readings from the council's sensors that it publishes (air quality, river levels, "
            "bin fill levels, …), as they arrive. The same readings are available live through "
            "the SensorThings API."
        ),
        table=_sensor_readings,
        frequency="continuous",
        keywords=("sensors", "environment", "internet of things"),
        theme="ENVI",
    ),
)
