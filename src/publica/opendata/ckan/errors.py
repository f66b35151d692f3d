"""The errors the CKAN Action API answers with: each knows its CKAN `__type`, its HTTP status
and the `error` object CKAN clients (ckanapi among them) turn back into exceptions."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ActionError",
    "AuthorizationError",
    "BadRequest",
    "NotFoundError",
    "SearchQueryError",
    "ValidationError",
]


class ActionError(Exception):
    """Base of every error an action answers with instead of a result."""

    status = 500
    type = "Internal Server Error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def error(self) -> dict[str, Any]:
        return {"__type": self.type, "message": self.message}


class BadRequest(ActionError):
    """The call itself is malformed (unknown action, a body that is not a JSON object).
    CKAN answers these with a bare JSON string; Publica wraps it in the envelope so every
    answer has the same shape, keeping CKAN's wording and status."""

    status = 400
    type = "Bad Request"

    def __init__(self, message: str) -> None:
        super().__init__(f"Bad request - {message}")


class AuthorizationError(ActionError):
    status = 403
    type = "Authorization Error"

    def __init__(self, message: str = "") -> None:
        super().__init__(f"Access denied: {message}" if message else "Access denied")


class NotFoundError(ActionError):
    status = 404
    type = "Not Found Error"

    def __init__(self, message: str = "") -> None:
        super().__init__(f"Not found: {message}" if message else "Not found")


class ValidationError(ActionError):
    """Per-field messages, as CKAN's `{"rows": ["Invalid integer"]}`."""

    status = 409
    type = "Validation Error"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{key}: {' '.join(value)}" for key, value in errors.items()))
        self.errors = errors

    def error(self) -> dict[str, Any]:
        return {**self.errors, "__type": self.type}


class SearchQueryError(ActionError):
    """`q`, `fq` or `sort` cannot be understood. CKAN answers these with 400 (Solr errors it
    cannot classify are a `Search Error`, 409); ckanapi raises SearchQueryError either way."""

    status = 400
    type = "Search Query Error"

    def __init__(self, message: str) -> None:
        super().__init__(f"Search Query is invalid: {message}")
        self.reason = message
