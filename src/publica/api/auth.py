"""`Authorization: Bearer <key>`: who is calling, with which scopes, within its rate limit."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from publica.accounts.apikeys import (
    RateLimited,
    api_client,
    apikey_authenticate,
    apikey_count_request,
)
from publica.api.problems import ApiProblem
from publica.core.actors import ApiClient

__all__ = ["KeyAuth", "require_scope"]


class KeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiClient | None:
        key = apikey_authenticate(token)
        if key is None:
            return None  # ninja answers 401 through the AuthenticationError handler
        try:
            apikey_count_request(key)
        except RateLimited as exc:
            raise ApiProblem(429, str(exc), headers={"Retry-After": str(exc.retry_after)}) from exc
        return api_client(key)


def require_scope(request: HttpRequest, scope: str) -> ApiClient:
    client: ApiClient = request.auth  # type: ignore[attr-defined]
    if scope not in client.scopes:
        raise ApiProblem(403, f"this API key lacks the scope {scope!r}")
    return client
