"""Residents' words: normalising, stemming, spelling slips, and removing personal details."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from publica.assistant import text


def test_normalising_folds_case_accents_and_apostrophes():
    assert text.normalise("Don\u2019t CAFÉ isn't") == "dont cafe isnt"


def test_tokens_drop_the_ways_people_ask_and_keep_what_they_ask_about():
    assert text.tokens("How do I get my bins collected?") == ["bin", "collect"]


def test_word_endings_meet_at_one_stem():
    assert text.tokens("collection")[0] == text.tokens("collected")[0]
    assert text.tokens("potholes") == text.tokens("pothole")


def test_a_misspelt_word_is_put_right_by_the_catalogues_words():
    speller = text.Speller(["graffiti", "pothole", "streetlight", "licence"])
    assert speller.tokens("grafitti on the wall") == [text.stem("graffiti"), "wall"]
    assert speller.correct("pothol") == text.stem("pothole")
    assert speller.correct("streetlihgt") == text.stem("streetlight")


def test_a_word_far_from_every_catalogue_word_is_left_alone():
    speller = text.Speller(["graffiti", "pothole", "parking"])
    assert speller.correct("passport") == text.stem("passport")
    assert speller.correct("bin") == "bin"  # too short to guess at


def test_emails_and_phone_numbers_are_removed():
    scrubbed = text.scrub("Email me at jo.bloggs+help@example.org or call 07700 900123 please")
    assert scrubbed == "Email me at [email] or call [phone] please"
    assert text.scrub("ring (01632) 960-000") == "ring [phone]"
    assert text.scrub("+44 7700 900 123") == "[phone]"


def test_house_numbers_dates_and_case_references_are_not_phone_numbers():
    kept = "outside number 12 since 2026-11-21 about PTH-2026-000123"
    assert text.scrub(kept) == kept


def test_names_are_removed_with_the_words_that_introduced_them():
    assert text.scrub("My name is Jo Bloggs and the bin was missed") == (
        "My name is [name] and the bin was missed"
    )
    assert text.scrub("Mrs Okafor at number 4 has a fallen tree") == (
        "[name] at number 4 has a fallen tree"
    )
    assert text.scrub("my neighbour Gary keeps playing loud music") == (
        "my neighbour [name] keeps playing loud music"
    )
    assert text.scrub("the drain is blocked again. Thanks, Sam Patel") == (
        "the drain is blocked again. Thanks, [name]"
    )


def test_ordinary_questions_pass_through_unchanged():
    question = "can I close our road on Larkspur Avenue for a street party in June?"
    assert text.scrub(question) == question


@given(st.text(max_size=200))
def test_scrubbing_never_fails_and_leaves_no_email(question):
    scrubbed = text.scrub(question + " someone@example.org")
    assert "someone@example.org" not in scrubbed
