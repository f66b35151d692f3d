"""The keyring on its own: AES-256-GCM values bound to their column, keyed hashes."""

import base64

import pytest

from publica.core.fieldcrypt import Keyring, KeyringError, Undecryptable, key_id_of, new_key


def ring(current: str = "k1", **extra: bytes) -> Keyring:
    keys = {"k1": b"\x01" * 32, **extra}
    return Keyring(keys, current, b"\x02" * 32)


def test_a_value_opens_only_in_its_own_column_and_names_its_key() -> None:
    stored = ring().encrypt(b"anna@example.org", "cases.case.contact_email")
    assert stored.startswith("enc1:k1:") and b"anna" not in stored.encode()
    assert ring().decrypt(stored, "cases.case.contact_email") == b"anna@example.org"
    assert key_id_of(stored) == "k1" and key_id_of("plain text") is None
    with pytest.raises(Undecryptable, match="not a value of this column"):
        ring().decrypt(stored, "cases.case.contact_name")


def test_the_same_value_encrypts_differently_each_time() -> None:
    keyring = ring()
    assert keyring.encrypt(b"x", "c") != keyring.encrypt(b"x", "c")


def test_an_altered_value_or_a_missing_key_is_refused() -> None:
    stored = ring().encrypt(b"secret", "c")
    prefix, body = stored.rsplit(":", 1)
    raw = bytearray(base64.b64decode(body))
    raw[-1] ^= 1
    flipped = f"{prefix}:{base64.b64encode(bytes(raw)).decode()}"
    with pytest.raises(Undecryptable):
        ring().decrypt(flipped, "c")
    newer = ring("k2", k2=b"\x03" * 32)
    moved_on = Keyring({"k2": b"\x03" * 32}, "k2", b"\x02" * 32)
    with pytest.raises(Undecryptable, match="k1"):
        moved_on.decrypt(stored, "c")
    assert newer.decrypt(stored, "c") == b"secret"  # an old key still reads
    assert key_id_of(newer.encrypt(b"secret", "c")) == "k2"  # the current one writes


def test_keyed_hashes_find_equal_values_whatever_their_case_accents_or_spacing() -> None:
    keyring = ring()
    assert keyring.blind("Zoë  Example@Example.org ", "e") == keyring.blind(
        "zoe example@example.org", "e"
    )
    assert keyring.blind("a@example.org", "e") != keyring.blind("b@example.org", "e")
    assert keyring.blind("a@example.org", "e") != keyring.blind("a@example.org", "other")
    assert keyring.blind("", "e") == ""
    other_key = Keyring({"k1": b"\x01" * 32}, "k1", b"\x09" * 32)
    assert other_key.blind("a@example.org", "e") != keyring.blind("a@example.org", "e")


def test_words_are_hashed_one_by_one_for_whole_word_search() -> None:
    keyring = ring()
    words = keyring.blind_words(["Mill Wheel Lane", "mill"], "w")
    assert len(words.split()) == 3 and words.startswith(" ") and words.endswith(" ")
    for word in ("MILL", "wheel", "lane"):
        assert f" {keyring.blind(word, 'w')[:16]} " in words
    assert keyring.blind_words([""], "w") == ""


def test_keys_from_settings_are_checked() -> None:
    good = base64.b64encode(new_key()).decode()
    parsed = Keyring.parse(f"k2:{good}, k1:{good}", good)
    assert parsed.current == "k2" and set(parsed.keys) == {"k1", "k2"}
    with pytest.raises(KeyringError, match="base64"):
        Keyring.parse("k1:not-base64!", good)
    with pytest.raises(KeyringError, match="32 bytes"):
        Keyring.parse(f"k1:{base64.b64encode(b'short').decode()}", good)
    with pytest.raises(KeyringError, match="no field keys"):
        Keyring.parse("", good)
