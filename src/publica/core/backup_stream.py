"""The encryption of a backup file: AES-256-GCM over fixed-size chunks, so files of any size
stream through in constant memory, and a chunk reordered, dropped, truncated, appended or
altered fails authentication. No Django here.

The file starts with one readable line naming the format, the key id, the chunk size and a
random salt, e.g. ``publica-backup 1 aes-256-gcm-stream key=1f2e3d4c5b6a7988 chunk=1048576
salt=<64 hex>``. Then come the chunks: each is its plaintext (exactly `chunk` bytes, except the
last, which may be shorter or empty) encrypted and followed by its 16-byte tag. As in the STREAM
construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015; used by age and Tink), each chunk's
nonce is its number and a flag saying whether it is the last one, under a key derived from the
backup key and the file's salt (HKDF-SHA256), and the header line is every chunk's associated
data: a chunk in another place, a missing last chunk, or an edited header all fail.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "BackupError",
    "DamagedBackup",
    "DecryptingReader",
    "EncryptingWriter",
    "NotABackup",
    "WrongKey",
    "key_id",
    "new_key",
    "parse_key",
]

FORMAT = b"publica-backup"
VERSION = 1
CHUNK = 1024 * 1024
TAG = 16
_HEADER = re.compile(
    rb"publica-backup (?P<version>\d+) aes-256-gcm-stream key=(?P<key>[0-9a-f]{16}) "
    rb"chunk=(?P<chunk>\d+) salt=(?P<salt>[0-9a-f]{64})\n"
)
_MAX_HEADER = 256
_MAX_CHUNK = 64 * 1024 * 1024
_MAKE_ONE = "make one with `publica backup key` and set PUBLICA_BACKUP_KEY to it"


class BackupError(Exception):
    """A backup cannot be made, read or restored; the message says why and what to do."""


class NotABackup(BackupError):
    pass


class WrongKey(BackupError):
    pass


class DamagedBackup(BackupError):
    pass


def new_key() -> str:
    """A fresh backup key: base64 of 32 random bytes."""
    return base64.b64encode(os.urandom(32)).decode()


def parse_key(value: str) -> bytes:
    """The 32 bytes of PUBLICA_BACKUP_KEY, or a BackupError saying how to make one."""
    if not value.strip():
        raise BackupError(f"PUBLICA_BACKUP_KEY is not set: {_MAKE_ONE}")
    try:
        key = base64.b64decode(value.strip(), validate=True)
    except binascii.Error:
        key = b""
    if len(key) != 32:
        raise BackupError(f"PUBLICA_BACKUP_KEY must be the base64 of 32 bytes: {_MAKE_ONE}")
    return key


def key_id(key: bytes) -> str:
    """Names the key in a backup's header without revealing anything about it."""
    return hashlib.sha256(b"publica-backup key id\n" + key).hexdigest()[:16]


def _chunk_cipher(key: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=b"publica-backup v1 chunks"
    ).derive(key)
    return AESGCM(derived)


def _nonce(number: int, last: bool) -> bytes:
    return number.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class EncryptingWriter:
    """A write-only file: what is written is encrypted, chunk by chunk, to `out`. Call
    `finish()` at the end, or the file has no last chunk and will not decrypt."""

    def __init__(self, out: BinaryIO, key: bytes, chunk: int = CHUNK) -> None:
        salt = os.urandom(32)
        self.header = (
            f"publica-backup {VERSION} aes-256-gcm-stream key={key_id(key)} "
            f"chunk={chunk} salt={salt.hex()}\n"
        ).encode()
        self._out, self._chunk, self._number = out, chunk, 0
        self._cipher = _chunk_cipher(key, salt)
        self._buffer = bytearray()
        out.write(self.header)

    def write(self, data: bytes) -> int:
        self._buffer += data
        # Keep at least one byte back: the last chunk must be sealed as the last one.
        while len(self._buffer) > self._chunk:
            self._seal(bytes(self._buffer[: self._chunk]), last=False)
            del self._buffer[: self._chunk]
        return len(data)

    def finish(self) -> None:
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _seal(self, plain: bytes, *, last: bool) -> None:
        self._out.write(self._cipher.encrypt(_nonce(self._number, last), plain, self.header))
        self._number += 1


