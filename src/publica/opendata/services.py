"""Writes: publish every registered dataset and rebuild the snapshots of live data."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q

from publica.accounts.models import Organisation
from publica.accounts.selectors import organisation_get
from publica.core import clock
from publica.core.actors import SystemActor
from publica.core.errors import FieldError, InvalidInput, NotFound
from publica.opendata.models import Dataset
from publica.opendata.registry import Definition, definition, definitions

__all__ = ["dataset_refresh", "datasets_publish", "datasets_refresh_due"]

logger = logging.getLogger(__name__)
PUBLISHER = SystemActor("open-data")


def datasets_publish(*, actor: SystemActor = PUBLISHER) -> list[Dataset]:
    """Give every registered dataset its record (once), then build each one. Returns the
    records, in the registry's order."""
    organisation = organisation_get()
    if organisation is None:
        raise InvalidInput(
            [FieldError("organisation", "no organisation to publish as; run `publica demo`")]
        )
    now = clock.now()
    for name in definitions():
        Dataset.objects.get_or_create(
            name=name,
            defaults={
                "organisation": organisation,
                "licence": settings.PUBLICA_OPENDATA_LICENCE,
                "created_at": now,
                "modified_at": now,
            },
        )
    return [dataset_refresh(name=name, actor=actor) for name in definitions()]


def dataset_refresh(*, name: str, actor: SystemActor = PUBLISHER) -> Dataset:
    """Rebuild one dataset from live data in one transaction, so readers see the old rows or
    the new ones, never a half-built table; record when and how many rows."""
    found = definition(name)
    if found is None:
        raise NotFound(f"no dataset named {name!r}")
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().get(name=name)
        rows = _build(found)
        now = clock.now()
        changed = rows != dataset.row_count or found.refresh is not None
        dataset.row_count = rows
        dataset.built_at = now
        fields = ["row_count", "built_at"]
        if changed:
            dataset.modified_at = now
            fields.append("modified_at")
        dataset.save(update_fields=fields)
    if found.refresh is not None:
        _sweep(found)
    logger.info("open data: %s rebuilt by %s, %d rows", name, actor, rows)
    return dataset


def _sweep(found: Definition) -> None:
    """A rebuilt snapshot replaced every row: PostgreSQL keeps the old ones as dead tuples
    until autovacuum comes (a million of them made a filtered count seven times slower), and
    both databases would plan with the old statistics. Clear and re-count now; VACUUM only
    when not inside a caller's transaction, where PostgreSQL refuses it."""
    table = connection.ops.quote_name(found.table().rows().model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        else:
            cursor.execute(f"ANALYZE {table}")


def _build(found: Definition) -> int:
    if found.refresh is not None:
        return found.refresh()
    return found.table().rows().count()


def datasets_refresh_due(*, actor: SystemActor = PUBLISHER) -> int:
    """The periodic job: publish datasets new since the last run, and rebuild those built
    longer ago than PUBLICA_OPENDATA_REFRESH_MINUTES. Returns how many were rebuilt."""
    if Organisation.objects.exists() and Dataset.objects.count() < len(definitions()):
        return len(datasets_publish(actor=actor))
    due_before = clock.now() - dt.timedelta(minutes=settings.PUBLICA_OPENDATA_REFRESH_MINUTES)
    stale = Dataset.objects.filter(Q(built_at__isnull=True) | Q(built_at__lt=due_before))
    names = [name for name in stale.values_list("name", flat=True) if name in definitions()]
    for name in names:
        dataset_refresh(name=name, actor=actor)
    return len(names)
