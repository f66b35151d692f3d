"""What one ledger entry says: a decision in RFC 8785 canonical JSON, with nothing in it that
identifies a person. No Django here."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

import rfc8785

__all__ = ["FIELDS", "KINDS", "MERGE_FIELDS", "data_digest", "decision"]

#: transition: staff moved a case on; decision: staff closed it with an outcome;
#: automated-decision: a rule moved it; withdrawal: the applicant withdrew it;
#: merged: staff merged a duplicate report into another (the entry adds `into`).
KINDS = ("transition", "decision", "automated-decision", "withdrawal", "merged")
FIELDS = frozenset({
    "type", "case", "service", "service_version", "from", "to", "outcome", "role", "time",
    "data_digest",
})  # fmt: skip
#: A merged entry also names the report the duplicate was merged into.
MERGE_FIELDS = FIELDS | {"into"}


def data_digest(key: str, data: Any) -> str:
    """HMAC-SHA256 of the case data's canonical JSON under the case's own key: whoever holds
    the key (the applicant) can check it; nobody else can test guesses against it."""
    return hmac.new(bytes.fromhex(key), rfc8785.dumps(data), hashlib.sha256).hexdigest()


def decision(
    *,
    kind: str,
    case: str,
    service: str,
    service_version: int,
    from_state: str,
    to_state: str,
    outcome: str,
    role: str,
    at: dt.datetime,
    digest: str,
    into: str | None = None,
) -> bytes:
    """The entry's canonical bytes. A `merged` entry (and only it) also names `into`, the
    report the duplicate `case` was merged into: nothing about who reported either."""
    if kind not in KINDS:
        raise ValueError(f"unknown ledger entry type {kind!r}")
    if (kind == "merged") != (into is not None):
        raise ValueError("a merged entry, and only it, names the report it went into")
    moment = at.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    body: dict[str, Any] = {
        "type": kind, "case": case, "service": service, "service_version": service_version,
        "from": from_state, "to": to_state, "outcome": outcome or None, "role": role,
        "time": moment, "data_digest": digest,
    }  # fmt: skip
    if into is not None:
        body["into"] = into
    return rfc8785.dumps(body)
