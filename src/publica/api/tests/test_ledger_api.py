"""The ledger in the REST API: public, and every proof it hands out verifies."""

from __future__ import annotations

import base64

import pytest
import rfc8785

from publica.cases.services import case_transition
from publica.cases.tests.factories import submit_pothole
from publica.ledger import keys, merkle, note
from publica.ledger.models import Checkpoint
from publica.ledger.services import ledger_sequence

pytestmark = pytest.mark.django_db
HUGE = 2**63  # one past the largest index a database column holds


def b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def decide(pothole, caseworker, count: int = 1) -> list[str]:  # type: ignore[no-untyped-def]
    """`count` cases each moved on twice (two entries each); their references."""
    references = []
    for _ in range(count):
        case = submit_pothole(pothole)
        case_transition(case=case, to="inspecting", actor=caseworker)
        case_transition(case=case, to="repair_scheduled", actor=caseworker)
        references.append(case.reference)
    return references


def assert_problem(response, status: int, field: str | None = None) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    if field is not None:
        assert [error["field"] for error in body["errors"]] == [field]


def test_the_ledger_endpoints_are_public_and_tagged_in_openapi(client):
    spec = client.get("/api/v1/openapi.json").json()
    paths = ["/api/v1/ledger/checkpoint", "/api/v1/ledger/entries",
             "/api/v1/ledger/entries/{index}", "/api/v1/ledger/consistency"]  # fmt: skip
    for path in paths:
        operation = spec["paths"][path]["get"]
        assert operation["tags"] == ["ledger"]
        assert "security" not in operation
    assert "security" in spec["paths"]["/api/v1/cases"]["get"]


def test_the_checkpoint_is_the_latest_signed_note_and_its_root(client, pothole, caseworker):
    decide(pothole, caseworker)
    ledger_sequence()
    decide(pothole, caseworker)
    latest = ledger_sequence()
    response = client.get("/api/v1/ledger/checkpoint")
    assert response.status_code == 200
    body = response.json()
    assert body["origin"] == keys.origin() and body["size"] == 4 == latest.size
    assert body["note"] == latest.note
    assert b64(body["root_hash"]) == bytes(latest.root_hash)
    signed = note.open_checkpoint(body["note"], keys.verifier(), keys.origin())
    assert signed.size == 4 and signed.root == b64(body["root_hash"])


def test_the_checkpoint_is_a_404_problem_before_anything_is_signed(client):
    assert_problem(client.get("/api/v1/ledger/checkpoint"), 404)


def test_a_cases_entries_are_listed_oldest_first_with_their_leaf_hashes(
    client, pothole, caseworker
):
    _, second = decide(pothole, caseworker, count=2)
    ledger_sequence()
    response = client.get("/api/v1/ledger/entries", {"case": second.lower()})
    assert response.status_code == 200
    found = response.json()
    assert [e["index"] for e in found] == [2, 3]
    assert [e["kind"] for e in found] == ["transition", "transition"]
    assert {e["case"] for e in found} == {second}
    assert [(e["entry"]["from"], e["entry"]["to"]) for e in found] == [
        ("submitted", "inspecting"),
        ("inspecting", "repair_scheduled"),
    ]
    assert found[0]["integrated_at"] is not None
    for e in found:  # the entry is canonical JSON: anyone can recompute its leaf hash
        assert merkle.leaf_hash(rfc8785.dumps(e["entry"])) == b64(e["leaf_hash"])


def test_pending_entries_and_unknown_cases_are_an_empty_list(client, pothole, caseworker):
    (reference,) = decide(pothole, caseworker)
    assert client.get("/api/v1/ledger/entries", {"case": reference}).json() == []
    ledger_sequence()
    assert client.get("/api/v1/ledger/entries", {"case": "PTH-1999-000001"}).json() == []


@pytest.mark.parametrize("case", ["", "x" * 33, "PTH 2026", "<script>", "PTH--1"])
def test_a_blank_long_or_malformed_case_reference_is_a_422_naming_case(client, case):
    assert_problem(client.get("/api/v1/ledger/entries", {"case": case}), 422, "case")


def test_a_missing_case_reference_is_a_422_naming_case(client):
    assert_problem(client.get("/api/v1/ledger/entries"), 422, "case")


def test_an_entry_comes_with_an_inclusion_proof_that_verifies(client, pothole, caseworker):
    decide(pothole, caseworker, count=3)
    latest = ledger_sequence()
    for index in range(latest.size):
        response = client.get(f"/api/v1/ledger/entries/{index}")
        assert response.status_code == 200, response.content
        body = response.json()
        proof = body["proof"]
        assert body["index"] == index and proof["size"] == 6
        assert proof["checkpoint"] == latest.note
        signed = note.open_checkpoint(proof["checkpoint"], keys.verifier(), keys.origin())
        hashes = [b64(h) for h in proof["hashes"]]
        leaf = b64(body["leaf_hash"])
        assert merkle.verify_inclusion(index, 6, leaf, hashes, signed.root)
        forged = merkle.leaf_hash(b"forged")
        assert not merkle.verify_inclusion(index, 6, forged, hashes, signed.root)


