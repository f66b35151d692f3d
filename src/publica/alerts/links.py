"""The signed links in alert messages: confirm a subscription, and manage or stop it.

A confirmation link works for CONFIRM_DAYS. A manage link never expires, so the link at the
bottom of an old alert still stops the alerts; it carries no timestamp, which also keeps it
short enough for a text message.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

__all__ = [
    "CONFIRM_DAYS",
    "confirm_url",
    "manage_path",
    "manage_url",
    "read_confirm",
    "read_manage",
]

CONFIRM_DAYS = 7
_CONFIRM_SALT = "publica.alerts.confirm"
_MANAGE_SALT = "publica.alerts.manage"


def confirm_url(subscription_id: int) -> str:
    token = signing.TimestampSigner(salt=_CONFIRM_SALT).sign(str(subscription_id))
    return _absolute(reverse("alerts:confirm", kwargs={"token": token}))


def manage_url(subscription_id: int) -> str:
    return _absolute(manage_path(subscription_id))


def manage_path(subscription_id: int) -> str:
    """The manage link without the site's address, for links between this site's pages."""
    token = signing.Signer(salt=_MANAGE_SALT).sign(str(subscription_id))
    return reverse("alerts:manage", kwargs={"token": token})


def read_confirm(token: str) -> int | None:
    """The subscription a confirmation link is for; None when forged or expired."""
    try:
        value = signing.TimestampSigner(salt=_CONFIRM_SALT).unsign(
            token, max_age=CONFIRM_DAYS * 86_400
        )
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None


def read_manage(token: str) -> int | None:
    """The subscription a manage link is for; None when forged."""
    try:
        value = signing.Signer(salt=_MANAGE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None


def _absolute(path: str) -> str:
    return settings.PUBLICA_SITE_URL.rstrip("/") + path
