"""Finding the services a question is about: BM25 over the catalogue's words, plus sentence
embeddings when the model is installed, fused into one ranking with a confidence. No Django.

BM25 rewards the catalogue's own words (and their misspellings, put right by the speller);
embeddings find services described in other words ("a massive hole outside number 12" is a
pothole). Each service is one BM25 document whose title, keywords and synonyms count more
than its prose, and many short passages for the embeddings, of which the closest speaks for
the service.

The confidence is the probability-like weight of the best service: how far its fused score
stands above the others (a softmax), times how strong the evidence is at all (the closest
passage's similarity, or for BM25 alone the share of the question's words the service has).
A question about something the catalogue does not cover scores low on the second, however
the services compare with each other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import bm25s
import numpy as np

from publica.assistant import text

__all__ = ["Document", "Encoder", "Index", "Match", "Ranking", "document"]

#: How many times each field is repeated in a service's BM25 document: its weight.
FIELD_WEIGHTS = {"title": 3, "keywords": 2, "synonyms": 2, "summary": 1, "description": 1}
#: Share of the fused score from the embeddings when they are present.
DENSE_SHARE = 0.6
#: Softmax temperature over fused scores: lower means a small lead gives more confidence.
TEMPERATURE = 0.08
#: Where the evidence gates sit: a passage similarity (embeddings) and a share of the
#: question's words found in the service (BM25 alone) that mean "about even".
DENSE_MIDPOINT, DENSE_SLOPE = 0.45, 14.0
COVERAGE_MIDPOINT, COVERAGE_SLOPE = 0.35, 9.0
#: How much the BM25 match adds to a passage similarity when judging the evidence.
LEXICAL_SUPPORT = 0.25
TOP = 3


@dataclass(frozen=True)
class Document:
    """The words of one service that questions are matched against."""

    slug: str
    title: str
    summary: str = ""
    description: str = ""
    keywords: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()

    def passages(self) -> list[str]:
        """Short texts, each embedded on its own: one close passage is enough to match."""
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", _plain(self.description)) if s]
        return [
            self.title,
            f"{self.title}. {self.summary}",
            *self.keywords,
            *self.synonyms,
            *sentences,
        ]

    def bm25_tokens(self) -> list[str]:
        texts = {
            "title": self.title,
            "keywords": " ".join(self.keywords),
            "synonyms": " ".join(self.synonyms),
            "summary": self.summary,
            "description": _plain(self.description),
        }
        return [
            token
            for name, weight in FIELD_WEIGHTS.items()
            for token in text.tokens(texts[name]) * weight
        ]

    def vocabulary(self) -> set[str]:
        joined = " ".join([self.title, self.summary, self.description, *self.keywords,
                           *self.synonyms])  # fmt: skip
        return set(text.words(joined))


def document(slug: str, definition: dict[str, Any]) -> Document:
    """The Document of a service file's definition."""
    return Document(
        slug=slug,
        title=str(definition.get("title", "")),
        summary=str(definition.get("summary", "")),
        description=str(definition.get("description", "")),
        keywords=tuple(definition.get("keywords", ()) or ()),
        synonyms=tuple(definition.get("synonyms", ()) or ()),
    )


class Encoder(Protocol):
    """Turns texts into unit-length vectors (one row each)."""

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Match:
    slug: str
    score: float
    confidence: float


@dataclass(frozen=True)
class Ranking:
    """The best services for one question, best first, and how they were found."""

    matches: list[Match]
    dense: bool
    tokens: list[str] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        return self.matches[0].confidence if self.matches else 0.0

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None


