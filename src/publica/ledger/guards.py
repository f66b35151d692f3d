"""Database triggers that keep the ledger append-only, whatever code (or person with a SQL
prompt short of dropping triggers) writes to it: an integrated entry, a full tile and a
checkpoint can never be changed or deleted, and a partial tile can only grow.

Tampering by someone who drops the triggers is what `publica ledger verify` is for. The
trigger-building itself is shared with other append-only tables (`publica.core.guards`).
"""

from __future__ import annotations

from typing import Any

from publica.core.guards import Guards, Rule

__all__ = ["GUARDS", "install", "remove"]

_ENTRY_CHANGED = (
    "OLD.log_index IS NOT NULL OR NEW.id <> OLD.id OR NEW.body <> OLD.body"
    " OR NEW.kind <> OLD.kind OR NEW.case_reference <> OLD.case_reference"
    " OR NEW.recorded_at <> OLD.recorded_at"
)
_TILE_REWRITTEN = (
    "length(OLD.hashes) >= 8192 OR NEW.level <> OLD.level OR NEW.number <> OLD.number"
    " OR {prefix} <> OLD.hashes"
)

GUARDS = Guards(
    prefix="ledger",
    rules=[
        Rule("ledger_entry_kept", "ledger_entry", "DELETE", None,
             "ledger entries are append-only and cannot be deleted"),
        Rule("ledger_entry_fixed", "ledger_entry", "UPDATE", _ENTRY_CHANGED,
             "ledger entries are append-only: only the place of a pending entry may be set"),
        Rule("ledger_tile_kept", "ledger_tile", "DELETE", None,
             "ledger tiles are append-only and cannot be deleted"),
        Rule("ledger_tile_grows", "ledger_tile", "UPDATE", _TILE_REWRITTEN,
             "ledger tiles are append-only: a partial tile may only grow,"
             " a full one never changes"),
        Rule("ledger_checkpoint_kept", "ledger_checkpoint", "DELETE", None,
             "signed checkpoints cannot be deleted"),
        Rule("ledger_checkpoint_fixed", "ledger_checkpoint", "UPDATE", "TRUE",
             "signed checkpoints cannot be changed"),
    ],
    tables=("ledger_entry", "ledger_tile", "ledger_checkpoint"),
    emptied="the ledger cannot be emptied",
    # the stored tile cut to the old one's length: equal when the tile only grew
    phrases={
        "sqlite": {"prefix": "substr(NEW.hashes, 1, length(OLD.hashes))"},
        "postgresql": {"prefix": "substring(NEW.hashes from 1 for length(OLD.hashes))"},
    },
)  # fmt: skip


def install(connection: Any) -> None:
    GUARDS.install(connection)


def remove(connection: Any) -> None:
    GUARDS.remove(connection)
