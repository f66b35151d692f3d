"""The portal's side of "once only": fill a form from the registers, keep where each answer
came from, and have the registers checked once the case exists.

Which answers came from a register (and which may not be changed) is kept in the session
beside the answers themselves, per service; the exchange does the asking and the recording.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from publica.accounts.models import User
from publica.cases.models import Case
from publica.catalogue.models import Service
from publica.exchange.services.prefill import prefill_fetch, readiness, registers_check

__all__ = ["after_submit", "before_start", "decline", "held", "locked"]

SESSION_KEY = "publica_prefill"
logger = logging.getLogger(__name__)


def before_start(request: HttpRequest, service: Service, data: dict[str, Any]) -> str | None:
    """Where to send a verified resident first, or None to go on as usual: the consent
    question, or, once `data` (the session's answers) is filled from the registers, the
    first page, so they see what was filled in."""
    user = _resident(request)
    if user is None:
        return None
    state = readiness(service=service, user=user)
    if not (state.uses_registers and state.verified) or held(request, service):
        return None  # nothing to fetch, or fetched (or declined) already in this visit
    if state.needs_consent:
        return reverse("exchange:ask", args=[service.slug])
    prefill = prefill_fetch(service=service, user=user)
    if prefill.problem:
        messages.warning(request, prefill.problem)
        return None
    for question, value in prefill.values.items():
        if question in prefill.locked or question not in data:
            data[question] = value  # never over what the resident typed, unless locked
    _keep(request, service, {"sources": prefill.sources, "locked": sorted(prefill.locked)})
    if not prefill.values:
        return None
    messages.info(
        request, _("We filled in some answers from the registers that hold them. Check them.")
    )
    return reverse("portal:form-page", args=[service.slug, 1])


def decline(request: HttpRequest, service: Service) -> None:
    """The resident would rather type their answers: do not ask again in this visit."""
    _keep(request, service, {"declined": True})


def held(request: HttpRequest, service: Service) -> dict[str, Any]:
    return dict(request.session.get(SESSION_KEY, {}).get(service.slug, {}))


def locked(request: HttpRequest, service: Service) -> frozenset[str]:
    return frozenset(held(request, service).get("locked", ()))


def after_submit(request: HttpRequest, case: Case) -> None:
    """Ask the registers again for the new case, so its rules decide on what they say."""
    user = _resident(request)
    if user is not None:
        try:
            registers_check(case=case, user=user)
        except Exception:  # the case is sent and safe; without the check a person decides
            logger.exception("the register check of a new %s case failed", case.service.slug)
    forms = request.session.get(SESSION_KEY, {})
    forms.pop(case.service.slug, None)
    request.session[SESSION_KEY] = forms


def _keep(request: HttpRequest, service: Service, value: dict[str, Any]) -> None:
    forms = request.session.get(SESSION_KEY, {})
    forms[service.slug] = value
    request.session[SESSION_KEY] = forms


def _resident(request: HttpRequest) -> User | None:
    user = request.user
    if user.is_authenticated and getattr(user, "is_resident", False):
        return user  # type: ignore[return-value]
    return None
