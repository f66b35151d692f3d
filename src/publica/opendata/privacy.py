"""The rules that keep personal data out of open data: small counts suppressed, places
generalised, free text never selected. Kept together so a reviewer reads them in one place."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, CharField, Q, Value, When


def suppress(count: int, threshold: int) -> int | None:
    """A count is published when it is zero or at least `threshold`; a count of 1 to
    threshold - 1 could single out the few people behind it, so it becomes null."""
    return count if count == 0 or count >= threshold else None


def when(condition: Q, then: Any, otherwise: Any) -> Case:
    return Case(When(condition, then=then), default=otherwise)


def status_expression() -> Case:
    """open or closed: the workflow's own state names can say more than the public needs."""
    return Case(
        When(closed_at__isnull=False, then=Value("closed")),
        default=Value("open"),
        output_field=CharField(),
    )
