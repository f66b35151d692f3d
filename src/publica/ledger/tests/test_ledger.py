"""Decisions reach the ledger with their own transaction, carry nothing personal, and are
integrated into signed checkpoints that verify; the tables refuse to be rewritten."""

from __future__ import annotations

import base64
import json

import pytest
from django.db import IntegrityError, connection, transaction

from publica.cases.services import case_anonymise, case_merge, case_transition, case_withdraw
from publica.cases.tests.factories import submit_pothole
from publica.core.actors import SystemActor
from publica.ledger import entries, keys, merkle, note, selectors
from publica.ledger.models import Checkpoint, Entry, Tile
from publica.ledger.services import LedgerInconsistent, ledger_sequence

PERSONAL = {
    "contact_name": "Ada Quartermaine",
    "email": "ada.quartermaine@example.org",
    "phone": "07700 900123",
}


def _decisions(pothole, caseworker, resident) -> dict[str, object]:
    """One case for each kind of entry, each with personal details a leak would show."""
    contact = {"name": PERSONAL["contact_name"], "email": PERSONAL["email"],
               "phone": PERSONAL["phone"]}  # fmt: skip
    moved = submit_pothole(pothole, contact=contact, description="Outside Ada's house")
    case_transition(case=moved, to="inspecting", actor=caseworker)
    decided = submit_pothole(pothole, contact=contact)
    case_transition(case=decided, to="no_action", actor=caseworker, reason="Ada is mistaken")
    automated = submit_pothole(pothole, contact=contact, road_type="main", depth_mm=50)
    withdrawn = submit_pothole(pothole, resident)
    case_withdraw(case=withdrawn, actor=resident, reason="Fixed by Ada's neighbour")
    merged = submit_pothole(pothole, contact=contact, description="Outside Ada's gate")
    case_merge(child=merged, parent=moved, actor=caseworker, reason="Ada's neighbour, mistaken")
    erased = submit_pothole(pothole, contact=contact, description="Outside Ada's door")
    case_transition(case=erased, to="no_action", actor=caseworker, reason="Ada is mistaken")
    case_anonymise(case=erased, why="retention", rule="2 years", actor=SystemActor("retention"))
    return {"transition": moved, "decision": decided, "automated-decision": automated,
            "withdrawal": withdrawn, "merged": merged, "anonymised": erased}  # fmt: skip


def test_every_decision_writes_a_pending_entry_of_its_kind(pothole, caseworker, resident):
    cases = _decisions(pothole, caseworker, resident)
    for kind, case in cases.items():
        entry = Entry.objects.filter(case_reference=case.reference).last()
        assert entry is not None and entry.kind == kind and entry.log_index is None
        body = json.loads(bytes(entry.body))
        assert body["type"] == kind and body["case"] == case.reference
        assert body["service"] == "pothole" and body["service_version"] == 1


def test_no_entry_of_any_kind_holds_personal_data(pothole, caseworker, resident):
    cases = _decisions(pothole, caseworker, resident)
    assert {e.kind for e in Entry.objects.all()} == set(entries.KINDS)
    # Whole phrases: a short name could turn up by chance inside a hex digest.
    secrets = [*PERSONAL.values(), "Outside Ada", "mistaken", "neighbour", "Kiln Lane",
               "52.03", resident.email, resident.username, caseworker.username,
               caseworker.email]  # fmt: skip
    for case in cases.values():
        secrets.append(case.ledger_key)
    for entry in Entry.objects.all():
        raw = bytes(entry.body).decode()
        fields = entries.MERGE_FIELDS if entry.kind == "merged" else entries.FIELDS
        assert set(json.loads(raw)) == fields
        for secret in secrets:
            assert secret.lower() not in raw.lower(), f"{entry.kind} entry leaks {secret!r}"


def test_the_data_digest_lets_the_key_holder_and_nobody_else_check_the_data(pothole, caseworker):
    case = submit_pothole(pothole)
    case_transition(case=case, to="inspecting", actor=caseworker)
    body = json.loads(bytes(Entry.objects.get(case_reference=case.reference).body))
    case.refresh_from_db()
    assert body["data_digest"] == entries.data_digest(case.ledger_key, case.data)
    assert body["data_digest"] != entries.data_digest("00" * 32, case.data)
    assert body["data_digest"] != entries.data_digest(case.ledger_key, {**case.data, "size": "x"})


def test_a_decision_that_rolls_back_leaves_no_entry(pothole, caseworker):
    case = submit_pothole(pothole)
    with pytest.raises(RuntimeError), transaction.atomic():
        case_transition(case=case, to="inspecting", actor=caseworker)
        raise RuntimeError("the request failed after the decision")
    assert not Entry.objects.exists()


