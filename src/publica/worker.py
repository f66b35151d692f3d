"""Periodic jobs run by `publica worker`: each calls one service function and logs a count.

The task queue (notifications, webhooks) joins this loop when the notify app arrives.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    run: Callable[[], int]


def _escalate_overdue() -> int:
    from publica.cases.services import case_escalate_overdue

    return len(case_escalate_overdue())


def _expire_uploads() -> int:
    from publica.portal.services import uploads_expire

    return uploads_expire()


JOBS = [
    PeriodicJob("sla-escalation", _escalate_overdue),
    PeriodicJob("unsent-upload-cleanup", _expire_uploads),
]


def run_jobs_once(echo: Callable[[str], object] = print) -> dict[str, int]:
    """Run every job once; a failing job is logged and does not stop the others."""
    done = {}
    for job in JOBS:
        try:
            done[job.name] = job.run()
        except Exception:
            logger.exception("periodic job %s failed", job.name)
            continue
        echo(f"{job.name}: {done[job.name]}")
    return done


def run(*, once: bool, interval: int | None, echo: Callable[[str], object] = print) -> None:
    """Run the jobs every `interval` seconds until SIGTERM or SIGINT (or once)."""
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    period = interval or settings.PUBLICA_WORKER_INTERVAL
    while not stopping:
        run_jobs_once(echo)
        if once:
            return
        deadline = time.monotonic() + period
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.5)
        close_old_connections()  # a long-lived process must not hold a dead connection
