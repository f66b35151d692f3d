"""Which keys the encrypted columns are under, and re-encrypting them under the current key
while Publica keeps serving (`publica keys status`, `publica keys rotate`).

Rotation walks each encrypted column in primary-key order, a batch at a time, each batch its
own short transaction. A value is rewritten only if it is still what was read (compare and
swap), so a request that changes the row meanwhile wins and the row is looked at again on
the next pass; readers never wait, and every process can read both keys throughout.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction

from publica.core.fieldcrypt import key_id_of
from publica.core.fieldkeys import RELOAD_SECONDS, keyring, keys_make_current, newest_key_id
from publica.core.fields import Encrypted, column_label

__all__ = ["PLAIN", "encrypted_columns", "keys_rotate", "keys_status"]

#: What `keys_status` calls a value written before its column was encrypted.
PLAIN = "not encrypted"


def encrypted_columns() -> list[tuple[type[models.Model], models.Field]]:  # type: ignore[type-arg]
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, Encrypted)
    ]


def keys_status(*, batch: int = 5000) -> dict[str, Counter[str]]:
    """For each encrypted column, how many values each key id holds (empty ones left out)."""
    found: dict[str, Counter[str]] = {}
    for model, field in encrypted_columns():
        counts: Counter[str] = Counter()
        for page in _pages(model, field, batch, prefix_only=True):
            counts.update(key_id_of(value) or PLAIN for _pk, value in page)
        found[column_label(field)] = counts
    return found


def keys_rotate(
    *, batch: int = 500, echo: Callable[[str], object] = lambda _: None
) -> dict[str, int]:
    """Make the newest key current (waiting until every process has noticed), then
    re-encrypt every value under another key, or none; how many were rewritten per column."""
    newest = newest_key_id()
    if keyring().current != newest:
        keys_make_current(newest)
        echo(f"{newest} is now the current key; waiting for every process to use it")
        time.sleep(2 * RELOAD_SECONDS + 0.5)
    current = keyring().current
    done: dict[str, int] = {}
    for model, field in encrypted_columns():
        label = column_label(field)
        done[label] = 0
        while rewritten := _rotate_column(model, field, current, batch):
            done[label] += rewritten
        if done[label]:
            echo(f"{label}: {done[label]} re-encrypted under {current}")
    return done


def _rotate_column(
    model: type[models.Model],
    field: models.Field,  # type: ignore[type-arg]
    current: str,
    batch: int,
) -> int:
    """One pass over the column; how many values it rewrote (0: nothing left to do)."""
    assert isinstance(field, Encrypted)
    table, pk, column = _names(model, field)
    rewritten = 0
    for page in _pages(model, field, batch):
        stale = [(key, value) for key, value in page if key_id_of(value) != current]
        if not stale:
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            for key, value in stale:
                fresh = field.encrypt_text(field.decrypt_text(value))
                cursor.execute(
                    f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s",
                    [fresh, key, value],
                )
                rewritten += cursor.rowcount
    return rewritten


def _pages(
    model: type[models.Model],
    field: models.Field,  # type: ignore[type-arg]
    size: int,
    *,
    prefix_only: bool = False,
) -> Iterator[list[tuple[Any, str]]]:
    """The column's non-empty values as stored (never decrypted), `size` rows at a time in
    primary-key order; with `prefix_only` just enough of each to read its key id."""
    table, pk, column = _names(model, field)
    selected = f"SUBSTR({column}, 1, 48)" if prefix_only else column
    last: Any = None
    while True:
        after = "" if last is None else f" AND {pk} > %s"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {pk}, {selected} FROM {table} WHERE {column} IS NOT NULL AND "
                f"{column} <> ''{after} ORDER BY {pk} LIMIT {int(size)}",
                [] if last is None else [last],
            )
            rows = [(key, str(value)) for key, value in cursor.fetchall()]
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _names(
    model: type[models.Model],
    field: models.Field,  # type: ignore[type-arg]
) -> tuple[str, str, str]:
    quote = connection.ops.quote_name
    return quote(model._meta.db_table), quote(model._meta.pk.column), quote(field.column)  # type: ignore[union-attr]
