"""The signed register API: the server at POST /exchange/v1/query, and the HTTP adapter that
calls it, over real sockets on loopback (a live server, and a stand-in peer that forges)."""

from __future__ import annotations

import base64
import datetime as dt
import http.server
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publica.core import clock
from publica.core.actors import SystemActor
from publica.exchange import signing
from publica.exchange.adapters import (
    ExchangeError,
    NotAuthorised,
    Query,
    RegisterUnavailable,
    SignatureRejected,
)
from publica.exchange.http import HttpAdapter
from publica.exchange.models import AccessRecord, Peer, RegisterSource, SeenNonce
from publica.exchange.services.nonces import nonces_prune
from publica.exchange.services.peers import client_add, client_grant, client_revoke
from publica.exchange.services.queries import register_query
from publica.exchange.tests.factories import PersonFactory, VehicleFactory, verify

SKEW = dt.timedelta(seconds=300)
URL = "http://testserver/exchange/v1/query"
CALLER = Ed25519PrivateKey.generate()  # Town A's key: it calls this instance
STRANGER = Ed25519PrivateKey.generate()
LAW = "Road Traffic Regulation Act 1984, s. 45"
QUERY = {
    "register": "vehicles",
    "lookup": "keeper",
    "value": "TP900001",
    "purpose": "parking-permit",
    "basis": "statutory",
    "law": LAW,
    "on_behalf_of": "Parking permits team",
}


@pytest.fixture
def instance_key(settings) -> Ed25519PrivateKey:  # type: ignore[no-untyped-def]
    """This instance's exchange key, fresh for each test."""
    key = Ed25519PrivateKey.generate()
    settings.PUBLICA_EXCHANGE_KEY = base64.b64encode(key.private_bytes_raw()).decode()
    settings.PUBLICA_EXCHANGE_KEY_ID = "millbrook"
    return key


@pytest.fixture
def town_a(db: None, instance_key: Ed25519PrivateKey):  # type: ignore[no-untyped-def]
    """Town A may ask the vehicle register here for parking permits."""
    client = client_add(
        client_id="town-a", name="Town A Council", public_key=_b64(CALLER.public_key())
    )
    client_grant(client_id="town-a", register="vehicles", purpose="parking-permit")
    return client


@pytest.fixture
def keeper(db: None):  # type: ignore[no-untyped-def]
    person = PersonFactory(person_id="TP900001")
    VehicleFactory(registration="MB26 TST", keeper_id=person.person_id, make="Test Motor")
    return person


def _b64(public_key: Any) -> str:
    return signing.encode_public_key(public_key)


