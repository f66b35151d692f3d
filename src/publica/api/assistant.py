"""Help answers in the REST API: `POST /api/v1/assistant/ask`. Public like the portal's /help
(no API key), and limited per address like the portal's other public forms."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema
from pydantic import Field

from publica.accounts.apikeys import RateLimited
from publica.api.problems import ApiProblem
from publica.api.schemas import Problem, StrictSchema
from publica.assistant.answers import Answer
from publica.assistant.models import Question
from publica.assistant.services.help import (
    MAX_QUESTION,
    assistant_ask,
    assistant_index,
    assistant_rate_check,
)

__all__ = ["router"]

router = Router(tags=["assistant"])


class AskIn(StrictSchema):
    question: str = Field(
        min_length=1,
        max_length=MAX_QUESTION,
        description="The resident's question in their own words.",
        examples=["there's a massive hole outside number 12"],
    )


class MatchOut(Schema):
    service: str = Field(description="The service's slug.")
    title: str
    summary: str
    confidence: float = Field(ge=0, le=1)
    url: str = Field(description="The service's page: what it is, who can use it, the fee.")
    start_url: str = Field(description="Where the resident starts the service (Start now).")


class PassageOut(Schema):
    number: int = Field(description="What the answer cites as [number].")
    service: str
    field: str = Field(description="The service file's key the words come from.")
    label: str
    text: str


class ContactOut(Schema):
    name: str
    phone: str
    email: str


class ServiceLinkOut(Schema):
    service: str
    title: str
    url: str


class AnswerOut(Schema):
    answered: bool = Field(description="False: the assistant does not know, and says so.")
    confidence: float = Field(ge=0, le=1)
    answer: str = Field(description="Made only of the catalogue's facts (passages below).")
    rephrased: bool = Field(description="True when a language model reworded the answer.")
    service: MatchOut | None = Field(description="The service to start, when answered.")
    matches: list[MatchOut] = Field(description="The best three services, best first.")
    passages: list[PassageOut]
    contact: ContactOut
    services: list[ServiceLinkOut] = Field(
        description="When the answer is not known: every service a resident may use."
    )
    services_url: str = Field(description="The page listing every service.")


@router.post(
    "/ask", response={200: AnswerOut, 422: Problem, 429: Problem}, auth=None, url_name="ask"
)
def ask(request: HttpRequest, body: AskIn) -> dict[str, Any]:
    """The best services for a question, with a short answer from the catalogue, or a plain
    "I do not know" with the contact details when the match is not confident."""
    try:
        assistant_rate_check(address=request.META.get("REMOTE_ADDR", ""))
    except RateLimited as exc:
        raise ApiProblem(429, str(exc), headers={"Retry-After": str(exc.retry_after)}) from exc
    answer = assistant_ask(body.question, channel=Question.Channel.API, actor=None)
    return _answer_out(request, answer)


def _answer_out(request: HttpRequest, answer: Answer) -> dict[str, Any]:
    matches = [
        {
            "service": s.slug,
            "title": s.title,
            "summary": s.summary,
            "confidence": s.confidence,
            "url": request.build_absolute_uri(reverse("portal:service", args=[s.slug])),
            "start_url": request.build_absolute_uri(s.start_path),
        }
        for s in answer.matches
    ]
    return {
        "answered": answer.answered,
        "confidence": answer.confidence,
        "answer": answer.text,
        "rephrased": answer.rephrased,
        "service": matches[0] if answer.answered and matches else None,
        "matches": matches,
        "passages": [
            {"number": n, "service": p.service, "field": p.field, "label": p.label, "text": p.text}
            for n, p in enumerate(answer.passages, start=1)
        ],
        "contact": {
            "name": answer.contact.name,
            "phone": answer.contact.phone,
            "email": answer.contact.email,
        },
        "services": [] if answer.answered else _every_service(request),
        "services_url": request.build_absolute_uri(reverse("portal:home")),
    }


def _every_service(request: HttpRequest) -> list[dict[str, str]]:
    _, catalogue = assistant_index()
    services = sorted((service for service, _ in catalogue.values()), key=lambda s: s.title)
    return [
        {
            "service": service.slug,
            "title": service.title,
            "url": request.build_absolute_uri(reverse("portal:service", args=[service.slug])),
        }
        for service in services
    ]
