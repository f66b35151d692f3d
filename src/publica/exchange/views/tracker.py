"""'Who has used my data': a resident's own access records, in plain language."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from publica.accounts.models import User
from publica.exchange import selectors
from publica.exchange.models import AccessRecord

PER_PAGE = 50


@require_safe
def data_tracker(request: HttpRequest) -> HttpResponse:
    """Signed-in residents only: others are sent to sign in; staff have no such page."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('portal:signin')}?next={request.path}")
    person = request.user
    if not isinstance(person, User) or not person.is_resident:
        raise Http404
    records = selectors.access_list_for_resident(person=person)
    page = Paginator(records, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "exchange/tracker.html",
        {"page": page, "rows": [plain_record(record, person) for record in page.object_list]},
    )


def plain_record(record: AccessRecord, person: User) -> dict[str, Any]:
    """One record as the resident reads it: when, who, which data, why, on what basis, and
    the case, linked when it is theirs."""
    return {
        "at": record.at,
        "who": _who(record),
        "data": record.data,
        "purpose": record.purpose,
        "basis": _basis(record),
        "basis_is_consent": record.basis == AccessRecord.Basis.CONSENT,
        "case": record.case.reference if record.case else "",
        "case_is_theirs": record.case is not None and record.case.applicant_id == person.pk,
    }


def _who(record: AccessRecord) -> str:
    kind = record.actor_kind
    if kind == AccessRecord.Actor.STAFF:
        where = ", ".join(part for part in (record.organisation, record.department) if part)
        return f"{where} — {record.actor_label}"
    if kind == AccessRecord.Actor.AGENCY:
        text = _("Another organisation: %(organisation)s") % {"organisation": record.organisation}
        if record.actor_label and record.actor_label != record.organisation:
            text += _(", for %(reader)s") % {"reader": record.actor_label}
        return text
    if kind == AccessRecord.Actor.RESIDENT:
        return _("You")
    return f"{record.organisation} — {record.actor_label}"


def _basis(record: AccessRecord) -> str:
    if record.basis == AccessRecord.Basis.CONSENT:
        return _("your consent")
    if record.basis == AccessRecord.Basis.STATUTORY:
        if record.basis_detail:
            return _("a legal duty: %(law)s") % {"law": record.basis_detail}
        return _("a legal duty")
    return _("handling your case")
