"""The signed register API other agencies call: POST /exchange/v1/query (docs/exchange.md).

A request must carry a fresh signature by a client this instance knows (else 401), name a
register and purpose one of the client's grants covers (else 403) and be a valid query (else
422 naming each field). The answer, and every error reply, is signed with this organisation's
key and bound to the request's signature, so the caller can trust it and tell it is theirs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, RequestDataTooBig
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from publica.accounts.selectors import organisation_get
from publica.api.problems import problem
from publica.core import clock
from publica.core.errors import FieldError
from publica.exchange import keys, registers, signing
from publica.exchange.adapters import Answer, NotAuthorised, Query, SignatureRejected
from publica.exchange.models import Client
from publica.exchange.services.nonces import nonce_record
from publica.exchange.services.serve import client_for_key, query_answer

__all__ = ["MAX_BODY", "query"]

logger = logging.getLogger(__name__)

#: A query is a few hundred bytes; anything much larger is refused unread.
MAX_BODY = 64 * 1024
_TEXT_FIELDS = {"value": 100, "purpose": 100, "consent": 300, "law": 300, "case": 100,
                "on_behalf_of": 200}  # fmt: skip
_FIELDS = {"register", "lookup", "fields", "basis", *_TEXT_FIELDS}


class _Refused(Exception):
    """A request this API answers with an error status."""

    def __init__(self, status: int, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors


@csrf_exempt
def query(request: HttpRequest) -> HttpResponse:
    """Answer one signed register query (see the module docstring)."""
    if request.method != "POST":
        return problem(request, 405, "use POST", headers={"Allow": "POST"})
    try:
        keys.key_id()
    except ImproperlyConfigured:  # nothing to sign answers with: answer nothing
        return problem(request, 503, "this organisation's exchange key is not set up yet")
    body = _body(request)
    signed = signing.SignedRequest(
        str(request.method), request.build_absolute_uri(), dict(request.headers), body or b""
    )
    try:
        if body is None:
            raise _Refused(413, f"a query is at most {MAX_BODY} bytes")
        client = _caller(signed)
        answer = query_answer(client=client, query=_query_from(body))
    except _Refused as refused:
        reply = problem(request, refused.status, refused.detail, errors=refused.errors)
    except NotAuthorised as exc:
        reply = problem(request, 403, str(exc))
    else:
        reply = JsonResponse(_answer_json(answer), encoder=DjangoJSONEncoder)
    return _signed(reply, signed)


def _body(request: HttpRequest) -> bytes | None:
    """The request body, or None when it is too large to read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        return None
    try:
        body = request.body
    except RequestDataTooBig:
        return None
    return body if len(body) <= MAX_BODY else None


def _caller(signed: signing.SignedRequest) -> Client:
    """The client whose fresh, unreplayed signature `signed` carries; 401 otherwise."""
    clients: dict[str, Client] = {}

    def public_key(key_id: str) -> Ed25519PublicKey | None:
        client = client_for_key(key_id=key_id)
        if client is None:
            return None
        try:
            key = signing.parse_public_key(client.public_key)
        except ValueError:
            logger.warning("exchange client %s has an unreadable public key", client.pk)
            return None
        clients[key_id] = client
        return key

    try:
        verified = signing.verify_request(
            signed,
            public_key=public_key,
            now=clock.now(),
            max_skew=dt.timedelta(seconds=settings.PUBLICA_EXCHANGE_MAX_SKEW_SECONDS),
        )
    except signing.UnknownKey as exc:
        raise _Refused(401, f"{exc}, or it was revoked") from None
    except SignatureRejected as exc:
        raise _Refused(401, str(exc)) from None
    client = clients[verified.key_id]
    if not nonce_record(client_id=client.client_id, nonce=verified.nonce):
        raise _Refused(401, "this request was seen before: sign each request with a new nonce")
    return client


def _query_from(body: bytes) -> Query:
    """The query in a JSON body; 422 naming every field at fault."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict):
        raise _invalid([FieldError("body", "send a JSON object")])
    errors = [FieldError(name, "not a field of a query") for name in data if name not in _FIELDS]
    for name, longest in _TEXT_FIELDS.items():
        value = data.get(name, "")
        if not isinstance(value, str):
            errors.append(FieldError(name, "must be text"))
        elif len(value) > longest:
            errors.append(FieldError(name, f"at most {longest} characters"))
    for name in ("value", "purpose"):
        if not data.get(name):
            errors.append(FieldError(name, "required"))
    errors += _register_errors(data)
    basis = data.get("basis")
    if basis not in ("consent", "statutory"):
        errors.append(FieldError("basis", 'either "consent" or "statutory"'))
    elif basis == "consent" and not data.get("consent"):
        errors.append(FieldError("consent", "the consent's id, on a consent basis"))
    elif basis == "statutory" and not data.get("law"):
        errors.append(FieldError("law", "the law that requires it, on a statutory basis"))
    if errors:
        raise _invalid(errors)
    return Query(
        register=data["register"],
        lookup=data["lookup"],
        fields=tuple(data.get("fields") or ()),
        basis=str(basis),
        **{name: data.get(name, "") for name in _TEXT_FIELDS},
    )


def _register_errors(data: dict[str, Any]) -> list[FieldError]:
    """Problems with the register, lookup and fields a query names."""
    name, lookup, fields = data.get("register"), data.get("lookup"), data.get("fields", [])
    if not isinstance(name, str) or name not in registers.REGISTERS:
        return [FieldError("register", f"one of {', '.join(registers.REGISTERS)}")]
    register = registers.get(name)
    errors = []
    if not isinstance(lookup, str) or lookup not in register.lookups:
        errors.append(FieldError("lookup", f"one of {', '.join(register.lookups)}"))
    if not isinstance(fields, list) or not all(isinstance(field, str) for field in fields):
        errors.append(FieldError("fields", "a list of field names"))
    else:
        errors += [
            FieldError("fields", f"the {name} register has no field {field[:50]!r}")
            for field in fields
            if field not in register.fields
        ]
    return errors


def _invalid(errors: list[FieldError]) -> _Refused:
    detail = "; ".join(f"{error.field}: {error.message}" for error in errors)
    return _Refused(422, detail, errors)


def _answer_json(answer: Answer) -> dict[str, Any]:
    organisation = organisation_get()
    return {
        "register": answer.register,
        "holder": answer.holder,
        "organisation": organisation.name if organisation else "",
        "records": answer.records,
        "answered_at": answer.answered_at.isoformat(),
    }


def _signed(reply: HttpResponse, request: signing.SignedRequest) -> HttpResponse:
    """Sign `reply`, bound to `request`'s signature when it has a readable one."""
    answer = signing.SignedAnswer(
        reply.status_code, {"Content-Type": reply["Content-Type"]}, reply.content, request
    )
    try:
        signing.sign_answer(answer, key=keys.signing_key(), key_id=keys.key_id(), now=clock.now())
    except ImproperlyConfigured:
        if reply.status_code == 200:
            raise
        logger.exception("the exchange key is not configured: an error reply goes unsigned")
        return reply
    for name, value in answer.headers.items():
        reply[name] = value
    return reply
