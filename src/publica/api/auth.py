"""`Authorization: Bearer <key>`: who is calling, with which scopes, within its rate limit."""

from __future__ import annotations

import time

from django.core.cache import caches
from django.http import HttpRequest
from ninja.security import HttpBearer

from publica.accounts.apikeys import api_client, apikey_authenticate
from publica.api.problems import ApiProblem
from publica.core.actors import ApiClient

__all__ = ["KeyAuth", "require_scope"]


class KeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiClient | None:
        key = apikey_authenticate(token)
        if key is None:
            return None  # ninja answers 401 through the AuthenticationError handler
        _count_against_limit(key.pk, key.rate_per_minute)
        return api_client(key)


def require_scope(request: HttpRequest, scope: str) -> ApiClient:
    client: ApiClient = request.auth  # type: ignore[attr-defined]
    if scope not in client.scopes:
        raise ApiProblem(403, f"this API key lacks the scope {scope!r}")
    return client


def _count_against_limit(key_id: int, per_minute: int) -> None:
    """A fixed one-minute window per key, counted in the shared cache."""
    cache = caches["ratelimit"]
    window = int(time.time() // 60)
    name = f"api-rate:{key_id}:{window}"
    cache.add(name, 0, timeout=120)
    try:
        used = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=120)
        used = 1
    if used > per_minute:
        retry = str(60 - int(time.time()) % 60)
        raise ApiProblem(
            429, f"this key may make {per_minute} requests a minute", headers={"Retry-After": retry}
        )