def test_an_entry_can_be_proved_in_an_older_checkpoint(client, pothole, caseworker):
    decide(pothole, caseworker)
    old = ledger_sequence()
    decide(pothole, caseworker, count=2)
    ledger_sequence()
    body = client.get("/api/v1/ledger/entries/1", {"size": old.size}).json()
    assert body["proof"]["size"] == 2 and body["proof"]["checkpoint"] == old.note
    hashes = [b64(h) for h in body["proof"]["hashes"]]
    assert merkle.verify_inclusion(1, 2, b64(body["leaf_hash"]), hashes, bytes(old.root_hash))


def test_an_entry_not_yet_integrated_or_beyond_the_size_is_a_404(client, pothole, caseworker):
    decide(pothole, caseworker)
    assert_problem(client.get("/api/v1/ledger/entries/0"), 404)  # pending
    ledger_sequence()
    decide(pothole, caseworker)
    ledger_sequence()
    assert_problem(client.get("/api/v1/ledger/entries/4"), 404)
    assert_problem(client.get("/api/v1/ledger/entries/3", {"size": 2}), 404)  # not in size 2
    assert_problem(client.get("/api/v1/ledger/entries/0", {"size": 3}), 404)  # never signed
    assert_problem(client.get(f"/api/v1/ledger/entries/{HUGE - 1}"), 404)
    assert_problem(client.get("/api/v1/ledger/entries/0", {"size": HUGE - 1}), 404)


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/v1/ledger/entries/-1", {}, "index"),
        (f"/api/v1/ledger/entries/{HUGE}", {}, "index"),
        ("/api/v1/ledger/entries/one", {}, "index"),
        ("/api/v1/ledger/entries/0", {"size": 0}, "size"),
        ("/api/v1/ledger/entries/0", {"size": -5}, "size"),
        ("/api/v1/ledger/entries/0", {"size": 10**30}, "size"),
    ],
)
def test_a_negative_huge_or_malformed_index_or_size_is_a_422(client, path, query, field):
    assert_problem(client.get(path, query), 422, field)


def test_a_consistency_proof_links_two_signed_checkpoints(client, pothole, caseworker):
    sizes = []
    for count in (1, 2, 3):
        decide(pothole, caseworker, count=count)
        sizes.append(ledger_sequence().size)
    assert sizes == [2, 6, 12]
    roots = {c.size: bytes(c.root_hash) for c in Checkpoint.objects.all()}
    for first, second in [(2, 6), (2, 12), (6, 12), (12, 12), (0, 6)]:
        response = client.get("/api/v1/ledger/consistency", {"first": first, "second": second})
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["first"], body["second"]) == (first, second)
        hashes = [b64(h) for h in body["hashes"]]
        first_root = roots.get(first, merkle.EMPTY_ROOT)
        assert merkle.verify_consistency(first, second, first_root, roots[second], hashes)
        if first not in (0, second):
            assert not merkle.verify_consistency(first, second, roots[6 if first == 2 else 2],
                                                 roots[second], hashes)  # fmt: skip


def test_consistency_with_an_unsigned_size_is_a_404(client, pothole, caseworker):
    decide(pothole, caseworker)
    ledger_sequence()
    assert_problem(client.get("/api/v1/ledger/consistency", {"first": 1, "second": 2}), 404)
    assert_problem(client.get("/api/v1/ledger/consistency", {"first": 2, "second": 3}), 404)
    query = {"first": 0, "second": HUGE - 1}
    assert_problem(client.get("/api/v1/ledger/consistency", query), 404)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"first": 6, "second": 2}, "first"),
        ({"first": -1, "second": 2}, "first"),
        ({"first": 0, "second": -2}, "second"),
        ({"first": HUGE, "second": HUGE}, "first"),
        ({"first": "x", "second": 2}, "first"),
        ({"second": 2}, "first"),
    ],
)
def test_consistency_between_impossible_sizes_is_a_422_naming_the_field(client, query, field):
    response = client.get("/api/v1/ledger/consistency", query)
    assert_problem(response, 422)
    assert field in [error["field"] for error in response.json()["errors"]]


def test_an_access_batch_entry_is_served_with_its_proof(client, resident):
    import datetime as dt

    from publica.core import clock
    from publica.core.actors import SystemActor
    from publica.exchange.services.access import access_record
    from publica.exchange.services.sealing import access_seal

    moment = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
    with clock.at(moment):
        access_record(
            actor=SystemActor("prefill"), subject=resident, data="Your registered address",
            purpose="Test", basis="consent",
        )  # fmt: skip
    with clock.at(moment + dt.timedelta(minutes=5)):
        access_seal()
    ledger_sequence()
    response = client.get("/api/v1/ledger/entries/0")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["kind"], body["case"]) == ("access-batch", "")
    assert body["entry"]["count"] == 1
