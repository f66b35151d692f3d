"""How a register is asked: one query in, one answer out, whichever adapter holds it.

`LocalAdapter` (in `local.py`) reads this instance's register tables; `HttpAdapter` (in
`http.py`) asks another Publica, or any service speaking the same signed API, over HTTP.
Both take a `Query` and give an `Answer`; callers never know which one answered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "Adapter",
    "Answer",
    "ExchangeError",
    "NotAuthorised",
    "Query",
    "RegisterUnavailable",
    "SignatureRejected",
]


class ExchangeError(Exception):
    """A register could not be asked or its answer could not be trusted."""


class RegisterUnavailable(ExchangeError):
    """The register did not answer (network, timeout, a 5xx)."""


class NotAuthorised(ExchangeError):
    """The register refused: this client, register and purpose are not authorised."""


class SignatureRejected(ExchangeError):
    """A signed request or answer failed verification: forged, tampered with, or replayed."""


@dataclass(frozen=True)
class Query:
    """One question to one register, with why it is asked and on what basis.

    `basis` is "consent" (then `consent` is the consent's id) or "statutory" (then `law`
    names the duty). `on_behalf_of` says which official or system asks, in words; `case`
    is the case reference it is for, when there is one.
    """

    register: str
    lookup: str
    value: str
    purpose: str
    basis: str
    fields: tuple[str, ...] = ()
    consent: str = ""
    law: str = ""
    case: str = ""
    on_behalf_of: str = ""


@dataclass(frozen=True)
class Answer:
    """What a register said: its records (at most one for a single lookup), who holds it, and
    how the answer was checked ("local", or the key id whose signature verified)."""

    register: str
    records: list[dict[str, Any]]
    holder: str
    answered_at: dt.datetime
    verified_by: str = "local"
    extra: dict[str, Any] = field(default_factory=dict)
    #: The person numbers the records are about (keepers, directors, occupiers), known to the
    #: register that holds them; the access is recorded for each.
    subjects: tuple[str, ...] = ()


class Adapter(Protocol):
    def query(self, query: Query) -> Answer: ...
