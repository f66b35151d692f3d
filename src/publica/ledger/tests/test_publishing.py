"""The ledger as C2SP tlog-tiles publishes it over HTTP, and its signing key."""

from __future__ import annotations

import base64
import gzip
import stat

from publica.ledger import keys, merkle, note
from publica.ledger.models import Entry
from publica.ledger.services import ledger_sequence
from publica.ledger.tests.test_verify import _decide
from publica.ledger.tiles import unbundle


def test_the_checkpoint_is_a_signed_note_cached_for_seconds_only(client, db):
    assert client.get("/ledger/checkpoint").status_code == 404
    _decide(3)
    ledger_sequence()
    response = client.get("/ledger/checkpoint")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "max-age=2" in response["Cache-Control"]
    checkpoint = note.open_checkpoint(response.content.decode(), keys.verifier(), keys.origin())
    assert checkpoint.size == 3


def test_tiles_and_entry_bundles_are_immutable_and_match_the_entries(client, db):
    _decide(300)
    ledger_sequence()
    full = client.get("/ledger/tile/0/000")
    partial = client.get("/ledger/tile/0/001.p/44")
    assert full.status_code == partial.status_code == 200
    assert full["Content-Type"] == "application/octet-stream"
    assert "immutable" in full["Cache-Control"] and "max-age=31536000" in full["Cache-Control"]
    assert len(full.content) == 256 * 32 and len(partial.content) == 44 * 32
    bodies = unbundle(client.get("/ledger/tile/entries/001.p/44").content)
    assert [merkle.leaf_hash(b) for b in bodies] == [
        partial.content[i : i + 32] for i in range(0, 44 * 32, 32)
    ]
    assert bodies[0] == bytes(Entry.objects.get(log_index=256).body)
    assert client.get("/ledger/tile/1/000.p/1").content == merkle.LeafList(
        [full.content[i : i + 32] for i in range(0, 8192, 32)]
    ).subtree(8, 0)


def test_bundles_are_gzipped_for_clients_that_ask(client, db):
    _decide(5)
    ledger_sequence()
    response = client.get("/ledger/tile/entries/000.p/5", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert len(unbundle(gzip.decompress(response.content))) == 5


def test_tiles_the_tree_has_not_grown_and_malformed_paths_are_404(client, db):
    _decide(5)
    ledger_sequence()
    for path in ("tile/0/000", "tile/0/000.p/6", "tile/entries/000", "tile/0/5", "tile/2/000.p/1",
                 "tile/0/x000/000.p/5", "tile/0/" + "x999/" * 8 + "999"):  # fmt: skip
        assert client.get(f"/ledger/{path}").status_code == 404, path


def test_each_entry_has_a_tlog_proof_that_verifies(client, db):
    _decide(10)
    ledger_sequence()
    text = client.get("/ledger/proof/7").content.decode()
    header, _, signed = text.partition("\n\n")
    lines = header.split("\n")
    assert lines[:2] == ["c2sp.org/tlog-proof@v1", "index 7"]
    checkpoint = note.open_checkpoint(signed, keys.verifier(), keys.origin())
    proof = [base64.b64decode(line) for line in lines[2:]]
    leaf = merkle.leaf_hash(bytes(Entry.objects.get(log_index=7).body))
    assert merkle.verify_inclusion(7, checkpoint.size, leaf, proof, checkpoint.root)
    assert client.get("/ledger/proof/10").status_code == 404


def test_the_signing_key_is_made_once_readable_by_its_owner_only(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.PUBLICA_LEDGER_KEY = ""
    first = keys.verifier_key()
    path = tmp_path / keys.KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.verifier_key() == first
    assert note.Verifier.parse(first).name == keys.origin()


def test_a_key_given_in_the_settings_is_used_instead(settings, tmp_path, client, db):
    settings.DATA_DIR = tmp_path
    settings.PUBLICA_LEDGER_KEY = base64.b64encode(bytes(range(32))).decode()
    key = keys.verifier_key()
    assert client.get("/ledger/key").content.decode().strip() == key
    assert not (tmp_path / keys.KEY_FILE).exists()
