"""Asking a register: check the basis, route to the adapter that holds it, record the access.

Every query states its purpose and basis. On consent, the consent must be in force at the
moment of asking (not when the form was started); on a statutory basis, the law is named.
Each answer is written to the access log of the person it is about, whoever they are.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from publica.accounts.models import User
from publica.core import clock
from publica.core.actors import Actor
from publica.exchange import registers
from publica.exchange.adapters import Adapter, Answer, NotAuthorised, Query
from publica.exchange.local import LocalAdapter
from publica.exchange.models import Consent, RegisterSource
from publica.exchange.services.access import access_record_register_read

if TYPE_CHECKING:
    from publica.cases.models import Case

__all__ = ["adapter_for", "register_query"]


def adapter_for(register: str) -> Adapter:
    """The local tables, or the peer a `RegisterSource` names for this register."""
    source = RegisterSource.objects.select_related("peer").filter(register=register).first()
    if source is None:
        return LocalAdapter()
    from publica.exchange.http import HttpAdapter

    return HttpAdapter(source.peer)


def register_query(
    *,
    query: Query,
    actor: Actor,
    subject: User | None = None,
    consent: Consent | None = None,
    case: Case | None = None,
) -> Answer:
    """Ask `query` of whichever adapter holds its register and record the access.

    On consent, `consent` must be `subject`'s, in force, and cover the register: otherwise
    `NotAuthorised` and nothing is asked. The access is recorded once the register answered,
    even when it held nothing about the person: it was asked.
    """
    lookup = registers.lookup(query.register, query.lookup)
    if query.basis == "consent":
        _require_consent(consent, subject, query.register)
    elif query.basis != "statutory" or not query.law:
        raise NotAuthorised("a query rests on consent, or on a statutory duty it names")
    answer = adapter_for(query.register).query(query)
    if query.basis == "consent" and consent is not None:
        query = replace(query, consent=str(consent.pk))
    if not answer.subjects and lookup.by_subject:  # a peer's answer: we asked about this person
        answer = replace(answer, subjects=(query.value,))
    access_record_register_read(query=query, answer=answer, actor=actor, subject=subject, case=case)
    return answer


def _require_consent(consent: Consent | None, subject: User | None, register: str) -> None:
    if consent is None or subject is None or consent.person_id != subject.pk:
        raise NotAuthorised("no consent from this person")
    consent.refresh_from_db(fields=["revoked_at", "expires_at"])  # revocation is immediate
    if consent.revoked_at is not None or consent.expires_at <= clock.now():
        raise NotAuthorised("the consent was revoked or has expired")
    if register not in consent.registers:
        raise NotAuthorised(f"the consent does not cover the {register} register")
