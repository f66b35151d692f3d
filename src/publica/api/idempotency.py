"""`Idempotency-Key` on POST: a retry gets the first response and never acts twice.

The operation and the record of its response commit in one transaction, so two racing
retries cannot both act: the second one's insert collides, its work rolls back, and it
returns what the first one stored. Reusing a key for a different request is refused (422).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from publica.api.models import IdempotentRequest
from publica.api.problems import ApiProblem
from publica.core import clock
from publica.core.actors import ApiClient

Operation = Callable[[], tuple[int, dict[str, Any]]]
Render = Callable[[int, dict[str, Any]], HttpResponse]


def json_response(status: int, body: dict[str, Any]) -> HttpResponse:
    return JsonResponse(body, status=status, encoder=DjangoJSONEncoder)


def respond(
    request: HttpRequest, client: ApiClient, operation: Operation, render: Render = json_response
) -> HttpResponse:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return render(*_plain(operation()))
    if len(key) > 200:
        raise ApiProblem(422, "Idempotency-Key: at most 200 characters")
    fingerprint = hashlib.sha256(
        f"{request.method} {request.path}\n".encode() + request.body
    ).hexdigest()
    stored = _stored(client, key, fingerprint)
    if stored is not None:
        return render(*stored)
    try:
        with transaction.atomic():
            status, body = _plain(operation())
            IdempotentRequest.objects.create(
                api_key_id=client.key_id,
                key=key,
                request_hash=fingerprint,
                status=status,
                body=body,
                created_at=clock.now(),
            )
    except IntegrityError:
        stored = _stored(client, key, fingerprint)
        if stored is None:
            raise
        return render(*stored)
    return render(status, body)


def _stored(client: ApiClient, key: str, fingerprint: str) -> tuple[int, dict[str, Any]] | None:
    found = IdempotentRequest.objects.filter(api_key_id=client.key_id, key=key).first()
    if found is None:
        return None
    if found.request_hash != fingerprint:
        raise ApiProblem(422, "Idempotency-Key was already used for a different request")
    return found.status, found.body


def _plain(result: tuple[int, dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    """The body as JSON-ready data, so the stored and the first response are the same bytes."""
    status, body = result
    return status, json.loads(json.dumps(body, cls=DjangoJSONEncoder))
