"""The report classifier: free text in, services ranked by probability out. Pure: no Django.

Word and character n-grams (TF-IDF) feed a logistic regression, whose probabilities say how
sure a suggestion is. Character n-grams keep misspelt reports ("pothol", "strret light")
close to the words they miss. The catalogue's own texts (titles, keywords, synonyms) are
always part of the training set, so a council with few past cases still gets sensible
suggestions; they are never held back for scoring, so scores measure past cases only.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import joblib
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, classification_report, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion, Pipeline

__all__ = [
    "Fitted",
    "Scores",
    "case_text",
    "catalogue_texts",
    "dumps",
    "fit",
    "loads",
    "rank",
]

#: Share of past cases held back to score the model.
HELD_OUT = 0.2
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Scores:
    """How the model did on cases it never saw while learning."""

    accuracy: float
    macro_f1: float
    held_out: int
    report: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Fitted:
    """A pipeline fitted on every example, and its scores from the held-back split."""

    pipeline: Pipeline
    scores: Scores
    samples: int
    services: list[str]


def build() -> Pipeline:
    words = TfidfVectorizer(
        analyzer="word", ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode",
        token_pattern=r"(?u)\b\w+\b",
    )  # fmt: skip
    chars = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, strip_accents="unicode"
    )
    return Pipeline(
        [
            ("features", FeatureUnion([("words", words), ("chars", chars)])),
            ("classifier", LogisticRegression(C=20.0, class_weight="balanced", max_iter=3000)),
        ]
    )


def fit(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    catalogue: Sequence[tuple[str, str]] = (),
    seed: int = 2026,
) -> Fitted:
    """Score a model on a stratified held-back share of the cases, then fit on everything.

    `catalogue` holds (text, service) pairs that are always learnt from, never scored on.
    Services with a single past case cannot be split; that case is learnt from.
    """
    texts, labels = [_clean(text) for text in texts], list(labels)
    extra_texts = [_clean(text) for text, _ in catalogue]
    extra_labels = [label for _, label in catalogue]
    if len(set(labels) | set(extra_labels)) < 2:
        raise ValueError("a classifier needs examples of at least two services")
    counts = Counter(labels)
    splittable = [i for i, label in enumerate(labels) if counts[label] >= 2]
    alone = [i for i, label in enumerate(labels) if counts[label] < 2]
    scores = Scores(0.0, 0.0, 0, {})
    held = max(len({labels[i] for i in splittable}), round(len(splittable) * HELD_OUT))
    if len(splittable) >= 2 * held and held > 0:
        learn, test = train_test_split(
            splittable, test_size=held, stratify=[labels[i] for i in splittable],
            random_state=seed,
        )  # fmt: skip
        learn = [*learn, *alone]
        trial = build().fit(
            [texts[i] for i in learn] + extra_texts, [labels[i] for i in learn] + extra_labels
        )
        scores = _score(trial, [texts[i] for i in test], [labels[i] for i in test])
    pipeline = build().fit(texts + extra_texts, labels + extra_labels)
    return Fitted(pipeline, scores, len(texts), sorted(set(labels) | set(extra_labels)))


def rank(pipeline: Pipeline, text: str, *, top: int = 3) -> list[tuple[str, float]]:
    """The `top` services for `text`, most probable first, with their probabilities."""
    probabilities = pipeline.predict_proba([_clean(text)])[0]
    classes = pipeline.classes_
    order = probabilities.argsort()[::-1][:top]
    return [(str(classes[i]), round(float(probabilities[i]), 4)) for i in order]


def catalogue_texts(definition: dict[str, Any]) -> list[str]:
    """The texts a service file says about itself, one training example each."""
    texts = [definition.get("title", ""), definition.get("summary", "")]
    texts += [str(word) for word in definition.get("keywords", [])]
    texts += [str(phrase) for phrase in definition.get("synonyms", [])]
    description = definition.get("description") or ""
    texts += [part for part in re.split(r"\n\s*\n", description) if len(part) > 20]
    return [text.strip() for text in texts if text and text.strip()]


def case_text(form: dict[str, Any], data: dict[str, Any]) -> str:
    """What the resident wrote in their own words: `description` and every textarea answer.
    Chosen answers (radios, checkboxes) are left out: free-text reports have none."""
    widgets = {
        name: hints.get("widget") for name, hints in form.get("ui", {}).get("fields", {}).items()
    }
    parts = [
        value
        for name, value in data.items()
        if isinstance(value, str)
        and (name == "description" or widgets.get(name) == "textarea")
        and "address" not in name  # where, not what: a street says nothing of the problem
    ]
    return _clean(" ".join(parts))


def dumps(pipeline: Pipeline) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer, compress=3)
    return buffer.getvalue()


def loads(data: bytes | memoryview) -> Pipeline:
    # Only ever bytes this module wrote into Publica's own database: joblib unpickles.
    return joblib.load(io.BytesIO(bytes(data)))  # type: ignore[no-any-return]


def _score(pipeline: Pipeline, texts: list[str], labels: list[str]) -> Scores:
    predicted = pipeline.predict(texts)
    report = classification_report(labels, predicted, output_dict=True, zero_division=0)
    per_service = {
        name: {
            "precision": round(values["precision"], 4),
            "recall": round(values["recall"], 4),
            "f1": round(values["f1-score"], 4),
            "support": int(values["support"]),
        }
        for name, values in report.items()
        if isinstance(values, dict) and name in set(labels)
    }
    return Scores(
        accuracy=round(float(accuracy_score(labels, predicted)), 4),
        macro_f1=round(float(f1_score(labels, predicted, average="macro", zero_division=0)), 4),
        held_out=len(labels),
        report=per_service,
    )


def _clean(text: str) -> str:
    return _SPACE.sub(" ", (text or "").strip())
