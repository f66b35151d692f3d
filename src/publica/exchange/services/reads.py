"""Access records for reads of a case by staff and by other systems through the API: the
case page with its answers, and each document downloaded. The resident reading their own
case leaves no record; it is theirs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from publica.accounts.models import User
from publica.core.actors import Actor, ApiClient
from publica.exchange.models import AccessRecord
from publica.exchange.services.access import access_record

if TYPE_CHECKING:
    from publica.cases.models import Case

__all__ = ["access_record_case_read"]

CASE = "Your case and its answers"


def access_record_case_read(*, case: Case, actor: Actor, document: str = "") -> AccessRecord | None:
    """Record that a member of staff or an API client read `case` (or, named, one of its
    documents) for the case's applicant to see. Nothing is recorded for anyone else's read
    (the applicant's own, an automation's), nor for a case about no one: an anonymous report
    that left no contact details."""
    if not _reads_for_the_council(actor, case):
        return None
    if case.applicant_id is None and not (
        case.contact_name or case.contact_email or case.contact_phone
    ):
        return None
    return access_record(
        actor=actor,
        subject=case.applicant,
        data=f"The document {document}" if document else CASE,
        purpose=f"Handling case {case.reference}",
        basis=AccessRecord.Basis.CASE,
        case=case,
    )


def _reads_for_the_council(actor: Actor, case: Case) -> bool:
    if isinstance(actor, ApiClient):
        return True
    return isinstance(actor, User) and not actor.is_resident and actor.pk != case.applicant_id
