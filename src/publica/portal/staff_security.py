"""A member of staff's own sign-in security: their passkeys, added, listed and removed.

Adding or removing a passkey needs a recent second factor, like a decision does; the page
works without JavaScript for everything but the browser's part of adding a passkey.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from publica.accounts.models import User
from publica.accounts.passkeys import (
    passkey_list,
    passkey_register,
    passkey_registration_options,
    passkey_remove,
)
from publica.accounts.selectors import organisation_get
from publica.core.errors import FieldError, InvalidInput, NotFound
from publica.portal.staff import staff_required
from publica.portal.staff_session import recent_second_factor, relying_party

SESSION_REGISTRATION = "publica_passkey_registration"


@require_safe
@staff_required
def security(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@staff_required
def passkey_add(request: HttpRequest) -> HttpResponse:
    asked = recent_second_factor(request)
    if asked is not None:
        return asked
    actor: User = request.user  # type: ignore[assignment]
    encoded = request.session.pop(SESSION_REGISTRATION, None)  # one try per challenge
    rp_id, origin = relying_party(request)
    try:
        if not request.POST.get("credential"):
            raise InvalidInput(
                [FieldError("credential", _("Your browser did not create a passkey"))]
            )
        credential = passkey_register(
            user=actor,
            name=request.POST.get("name", ""),
            credential=request.POST["credential"],
            challenge=base64url_to_bytes(encoded) if isinstance(encoded, str) else None,
            rp_id=rp_id,
            origin=origin,
            actor=actor,
        )
    except InvalidInput as exc:
        return _page(request, errors=exc.errors, name=request.POST.get("name", ""))
    messages.success(request, _("Passkey “%(name)s” added.") % {"name": credential.name})
    return redirect("staff:security")


@require_POST
@staff_required
def passkey_delete(request: HttpRequest, passkey_id: int) -> HttpResponse:
    asked = recent_second_factor(request)
    if asked is not None:
        return asked
    try:
        passkey_remove(credential_pk=passkey_id, actor=request.user)  # type: ignore[arg-type]
    except NotFound:
        raise Http404 from None
    messages.success(request, _("Passkey removed."))
    return redirect("staff:security")


def _page(
    request: HttpRequest, *, errors: list[FieldError] | None = None, name: str = ""
) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    rp_id, _origin = relying_party(request)
    organisation = organisation_get()
    options, challenge = passkey_registration_options(
        user=actor, rp_id=rp_id, rp_name=organisation.name if organisation else "Publica"
    )
    request.session[SESSION_REGISTRATION] = bytes_to_base64url(challenge)
    errors = errors or []
    return render(
        request,
        "staff/security.html",
        {
            "passkeys": passkey_list(actor),
            "registration_options": json.loads(options),
            "name": name,
            "errors": [{"href": f"#passkey-{e.field}", "message": e.message} for e in errors],
            "error_by_field": {e.field: e.message for e in errors},
            "form_has_errors": bool(errors),
        },
        status=400 if errors else 200,
    )
