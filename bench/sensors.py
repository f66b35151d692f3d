"""Sensor observations ingested per second, the time from a reading to its case, and storage;
on SQLite and on PostgreSQL.

    python bench/sensors.py                        # 200,000 observations per measurement
    python bench/sensors.py --observations 50000 --only sqlite

Prints, per database:
- MQTT, backlog: readings published while the ingesters were down (as after an outage, or as
  sensors elsewhere publish them) are stored by `publica sensors ingest --processes N` when it
  starts, for N = 1 and 2: the rate once every member is connected, and the rate from the
  first member's connection to the last reading stored;
- MQTT, live: this process publishes (QoS 1) as fast as it can while two ingesters store, all
  on this machine (the publisher takes a core of its own);
- HTTP dataArray: POSTs of 5,000 observations to `/sta/v1.1/CreateObservations` on a live
  `publica serve`, with one web worker and one client, and with two of each;
- latency from a reading that breaks a threshold rule to its maintenance case existing, p50
  and p99 over 40 readings each: published over MQTT (the ingesters write every 0.1 s), and
  POSTed singly over HTTP (the case exists when the answer comes);
- the space the observations take, per million.

Each run uses its own Mosquitto, configured as docs/sensors.md advises.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from common import child_main, fresh_database, run_on_each_database

PUBLICA = Path(sys.executable).with_name("publica")
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
THING = {
    "name": "Bench gauge",
    "description": "A river gauge",
    "Locations": [{"name": "Bridge", "description": "Under the bridge",
                   "encodingType": "application/geo+json",
                   "location": {"type": "Point", "coordinates": [-0.98, 52.03]}}],
    "Datastreams": [{
        "name": "Level", "description": "River level",
        "observationType": MEASUREMENT,
        "unitOfMeasurement": {"name": "metre", "symbol": "m", "definition": "m"},
        "Sensor": {"name": "Radar", "description": "Radar gauge",
                   "encodingType": "text/plain", "metadata": "radar"},
        "ObservedProperty": {"name": "Water level", "definition": "level",
                             "description": "Height of the water"},
    }],
}  # fmt: skip
#: Each measurement writes its readings into its own stretch of time (readings are unique
#: per Datastream and moment), one reading a second from here on.
EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
_runs = iter(range(1000))


def _moments(count: int) -> list[str]:
    start = EPOCH + dt.timedelta(days=30 * next(_runs))
    return [(start + dt.timedelta(seconds=n)).isoformat() for n in range(count)]


def _stored() -> int:
    from django.db import close_old_connections

    from publica.sensors.models import Observation

    close_old_connections()
    return Observation.objects.count()


def _wait_for(count: int, timeout: float = 600) -> float:
    """Seconds until `count` observations are stored, from when the first more was. Counted
    every 0.2 s: a COUNT(*) over a large table is work the database would otherwise take
    from the ingesters being measured."""
    deadline = time.monotonic() + timeout
    before = _stored()
    while _stored() == before:
        if time.monotonic() > deadline:
            raise TimeoutError("nothing was stored")
        time.sleep(0.2)
    began = time.monotonic()
    while _stored() < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {_stored()} of {count} stored")
        time.sleep(0.2)
    return time.monotonic() - began


def _size() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_total_relation_size('sensors_observation')")
            return int(cursor.fetchone()[0] or 0)
        try:
            cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'sensors_observation%'")
            return int(cursor.fetchone()[0] or 0)
        except Exception:  # an SQLite built without dbstat: the whole file, a little more
            cursor.execute("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size")
            return int(cursor.fetchone()[0] or 0)


BROKER_CONFIG = """
listener {port} 127.0.0.1
allow_anonymous true
persistence false
# A consumer that acknowledges after each commit needs more than the default 20 messages in
# flight, and a queue that does not drop readings while it is busy (default: 1,000).
max_inflight_messages 0
max_queued_messages 0
"""


def _broker(directory: Path) -> tuple[subprocess.Popen[bytes], int]:
    """A Mosquitto of our own, configured as docs/sensors.md advises."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = directory / "mosquitto.conf"
    config.write_text(BROKER_CONFIG.format(port=port))
    broker = subprocess.Popen(["mosquitto", "-c", str(config)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return broker, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("mosquitto did not start")


def _publisher(port: int) -> Any:
    import paho.mqtt.client as mqtt_client

    client = mqtt_client.Client(mqtt_client.CallbackAPIVersion.VERSION2,
                                protocol=mqtt_client.MQTTv5)  # fmt: skip
    client.max_inflight_messages_set(200)  # paho slows down badly with a much larger window
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def _publish(client: Any, stream: int, moments: list[str], value: float | None = None) -> float:
    """Publish one reading per moment (QoS 1); the rate. At most 20,000 wait unacknowledged:
    paho has 65,535 message ids and silently refuses a message beyond them."""
    topic = f"v1.1/Datastreams({stream})/Observations"
    sent: list[Any] = []
    began = time.monotonic()
    for n, moment in enumerate(moments):
        if n >= 20_000:
            sent[n - 20_000].wait_for_publish(timeout=60)
        result = n % 500 / 100 if value is None else value
        sent.append(client.publish(topic, json.dumps({"phenomenonTime": moment,
                                                      "result": result}), 1))  # fmt: skip
    sent[-1].wait_for_publish(timeout=60)
    return len(moments) / (time.monotonic() - began)


class _Ingesters:
    """`publica sensors ingest --processes N`, noting when its first member is connected,
    and when all are (with how many readings were stored by then)."""

    def __init__(self, port: int, processes: int, client_id: str) -> None:
        self.processes, self.subscribed = processes, 0
        self.all_connected_at, self.stored_when_all = 0.0, 0
        env = {**os.environ, "PUBLICA_LOG_LEVEL": "INFO", "PUBLICA_MQTT_CLIENT_ID": client_id}
        command = [str(PUBLICA), "sensors", "ingest", "--url", f"mqtt://127.0.0.1:{port}",
                   "--processes", str(processes)]  # fmt: skip
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)  # fmt: skip
        self.connected = threading.Event()
        self.connected_at = 0.0
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            if b"subscribed to" not in line:
                continue
            self.subscribed += 1
            if not self.connected.is_set():
                self.connected_at = time.monotonic()
                self.connected.set()
            if self.subscribed == self.processes:
                self.all_connected_at, self.stored_when_all = time.monotonic(), _stored()

    def stop(self) -> None:
        _stop(self.process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=60)


def mqtt_backlog(stream: int, count: int, processes: int) -> dict[str, Any]:
    """Readings queued on the broker while the ingesters were down, stored when they start."""
    directory = Path(tempfile.mkdtemp())
    broker, port = _broker(directory)
    client_id = f"bench-backlog-{processes}"
    try:
        ingesters = _Ingesters(port, processes, client_id)
        ingesters.connected.wait(60)
        time.sleep(2)  # every member has subscribed: the broker keeps each one's session
        ingesters.stop()
        client = _publisher(port)
        _publish(client, stream, _moments(count))
        target = _stored() + count
        ingesters = _Ingesters(port, processes, client_id)
        try:
            _wait_for(target)  # from the first member's connection to the last reading stored
            done = time.monotonic()
            seconds = done - ingesters.connected_at
            # Once every member is up: the rate a group of this size keeps.
            steady = (target - ingesters.stored_when_all) / (done - ingesters.all_connected_at)
        finally:
            ingesters.stop()
            client.loop_stop()
            client.disconnect()
    finally:
        broker.terminate()
        broker.wait(timeout=30)
    return {"observations": count, "processes": processes, "seconds": round(seconds, 2),
            "per_second": round(count / seconds), "steady_per_second": round(steady)}  # fmt: skip


def mqtt_live(stream: int, count: int, processes: int) -> dict[str, Any]:
    """This process publishes as fast as it can while the ingesters store."""
    directory = Path(tempfile.mkdtemp())
    broker, port = _broker(directory)
    ingesters = _Ingesters(port, processes, "bench-live")
    try:
        ingesters.connected.wait(60)
        time.sleep(2)
        client = _publisher(port)
        target = _stored() + count
        published: list[float] = []
        publishing = threading.Thread(
            target=lambda: published.append(_publish(client, stream, _moments(count)))
        )
        publishing.start()
        seconds = _wait_for(target)
        publishing.join()
        client.loop_stop()
        client.disconnect()
    finally:
        ingesters.stop()
        broker.terminate()
        broker.wait(timeout=30)
    return {"observations": count, "processes": processes, "seconds": round(seconds, 2),
            "per_second": round(count / seconds),
            "published_per_second": round(published[0])}  # fmt: skip


def _serve(workers: int) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "PUBLICA_LOG_LEVEL": "WARNING",
        "PUBLICA_SERVE_WORKER": "false",
        "PUBLICA_ASSISTANT_WARM_UP": "false",
    }
    command = [str(PUBLICA), "serve", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, port
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("publica serve did not start")


def _post(port: int, path: str, body: bytes, key: str) -> Any:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/sta/v1.1/{path}", data=body, method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=120) as reply:
        assert reply.status == 201, reply.status
        return reply.read()


def http(stream: int, count: int, key: str, workers: int) -> dict[str, Any]:
    """dataArray POSTs of 5,000 readings, from as many clients as there are web workers."""
    server, port = _serve(workers)
    moments = _moments(count)
    batch = 5000
    bodies = [
        json.dumps([{"Datastream": {"@iot.id": stream}, "components": ["phenomenonTime", "result"],
                     "dataArray": [[moments[i], i % 500 / 100]
                                   for i in range(offset, min(offset + batch, count))]}]).encode()
        for offset in range(0, count, batch)
    ]  # fmt: skip
    before = _stored()
    try:
        clients = [
            threading.Thread(target=lambda mine: [_post(port, "CreateObservations", body, key)
                                                  for body in mine],
                             args=(bodies[n::workers],))
            for n in range(workers)
        ]  # fmt: skip
        began = time.monotonic()
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        seconds = time.monotonic() - began
    finally:
        _stop(server)
    assert _stored() - before == count
    return {"observations": count, "workers": workers, "seconds": round(seconds, 2),
            "per_second": round(count / seconds)}  # fmt: skip


# ---------------------------------------------------------------------------- latency


def _gauges(count: int, observed_property: int) -> list[int]:
    """`count` more gauges measuring the bench's ObservedProperty; their Datastream ids."""
    from publica.core.actors import SystemActor
    from publica.sensors.entities import ENTITY_SETS
    from publica.sensors.services import entity_create

    ids = []
    for n in range(count):
        data = json.loads(json.dumps(THING))
        data["name"] = f"Gauge {n}"
        data["Datastreams"][0]["ObservedProperty"] = {"@iot.id": observed_property}
        thing = entity_create(entity=ENTITY_SETS["Things"], data=data, actor=SystemActor("bench"))
        ids.append(thing.datastreams.get().pk)  # type: ignore[attr-defined]
    return ids


def _cases() -> int:
    from django.db import close_old_connections

    from publica.cases.models import Case

    close_old_connections()
    return Case.objects.count()


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
            "readings": len(ordered)}  # fmt: skip


