"""A backup's encryption: what goes in comes out, and any chunk moved, lost, cut, added or
altered (or the header edited, or the wrong key) is refused before a byte of it is used."""

from __future__ import annotations

import io
import os

import pytest

from publica.core.backup_stream import (
    TAG,
    BackupError,
    DamagedBackup,
    DecryptingReader,
    EncryptingWriter,
    NotABackup,
    WrongKey,
    key_id,
    new_key,
    parse_key,
)

KEY = bytes(range(32))
CHUNK = 64


def encrypt(plain: bytes, key: bytes = KEY, chunk: int = CHUNK) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, key, chunk=chunk)
    for start in range(0, len(plain), 10):  # written in pieces that straddle chunks
        writer.write(plain[start : start + 10])
    writer.finish()
    return out.getvalue()


def decrypt(sealed: bytes, key: bytes = KEY) -> bytes:
    reader = DecryptingReader(io.BytesIO(sealed), key)
    parts = []
    while piece := reader.read(7):
        parts.append(piece)
    assert reader.complete
    return b"".join(parts)


def split(sealed: bytes) -> tuple[bytes, list[bytes]]:
    header, rest = sealed.split(b"\n", 1)
    size = CHUNK + TAG
    return header + b"\n", [rest[i : i + size] for i in range(0, len(rest), size)]


@pytest.mark.parametrize("length", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK, 5 * CHUNK + 3])
def test_what_is_encrypted_decrypts_whole_whatever_its_length(length):
    plain = os.urandom(length)
    sealed = encrypt(plain)
    assert decrypt(sealed) == plain
    assert length < 16 or plain[:16] not in sealed


def test_the_header_names_the_format_and_the_key_but_not_the_key_itself():
    header = encrypt(b"x").split(b"\n", 1)[0].decode()
    assert header.startswith("publica-backup 1 aes-256-gcm-stream ")
    assert f"key={key_id(KEY)}" in header and KEY.hex() not in header


def test_two_backups_of_the_same_bytes_differ():
    assert encrypt(b"same" * 50) != encrypt(b"same" * 50)


def test_a_flipped_bit_anywhere_in_the_chunks_fails():
    sealed = bytearray(encrypt(os.urandom(3 * CHUNK)))
    start = len(split(bytes(sealed))[0])
    for position in (start, start + CHUNK + 5, len(sealed) - 1):
        damaged = bytearray(sealed)
        damaged[position] ^= 0x01
        with pytest.raises(DamagedBackup, match="fails authentication"):
            decrypt(bytes(damaged))


def test_an_edited_header_fails_even_when_it_still_parses():
    sealed = encrypt(os.urandom(2 * CHUNK))
    header, chunks = split(sealed)
    salt = header.split(b"salt=")[1][:64]
    other = header.replace(salt, (b"0" if salt[:1] != b"0" else b"1") + salt[1:])
    with pytest.raises(DamagedBackup):
        decrypt(other + b"".join(chunks))


def test_swapped_chunks_fail():
    header, chunks = split(encrypt(os.urandom(4 * CHUNK)))
    chunks[0], chunks[1] = chunks[1], chunks[0]
    with pytest.raises(DamagedBackup, match="chunk 0"):
        decrypt(header + b"".join(chunks))


def test_a_dropped_chunk_in_the_middle_fails():
    header, chunks = split(encrypt(os.urandom(4 * CHUNK)))
    del chunks[1]
    with pytest.raises(DamagedBackup, match="chunk 1"):
        decrypt(header + b"".join(chunks))


def test_a_backup_cut_at_a_chunk_boundary_is_called_truncated():
    header, chunks = split(encrypt(os.urandom(4 * CHUNK)))
    with pytest.raises(DamagedBackup, match="ends early"):
        decrypt(header + b"".join(chunks[:2]))


def test_a_backup_cut_inside_a_chunk_fails():
    sealed = encrypt(os.urandom(4 * CHUNK))
    with pytest.raises(DamagedBackup):
        decrypt(sealed[:-30])


def test_a_backup_cut_down_to_its_header_is_called_truncated():
    header, _ = split(encrypt(os.urandom(4 * CHUNK)))
    with pytest.raises(DamagedBackup, match="ends early"):
        decrypt(header)


def test_bytes_added_after_the_last_chunk_fail():
    sealed = encrypt(os.urandom(2 * CHUNK + 10))
    with pytest.raises(DamagedBackup):
        decrypt(sealed + b"more")


def test_the_last_chunk_of_another_backup_with_the_same_key_does_not_fit():
    first_header, first = split(encrypt(os.urandom(2 * CHUNK)))
    _, second = split(encrypt(os.urandom(2 * CHUNK)))
    with pytest.raises(DamagedBackup):
        decrypt(first_header + first[0] + second[-1])


def test_the_wrong_key_is_named_before_anything_is_decrypted():
    other = os.urandom(32)
    with pytest.raises(WrongKey, match=f"key {key_id(KEY)}.*key {key_id(other)}"):
        decrypt(encrypt(b"secret"), key=other)


def test_a_file_that_is_not_a_backup_says_so():
    with pytest.raises(NotABackup, match="not a Publica backup"):
        decrypt(b"PK\x03\x04 a zip file")
    with pytest.raises(NotABackup, match="format 2"):
        decrypt(encrypt(b"x").replace(b"publica-backup 1 ", b"publica-backup 2 ", 1))


def test_keys_are_32_random_bytes_in_base64_and_anything_else_says_how_to_make_one():
    assert len(parse_key(new_key())) == 32 and new_key() != new_key()
    for bad in ("", "   ", "not base64!", "c2hvcnQ="):
        with pytest.raises(BackupError, match="publica backup key"):
            parse_key(bad)
