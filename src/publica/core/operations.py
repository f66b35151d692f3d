"""The operational figures /metrics reports, read at scrape time: each one query an index
answers, however many cases, messages, entries or readings the database holds.

These read other apps' tables, read-only and for monitoring alone: no figure here names a
person, a case or an address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Min

from publica.core import clock

__all__ = ["Figures", "figures"]


@dataclass(frozen=True)
class Figures:
    tasks_waiting: int
    oldest_task_waiting_seconds: float
    outbox_by_status: dict[str, int]
    outbox_due: int
    oldest_undelivered_seconds: float
    ledger_pending: int
    ledger_unsigned: int
    oldest_pending_entry_seconds: float
    last_checkpoint_seconds: float | None
    ledger_size: int
    observations_stored: int
    cases_open: int
    cases_overdue: int


def _age(now: datetime, then: datetime | None) -> float:
    return max(0.0, (now - then).total_seconds()) if then is not None else 0.0


def figures() -> Figures:
    """Read every figure now (about a dozen small queries)."""
    from django_tasks_db.models import DBTaskResult

    from publica.cases.models import Case
    from publica.ledger.models import Checkpoint, Head, Pending
    from publica.notify.models import OPEN, Message
    from publica.sensors.models import Observation

    now = clock.now()
    # Tasks ready to run (the partial index on status = READY); a task scheduled for later
    # is not yet waiting.
    ready = DBTaskResult.objects.ready().aggregate(n=Count("pk"), oldest=Min("enqueued_at"))
    # Undelivered messages: the `messages_due` partial index holds exactly these rows.
    undelivered = Message.objects.filter(status__in=OPEN)
    by_status = {str(status): 0 for status in OPEN}
    for row in undelivered.values("status").annotate(n=Count("pk")).order_by():
        by_status[row["status"]] = row["n"]
    oldest_message = undelivered.aggregate(oldest=Min("created_at"))["oldest"]
    due = undelivered.filter(next_attempt_at__lte=now).count()
    # The ledger: entries wait in the small Pending table until the sequencer integrates
    # them; integrated entries beyond the last checkpoint's size are not yet signed.
    pending = Pending.objects.aggregate(n=Count("pk"), oldest=Min("entry__recorded_at"))
    head = Head.objects.order_by("pk").values_list("size", flat=True).first() or 0
    checkpoint = Checkpoint.objects.order_by("-size").values("size", "signed_at").first()
    signed = checkpoint["size"] if checkpoint else 0
    # Observation ids are drawn in order as readings are stored, so the highest is how many
    # were ever stored (what a rate() of it turns into the ingest rate).
    stored = Observation.objects.aggregate(top=Max("pk"))["top"] or 0
    open_cases = Case.objects.filter(closed_at__isnull=True)
    return Figures(
        tasks_waiting=ready["n"],
        oldest_task_waiting_seconds=_age(now, ready["oldest"]),
        outbox_by_status=by_status,
        outbox_due=due,
        oldest_undelivered_seconds=_age(now, oldest_message),
        ledger_pending=pending["n"],
        ledger_unsigned=pending["n"] + max(0, head - signed),
        oldest_pending_entry_seconds=_age(now, pending["oldest"]),
        last_checkpoint_seconds=_age(now, checkpoint["signed_at"]) if checkpoint else None,
        ledger_size=signed,
        observations_stored=stored,
        cases_open=open_cases.count(),
        cases_overdue=open_cases.filter(due_at__lt=now, awaiting_info_since__isnull=True).count(),
    )
