"""Finding services: BM25 over the catalogue's words, embeddings when the model is installed,
and a confidence that is low when nothing in the catalogue fits."""

from __future__ import annotations

import numpy as np

from publica.assistant import retrieval

POTHOLE = retrieval.Document(
    "pothole",
    "Report a pothole",
    summary="Tell us about a pothole or a damaged road surface so we can repair it.",
    keywords=("pothole", "road", "hole", "tarmac"),
    synonyms=("crater", "broken road"),
)
GRAFFITI = retrieval.Document(
    "graffiti",
    "Report graffiti",
    summary="Tell us about graffiti or fly-posting on a wall, bridge or public building.",
    keywords=("graffiti", "tagging", "spray paint"),
    synonyms=("vandalism", "fly-posting"),
)
PARKING = retrieval.Document(
    "parking-permit",
    "Apply for a resident parking permit",
    summary="Park in your street's permit zone.",
    description="A permit costs **60.00** a year. You must live in the zone.",
    keywords=("parking", "permit", "car", "vehicle"),
    synonyms=("parking pass", "residents parking"),
)
STREET_PARTY = retrieval.Document(
    "street-event",
    "Apply to close a road for a street party or event",
    summary="Close your road for a street party, fair or community event.",
    keywords=("street party", "road closure", "event"),
    synonyms=("block party", "close our road"),
)
DOCUMENTS = [POTHOLE, GRAFFITI, PARKING, STREET_PARTY]


def test_the_service_whose_words_the_question_uses_comes_first():
    ranking = retrieval.Index(DOCUMENTS).search("where do I report graffiti on a bridge")
    assert ranking.best is not None and ranking.best.slug == "graffiti"
    assert ranking.dense is False


def test_at_most_three_services_come_back_best_first():
    ranking = retrieval.Index(DOCUMENTS).search("road")
    assert 1 <= len(ranking.matches) <= 3
    scores = [match.score for match in ranking.matches]
    assert scores == sorted(scores, reverse=True)


def test_a_misspelt_question_still_finds_its_service():
    ranking = retrieval.Index(DOCUMENTS).search("some1 has sprayed grafitti on the wal")
    assert ranking.best is not None and ranking.best.slug == "graffiti"


def test_a_question_in_the_catalogues_words_is_confident():
    ranking = retrieval.Index(DOCUMENTS).search("resident parking permit for my car")
    assert ranking.best is not None and ranking.best.slug == "parking-permit"
    assert ranking.confidence > 0.5


def test_a_question_about_nothing_in_the_catalogue_has_low_confidence():
    index = retrieval.Index(DOCUMENTS)
    assert index.search("what time does the library open on saturday").confidence < 0.2
    assert index.search("need to renew my passport").matches == []


def test_confidences_are_probabilities_that_fall_with_rank():
    ranking = retrieval.Index(DOCUMENTS).search("close the road for a party")
    confidences = [match.confidence for match in ranking.matches]
    assert all(0 <= c <= 1 for c in confidences)
    assert confidences == sorted(confidences, reverse=True)


def test_an_empty_catalogue_or_question_finds_nothing():
    assert retrieval.Index([]).search("pothole").matches == []
    assert retrieval.Index(DOCUMENTS).search("   ").matches == []


def test_passages_are_short_texts_of_the_service_file():
    passages = PARKING.passages()
    assert "Apply for a resident parking permit" in passages
    assert "A permit costs 60.00 a year." in passages  # Markdown emphasis removed
    assert "parking pass" in passages


def test_a_service_files_definition_becomes_a_document():
    found = retrieval.document("x", {"title": "T", "summary": "S", "keywords": ["k"]})
    assert (found.slug, found.title, found.summary, found.keywords, found.synonyms) == (
        "x", "T", "S", ("k",), (),
    )  # fmt: skip


# With the real MiniLM model (skipped without the `assistant` extra, except in CI).


def test_embeddings_find_a_service_described_in_other_words(minilm):
    index = retrieval.Index(DOCUMENTS, encoder=minilm)
    ranking = index.search("there's a massive gap in the tarmac outside number 12")
    assert ranking.dense is True
    assert ranking.best is not None and ranking.best.slug == "pothole"
    ranking = index.search("someone has scrawled tags all over the underpass")
    assert ranking.best is not None and ranking.best.slug == "graffiti"


def test_precomputed_passage_vectors_give_the_same_ranking(minilm):
    vectors = minilm.encode(retrieval.Index(DOCUMENTS).passages())
    assert vectors.shape[1] == 384
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    fresh = retrieval.Index(DOCUMENTS, encoder=minilm).search("can we shut our street for a party")
    reused = retrieval.Index(DOCUMENTS, encoder=minilm, passage_vectors=vectors).search(
        "can we shut our street for a party"
    )
    assert [m.slug for m in fresh.matches] == [m.slug for m in reused.matches]
    assert fresh.best is not None and fresh.best.slug == "street-event"


def test_with_embeddings_an_unrelated_question_still_has_low_confidence(minilm):
    index = retrieval.Index(DOCUMENTS, encoder=minilm)
    assert index.search("is it going to rain tomorrow").confidence < 0.3
