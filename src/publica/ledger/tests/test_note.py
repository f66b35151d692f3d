"""Signed notes and checkpoints as C2SP specifies them."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from publica.ledger import note

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
NAME = "example.gov/ledger"


def test_a_signed_checkpoint_opens_with_its_verifier_key():
    text = note.checkpoint_text(note.Checkpoint(NAME, 42, b"\x07" * 32))
    signed = note.sign(text, NAME, KEY)
    root = base64.b64encode(b"\x07" * 32).decode()
    assert signed.startswith(f"{NAME}\n42\n{root}\n\n\u2014 {NAME} ")
    verifier = note.Verifier.parse(note.verifier_key(NAME, KEY))
    assert note.open_checkpoint(signed, verifier, NAME) == note.Checkpoint(NAME, 42, b"\x07" * 32)


def test_the_key_id_is_the_first_four_bytes_of_the_hash_of_name_type_and_key():
    vkey = note.verifier_key(NAME, KEY)
    _, key_id, encoded = vkey.split("+", 2)
    public = base64.b64decode(encoded)
    assert public[0] == 1 and len(public) == 33
    assert key_id == hashlib.sha256(NAME.encode() + b"\n" + public).digest()[:4].hex()


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.replace("\n42\n", "\n43\n"),  # another size under the same signature
        lambda s: s[:-10] + ("A" if s[-10] != "A" else "B") + s[-9:],  # a bent signature
        lambda s: s.replace("\n\n", "\n"),  # no blank line before the signatures
    ],
)
def test_a_changed_note_does_not_open(change):
    signed = note.sign(note.checkpoint_text(note.Checkpoint(NAME, 42, b"\1" * 32)), NAME, KEY)
    with pytest.raises(note.NoteError):
        note.open_checkpoint(change(signed), note.Verifier.parse(note.verifier_key(NAME, KEY)))


def test_a_note_signed_by_another_key_is_refused_and_other_signatures_are_ignored():
    other = Ed25519PrivateKey.generate()
    text = note.checkpoint_text(note.Checkpoint(NAME, 1, b"\1" * 32))
    ours = note.Verifier.parse(note.verifier_key(NAME, KEY))
    with pytest.raises(note.NoteError, match="no signature by"):
        note.open_checkpoint(note.sign(text, "witness.example", other), ours)
    cosigned = (
        note.sign(text, NAME, KEY) + note.sign(text, "witness.example", other).split("\n\n")[1]
    )
    assert note.open_checkpoint(cosigned, ours).size == 1


def test_a_checkpoint_for_another_origin_is_refused():
    signed = note.sign(note.checkpoint_text(note.Checkpoint(NAME, 1, b"\1" * 32)), NAME, KEY)
    with pytest.raises(note.NoteError, match=r"not 'other\.gov/log'"):
        note.open_checkpoint(
            signed, note.Verifier.parse(note.verifier_key(NAME, KEY)), "other.gov/log"
        )
