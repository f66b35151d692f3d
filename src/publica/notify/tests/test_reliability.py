"""Nothing lost, with real processes: a worker killed with SIGKILL in the middle of a batch,
and a webhook receiver that is down for a (shortened) five minutes.

The worker is a real `publica worker` process on the test database, so these need
PostgreSQL: SQLite's test database lives in the memory of this process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from publica.core import clock
from publica.core.actors import SystemActor
from publica.notify.models import Channel, Message, Status
from publica.notify.services import webhook_subscribe

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

#: Backoff and claims shortened a hundredfold, so minutes of outage take seconds.
FAST = {
    "PUBLICA_DELIVERY_INTERVAL": "0.05",
    "PUBLICA_DELIVERY_LEASE": "2",
    "PUBLICA_DELIVERY_BASE_DELAY": "0.1",
    "PUBLICA_DELIVERY_MAX_DELAY": "1",
    "PUBLICA_DELIVERY_BATCH": "50",
    "PUBLICA_LEDGER_INTEGRATE_ON_COMMIT": "false",
    "PUBLICA_WEBHOOK_ALLOW_PRIVATE": "true",  # the receiver is on loopback
}


def _worker(tmp_path: Path, **env: str) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    log = (tmp_path / "worker.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "publica.cli", "worker"],
        env={**os.environ, **FAST, **env, "DATABASE_URL": url, "PUBLICA_DATA_DIR": str(tmp_path)},
        stdout=log,
        stderr=log,
    )


def _wait_until(done, seconds: float, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.1)
    log = (tmp_path / "worker.log").read_text(errors="replace")[-3000:]
    pytest.fail(f"not done within {seconds} s; the worker said:\n{log}")


def _emails(count: int) -> list[str]:
    now = clock.now()
    messages = Message.objects.bulk_create(
        Message(channel=Channel.EMAIL, kind="test", recipient=f"r{n}@example.org",
                subject=f"Message {n}", text="Hello", next_attempt_at=now, created_at=now)
        for n in range(count)
    )  # fmt: skip
    return [str(m.id) for m in messages]


def _delivered() -> int:
    return Message.objects.filter(status=Status.DELIVERED).count()


def test_a_worker_killed_mid_batch_loses_nothing_and_resends_with_the_same_id(tmp_path, smtp):
    smtp.delay = 0.01  # a batch of 50 takes half a second: long enough to be cut in two
    ids = _emails(300)
    email_url = f"smtp://127.0.0.1:{smtp_port(smtp)}"
    worker = _worker(tmp_path, EMAIL_URL=email_url)
    _wait_until(lambda: len(smtp.received) >= 75, 60, tmp_path)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert _delivered() < 300
    worker = _worker(tmp_path, EMAIL_URL=email_url)
    try:
        _wait_until(lambda: _delivered() == 300, 60, tmp_path)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    received = Counter(smtp.ids())
    assert set(received) == set(ids)  # every message arrived
    resent = [pk for pk, n in received.items() if n > 1]
    assert len(resent) <= 50  # only the batch cut in two went twice, under the same id


def test_a_receiver_down_for_five_minutes_gets_everything_when_it_returns(tmp_path, receiver):
    subscription = webhook_subscribe(name="Roads", url=receiver.url, actor=SystemActor("test"))
    now = clock.now()
    messages = Message.objects.bulk_create(
        Message(channel=Channel.WEBHOOK, kind="case.submitted", subscription=subscription,
                recipient=subscription.url, body=json.dumps({"n": n}).encode(),
                next_attempt_at=now, created_at=now)
        for n in range(500)
    )  # fmt: skip
    receiver.status = 503
    worker = _worker(tmp_path)
    try:
        # Down for "300 seconds" at a hundredth of the backoff: every message fails, again.
        _wait_until(lambda: not Message.objects.filter(attempts__lt=2).exists(), 60, tmp_path)
        time.sleep(1)
        assert _delivered() == 0 and not receiver.requests
        receiver.status = 204
        _wait_until(lambda: _delivered() == 500, 60, tmp_path)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    arrived = {r.headers["webhook-id"] for r in receiver.requests}
    assert arrived == {str(m.id) for m in messages}
    assert not Message.objects.filter(attempts__lt=3).exists()  # two failures, then through


def smtp_port(sink) -> int:  # type: ignore[no-untyped-def]
    from django.conf import settings

    return int(settings.EMAIL_PORT)