def latency(observed_property: int, key: str, trials: int = 41) -> dict[str, Any]:
    """From a reading above the rule's limit to its case: over MQTT, and over HTTP."""
    from django.db import connection

    over_mqtt, over_http = _gauges(trials, observed_property), _gauges(trials, observed_property)
    connection.close()
    directory = Path(tempfile.mkdtemp())
    broker, port = _broker(directory)
    ingesters = _Ingesters(port, 1, "bench-latency")
    mqtt_samples: list[float] = []
    try:
        ingesters.connected.wait(60)
        client = _publisher(port)
        _publish(client, over_mqtt[0], [dt.datetime.now(dt.UTC).isoformat()], value=1.0)
        time.sleep(1)  # that first reading warmed the ingester up
        for stream in over_mqtt[1:]:
            before = _cases()
            now = dt.datetime.now(dt.UTC).isoformat()
            began = time.monotonic()
            _publish(client, stream, [now], value=99.0)
            while _cases() == before:
                if time.monotonic() - began > 30:
                    raise TimeoutError("no case opened")
                time.sleep(0.002)
            mqtt_samples.append(time.monotonic() - began)
        client.loop_stop()
        client.disconnect()
    finally:
        ingesters.stop()
        broker.terminate()
        broker.wait(timeout=30)
    server, http_port = _serve(1)
    http_samples: list[float] = []
    try:
        _post(http_port, f"Datastreams({over_http[0]})/Observations", b'{"result": 1}', key)
        for stream in over_http[1:]:
            before = _cases()
            body = json.dumps({"result": 99.0}).encode()
            began = time.monotonic()
            _post(http_port, f"Datastreams({stream})/Observations", body, key)
            http_samples.append(time.monotonic() - began)
            assert _cases() == before + 1, "the answer came before the case"
    finally:
        _stop(server)
    return {"mqtt": _percentiles(mqtt_samples), "http": _percentiles(http_samples)}


