"""The demo sensor simulator: believable readings for Millbrook's things, with faults, sent over
MQTT or HTTP as a real gateway would.

Each reading is a pure function of (seed, datastream key, time, scenario), so a run can be
replayed and tested without a clock; only `simulate` waits, sends and talks to the network.
"""

from __future__ import annotations

import json
import math
import os
import random
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

__all__ = [
    "FAULTS",
    "DatabaseTransport",
    "Fault",
    "HttpTransport",
    "MqttTransport",
    "Reading",
    "Scenario",
    "SimulationError",
    "Stream",
    "run_simulation",
    "simulate",
    "ticks",
    "value_at",
]

LOCAL = ZoneInfo("Europe/London")
HOUR = 3600.0


class SimulationError(Exception):
    """The transport could not deliver readings (broker down, server refused a batch)."""


@dataclass(frozen=True)
class Fault:
    """`stuck`: from `after` the sensor repeats one value; `silent`: from `after` it sends
    nothing at all."""

    kind: str
    after: timedelta


# The demo's faults: the Ring Road PM2.5 sensor sticks, the bypass counter goes quiet.
FAULTS: dict[str, Fault] = {
    "air-ring-road:pm25": Fault("stuck", timedelta(hours=2)),
    "traffic-bypass:vehicles": Fault("silent", timedelta(hours=3)),
}


@dataclass(frozen=True)
class Scenario:
    """What happens during a run, measured from `start`: a storm raises the river to its
    peak `storm_peak_after`, the Orchard Close streetlight fails `light_fails_after`."""

    start: datetime
    seed: int = 7
    storm_peak_after: timedelta = timedelta(hours=18)
    storm_rise_m: float = 2.1
    light_fails_after: timedelta = timedelta(hours=6)
    failing_light: str = "light-orchard-close"
    faults: dict[str, Fault] = field(default_factory=lambda: dict(FAULTS))


@dataclass(frozen=True)
class Stream:
    """A Datastream to simulate: its id and its demo key (`bin-mill-lane:fill`)."""

    datastream_id: int
    key: str


@dataclass(frozen=True)
class Reading:
    datastream_id: int
    key: str
    phenomenon_time: datetime
    result: float | int


# ---------------------------------------------------------------------------- the models


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(str(part) for part in (seed, *parts)))


def _noise(seed: int, key: str, moment: datetime, scale: float) -> float:
    return _rng(seed, key, int(moment.timestamp())).gauss(0.0, scale)


def _hour(moment: datetime) -> float:
    local = moment.astimezone(LOCAL)
    return local.hour + local.minute / 60 + local.second / 3600


def _rush(hour: float) -> float:
    """Morning and evening peaks, 0 at night, about 1 at 08:00."""
    return math.exp(-(((hour - 8.0) / 1.5) ** 2)) + 0.85 * math.exp(-(((hour - 17.5) / 2.0) ** 2))


COLLECTION_HOUR = 7


def last_collection(key: str, moment: datetime, seed: int) -> datetime:
    """Each bin is emptied at 07:00 on two weekdays of its own."""
    days = set(_rng(seed, key, "days").sample(range(7), 2))
    local = moment.astimezone(LOCAL)
    for back in range(8):
        day = (local - timedelta(days=back)).replace(
            hour=COLLECTION_HOUR, minute=0, second=0, microsecond=0
        )
        if day.weekday() in days and day <= local:
            return day
    raise AssertionError("a collection day falls in every week")  # pragma: no cover


def _bin(key: str, moment: datetime, s: Scenario) -> float:
    rate = _rng(s.seed, key, "rate").uniform(0.8, 1.5)  # percent an hour
    hours = (moment - last_collection(key, moment, s.seed)).total_seconds() / HOUR
    return min(100.0, max(0.0, rate * hours + _noise(s.seed, key, moment, 1.0)))


