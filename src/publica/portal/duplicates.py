""" "Is it one of these?": before a report is sent, open reports of the same problem nearby,
and following one instead; and the public page of a report, which anyone may follow.

`interruption()` is the report flow's one hook (in `views.check_answers`): it sends the
resident here once for each place and description they give, and only when there is
something to show.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from publica.accounts.models import User
from publica.assistant.services.duplicates import Candidate, duplicates_find
from publica.cases.services import case_follow
from publica.catalogue.models import Service
from publica.catalogue.selectors import service_get
from publica.core.actors import Actor
from publica.core.errors import FieldError, InvalidInput, NotFound, PublicaError, plain_message
from publica.open311.selectors import request_get
from publica.portal import formpages
from publica.portal import services as portal_services

__all__ = ["interruption", "possible_duplicates", "report"]

SESSION_FORMS = "publica_forms"  # the report flow's answers (`views`)
SESSION_SEEN = "publica_duplicates_seen"  # {service slug: fingerprint already shown}
NONE_OF_THESE = "none"


def interruption(request: HttpRequest, service: Service, data: dict[str, Any]) -> str | None:
    """The "Is it one of these?" page's address when this place and description have open
    reports nearby that the resident has not yet seen; else None."""
    if service.kind != Service.Kind.REPORT or not isinstance(data.get("location"), dict):
        return None
    fingerprint = _fingerprint(data)
    if request.session.get(SESSION_SEEN, {}).get(service.slug) == fingerprint:
        return None
    if not _candidates(service, data):
        _mark_seen(request, service, fingerprint)
        return None
    return reverse("portal:possible-duplicates", args=[service.slug])


@require_http_methods(["GET", "POST"])
def possible_duplicates(request: HttpRequest, slug: str) -> HttpResponse:
    service = _service(slug)
    data = dict(request.session.get(SESSION_FORMS, {}).get(service.slug, {}))
    if not isinstance(data.get("location"), dict):
        return redirect("portal:start", slug=slug)
    candidates = _candidates(service, data)
    check_url = reverse("portal:check", args=[service.slug])
    if not candidates:
        _mark_seen(request, service, _fingerprint(data))
        return redirect(check_url)
    errors: list[FieldError] = []
    choice, email = request.POST.get("choice", ""), request.POST.get("email", "").strip()
    if request.method == "POST":
        if choice == NONE_OF_THESE:
            _mark_seen(request, service, _fingerprint(data))
            return redirect(check_url)
        chosen = next((c for c in candidates if c.reference == choice), None)
        if chosen is None:
            errors = [FieldError("choice", _("Select the report you wanted to send, or No"))]
        else:
            errors = _follow(request, chosen.reference, email)
            if not errors:
                _forget_answers(request, service)
                return redirect("portal:report", reference=chosen.reference)
    form = service.current_version.definition["form"]  # type: ignore[union-attr]
    last_page = len(formpages.pages(form))
    return render(
        request,
        "portal/possible_duplicates.html",
        {
            "service": service,
            "candidates": candidates,
            "choice": choice,
            "email": email,
            "signed_in": _resident(request) is not None,
            "none_value": NONE_OF_THESE,
            "errors": _summary(errors),
            "form_has_errors": bool(errors),
            "error_for": {e.field: e.message for e in errors},
            "back_url": reverse("portal:form-page", args=[service.slug, last_page]),
        },
    )


@ratelimit(key="ip", rate="30/h", method="POST", block=True)
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, reference: str) -> HttpResponse:
    """A report as the public sees it (as Open311 shows it), with a way to follow it."""
    try:
        case = request_get(reference=reference)
    except NotFound:
        raise Http404 from None
    errors: list[FieldError] = []
    email = request.POST.get("email", "").strip()
    if request.method == "POST":
        errors = _follow(request, case.reference, email)
        if not errors:
            return redirect("portal:report", reference=case.reference)
    definition = case.service_version.definition
    state = definition["workflow"]["states"].get(case.state, {})
    return render(
        request,
        "portal/report.html",
        {
            "case": case,
            "status": state.get("public_label") or state.get("label") or case.state,
            "description": str(case.data.get("description") or ""),
            "duplicate_of": case.duplicate_of.reference if case.duplicate_of_id else "",  # type: ignore[union-attr]
            "email": email,
            "signed_in": _resident(request) is not None,
            "errors": _summary(errors),
            "form_has_errors": bool(errors),
            "error_for": {e.field: e.message for e in errors},
        },
    )


def _follow(request: HttpRequest, reference: str, email: str) -> list[FieldError]:
    """Follow the public report; the errors to show, naming the field, or none."""
    try:
        case = request_get(reference=reference)
        actor: Actor | None = _resident(request)
        case_follow(case=case, actor=actor, email="" if actor else email)
    except InvalidInput as exc:
        return [
            FieldError("email" if e.field == "email" else "choice", e.message) for e in exc.errors
        ]
    except PublicaError as exc:
        return [FieldError("choice", plain_message(exc))]
    messages.success(
        request,
        _("You are following report %(reference)s. We will email you when it moves on.")
        % {"reference": reference},
    )
    return []


def _candidates(service: Service, data: dict[str, Any]) -> list[Candidate]:
    location = data.get("location") or {}
    return duplicates_find(
        service=service,
        latitude=_number(location.get("latitude")),
        longitude=_number(location.get("longitude")),
        address=str(location.get("address") or ""),
        text=str(data.get("description") or ""),
    )


def _number(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _fingerprint(data: dict[str, Any]) -> str:
    seen = {"location": data.get("location"), "description": data.get("description")}
    return hashlib.sha256(json.dumps(seen, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _mark_seen(request: HttpRequest, service: Service, fingerprint: str) -> None:
    seen = request.session.get(SESSION_SEEN, {})
    seen[service.slug] = fingerprint
    request.session[SESSION_SEEN] = seen


def _forget_answers(request: HttpRequest, service: Service) -> None:
    """The resident follows instead of sending: their answers and saved draft go."""
    forms = request.session.get(SESSION_FORMS, {})
    forms.pop(service.slug, None)
    request.session[SESSION_FORMS] = forms
    resident = _resident(request)
    if resident is not None:
        portal_services.draft_discard(service=service, actor=resident)


def _resident(request: HttpRequest) -> User | None:
    user = request.user
    if user.is_authenticated and getattr(user, "is_resident", False):
        return user  # type: ignore[return-value]
    return None


def _service(slug: str) -> Service:
    try:
        return service_get(slug=slug)
    except NotFound:
        raise Http404 from None


def _summary(errors: list[FieldError]) -> list[dict[str, str]]:
    return [{"href": f"#{e.field}", "message": e.message} for e in errors]
