""" "Once only": fetch what the registers hold about a resident instead of asking them again.

A service file's `registers` section names the queries (`use`), their purpose and basis, and
which form questions they fill (`prefill`). `prefill_fetch` fills the form when a verified
resident starts it; `registers_check` asks again once the case exists, so the rules decide
on what the registers say now, and each access names the case it was for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from publica.accounts.models import Identity, User
from publica.catalogue.models import Service
from publica.core.actors import SystemActor
from publica.exchange import registers
from publica.exchange.adapters import ExchangeError, NotAuthorised, Query
from publica.exchange.models import Consent
from publica.exchange.selectors import consent_in_force
from publica.exchange.services.queries import register_query

__all__ = [
    "Prefill",
    "Readiness",
    "prefill_fetch",
    "readiness",
    "registers_check",
    "registers_section",
]

logger = logging.getLogger(__name__)
PREFILL = SystemActor("prefill")
CHECK = SystemActor("register-check")


@dataclass(frozen=True)
class Readiness:
    """Whether Publica may ask the registers for this resident now, and if not, why."""

    uses_registers: bool
    verified: bool = False
    needs_consent: bool = False
    consent: Consent | None = None

    @property
    def ready(self) -> bool:
        return self.uses_registers and self.verified and not self.needs_consent


@dataclass(frozen=True)
class Prefill:
    """Answers taken from the registers: values by question, where each came from, and
    the questions the resident may not change."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()
    problem: str = ""


def registers_section(service: Service) -> dict[str, Any] | None:
    """The service file's `registers` section, or None when it asks no register."""
    version = service.current_version
    section = version.definition.get("registers") if version else None
    return dict(section) if section else None


def readiness(*, service: Service, user: User | None) -> Readiness:
    section = registers_section(service)
    if section is None:
        return Readiness(uses_registers=False)
    identity = _identity(user)
    if user is None or identity is None or not identity.is_verified:
        return Readiness(uses_registers=True)
    if section["basis"] != "consent":
        return Readiness(uses_registers=True, verified=True)
    consent = consent_in_force(person=user, service=service)
    return Readiness(
        uses_registers=True, verified=True, needs_consent=consent is None, consent=consent
    )


def prefill_fetch(*, service: Service, user: User) -> Prefill:
    """Ask the registers the service uses about `user` and map the answers onto its form.

    Nothing is asked without a verified identity and, on consent, a consent in force; a
    register that cannot be reached leaves its questions for the resident to answer.
    """
    section = registers_section(service)
    state = readiness(service=service, user=user)
    if section is None or not state.ready:
        return Prefill()
    try:
        facts = _fetch(section, service, user, state.consent, PREFILL, case=None)
    except ExchangeError as exc:
        logger.warning("prefill for %s failed: %s", service.slug, type(exc).__name__)
        return Prefill(problem=_problem(exc))
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    locked = set()
    for question, spec in section.get("prefill", {}).items():
        name, *path = spec["from"].split(".")
        value = _follow(facts.get(name), path)
        if value is None or value == "":
            continue
        values[question] = value
        source = facts["_sources"][name]
        sources[question] = f"{source['title']} ({source['holder']})"
        if not spec.get("editable", True):
            locked.add(question)
    return Prefill(values=values, sources=sources, locked=frozenset(locked))


def registers_check(*, case: Any, user: User) -> bool:
    """Ask the registers again for a submitted case and hand the answers to the case, whose
    rules then act on them. False (and the case waits for a person) when it cannot be done:
    no verified identity, no consent in force, or a register that did not answer."""
    from publica.cases.services import case_check_registers

    service = case.service
    section = registers_section(service)
    state = readiness(service=service, user=user)
    if section is None or not state.ready:
        return False
    try:
        facts = _fetch(section, service, user, state.consent, CHECK, case=case)
    except ExchangeError as exc:
        logger.warning("register check for a %s case failed: %s", service.slug, type(exc).__name__)
        return False
    case_check_registers(case=case, facts=facts, actor=CHECK)
    return True


def _fetch(
    section: dict[str, Any],
    service: Service,
    user: User,
    consent: Consent | None,
    actor: SystemActor,
    case: Any,
) -> dict[str, Any]:
    """{query name: record (or list of records)} plus `_sources`: which register answered."""
    identity = _identity(user)
    assert identity is not None  # readiness checked it
    facts: dict[str, Any] = {}
    sources: dict[str, dict[str, str]] = {}
    for name, use in section["use"].items():
        lookup = registers.lookup(use["register"], use["by"])
        query = Query(
            register=use["register"],
            lookup=use["by"],
            value=identity.person_id,
            fields=tuple(use.get("fields", ())),
            purpose=section["purpose"],
            basis=section["basis"],
            consent=str(consent.pk) if consent else "",
            law=section.get("law", ""),
            case=case.reference if case is not None else "",
            on_behalf_of=f"{actor} for {service.title}",
        )
        answer = register_query(query=query, actor=actor, subject=user, consent=consent, case=case)
        if lookup.many:
            facts[name] = answer.records
        elif answer.records:
            facts[name] = answer.records[0]
        sources[name] = {
            "register": use["register"],
            "title": registers.get(use["register"]).title,
            "holder": answer.holder,
            "answered_at": answer.answered_at.isoformat(),
            "verified_by": answer.verified_by,
        }
    facts["_sources"] = sources
    return facts


def _follow(value: Any, path: list[str]) -> Any:
    for step in path:
        if isinstance(value, list) and step.isdigit():
            value = value[int(step)] if int(step) < len(value) else None
        elif isinstance(value, dict):
            value = value.get(step)
        else:
            return None
    return value


def _identity(user: User | None) -> Identity | None:
    if user is None or not user.is_authenticated or not user.is_resident:
        return None
    return Identity.objects.filter(user=user).first()


def _problem(exc: ExchangeError) -> str:
    if isinstance(exc, NotAuthorised):
        return "We could not fetch your details: your consent is no longer in force."
    return "We could not reach a register just now, so please type your details in."
