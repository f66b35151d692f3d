"""What one ledger entry says, in RFC 8785 canonical JSON, with nothing in it that identifies
a person: a decision on a case, or the digest of a batch of access records. No Django here."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

import rfc8785

__all__ = [
    "ACCESS_BATCH",
    "ACCESS_BATCH_FIELDS",
    "FIELDS",
    "KINDS",
    "MERGE_FIELDS",
    "access_batch",
    "data_digest",
    "decision",
]

#: transition: staff moved a case on; decision: staff closed it with an outcome;
#: automated-decision: a rule moved it; withdrawal: the applicant withdrew it;
#: merged: staff merged a duplicate report into another (the entry adds `into`);
#: anonymised: retention or an erasure request removed the case's personal data.
KINDS = ("transition", "decision", "automated-decision", "withdrawal", "merged", "anonymised")
FIELDS = frozenset({
    "type", "case", "service", "service_version", "from", "to", "outcome", "role", "time",
    "data_digest",
})  # fmt: skip
#: A merged entry also names the report the duplicate was merged into.
MERGE_FIELDS = FIELDS | {"into"}
#: access-batch: access records sealed by their Merkle root (the exchange's data tracker):
#: which records by id, how many, and the root; never who read what about whom.
ACCESS_BATCH = "access-batch"
ACCESS_BATCH_FIELDS = frozenset({"type", "batch", "first_id", "last_id", "count", "root", "time"})


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
    body: dict[str, Any] = {
        "type": kind, "case": case, "service": service, "service_version": service_version,
        "from": from_state, "to": to_state, "outcome": outcome or None, "role": role,
        "time": _moment(at), "data_digest": digest,
    }  # fmt: skip
    if into is not None:
        body["into"] = into
    return rfc8785.dumps(body)


def access_batch(
    *, batch: int, first_id: int, last_id: int, count: int, root: str, at: dt.datetime
) -> bytes:
    """The canonical bytes of a sealed batch of access records: its number, the ids of its
    first and last record, how many it holds and their Merkle root (hex)."""
    if count < 1 or first_id > last_id or len(root) != 64:
        raise ValueError("an access batch seals at least one record under a SHA-256 root")
    body: dict[str, Any] = {
        "type": ACCESS_BATCH, "batch": batch, "first_id": first_id, "last_id": last_id,
        "count": count, "root": root, "time": _moment(at),
    }  # fmt: skip
    return rfc8785.dumps(body)


def _moment(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
