"""API keys: create, revoke, and authenticate the `Authorization: Bearer …` of a request.

A key looks like `pub_<prefix>_<secret>`. The prefix finds the row; only SHA-256 of the
whole key is stored (the secret has 256 bits of entropy, so a slow hash adds nothing), and
the comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from django.core.cache import caches
from django.db import transaction

from publica.accounts.models import ApiKey, Department
from publica.accounts.roles import Role
from publica.accounts.selectors import organisation_get
from publica.core import clock, recent
from publica.core.actors import Actor, ApiClient, SystemActor
from publica.core.errors import FieldError, InvalidInput, PermissionDenied

__all__ = [
    "SCOPES",
    "RateLimited",
    "api_client",
    "apikey_authenticate",
    "apikey_count_request",
    "apikey_create",
    "apikey_revoke",
    "count_per_minute",
]


class RateLimited(Exception):
    """The key (or caller) used up its requests for this minute; retry after `retry_after`
    seconds."""

    def __init__(self, per_minute: int, retry_after: int, message: str = "") -> None:
        super().__init__(message or f"this key may make {per_minute} requests a minute")
        self.retry_after = retry_after


def count_per_minute(name: str, limit: int, message: str = "") -> None:
    """Count one use of `name` in this minute (a fixed one-minute window, in the `ratelimit`
    cache); RateLimited, saying `message`, once more than `limit` were counted."""
    cache = caches["ratelimit"]
    window = f"{name}:{int(time.time() // 60)}"
    cache.add(window, 0, timeout=120)
    try:
        used = cache.incr(window)
    except ValueError:  # expired between add and incr
        cache.set(window, 1, timeout=120)
        used = 1
    if used > limit:
        raise RateLimited(limit, 60 - int(time.time()) % 60, message)


SCOPES = {
    "services:read": "read the service catalogue",
    "cases:read": "read cases, their timelines and attachments",
    "cases:write": "create cases, add notes and request information",
    "cases:transition": "move cases along their workflow",
    "open311:write": "submit and update service requests through Open311",
    "webhooks:manage": "subscribe to case events as signed webhooks, and replay them",
    "sensors:write": "create, update and delete SensorThings entities and observations",
}


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def apikey_create(
    *,
    name: str,
    scopes: list[str],
    actor: Actor,
    department: Department | None = None,
    rate_per_minute: int = 600,
) -> tuple[ApiKey, str]:
    """A new key and its plaintext, which is shown once and never stored."""
    _require_admin(actor)
    errors = [
        FieldError("scopes", f"unknown scope {scope!r}; use {', '.join(SCOPES)}")
        for scope in scopes
        if scope not in SCOPES
    ]
    if not name.strip():
        errors.append(FieldError("name", "give the key a name"))
    if not scopes:
        errors.append(FieldError("scopes", "give the key at least one scope"))
    organisation = organisation_get()
    if organisation is None:
        errors.append(FieldError("organisation", "set up the organisation first"))
    if errors or organisation is None:
        raise InvalidInput(errors)
    prefix = secrets.token_hex(4)
    raw = f"pub_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        name=name.strip(),
        prefix=prefix,
        secret_hash=_digest(raw),
        scopes=sorted(set(scopes)),
        organisation=organisation,
        department=department,
        rate_per_minute=rate_per_minute,
        created_at=clock.now(),
    )
    return key, raw


def apikey_revoke(*, key: ApiKey, actor: Actor) -> ApiKey:
    _require_admin(actor)
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        key.save(update_fields=["revoked_at"])
        recent.forget(f"apikey:{key.prefix}")  # other processes: PUBLICA_LOCAL_CACHE_SECONDS
    return key


def apikey_authenticate(raw: str) -> ApiKey | None:
    """The active key `raw` is, or None (unknown, malformed, or revoked)."""
    parts = raw.strip().split("_")
    if len(parts) < 3 or parts[0] != "pub":
        return None
    prefix = parts[1]
    key = recent.remembered(f"apikey:{prefix}", lambda: _key_by_prefix(prefix))
    if key is None or not hmac.compare_digest(key.secret_hash, _digest(raw.strip())):
        return None
    if key.revoked_at is not None:
        return None
    now = clock.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)  # at most once a minute
        recent.forget(f"apikey:{prefix}")
    return key


def _key_by_prefix(prefix: str) -> ApiKey | None:
    return ApiKey.objects.select_related("department").filter(prefix=prefix).first()


def api_client(key: ApiKey) -> ApiClient:
    """The actor a request authenticated with `key` acts as."""
    return ApiClient(
        key_id=key.pk, name=key.name, department_id=key.department_id, scopes=frozenset(key.scopes)
    )


def apikey_count_request(key: ApiKey) -> None:
    """Count one request against the key's per-minute limit (a fixed one-minute window, in
    the `ratelimit` cache); RateLimited when it is used up."""
    count_per_minute(f"api-rate:{key.pk}", key.rate_per_minute)


def _require_admin(actor: Actor) -> None:
    if isinstance(actor, SystemActor):
        return
    if getattr(actor, "role", None) != Role.ADMIN:
        raise PermissionDenied("only an admin may manage API keys")
