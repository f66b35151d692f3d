"""Observations from MQTT, as the SensorThings MQTT extension publishes them: a JSON
Observation on `v1.1/Datastreams(<id>)/Observations`.

The subscriber keeps a persistent session (MQTT 5, QoS 1, a fixed client id and a session
that outlives a restart), so readings published while it was down wait on the broker. It
acknowledges a message only once the batch holding it is committed, so a crash loses
nothing: the broker sends the unacknowledged messages again when the session resumes. A write
that fails (the database busy or away) keeps its readings buffered and tries again, since
MQTT 5 resends unacknowledged messages only on a new connection. Bad messages (malformed JSON, an
unknown datastream, a time far in the future) are counted, logged without their content, and
acknowledged, so they are not sent again; ingestion keeps running.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.db import close_old_connections

from publica.core import clock
from publica.core.actors import SystemActor
from publica.sensors.values import ValueProblem, parse_interval

__all__ = [
    "Ingestor",
    "Reading",
    "member",
    "parse_message",
    "retire_members",
    "run_group",
    "run_ingesters",
    "stop_on_signals",
]

logger = logging.getLogger(__name__)
INGESTOR = SystemActor("mqtt-ingest")
TOPIC_FILTER = "v1.1/+/Observations"
_TOPIC = re.compile(r"v1\.1/Datastreams\((\d{1,18})\)/Observations")
#: A reading dated further ahead than this is a clock gone wrong, not a measurement.
MAX_SKEW = dt.timedelta(minutes=5)
#: The longest wait between tries while the database refuses writes.
MAX_PAUSE = 5.0
#: How long the broker keeps an ingester's session (and the readings queued for it).
SESSION_EXPIRY = 7 * 86_400
#: Member numbers probed above the configured count, to retire after scaling down.
RETIRE_PROBE = 8


@dataclass(frozen=True)
class Reading:
    datastream_id: int
    phenomenon_time: dt.datetime
    phenomenon_time_end: dt.datetime | None
    result: Any


class Rejected(ValueError):
    """Why a message cannot be stored (the kind is what the drop counter counts)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind


def parse_message(topic: str, payload: bytes, received: dt.datetime) -> Reading:
    """The reading a message carries; Rejected with a reason otherwise. Pure."""
    match = _TOPIC.fullmatch(topic)
    if match is None:
        raise Rejected("topic", f"not an Observations topic: {topic[:80]!r}")
    try:
        body = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Rejected("json", "the payload is not JSON") from None
    if not isinstance(body, dict) or "result" not in body:
        raise Rejected("shape", "expected a JSON object with a result")
    result = body["result"]
    if isinstance(result, float) and result != result:
        raise Rejected("result", "the result is NaN")
    try:
        start, end = (
            parse_interval(body["phenomenonTime"]) if "phenomenonTime" in body else (received, None)
        )
    except ValueProblem as exc:
        raise Rejected("time", str(exc)) from None
    if start > received + MAX_SKEW:
        raise Rejected("skew", f"phenomenonTime {start.isoformat()} is in the future")
    return Reading(int(match[1]), start, end, result)


@dataclass
class Stats:
    stored: int = 0
    retries: int = 0
    duplicates: int = 0  # readings already stored (a resend): acknowledged, not stored again
    dropped: Counter[str] = field(default_factory=Counter)


