"""/metrics in the Prometheus text format: requests by route name, and the database's figures
moving as messages queue, the ledger lags, readings arrive and cases open."""

from __future__ import annotations

import datetime as dt

import pytest
from prometheus_client.parser import text_string_to_metric_families

from publica.cases.tests.factories import submit_pothole
from publica.core import clock
from publica.ledger.services import ledger_append_access_batch, ledger_sequence
from publica.notify.services import dispatch_due
from publica.sensors.entities import ENTITY_SETS
from publica.sensors.models import Datastream
from publica.sensors.services import ObservationRow, entity_create, observations_create
from publica.sensors.tests.conftest import SETUP, THING

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client, **headers: str) -> Samples:  # type: ignore[no-untyped-def]
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def requests_of(samples: Samples, route: str, status: str = "2xx") -> float:
    key = ("publica_http_requests_total", (("method", "GET"), ("route", route), ("status", status)))
    return samples.get(key, 0.0)


def figure(samples: Samples, name: str, **labels: str) -> float:
    return samples[(f"publica_{name}", tuple(sorted(labels.items())))]


@pytest.mark.django_db
def test_requests_are_counted_by_route_name_never_by_path(client):
    before = scrape(client)
    client.get("/healthz")
    client.get("/no/such/page/jane.doe@example.org?email=jane.doe%40example.org")
    response = client.get("/metrics")
    after = scrape(client)
    assert requests_of(after, "health") == requests_of(before, "health") + 1
    assert requests_of(after, "unmatched", "4xx") == requests_of(before, "unmatched", "4xx") + 1
    assert requests_of(after, "metrics") >= requests_of(before, "metrics") + 2
    text = response.content.decode()
    assert "jane" not in text and "/no/such" not in text
    histogram = ("publica_http_request_duration_seconds_count", (("route", "health"),))
    assert after[histogram] >= 1


@pytest.mark.django_db
def test_the_outbox_ledger_and_cases_figures_move_as_work_waits_and_is_done(client, pothole):
    before = scrape(client)
    submit_pothole(pothole)  # an acknowledgement e-mail waits in the outbox
    ledger_append_access_batch(  # an entry waits for the sequencer
        batch=1, first_id=1, last_id=3, count=3, root="ab" * 32, at=clock.now()
    )
    submitted = scrape(client)
    queued = figure(submitted, "outbox_messages", status="queued")
    assert queued == figure(before, "outbox_messages", status="queued") + 1
    assert figure(submitted, "outbox_due_messages") >= 1
    assert figure(submitted, "ledger_pending_entries") == 1
    assert figure(submitted, "ledger_unsigned_entries") == 1
    assert figure(submitted, "cases_open") == figure(before, "cases_open") + 1
    assert figure(submitted, "cases_overdue") == figure(before, "cases_overdue")

    with clock.at(clock.now() + dt.timedelta(minutes=10)):
        later = scrape(client)
        assert figure(later, "outbox_oldest_undelivered_seconds") >= 600
        assert figure(later, "ledger_oldest_pending_seconds") >= 600

    checkpoint = ledger_sequence()
    assert checkpoint is not None
    signed = scrape(client)
    assert figure(signed, "ledger_pending_entries") == 0
    assert figure(signed, "ledger_unsigned_entries") == 0
    assert figure(signed, "ledger_checkpoint_size") == checkpoint.size
    assert 0 <= figure(signed, "ledger_last_checkpoint_age_seconds") < 60


@pytest.mark.django_db
def test_queue_depth_counts_the_delivery_tasks_waiting(client, pothole):
    submit_pothole(pothole)
    before = figure(scrape(client), "tasks_waiting")
    assert dispatch_due()  # the worker's outbox loop: one delivery task for the batch
    assert figure(scrape(client), "tasks_waiting") == before + 1


@pytest.mark.django_db
def test_stored_readings_count_up_for_the_ingest_rate(client, pothole):
    thing = entity_create(entity=ENTITY_SETS["Things"], data=THING, actor=SETUP)
    stream = Datastream.objects.get(thing=thing)
    start = clock.now() - dt.timedelta(hours=1)
    # The figure is the highest observation id: a first reading anchors it, since PostgreSQL's
    # sequence has moved on past rows that earlier tests rolled back.
    observations_create(datastream=stream, rows=[ObservationRow(start, 9.0)], actor=SETUP)
    before = figure(scrape(client), "sensor_observations_stored_total")
    start += dt.timedelta(minutes=1)
    rows = [ObservationRow(start + dt.timedelta(minutes=i), 10.0 + i) for i in range(5)]
    observations_create(datastream=stream, rows=rows, actor=SETUP)
    assert figure(scrape(client), "sensor_observations_stored_total") == before + 5


@pytest.mark.django_db
def test_a_scrape_reads_the_figures_in_a_few_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        assert client.get("/metrics").status_code == 200


@pytest.mark.django_db
def test_with_a_token_set_metrics_need_it_as_a_bearer(client, settings):
    settings.PUBLICA_METRICS_TOKEN = "scrape-token-for-tests"
    refused = client.get("/metrics")
    assert refused.status_code == 401 and refused["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    scrape(client, HTTP_AUTHORIZATION="Bearer scrape-token-for-tests")


@pytest.mark.django_db
def test_metrics_tell_no_versions_or_process_details(client):
    names = {name for name, _ in scrape(client)}
    assert all(name.startswith("publica_") for name in names), names
