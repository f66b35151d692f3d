"""`publica worker`: background tasks (Django's tasks API with the database backend, so no
broker) and the periodic jobs, each calling one service function: SLA escalation, clean-up of
unsent uploads, ledger sequencing, sealing access records, open-data rebuilds, and claiming
due outbox messages for delivery.
"""

from __future__ import annotations

import logging
import threading
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


def _sequence_ledger() -> int:
    """Integrate every pending ledger entry, a batch (and a checkpoint) at a time."""
    from publica.ledger.services import ledger_sequence

    size = 0
    while (checkpoint := ledger_sequence()) is not None:
        size = checkpoint.size
    return size


def _seal_access() -> int:
    """Seal the access records old enough into the ledger (the data tracker's digests)."""
    from publica.exchange.services.sealing import access_seal

    return sum(batch.count for batch in access_seal())


def _prune_task_results() -> int:
    """Forget finished background tasks after a week (the outbox keeps what matters)."""
    from django.core.management import call_command

    call_command("prune_db_task_results", min_age_days=7, verbosity=0)
    return 0


def _check_silent_sensors() -> int:
    """Absence rules: a sensor that has gone quiet opens its case."""
    from publica.sensors.alarms import alarms_check_absences

    return alarms_check_absences()


def _retrain_triage() -> int:
    """Retrain the report classifier when its model is old or many cases came since."""
    from publica.assistant.services.triage import triage_train_if_due
    from publica.core.errors import InvalidInput

    try:
        model = triage_train_if_due()
    except InvalidInput:  # fewer than two services to tell apart: nothing to learn yet
        return 0
    return model.samples if model is not None else 0


def _refresh_open_data() -> int:
    """Rebuild the open datasets drawn from live data when they are due."""
    from publica.opendata.services import datasets_refresh_due

    return datasets_refresh_due()


def _refresh_insights() -> int:
    """Recount the dashboards' summary days touched since the last run."""
    from publica.insights.services.summaries import summaries_refresh

    return summaries_refresh()


def _make_forecasts() -> int:
    """Forecast each service's weekly volume again when the last forecast is a day old."""
    from publica.core.actors import SystemActor
    from publica.insights.services.forecasts import forecasts_make_due

    return forecasts_make_due(actor=SystemActor("forecasts"))


def _prune_exchange_nonces() -> int:
    """Forget the nonces of signed register requests once their signatures are stale."""
    from publica.exchange.services.nonces import nonces_prune

    return nonces_prune()


def _apply_retention() -> int:
    """Anonymise closed cases past their service's retention period."""
    from publica.privacy.services import retention_run

    return retention_run()


JOBS = [
    PeriodicJob("sla-escalation", _escalate_overdue),
    PeriodicJob("unsent-upload-cleanup", _expire_uploads),
    PeriodicJob("access-sealing", _seal_access),
    PeriodicJob("exchange-nonce-pruning", _prune_exchange_nonces),
    PeriodicJob("retention", _apply_retention),
    PeriodicJob("ledger-sequencing", _sequence_ledger),
    PeriodicJob("task-result-pruning", _prune_task_results),
    PeriodicJob("silent-sensors", _check_silent_sensors),
    PeriodicJob("triage-retraining", _retrain_triage),
    PeriodicJob("open-data-refresh", _refresh_open_data),
    PeriodicJob("insights-refresh", _refresh_insights),
    PeriodicJob("forecasts", _make_forecasts),
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


def _dispatch_messages() -> int:
    """Claim the outbox messages that are due and queue their delivery."""
    from publica.notify.services import dispatch_due

    return sum(len(batch) for batch in dispatch_due())


def run(*, once: bool, interval: int | None, echo: Callable[[str], object] = print) -> None:
    """Run background tasks (Django's tasks API, in the database) until SIGTERM or SIGINT,
    with the periodic jobs on their own schedule beside them; or, with `once`, run every job
    once and every task that is due, then stop."""
    from django.core.management import call_command

    if once:
        run_jobs_once(echo)
        _dispatch_messages()
        call_command("db_worker", batch=True, interval=0, startup_delay=False, reload=False)
        return
    stop = threading.Event()
    loops = [
        threading.Thread(target=_every, args=(stop, interval or settings.PUBLICA_WORKER_INTERVAL,
                         lambda: run_jobs_once(echo)), name="periodic-jobs", daemon=True),
        threading.Thread(target=_every, args=(stop, settings.PUBLICA_LEDGER_INTERVAL,
                         _sequence_ledger), name="ledger", daemon=True),
        threading.Thread(target=_every, args=(stop, settings.PUBLICA_DELIVERY_INTERVAL,
                         _dispatch_messages), name="outbox", daemon=True),
    ]  # fmt: skip
    for loop in loops:
        loop.start()
    if settings.PUBLICA_MQTT_URL:  # sensors publish over MQTT: take their observations too
        loops.append(
            threading.Thread(target=_ingest, args=(stop,), name="mqtt-ingest", daemon=True)
        )
        loops[-1].start()
    try:
        # The task worker owns the main thread and its signals: SIGTERM finishes the task in
        # hand, then stops; the loops above stop with it.
        call_command(
            "db_worker",
            interval=settings.PUBLICA_DELIVERY_INTERVAL,
            startup_delay=False,
            reload=False,
            verbosity=0,
        )
    finally:
        stop.set()
        for loop in loops:
            loop.join(timeout=30)


def _ingest(stop: threading.Event) -> None:
    """Take MQTT observations: one ingester in this thread, or a group of processes."""
    from publica.sensors.ingest import run_ingesters

    run_ingesters(settings.PUBLICA_MQTT_URL, settings.PUBLICA_MQTT_CLIENT_ID,
                  settings.PUBLICA_MQTT_INGESTERS, stop)  # fmt: skip


def _every(stop: threading.Event, seconds: float, job: Callable[[], object]) -> None:
    """Run `job` now and then every `seconds` until `stop`; a failure is logged, not fatal."""
    while not stop.is_set():
        try:
            job()
        except Exception:
            logger.exception(
                "background job %s failed; trying again", threading.current_thread().name
            )
        finally:
            close_old_connections()  # a long-lived thread must not hold a dead connection
        stop.wait(seconds)
