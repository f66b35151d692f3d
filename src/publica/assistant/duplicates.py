"""Finding reports about the same problem: distance, text similarity and one score. No Django.

A report is compared with open reports of the same service, or of a related one, that lie
within the service's radius (50 m unless its service file says otherwise, see
docs/service-files.md, `duplicates`). Where both sides have coordinates the distance is the
haversine distance on a spherical Earth; where either has only an address (a resident
without JavaScript types one), the addresses must read alike instead. The words of the two
descriptions are compared with TF-IDF cosine over word and character n-grams, which
tolerates misspellings and different word endings. The score weighs closeness and words
equally; a report with no description counts as neither like nor unlike.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CLOSE_AS",
    "DEFAULT_RADIUS_M",
    "MIN_SCORE",
    "Match",
    "Report",
    "Rules",
    "find",
    "haversine_m",
    "related_services",
    "rules_for",
    "score",
    "text_similarity",
]

DEFAULT_RADIUS_M = 50.0
#: The workflow state a merged duplicate is closed in, unless the service file names another.
CLOSE_AS = "duplicate"
#: Below this a candidate is not shown: far off and unlike in words.
MIN_SCORE = 0.3
#: The similarity assumed when either report has no description.
UNKNOWN_TEXT = 0.25
#: Addresses count as the same place (when there are no coordinates) from this similarity.
SAME_ADDRESS = 0.6
#: A related service's report is a little less likely to be the same problem.
RELATED_WEIGHT = 0.85
EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG)
_HOUSE_NUMBER = re.compile(r"\b\d+[a-z]?\b")


@dataclass(frozen=True)
class Rules:
    """How one service looks for duplicates, from its service file's `duplicates` key."""

    enabled: bool = True
    radius_m: float = DEFAULT_RADIUS_M
    related: frozenset[str] = frozenset()
    close_as: str = CLOSE_AS


@dataclass(frozen=True)
class Report:
    """What the comparison needs of a report; `key` is whatever the caller identifies it by."""

    key: str
    service: str
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    text: str = ""

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class Match:
    key: str
    score: float
    distance_m: float | None  # None when compared by address
    similarity: float | None  # None when either report has no description


def rules_for(definition: Mapping[str, Any]) -> Rules:
    """The rules of a service definition; absent keys take the defaults (50 m, same service),
    and applications never look for duplicates."""
    given = definition.get("duplicates") or {}
    return Rules(
        enabled=definition.get("kind") == "report" and bool(given.get("enabled", True)),
        radius_m=float(given.get("radius_m", DEFAULT_RADIUS_M)),
        related=frozenset(given.get("related", ())),
        close_as=str(given.get("close_as", CLOSE_AS)),
    )


