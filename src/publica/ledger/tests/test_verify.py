"""`publica ledger verify` finds every kind of tampering, names the entry, and exits 1."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection

from publica.cli import main
from publica.ledger import guards, keys, note
from publica.ledger.merkle import leaf_hash
from publica.ledger.models import Checkpoint, Entry, Tile
from publica.ledger.services import ledger_append, ledger_sequence
from publica.ledger.verify import DatabaseSource, HttpSource, verify

MOMENT = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)


def _decide(count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        ledger_append(
            kind="decision", case=f"PTH-2026-{n:06d}", service="pothole", service_version=1,
            from_state="inspecting", to_state="repaired", outcome="resolved", role="caseworker",
            digest="ab" * 32, at=MOMENT,
        )  # fmt: skip


@pytest.fixture
def ledger(db):
    """A ledger of 700 entries: two full leaf tiles and a partial one, signed in two steps."""
    _decide(300)
    ledger_sequence()
    _decide(400, start=300)
    ledger_sequence()
    guards.remove(connection)  # what someone with the database's keys could do; rolled back
    return Checkpoint.objects.get(size=700)


def _verify(tmp_path, source=None):
    return verify(source or DatabaseSource(), keys.verifier(), tmp_path / "seen.json")


def test_an_untouched_ledger_verifies_and_is_remembered(ledger, tmp_path):
    report = _verify(tmp_path)
    assert report.ok and report.size == 700
    seen = json.loads((tmp_path / "seen.json").read_text())
    assert seen[keys.origin()]["size"] == 700


def test_a_changed_entry_is_reported_with_its_index(ledger, tmp_path):
    Entry.objects.filter(log_index=412).update(body=b'{"type":"decision","outcome":"rejected"}')
    report = _verify(tmp_path)
    assert [(f.index, "changed" in f.problem) for f in report.findings] == [(412, True)]


def test_a_removed_entry_is_reported_with_its_index(ledger, tmp_path):
    Entry.objects.filter(log_index=3).delete()
    assert [(f.index, f.problem) for f in _verify(tmp_path).findings] == [
        (3, "the entry has been removed")
    ]


def test_a_rewritten_tile_is_reported_with_the_entries_it_covers(ledger, tmp_path):
    # Change entry 300 and rewrite its leaf hash to match: the level above gives it away.
    changed = b'{"type":"decision","outcome":"rejected"}'
    Entry.objects.filter(log_index=300).update(body=changed)
    tile = Tile.objects.get(level=0, number=1)
    hashes = bytearray(tile.hashes)
    hashes[(300 - 256) * 32 : (301 - 256) * 32] = leaf_hash(changed)
    Tile.objects.filter(pk=tile.pk).update(hashes=bytes(hashes))
    findings = _verify(tmp_path).findings
    assert len(findings) == 1 and findings[0].index == 256 and "rewritten" in findings[0].problem


def test_a_rewritten_partial_tile_fails_against_the_checkpoint_root(ledger, tmp_path):
    tile = Tile.objects.get(level=0, number=2)
    Entry.objects.filter(log_index=600).update(body=b"{}")
    hashes = bytearray(tile.hashes)
    hashes[(600 - 512) * 32 : (601 - 512) * 32] = leaf_hash(b"{}")
    Tile.objects.filter(pk=tile.pk).update(hashes=bytes(hashes))
    assert [str(f) for f in _verify(tmp_path).findings] == [
        "the tiles do not hash to the checkpoint's root"
    ]


def test_a_forged_checkpoint_is_refused(ledger, tmp_path):
    forger = Ed25519PrivateKey.generate()
    text = note.checkpoint_text(note.Checkpoint(keys.origin(), 700, b"\1" * 32))
    Checkpoint.objects.filter(size=700).update(note=note.sign(text, keys.origin(), forger))
    findings = _verify(tmp_path).findings
    assert len(findings) == 1 and "cannot be trusted" in findings[0].problem


def test_history_rewritten_since_the_last_check_is_reported(ledger, tmp_path):
    another_root = "A" * 43 + "="
    seen = {keys.origin(): {"size": 300, "root": another_root}}
    (tmp_path / "seen.json").write_text(json.dumps(seen))
    findings = _verify(tmp_path).findings
    assert len(findings) == 1 and "rewritten" in findings[0].problem


def test_a_log_that_shrank_since_the_last_check_is_reported(ledger, tmp_path):
    assert _verify(tmp_path).ok
    seen = json.loads((tmp_path / "seen.json").read_text())
    seen[keys.origin()]["size"] = 900
    (tmp_path / "seen.json").write_text(json.dumps(seen))
    assert "shrank" in str(_verify(tmp_path).findings[0])


def test_the_command_exits_1_naming_the_entry(ledger, tmp_path):
    runner = CliRunner()
    state = str(tmp_path / "seen.json")
    assert runner.invoke(main, ["ledger", "verify", "--state", state]).exit_code == 0
    Entry.objects.filter(log_index=5).update(body=b"{}")
    result = runner.invoke(main, ["ledger", "verify", "--state", state])
    assert result.exit_code == 1
    assert "entry 5: the entry differs" in result.output


@pytest.mark.django_db(transaction=True)
def test_a_ledger_published_over_http_verifies_with_the_tiles_api(live_server, tmp_path):
    _decide(300)
    ledger_sequence()
    source = HttpSource(live_server.url + "/ledger/")
    assert source.key() == keys.verifier_key()
    report = verify(source, keys.verifier(), tmp_path / "seen.json")
    assert report.ok and report.size == 300
