"""Sensor observations ingested per second, on SQLite and on PostgreSQL.

    python bench/sensors.py                        # 200,000 observations per transport
    python bench/sensors.py --observations 50000 --only sqlite

Prints, per database:
- observations/s over MQTT: this process publishes SensorThings MQTT messages (QoS 1) as fast
  as it can to a Mosquitto of its own (configured as docs/sensors.md advises), and a
  `publica sensors ingest` process stores them, counted from the first stored to the last;
- observations/s over HTTP: dataArray POSTs of 5,000 observations to `/sta/v1.1/CreateObservations`
  on a live `publica serve` with one web worker;
- the space the observations take, per million.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from common import child_main, fresh_database, run_on_each_database

PUBLICA = Path(sys.executable).with_name("publica")
THING = {
    "name": "Bench gauge",
    "description": "A river gauge",
    "Locations": [{"name": "Bridge", "description": "Under the bridge",
                   "encodingType": "application/geo+json",
                   "location": {"type": "Point", "coordinates": [-0.98, 52.03]}}],
    "Datastreams": [{
        "name": "Level", "description": "River level",
        "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
        "unitOfMeasurement": {"name": "metre", "symbol": "m", "definition": "m"},
        "Sensor": {"name": "Radar", "description": "Radar gauge",
                   "encodingType": "text/plain", "metadata": "radar"},
        "ObservedProperty": {"name": "Water level", "definition": "level",
                             "description": "Height of the water"},
    }],
}  # fmt: skip


def _stored() -> int:
    from django.db import close_old_connections

    from publica.sensors.models import Observation

    close_old_connections()
    return Observation.objects.count()


def _wait_for(count: int, timeout: float = 600) -> float:
    """Seconds until `count` observations are stored, from when the first one was."""
    deadline = time.monotonic() + timeout
    while _stored() == 0:
        if time.monotonic() > deadline:
            raise TimeoutError("nothing was stored")
        time.sleep(0.01)
    began = time.monotonic()
    while _stored() < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {_stored()} of {count} stored")
        time.sleep(0.05)
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


def mqtt(stream: int, count: int) -> dict[str, Any]:
    import tempfile

    import paho.mqtt.client as mqtt_client

    directory = Path(tempfile.mkdtemp())
    broker, port = _broker(directory)
    env = {**os.environ, "PUBLICA_LOG_LEVEL": "WARNING"}
    command = [str(PUBLICA), "sensors", "ingest", "--url", f"mqtt://127.0.0.1:{port}"]
    ingest = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(3)  # connected and subscribed
    client = mqtt_client.Client(mqtt_client.CallbackAPIVersion.VERSION2,
                                protocol=mqtt_client.MQTTv5)  # fmt: skip
    client.max_inflight_messages_set(200)  # paho slows down badly with a much larger window
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    topic = f"v1.1/Datastreams({stream})/Observations"
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    began = time.monotonic()
    for n in range(count):
        moment = (start + dt.timedelta(seconds=n)).isoformat()
        client.publish(topic, json.dumps({"phenomenonTime": moment, "result": n % 500 / 100}), 1)
    published = time.monotonic() - began
    try:
        seconds = _wait_for(count)
    finally:
        client.loop_stop()
        client.disconnect()
        ingest.terminate()
        ingest.wait(timeout=30)
        broker.terminate()
        broker.wait(timeout=30)
    return {"observations": count, "seconds": round(seconds, 2),
            "per_second": round(count / seconds),
            "published_per_second": round(count / published)}  # fmt: skip


def http(stream: int, count: int, key: str) -> dict[str, Any]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PUBLICA_LOG_LEVEL": "WARNING", "PUBLICA_SERVE_WORKER": "false"}
    command = [str(PUBLICA), "serve", "--port", str(port), "--workers", "1"]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    before = _stored()
    start = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    batch = 5000
    bodies = [
        json.dumps([{"Datastream": {"@iot.id": stream}, "components": ["phenomenonTime", "result"],
                     "dataArray": [[(start + dt.timedelta(seconds=i)).isoformat(), i % 500 / 100]
                                   for i in range(offset, min(offset + batch, count))]}]).encode()
        for offset in range(0, count, batch)
    ]  # fmt: skip
    try:
        began = time.monotonic()
        for body in bodies:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/sta/v1.1/CreateObservations", data=body, method="POST",
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
            )  # fmt: skip
            with urllib.request.urlopen(request, timeout=120) as reply:
                assert reply.status == 201, reply.status
        seconds = time.monotonic() - began
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert _stored() - before == count
    return {"observations": count, "seconds": round(seconds, 2),
            "per_second": round(count / seconds)}  # fmt: skip


def measure(count: int, mqtt_count: int) -> dict[str, Any]:
    fresh_database()
    from django.db import connection

    from publica.accounts.apikeys import apikey_create
    from publica.accounts.services import organisation_upsert
    from publica.core.actors import SystemActor
    from publica.sensors.entities import ENTITY_SETS
    from publica.sensors.services import entity_create

    setup = SystemActor("bench")
    organisation_upsert(slug="bench", name="Bench Council", actor=setup)
    thing = entity_create(entity=ENTITY_SETS["Things"], data=THING, actor=setup)
    stream = thing.datastreams.get().pk  # type: ignore[attr-defined]
    _, key = apikey_create(name="bench", scopes=["sensors:write"], rate_per_minute=10**8,
                           actor=setup)  # fmt: skip
    results: dict[str, Any] = {"database": connection.vendor}
    connection.close()
    results["mqtt"] = mqtt(stream, mqtt_count)
    results["http"] = http(stream, count, key)
    results["bytes_per_million"] = round(_size() / _stored() * 1_000_000)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=200_000, help="over HTTP")
    parser.add_argument("--mqtt-observations", type=int, default=20_000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(lambda: measure(args.observations, args.mqtt_observations))
        return
    arguments = [f"--observations={args.observations}",
                 f"--mqtt-observations={args.mqtt_observations}"]  # fmt: skip
    for r in run_on_each_database(__file__, arguments, args.only):
        m, h = r["mqtt"], r["http"]
        print(f"{r['database']}:")
        print(
            f"  MQTT: {m['per_second']:,} observations/s stored ({m['observations']:,} in "
            f"{m['seconds']} s; published at {m['published_per_second']:,}/s)"
        )
        print(
            f"  HTTP dataArray: {h['per_second']:,} observations/s ({h['observations']:,} in "
            f"{h['seconds']} s, 5,000 per request, one web worker)"
        )
        print(f"  storage: {r['bytes_per_million'] / 1e6:,.0f} MB per million observations")


if __name__ == "__main__":
    main()
