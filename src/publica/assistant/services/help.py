"""Answering residents' questions from the catalogue, and keeping each question, scrubbed of
personal details, so staff can see what the catalogue fails to answer."""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from publica.accounts.apikeys import count_per_minute
from publica.accounts.roles import Role
from publica.assistant import answers, embeddings, rephrase, retrieval, text
from publica.assistant.answers import Answer, Suggestion
from publica.assistant.models import Question
from publica.assistant.selectors import help as selectors
from publica.core import clock
from publica.core.actors import Actor, SystemActor
from publica.core.errors import FieldError, InvalidInput, PermissionDenied

__all__ = [
    "MAX_QUESTION",
    "assistant_ask",
    "assistant_index",
    "assistant_rate_check",
    "assistant_search",
    "question_mark_reviewed",
]

logger = logging.getLogger(__name__)

MAX_QUESTION = 500
MAY_REVIEW = frozenset({Role.CASEWORKER, Role.SUPERVISOR, Role.SERVICE_DESIGNER, Role.ADMIN})

_lock = threading.Lock()
_built: dict[str, Any] = {}


def assistant_search(query: str, *, top: int = 5) -> list[Any]:
    """The services for a search box, best first: the help index's ranking, with no answer
    composed and nothing kept. (The portal's home page searches with it.)"""
    index, catalogue = assistant_index()
    ranking = index.search(text.searchable(query[:MAX_QUESTION]), top=top)
    return [catalogue[match.slug][0] for match in ranking.matches]


def assistant_ask(question: str, *, channel: str, actor: Actor | None = None) -> Answer:
    """The best services for `question` with a short answer from the catalogue, or "I do not
    know" with the service list and contact details when the match is not confident.

    `actor` may be anyone, signed in or not; the kept question is never linked to them.
    """
    question = _checked(question)
    index, catalogue = assistant_index()
    ranking = index.search(text.searchable(question))
    matches = [
        Suggestion(
            slug=match.slug,
            title=catalogue[match.slug][0].title,
            summary=catalogue[match.slug][0].summary,
            confidence=match.confidence,
            start_path=reverse("portal:start", args=[match.slug]),
        )
        for match in ranking.matches
    ]
    contact = selectors.help_contact()
    confident = bool(matches) and (ranking.confidence >= settings.PUBLICA_ASSISTANT_MIN_CONFIDENCE)
    if confident:
        answer = answers.compose(
            question,
            matches=matches,
            definition=catalogue[matches[0].slug][1],
            confidence=ranking.confidence,
            contact=contact,
        )
        answer = _rephrased(answer)
    else:
        answer = answers.not_known(
            question, matches=matches, confidence=ranking.confidence, contact=contact
        )
    Question.objects.create(
        asked_at=clock.now(),
        text=text.scrub(question),
        language=settings.LANGUAGE_CODE[:10],
        channel=channel,
        best_service_slug=matches[0].slug if matches else "",
        confidence=ranking.confidence,
        answered=confident,
    )
    return answer


def assistant_index() -> tuple[retrieval.Index, dict[str, tuple[Any, dict[str, Any]]]]:
    """The search index of the current catalogue, built when a service has loaded since the
    last question (or the process is new), with the catalogue's embeddings computed then."""
    key = selectors.help_catalogue_key()
    model = embeddings.encoder(enabled=settings.PUBLICA_ASSISTANT_EMBEDDINGS)
    built = _built.get("index")
    if built is not None and built[0] == (key, model is not None):
        return built[1], built[2]
    with _lock:
        built = _built.get("index")
        if built is None or built[0] != (key, model is not None):
            services = selectors.help_catalogue(key)
            documents = [retrieval.document(s.slug, definition) for s, definition in services]
            vectors = None
            if model is not None:
                passages = [p for d in documents for p in d.passages()]
                vectors = embeddings.passage_vectors(key, passages, model)
            index = retrieval.Index(documents, encoder=model, passage_vectors=vectors)
            catalogue = {s.slug: (s, definition) for s, definition in services}
            built = ((key, model is not None), index, catalogue)
            _built["index"] = built
            logger.info(
                "assistant: index of %d services built (%s)",
                len(documents),
                "BM25 and embeddings" if model is not None else "BM25 alone",
            )
    return built[1], built[2]


def assistant_rate_check(*, address: str) -> None:
    """Count one question from `address`; RateLimited past the setting's limit a minute."""
    limit = settings.PUBLICA_ASSISTANT_RATE_PER_MINUTE
    if limit > 0:
        count_per_minute(f"assistant-rate:{address}", limit,
                         f"you may ask {limit} questions a minute; try again shortly")  # fmt: skip


@transaction.atomic
def question_mark_reviewed(*, question: Question, actor: Actor) -> Question:
    """Staff have dealt with an unanswered question (improved a service, or nothing to do)."""
    if not isinstance(actor, SystemActor) and getattr(actor, "role", None) not in MAY_REVIEW:
        raise PermissionDenied("only staff may mark questions as dealt with")
    question = Question.objects.select_for_update().get(pk=question.pk)
    if not question.reviewed:
        question.reviewed = True
        question.save(update_fields=["reviewed"])
    return question


def _checked(question: Any) -> str:
    if not isinstance(question, str) or not question.strip():
        raise InvalidInput([FieldError("question", "Enter your question")])
    question = " ".join(question.split())
    if len(question) > MAX_QUESTION:
        message = f"Your question must be {MAX_QUESTION} characters or fewer"
        raise InvalidInput([FieldError("question", message)])
    return question


def _rephrased(answer: Answer) -> Answer:
    """The answer in the endpoint's words when the setting turns it on and it can be trusted."""
    if not settings.PUBLICA_ASSISTANT_LLM_URL:
        return answer
    found = rephrase.rephrase(
        answer.question,
        answer.passages,
        url=settings.PUBLICA_ASSISTANT_LLM_URL,
        model=settings.PUBLICA_ASSISTANT_LLM_MODEL,
        key=settings.PUBLICA_ASSISTANT_LLM_KEY,
        timeout=settings.PUBLICA_ASSISTANT_LLM_TIMEOUT,
    )
    if found is None:
        return answer
    return dataclasses.replace(answer, text=found, rephrased=True)
