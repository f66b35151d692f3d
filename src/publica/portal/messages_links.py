"""Links in the messages Publica sends: open a case without typing its reference and email,
and choose fewer messages. Both carry a signature, so they cannot be made up."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from publica.cases import selectors as cases
from publica.core.actors import ContactActor
from publica.core.errors import NotFound
from publica.notify.models import OptOut
from publica.notify.services import notify_opt_out
from publica.portal.tracking import remember

#: How long a link in a message keeps working.
LINK_DAYS = 90


def case_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = signing.loads(token, salt="publica.case-link", max_age=LINK_DAYS * 86_400)
        reference, email = found["r"], found["e"]
        cases.case_get(reference=reference, actor=ContactActor(email))
    except (signing.BadSignature, KeyError, TypeError, NotFound):
        raise Http404(_("This link has expired or is not valid; find your case instead.")) from None
    remember(request, reference, email)
    return redirect("portal:case", reference=reference)


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    try:
        address = signing.loads(token, salt="publica.preferences", max_age=LINK_DAYS * 86_400)
    except signing.BadSignature:
        raise Http404(_("This link has expired or is not valid.")) from None
    if request.method == "POST":
        notify_opt_out(
            address=address,
            opted_out=request.POST.get("choice") == "essential",
            actor=ContactActor(address),
        )
        return redirect(request.path + "?saved=1")
    return render(
        request,
        "portal/notification_preferences.html",
        {
            "opted_out": OptOut.objects.filter(address=address.lower()).exists(),
            "saved": request.GET.get("saved") == "1",
            "site": settings.PUBLICA_SITE_URL,
        },
    )
