"""Who acts: a signed-in person, or Publica itself (an automation rule, a scheduled job)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from publica.accounts.models import User


@dataclass(frozen=True)
class SystemActor:
    """Publica acting on its own; `name` says which part (`rule:main-road-priority`, `sla`)."""

    name: str

    @property
    def role(self) -> str:
        return "automation"

    def __str__(self) -> str:
        return f"Publica ({self.name})"


@dataclass(frozen=True)
class ContactActor:
    """Someone who is not signed in but showed they know a case's reference and the email
    given with it; they may act as that case's applicant, and only on that case."""

    email: str

    @property
    def role(self) -> str:
        return "applicant"

    def __str__(self) -> str:
        return "the applicant (by email)"


@dataclass(frozen=True)
class ApiClient:
    """Another system calling through an API key. It works cases as a supervisor would,
    in its key's department only, or in every department for a key bound to none."""

    key_id: int
    name: str
    department_id: int | None
    scopes: frozenset[str]

    @property
    def role(self) -> str:
        return "supervisor"

    def __str__(self) -> str:
        return f"API client {self.name}"


Actor: TypeAlias = "User | SystemActor | ContactActor | ApiClient"

SCHEDULER = SystemActor("scheduler")
DEMO = SystemActor("demo")