def test_sequencing_integrates_pending_entries_under_a_signed_checkpoint(pothole, caseworker):
    for _ in range(3):
        case = submit_pothole(pothole)
        case_transition(case=case, to="inspecting", actor=caseworker)
        case_transition(case=case, to="repair_scheduled", actor=caseworker)
    checkpoint = ledger_sequence()
    assert checkpoint is not None and checkpoint.size == 6
    assert ledger_sequence() is None  # nothing left to do
    signed = note.open_checkpoint(checkpoint.note, keys.verifier(), keys.origin())
    leaves = [merkle.leaf_hash(bytes(e.body)) for e in Entry.objects.order_by("log_index")]
    assert [e.log_index for e in Entry.objects.order_by("log_index")] == list(range(6))
    assert signed.size == 6 and signed.root == merkle.tree_hash(merkle.LeafList(leaves), 0, 6)
    assert checkpoint.note.startswith(
        f"{keys.origin()}\n6\n{base64.b64encode(signed.root).decode()}"
    )


def test_proofs_from_the_stored_tiles_verify_against_signed_checkpoints(pothole, caseworker):
    sizes = []
    for _ in range(3):
        for _ in range(150):
            case = submit_pothole(pothole)
            case_transition(case=case, to="inspecting", actor=caseworker)
        sizes.append(ledger_sequence().size)
    assert sizes == [150, 300, 450] and Tile.objects.filter(level=0).count() == 2
    first, last = (Checkpoint.objects.get(size=s) for s in (150, 450))
    for index in (0, 149, 255, 256, 449):
        proof = selectors.inclusion(index)
        assert merkle.verify_inclusion(index, 450, proof.leaf, proof.hashes, bytes(last.root_hash))
    old = selectors.inclusion(7, size=150)
    assert merkle.verify_inclusion(7, 150, old.leaf, old.hashes, bytes(first.root_hash))
    between = selectors.consistency(150, 450)
    assert merkle.verify_consistency(
        150, 450, bytes(first.root_hash), bytes(last.root_hash), between
    )


def test_an_integrated_entry_cannot_be_changed_or_deleted(pothole, caseworker):
    case = submit_pothole(pothole)
    case_transition(case=case, to="inspecting", actor=caseworker)
    ledger_sequence()
    entry = Entry.objects.get()
    for attempt in (
        lambda: Entry.objects.filter(pk=entry.pk).update(body=b"{}"),
        lambda: Entry.objects.filter(pk=entry.pk).update(log_index=5),
        lambda: Entry.objects.filter(pk=entry.pk).delete(),
        lambda: Checkpoint.objects.all().update(note="forged"),
        lambda: Checkpoint.objects.all().delete(),
        lambda: Tile.objects.all().delete(),
        lambda: Tile.objects.all().update(hashes=b"\0" * 32),
    ):
        with pytest.raises(IntegrityError, match=r"ledger|checkpoint"), transaction.atomic():
            attempt()
    assert bytes(Entry.objects.get().body) == bytes(entry.body)


def test_a_pending_entry_cannot_be_deleted_or_rewritten_either(pothole, caseworker):
    case = submit_pothole(pothole)
    case_transition(case=case, to="inspecting", actor=caseworker)
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.all().delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.all().update(case_reference="PTH-2020-000001")


def test_a_tile_may_grow_but_not_change_what_it_held(pothole, caseworker):
    case = submit_pothole(pothole)
    case_transition(case=case, to="inspecting", actor=caseworker)
    ledger_sequence()
    tile = Tile.objects.get(level=0, number=0)
    Tile.objects.filter(pk=tile.pk).update(hashes=bytes(tile.hashes) + b"\1" * 32)
    with pytest.raises(IntegrityError), transaction.atomic():
        Tile.objects.filter(pk=tile.pk).update(hashes=b"\1" * 64)


def test_the_sequencer_refuses_to_sign_when_the_stored_tree_was_tampered_with(pothole, caseworker):
    case = submit_pothole(pothole)
    case_transition(case=case, to="inspecting", actor=caseworker)
    ledger_sequence()
    case_transition(case=case, to="repair_scheduled", actor=caseworker)
    with connection.cursor() as cursor:  # someone with the database's keys, triggers and all
        cursor.execute("DROP TRIGGER IF EXISTS ledger_tile_grows" + (
            " ON ledger_tile" if connection.vendor == "postgresql" else ""))  # fmt: skip
    Tile.objects.filter(level=0, number=0).update(hashes=b"\7" * 32)
    with pytest.raises(LedgerInconsistent):
        ledger_sequence()
    assert Checkpoint.objects.count() == 1
