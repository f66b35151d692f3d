"""The ledger's signed notes, checkpoints, tile paths and entry bundles, and its HTTP paths.

A note or checkpoint is either opened or refused with NoteError, whatever it holds — also
when it is properly signed, since a verifier must not crash on what a log signed.
"""

from __future__ import annotations

import base64
import contextlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from hypothesis import example, given
from hypothesis import strategies as st

from publica.ledger import note, tiles
from tests.fuzz.strategies import fuzz, garbage, mutated

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
NAME = "ledger.millbrook.example"
VERIFIER_KEY = note.verifier_key(NAME, KEY)
VERIFIER = note.Verifier.parse(VERIFIER_KEY)
ROOT = base64.b64encode(bytes(32)).decode()
CHECKPOINTS = [f"{NAME}\n{size}\n{ROOT}\n" for size in (0, 1, 12345)]
SIGNED = [note.sign(text, NAME, KEY) for text in CHECKPOINTS]


@fuzz()
@given(text=st.one_of(mutated([VERIFIER_KEY], fragments=["+", "=", "\n", "01"]), garbage(80)))
def test_a_verifier_key_parses_or_raises_note_error(text: str) -> None:
    try:
        verifier = note.Verifier.parse(text)
    except note.NoteError:
        return
    assert verifier.name


@fuzz()
@example(text=SIGNED[0].replace("\u2014 ledger.millbrook.example ", "\u2014 x \u00a0"))
@given(text=st.one_of(mutated(SIGNED, fragments=["\n\n", "— ", "\u2014 x AAAA\n"]), garbage()))
def test_a_note_opens_or_raises_note_error(text: str) -> None:
    with contextlib.suppress(note.NoteError):  # was ValueError from base64 on "\u00a0"
        note.open_checkpoint(text, VERIFIER, origin=NAME)


@fuzz()
@example(text=f"{NAME}\n\u00b2\n{ROOT}\n")  # "²".isdigit() is True, int("²") fails
@given(text=mutated(CHECKPOINTS, fragments=["\n", "0", "-1", "1e3", "\u0661", ROOT]))
def test_a_properly_signed_checkpoint_of_any_text_opens_or_raises_note_error(text: str) -> None:
    if not text.endswith("\n") or any(ord(c) < 0x20 and c != "\n" for c in text):
        return  # such a text cannot be signed as a note
    signed = note.sign(text, NAME, KEY)
    try:
        checkpoint = note.open_checkpoint(signed, VERIFIER, origin=NAME)
    except note.NoteError:
        return
    assert checkpoint.size >= 0 and len(checkpoint.root) == 32


TILE_PATHS = [
    "tile/0/000", "tile/1/x001/234", "tile/0/000.p/5", "tile/entries/000", "tile/2/x123/456.p/7",
    "tile/entries/x001/000.p/255", "tile/63/000",
]  # fmt: skip


@fuzz()
@given(path=st.one_of(mutated(TILE_PATHS, fragments=["/", "x", ".p/", "000", "-1"]), garbage(40)))
def test_a_tile_path_parses_to_an_address_or_none(path: str) -> None:
    address = tiles.parse_path(path)
    if address is not None:
        assert address.number >= 0 and 0 < address.width <= tiles.TILE_WIDTH


@fuzz()
@given(data=st.one_of(st.binary(max_size=300), st.lists(st.binary(max_size=40)).map(tiles.bundle)))
def test_an_entry_bundle_unbundles_or_raises_value_error(data: bytes) -> None:
    with contextlib.suppress(ValueError):
        tiles.unbundle(data)


@fuzz(share=0.3)
@given(
    path=st.one_of(mutated(TILE_PATHS), garbage(40)), query=st.dictionaries(garbage(5), garbage(10))
)
def test_any_ledger_read_is_answered_below_500(db: None, path: str, query: dict[str, str]) -> None:
    path = "".join(char for char in path if char.isprintable()).replace("%", "%25")
    path = path.replace("?", "%3F").replace("#", "%23")
    client = Client()
    for url in (f"/ledger/{path}", "/ledger/checkpoint", "/ledger/proof/0", "/ledger/proof/99"):
        response = client.get(url, query)
        assert response.status_code < 500, (url, response.content[:200])
