"""Database triggers that keep the ledger append-only, whatever code (or person with a SQL
prompt short of dropping triggers) writes to it: an integrated entry, a full tile and a
checkpoint can never be changed or deleted, and a partial tile can only grow.

Tampering by someone who drops the triggers is what `publica ledger verify` is for.
"""

from __future__ import annotations

from typing import Any

_ENTRY_CHANGED = (
    "OLD.log_index IS NOT NULL OR NEW.id <> OLD.id OR NEW.body <> OLD.body"
    " OR NEW.kind <> OLD.kind OR NEW.case_reference <> OLD.case_reference"
    " OR NEW.recorded_at <> OLD.recorded_at"
)
_TILE_REWRITTEN = (
    "length(OLD.hashes) >= 8192 OR NEW.level <> OLD.level OR NEW.number <> OLD.number"
    " OR {prefix} <> OLD.hashes"
)

#: (trigger, table, event, condition or None, message)
_RULES = [
    ("ledger_entry_kept", "ledger_entry", "DELETE", None,
     "ledger entries are append-only and cannot be deleted"),
    ("ledger_entry_fixed", "ledger_entry", "UPDATE", _ENTRY_CHANGED,
     "ledger entries are append-only: only the place of a pending entry may be set"),
    ("ledger_tile_kept", "ledger_tile", "DELETE", None,
     "ledger tiles are append-only and cannot be deleted"),
    ("ledger_tile_grows", "ledger_tile", "UPDATE", _TILE_REWRITTEN,
     "ledger tiles are append-only: a partial tile may only grow, a full one never changes"),
    ("ledger_checkpoint_kept", "ledger_checkpoint", "DELETE", None,
     "signed checkpoints cannot be deleted"),
    ("ledger_checkpoint_fixed", "ledger_checkpoint", "UPDATE", "TRUE",
     "signed checkpoints cannot be changed"),
]  # fmt: skip
_TABLES = ("ledger_entry", "ledger_tile", "ledger_checkpoint")


def install(connection: Any) -> None:
    if not _has_ledger(connection):
        return
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor):
            cursor.execute(statement)


def remove(connection: Any) -> None:
    if not _has_ledger(connection):
        return
    with connection.cursor() as cursor:
        for name, table, *_ in _RULES:
            on = f" ON {table}" if connection.vendor == "postgresql" else ""
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
        if connection.vendor == "postgresql":
            for table in _TABLES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_not_truncated ON {table}")
            cursor.execute("DROP FUNCTION IF EXISTS ledger_refuse()")


def _has_ledger(connection: Any) -> bool:
    return "ledger_entry" in connection.introspection.table_names()


def _statements(vendor: str) -> list[str]:
    if vendor == "sqlite":
        prefix = "substr(NEW.hashes, 1, length(OLD.hashes))"
        return [
            f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {event} ON {table}"
            + (f" WHEN {condition.format(prefix=prefix)}" if condition else "")
            + f" BEGIN SELECT RAISE(ABORT, '{message}'); END"
            for name, table, event, condition, message in _RULES
        ]
    if vendor == "postgresql":
        prefix = "substring(NEW.hashes from 1 for length(OLD.hashes))"
        function = (
            "CREATE OR REPLACE FUNCTION ledger_refuse() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN RAISE EXCEPTION '%', TG_ARGV[0]"
            " USING ERRCODE = 'integrity_constraint_violation'; END $$"
        )
        rows = [
            f"CREATE OR REPLACE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW"
            + (f" WHEN ({condition.format(prefix=prefix)})" if condition else "")
            + f" EXECUTE FUNCTION ledger_refuse('{message}')"
            for name, table, event, condition, message in _RULES
        ]
        truncates = [
            f"CREATE OR REPLACE TRIGGER {table}_not_truncated BEFORE TRUNCATE ON {table}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse('the ledger cannot be emptied')"
            for table in _TABLES
        ]
        return [function, *rows, *truncates]
    raise NotImplementedError(f"the ledger's guards know SQLite and PostgreSQL, not {vendor}")