def _light(key: str, moment: datetime, s: Scenario) -> float:
    if key.startswith(s.failing_light) and moment >= s.start + s.light_fails_after:
        return 0.0
    hour = _hour(moment)
    if 6.5 <= hour < 19.0:
        return 0.4  # the controller's standby draw in daylight
    nominal = _rng(s.seed, key, "watts").uniform(34.0, 40.0)
    return max(0.0, nominal + _noise(s.seed, key, moment, 0.5))


def _river(key: str, moment: datetime, s: Scenario) -> float:
    base = 0.42 + 0.03 * math.sin(_hour(moment) / 24 * 2 * math.pi)
    since_peak = (moment - (s.start + s.storm_peak_after)).total_seconds() / HOUR
    if since_peak < 0:  # rain upstream: a quick rise
        storm = s.storm_rise_m * math.exp(-((since_peak / 5.0) ** 2))
    else:  # a slow fall as the catchment drains
        storm = s.storm_rise_m * math.exp(-since_peak / 10.0)
    return max(0.0, base + storm + _noise(s.seed, key, moment, 0.01))


def _air(key: str, moment: datetime, s: Scenario) -> float:
    busy = 1.4 if "ring-road" in key else 1.0
    rush = _rush(_hour(moment))
    if key.endswith(":no2"):
        value = busy * (14.0 + 26.0 * rush) + _noise(s.seed, key, moment, 2.5)
    else:
        value = busy * (6.0 + 5.0 * rush) + _noise(s.seed, key, moment, 1.0)
    return max(0.5, value)


def _traffic(key: str, moment: datetime, s: Scenario) -> int:
    busy = 1.6 if "bypass" in key else 1.0
    local = moment.astimezone(LOCAL)
    weekend = local.weekday() >= 5
    hour = _hour(moment)
    daytime = 1.0 if 6.0 <= hour < 22.0 else 0.15
    mean = busy * (4.0 + 30.0 * daytime + (45.0 if weekend else 95.0) * _rush(hour))
    return max(0, round(mean + _noise(s.seed, key, moment, math.sqrt(mean))))


MODELS: dict[str, Callable[[str, datetime, Scenario], float]] = {
    "bin": _bin,
    "light": _light,
    "river": _river,
    "air": _air,
    "traffic": _traffic,
}


def value_at(key: str, moment: datetime, scenario: Scenario) -> float | int | None:
    """The reading of the stream `key` at `moment`, or None when it sends nothing."""
    model = MODELS.get(key.split("-", 1)[0])
    if model is None:
        raise ValueError(f"no simulation model for {key!r}")
    fault = scenario.faults.get(key)
    if fault is not None and moment >= scenario.start + fault.after:
        if fault.kind == "silent":
            return None
        if fault.kind == "stuck":
            moment = scenario.start + fault.after
    value = model(key, moment, scenario)
    return value if isinstance(value, int) else round(value, 2)


def ticks(
    streams: Sequence[Stream],
    scenario: Scenario,
    *,
    interval: timedelta,
    count: int | None = None,
    duration: timedelta | None = None,
) -> Iterator[tuple[datetime, list[Reading]]]:
    """Every `interval` from the scenario's start: the moment and each stream's reading.
    Stops after `count` ticks or when `duration` has passed; otherwise runs for ever."""
    if interval <= timedelta(0):
        raise ValueError("the interval must be positive")
    number = 0
    while count is None or number < count:
        moment = scenario.start + number * interval
        if duration is not None and moment - scenario.start >= duration:
            return
        readings = []
        for stream in streams:
            value = value_at(stream.key, moment, scenario)
            if value is not None:
                readings.append(Reading(stream.datastream_id, stream.key, moment, value))
        yield moment, readings
        number += 1


# ---------------------------------------------------------------------------- transports


class Transport(Protocol):
    def send(self, readings: Sequence[Reading]) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


def mqtt_topic(datastream_id: int) -> str:
    return f"v1.1/Datastreams({datastream_id})/Observations"


def mqtt_payload(reading: Reading) -> str:
    return json.dumps(
        {"phenomenonTime": reading.phenomenon_time.isoformat(), "result": reading.result}
    )


