"""C2SP signed notes with Ed25519 signatures, and the tlog-checkpoint note they carry. No
Django here.

    <origin>\\n<tree size>\\n<base64 root hash>\\n\\n— <key name> <base64(key id || signature)>\\n

A verifier key is written as Go's `note` package writes it, `<name>+<key id hex>+<base64(0x01
|| public key)>`, so the same string works with Go's sumdb tooling.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = [
    "Checkpoint",
    "NoteError",
    "Verifier",
    "checkpoint_text",
    "open_checkpoint",
    "sign",
    "verifier_key",
]

ED25519 = b"\x01"
EM_DASH = "\u2014"


class NoteError(ValueError):
    """A note that is malformed, or not signed by the key it must be."""


def _public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")


def verifier_key(name: str, key: Ed25519PrivateKey) -> str:
    _check_name(name)
    public = _public_bytes(key.public_key())
    encoded = base64.b64encode(ED25519 + public).decode()
    return f"{name}+{key_id(name, public).hex()}+{encoded}"


@dataclass(frozen=True)
class Verifier:
    name: str
    id: bytes
    key: Ed25519PublicKey

    @classmethod
    def parse(cls, text: str) -> Verifier:
        parts = text.strip().split("+", 2)  # the name has no '+'; base64 may
        if len(parts) != 3:
            raise NoteError("a verifier key is <name>+<key id>+<base64 key>")
        name, hex_id, encoded = parts
        try:
            raw = base64.b64decode(encoded, validate=True)
            given_id = bytes.fromhex(hex_id)
        except (binascii.Error, ValueError):
            raise NoteError("the verifier key is not hex and base64 as it should be") from None
        if len(raw) != 33 or raw[:1] != ED25519:
            raise NoteError("only Ed25519 verifier keys are supported")
        if given_id != key_id(name, raw[1:]):
            raise NoteError("the verifier key's id does not match its name and key")
        return cls(name, given_id, Ed25519PublicKey.from_public_bytes(raw[1:]))


def sign(text: str, name: str, key: Ed25519PrivateKey) -> str:
    """`text` (ending in a newline) as a signed note with one signature."""
    _check_name(name)
    if not text.endswith("\n"):
        raise NoteError("a note's text ends with a newline")
    signature = key.sign(text.encode())
    stamp = key_id(name, _public_bytes(key.public_key())) + signature
    return f"{text}\n{EM_DASH} {name} {base64.b64encode(stamp).decode()}\n"


def open_note(note: str, verifier: Verifier) -> str:
    """The text of `note`, once a signature by `verifier` checks out; NoteError otherwise."""
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise NoteError("a note may not hold control characters")
    text, separator, signatures = note.rpartition("\n\n")
    if not separator or not signatures.endswith("\n"):
        raise NoteError("a note is its text, a blank line, then its signature lines")
    text += "\n"
    verified = False
    for line in signatures[:-1].split("\n"):
        dash, _, rest = line.partition(" ")
        name, _, encoded = rest.partition(" ")
        if dash != EM_DASH or not name or not encoded:
            raise NoteError(f"malformed signature line {line!r}")
        try:
            stamp = base64.b64decode(encoded, validate=True)
        except ValueError:  # binascii.Error, or a character outside ASCII
            raise NoteError(f"signature by {name} is not base64") from None
        if name != verifier.name or stamp[:4] != verifier.id:
            continue  # someone else's signature (a witness, say): not ours to judge
        try:
            verifier.key.verify(stamp[4:], text.encode())
        except InvalidSignature:
            raise NoteError(f"the signature by {name} does not verify") from None
        verified = True
    if not verified:
        raise NoteError(f"the note carries no signature by {verifier.name}")
    return text


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes


def checkpoint_text(checkpoint: Checkpoint) -> str:
    return f"{checkpoint.origin}\n{checkpoint.size}\n{base64.b64encode(checkpoint.root).decode()}\n"


def open_checkpoint(note: str, verifier: Verifier, origin: str | None = None) -> Checkpoint:
    """The checkpoint a signed note carries, after checking its signature and origin."""
    lines = open_note(note, verifier).split("\n")[:-1]
    if len(lines) < 3 or not all(lines):
        raise NoteError("a checkpoint has an origin, a tree size and a root hash")
    name, size, root = lines[:3]
    if origin is not None and name != origin:
        raise NoteError(f"the checkpoint is for {name!r}, not {origin!r}")
    if not (size.isascii() and size.isdigit()) or (size != "0" and size.startswith("0")):
        raise NoteError(f"tree size {size!r} is not a decimal number")
    try:
        digest = base64.b64decode(root, validate=True)
    except ValueError:  # binascii.Error, or a character outside ASCII
        raise NoteError("the root hash is not base64") from None
    if len(digest) != 32:
        raise NoteError("the root hash is not 32 bytes")
    return Checkpoint(name, int(size), digest)