def measure(count: int, mqtt_count: int) -> dict[str, Any]:
    fresh_database()
    from django.db import connection

    from publica.accounts.apikeys import apikey_create
    from publica.accounts.services import department_upsert, organisation_upsert
    from publica.catalogue import servicefile
    from publica.catalogue.services import service_load
    from publica.core.actors import SystemActor
    from publica.demo.load import SERVICES_DIR
    from publica.sensors import alarms
    from publica.sensors.entities import ENTITY_SETS
    from publica.sensors.models import SensorRule
    from publica.sensors.services import entity_create

    setup = SystemActor("bench")
    council = organisation_upsert(slug="bench", name="Bench Council", actor=setup)
    department_upsert(organisation=council, slug="waste", name="Waste", actor=setup)
    definition = servicefile.parse_file(SERVICES_DIR / "sensor-maintenance.yaml")
    service_load(definition=definition, actor=setup)
    thing = entity_create(entity=ENTITY_SETS["Things"], data=THING, actor=setup)
    datastream = thing.datastreams.get()  # type: ignore[attr-defined]
    stream = datastream.pk
    _, key = apikey_create(name="bench", scopes=["sensors:write"], rate_per_minute=10**8,
                           actor=setup)  # fmt: skip
    results: dict[str, Any] = {"database": connection.vendor}
    connection.close()
    results["backlog"] = [mqtt_backlog(stream, mqtt_count, n) for n in (1, 2)]
    results["live"] = mqtt_live(stream, mqtt_count, 2)
    results["http"] = [http(stream, count, key, n) for n in (1, 2)]
    results["bytes_per_million"] = round(_size() / _stored() * 1_000_000)
    SensorRule.objects.create(name="bench-high-water", kind="threshold",
                              parameters={"op": ">=", "limit": 50},
                              observed_property_id=datastream.observed_property_id,
                              service_slug="sensor-maintenance")  # fmt: skip
    alarms.rules_changed()
    results["latency"] = latency(datastream.observed_property_id, key)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=200_000, help="per measurement")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(lambda: measure(args.observations, args.observations))
        return
    for r in run_on_each_database(__file__, [f"--observations={args.observations}"], args.only):
        print(f"{r['database']}:")
        for m in r["backlog"]:
            print(f"  MQTT, backlog, {m['processes']} ingester(s): {m['steady_per_second']:,} "
                  f"observations/s once all are up; {m['per_second']:,}/s from the first "
                  f"connection ({m['observations']:,} in {m['seconds']} s)")  # fmt: skip
        m = r["live"]
        print(f"  MQTT, live, {m['processes']} ingesters: {m['per_second']:,} observations/s "
              f"stored while published here at {m['published_per_second']:,}/s")  # fmt: skip
        for h in r["http"]:
            print(
                f"  HTTP dataArray, {h['workers']} web worker(s): {h['per_second']:,} "
                f"observations/s ({h['observations']:,} in {h['seconds']} s, 5,000 a request)"
            )
        for way, lat in r["latency"].items():
            print(f"  reading to case over {way.upper()}: p50 {lat['p50_ms']} ms, "
                  f"p99 {lat['p99_ms']} ms ({lat['readings']} readings)")  # fmt: skip
        print(f"  storage: {r['bytes_per_million'] / 1e6:,.0f} MB per million observations")


if __name__ == "__main__":
    main()
