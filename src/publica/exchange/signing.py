"""Signed register requests and answers: RFC 9421 HTTP Message Signatures with Ed25519 over an
RFC 9530 Content-Digest (sha-256) of the body. Pure: no Django; keys, clocks and who may call
are the caller's to supply.

A request's signature covers its method, target URI, content type and digest, with the time
it was created, a random nonce and the caller's key id, tagged `publica-exchange`. An answer's
covers its status, content type and digest *and the request's signature* (the `;req`
parameter of RFC 9421 section 2.4), tagged `publica-exchange-answer`: an answer verifies only
against the very request it answers, so it cannot be replayed to another one.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    MappingKeyResolver,
    PreparedSignature,
    VerifyResult,
    algorithms,
)
from http_message_signatures.structures import CaseInsensitiveDict

from publica.exchange.adapters import SignatureRejected

__all__ = [
    "ANSWER_COMPONENTS",
    "ANSWER_TAG",
    "LABEL",
    "REQUEST_COMPONENTS",
    "REQUEST_TAG",
    "SignedAnswer",
    "SignedRequest",
    "UnknownKey",
    "Verified",
    "encode_public_key",
    "new_nonce",
    "parse_public_key",
    "sign_answer",
    "sign_request",
    "verify_answer",
    "verify_request",
]

#: The label of our signature in the Signature and Signature-Input dictionaries.
LABEL = "exchange"
REQUEST_TAG = "publica-exchange"
ANSWER_TAG = "publica-exchange-answer"
REQUEST_COMPONENTS = ("@method", "@target-uri", "content-type", "content-digest")
ANSWER_COMPONENTS = ("@status", "content-type", "content-digest", f'"signature";req;key="{LABEL}"')
#: Signature fields longer than this are refused unread: ours are about 300 characters.
MAX_SIGNATURE_FIELD = 4096
#: A nonce is 16 to 64 characters (the replay table holds 64).
NONCE_LENGTHS = range(16, 65)


class UnknownKey(SignatureRejected):
    """The request was signed with a key id the caller does not know (or no longer trusts)."""

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        super().__init__(f"no client has the key id {key_id[:100]!r}")


@dataclass
class SignedRequest:
    """A request as signatures see it: the header fields it carries, its body as sent."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes


@dataclass
class SignedAnswer:
    """An answer and the request it answers (whose signature the answer's covers)."""

    status_code: int
    headers: dict[str, str]
    body: bytes
    request: SignedRequest | None = field(repr=False)


