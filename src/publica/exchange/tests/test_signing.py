"""Signing and verifying register requests and answers, without Django or a network."""

from __future__ import annotations

import contextlib
import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms
from hypothesis import given, settings
from hypothesis import strategies as st

from publica.exchange import signing
from publica.exchange.adapters import SignatureRejected

NOW = dt.datetime(2026, 5, 4, 10, 30, tzinfo=dt.UTC)
SKEW = dt.timedelta(seconds=300)
URL = "https://registers.example.org/exchange/v1/query"
BODY = json.dumps({"register": "vehicles", "lookup": "keeper", "value": "TP000001"}).encode()
CALLER = Ed25519PrivateKey.generate()
HOLDER = Ed25519PrivateKey.generate()
STRANGER = Ed25519PrivateKey.generate()


def _request(*, key: Ed25519PrivateKey = CALLER, now: dt.datetime = NOW, **changes: object):
    request = signing.sign_request(
        method="POST", url=URL, body=BODY, content_type="application/json",
        key=key, key_id="town-a", now=now,
    )  # fmt: skip
    for name, value in changes.items():
        setattr(request, name, value)
    return request


def _check_request(request: signing.SignedRequest, now: dt.datetime = NOW) -> signing.Verified:
    keys = {"town-a": CALLER.public_key()}
    return signing.verify_request(request, public_key=keys.get, now=now, max_skew=SKEW)


def _answer(request: signing.SignedRequest, *, key: Ed25519PrivateKey = HOLDER,
            status: int = 200, now: dt.datetime = NOW) -> signing.SignedAnswer:  # fmt: skip
    answer = signing.SignedAnswer(
        status, {"Content-Type": "application/json"}, b'{"records": []}', request
    )
    signing.sign_answer(answer, key=key, key_id="dvla", now=now)
    return answer


def _check_answer(answer: signing.SignedAnswer, now: dt.datetime = NOW) -> signing.Verified:
    return signing.verify_answer(
        answer, key_id="dvla", public_key=HOLDER.public_key(), now=now, max_skew=SKEW
    )


def test_a_signed_request_verifies_and_names_its_key_time_and_nonce():
    verified = _check_request(_request())
    assert verified.key_id == "town-a"
    assert verified.created == NOW
    assert len(verified.nonce) >= 16


def test_every_request_gets_a_new_nonce():
    assert _check_request(_request()).nonce != _check_request(_request()).nonce


def test_a_request_covers_method_target_content_type_and_digest_with_a_tag():
    signature_input = _request().headers["Signature-Input"]
    assert signature_input.startswith(
        'exchange=("@method" "@target-uri" "content-type" "content-digest")'
    )
    assert 'tag="publica-exchange"' in signature_input
    assert 'keyid="town-a"' in signature_input
    assert 'alg="ed25519"' in signature_input


def test_a_request_with_a_changed_body_is_rejected():
    with pytest.raises(SignatureRejected, match="Content-Digest does not match"):
        _check_request(_request(body=BODY.replace(b"TP000001", b"TP000002")))


def test_a_request_with_a_changed_body_and_a_matching_digest_is_rejected():
    request = _request(body=b"{}")
    request.headers["Content-Digest"] = "sha-256=:RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=:"
    with pytest.raises(SignatureRejected, match="does not verify"):
        _check_request(request)


@pytest.mark.parametrize(
    "change",
    [
        {"url": "https://registers.example.org/exchange/v1/other"},
        {"method": "PUT"},
    ],
)
def test_a_request_sent_elsewhere_or_otherwise_is_rejected(change):
    with pytest.raises(SignatureRejected):
        _check_request(_request(**change))


def test_a_request_with_a_changed_content_type_is_rejected():
    request = _request()
    request.headers["Content-Type"] = "text/plain"
    with pytest.raises(SignatureRejected):
        _check_request(request)


def test_a_request_signed_by_another_key_is_rejected():
    with pytest.raises(SignatureRejected, match="does not verify"):
        _check_request(_request(key=STRANGER))


def test_a_request_from_an_unknown_key_id_names_it():
    with pytest.raises(signing.UnknownKey, match="town-a"):
        signing.verify_request(_request(), public_key=lambda _: None, now=NOW, max_skew=SKEW)


def test_a_request_without_a_signature_is_rejected():
    request = _request()
    del request.headers["Signature"], request.headers["Signature-Input"]
    with pytest.raises(SignatureRejected, match="Signature-Input"):
        _check_request(request)


@pytest.mark.parametrize("seconds", [-301, 301, 86400])
def test_a_request_created_outside_the_allowed_skew_is_rejected(seconds):
    with pytest.raises(SignatureRejected, match="300 s are allowed"):
        _check_request(_request(now=NOW - dt.timedelta(seconds=seconds)))


@pytest.mark.parametrize("seconds", [-299, 0, 299])
def test_a_request_created_within_the_allowed_skew_verifies(seconds):
    assert _check_request(_request(now=NOW - dt.timedelta(seconds=seconds)))