class Ingestor:
    """Subscribes, buffers, and writes batches every `flush_every` seconds or `batch` readings.

    `run()` blocks until `stop()`; use `start()` for a background thread.
    """

    def __init__(
        self,
        url: str,
        *,
        client_id: str = "publica-ingest",
        batch: int = 5000,
        flush_every: float = 0.1,
        on_batch: Callable[[int], None] | None = None,
        share: str | None = None,
    ) -> None:
        import paho.mqtt.client as mqtt

        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 1883
        self.batch, self.flush_every, self.on_batch = batch, flush_every, on_batch
        # In a shared subscription (MQTT 5) the broker spreads the messages over every
        # ingester of the group, so several processes can share the work.
        self.topic = f"$share/{share}/{TOPIC_FILTER}" if share else TOPIC_FILTER
        self.stats = Stats()
        self._buffer: list[tuple[int, Reading]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._full = threading.Event()
        self._pause = flush_every  # grows while writes fail, up to MAX_PAUSE
        self._retiring, self._session_present, self._ready = False, False, threading.Event()
        self._last_received = time.monotonic()
        self._streams: dict[int, Any] = {}  # Datastreams seen, by id
        self._client_id = client_id
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if parts.username:
            self.client.username_pw_set(parts.username, parts.password)
        self.client.on_connect = self._connected
        self.client.on_message = self._received

    # MQTT callbacks (the network thread)

    def _connected(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if self._retiring:  # take no new readings; the session's queue still arrives
            self._session_present = bool(flags.session_present)
            client.unsubscribe(self.topic)
            self._ready.set()
            return
        client.subscribe(self.topic, qos=1)
        logger.info("subscribed to %s on %s:%s", self.topic, self.host, self.port)

    def _received(self, client: Any, userdata: Any, message: Any) -> None:
        try:
            reading = parse_message(message.topic, message.payload, clock.now())
        except Rejected as exc:
            self._drop(exc.kind, message.mid)
            return
        with self._lock:
            self._buffer.append((message.mid, reading))
            full = len(self._buffer) >= self.batch
            self._last_received = time.monotonic()
        if full:
            self._full.set()  # write now rather than at the next tick

    def _drop(self, kind: str, mid: int) -> None:
        with self._lock:
            self.stats.dropped[kind] += 1
            count = self.stats.dropped[kind]
        if count <= 10 or count % 1000 == 0:  # a flood of bad messages must not flood the log
            logger.warning("dropped an MQTT message (%s); %d so far", kind, count)
        self.client.ack(mid, 1)

    # Writing (the ingesting thread)

    def _connect(self) -> None:
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY
        self.client.connect(self.host, self.port, clean_start=False, properties=properties)
        self.client.loop_start()

    def run(self) -> None:
        self._connect()
        try:
            while not self._stopping.is_set():
                if self._pause > self.flush_every:  # backing off: a full buffer may not hurry it
                    self._stopping.wait(self._pause)
                else:
                    self._full.wait(self.flush_every)
                self._full.clear()
                self.flush()
            self.flush()
        finally:
            self.client.loop_stop()
            self.client.disconnect()
            close_old_connections()

    def retire(self, quiet: float = 1.0) -> int:
        """End this client's session for good, storing first what the broker still holds for
        it; the number stored. For members beyond the configured count after scaling down,
        whose share of the readings would otherwise wait on the broker for them."""
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        self._retiring = True
        self._connect()
        try:
            if not self._ready.wait(10):
                raise ConnectionError(f"no answer from the MQTT broker at {self.host}:{self.port}")
            while self._session_present:
                self._stopping.wait(self.flush_every)
                self.flush()
                with self._lock:
                    idle = not self._buffer and time.monotonic() - self._last_received > quiet
                if idle:
                    break
            if self._session_present:
                logger.info("retired %s, storing %d readings it held", self._client_id,
                            self.stats.stored)  # fmt: skip
        finally:
            ending = Properties(PacketTypes.DISCONNECT)
            ending.SessionExpiryInterval = 0  # the broker forgets the session now
            self.client.disconnect(properties=ending)
            self.client.loop_stop()
            close_old_connections()
        return self.stats.stored

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="mqtt-ingest", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stopping.set()

    def stop_when(self, event: threading.Event) -> None:
        """Stop once `event` is set (by a signal handler, or the worker shutting down)."""

        def watch() -> None:
            event.wait()
            self.stop()

        threading.Thread(target=watch, name="mqtt-ingest-stop", daemon=True).start()

    def flush(self) -> int:
        """Write what is buffered, then acknowledge it; what could not be written stays buffered."""
        from publica.sensors.models import Datastream
        from publica.sensors.services import ObservationRow, observations_create

        with self._lock:
            taken, self._buffer = self._buffer, []
        if not taken:
            return 0
        by_stream: dict[int, list[tuple[int, Reading]]] = defaultdict(list)
        for mid, reading in taken:
            by_stream[reading.datastream_id].append((mid, reading))
        unknown = set(by_stream) - set(self._streams)
        if unknown:
            try:
                self._streams.update(Datastream.objects.select_related("thing").in_bulk(unknown))
            except Exception:
                self._failed(taken, "could not look up %d datastreams", len(unknown))
                return 0
        stored = 0
        for stream_id, items in by_stream.items():
            datastream = self._streams.get(stream_id)
            if datastream is None:
                for mid, _ in items:
                    self._drop("datastream", mid)
                continue
            rows = [ObservationRow(r.phenomenon_time, r.result, r.phenomenon_time_end)
                    for _, r in items]  # fmt: skip
            try:
                written = observations_create(datastream=datastream, rows=rows, actor=INGESTOR)
            except Exception:
                self._failed(items, "could not store %d readings", len(rows))
                continue
            stored_mids = []
            for (mid, _), problem in zip(items, written.problems, strict=True):
                if problem is None:
                    stored_mids.append(mid)
                else:
                    self._drop(problem.kind, mid)
            _acknowledge(self.client, stored_mids)
            stored += written.created
            self.stats.duplicates += written.duplicates
        if stored:
            self._pause = self.flush_every
        self.stats.stored += stored
        if self.on_batch:
            self.on_batch(stored)
        return stored

    def _failed(self, items: list[tuple[int, Reading]], message: str, *args: object) -> None:
        """Keep unwritten readings (unacknowledged) for the next flush, and back off."""
        logger.exception(message + "; trying again", *args)
        close_old_connections()
        with self._lock:
            self._buffer[:0] = items
        self.stats.retries += 1
        self._pause = min(max(self._pause * 2, 0.5), MAX_PAUSE)


def _acknowledge(client: Any, mids: list[int]) -> None:
    """PUBACK each message. paho sends each acknowledgement as its own packet, waking its
    network thread every time, which costs a fifth of ingestion; the bytes of all of them
    go as one write here instead (on the wire they are the same packets). Falls back to
    `ack()` should paho's queue ever change."""
    queue = getattr(client, "_packet_queue", None)
    if queue is None or not mids:
        for mid in mids:
            client.ack(mid, 1)
        return
    from paho.mqtt.client import PUBACK

    packets = b"".join(struct.pack("!BBH", PUBACK, 2, mid) for mid in mids)
    queue(PUBACK, packets, 0, 0)


# ---------------------------------------------------------------------------- a group of ingesters


def member(url: str, base_id: str, number: int) -> Ingestor:
    """Ingester `number` (from 1) of the group: its own session, and the group's shared
    subscription, named after `base_id` (the broker spreads readings over every session in
    it, so two deployments on one broker need two client ids)."""
    return Ingestor(url, client_id=f"{base_id}-{number}", share=base_id)


def retire_members(url: str, base_id: str, *, above: int) -> int:
    """Retire the members numbered above `above` that a larger group left on the broker (a
    member that never existed costs one connection); the readings they held, now stored."""
    return sum(
        member(url, base_id, number).retire()
        for number in range(above + 1, above + RETIRE_PROBE + 1)
    )


def stop_on_signals(stop: threading.Event) -> None:
    """Set `stop` on SIGTERM or SIGINT. The handler only notes the signal: setting an Event
    takes its lock, and a second signal landing inside the first handler (a supervisor's
    terminate after a service manager's) would wait on that lock forever. A small thread
    turns the note into `stop.set()`."""
    received: list[int] = []

    def note(signum: int, frame: Any) -> None:
        received.append(signum)  # no lock

    def relay() -> None:
        while not received and not stop.is_set():
            time.sleep(0.1)
        stop.set()

    signal.signal(signal.SIGTERM, note)
    signal.signal(signal.SIGINT, note)
    threading.Thread(target=relay, name="stop-on-signals", daemon=True).start()


def run_ingesters(url: str, base_id: str, count: int, stop: threading.Event) -> Stats | None:
    """Take readings until `stop`: first retire the members above `count`, then run one
    ingester here (its stats returned) or a group of `count` processes."""
    try:
        retired = retire_members(url, base_id, above=count)
    except Exception:  # the members start anyway, and connect when the broker is back
        logger.exception("could not retire the MQTT ingesters above %d", count)
    else:
        if retired:
            logger.info("stored %d readings held for ingesters no longer run", retired)
    if count > 1:
        run_group(url, base_id, count, stop)
        return None
    ingestor = member(url, base_id, 1)
    ingestor.stop_when(stop)
    ingestor.run()
    return ingestor.stats


def run_group(url: str, base_id: str, count: int, stop: threading.Event) -> None:
    """Run `count` member processes (`publica sensors ingest --member N`), restarting any that
    exits, until `stop` is set; then stop them, letting each store what it holds."""
    command = [sys.executable, "-m", "publica.cli", "sensors", "ingest", "--url", url]
    children: dict[int, subprocess.Popen[bytes]] = {}
    try:
        while not stop.is_set():
            for number in range(1, count + 1):
                child = children.get(number)
                if child is None or child.poll() is not None:
                    if child is not None:
                        logger.warning("ingester %d stopped (%s); starting it again", number,
                                       child.returncode)  # fmt: skip
                    children[number] = subprocess.Popen([*command, "--member", str(number)])
            stop.wait(1)
    finally:
        for child in children.values():
            child.terminate()
        for child in children.values():
            child.wait(timeout=60)
