"""Access records: every read of a person's data, written as it happens and never changed.

`access_record` is the one writer; the register queries, prefill and the staff pages call
it. Staff reads of someone with no open case are marked for the auditor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from publica.accounts.models import Identity, User
from publica.accounts.selectors import organisation_get
from publica.core import clock
from publica.core.actors import Actor, SystemActor
from publica.exchange import registers
from publica.exchange.adapters import Answer, Query
from publica.exchange.models import AccessRecord

if TYPE_CHECKING:
    from publica.cases.models import Case

__all__ = ["access_record", "access_record_register_read"]


def access_record(
    *,
    actor: Actor,
    subject: User | None,
    data: str,
    purpose: str,
    basis: str,
    subject_person_id: str = "",
    categories: Sequence[str] = (),
    basis_detail: str = "",
    register: str = "",
    case: Case | None = None,
    agency: str = "",
    on_behalf_of: str = "",
) -> AccessRecord:
    """Record that `actor` read `data` about `subject` (or the person `subject_person_id`).

    `agency` names another organisation reading through the exchange API (then
    `on_behalf_of` is the official or system it named); otherwise the reader is this
    organisation's staff member or system. Call it in the transaction that reads, if any.
    """
    if basis not in AccessRecord.Basis.values:
        raise ValueError(f"unknown basis {basis!r}")
    if not subject_person_id and subject is not None and hasattr(subject, "identity"):
        subject_person_id = subject.identity.person_id
    kind, label, department, staff = _reader(actor, agency, on_behalf_of)
    return AccessRecord.objects.create(
        at=clock.now(),
        subject=subject,
        subject_person_id=subject_person_id,
        organisation=agency or _organisation_name(),
        department=department,
        actor_kind=kind,
        actor=staff,
        actor_label=label[:200],
        register=register,
        data=data[:300],
        categories=list(categories),
        purpose=purpose[:300],
        basis=basis,
        basis_detail=basis_detail[:300],
        case=case,
        without_open_case=staff is not None and not _has_open_case(subject, case),
    )


def access_record_register_read(
    *,
    query: Query,
    answer: Answer,
    actor: Actor,
    subject: User | None = None,
    case: Case | None = None,
    agency: str = "",
) -> list[AccessRecord]:
    """Record a register query for each person the answer is about (the person asked about,
    or the keepers, directors and occupiers of what was found), or once, about nobody known,
    when it found nothing."""
    register = registers.get(query.register)
    categories = register.categories(query.fields or None)
    people = answer.subjects or ("",)
    return [
        access_record(
            actor=actor,
            agency=agency,
            on_behalf_of=query.on_behalf_of,
            subject=subject if person == _person_id(subject) else _resident(person),
            subject_person_id=person,
            data=f"{'; '.join(registers.CATEGORIES[c] for c in categories)} ({register.title})",
            categories=categories,
            purpose=query.purpose,
            basis=query.basis,
            basis_detail=query.consent if query.basis == "consent" else query.law,
            register=query.register,
            case=case,
        )
        for person in people
    ]


def _person_id(user: User | None) -> str:
    identity = getattr(user, "identity", None) if user is not None else None
    return identity.person_id if identity is not None else ""


def _resident(person_id: str) -> User | None:
    """The resident account verified as this person, if they have one here."""
    if not person_id:
        return None
    return User.objects.filter(identity__person_hash=Identity.hash_of(person_id)).first()


def _reader(actor: Actor, agency: str, on_behalf_of: str) -> tuple[str, str, str, User | None]:
    """(kind, label, department, staff member) of whoever reads."""
    if agency:
        return AccessRecord.Actor.AGENCY, on_behalf_of or agency, "", None
    if isinstance(actor, User):
        if actor.is_resident:
            return AccessRecord.Actor.RESIDENT, str(actor), "", None
        department = actor.department.name if actor.department is not None else ""
        return AccessRecord.Actor.STAFF, str(actor), department, actor
    if isinstance(actor, SystemActor):
        return AccessRecord.Actor.SYSTEM, str(actor), "", None
    return AccessRecord.Actor.SYSTEM, str(actor), "", None


def _organisation_name() -> str:
    organisation = organisation_get()
    return organisation.name if organisation else "This council"


def _has_open_case(subject: User | None, case: Case | None) -> bool:
    """Whether the person had an open case: the one read, or any other of theirs."""
    if case is not None and case.closed_at is None:
        return True
    if subject is None:
        return False
    from publica.cases.models import Case

    return Case.objects.filter(applicant=subject, closed_at__isnull=True).exists()
