"""Database triggers that keep tables append-only, on SQLite and PostgreSQL alike.

An app declares its rules as `GUARDS = Guards(...)` in its own `guards.py` (the ledger's
entries and tiles, the exchange's access records); a migration installs them with
`GUARDS.install(schema_editor.connection)`, and `flush`, the one command that exists to
destroy all data, steps every app's guards aside for its run (`registered()`).

They stop whatever code, or person at a SQL prompt, writes to the tables, short of dropping
the triggers: what each app's verifier is for. SQLite drops a table's triggers when a
migration rebuilds the table, so a migration that alters a guarded table installs its
guards again.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Guards", "Rule", "registered"]

#: Phrases every rule's condition may use, as `{differs}`: a comparison true when two values
#: differ, NULL included (`NEW.a <> OLD.a` is NULL, so false, when either is NULL).
_PHRASES = {
    "sqlite": {"differs": "IS NOT"},
    "postgresql": {"differs": "IS DISTINCT FROM"},
}


@dataclass(frozen=True)
class Rule:
    """Refuse `event` (UPDATE or DELETE) on `table` when `condition` holds (always if None)."""

    name: str
    table: str
    event: str
    condition: str | None
    message: str


@dataclass(frozen=True)
class Guards:
    """One app's triggers. `prefix` names its PostgreSQL refusal function (`<prefix>_refuse`);
    on PostgreSQL each of `tables` also refuses TRUNCATE with `emptied`. `phrases` adds
    vendor-specific words that the conditions use as `{name}`."""

    prefix: str
    rules: Sequence[Rule]
    tables: Sequence[str]
    emptied: str
    phrases: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def install(self, connection: Any) -> None:
        if not self._tables_exist(connection):
            return
        with connection.cursor() as cursor:
            for statement in self.statements(connection.vendor):
                cursor.execute(statement)

    def remove(self, connection: Any) -> None:
        if not self._tables_exist(connection):
            return
        postgresql = connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            for rule in self.rules:
                on = f" ON {rule.table}" if postgresql else ""
                cursor.execute(f"DROP TRIGGER IF EXISTS {rule.name}{on}")
            if postgresql:
                for table in self.tables:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_not_truncated ON {table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {self.prefix}_refuse()")

    def statements(self, vendor: str) -> list[str]:
        if vendor not in _PHRASES:
            raise NotImplementedError(f"the guards know SQLite and PostgreSQL, not {vendor}")
        words = {**_PHRASES[vendor], **self.phrases.get(vendor, {})}
        if vendor == "sqlite":
            return [
                f"CREATE TRIGGER IF NOT EXISTS {rule.name} BEFORE {rule.event} ON {rule.table}"
                + (f" WHEN {rule.condition.format(**words)}" if rule.condition else "")
                + f" BEGIN SELECT RAISE(ABORT, '{rule.message}'); END"
                for rule in self.rules
            ]
        function = (
            f"CREATE OR REPLACE FUNCTION {self.prefix}_refuse() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '%', TG_ARGV[0]"
            " USING ERRCODE = 'integrity_constraint_violation'; END $$"
        )
        rows = [
            f"CREATE OR REPLACE TRIGGER {rule.name} BEFORE {rule.event} ON {rule.table}"
            " FOR EACH ROW"
            + (f" WHEN ({rule.condition.format(**words)})" if rule.condition else "")
            + f" EXECUTE FUNCTION {self.prefix}_refuse('{rule.message}')"
            for rule in self.rules
        ]
        truncates = [
            f"CREATE OR REPLACE TRIGGER {table}_not_truncated BEFORE TRUNCATE ON {table}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {self.prefix}_refuse('{self.emptied}')"
            for table in self.tables
        ]
        return [function, *rows, *truncates]

    def _tables_exist(self, connection: Any) -> bool:
        """Before the app's tables are made (or after they are gone) there is nothing to guard."""
        existing = set(connection.introspection.table_names())
        return all(table in existing for table in self.tables)


def registered() -> list[Guards]:
    """Every installed app's `GUARDS`, from the `guards` module beside its models."""
    from django.apps import apps

    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.guards"
        if importlib.util.find_spec(name) is None:
            continue
        guards = getattr(importlib.import_module(name), "GUARDS", None)
        if isinstance(guards, Guards):
            found.append(guards)
    return found