class MqttTransport:
    """Publishes each reading with QoS 1 to the SensorThings MQTT topic of its Datastream and
    waits for the broker's acknowledgements."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 1883,
        username: str | None = None,
        password: str | None = None,
        tls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        import paho.mqtt.client as mqtt

        self.timeout = timeout
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"publica-simulator-{os.getpid()}"
        )
        if username:
            self.client.username_pw_set(username, password)
        if tls:
            self.client.tls_set()
        connected = threading.Event()
        self.client.on_connect = lambda client, userdata, flags, reason, props: (
            connected.set() if not reason.is_failure else None
        )
        try:
            self.client.connect(host, port, keepalive=60)
        except OSError as exc:
            raise SimulationError(f"cannot reach the MQTT broker at {host}:{port}: {exc}") from exc
        self.client.loop_start()
        if not connected.wait(timeout):
            self.close()
            raise SimulationError(f"the MQTT broker at {host}:{port} did not accept us")

    def send(self, readings: Sequence[Reading]) -> None:
        sent = [
            self.client.publish(mqtt_topic(r.datastream_id), mqtt_payload(r), qos=1)
            for r in readings
        ]
        try:
            for info in sent:
                info.wait_for_publish(self.timeout)
        except (RuntimeError, ValueError) as exc:
            raise SimulationError(f"the MQTT broker did not take a reading: {exc}") from exc
        if not all(info.is_published() for info in sent):
            raise SimulationError("the MQTT broker did not acknowledge every reading in time")

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def data_arrays(readings: Sequence[Reading]) -> list[dict[str, Any]]:
    """The body of `POST CreateObservations`: one dataArray object per Datastream."""
    by_stream: dict[int, list[list[Any]]] = {}
    for r in readings:
        by_stream.setdefault(r.datastream_id, []).append([r.phenomenon_time.isoformat(), r.result])
    return [
        {
            "Datastream": {"@iot.id": pk},
            "components": ["phenomenonTime", "result"],
            "dataArray": rows,
        }
        for pk, rows in by_stream.items()
    ]


class HttpTransport:
    """Posts readings in dataArray batches of up to `batch_size` to `<base_url>/CreateObservations`
    with an API key that has the `sensors:write` scope."""

    def __init__(
        self, *, base_url: str, api_key: str, batch_size: int = 500, timeout: float = 30.0
    ) -> None:
        self.url = base_url.rstrip("/") + "/CreateObservations"
        self.api_key = api_key
        self.batch_size = batch_size
        self.timeout = timeout
        self.waiting: list[Reading] = []

    def send(self, readings: Sequence[Reading]) -> None:
        self.waiting.extend(readings)
        while len(self.waiting) >= self.batch_size:
            self._post(self.waiting[: self.batch_size])
            del self.waiting[: self.batch_size]

    def flush(self) -> None:
        if self.waiting:
            self._post(self.waiting)
            self.waiting = []

    def close(self) -> None:
        self.flush()

    def _post(self, readings: Sequence[Reading]) -> None:
        request = urllib.request.Request(
            self.url,
            data=json.dumps(data_arrays(readings)).encode(),
            headers={
                "Authorization": f"Bearer {self.api_key}",
                "Content-Type": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                links = json.loads(response.read())
        except OSError as exc:  # URLError and HTTPError are OSErrors
            detail = exc.read().decode(errors="replace") if hasattr(exc, "read") else ""
            raise SimulationError(f"POST {self.url} failed: {exc} {detail}".strip()) from exc
        if "error" in links:
            raise SimulationError(f"the server refused {links.count('error')} reading(s)")


class DatabaseTransport:
    """Writes straight to this Publica's database through the service, for loading history."""

    def __init__(self, *, actor: Any, batch_size: int = 5000) -> None:
        self.actor = actor
        self.batch_size = batch_size
        self.waiting: list[Reading] = []

    def send(self, readings: Sequence[Reading]) -> None:
        self.waiting.extend(readings)
        if len(self.waiting) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        from publica.sensors.models import Datastream
        from publica.sensors.services import ObservationRow, observations_create

        by_stream: dict[int, list[ObservationRow]] = {}
        for r in self.waiting:
            row = ObservationRow(phenomenon_time=r.phenomenon_time, result=r.result)
            by_stream.setdefault(r.datastream_id, []).append(row)
        for datastream in Datastream.objects.filter(pk__in=by_stream).select_related("thing"):
            observations_create(
                datastream=datastream, rows=by_stream[datastream.pk], actor=self.actor
            )
        self.waiting = []

    def close(self) -> None:
        self.flush()


