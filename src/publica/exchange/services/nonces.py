"""The nonces of signed requests: each is accepted once, and forgotten once its signature is
too old to be accepted anyway."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction

from publica.core import clock
from publica.exchange.models import SeenNonce

__all__ = ["nonce_record", "nonces_prune"]


def nonce_record(*, client_id: str, nonce: str) -> bool:
    """Remember that `client_id` used `nonce`; False when it had already (a replay).

    The unique constraint decides, so two copies of one request arriving at the same moment
    cannot both pass, whichever process or database serves them.
    """
    try:
        with transaction.atomic():
            SeenNonce.objects.create(client_id=client_id, nonce=nonce, seen_at=clock.now())
    except IntegrityError:
        return False
    return True


def nonces_prune() -> int:
    """Forget nonces seen more than twice the allowed clock skew ago; returns how many.

    A request carrying one of them again is refused for its age instead: it was signed at
    most one skew before it was first seen, so it is now more than a skew old.
    """
    window = dt.timedelta(seconds=settings.PUBLICA_EXCHANGE_MAX_SKEW_SECONDS)
    deleted, _ = SeenNonce.objects.filter(seen_at__lt=clock.now() - 2 * window).delete()
    return deleted
