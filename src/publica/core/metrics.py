"""Prometheus metrics: requests and their latency by route (counted in every web worker and
summed across them), and the database's figures (queue depth, outbox age, ledger lag, ingest,
open cases) read when Prometheus scrapes /metrics. docs/operations.md lists them all.

Labels hold a method, a route's name and a status class, never a path, a query or a person.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    values,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

__all__ = ["metrics", "multiprocess_prepare", "request_observed"]

logger = logging.getLogger(__name__)

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# A `_created` series for each counter doubles the lines and says only when a worker started.
disable_created_metrics()
# Request metrics live in their own registry: the default one also describes the process and
# the Python version, which a scrape has no need to tell anyone.
_HTTP = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "publica_http_requests",
    "HTTP requests answered, by method, route name and status class.",
    ["method", "route", "status"],
    registry=_HTTP,
)
LATENCY = Histogram(
    "publica_http_request_duration_seconds",
    "Time from a request's arrival to its response, by route name.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=_HTTP,
)


def multiprocess_prepare(directory: Path) -> None:
    """Count requests in files under `directory`, so /metrics sums every web worker's counts
    whichever worker answers the scrape. Run by `publica serve` before its workers start;
    the files of an earlier run are removed (counters start again at zero, as a restarted
    process's would)."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_ENV] = str(directory)
    # prometheus_client chooses where values live when it is first imported; anything made
    # from now on (in the workers, after the fork) counts in the files.
    values.ValueClass = values.get_value_class()


def request_observed(*, method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request (`method` already one of METHODS or "other")."""
    REQUESTS.labels(method=method, route=route, status=f"{status // 100}xx").inc()
    LATENCY.labels(route=route).observe(seconds)


class DatabaseCollector(Collector):
    """The database's figures, read at each scrape; `publica_database_up` 0 when it cannot
    be read (and no other figure: a zero would look like an empty queue)."""

    def collect(self) -> Iterable[Metric]:
        from publica.core.operations import figures

        began = time.perf_counter()
        try:
            now = figures()
        except DatabaseError:
            logger.warning("metrics: the database could not be read", exc_info=True)
            yield GaugeMetricFamily("publica_database_up", "1 when the database answers.", 0)
            return
        yield GaugeMetricFamily("publica_database_up", "1 when the database answers.", 1)

        def gauge(name: str, text: str, value: float) -> GaugeMetricFamily:
            return GaugeMetricFamily(f"publica_{name}", text, value=value)

        yield gauge(
            "tasks_waiting", "Background tasks ready to run, not yet taken.", now.tasks_waiting
        )
        yield gauge(
            "tasks_oldest_waiting_seconds",
            "Age of the oldest task ready to run.",
            now.oldest_task_waiting_seconds,
        )
        outbox = GaugeMetricFamily(
            "publica_outbox_messages",
            "Messages (email, SMS, webhook) not yet delivered, by status.",
            labels=["status"],
        )
        for status, count in sorted(now.outbox_by_status.items()):
            outbox.add_metric([status], count)
        yield outbox
        yield gauge(
            "outbox_due_messages", "Undelivered messages whose next attempt is due.", now.outbox_due
        )
        yield gauge(
            "outbox_oldest_undelivered_seconds",
            "Age of the oldest message not yet delivered (0 when none).",
            now.oldest_undelivered_seconds,
        )
        yield gauge(
            "ledger_pending_entries",
            "Ledger entries not yet integrated into the log.",
            now.ledger_pending,
        )
        yield gauge(
            "ledger_unsigned_entries",
            "Ledger entries no signed checkpoint covers yet.",
            now.ledger_unsigned,
        )
        yield gauge(
            "ledger_oldest_pending_seconds",
            "Age of the oldest entry not yet integrated (0 when none).",
            now.oldest_pending_entry_seconds,
        )
        yield gauge(
            "ledger_checkpoint_size",
            "Entries the latest signed checkpoint covers.",
            now.ledger_size,
        )
        if now.last_checkpoint_seconds is not None:
            yield gauge(
                "ledger_last_checkpoint_age_seconds",
                "Seconds since the latest checkpoint was signed.",
                now.last_checkpoint_seconds,
            )
        yield CounterMetricFamily(
            "publica_sensor_observations_stored",
            "Sensor observations stored since the database began (rate() is the ingest rate).",
            value=now.observations_stored,
        )
        yield gauge("cases_open", "Cases not yet closed.", now.cases_open)
        yield gauge(
            "cases_overdue",
            "Open cases past their due time (clock not stopped).",
            now.cases_overdue,
        )
        yield gauge(
            "metrics_database_seconds",
            "Time this scrape took to read the figures.",
            time.perf_counter() - began,
        )


class _Scrape(Collector):
    def collect(self) -> Iterable[Metric]:
        directory = os.environ.get(MULTIPROCESS_ENV)
        if directory:
            yield from MultiProcessCollector(None, path=directory).collect()
        else:
            yield from _HTTP.collect()
        yield from DatabaseCollector().collect()


def authorised(request: HttpRequest) -> bool:
    """Anyone may scrape unless PUBLICA_METRICS_TOKEN is set; then only with that bearer."""
    token: str = settings.PUBLICA_METRICS_TOKEN
    if not token:
        return True
    given = request.headers.get("Authorization", "")
    scheme, _, credentials = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        credentials.strip().encode(), token.encode()
    )


def metrics(request: HttpRequest) -> HttpResponse:
    """GET /metrics: the Prometheus text format."""
    if not authorised(request):
        response = HttpResponse(
            "A bearer token is needed.\n", status=401, content_type="text/plain"
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    response = HttpResponse(generate_latest(_Scrape()), content_type=CONTENT_TYPE_PLAIN_0_0_4)
    response["Cache-Control"] = "no-store"
    return response