def related_services(slug: str, definitions: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """The service itself and every service related to it, in either direction: when one
    service file lists another, a report in either may duplicate one in the other."""
    found = {slug}
    own = definitions.get(slug)
    if own is not None:
        found |= set(rules_for(own).related)
    for other, definition in definitions.items():
        if slug in rules_for(definition).related:
            found.add(other)
    return {name for name in found if name in definitions}


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def text_similarity(query: str, others: Sequence[str]) -> list[float]:
    """Cosine similarity of `query` to each of `others`, from 0 (nothing shared) to 1.

    The mean of a word TF-IDF and a character n-gram TF-IDF over the texts' content words
    (English stop words left out), both fitted on these texts alone: the words carry the
    meaning, the character n-grams forgive "potholes"/"pot hole"/"pothoel".
    """
    import numpy as np  # here, not at the top: web processes that never compare stay light
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    if not others:
        return []
    texts = [_content_words(text) for text in (query, *others)]
    if not texts[0] or not any(texts[1:]):
        return [0.0] * len(others)
    scores = np.zeros(len(others))
    analysers = (
        {"analyzer": "word", "token_pattern": r"(?u)\b\w+\b"},
        {"analyzer": "char_wb", "ngram_range": (3, 5)},
    )
    for options in analysers:
        vectoriser = TfidfVectorizer(lowercase=False, sublinear_tf=True, **options)
        matrix = vectoriser.fit_transform(texts)
        scores += cosine_similarity(matrix[0], matrix[1:]).ravel()
    return [float(min(1.0, max(0.0, value / len(analysers)))) for value in scores]


def _content_words(text: str) -> str:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = re.findall(r"\w+", text.lower())
    return " ".join(word for word in words if word not in ENGLISH_STOP_WORDS)


def score(*, closeness: float, similarity: float | None, related: bool = False) -> float:
    """One number from 0 to 1: closeness (1 on the spot, 0 at the radius) and words, weighed
    equally; a report of a related service counts a little less than one of the same."""
    words = UNKNOWN_TEXT if similarity is None else similarity
    value = 0.5 * max(0.0, min(1.0, closeness)) + 0.5 * words
    return value * RELATED_WEIGHT if related else value


def find(
    query: Report,
    candidates: Iterable[Report],
    *,
    radius_m: float = DEFAULT_RADIUS_M,
    services: Iterable[str] | None = None,
    min_score: float = MIN_SCORE,
    limit: int | None = None,
) -> list[Match]:
    """The candidates that may be the same problem as `query`, best first.

    Only candidates of `services` (default: the query's own service) within `radius_m` are
    considered; the caller gives only open reports.
    """
    allowed = set(services) if services is not None else {query.service}
    near: list[tuple[Report, float, float | None]] = []
    for candidate in candidates:
        if candidate.key == query.key or candidate.service not in allowed:
            continue
        place = _closeness(query, candidate, radius_m)
        if place is not None:
            near.append((candidate, *place))
    if not near:
        return []
    described = [index for index, (c, _, _) in enumerate(near) if c.text.strip()]
    similarities: dict[int, float] = {}
    if query.text.strip() and described:
        found = text_similarity(query.text, [near[i][0].text for i in described])
        similarities = dict(zip(described, found, strict=True))
    matches = []
    for index, (candidate, closeness, distance) in enumerate(near):
        similarity = similarities.get(index)
        value = score(
            closeness=closeness,
            similarity=similarity,
            related=candidate.service != query.service,
        )
        if value >= min_score:
            matches.append(Match(candidate.key, round(value, 4), distance, similarity))
    matches.sort(key=lambda m: (-m.score, m.distance_m if m.distance_m is not None else 1e12))
    return matches[:limit] if limit is not None else matches


def _closeness(
    query: Report, candidate: Report, radius_m: float
) -> tuple[float, float | None] | None:
    """(closeness from 0 to 1, distance in metres or None), or None when not near."""
    if query.has_point and candidate.has_point:
        distance = haversine_m(
            query.latitude,  # type: ignore[arg-type]
            query.longitude,  # type: ignore[arg-type]
            candidate.latitude,  # type: ignore[arg-type]
            candidate.longitude,  # type: ignore[arg-type]
        )
        if distance > radius_m:
            return None
        return 1.0 - distance / radius_m, distance
    if query.address.strip() and candidate.address.strip():
        alike = _address_similarity(query.address, candidate.address)
        if alike < SAME_ADDRESS:
            return None
        return alike, None
    return None


def _address_similarity(one: str, other: str) -> float:
    """Character n-gram cosine of two addresses, so "12 Kiln Lane" and "12, Kiln lane,
    Millbrook" read alike; numbers matter, so "12 Kiln Lane" and "80 Kiln Lane" do less."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), lowercase=True)
    try:
        matrix = vectoriser.fit_transform([one, other])
    except ValueError:
        return 0.0
    alike = float(cosine_similarity(matrix[0], matrix[1])[0, 0])
    numbers = [set(_HOUSE_NUMBER.findall(text.lower())) for text in (one, other)]
    if all(numbers) and not numbers[0] & numbers[1]:
        return alike / 2  # different house numbers on the same street: another place
    return alike