def _post(  # type: ignore[no-untyped-def]
    client,
    body: dict[str, Any] | bytes,
    *,
    key: Ed25519PrivateKey = CALLER,
    key_id: str = "town-a",
    now: dt.datetime | None = None,
    nonce: str | None = None,
):
    """POST `body` signed as Town A (or as told) through Django's test client."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    signed = signing.sign_request(
        method="POST", url=URL, body=raw, content_type="application/json",
        key=key, key_id=key_id, now=now or clock.now(), nonce=nonce,
    )  # fmt: skip
    headers = {name: value for name, value in signed.headers.items() if name != "Content-Type"}
    response = client.generic(
        "POST", "/exchange/v1/query", raw, content_type="application/json", headers=headers
    )
    response.signed_request = signed
    return response


def _reply_verified(response, instance_key: Ed25519PrivateKey) -> signing.Verified:  # type: ignore[no-untyped-def]
    """Check the reply as a caller would: signed by this instance, for that request."""
    answer = signing.SignedAnswer(
        response.status_code, dict(response.headers), response.content, response.signed_request
    )
    return signing.verify_answer(
        answer, key_id="millbrook", public_key=instance_key.public_key(), now=clock.now(),
        max_skew=SKEW,
    )  # fmt: skip


# The server.


def test_a_granted_client_gets_the_records_in_an_answer_signed_for_its_request(
    client, town_a, keeper, instance_key
):
    response = _post(client, QUERY)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    answer = response.json()
    assert answer["register"] == "vehicles"
    assert answer["holder"] == "Vehicle licensing agency"
    assert answer["records"] == [
        {"registration": "MB26 TST", "make": "Test Motor", "permit_eligible": True,
         "keeper_id": "TP900001"}
    ]  # fmt: skip
    assert dt.datetime.fromisoformat(answer["answered_at"])
    assert _reply_verified(response, instance_key).key_id == "millbrook"


def test_only_the_fields_asked_for_are_answered(client, town_a, keeper):
    response = _post(client, {**QUERY, "fields": ["registration"]})
    assert response.json()["records"] == [{"registration": "MB26 TST"}]


def test_the_server_records_the_access_under_the_client_organisation(
    client, town_a, keeper, resident
):
    verify(resident, keeper)
    assert _post(client, {**QUERY, "fields": ["registration", "make"]}).status_code == 200
    record = AccessRecord.objects.get()
    assert record.organisation == "Town A Council"
    assert record.actor_kind == AccessRecord.Actor.AGENCY
    assert record.actor_label == "Parking permits team"
    assert record.subject == resident
    assert record.subject_person_id == "TP900001"
    assert record.register == "vehicles"
    assert record.categories == ["vehicles"]
    assert record.purpose == "parking-permit"
    assert record.basis == "statutory"
    assert record.basis_detail == LAW


def test_a_vehicle_asked_by_registration_shows_in_its_keepers_log(client, town_a, keeper, resident):
    verify(resident, keeper)
    query = {**QUERY, "lookup": "registration", "value": "MB26 TST", "fields": ["make"]}
    assert _post(client, query).json()["records"] == [{"make": "Test Motor"}]
    record = AccessRecord.objects.get()
    assert (record.subject, record.subject_person_id) == (resident, "TP900001")


def test_a_registration_nobody_keeps_is_recorded_about_nobody(client, town_a):
    query = {**QUERY, "lookup": "registration", "value": "XX00 XXX"}
    assert _post(client, query).json()["records"] == []
    record = AccessRecord.objects.get()
    assert (record.subject, record.subject_person_id) == (None, "")


def test_a_query_on_consent_records_the_consent_it_names(client, town_a, keeper):
    query = {**QUERY, "basis": "consent", "consent": "3f2c9a4e-consent-at-town-a"}
    query.pop("law")
    assert _post(client, query).status_code == 200
    record = AccessRecord.objects.get()
    assert (record.basis, record.basis_detail) == ("consent", "3f2c9a4e-consent-at-town-a")
    assert record.subject is None  # no resident account here has that person number


def test_an_answer_comes_from_the_local_tables_even_when_the_register_is_routed_elsewhere(
    client, town_a, keeper
):
    peer = Peer.objects.create(slug="far", name="Far", base_url="http://127.0.0.1:9/exchange/",
                               key_id="far", public_key=_b64(STRANGER.public_key()),
                               client_id="millbrook")  # fmt: skip
    RegisterSource.objects.create(register="vehicles", peer=peer)
    response = _post(client, QUERY)
    assert response.status_code == 200
    assert response.json()["records"][0]["registration"] == "MB26 TST"


def test_a_replayed_request_is_refused_with_401(client, town_a, keeper):
    nonce = signing.new_nonce()
    assert _post(client, QUERY, nonce=nonce).status_code == 200
    replay = _post(client, QUERY, nonce=nonce)
    assert replay.status_code == 401
    assert "seen before" in replay.json()["detail"]
    assert AccessRecord.objects.count() == 1


def test_a_request_that_is_too_old_is_refused_with_401(client, town_a, keeper):
    response = _post(client, QUERY, now=clock.now() - dt.timedelta(minutes=6))
    assert response.status_code == 401
    assert "300 s are allowed" in response.json()["detail"]


def test_an_unknown_client_is_refused_with_401(client, town_a):
    response = _post(client, QUERY, key_id="town-b")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert "town-b" in response.json()["detail"]


def test_a_revoked_client_is_refused_with_401(client, town_a, keeper):
    client_revoke(client_id="town-a")
    response = _post(client, QUERY)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_a_request_signed_with_another_key_is_refused_with_401(client, town_a):
    response = _post(client, QUERY, key=STRANGER)
    assert response.status_code == 401
    assert "does not verify" in response.json()["detail"]


def test_a_tampered_body_is_refused_with_401(client, town_a, keeper):
    signed = signing.sign_request(
        method="POST", url=URL, body=json.dumps(QUERY).encode(), content_type="application/json",
        key=CALLER, key_id="town-a", now=clock.now(),
    )  # fmt: skip
    headers = {name: value for name, value in signed.headers.items() if name != "Content-Type"}
    tampered = json.dumps({**QUERY, "value": "TP900002"}).encode()
    response = client.generic(
        "POST", "/exchange/v1/query", tampered, content_type="application/json", headers=headers
    )
    assert response.status_code == 401
    assert "Content-Digest" in response.json()["detail"]


def test_an_unsigned_request_is_refused_with_401(client, town_a):
    response = client.post("/exchange/v1/query", QUERY, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["title"] == "Not authenticated"


def test_a_client_without_a_grant_for_that_purpose_is_refused_with_403(
    client, town_a, keeper, instance_key
):
    response = _post(client, {**QUERY, "purpose": "debt-collection"})
    assert response.status_code == 403
    assert "debt-collection" in response.json()["detail"]
    assert not AccessRecord.objects.exists()
    assert _reply_verified(response, instance_key)  # errors are signed for the request too


def test_a_grant_for_one_register_does_not_open_another(client, town_a, keeper):
    query = {**QUERY, "register": "population", "lookup": "person"}
    assert _post(client, query).status_code == 403


@pytest.mark.parametrize(
    "change, field",
    [
        ({"purpose": ""}, "purpose"),
        ({"register": "boats"}, "register"),
        ({"lookup": "colour"}, "lookup"),
        ({"fields": ["registration", "owner_salary"]}, "fields"),
        ({"fields": "registration"}, "fields"),
        ({"basis": "curiosity"}, "basis"),
        ({"law": ""}, "law"),
        ({"basis": "consent"}, "consent"),
        ({"value": 1234}, "value"),
        ({"value": "X" * 101}, "value"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_query_is_refused_with_422_naming_the_field(client, town_a, change, field):
    response = _post(client, {**QUERY, **change})
    assert response.status_code == 422
    problem = response.json()
    assert problem["status"] == 422
    assert field in [error["field"] for error in problem["errors"]]
    assert field in problem["detail"]


@pytest.mark.parametrize("body", [b" ", b"not json", b"[1, 2]", b'"text"', b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_refused_with_422(client, town_a, body):
    response = _post(client, body)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "body", "message": "send a JSON object"}]


def test_only_post_is_allowed(client, instance_key, db):
    response = client.get("/exchange/v1/query")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response["Content-Type"] == "application/problem+json"


def test_a_huge_body_is_refused_with_413_unread(client, town_a):
    response = _post(client, b'{"value": "' + b"x" * 100_000 + b'"}')
    assert response.status_code == 413


@pytest.mark.parametrize(
    "headers",
    [
        {"Signature-Input": "exchange=(", "Signature": "exchange=:AAAA:"},
        {"Signature-Input": 'exchange=("@method");created=1;keyid="town-a"', "Signature": "x"},
        {"Signature-Input": "a" * 100_000, "Signature": "b" * 100_000},
        {"Signature-Input": 'exchange=();keyid="' + "k" * 5000 + '"', "Signature": "exchange=:A:"},
        {"Signature-Input": "exchange=\u00e9", "Signature": "exchange=:\u00ff:"},
        {"Content-Digest": "sha-256=:not-base64:"},
    ],
)
def test_malformed_signature_fields_are_refused_with_401_never_a_500(client, town_a, headers):
    response = client.generic(
        "POST", "/exchange/v1/query", json.dumps(QUERY), content_type="application/json",
        headers=headers,
    )  # fmt: skip
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(field=st.sampled_from(["Signature", "Signature-Input", "Content-Digest"]),
       junk=st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=200))  # fmt: skip
def test_any_signature_field_gets_a_problem_reply_never_a_500(client, town_a, field, junk):
    signed = signing.sign_request(
        method="POST", url=URL, body=b"{}", content_type="application/json",
        key=CALLER, key_id="town-a", now=clock.now(),
    )  # fmt: skip
    headers = {**signed.headers, field: junk}
    del headers["Content-Type"]
    response = client.generic(
        "POST", "/exchange/v1/query", b"{}", content_type="application/json", headers=headers
    )
    assert response.status_code in (401, 422)
    assert response["Content-Type"] == "application/problem+json"


def test_nonces_are_forgotten_once_their_signatures_are_stale(town_a, settings):
    from publica.exchange.services.nonces import nonce_record

    now = clock.now()
    with clock.at(now - dt.timedelta(seconds=601)):
        assert nonce_record(client_id="town-a", nonce="old-nonce-0123456789")
    assert nonce_record(client_id="town-a", nonce="new-nonce-0123456789")
    assert not nonce_record(client_id="town-a", nonce="new-nonce-0123456789")
    assert nonces_prune() == 1
    assert list(SeenNonce.objects.values_list("nonce", flat=True)) == ["new-nonce-0123456789"]


# This organisation's key, and the commands that set clients, peers and routes up.


def test_the_key_is_made_once_in_the_data_dir_readable_by_its_owner_only(settings, tmp_path):
    from publica.core import keyfiles
    from publica.exchange import keys

    settings.PUBLICA_EXCHANGE_KEY = ""
    settings.DATA_DIR = tmp_path
    made = keys.signing_key()
    path = tmp_path / keys.KEY_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    again = keyfiles._key_in(path)  # as another process starting later reads it
    assert _b64(again.public_key()) == _b64(made.public_key()) == keys.public_key_b64()
    assert [p.name for p in tmp_path.iterdir()] == [keys.KEY_FILE]  # no draft left behind


def test_a_key_setting_that_is_not_an_ed25519_key_is_refused_clearly(settings):
    from django.core.exceptions import ImproperlyConfigured

    from publica.exchange import keys

    settings.PUBLICA_EXCHANGE_KEY = "bm90IGEga2V5"
    with pytest.raises(ImproperlyConfigured, match="PUBLICA_EXCHANGE_KEY"):
        keys.signing_key()


def test_the_key_id_is_the_setting_else_the_organisation_slug(settings, db):
    from django.core.exceptions import ImproperlyConfigured

    from publica.accounts.tests.factories import OrganisationFactory
    from publica.exchange import keys

    settings.PUBLICA_EXCHANGE_KEY_ID = ""
    with pytest.raises(ImproperlyConfigured, match="PUBLICA_EXCHANGE_KEY_ID"):
        keys.key_id()
    OrganisationFactory(slug="testshire")
    assert keys.key_id() == "testshire"
    settings.PUBLICA_EXCHANGE_KEY_ID = "testshire-2027"
    assert keys.key_id() == "testshire-2027"


def _exchange(*args: str) -> Any:
    from click.testing import CliRunner

    from publica.exchange.cli import exchange

    return CliRunner().invoke(exchange, list(args))


@pytest.mark.parametrize(
    "args, said",
    [
        (["client-add", "--id", "town-b", "--name", "B", "--public-key", "bm90IGEga2V5"],
         "--public-key: an Ed25519 public key in base64: an Ed25519 public key is 32 bytes"),
        (["client-add", "--id", "town b", "--name", "B", "--public-key", _b64(CALLER.public_key())],
         "--id: 1 to 100 letters"),
        (["client-add", "--id", "town-a", "--name", "A", "--public-key", _b64(CALLER.public_key())],
         "--id: a client 'town-a' exists already"),
        (["client-grant", "--id", "town-a", "--register", "boats", "--purpose", "x"],
         "--register: one of population, vehicles, businesses, property"),
        (["client-grant", "--id", "town-z", "--register", "vehicles", "--purpose", "x"],
         "no client 'town-z'"),
        (["peer-add", "--slug", "far", "--name", "Far", "--url", "ftp://far", "--key-id", "far",
          "--public-key", _b64(STRANGER.public_key()), "--client-id", "millbrook"],
         "--url: an http:// or https:// address"),
        (["route", "--register", "vehicles", "--peer", "nowhere"], "--peer: no peer 'nowhere'"),
        (["route", "--register", "vehicles"], "give either --peer SLUG or --local"),
        (["route", "--register", "vehicles", "--peer", "far", "--local"], "either --peer"),
    ],
)  # fmt: skip
def test_the_commands_name_the_option_at_fault_and_change_nothing(town_a, args, said):
    from publica.exchange.models import Client, Grant

    result = _exchange(*args)
    assert result.exit_code != 0
    assert said in result.output
    assert (Client.objects.count(), Grant.objects.count(), Peer.objects.count()) == (1, 1, 0)


def test_the_commands_set_up_a_peer_and_a_route_and_list_them(town_a):
    public = _b64(STRANGER.public_key())
    assert _exchange("peer-add", "--slug", "far", "--name", "Far Agency", "--url",
                     "https://far.example.org/exchange/", "--key-id", "far", "--public-key",
                     public, "--client-id", "millbrook").exit_code == 0  # fmt: skip
    assert _exchange("route", "--register", "vehicles", "--peer", "far").exit_code == 0
    assert RegisterSource.objects.get().peer.slug == "far"
    listed = _exchange("list").output
    assert "town-a" in listed and "may ask vehicles for 'parking-permit'" in listed
    assert "far" in listed and "https://far.example.org/exchange/" in listed
    assert "vehicles     peer far" in listed and "population   local" in listed
    assert _exchange("route", "--register", "vehicles", "--local").exit_code == 0
    assert not RegisterSource.objects.exists()


def test_the_key_command_prints_the_key_id_and_public_key(instance_key):
    printed = _exchange("key").output
    assert "key id:     millbrook" in printed
    assert f"public key: {_b64(instance_key.public_key())}" in printed


# The HTTP adapter against a live server: this instance asks itself, over a real socket.


@pytest.fixture
def through_live_server(live_server, instance_key):  # type: ignore[no-untyped-def]
    """Route the vehicle register to this very instance, over HTTP, as peer `self`."""
    public = _b64(instance_key.public_key())
    client_add(client_id="millbrook", name="Millbrook (as a client)", public_key=public)
    peer = Peer.objects.create(
        slug="self", name="Millbrook registers", base_url=f"{live_server.url}/exchange/",
        key_id="millbrook", public_key=public, client_id="millbrook",
    )  # fmt: skip
    RegisterSource.objects.create(register="vehicles", peer=peer)
    return peer


def _permit_query(person_id: str) -> Query:
    return Query(register="vehicles", lookup="keeper", value=person_id, purpose="parking-permit",
                 basis="statutory", law=LAW, on_behalf_of="Parking permits team")  # fmt: skip


def test_a_query_through_the_http_adapter_is_answered_verified_and_recorded_on_both_sides(
    through_live_server, keeper, resident
):
    client_grant(client_id="millbrook", register="vehicles", purpose="parking-permit")
    verify(resident, keeper)
    answer = register_query(
        query=_permit_query("TP900001"), actor=SystemActor("test"), subject=resident
    )
    assert answer.verified_by == "millbrook"
    assert [record["registration"] for record in answer.records] == ["MB26 TST"]
    records = AccessRecord.objects.filter(subject=resident)
    assert sorted(records.values_list("organisation", flat=True)) == [
        "Millbrook (as a client)",  # the holder's record of who asked
        "This council",  # the asker's own record
    ]


def test_the_http_adapter_reports_a_refusal_from_a_live_server_as_not_authorised(
    through_live_server, keeper
):
    with pytest.raises(NotAuthorised, match="may not ask the vehicles register"):
        HttpAdapter(through_live_server).query(_permit_query("TP900001"))


def test_the_http_adapter_reports_an_unknown_key_as_an_exchange_error(through_live_server, keeper):
    Peer.objects.filter(pk=through_live_server.pk).update(client_id="nobody")
    through_live_server.refresh_from_db()
    with pytest.raises(ExchangeError, match="HTTP 401: no client has the key id 'nobody'"):
        HttpAdapter(through_live_server).query(_permit_query("TP900001"))


# The HTTP adapter against a stand-in peer that answers however a test tells it to.

HOLDER = Ed25519PrivateKey.generate()  # the stand-in's key, as its Peer row says
ANSWER = json.dumps({"register": "vehicles", "holder": "Vehicle licensing agency",
                     "organisation": "Test Vehicle Agency",
                     "records": [{"registration": "MB26 TST", "make": "Test Motor"}],
                     "answered_at": "2026-05-04T10:30:00+00:00"}).encode()  # fmt: skip
Reply = tuple[int, dict[str, str], bytes]


class _StandIn(http.server.ThreadingHTTPServer):
    answer: Callable[[signing.SignedRequest], Reply]
    seen: list[signing.SignedRequest]

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a caller that gave up waiting closed the connection: expected here


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _StandIn

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        port = self.server.server_address[1]
        request = signing.SignedRequest(
            "POST", f"http://127.0.0.1:{port}{self.path}", dict(self.headers.items()), body
        )
        self.server.seen.append(request)
        status, headers, content = self.server.answer(request)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def stand_in(instance_key) -> Iterator[tuple[_StandIn, Peer]]:  # type: ignore[no-untyped-def]
    server = _StandIn(("127.0.0.1", 0), _Handler)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    peer = Peer(slug="dvla", name="Test Vehicle Agency", key_id="dvla",
                base_url=f"http://127.0.0.1:{server.server_address[1]}/exchange/",
                public_key=_b64(HOLDER.public_key()), client_id="millbrook")  # fmt: skip
    try:
        yield server, peer
    finally:
        server.shutdown()
        server.server_close()


def _signed(
    request: signing.SignedRequest | None,
    *,
    key: Ed25519PrivateKey = HOLDER,
    status: int = 200,
    body: bytes = ANSWER,
    now: dt.datetime | None = None,
) -> Reply:
    answer = signing.SignedAnswer(status, {"Content-Type": "application/json"}, body, request)
    signing.sign_answer(answer, key=key, key_id="dvla", now=now or clock.now())
    return answer.status_code, answer.headers, answer.body


def _ask(peer: Peer) -> Any:
    return HttpAdapter(peer).query(_permit_query("TP900001"))


def test_the_http_adapter_takes_an_answer_its_holder_signed_for_the_request(stand_in):
    server, peer = stand_in
    server.answer = _signed
    answer = _ask(peer)
    assert answer.verified_by == "dvla"
    assert answer.records == [{"registration": "MB26 TST", "make": "Test Motor"}]
    assert answer.extra["organisation"] == "Test Vehicle Agency"
    request = server.seen[0]
    assert request.url == peer.base_url + "v1/query"
    assert json.loads(request.body)["law"] == LAW
    assert 'keyid="millbrook"' in request.headers["Signature-Input"]


def test_an_answer_signed_by_another_key_is_rejected(stand_in):
    server, peer = stand_in
    server.answer = lambda request: _signed(request, key=STRANGER)
    with pytest.raises(SignatureRejected, match="does not verify"):
        _ask(peer)


def test_an_answer_with_a_tampered_body_is_rejected(stand_in):
    server, peer = stand_in

    def tampered(request: signing.SignedRequest) -> Reply:
        status, headers, _ = _signed(request)
        return status, headers, ANSWER.replace(b"MB26 TST", b"MB99 XXX")

    server.answer = tampered
    with pytest.raises(SignatureRejected, match="Content-Digest does not match"):
        _ask(peer)


def test_an_answer_with_a_tampered_status_is_rejected(stand_in):
    server, peer = stand_in

    def tampered(request: signing.SignedRequest) -> Reply:
        _, headers, body = _signed(request, status=500)
        return 200, headers, body

    server.answer = tampered
    with pytest.raises(SignatureRejected, match="does not verify"):
        _ask(peer)


def test_an_answer_bound_to_a_different_request_is_rejected(stand_in):
    server, peer = stand_in
    other = signing.sign_request(
        method="POST", url=peer.base_url + "v1/query", body=b"{}", content_type="application/json",
        key=Ed25519PrivateKey.generate(), key_id="millbrook", now=clock.now(),
    )  # fmt: skip
    server.answer = lambda request: _signed(other)
    with pytest.raises(SignatureRejected, match="does not verify"):
        _ask(peer)


def test_a_replayed_answer_is_rejected(stand_in):
    server, peer = stand_in
    recorded: list[Reply] = []

    def replaying(request: signing.SignedRequest) -> Reply:
        if not recorded:
            recorded.append(_signed(request))
        return recorded[0]

    server.answer = replaying
    assert _ask(peer).records
    with pytest.raises(SignatureRejected, match="does not verify"):
        _ask(peer)


def test_an_unbound_answer_is_rejected(stand_in):
    server, peer = stand_in
    server.answer = lambda request: _signed(None)
    with pytest.raises(SignatureRejected, match="not covered"):
        _ask(peer)


def test_an_unsigned_answer_is_rejected(stand_in):
    server, peer = stand_in
    server.answer = lambda request: (200, {"Content-Type": "application/json"}, ANSWER)
    with pytest.raises(SignatureRejected, match="Signature-Input"):
        _ask(peer)


def test_a_stale_answer_is_rejected(stand_in):
    server, peer = stand_in
    server.answer = lambda request: _signed(request, now=clock.now() - dt.timedelta(minutes=10))
    with pytest.raises(SignatureRejected, match="600 s ago"):
        _ask(peer)


def test_a_signed_refusal_is_not_authorised_and_quoted(stand_in):
    server, peer = stand_in
    refusal = json.dumps({"status": 403, "detail": "no grant for parking-permit"}).encode()
    server.answer = lambda request: _signed(request, status=403, body=refusal)
    with pytest.raises(NotAuthorised, match="HTTP 403: no grant for parking-permit"):
        _ask(peer)


def test_an_unsigned_refusal_is_not_authorised_but_not_quoted(stand_in):
    server, peer = stand_in
    refusal = json.dumps({"detail": "words of a forger"}).encode()
    server.answer = lambda request: (403, {"Content-Type": "application/json"}, refusal)
    with pytest.raises(NotAuthorised, match="not signed by the peer"):
        _ask(peer)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_means_the_register_is_unavailable(stand_in, status):
    server, peer = stand_in
    server.answer = lambda request: (status, {"Content-Type": "text/plain"}, b"down")
    with pytest.raises(RegisterUnavailable, match=f"HTTP {status}"):
        _ask(peer)


@pytest.mark.parametrize("status", [301, 307, 400, 404, 429])
def test_other_statuses_are_exchange_errors_and_redirects_are_not_followed(stand_in, status):
    server, peer = stand_in
    moved = {"Location": "http://127.0.0.1:9/elsewhere", "Content-Type": "text/plain"}
    server.answer = lambda request: (status, moved, b"")
    with pytest.raises(ExchangeError, match=f"HTTP {status}") as raised:
        _ask(peer)
    assert type(raised.value) is ExchangeError
    assert len(server.seen) == 1


def test_a_signed_answer_that_is_not_a_register_answer_is_an_exchange_error(stand_in):
    server, peer = stand_in
    server.answer = lambda request: _signed(request, body=b'{"register": "population"}')
    with pytest.raises(ExchangeError, match="cannot read"):
        _ask(peer)


def test_an_unreachable_peer_means_the_register_is_unavailable(instance_key):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    peer = Peer(slug="gone", name="Gone", base_url=f"http://127.0.0.1:{port}/exchange/",
                key_id="gone", public_key=_b64(HOLDER.public_key()),
                client_id="millbrook")  # fmt: skip
    with pytest.raises(RegisterUnavailable, match="did not answer"):
        _ask(peer)


def test_a_slow_peer_times_out_as_unavailable(stand_in, settings):
    server, peer = stand_in
    settings.PUBLICA_EXCHANGE_TIMEOUT = 0.2

    def slow(request: signing.SignedRequest) -> Reply:
        time.sleep(1)
        return _signed(request)

    server.answer = slow
    with pytest.raises(RegisterUnavailable, match="did not answer"):
        _ask(peer)


def test_an_instance_without_an_exchange_key_id_answers_503_not_500(client, settings, db):
    from publica.accounts.models import Organisation

    Organisation.objects.all().delete()
    settings.PUBLICA_EXCHANGE_KEY_ID = ""
    reply = client.post("/exchange/v1/query", b"{}", content_type="application/json")
    assert reply.status_code == 503
    assert reply["Content-Type"] == "application/problem+json"
