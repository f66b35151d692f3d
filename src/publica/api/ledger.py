"""The transparency ledger in the REST API: its checkpoint, a case's entries, and proofs.

Public like /ledger/ itself: no API key. Every proof here can be checked with nothing but
the verifier key at /ledger/key and RFC 9162.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router

from publica.api.schemas import (
    CheckpointOut,
    ConsistencyOut,
    LedgerEntryOut,
    LedgerEntryProofOut,
    Problem,
)
from publica.core.errors import FieldError, InvalidInput, NotFound
from publica.ledger import merkle, selectors
from publica.ledger.models import Checkpoint, Entry

__all__ = ["router"]

router = Router(tags=["ledger"])

#: The largest index or size a database column holds; beyond it the answer is a 422, not
#: an overflow inside the database driver.
LARGEST = 2**63 - 1
REFERENCE = r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$"


@router.get("/checkpoint", response={200: CheckpointOut, 404: Problem}, auth=None)
def ledger_checkpoint(request: HttpRequest) -> dict[str, Any]:
    """The latest signed checkpoint: the tree's size and root hash, and the signed note."""
    latest = selectors.checkpoint_latest()
    if latest is None:
        raise NotFound("the ledger has signed no checkpoint yet")
    return _checkpoint_out(latest)


@router.get("/entries", response={200: list[LedgerEntryOut], 422: Problem}, auth=None)
def ledger_entries(
    request: HttpRequest,
    case: str = Query(
        ...,
        min_length=1,
        max_length=32,
        pattern=REFERENCE,
        description="The case's reference, like `PTH-2026-000123`.",
    ),
) -> list[dict[str, Any]]:
    """A case's entries in the ledger, oldest first (none while its decisions are pending)."""
    return [_entry_out(entry) for entry in selectors.entries_for_case(case.upper())]


@router.get(
    "/entries/{index}",
    response={200: LedgerEntryProofOut, 404: Problem, 422: Problem},
    auth=None,
    url_name="ledger_entry",
)
def ledger_entry(
    request: HttpRequest,
    index: int = Path(..., ge=0, le=LARGEST),
    size: int | None = Query(
        None,
        ge=1,
        le=LARGEST,
        description="Prove inclusion in the checkpoint of this size; the latest by default.",
    ),
) -> dict[str, Any]:
    """One entry with the proof that it is in a signed tree."""
    entry = selectors.entry_at(index)
    found = selectors.inclusion(index, size)
    proof = {"size": found.checkpoint.size, "hashes": _b64_all(found.hashes),
             "checkpoint": found.checkpoint.note}  # fmt: skip
    return {**_entry_out(entry), "proof": proof}


@router.get("/consistency", response={200: ConsistencyOut, 404: Problem, 422: Problem}, auth=None)
def ledger_consistency(
    request: HttpRequest,
    first: int = Query(..., ge=0, le=LARGEST, description="The smaller signed tree size."),
    second: int = Query(..., ge=0, le=LARGEST, description="The larger signed tree size."),
) -> dict[str, Any]:
    """The proof that the signed tree of size `first` is a prefix of that of size `second`."""
    if first > second:
        raise InvalidInput([FieldError("first", "must not be larger than `second`")])
    hashes = selectors.consistency(first, second)
    return {"first": first, "second": second, "hashes": _b64_all(hashes)}


def _checkpoint_out(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "origin": checkpoint.note.split("\n", 1)[0],
        "size": checkpoint.size,
        "root_hash": _b64(bytes(checkpoint.root_hash)),
        "signed_at": checkpoint.signed_at,
        "note": checkpoint.note,
    }


def _entry_out(entry: Entry) -> dict[str, Any]:
    body = bytes(entry.body)
    return {
        "index": entry.log_index,
        "kind": entry.kind,
        "case": entry.case_reference,
        "recorded_at": entry.recorded_at,
        "integrated_at": entry.integrated_at,
        "entry": json.loads(body),
        "leaf_hash": _b64(merkle.leaf_hash(body)),
    }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _b64_all(hashes: list[bytes]) -> list[str]:
    return [_b64(h) for h in hashes]
