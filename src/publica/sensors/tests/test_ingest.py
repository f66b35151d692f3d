"""Observations over MQTT, from a real Mosquitto: stored in batches, bad messages counted and
dropped, and readings published while the ingestor was down delivered when it returns."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import time
import uuid

import pytest
from django.db import OperationalError

from publica.sensors import services
from publica.sensors.ingest import Ingestor, Rejected, member, parse_message, retire_members
from publica.sensors.models import Observation

BROKER = ("127.0.0.1", 1883)
NOW = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
TOPIC = "v1.1/Datastreams(7)/Observations"


def test_a_reading_is_parsed_from_the_sensorthings_topic_and_body():
    reading = parse_message(
        TOPIC, b'{"phenomenonTime": "2026-11-21T08:59:00Z", "result": 42.5}', NOW
    )
    assert (reading.datastream_id, reading.result) == (7, 42.5)
    assert reading.phenomenon_time == dt.datetime(2026, 11, 21, 8, 59, tzinfo=dt.UTC)
    assert parse_message(TOPIC, b'{"result": "ok"}', NOW).phenomenon_time == NOW


@pytest.mark.parametrize(
    ("topic", "payload", "kind"),
    [
        ("v1.1/Things(7)/Observations", b'{"result": 1}', "topic"),
        (TOPIC, b"{not json", "json"),
        (TOPIC, b"\xff\xfe", "json"),
        (TOPIC, b"[1, 2]", "shape"),
        (TOPIC, b'{"phenomenonTime": "2026-11-21T09:00:00Z"}', "shape"),
        (TOPIC, b'{"phenomenonTime": "yesterday", "result": 1}', "time"),
        (TOPIC, b'{"phenomenonTime": "2026-11-22T09:00:00Z", "result": 1}', "skew"),
        (TOPIC, b'{"result": NaN}', "result"),
    ],
)
def test_a_bad_message_is_rejected_with_its_reason(topic, payload, kind):
    with pytest.raises(Rejected) as rejected:
        parse_message(topic, payload, NOW)
    assert rejected.value.kind == kind


def _broker_up() -> bool:
    try:
        with socket.create_connection(BROKER, timeout=1):
            return True
    except OSError:
        return False


needs_broker = pytest.mark.skipif(
    not _broker_up() and not os.environ.get("CI"),
    reason="no MQTT broker at 127.0.0.1:1883 (apt-get install mosquitto)",
)


def _publish(messages: list[tuple[str, bytes]]) -> None:
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect(*BROKER)
    client.loop_start()
    sent = [client.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in sent:
        info.wait_for_publish(timeout=10)
    client.loop_stop()
    client.disconnect()


def _wait(condition, seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _stored() -> int:
    """Observations stored so far, or -1 while the ingestor's thread holds the table: the
    SQLite test database is shared-cache in memory, where a reader does not wait for a writer."""
    try:
        return Observation.objects.count()
    except OperationalError:
        return -1


@needs_broker
@pytest.mark.django_db(transaction=True)  # the ingestor writes from its own thread
def test_readings_published_while_the_ingestor_was_down_arrive_when_it_returns(station):
    topic = f"v1.1/Datastreams({station['datastream']})/Observations"
    client_id = f"publica-test-{uuid.uuid4().hex[:8]}"
    ingestor = Ingestor("mqtt://127.0.0.1:1883", client_id=client_id, flush_every=0.05)
    thread = ingestor.start()
    time.sleep(0.5)  # connected and subscribed: the broker now keeps this session
    readings = [(topic, json.dumps({"result": n, "phenomenonTime": f"2026-11-20T08:{n:02d}:00Z"})
                 .encode()) for n in range(50)]  # fmt: skip
    _publish([*readings, (topic, b"{broken"), ("v1.1/Datastreams(999999)/Observations",
                                                 b'{"result": 1}')])  # fmt: skip
    _wait(lambda: _stored() == 50)
    _wait(lambda: sum(ingestor.stats.dropped.values()) == 2)
    assert ingestor.stats.dropped == {"json": 1, "datastream": 1}
    ingestor.stop()
    thread.join(timeout=10)

    later = [(topic, json.dumps({"result": 100 + n}).encode()) for n in range(20)]
    _publish(later)  # nobody is listening: the broker queues them for the session
    again = Ingestor("mqtt://127.0.0.1:1883", client_id=client_id, flush_every=0.05)
    thread = again.start()
    try:
        _wait(lambda: _stored() == 70)
    finally:
        again.stop()
        thread.join(timeout=10)
    values = sorted(Observation.objects.values_list("value", flat=True))
    assert values == [float(n) for n in range(50)] + [float(100 + n) for n in range(20)]
    assert again.stats.duplicates == 0  # the first ingester's acknowledgements reached the broker
    Ingestor("mqtt://127.0.0.1:1883", client_id=client_id).retire()  # leave no session behind


@needs_broker
@pytest.mark.django_db(transaction=True)
def test_readings_whose_write_fails_stay_buffered_and_are_stored_on_the_next_try(
    station, monkeypatch
):
    real, failures = services.observations_create, []

    def fails_once(**kwargs):  # type: ignore[no-untyped-def]
        if not failures:
            failures.append(1)
            raise OperationalError("the database is away")  # as a lost connection reports it
        return real(**kwargs)

    monkeypatch.setattr(services, "observations_create", fails_once)
    topic = f"v1.1/Datastreams({station['datastream']})/Observations"
    client_id = f"publica-test-{uuid.uuid4().hex[:8]}"
    ingestor = Ingestor("mqtt://127.0.0.1:1883", client_id=client_id, flush_every=0.05)
    thread = ingestor.start()
    try:
        time.sleep(0.5)
        _publish([(topic, json.dumps({"result": n}).encode()) for n in range(10)])
        _wait(lambda: _stored() == 10)
    finally:
        ingestor.stop()
        thread.join(timeout=10)
    assert ingestor.stats.retries >= 1 and ingestor.stats.stored == 10
    Ingestor("mqtt://127.0.0.1:1883", client_id=client_id).retire()


@needs_broker
@pytest.mark.django_db(transaction=True)
def test_a_group_shares_the_readings_and_retiring_a_member_stores_what_it_held(station):
    topic = f"v1.1/Datastreams({station['datastream']})/Observations"
    url, base = "mqtt://127.0.0.1:1883", f"publica-test-{uuid.uuid4().hex[:8]}"
    first, second = member(url, base, 1), member(url, base, 2)
    threads = [first.start(), second.start()]
    time.sleep(0.5)
    _publish([(topic, json.dumps({"result": n}).encode()) for n in range(40)])
    _wait(lambda: _stored() == 40)
    assert first.stats.stored > 0 and second.stats.stored > 0  # the broker spread them
    second.stop()
    threads[1].join(timeout=10)

    # Scaled down to one: the broker still gives the second member its share, and keeps it.
    _publish([(topic, json.dumps({"result": 100 + n}).encode()) for n in range(40)])
    _wait(lambda: first.stats.stored + second.stats.stored >= 60)
    waiting = 80 - _stored()
    assert waiting > 0
    assert retire_members(url, base, above=1) == waiting
    assert _stored() == 80
    first.stop()
    threads[0].join(timeout=10)
    assert retire_members(url, base, above=1) == 0  # the session is gone: nothing waits
    retire_members(url, base, above=0)  # leave no session behind on the broker


@needs_broker
@pytest.mark.django_db(transaction=True)
def test_the_ingest_command_stops_on_a_burst_of_signals(tmp_path):
    """Two SIGTERMs in a row (a service manager's, then a supervisor's) used to leave a member
    stuck: its handler set an Event whose lock the first handler still held."""
    import signal
    import subprocess
    import sys
    from pathlib import Path

    base = f"publica-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "PUBLICA_DATA_DIR": str(tmp_path), "PUBLICA_LOG_LEVEL": "INFO",
           "PUBLICA_MQTT_CLIENT_ID": base}  # fmt: skip
    env.pop("DATABASE_URL", None)
    command = [Path(sys.executable).with_name("publica"), "sensors", "ingest", "--processes", "1"]
    ingest = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert ingest.stdout is not None
    for line in ingest.stdout:
        if b"subscribed to" in line:
            break
    ingest.send_signal(signal.SIGTERM)
    ingest.send_signal(signal.SIGTERM)
    assert ingest.wait(timeout=30) == 0
    assert b"Stored 0 observations" in ingest.stdout.read()
    retire_members("mqtt://127.0.0.1:1883", base, above=0)  # leave no session behind
