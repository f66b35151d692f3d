"""Find services from the words residents use ("park my car" → parking permit). Pure.

A small weighted word match over title, keywords, synonyms and summary, forgiving of word
endings ("park" finds "parking"). The assistant app replaces it with hybrid BM25 + embeddings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Entry", "rank", "words"]

_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "at",
        "be",
        "by",
        "can",
        "do",
        "for",
        "from",
        "get",
        "have",
        "how",
        "i",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "out",
        "the",
        "there",
        "to",
        "up",
        "we",
        "what",
        "where",
        "who",
        "with",
        "you",
        "your",
    ]
)
_WEIGHTS = {"title": 3.0, "keywords": 2.5, "synonyms": 2.5, "summary": 1.0, "description": 0.5}


@dataclass(frozen=True)
class Entry:
    slug: str
    fields: dict[str, str]


def words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP]


def entry(slug: str, definition: dict[str, Any]) -> Entry:
    return Entry(
        slug,
        {
            "title": definition.get("title", ""),
            "keywords": " ".join(definition.get("keywords", [])),
            "synonyms": " ".join(definition.get("synonyms", [])),
            "summary": definition.get("summary", ""),
            "description": definition.get("description", ""),
        },
    )


def rank(query: str, entries: Iterable[Entry]) -> list[tuple[str, float]]:
    """Slugs that match at least one word of `query`, best first, with their scores."""
    asked = set(words(query))
    if not asked:
        return []
    scored = []
    for item in entries:
        score = 0.0
        for field, weight in _WEIGHTS.items():
            present = set(words(item.fields.get(field, "")))
            score += weight * sum(1 for word in asked if _matches(word, present))
        if score:
            scored.append((item.slug, score))
    return sorted(scored, key=lambda pair: (-pair[1], pair[0]))


def _matches(word: str, present: set[str]) -> bool:
    if word in present:
        return True
    if len(word) < 3:
        return False
    return any(p.startswith(word) or (len(p) >= 4 and word.startswith(p)) for p in present)
