"""Pages of the OpenID Connect sign-in: send the resident to the provider, take them back."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from publica.accounts.oidc_client import (
    OidcFailure,
    PendingLogin,
    ProviderConfig,
    authorization_request,
    complete,
)
from publica.accounts.oidc_services import OidcPolicy, StaffAccount, oidc_sign_in
from publica.core.actors import SystemActor
from publica.core.errors import InvalidInput, PermissionDenied

logger = logging.getLogger("publica.accounts.oidc")

SESSION_PENDING = "publica_oidc_pending"
SESSION_LEVEL = "publica_identity_level"
PENDING_SECONDS = 15 * 60  # a resident who takes longer at the provider starts again
PENDING_KEPT = 5  # sign-ins started in other tabs that are still honoured
ACTOR = SystemActor("oidc-sign-in")


def provider_config() -> ProviderConfig | None:
    """The configured provider, or None when this Publica offers no such sign-in."""
    if not settings.PUBLICA_OIDC_ISSUER:
        return None
    return ProviderConfig(
        issuer=settings.PUBLICA_OIDC_ISSUER,
        client_id=settings.PUBLICA_OIDC_CLIENT_ID,
        client_secret=settings.PUBLICA_OIDC_CLIENT_SECRET,
        scopes=settings.PUBLICA_OIDC_SCOPES,
        acr_values=settings.PUBLICA_OIDC_ACR_VALUES,
        auth_method=settings.PUBLICA_OIDC_CLIENT_AUTH,
        timeout=settings.PUBLICA_OIDC_TIMEOUT,
        client_key_file=settings.PUBLICA_OIDC_CLIENT_KEY_FILE,
    )


def _policy() -> OidcPolicy:
    return OidcPolicy(
        person_claim=settings.PUBLICA_OIDC_PERSON_CLAIM,
        person_required=settings.PUBLICA_OIDC_PERSON_REQUIRED,
        levels=dict(settings.PUBLICA_OIDC_LEVELS),
    )


def _redirect_uri() -> str:
    # From the configured site URL, not the request's Host header: the provider only accepts
    # the URI registered with it, and behind a proxy the Host header may say otherwise.
    return settings.PUBLICA_SITE_URL.rstrip("/") + reverse("oidc:callback")


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    config = provider_config()
    if config is None:
        raise Http404("OpenID Connect sign-in is not configured")
    user: Any = request.user
    if user.is_authenticated and not user.is_resident:
        return _problem(request, "staff", status=403)
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    try:
        url, pending = authorization_request(config, redirect_uri=_redirect_uri())
    except OidcFailure as failure:
        return _failed(request, failure)
    kept = dict(request.session.get(SESSION_PENDING, {}))
    kept[pending.state] = {
        **pending.as_dict(),
        "next": next_url,
        "user_id": user.pk if user.is_authenticated else None,
        "started": time.time(),
    }
    request.session[SESSION_PENDING] = dict(
        sorted(kept.items(), key=lambda item: item[1]["started"])[-PENDING_KEPT:]
    )
    return redirect(url)


@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    config = provider_config()
    if config is None:
        raise Http404("OpenID Connect sign-in is not configured")
    query = {key: request.GET[key] for key in request.GET}
    # Each answer is used once: the pending sign-in leaves the session before it is checked,
    # so a replayed or second callback finds nothing to match.
    kept = dict(request.session.get(SESSION_PENDING, {}))
    started = kept.pop(query.get("state", ""), None)
    request.session[SESSION_PENDING] = kept
    user: Any = request.user
    signed_in = user if user.is_authenticated else None
    if (
        started is None
        or time.time() - started["started"] > PENDING_SECONDS
        or started["user_id"] != (signed_in.pk if signed_in else None)
    ):
        return _failed(request, OidcFailure("state", "no matching sign-in in this session"))
    pending = PendingLogin(
        state=started["state"],
        nonce=started["nonce"],
        code_verifier=started["code_verifier"],
        issuer=started["issuer"],
    )
    try:
        verified = complete(config, redirect_uri=_redirect_uri(), pending=pending, query=query)
        result = oidc_sign_in(login=verified, policy=_policy(), signed_in=signed_in, actor=ACTOR)
    except OidcFailure as failure:
        return _failed(request, failure)
    except StaffAccount:
        logger.warning("OIDC sign-in refused: a staff account")
        return _problem(request, "staff", status=403)
    except PermissionDenied as refused:
        logger.warning("OIDC sign-in refused: account closed")
        return _problem(request, "account", status=403, text=str(refused))
    except InvalidInput as invalid:
        field = invalid.errors[0].field
        logger.warning("OIDC sign-in refused: %s", field)
        text = invalid.errors[0].message
        if field == "person_id":
            text = _("%(problem)s. If you think this is wrong, contact the council.") % {
                "problem": text[:1].upper() + text[1:]
            }
        return _problem(request, "account", status=409, text=text)
    if signed_in is None:
        auth_login(request, result.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_LEVEL] = result.level
    logger.info(
        "OIDC sign-in: created=%s linked=%s level=%s", result.created, result.linked, result.level
    )
    name = settings.PUBLICA_OIDC_NAME
    if signed_in is not None and result.linked:
        messages.success(request, _("You can now sign in with %(name)s.") % {"name": name})
    return redirect(started["next"] or "portal:my-cases")


_PROBLEMS = {
    # reason: (heading, text); {name} is the provider as residents know it.
    "access_denied": (
        gettext_lazy("You did not finish signing in"),
        gettext_lazy(
            "You cancelled signing in with {name}, or it did not let you continue. You can "
            "try again, or sign in with your email and password."
        ),
    ),
    "state": (
        gettext_lazy("Start signing in again"),
        gettext_lazy(
            "We could not match this sign-in to one you started here: it may have taken too "
            "long, been opened in another browser, or been used already. Start again from the "
            "sign-in page."
        ),
    ),
    "unreachable": (
        gettext_lazy("Sign-in is not working at the moment"),
        gettext_lazy(
            "We could not reach {name}. Try again in a few minutes, or sign in with your "
            "email and password."
        ),
    ),
    "provider_error": (
        gettext_lazy("Sign-in did not work"),
        gettext_lazy(
            "{name} could not sign you in. Try again later, or sign in with your email and "
            "password."
        ),
    ),
    "token": (
        gettext_lazy("Sign-in did not work"),
        gettext_lazy("{name} did not confirm your sign-in. Start again from the sign-in page."),
    ),
    "id_token": (
        gettext_lazy("Sign-in did not work"),
        gettext_lazy(
            "We could not check the answer from {name}, so we did not sign you in. Start "
            "again from the sign-in page."
        ),
    ),
    "claims": (
        gettext_lazy("Sign-in did not work"),
        gettext_lazy(
            "{name} did not tell us enough about you to sign you in. Start again from the "
            "sign-in page."
        ),
    ),
    "staff": (
        gettext_lazy("Staff sign in with their password"),
        gettext_lazy(
            "Council staff sign in on the staff sign-in page with their password and second "
            "factor, not with {name}."
        ),
    ),
    "account": (gettext_lazy("We could not sign you in"), ""),
}
_STATUS = {"access_denied": 403, "state": 400, "unreachable": 502, "claims": 502}


def _failed(request: HttpRequest, failure: OidcFailure) -> HttpResponse:
    # The reason and a technical detail without personal data (no sub, e-mail or person number).
    logger.warning("OIDC sign-in failed: %s (%s)", failure.reason, failure.detail)
    return _problem(request, failure.reason, status=_STATUS.get(failure.reason, 502))


def _problem(request: HttpRequest, reason: str, *, status: int, text: str = "") -> HttpResponse:
    heading, template = _PROBLEMS.get(reason, _PROBLEMS["provider_error"])
    name = settings.PUBLICA_OIDC_NAME
    return render(
        request,
        "accounts/oidc_problem.html",
        {
            "heading": heading,
            "text": text or str(template).format(name=name),
            "reason": reason,
        },
        status=status,
    )
