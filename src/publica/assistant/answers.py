"""The short answer to a help question, made only of the catalogue's own words. Pure.

Every fact in an answer is copied from a field of the service file (what the service is,
who can use it, what you need, the fee, how long it takes), and each is kept as a passage
that says where it came from, so a rephrasing can cite it and a reader can check it. When a
field is missing the answer says nothing about it: no fee, deadline or rule is ever made up.
When the assistant is not confident it says it does not know and offers the list of services
and the council's contact details instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Answer", "Contact", "Passage", "Suggestion", "compose", "facts", "not_known"]

_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


@dataclass(frozen=True)
class Passage:
    """One fact from the catalogue: which service, which field, and its words."""

    service: str
    field: str
    label: str
    text: str


@dataclass(frozen=True)
class Suggestion:
    slug: str
    title: str
    summary: str
    confidence: float
    start_path: str


@dataclass(frozen=True)
class Contact:
    name: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Answer:
    """What the resident is told: a service with its facts, or that we do not know."""

    question: str
    answered: bool
    confidence: float
    text: str
    matches: list[Suggestion]
    passages: list[Passage] = field(default_factory=list)
    contact: Contact = field(default_factory=Contact)
    rephrased: bool = False

    @property
    def service(self) -> Suggestion | None:
        return self.matches[0] if self.answered and self.matches else None

    @property
    def confident(self) -> bool:
        """The same as `answered`: confident enough to name a service."""
        return self.answered


def facts(slug: str, definition: dict[str, Any]) -> list[Passage]:
    """The catalogue's facts about one service, in the order a resident needs them."""
    found = []
    if definition.get("summary"):
        found.append(Passage(slug, "summary", "What it is", str(definition["summary"]).strip()))
    if definition.get("eligibility"):
        text = " ".join(str(definition["eligibility"]).split())
        found.append(Passage(slug, "eligibility", "Who can use it", text))
    needed = [str(item).strip() for item in definition.get("you_will_need") or []]
    if needed:
        found.append(Passage(slug, "you_will_need", "What you need", "; ".join(needed) + "."))
    if "fee" in definition:
        found.append(Passage(slug, "fee", "Fee", _fee(definition["fee"])))
    sla = definition.get("sla") or {}
    if sla.get("days"):
        found.append(Passage(slug, "sla", "How long", _sla(sla)))
    return found


def compose(
    question: str,
    *,
    matches: list[Suggestion],
    definition: dict[str, Any],
    confidence: float,
    contact: Contact,
) -> Answer:
    """The answer for the best suggestion, made of that service's facts and nothing else."""
    best = matches[0]
    passages = facts(best.slug, definition)
    lines = [f"{best.title}."] + [f"{p.label}: {p.text}" for p in passages[1:]]
    if passages and passages[0].field == "summary":
        lines[0] = f"{best.title}: {passages[0].text}"
    return Answer(
        question=question,
        answered=True,
        confidence=confidence,
        text="\n".join(lines),
        matches=matches,
        passages=passages,
        contact=contact,
    )


def not_known(
    question: str, *, matches: list[Suggestion], confidence: float, contact: Contact
) -> Answer:
    """We do not know: say so, and point to every service and to a person."""
    ways = [way for way in (contact.phone, contact.email) if way]
    text = "I do not know which of our services can help with that."
    if ways:
        text += f" Please look through the list of services, or contact us: {' or '.join(ways)}."
    else:
        text += " Please look through the list of services."
    return Answer(
        question=question,
        answered=False,
        confidence=confidence,
        text=text,
        matches=matches,
        contact=contact,
    )


def _fee(fee: dict[str, Any] | None) -> str:
    if not fee:
        return "There is no fee."
    currency = str(fee.get("currency", ""))
    amount = str(fee.get("amount", ""))
    money = f"{_SYMBOLS[currency]}{amount}" if currency in _SYMBOLS else f"{amount} {currency}"
    description = str(fee.get("description", "")).strip()
    return f"{money}, {description}." if description else f"{money}."


def _sla(sla: dict[str, Any]) -> str:
    days = int(sla["days"])
    kind = "working day" if sla.get("calendar", "working") == "working" else "day"
    unit = kind if days == 1 else f"{kind}s"
    return f"We aim to deal with it within {days} {unit}."