@dataclass(frozen=True)
class Verified:
    """Who signed, when, and with which nonce."""

    key_id: str
    created: dt.datetime
    nonce: str


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def parse_public_key(text: str) -> Ed25519PublicKey:
    """The Ed25519 public key in `text` (base64 of its 32 raw bytes); ValueError if it is not."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key is 32 bytes, not {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def encode_public_key(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def sign_request(
    *,
    method: str,
    url: str,
    body: bytes,
    content_type: str,
    key: Ed25519PrivateKey,
    key_id: str,
    now: dt.datetime,
    nonce: str | None = None,
) -> SignedRequest:
    """A request carrying Content-Digest, Signature-Input and Signature for `body`."""
    request = SignedRequest(method, url, {"Content-Type": content_type}, body)
    _signer(key, key_id).sign(
        request,
        key_id=key_id,
        created=now,
        nonce=nonce or new_nonce(),
        label=LABEL,
        tag=REQUEST_TAG,
        covered_component_ids=REQUEST_COMPONENTS,
        body=body,
    )
    return request


def sign_answer(
    answer: SignedAnswer, *, key: Ed25519PrivateKey, key_id: str, now: dt.datetime
) -> None:
    """Add Content-Digest and a signature to `answer` (which has its Content-Type).

    The signature covers the request's signature when the request has a readable one; an
    error reply to a request without one is signed alone, and clients will not take it for
    an answer to their request.
    """
    signer = _signer(key, key_id)

    def prepare(message: SignedAnswer, components: tuple[str, ...]) -> PreparedSignature:
        return signer.prepare(
            message,
            key_id=key_id,
            created=now,
            label=LABEL,
            tag=ANSWER_TAG,
            covered_component_ids=components,
            body=answer.body,
        )

    if answer.request is not None:
        try:
            prepared = prepare(answer, ANSWER_COMPONENTS)
        except HTTPMessageSignaturesException:  # the request's signature is missing or unreadable
            answer.headers.pop("Content-Digest", None)
        else:
            signer.apply(answer, prepared, key.sign(prepared.signature_base))
            return
    # The same headers, so the signature lands on `answer`.
    alone = SignedAnswer(answer.status_code, answer.headers, answer.body, request=None)
    prepared = prepare(alone, ANSWER_COMPONENTS[:-1])
    signer.apply(alone, prepared, key.sign(prepared.signature_base))


def verify_request(
    request: SignedRequest,
    *,
    public_key: Callable[[str], Ed25519PublicKey | None],
    now: dt.datetime,
    max_skew: dt.timedelta,
) -> Verified:
    """Check `request`'s signature with the key `public_key(key id)` returns (None: unknown).

    Raises `SignatureRejected` naming what is wrong: no or a malformed signature, an unknown
    key, a signature that does not verify, a body that does not match its digest, a
    signature created more than `max_skew` from `now`, or no usable nonce. Replays are the
    caller's to catch, by the nonce.
    """
    keys = _LookupKeys(public_key)
    try:
        verified = _verify(request, keys, now, max_skew, REQUEST_TAG, REQUEST_COMPONENTS)
    except SignatureRejected:
        if keys.unknown is not None:
            raise UnknownKey(keys.unknown) from None
        raise
    if verified.nonce is None or len(verified.nonce) not in NONCE_LENGTHS:
        raise SignatureRejected("the signature needs a nonce of 16 to 64 characters")
    return _verified(verified)


def verify_answer(
    answer: SignedAnswer,
    *,
    key_id: str,
    public_key: Ed25519PublicKey,
    now: dt.datetime,
    max_skew: dt.timedelta,
) -> Verified:
    """Check that `answer` was signed by `key_id`, is unchanged, fresh, and answers the very
    request it is attached to; raises `SignatureRejected` otherwise."""
    keys = MappingKeyResolver(public_keys={key_id: public_key}, private_keys={})
    return _verified(_verify(answer, keys, now, max_skew, ANSWER_TAG, ANSWER_COMPONENTS))


def _signer(key: Ed25519PrivateKey, key_id: str) -> HTTPMessageSigner:
    return HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={key_id: key}),
    )


def _verify(
    message: SignedRequest | SignedAnswer,
    keys: HTTPSignatureKeyResolver,
    now: dt.datetime,
    max_skew: dt.timedelta,
    tag: str,
    components: tuple[str, ...],
) -> VerifyResult:
    fields = CaseInsensitiveDict(message.headers)
    for name in ("Signature", "Signature-Input"):
        if len(fields.get(name, "")) > MAX_SIGNATURE_FIELD:
            raise SignatureRejected(f"the {name} field is too long")
    verifier = _Verifier(keys, now, max_skew)
    try:
        results = verifier.verify(
            message,
            max_age=None,  # _Verifier checks the time itself, against `now`
            expect_tag=tag,
            expect_label=LABEL,
            require_components=components,
            body=message.body,
        )
    except HTTPMessageSignaturesException as exc:
        reason = str(exc) or "it does not match the message"
        raise SignatureRejected(f"the signature does not verify: {reason}") from None
    return results[0]


def _verified(result: VerifyResult) -> Verified:
    created = result.parameters["created"]
    return Verified(
        key_id=str(result.parameters["keyid"]),
        created=dt.datetime.fromtimestamp(int(created), tz=dt.UTC),
        nonce=str(result.nonce or ""),
    )


class _Verifier(HTTPMessageVerifier):
    """The library's verifier, reading the time from `now` (Publica's clock, not the wall's)
    and allowing `max_skew` either way, for clocks that are not quite in step."""

    def __init__(
        self, keys: HTTPSignatureKeyResolver, now: dt.datetime, max_skew: dt.timedelta
    ) -> None:
        super().__init__(signature_algorithm=algorithms.ED25519, key_resolver=keys)
        self.now = now
        self.max_skew = max_skew

    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        created = sig_input.params.get("created")
        if type(created) is not int:
            raise InvalidSignature('the signature has no "created" time')
        age = int(self.now.timestamp()) - created
        allowed = int(self.max_skew.total_seconds())
        if abs(age) > allowed:
            when = f"{age} s ago" if age > 0 else f"{-age} s in the future"
            raise InvalidSignature(f"the signature was made {when}; {allowed} s are allowed")
        expires = sig_input.params.get("expires")
        if expires is not None and (type(expires) is not int or expires < self.now.timestamp()):
            raise InvalidSignature("the signature has expired")


class _LookupKeys(HTTPSignatureKeyResolver):
    """Keys by a lookup function; remembers a key id it did not know, to say so."""

    def __init__(self, lookup: Callable[[str], Ed25519PublicKey | None]) -> None:
        self.lookup = lookup
        self.unknown: str | None = None

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey | None:
        key = self.lookup(key_id)
        if key is None:
            self.unknown = key_id
        return key

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        raise NotImplementedError("verification only")
