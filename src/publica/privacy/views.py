"""The resident's privacy page: download everything held about them, and ask for erasure."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from publica.accounts.models import User
from publica.accounts.selectors import organisation_get
from publica.core import clock
from publica.privacy.export import subject_access_zip
from publica.privacy.selectors import erasure_preview, erasure_requests
from publica.privacy.services import erasure_request


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    person = _resident(request)
    if person is None:
        return redirect(f"{reverse('portal:signin')}?next={request.path}")
    return render(
        request, "privacy/privacy.html", {"requests": erasure_requests(person=person)[:10]}
    )


@require_GET
def download(request: HttpRequest) -> HttpResponseBase:
    person = _resident(request)
    if person is None:
        return redirect(f"{reverse('portal:signin')}?next={reverse('privacy:privacy')}")
    organisation = organisation_get()
    name = organisation.name if organisation else "the council"
    contact = settings.PUBLICA_PRIVACY_CONTACT or (organisation and organisation.contact_email)
    archive = subject_access_zip(person=person, organisation=name, contact=contact or name)
    name = f"your-data-{clock.now():%Y-%m-%d}.zip"
    return FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")


@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest) -> HttpResponse:
    """GET: what erasing would do to each case, and why; POST: do it and show the answer."""
    person = _resident(request)
    if person is None:
        return redirect(f"{reverse('portal:signin')}?next={request.path}")
    if request.method == "POST":
        done = erasure_request(person=person, actor=person)
        if done.status == done.Status.DONE:
            logout(request)
        return render(request, "privacy/erased.html", {"request_made": done})
    rows = erasure_preview(person=person)
    return render(
        request,
        "privacy/erase.html",
        {
            "rows": rows,
            "account_goes": all(row.verdict.action != "keep" for row in rows),
        },
    )


def _resident(request: HttpRequest) -> User | None:
    user = request.user
    if user.is_authenticated and getattr(user, "is_resident", False):
        return user  # type: ignore[return-value]
    return None
