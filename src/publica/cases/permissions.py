"""Who may see and act on a case. Service functions call these; views never decide alone."""

from __future__ import annotations

from collections.abc import Iterable

from publica.accounts.models import User
from publica.accounts.roles import APPLICANT, DEPARTMENT_BOUND, READ_ALL, Role
from publica.cases.models import Case
from publica.core.actors import Actor, ApiClient, ContactActor, SystemActor
from publica.core.errors import PermissionDenied

__all__ = ["acting_role", "can_read", "require_read", "require_staff"]

# Roles that may act on a case's file (notes, assignment, requests) besides transitions.
CASE_STAFF = (Role.CASEWORKER, Role.SUPERVISOR, Role.ADMIN)


def acting_role(actor: Actor | None, case: Case, allowed: Iterable[str]) -> str:
    """The role in `allowed` that `actor` holds on `case`; PermissionDenied when there is none.

    `applicant` means the person who submitted the case; staff roles count only in the
    case's own department unless the role reaches across departments.
    """
    allowed = set(allowed)
    if isinstance(actor, SystemActor):
        if actor.role in allowed:
            return actor.role
        raise PermissionDenied(f"{actor} may not do this; allowed: {_names(allowed)}")
    if isinstance(actor, ContactActor):
        if APPLICANT in allowed and _same_contact(actor, case):
            return APPLICANT
        raise PermissionDenied("sign in to do this")
    if isinstance(actor, ApiClient):
        if actor.department_id not in (None, case.department_id):
            raise PermissionDenied(f"case {case.reference} belongs to another department")
        if actor.role in allowed:
            return actor.role
        raise PermissionDenied(f"{actor} may not do this; allowed: {_names(allowed)}")
    if actor is None or not actor.is_active:
        raise PermissionDenied("sign in to do this")
    if APPLICANT in allowed and case.applicant_id is not None and case.applicant_id == actor.pk:
        return APPLICANT
    if actor.role in allowed and _in_department(actor, case):
        return actor.role
    if actor.role in allowed:
        raise PermissionDenied(f"case {case.reference} belongs to another department")
    raise PermissionDenied(
        f"a {actor.role.replace('_', ' ')} may not do this; allowed: {_names(allowed)}"
    )


def require_staff(actor: Actor | None, case: Case, roles: Iterable[str] = CASE_STAFF) -> str:
    return acting_role(actor, case, roles)


def can_read(actor: Actor | None, case: Case) -> bool:
    if isinstance(actor, SystemActor):
        return True
    if isinstance(actor, ContactActor):
        return _same_contact(actor, case)
    if isinstance(actor, ApiClient):
        return actor.department_id in (None, case.department_id)
    if actor is None or not actor.is_active:
        return False
    if actor.role in READ_ALL:
        return True
    if actor.role in DEPARTMENT_BOUND:
        return actor.department_id == case.department_id
    return case.applicant_id is not None and case.applicant_id == actor.pk


def require_read(actor: Actor | None, case: Case) -> None:
    if not can_read(actor, case):
        raise PermissionDenied(f"you may not see case {case.reference}")


def _same_contact(actor: ContactActor, case: Case) -> bool:
    return bool(case.contact_email) and case.contact_email.lower() == actor.email.strip().lower()


def _in_department(actor: User, case: Case) -> bool:
    return actor.role not in DEPARTMENT_BOUND or actor.department_id == case.department_id


def _names(roles: set[str]) -> str:
    return ", ".join(sorted(roles))
