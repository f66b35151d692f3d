"""How long a staff session and its second factor stay good.

Staff are signed out after PUBLICA_STAFF_IDLE_MINUTES without a request (residents keep the
normal session age). Deciding a case, bulk actions, CSV exports and admin changes also need a
second factor (a code or a passkey) proved within PUBLICA_REAUTH_MINUTES; when it is older,
the person is asked again on a page that keeps what they sent, and the action then goes on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from publica.accounts.models import User
from publica.accounts.passkeys import (
    passkey_authenticate,
    passkey_authentication_options,
    passkey_list,
)
from publica.accounts.roles import Role
from publica.core import clock
from publica.core.errors import InvalidInput

STAFF_ROLES = frozenset({Role.CASEWORKER, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR})
SESSION_NEXT = "publica_staff_next"
SESSION_SEEN = "publica_staff_seen"
SESSION_FACTOR_AT = "publica_second_factor_at"
SESSION_PASSKEY_CHALLENGE = "publica_passkey_challenge"
#: The fields a form carries when it brings its own fresh second factor.
REAUTH_CODE = "reauth-token"
REAUTH_PASSKEY = "reauth-passkey"
#: The last request is written to the session at most once in this many seconds, so a busy
#: caseworker does not cost a session write per page; the idle timeout is good to the minute.
SEEN_RESOLUTION = 60
_NOT_ECHOED = {"csrfmiddlewaretoken", REAUTH_CODE, REAUTH_PASSKEY}


def is_staff(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        getattr(user, "role", None) in STAFF_ROLES
    )


# The idle timeout.


class StaffSessionMiddleware:
    """Signs a member of staff out when their last request is older than the idle limit;
    the page they land on (the sign-in page, through `staff_required`) says why.

    Also asks for a recent second factor before a change in the Django admin, and counts the
    admin's own sign-in (password and code in one form) as one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if is_staff(request.user):
            now = clock.now().timestamp()
            seen = request.session.get(SESSION_SEEN)
            idle = settings.PUBLICA_STAFF_IDLE_MINUTES * 60
            if isinstance(seen, int | float) and now - seen > idle:
                logout(request)
                messages.info(request, idle_message())
            elif not isinstance(seen, int | float) or now - seen >= SEEN_RESOLUTION:
                request.session[SESSION_SEEN] = now
        response = self.get_response(request)
        if _signed_in_through_the_admin(request, response):
            second_factor_proved(request)  # its sign-in form asks for the code itself
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., HttpResponseBase], *args: object
    ) -> HttpResponseBase | None:
        match = request.resolver_match
        if (
            request.method == "POST"
            and match is not None
            and match.app_name == "admin"
            and match.url_name not in ("login", "logout")
            and is_staff(request.user)
            and request.user.is_verified()  # type: ignore[union-attr]
        ):
            return recent_second_factor(request)
        return None


def _signed_in_through_the_admin(request: HttpRequest, response: HttpResponseBase) -> bool:
    """The admin's sign-in form (password and code together) accepted this POST."""
    match = request.resolver_match
    return (
        request.method == "POST"
        and response.status_code == 302
        and match is not None
        and match.app_name == "admin"
        and match.url_name == "login"
        and getattr(request.user, "otp_device", None) is not None
    )


def idle_message() -> str:
    minutes = settings.PUBLICA_STAFF_IDLE_MINUTES
    return _(
        "You were signed out because the back office was not used for %(minutes)d minutes. "
        "Sign in again to carry on."
    ) % {"minutes": minutes}


# The second factor: when it was proved, and proving it again.


def second_factor_proved(request: HttpRequest) -> None:
    request.session[SESSION_FACTOR_AT] = clock.now().timestamp()


def second_factor_is_recent(request: HttpRequest) -> bool:
    proved = request.session.get(SESSION_FACTOR_AT)
    if not isinstance(proved, int | float):
        return False
    return clock.now().timestamp() - proved <= settings.PUBLICA_REAUTH_MINUTES * 60


def relying_party(request: HttpRequest) -> tuple[str, str]:
    """The WebAuthn relying party id and origin: from settings, else from this request."""
    origin = settings.PUBLICA_WEBAUTHN_ORIGIN or f"{request.scheme}://{request.get_host()}"
    rp_id = settings.PUBLICA_WEBAUTHN_RP_ID or urlsplit(origin).hostname or ""
    return rp_id, origin


