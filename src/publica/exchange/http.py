"""The HTTP adapter: asks another instance's register over the signed exchange API
(docs/exchange.md) and believes an answer only when the register's holder signed it, for
this very request, a moment ago."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import urllib.error
import urllib.request
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings

from publica.core import clock
from publica.exchange import keys, signing
from publica.exchange.adapters import (
    Answer,
    ExchangeError,
    NotAuthorised,
    Query,
    RegisterUnavailable,
    SignatureRejected,
)
from publica.exchange.models import Peer

__all__ = ["MAX_ANSWER", "HttpAdapter"]

#: Bytes of an answer read at most: a register answer is a few records.
MAX_ANSWER = 1024 * 1024
CONTENT_TYPE = "application/json"


class HttpAdapter:
    """Asks `peer`'s registers, signing as `peer.client_id` with this organisation's key."""

    def __init__(self, peer: Peer) -> None:
        self.peer = peer
        self.url = peer.base_url.rstrip("/") + "/v1/query"

    def query(self, query: Query) -> Answer:
        """The peer's answer to `query`, checked against the peer's key.

        Raises `SignatureRejected` for an answer that is forged, changed on the way, stale,
        or made for another request; `NotAuthorised` when the peer refuses (403);
        `RegisterUnavailable` when it cannot be reached or fails (5xx); `ExchangeError` for
        anything else.
        """
        public_key = self._public_key()
        body = json.dumps(_query_json(query), sort_keys=True, separators=(",", ":")).encode()
        request = signing.sign_request(
            method="POST",
            url=self.url,
            body=body,
            content_type=CONTENT_TYPE,
            key=keys.signing_key(),
            key_id=self.peer.client_id,
            now=clock.now(),
        )
        reply = signing.SignedAnswer(*self._send(request), request=request)
        if reply.status_code != 200:
            raise self._refusal(reply, public_key)
        self._verify(reply, public_key)
        return self._answer(query, reply.body)

    def _public_key(self) -> Ed25519PublicKey:
        try:
            return signing.parse_public_key(self.peer.public_key)
        except ValueError as exc:
            raise ExchangeError(
                f"the public key of peer {self.peer.slug} is unusable: {exc}"
            ) from None

    def _send(self, request: signing.SignedRequest) -> tuple[int, dict[str, str], bytes]:
        """Status, header fields and body of the peer's reply, whatever its status."""
        outgoing = urllib.request.Request(
            request.url,
            data=request.body,
            method=request.method,
            headers={**request.headers, "Accept": CONTENT_TYPE, "User-Agent": "Publica-Exchange/1"},
        )
        opener = urllib.request.build_opener(_NoRedirects)
        try:
            with opener.open(outgoing, timeout=settings.PUBLICA_EXCHANGE_TIMEOUT) as reply:
                return reply.status, _fields(reply.headers), _read(reply)
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, _fields(exc.headers), _read(exc)
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            raise RegisterUnavailable(
                f"{self.peer.name} did not answer: {type(reason).__name__}"
            ) from exc
        except ValueError as exc:  # a base URL urllib cannot use
            raise ExchangeError(f"peer {self.peer.slug}: {exc}") from exc

    def _verify(self, reply: signing.SignedAnswer, public_key: Ed25519PublicKey) -> None:
        signing.verify_answer(
            reply,
            key_id=self.peer.key_id,
            public_key=public_key,
            now=clock.now(),
            max_skew=dt.timedelta(seconds=settings.PUBLICA_EXCHANGE_MAX_SKEW_SECONDS),
        )

    def _refusal(self, reply: signing.SignedAnswer, public_key: Ed25519PublicKey) -> ExchangeError:
        """The error a non-200 reply means; its words are quoted only when the peer signed them."""
        try:
            self._verify(reply, public_key)
            detail = str(json.loads(reply.body).get("detail", ""))[:300]
        except (SignatureRejected, ValueError, AttributeError):
            detail = "(the reply was not signed by the peer)"
        said = f"{self.peer.name} answered HTTP {reply.status_code}: {detail}"
        if reply.status_code == 403:
            return NotAuthorised(said)
        if reply.status_code >= 500:
            return RegisterUnavailable(said)
        return ExchangeError(said)

    def _answer(self, query: Query, body: bytes) -> Answer:
        try:
            data = json.loads(body)
            records = data["records"]
            if data["register"] != query.register or not isinstance(records, list):
                raise ValueError("not an answer to this query")
            if not all(isinstance(record, dict) for record in records):
                raise ValueError("records are not objects")
            return Answer(
                register=query.register,
                records=records,
                holder=str(data["holder"]),
                answered_at=dt.datetime.fromisoformat(data["answered_at"]),
                verified_by=self.peer.key_id,
                extra={"organisation": str(data.get("organisation", "")), "peer": self.peer.slug},
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ExchangeError(
                f"{self.peer.name} sent a signed answer Publica cannot read: {exc}"
            ) from None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A signed request goes to the address it was signed for, or nowhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _query_json(query: Query) -> dict[str, Any]:
    data: dict[str, Any] = {
        "register": query.register,
        "lookup": query.lookup,
        "value": query.value,
        "purpose": query.purpose,
        "basis": query.basis,
    }
    if query.fields:
        data["fields"] = list(query.fields)
    for name in ("consent", "law", "case", "on_behalf_of"):
        if getattr(query, name):
            data[name] = getattr(query, name)
    return data


def _fields(message: Any) -> dict[str, str]:
    """Header fields by lower-case name, repeated lines joined as HTTP says they may be."""
    fields: dict[str, str] = {}
    for name, value in message.items():
        key = name.lower()
        fields[key] = f"{fields[key]}, {value}" if key in fields else value
    return fields


def _read(reply: Any) -> bytes:
    body = reply.read(MAX_ANSWER + 1)
    if len(body) > MAX_ANSWER:
        raise ExchangeError(f"an answer of more than {MAX_ANSWER} bytes")
    return bytes(body)