class Index:
    """The catalogue, ready to be asked: build one per catalogue version, then `search`.

    `passage_vectors` are the encoder's vectors of every document's passages, in order; give
    them when they were computed before (they are the slow part), or they are computed here.
    """

    def __init__(
        self,
        documents: Sequence[Document],
        *,
        encoder: Encoder | None = None,
        passage_vectors: np.ndarray | None = None,
    ) -> None:
        self.documents = list(documents)
        self.speller = text.Speller(w for d in self.documents for w in d.vocabulary())
        corpus = [d.bm25_tokens() or ["-"] for d in self.documents]
        self._token_sets = [set(tokens) for tokens in corpus]
        self._bm25 = bm25s.BM25()
        if self.documents:
            self._bm25.index(corpus, show_progress=False)
        self.encoder = encoder
        self._owners: np.ndarray = np.zeros(0, dtype=int)
        self._vectors: np.ndarray | None = None
        if encoder is not None and self.documents:
            owners = [i for i, d in enumerate(self.documents) for _ in d.passages()]
            self._owners = np.array(owners, dtype=int)
            if passage_vectors is None:
                passage_vectors = encoder.encode(self.passages())
            self._vectors = np.asarray(passage_vectors, dtype=np.float32)

    def passages(self) -> list[str]:
        return [p for d in self.documents for p in d.passages()]

    def search(self, question: str, *, top: int = TOP) -> Ranking:
        """The `top` services for `question`, best first, each with its confidence."""
        asked = self.speller.tokens(question)
        if not self.documents or not question.strip():
            return Ranking([], dense=False, tokens=asked)
        lexical = self._lexical(asked)
        coverage = self._coverage(asked)
        dense = self._dense(question)
        if dense is None:
            fused = lexical * coverage
            evidence = _sigmoid(COVERAGE_SLOPE * (coverage - COVERAGE_MIDPOINT))
        else:
            fused = DENSE_SHARE * dense + (1 - DENSE_SHARE) * lexical * coverage
            # Shared words add to the similarity, but alone (no similar passage) they are
            # weak evidence: "open on saturday" shares words with many services.
            strength = dense + LEXICAL_SUPPORT * lexical * coverage
            evidence = _sigmoid(DENSE_SLOPE * (strength - DENSE_MIDPOINT))
        weights = np.exp((fused - fused.max()) / TEMPERATURE)
        share = weights / weights.sum()
        confidence = share * evidence
        order = np.lexsort((-fused, -confidence))[:top]  # by confidence, then fused score
        matches = [
            Match(self.documents[i].slug, round(float(fused[i]), 4), round(float(confidence[i]), 4))
            for i in order
            if fused[i] > 0
        ]
        return Ranking(matches, dense=dense is not None, tokens=asked)

    def _lexical(self, asked: list[str]) -> np.ndarray:
        """BM25 scores scaled to 0..1 by the best, so that they add to similarities."""
        known = [t for t in asked if t in self._bm25.vocab_dict]
        if not known:
            return np.zeros(len(self.documents))
        scores = np.asarray(self._bm25.get_scores(known), dtype=float)
        best = scores.max(initial=0.0)
        return scores / best if best > 0 else scores

    def _coverage(self, asked: list[str]) -> np.ndarray:
        """The share of the question's words each service has: 1.0 when it has them all."""
        if not asked:
            return np.zeros(len(self.documents))
        return np.array([sum(t in found for t in asked) / len(asked) for found in
                         self._token_sets])  # fmt: skip

    def _dense(self, question: str) -> np.ndarray | None:
        """Each service's best passage similarity to the question, or None without a model."""
        if self.encoder is None or self._vectors is None or not len(self._vectors):
            return None
        asked = np.asarray(self.encoder.encode([question]), dtype=np.float32)[0]
        similarity = self._vectors @ asked
        best = np.full(len(self.documents), -1.0)
        np.maximum.at(best, self._owners, similarity)
        return best


def _sigmoid(x: np.ndarray | float) -> Any:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def _plain(markdown: str) -> str:
    """Markdown as plain sentences: no emphasis marks, links or line breaks."""
    plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    plain = re.sub(r"[*_`#>]+", "", plain)
    return re.sub(r"\s+", " ", plain).strip()


def documents(items: Iterable[tuple[str, dict[str, Any]]]) -> list[Document]:
    return [document(slug, definition) for slug, definition in items]