# ---------------------------------------------------------------------------- running


def simulate(
    streams: Sequence[Stream],
    *,
    transport: Transport,
    scenario: Scenario,
    interval: timedelta,
    count: int | None = None,
    duration: timedelta | None = None,
    speedup: float = 1.0,
    echo: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> int:
    """Send the readings tick by tick and return how many were sent. Simulated time runs
    `speedup` times faster than the wall clock (60: an hour a minute); 0 sends everything at
    once, as for loading history."""
    if speedup < 0:
        raise ValueError("speedup cannot be negative")
    sent = 0
    began = monotonic()
    try:
        for moment, readings in ticks(
            streams, scenario, interval=interval, count=count, duration=duration
        ):
            if speedup:
                due = began + (moment - scenario.start).total_seconds() / speedup
                sleep(max(0.0, due - monotonic()))
            transport.send(readings)
            sent += len(readings)
            if speedup:
                transport.flush()
                if echo:
                    echo(f"{moment:%Y-%m-%d %H:%M}  {len(readings)} readings")
    finally:
        transport.close()
    if echo:
        echo(f"Sent {sent} readings.")
    return sent


def run_simulation(
    *,
    transport: str = "mqtt",
    interval_seconds: float = 300.0,
    count: int | None = None,
    duration_seconds: float | None = None,
    start: datetime | None = None,
    speedup: float = 1.0,
    seed: int = 7,
    faults: bool = True,
    mqtt_host: str = "127.0.0.1",
    mqtt_port: int = 1883,
    mqtt_username: str | None = None,
    mqtt_password: str | None = None,
    mqtt_tls: bool = False,
    base_url: str = "http://127.0.0.1:8000/sta/v1.1",
    api_key: str | None = None,
    batch_size: int = 500,
    echo: Callable[[str], None] | None = None,
) -> int:
    """For `publica sensors simulate`: make sure the demo things exist (in this database),
    then send their readings over `transport` ("mqtt", "http" or "db"). Returns the number
    of readings sent. Without `count` or `duration_seconds` it runs until interrupted."""
    from publica.core import clock
    from publica.core.actors import SystemActor
    from publica.sensors.demo import load_demo_things

    actor = SystemActor("sensor-simulator")
    datastreams = load_demo_things(actor=actor)
    streams = [Stream(ds.pk, (ds.properties or {})["publica_demo"]) for ds in datastreams]
    scenario = Scenario(
        start=start or clock.now(), seed=seed, faults=dict(FAULTS) if faults else {}
    )
    chosen: Transport
    if transport == "mqtt":
        chosen = MqttTransport(
            host=mqtt_host,
            port=mqtt_port,
            username=mqtt_username,
            password=mqtt_password,
            tls=mqtt_tls,
        )
    elif transport == "http":
        if not api_key:
            raise SimulationError(
                "the HTTP transport needs an API key with the sensors:write scope"
            )
        chosen = HttpTransport(base_url=base_url, api_key=api_key, batch_size=batch_size)
    elif transport == "db":
        chosen = DatabaseTransport(actor=actor)
    else:
        raise ValueError(f"unknown transport {transport!r}: use mqtt, http or db")
    return simulate(
        streams,
        transport=chosen,
        scenario=scenario,
        interval=timedelta(seconds=interval_seconds),
        count=count,
        duration=None if duration_seconds is None else timedelta(seconds=duration_seconds),
        speedup=speedup,
        echo=echo,
    )