def passkey_request_options(request: HttpRequest, user: User) -> dict[str, Any] | None:
    """Options for navigator.credentials.get() for a page that offers a passkey (a fresh
    challenge kept in the session), or None when the person has no passkey."""
    if not passkey_list(user).exists():
        return None
    rp_id, _origin = relying_party(request)
    options, challenge = passkey_authentication_options(user=user, rp_id=rp_id)
    request.session[SESSION_PASSKEY_CHALLENGE] = bytes_to_base64url(challenge)
    return json.loads(options)  # type: ignore[no-any-return]


def prove_second_factor(request: HttpRequest, *, code: str, passkey: str) -> str:
    """Check a code (app or recovery) or a passkey response; mark the session verified and
    the factor fresh. Returns an error message, empty when it was proved."""
    user: User = request.user  # type: ignore[assignment]
    if passkey:
        encoded = request.session.pop(SESSION_PASSKEY_CHALLENGE, None)  # used once, come what may
        rp_id, origin = relying_party(request)
        try:
            passkey_authenticate(
                user=user,
                credential=passkey,
                challenge=base64url_to_bytes(encoded) if isinstance(encoded, str) else None,
                rp_id=rp_id,
                origin=origin,
            )
        except InvalidInput as exc:
            return exc.errors[0].message
        # Passkeys are not django-otp devices: the session is marked verified through the
        # person's authenticator app, which a passkey owner always has.
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            return _("Set up your authenticator app before using a passkey.")
    else:
        device = match_token(user, code.replace(" ", ""))
        if device is None:
            return _(
                "The code is not right. Enter the 6-digit code from your app, or a recovery code."
            )
    otp_login(request, device)
    second_factor_proved(request)
    return ""


def recent_second_factor(request: HttpRequest) -> HttpResponse | None:
    """None when the second factor is recent enough, or when this POST brings a fresh one;
    otherwise the page that asks for it.

    For a POST the page keeps every field that was sent and posts them back to the same
    address with the code, so what the person typed is not lost and the action goes on. For
    a GET (a download) the page posts to the sign-in check, which then returns here."""
    if second_factor_is_recent(request):
        return None
    error = ""
    if request.method == "POST":
        code, passkey = request.POST.get(REAUTH_CODE, ""), request.POST.get(REAUTH_PASSKEY, "")
        if code or passkey:
            error = prove_second_factor(request, code=code, passkey=passkey)
            if not error:
                return None
        hidden = [
            (name, value)
            for name, values in request.POST.lists()
            if name not in _NOT_ECHOED
            for value in values
        ]
        action, code_name, passkey_name = request.get_full_path(), REAUTH_CODE, REAUTH_PASSKEY
    else:
        request.session[SESSION_NEXT] = request.get_full_path()
        hidden, action, code_name, passkey_name = [], reverse("staff:verify"), "token", "passkey"
    return render_second_factor(
        request,
        error=error,
        action=action,
        hidden=hidden,
        code_name=code_name,
        passkey_name=passkey_name,
        reason=_(
            "This needs a security code from the last %(minutes)d minutes. Enter a new code, "
            "or use your passkey, and it will carry on."
        )
        % {"minutes": settings.PUBLICA_REAUTH_MINUTES},
    )


def render_second_factor(
    request: HttpRequest,
    *,
    error: str = "",
    action: str = "",
    hidden: list[tuple[str, str]] | None = None,
    code_name: str = "token",
    passkey_name: str = "passkey",
    reason: str = "",
) -> HttpResponse:
    """The page asking for a code, with a passkey button when the person has one."""
    user: User = request.user  # type: ignore[assignment]
    field = "#token"
    return render(
        request,
        "staff/verify.html",
        {
            "error": error,
            "error_list": [{"href": field, "message": error}] if error else [],
            "form_has_errors": bool(error),
            "action": action,
            "hidden": hidden or [],
            "code_name": code_name,
            "passkey_name": passkey_name,
            "reason": reason,
            "passkey_options": passkey_request_options(request, user),
        },
    )
