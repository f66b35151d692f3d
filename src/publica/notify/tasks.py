"""Background tasks (Django's tasks API, run by `publica worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_task(ids: list[str]) -> dict[str, str]:
    """Deliver one claimed batch of outbox messages."""
    from publica.notify.services import deliver

    return deliver(ids)
