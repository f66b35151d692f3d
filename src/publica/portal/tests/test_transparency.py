"""The public record of decisions: anyone sees the signed checkpoint and a case's entries with
their proofs; the applicant also sees what they need to check their own data digest."""

from __future__ import annotations

import base64
import html
import json

import pytest
import rfc8785

from publica.cases.services import case_transition
from publica.cases.tests.factories import submit_pothole
from publica.ledger import entries, keys
from publica.ledger.models import Entry
from publica.ledger.selectors import checkpoint_latest
from publica.ledger.services import ledger_sequence

pytestmark = pytest.mark.django_db
PAGE = "/transparency/ledger"


def text(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def decided(pothole, caseworker, **contact):  # type: ignore[no-untyped-def]
    """A case moved on twice, both entries integrated under a signed checkpoint."""
    case = submit_pothole(pothole, contact=contact or None)
    case_transition(case=case, to="inspecting", actor=caseworker)
    case_transition(case=case, to="no_action", actor=caseworker, reason="Within tolerance")
    ledger_sequence()
    case.refresh_from_db()
    return case


def test_the_page_shows_the_latest_checkpoint_its_signed_note_and_the_verifier_key(
    client, pothole, caseworker
):
    decided(pothole, caseworker)
    latest = checkpoint_latest()
    assert latest is not None and latest.size == 2
    page = text(client.get(PAGE))
    assert base64.b64encode(bytes(latest.root_hash)).decode() in page
    assert f'<pre class="publica-code">{html.escape(latest.note)}</pre>' in page
    assert keys.verifier_key() in page
    assert 'href="/ledger/checkpoint"' in page and 'href="/ledger/key"' in page


def test_the_page_says_so_before_any_checkpoint_is_signed(client):
    page = text(client.get(PAGE))
    assert "has not signed a checkpoint" in page
    assert keys.verifier_key() in page  # the key is known before the first signature


def test_the_page_explains_how_to_verify_the_ledger_independently(client):
    page = text(client.get(PAGE))
    command = f"publica ledger verify --url http://testserver/ledger/ --key {keys.verifier_key()}"
    assert command in page
    for words in ("Ed25519", "C2SP tlog-tiles", "RFC 9162", "inclusion proof",
                  "HMAC-SHA256", "RFC 8785"):  # fmt: skip
        assert words in page


def test_every_portal_page_links_to_the_public_record_in_its_footer(client, pothole):
    assert f'href="{PAGE}"' in text(client.get("/"))


def test_searching_a_reference_lists_its_decisions_with_links_to_their_proofs(
    client, pothole, caseworker
):
    other = decided(pothole, caseworker)
    case = decided(pothole, caseworker)
    page = text(client.get(PAGE, {"case": case.reference}))
    assert f"2 decisions on {case.reference}" in page
    assert "Moved on by staff" in page and "Decided by staff" in page
    for label in ("Received", "Inspection booked", "No action needed", "Rejected", "Caseworker"):
        assert f">{label}</td>" in page
    for index in (2, 3):
        assert f'href="/ledger/proof/{index}"' in page
        assert f'href="/api/v1/ledger/entries/{index}"' in page
        assert client.get(f"/ledger/proof/{index}").status_code == 200
        assert client.get(f"/api/v1/ledger/entries/{index}").status_code == 200
    assert 'href="/ledger/proof/0"' not in page and other.reference not in page


def test_a_reference_is_found_whatever_its_case(client, pothole, caseworker):
    case = decided(pothole, caseworker)
    page = text(client.get(PAGE, {"case": f"  {case.reference.lower()} "}))
    assert f"2 decisions on {case.reference}" in page


def test_an_unknown_reference_or_one_still_pending_finds_no_decisions(client, pothole, caseworker):
    page = text(client.get(PAGE, {"case": "PTH-1999-000001"}))
    assert "No decisions on PTH-1999-000001" in page
    pending = submit_pothole(pothole)
    case_transition(case=pending, to="inspecting", actor=caseworker)
    page = text(client.get(PAGE, {"case": pending.reference}))
    assert f"No decisions on {pending.reference}" in page


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("<script>alert(1)</script>", "only letters, numbers and hyphens"),
        ("PTH-2026-" + "9" * 30, "at most 32 characters"),
        ("", "Enter a case reference"),
        ("PTH 2026", "only letters, numbers and hyphens"),
    ],
)
def test_a_malformed_reference_is_an_error_and_never_echoed_unescaped(client, reference, message):
    page = text(client.get(PAGE, {"case": reference}))
    assert message in page and "There is a problem" in page
    assert 'href="#id_case"' in page and "govuk-input--error" in page
    assert "<script>alert" not in page
    assert 'id="results"' not in page


def test_the_applicant_sees_their_public_record_with_their_key_and_canonical_answers(
    client, pothole, caseworker
):
    case = decided(pothole, caseworker, email="walker@example.org")
    client.post("/track/", {"reference": case.reference, "email": "walker@example.org"})
    page = text(client.get(f"/cases/{case.reference}/"))
    assert "Public record of decisions" in page
    assert f'href="{PAGE}?case={case.reference}#entry-0"' in page
    assert f'href="{PAGE}?case={case.reference}#entry-1"' in page
    assert "Moved on by staff" in page and "Decided by staff" in page
    canonical = rfc8785.dumps(case.data).decode()
    assert case.ledger_key in page and html.escape(canonical) in page
    # what the page shows is exactly what each entry's digest was made from
    for entry in Entry.objects.filter(case_reference=case.reference):
        digest = json.loads(bytes(entry.body))["data_digest"]
        assert digest == entries.data_digest(case.ledger_key, json.loads(canonical))


def test_a_signed_in_resident_sees_the_public_record_of_their_own_case(
    client, pothole, caseworker, resident
):
    case = submit_pothole(pothole, resident)
    case_transition(case=case, to="inspecting", actor=caseworker)
    ledger_sequence()
    client.force_login(resident)
    page = text(client.get(f"/cases/{case.reference}/"))
    assert "Public record of decisions" in page and case.ledger_key in page


def test_the_public_record_section_is_absent_while_the_case_has_no_entries(
    client, pothole, caseworker
):
    case = submit_pothole(pothole, contact={"email": "walker@example.org"})
    client.post("/track/", {"reference": case.reference, "email": "walker@example.org"})
    page = text(client.get(f"/cases/{case.reference}/"))
    assert "Public record of decisions</h2>" not in page and case.ledger_key not in page
    case_transition(case=case, to="inspecting", actor=caseworker)  # pending, not integrated
    page = text(client.get(f"/cases/{case.reference}/"))
    assert "Public record of decisions</h2>" not in page and case.ledger_key not in page


def test_the_public_page_never_shows_a_cases_key_or_answers(client, pothole, caseworker):
    case = decided(pothole, caseworker)
    page = text(client.get(PAGE, {"case": case.reference}))
    assert case.ledger_key not in page and "Kiln Lane" not in page
