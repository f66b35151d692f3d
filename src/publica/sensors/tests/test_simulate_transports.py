"""The simulator's transports against a real server and a real broker."""

from __future__ import annotations

import json
import os
import queue
import random
import socket
from datetime import UTC, datetime, timedelta

import pytest

from publica.accounts import apikeys
from publica.accounts.tests.factories import OrganisationFactory
from publica.core.actors import SystemActor
from publica.sensors import simulate
from publica.sensors.demo import load_demo_things
from publica.sensors.models import Observation

START = datetime(2025, 1, 6, 0, 0, tzinfo=UTC)
BROKER = ("127.0.0.1", 1883)


def test_http_transport_posts_data_array_batches_that_become_observations(live_server) -> None:  # type: ignore[no-untyped-def]
    actor = SystemActor("tests")
    OrganisationFactory()
    _, key = apikeys.apikey_create(name="simulator", scopes=["sensors:write"], actor=actor)
    datastreams = load_demo_things(actor=actor)
    streams = [simulate.Stream(ds.pk, ds.properties["publica_demo"]) for ds in datastreams[:4]]
    transport = simulate.HttpTransport(
        base_url=f"{live_server.url}/sta/v1.1/", api_key=key, batch_size=5
    )
    posts: list[int] = []
    real_post = transport._post
    transport._post = lambda readings: (posts.append(len(readings)), real_post(readings))[1]  # type: ignore[method-assign]
    sent = simulate.simulate(
        streams,
        transport=transport,
        scenario=simulate.Scenario(start=START),
        interval=timedelta(minutes=5),
        count=3,
        speedup=0,
    )
    assert sent == 12
    assert posts == [5, 5, 2]  # batches of five, the rest on close
    stored = Observation.objects.filter(datastream_id=streams[0].datastream_id).order_by(
        "phenomenon_time"
    )
    assert [o.phenomenon_time for o in stored] == [
        START + timedelta(minutes=5 * n) for n in range(3)
    ]
    expected = simulate.value_at(streams[0].key, START, simulate.Scenario(start=START))
    assert stored[0].value == pytest.approx(expected)


def test_http_transport_reports_a_refused_key(live_server) -> None:  # type: ignore[no-untyped-def]
    transport = simulate.HttpTransport(base_url=f"{live_server.url}/sta/v1.1", api_key="nonsense")
    with pytest.raises(simulate.SimulationError, match="401"):
        transport.send([simulate.Reading(1, "bin-mill-lane:fill", START, 1.0)])
        transport.flush()


def _broker_reachable() -> bool:
    try:
        with socket.create_connection(BROKER, timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(
    not os.environ.get("CI") and not _broker_reachable(),
    reason="no MQTT broker at 127.0.0.1:1883 (CI always runs this)",
)
def test_mqtt_transport_publishes_each_reading_to_its_datastream_topic() -> None:
    import paho.mqtt.client as mqtt

    # Ids no real Datastream has, so a running ingest worker ignores these.
    first = random.randint(10**8, 10**9)
    streams = [
        simulate.Stream(first, "bin-mill-lane:fill"),
        simulate.Stream(first + 1, "river-town-bridge:level"),
    ]
    arrived: queue.Queue[tuple[str, dict[str, object], int]] = queue.Queue()
    subscribed = queue.Queue[bool]()
    listener = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    listener.on_message = lambda c, u, message: arrived.put(
        (message.topic, json.loads(message.payload), message.qos)
    )
    listener.on_subscribe = lambda c, u, mid, codes, props: subscribed.put(True)
    listener.on_connect = lambda c, u, flags, reason, props: c.subscribe(
        [(simulate.mqtt_topic(s.datastream_id), 1) for s in streams]
    )
    listener.connect(*BROKER)
    listener.loop_start()
    try:
        assert subscribed.get(timeout=10)
        transport = simulate.MqttTransport(host=BROKER[0], port=BROKER[1])
        sent = simulate.simulate(
            streams,
            transport=transport,
            scenario=simulate.Scenario(start=START),
            interval=timedelta(minutes=5),
            count=2,
            speedup=0,
        )
        assert sent == 4
        messages = [arrived.get(timeout=10) for _ in range(4)]
    finally:
        listener.disconnect()
        listener.loop_stop()
    topics = sorted(topic for topic, _, _ in messages)
    assert topics == sorted(
        [f"v1.1/Datastreams({first})/Observations"] * 2
        + [f"v1.1/Datastreams({first + 1})/Observations"] * 2
    )
    assert all(qos == 1 for _, _, qos in messages)
    bodies = [body for topic, body, _ in messages if topic.endswith(f"({first})/Observations")]
    assert {body["phenomenonTime"] for body in bodies} == {
        "2025-01-06T00:00:00+00:00",
        "2025-01-06T00:05:00+00:00",
    }
    assert all(isinstance(body["result"], float) for body in bodies)


def test_mqtt_transport_says_when_the_broker_is_unreachable() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(simulate.SimulationError, match="cannot reach"):
        simulate.MqttTransport(host="127.0.0.1", port=port, timeout=2)
