"""A small town whose dashboard figures are worked out by hand, for the insights tests.

March 2026 (no public holidays in England). Potholes and parking permits are due in 10
working days. The cases, all made through the case services at the times shown (UTC):

- A pothole, portal, Fri 6 Mar 10:00; due Fri 20 Mar; repaired Thu 19 Mar 10:00: in time,
  13 days.
- B pothole, portal, Mon 9 Mar 09:00; due Mon 23 Mar, but the caseworker asked a question on
  Tue 10 Mar 09:00 that was answered Fri 13 Mar 09:00, so due Thu 26 Mar 09:00; repaired
  Wed 25 Mar 09:00: in time only thanks to the paused clock, 16 days.
- C pothole, Open311, Mon 9 Mar 12:00; due Mon 23 Mar 12:00; repaired Wed 25 Mar 12:00: late,
  16 days.
- D parking permit, portal, Tue 10 Mar 08:00; approved at once by the rules: in time, 0 days.
- E pothole, by phone (staff), Wed 11 Mar 10:00; due Wed 25 Mar: open and overdue on Mon 30 Mar.
- F pothole, API, Mon 16 Mar 14:00; due Mon 30 Mar 13:00 UTC (14:00 in London, which moved to
  summer time on the 29th): open, and at risk at 09:00 that day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from publica.accounts.models import User
from publica.cases.models import Case, Channel
from publica.cases.services import (
    case_assign,
    case_provide_info,
    case_request_info,
    case_submit,
    case_transition,
)
from publica.cases.tests.factories import PERMIT_ANSWERS, POTHOLE_ANSWERS, confirm_by_registers
from publica.catalogue.models import Service
from publica.core import clock
from publica.core.actors import SystemActor
from publica.insights.filters import Filters
from publica.insights.services.summaries import summaries_rebuild

NOW = dt.datetime(2026, 3, 30, 9, 0, tzinfo=dt.UTC)
MARCH = Filters(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, 0, tzinfo=dt.UTC)


def submit(service: Service, when: dt.datetime, channel: str, actor: object = None) -> Case:
    answers = PERMIT_ANSWERS if service.slug == "parking-permit" else POTHOLE_ANSWERS
    with clock.at(when):
        case = case_submit(
            service=service,
            data=dict(answers),
            actor=actor,  # type: ignore[arg-type]
            channel=channel,
            contact={"email": "reporter@example.org"} if actor is None else None,
        )
        return confirm_by_registers(case) if service.slug == "parking-permit" else case


def repair(case: Case, when: dt.datetime, worker: User) -> None:
    with clock.at(when):
        case_transition(case=case, to="repair_scheduled", actor=worker)
        case_transition(case=Case.objects.get(pk=case.pk), to="repaired", actor=worker)


def build(
    pothole: Service, parking_permit: Service, caseworker: User, resident: User
) -> dict[str, Any]:
    """The six cases of the docstring, and the summaries rebuilt from them."""
    a = submit(pothole, at(6, 10), Channel.PORTAL)
    b = submit(pothole, at(9, 9), Channel.PORTAL)
    c = submit(pothole, at(9, 12), Channel.OPEN311)
    d = submit(parking_permit, at(10, 8), Channel.PORTAL, resident)
    e = submit(pothole, at(11, 10), Channel.STAFF, caseworker)
    f = submit(pothole, at(16, 14), Channel.API, SystemActor("api:test"))
    with clock.at(at(10, 9)):
        request = case_request_info(case=b, question="Which side of the road?", actor=caseworker)
    with clock.at(at(13, 9)):
        case_provide_info(request=request, answer="The north side.", actor=caseworker)
    with clock.at(at(12, 9)):
        case_assign(case=Case.objects.get(pk=b.pk), assignee=caseworker, actor=caseworker)
        case_assign(case=Case.objects.get(pk=e.pk), assignee=caseworker, actor=caseworker)
    repair(a, at(19, 10), caseworker)
    repair(Case.objects.get(pk=b.pk), at(25, 9), caseworker)
    repair(c, at(25, 12), caseworker)
    summaries_rebuild()
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "pothole": pothole}