def read_header(source: BinaryIO, key: bytes) -> tuple[bytes, int, bytes]:
    """The header line, chunk size and salt; NotABackup or WrongKey when they say so."""
    line = source.readline(_MAX_HEADER)
    if not line.startswith(FORMAT + b" "):
        raise NotABackup("this is not a Publica backup (it does not start with 'publica-backup')")
    match = _HEADER.fullmatch(line)
    if match is None:
        raise NotABackup(f"unknown backup format: {line[:80]!r}")
    if int(match["version"]) != VERSION:
        raise NotABackup(
            f"backup format {int(match['version'])} is not one this Publica reads "
            f"(it reads format {VERSION}): restore it with the Publica version that made it"
        )
    chunk = int(match["chunk"])
    if not 0 < chunk <= _MAX_CHUNK:
        raise NotABackup(f"unusable chunk size {chunk} in the header")
    if match["key"].decode() != key_id(key):
        raise WrongKey(
            f"this backup was encrypted with key {match['key'].decode()}, and "
            f"PUBLICA_BACKUP_KEY is key {key_id(key)}: set PUBLICA_BACKUP_KEY to the key "
            "the backup was made with"
        )
    return line, chunk, bytes.fromhex(match["salt"].decode())


class DecryptingReader:
    """A read-only file of a backup's plaintext; DamagedBackup as soon as a chunk fails."""

    def __init__(self, source: BinaryIO, key: bytes) -> None:
        self._source = source
        self._header, self._chunk, salt = read_header(source, key)
        self._cipher = _chunk_cipher(key, salt)
        self._number = 0
        self._plain = b""
        self._offset = 0
        self._done = False
        self._ahead = b""

    @property
    def complete(self) -> bool:
        """True once the last chunk has been read and authenticated."""
        return self._done and self._offset >= len(self._plain)

    def read(self, size: int = -1) -> bytes:
        parts: list[bytes] = []
        wanted = size if size >= 0 else None
        while wanted is None or wanted > 0:
            if self._offset >= len(self._plain) and (self._done or not self._open_next()):
                break
            end = len(self._plain) if wanted is None else self._offset + wanted
            piece = self._plain[self._offset : end]
            self._offset += len(piece)
            parts.append(piece)
            if wanted is not None:
                wanted -= len(piece)
        return b"".join(parts)

    def read_to_end(self) -> None:
        """Read (and authenticate) whatever is left."""
        while self.read(self._chunk):
            pass

    def _open_next(self) -> bool:
        sealed = self._ahead + self._read_exactly(self._chunk + TAG - len(self._ahead))
        self._ahead = self._source.read(1) if len(sealed) == self._chunk + TAG else b""
        last = not self._ahead
        if len(sealed) < TAG:
            raise DamagedBackup(
                f"the backup ends early, at chunk {self._number}: it is truncated or incomplete"
            )
        try:
            self._plain = self._cipher.decrypt(_nonce(self._number, last), sealed, self._header)
        except InvalidTag:
            raise DamagedBackup(self._what_failed(sealed, last)) from None
        self._offset = 0
        self._number += 1
        self._done = last
        return True

    def _what_failed(self, sealed: bytes, last: bool) -> str:
        start = len(self._header) + self._number * (self._chunk + TAG)
        where = f"chunk {self._number} (from byte {start})"
        if last:  # would it have opened as a chunk in the middle? Then the rest is missing.
            try:
                self._cipher.decrypt(_nonce(self._number, False), sealed, self._header)
            except InvalidTag:
                pass
            else:
                return f"the backup ends early, after {where}: it is truncated"
        return (
            f"{where} fails authentication: the file was altered, reordered or damaged "
            "(or its header was edited)"
        )

    def _read_exactly(self, size: int) -> bytes:
        parts, left = [], size
        while left > 0:
            piece = self._source.read(left)
            if not piece:
                break
            parts.append(piece)
            left -= len(piece)
        return b"".join(parts)
