"""Reads of cases that views, APIs and other apps may use; each respects who is asking."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.expressions import OrderBy

from publica.accounts.models import User
from publica.accounts.roles import DEPARTMENT_BOUND, READ_ALL
from publica.cases import permissions
from publica.cases.models import Case, CaseEvent, Priority
from publica.core import clock
from publica.core.actors import Actor, ApiClient, ContactActor, SystemActor
from publica.core.errors import NotFound
from publica.core.fieldkeys import keyring

__all__ = [
    "QUEUE_VIEWS",
    "QueuePage",
    "case_get",
    "case_list",
    "case_queue",
    "case_queue_page",
    "case_timeline",
    "visible_cases",
]

#: The back office's standing queues.
QUEUE_VIEWS = ("mine", "department", "unassigned", "overdue", "at-risk", "waiting")
_REFERENCE = re.compile(r"^[A-Za-z]{2,4}-\d{4}-\d{1,6}$")


def visible_cases(*, actor: Actor | None) -> QuerySet[Case]:
    """The cases `actor` may see: all for admins and auditors, their department's for staff,
    their own for residents, none for anyone else."""
    cases = Case.objects.select_related("service", "department", "assignee")
    if isinstance(actor, SystemActor):
        return cases
    if isinstance(actor, ContactActor):
        return cases.filter(contact_email_hash=keyring().blind(actor.email, "case-email") or "-")
    if isinstance(actor, ApiClient):
        if actor.department_id is None:
            return cases
        return cases.filter(department_id=actor.department_id)
    if not isinstance(actor, User) or not actor.is_active:
        return cases.none()
    if actor.role in READ_ALL:
        return cases
    if actor.role in DEPARTMENT_BOUND and actor.department_id is not None:
        return cases.filter(department_id=actor.department_id)
    if actor.role in DEPARTMENT_BOUND:
        return cases.none()
    return cases.filter(applicant=actor)


def case_get(*, reference: str, actor: Actor | None) -> Case:
    """One case by reference; NotFound both when it does not exist and when it is not yours,
    so a reference cannot be probed."""
    case = (
        visible_cases(actor=actor)
        .select_related("service_version")
        .filter(reference=reference.strip().upper())
        .first()
    )
    if case is None:
        raise NotFound(f"no case {reference!r} that you may see")
    return case


def case_queue(
    *,
    actor: Actor,
    department: str | None = None,
    state: str | None = None,
    service: str | None = None,
    assignee: User | None = None,
    overdue: bool | None = None,
    flagged: bool | None = None,
    include_closed: bool = False,
    now: dt.datetime | None = None,
) -> QuerySet[Case]:
    """A work queue: most urgent first, then the earliest due."""
    now = now or clock.now()
    cases = visible_cases(actor=actor)
    if not include_closed:
        cases = cases.filter(closed_at__isnull=True)
    if department:
        cases = cases.filter(department__slug=department)
    if state:
        cases = cases.filter(state=state)
    if service:
        cases = cases.filter(service__slug=service)
    if assignee is not None:
        cases = cases.filter(assignee=assignee)
    if overdue is not None:
        late = Q(due_at__lt=now, awaiting_info_since__isnull=True, closed_at__isnull=True)
        cases = cases.filter(late) if overdue else cases.exclude(late)
    if flagged is not None:
        cases = cases.filter(flagged=flagged)
    return cases.order_by(_priority_rank(), "due_at", "pk")


@dataclass(frozen=True)
class QueuePage:
    cases: list[Case]
    next_cursor: str | None


def case_queue_page(
    *,
    actor: User,
    view: str = "department",
    service: str = "",
    state: str = "",
    priority: str = "",
    search: str = "",
    submitted_from: dt.date | None = None,
    submitted_to: dt.date | None = None,
    after: str = "",
    size: int = 50,
) -> QueuePage:
    """One page of a back-office queue, earliest due first, with keyset pagination.

    The cursor is the (due time, id) of the last case shown, so every page costs one
    index range scan however deep into a million cases it is.
    """
    cases = case_queue(
        actor=actor,
        service=service,
        state=state,
        assignee=actor if view == "mine" else None,
        overdue=True if view == "overdue" else None,
    )
    if view == "unassigned":
        cases = cases.filter(assignee__isnull=True)
    elif view == "at-risk":  # not late yet, but due within PUBLICA_INSIGHTS_AT_RISK_DAYS
        now = clock.now()
        soon = now + dt.timedelta(days=settings.PUBLICA_INSIGHTS_AT_RISK_DAYS)
        cases = cases.filter(due_at__gte=now, due_at__lt=soon)
    elif view == "waiting":
        cases = cases.filter(awaiting_info_since__isnull=False)
    if priority:
        cases = cases.filter(priority=priority)
    if submitted_from:
        cases = cases.filter(submitted_at__date__gte=submitted_from)
    if submitted_to:
        cases = cases.filter(submitted_at__date__lte=submitted_to)
    if search:
        cases = _search(cases, search.strip())
    if after:
        due, _, pk = after.partition("|")
        try:
            moment, last = dt.datetime.fromisoformat(due), int(pk)
        except ValueError:
            moment, last = None, 0
        if moment is not None:
            # (due_at, id) > (moment, last), written so the index range starts at `moment`.
            cases = cases.filter(Q(due_at__gte=moment), Q(due_at__gt=moment) | Q(pk__gt=last))
    rows = list(cases.order_by("due_at", "pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    cursor = f"{rows[-1].due_at.isoformat()}|{rows[-1].pk}" if more and rows else None
    return QueuePage(rows, cursor)


def _search(cases: QuerySet[Case], text: str) -> QuerySet[Case]:
    if _REFERENCE.match(text):
        return cases.filter(reference=text.upper())
    # Contact details and answers are encrypted: each word is found by its keyed hash, so a
    # search matches whole words (any order), not parts of words. Names on accounts are not.
    words = keyring().blind_words([text], "case-words").split()
    in_case = Q()
    for word in words:
        in_case &= Q(search_words__contains=f" {word} ")
    return cases.filter(
        (in_case if words else Q(pk__in=[]))
        | Q(applicant__first_name__icontains=text)
        | Q(applicant__last_name__icontains=text)
    )


def case_list(*, actor: Actor) -> QuerySet[Case]:
    """Cases `actor` may see, newest first (a resident's own cases, for example)."""
    return visible_cases(actor=actor).order_by("-submitted_at", "-pk")


def case_timeline(*, case: Case, actor: Actor | None) -> list[CaseEvent]:
    """The case's events in order; the applicant sees only the ones meant for them."""
    permissions.require_read(actor, case)
    events = case.events.select_related("actor")
    if isinstance(actor, ContactActor) or (isinstance(actor, User) and actor.is_resident):
        events = events.filter(public=True)
    return list(events)


def _priority_rank() -> OrderBy:
    ranks = [models.When(priority=p, then=models.Value(i)) for i, p in enumerate(_URGENT_FIRST)]
    return models.Case(*ranks, default=models.Value(9), output_field=models.IntegerField()).asc()


_URGENT_FIRST = (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW)
