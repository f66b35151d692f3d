"""What a channel tells the outbox about one delivery."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    permanent: bool = False  # no point trying again (a 410, an invalid address)
    detail: str = ""
    reference: str = ""  # the provider's id for the message, for its status callbacks

    @classmethod
    def ok(cls, detail: str = "", reference: str = "") -> Outcome:
        return cls(True, detail=detail, reference=reference)

    @classmethod
    def retry(cls, detail: str) -> Outcome:
        return cls(False, detail=detail[:300])

    @classmethod
    def give_up(cls, detail: str) -> Outcome:
        return cls(False, permanent=True, detail=detail[:300])
