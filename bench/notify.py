"""Outbox delivery by one `publica worker` process, on SQLite and on PostgreSQL.

    python bench/notify.py                      # 5,000 messages per channel, both databases
    python bench/notify.py --messages 2000 --only sqlite

Prints, per database:
- emails delivered per second to a local SMTP server (aiosmtpd), and webhooks delivered per
  second to a local HTTP receiver, counted from the first delivery to the last;
- time from a case event to its webhook's delivery, p50/p99, with cases submitted at
  `--rate` a second while the worker runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "src"))
from common import child_main, fresh_database, highways_with_pothole, run_on_each_database


def _worker(email_port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "EMAIL_URL": f"smtp://127.0.0.1:{email_port}",
        "PUBLICA_LEDGER_INTEGRATE_ON_COMMIT": "false",
        "PUBLICA_LOG_LEVEL": "WARNING",
        "PUBLICA_WEBHOOK_ALLOW_PRIVATE": "true",  # the receiver is on loopback
    }
    return subprocess.Popen(
        [sys.executable, "-m", "publica.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _until_delivered(count: int, timeout: float = 600) -> None:
    from django.db import close_old_connections

    from publica.notify.models import Message, Status

    deadline = time.monotonic() + timeout
    while Message.objects.filter(status=Status.DELIVERED).count() < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{count} messages not delivered in {timeout} s")
        time.sleep(0.2)
        close_old_connections()


def _rate(channel: str) -> dict[str, Any]:
    from publica.notify.models import Message

    times = sorted(Message.objects.filter(channel=channel).values_list("delivered_at", flat=True))
    span = (times[-1] - times[0]).total_seconds()
    return {"messages": len(times), "seconds": round(span, 2),
            "per_second": round((len(times) - 1) / span)}  # fmt: skip


def measure(messages: int, seconds: float, rate: float) -> dict[str, Any]:
    fresh_database()
    from django.conf import settings
    from django.db import connection

    settings.PUBLICA_WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on loopback
    from publica.cases.services import case_submit
    from publica.core import clock
    from publica.core.actors import SystemActor
    from publica.notify.models import Channel, Message
    from publica.notify.services import webhook_subscribe
    from publica.notify.tests.peers import SmtpSink, WebhookReceiver, start_smtp

    sink, receiver = SmtpSink(), WebhookReceiver()
    smtp = start_smtp(sink)
    subscription = webhook_subscribe(name="bench", url=receiver.url, actor=SystemActor("bench"))
    results: dict[str, Any] = {"database": connection.vendor}
    now = clock.now()
    for channel in (Channel.EMAIL, Channel.WEBHOOK):
        Message.objects.all().delete()
        Message.objects.bulk_create(
            (Message(channel=channel, kind="bench", subject="Bench", text="Hello",
                     recipient=f"r{n}@example.org" if channel == Channel.EMAIL else receiver.url,
                     subscription=subscription if channel == Channel.WEBHOOK else None,
                     body=b'{"specversion":"1.0"}', next_attempt_at=now, created_at=now)
             for n in range(messages)),
            batch_size=2000,
        )  # fmt: skip
        connection.close()
        worker = _worker(smtp.port)
        try:
            _until_delivered(messages)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        results[str(channel)] = _rate(channel)

    # Event to delivery: cases submitted at a steady rate while the worker runs.
    Message.objects.all().delete()
    service = highways_with_pothole()
    data = {"location": {"latitude": 52.03, "longitude": -0.98}, "road_type": "residential",
            "size": "small"}  # fmt: skip
    connection.close()
    worker = _worker(smtp.port)
    try:
        began, n = time.perf_counter(), 0
        while time.perf_counter() - began < seconds:
            case_submit(service=service, data=data, actor=None, contact={})
            n += 1
            time.sleep(max(0.0, began + n / rate - time.perf_counter()))
        _until_delivered(n)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    waits = sorted(
        (delivered - created).total_seconds() * 1000
        for created, delivered in Message.objects.values_list("created_at", "delivered_at")
    )
    results["latency"] = {"events": n, "rate": rate, "p50_ms": round(statistics.median(waits)),
                          "p99_ms": round(waits[int(len(waits) * 0.99) - 1])}  # fmt: skip
    smtp.stop()
    receiver.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=float, default=50, help="case events a second")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(lambda: measure(args.messages, args.seconds, args.rate))
        return
    arguments = [f"--messages={args.messages}", f"--seconds={args.seconds}", f"--rate={args.rate}"]
    for r in run_on_each_database(__file__, arguments, args.only):
        e, w, lat = r["email"], r["webhook"], r["latency"]
        print(f"{r['database']}: one worker")
        print(
            f"  email to a local SMTP server: {e['per_second']:,}/s "
            f"({e['messages']:,} in {e['seconds']} s)"
        )
        print(
            f"  webhooks to a local receiver: {w['per_second']:,}/s "
            f"({w['messages']:,} in {w['seconds']} s)"
        )
        print(
            f"  case event to webhook delivered: p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms "
            f"({lat['events']} events at {lat['rate']}/s)"
        )


if __name__ == "__main__":
    main()
