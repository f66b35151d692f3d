"""Template tags for the OpenID Connect sign-in: the button, and how a resident is verified."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils.http import urlencode

from publica.accounts.oidc_selectors import identity_of, oidc_is_linked

register = template.Library()


@register.inclusion_tag("accounts/oidc_button.html", takes_context=True)
def oidc_sign_in_button(context: dict[str, Any]) -> dict[str, Any]:
    """A "Sign in with <name>" button, when a provider is configured; it keeps `next`."""
    if not settings.PUBLICA_OIDC_ISSUER:
        return {"enabled": False}
    request = context.get("request")
    next_url = request.GET.get("next", "") if request is not None else ""
    return {
        "enabled": True,
        "name": settings.PUBLICA_OIDC_NAME,
        "query": f"?{urlencode({'next': next_url})}" if next_url else "",
    }


@register.inclusion_tag("accounts/oidc_account.html", takes_context=True)
def oidc_account_panel(context: dict[str, Any]) -> dict[str, Any]:
    """How we know who the signed-in resident is, and a button to link the provider."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    issuer = settings.PUBLICA_OIDC_ISSUER
    return {
        "show": True,
        "identity": identity_of(user),
        "name": settings.PUBLICA_OIDC_NAME,
        "can_link": bool(issuer) and not oidc_is_linked(user, issuer=issuer),
    }