@pytest.mark.parametrize("nonce", [None, "short"])
def test_a_request_without_a_usable_nonce_is_rejected(nonce):
    request = signing.SignedRequest("POST", URL, {"Content-Type": "application/json"}, BODY)
    HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={"town-a": CALLER}),
    ).sign(
        request, key_id="town-a", created=NOW, nonce=nonce, label=signing.LABEL,
        tag=signing.REQUEST_TAG, covered_component_ids=signing.REQUEST_COMPONENTS, body=BODY,
    )  # fmt: skip
    with pytest.raises(SignatureRejected, match="nonce"):
        _check_request(request)


def test_a_request_covering_too_little_is_rejected():
    request = signing.SignedRequest("POST", URL, {"Content-Type": "application/json"}, BODY)
    HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={"town-a": CALLER}),
    ).sign(
        request, key_id="town-a", created=NOW, nonce=signing.new_nonce(), label=signing.LABEL,
        tag=signing.REQUEST_TAG, covered_component_ids=("@method",), body=BODY,
    )  # fmt: skip
    with pytest.raises(SignatureRejected, match="target-uri"):
        _check_request(request)


def test_an_answer_verifies_against_the_request_it_answers():
    request = _request()
    verified = _check_answer(_answer(request))
    assert verified.key_id == "dvla"
    assert '"signature";req;key="exchange"' in _answer(request).headers["Signature-Input"]


def test_an_answer_bound_to_a_different_request_is_rejected():
    answer = _answer(_request())
    answer.request = _request()  # same body, same key, another nonce: another request
    with pytest.raises(SignatureRejected, match="does not verify"):
        _check_answer(answer)


def test_an_answer_signed_by_another_key_is_rejected():
    with pytest.raises(SignatureRejected, match="does not verify"):
        _check_answer(_answer(_request(), key=STRANGER))


def test_an_answer_with_a_changed_body_is_rejected():
    answer = _answer(_request())
    answer.body = b'{"records": [{"registration": "MB01 XYZ"}]}'
    with pytest.raises(SignatureRejected, match="Content-Digest does not match"):
        _check_answer(answer)


@pytest.mark.parametrize("signed, sent", [(403, 200), (200, 201), (500, 200)])
def test_an_answer_with_a_changed_status_is_rejected(signed, sent):
    answer = _answer(_request(), status=signed)
    answer.status_code = sent
    with pytest.raises(SignatureRejected, match="does not verify"):
        _check_answer(answer)


def test_a_stale_answer_is_rejected():
    answer = _answer(_request(), now=NOW - dt.timedelta(minutes=10))
    with pytest.raises(SignatureRejected, match="600 s ago"):
        _check_answer(answer)


def test_a_request_signature_cannot_pass_for_an_answer():
    request = _request(key=HOLDER)
    answer = signing.SignedAnswer(200, dict(request.headers), request.body, request)
    with pytest.raises(SignatureRejected):
        _check_answer(answer)


def test_an_error_reply_to_an_unsigned_request_is_signed_but_no_answer_to_any_request():
    unsigned = signing.SignedRequest("POST", URL, {"Content-Type": "application/json"}, BODY)
    reply = _answer(unsigned, status=401)
    assert reply.headers["Signature-Input"].startswith(
        'exchange=("@status" "content-type" "content-digest");'
    )
    reply.request = _request()
    with pytest.raises(SignatureRejected, match="signature"):
        _check_answer(reply)


def test_an_oversized_signature_field_is_rejected_unread():
    request = _request()
    request.headers["Signature"] += ", x=:" + "A" * 5000 + ":"
    with pytest.raises(SignatureRejected, match="too long"):
        _check_request(request)


def test_public_keys_read_back_as_written():
    text = signing.encode_public_key(CALLER.public_key())
    assert signing.encode_public_key(signing.parse_public_key(text)) == text


@pytest.mark.parametrize("text", ["", "not base64!", "AAAA", "A" * 44])
def test_a_public_key_that_is_not_32_bytes_of_base64_is_refused(text):
    with pytest.raises(ValueError):
        signing.parse_public_key(text)


SIGNED = _request()


@settings(max_examples=300, deadline=None)
@given(
    field=st.sampled_from(sorted(SIGNED.headers)),
    at=st.integers(0, 400),
    text=st.text(st.characters(codec="utf-8"), max_size=30),
)
def test_a_garbled_field_is_at_worst_rejected_and_still_gets_a_signed_reply(field, at, text):
    headers = dict(SIGNED.headers)
    headers[field] = headers[field][:at] + text + headers[field][at + len(text) :]
    request = signing.SignedRequest("POST", URL, headers, BODY)
    with contextlib.suppress(SignatureRejected):  # spaces, ignored parameters still verify
        _check_request(request)
    answer = signing.SignedAnswer(401, {"Content-Type": "application/json"}, b"{}", request)
    signing.sign_answer(answer, key=HOLDER, key_id="dvla", now=NOW)
    assert answer.headers["Signature"].startswith("exchange=:")
