"""Consents: asked before a service fetches a resident's data; listed and revoked in the
account, where a revoked consent stops the next query at once."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from publica.accounts.models import User
from publica.accounts.selectors import organisation_get
from publica.catalogue.models import Service
from publica.catalogue.selectors import service_get
from publica.core import clock
from publica.core.errors import InvalidInput, NotFound
from publica.exchange import registers
from publica.exchange.selectors import consent_list
from publica.exchange.services.consents import consent_grant, consent_revoke
from publica.exchange.services.prefill import readiness, registers_section
from publica.portal import once_only


def consents(request: HttpRequest) -> HttpResponse:
    user = _resident(request)
    if user is None:
        return redirect(f"{reverse('portal:signin')}?next={request.path}")
    now = clock.now()
    rows = [
        {
            "consent": consent,
            "in_force": consent.revoked_at is None and consent.expires_at > now,
            "categories": [registers.CATEGORIES[c] for c in consent.categories],
            "registers": [registers.get(r).title for r in consent.registers],
        }
        for consent in consent_list(person=user)
    ]
    return render(request, "exchange/consents.html", {"rows": rows})


@require_POST
def revoke(request: HttpRequest, consent_id: str) -> HttpResponse:
    user = _resident(request)
    if user is None:
        return redirect(f"{reverse('portal:signin')}?next={reverse('exchange:consents')}")
    try:
        consent = consent_revoke(consent_id=consent_id, actor=user)
    except NotFound:
        raise Http404 from None
    messages.success(
        request,
        _("You withdrew your consent for “%(purpose)s”. We will not fetch that data again.")
        % {"purpose": consent.purpose},
    )
    return redirect("exchange:consents")


@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest, slug: str) -> HttpResponse:
    """May we fetch your details? Yes gives a consent; no means the resident types them."""
    service = _service(slug)
    user = _resident(request)
    if user is None:
        return redirect("portal:start", slug=slug)
    state = readiness(service=service, user=user)
    if not state.needs_consent:
        return redirect("portal:start", slug=slug)
    error = ""
    if request.method == "POST":
        choice = request.POST.get("consent", "")
        if choice == "yes":
            try:
                consent_grant(service=service, actor=user)
            except InvalidInput as exc:
                error = exc.errors[0].message
            else:
                return redirect("portal:start", slug=slug)
        elif choice == "no":
            once_only.decline(request, service)
            return redirect("portal:start", slug=slug)
        else:
            error = _("Choose whether we may fetch your details")
    errors = [{"href": "#consent", "message": error}] if error else []
    context = {**_terms(service), "error": error, "errors": errors, "form_has_errors": bool(error)}
    return render(request, "exchange/ask.html", context)


def _terms(service: Service) -> dict[str, Any]:
    section = registers_section(service) or {}
    uses = section.get("use", {}).values()
    organisation = organisation_get()
    return {
        "service": service,
        "purpose": section.get("purpose", ""),
        "organisation": organisation.name if organisation else _("the council"),
        "sources": [
            {
                "title": registers.get(use["register"]).title,
                "holder": registers.get(use["register"]).holder,
                "categories": [
                    registers.CATEGORIES[c]
                    for c in registers.get(use["register"]).categories(use.get("fields"))
                ],
            }
            for use in uses
        ],
        "months": section.get("consent_months") or settings.PUBLICA_EXCHANGE_CONSENT_MONTHS,
    }


def _service(slug: str) -> Service:
    try:
        return service_get(slug=slug)
    except NotFound:
        raise Http404 from None


def _resident(request: HttpRequest) -> User | None:
    user = request.user
    if user.is_authenticated and getattr(user, "is_resident", False):
        return user  # type: ignore[return-value]
    return None
