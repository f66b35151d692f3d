"""The exceptions Publica's service functions raise, grouped so callers catch what they handle.

Every error carries a message a person can act on. Views and APIs turn them into the format
their client speaks (an HTML error summary, JSON problem details, an Open311 error array).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FieldError",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "PublicaError",
    "StaleUpdate",
    "TransitionNotAllowed",
    "plain_message",
]


@dataclass(frozen=True)
class FieldError:
    """One problem with one field; `field` is a dotted path such as `workflow.initial`.

    `source` and `line` say where the field was read from, when it came from a file.
    """

    field: str
    message: str
    line: int | None = None
    source: str = ""

    def __str__(self) -> str:
        where = ":".join(part for part in (self.source, str(self.line or "")) if part)
        field = self.field or "(top level)"
        return f"{where}: {field}: {self.message}" if where else f"{field}: {self.message}"


class PublicaError(Exception):
    """Base of every error a Publica service function raises on purpose."""


class InvalidInput(PublicaError):
    """Input broke a rule; `errors` names every field at fault, not only the first."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


class PermissionDenied(PublicaError):
    """The actor's role, department or relation to the case does not allow this action."""


class TransitionNotAllowed(PublicaError):
    """The workflow has no such step from the case's current state."""


class StaleUpdate(PublicaError):
    """The case changed since the caller read it (optimistic concurrency)."""


class NotFound(PublicaError):
    """A referenced object (a service, a state, a user) does not exist."""


def plain_message(exc: PublicaError) -> str:
    """The error in words for a person: field messages joined, without field paths."""
    if isinstance(exc, InvalidInput):
        return "; ".join(error.message for error in exc.errors)
    return str(exc)
