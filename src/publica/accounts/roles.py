"""The roles people hold in Publica and what each may see. Pure: no database access."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    RESIDENT = "resident"
    CASEWORKER = "caseworker"
    SUPERVISOR = "supervisor"
    SERVICE_DESIGNER = "service_designer"
    ADMIN = "admin"
    AUDITOR = "auditor"


#: Roles that work cases; a workflow transition may name any of these, or `applicant`.
CASE_ROLES = frozenset({Role.CASEWORKER, Role.SUPERVISOR, Role.ADMIN})
#: Roles limited to their own department's cases.
DEPARTMENT_BOUND = frozenset({Role.CASEWORKER, Role.SUPERVISOR})
#: Roles that may read every case in the organisation.
READ_ALL = frozenset({Role.ADMIN, Role.AUDITOR})
#: The pseudo-role a workflow uses for the person who submitted the case.
APPLICANT = "applicant"
#: The pseudo-role recorded when an automation rule or a scheduled job acts.
AUTOMATION = "automation"

TRANSITION_ROLES = frozenset({*(str(role) for role in CASE_ROLES), APPLICANT, AUTOMATION})
