"""The staff triage queue: reports the classifier was not sure about, with its suggestion,
confidence and alternatives; staff confirm the suggestion or move the case elsewhere."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from publica.accounts.models import User
from publica.accounts.roles import Role
from publica.assistant.selectors.triage import triage_queue
from publica.assistant.services.triage import triage_confirm, triage_move
from publica.assistant.triage import case_text
from publica.catalogue.models import Service
from publica.catalogue.selectors import service_list
from publica.core.errors import FieldError, InvalidInput, PublicaError, plain_message
from publica.portal.staff import staff_required

#: The queue shows this many cases at once, oldest first.
PAGE = 100


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    services = list(service_list())
    titles = {service.slug: service.title for service in services}
    rows = [
        {
            "triage": triage,
            "text": case_text(triage.case.service_version.definition["form"], triage.case.data),
            "suggested": titles.get(triage.suggested_service_slug, triage.suggested_service_slug),
            "alternatives": [
                (titles.get(slug, slug), confidence) for slug, confidence in triage.alternatives
            ],
        }
        for triage in triage_queue(actor=actor).select_related("case__service_version")[:PAGE]
    ]
    return render(
        request,
        "staff/triage.html",
        {"rows": rows, "services": services, "may_act": actor.role != Role.AUDITOR},
    )


@require_POST
@staff_required
def decide(request: HttpRequest, triage_id: int) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    triage = triage_queue(actor=actor).filter(pk=triage_id).first()
    if triage is None:
        raise Http404
    try:
        if request.POST.get("action") == "confirm":
            triage_confirm(triage=triage, actor=actor)
            done = _("%(reference)s confirmed.")
        else:
            slug = request.POST.get("service", "")
            service = Service.objects.filter(slug=slug, is_active=True).first()
            if service is None:
                raise InvalidInput([FieldError("service", _("Choose a service to move it to"))])
            triage_move(triage=triage, service=service, actor=actor)
            done = _("%(reference)s moved.")
    except PublicaError as exc:
        messages.error(request, plain_message(exc))
    else:
        messages.success(request, done % {"reference": triage.case.reference})
    return redirect("staff:triage")


urlpatterns = [
    path("", queue, name="triage"),
    path("<int:triage_id>/", decide, name="triage-decide"),
]
