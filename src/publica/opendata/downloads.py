"""A dataset's rows as CSV, JSON or Parquet, streamed a chunk at a time so a million rows
never sit in memory at once (Parquet is written to a spooled file in row groups)."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import tempfile
from collections.abc import Iterator
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from publica.opendata.tables import ColumnType, Table

__all__ = ["csv_chunks", "json_chunks", "parquet_file"]

CHUNK = 5_000
ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    "text": pa.string(),
    "int": pa.int64(),
    "numeric": pa.float64(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
    "bool": pa.bool_(),
}


def _names(table: Table) -> list[str]:
    return ["_id", *(column.name for column in table.columns)]


def _rows(table: Table) -> Iterator[dict[str, Any]]:
    return table.values().iterator(chunk_size=CHUNK)


def _text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any, text_column: bool) -> Any:
    if value is None:
        return ""
    if text_column and isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value  # shown as written, never run (OWASP's advice for CSV exports)
    return _boolean(_text(value))


def csv_chunks(table: Table) -> Iterator[str]:
    """The header, then the rows, in chunks of text. Empty cells are nulls; text that a
    spreadsheet would run as a formula is quoted with a leading apostrophe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = _names(table)
    text = {column.name for column in table.columns if column.type == "text"}
    writer.writerow(names)
    for count, row in enumerate(_rows(table), start=1):
        writer.writerow([_cell(row[n], n in text) for n in names])
        if count % CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _boolean(value: Any) -> Any:
    return ("true" if value else "false") if isinstance(value, bool) else value


def json_chunks(table: Table) -> Iterator[str]:
    """A JSON array of objects, one per row, keyed by column name."""
    opening = "["
    parts: list[str] = []
    for row in _rows(table):
        parts.append(json.dumps({k: _text(v) for k, v in row.items()}, ensure_ascii=False))
        if len(parts) == CHUNK:
            yield opening + ",\n".join(parts)
            opening, parts = ",\n", []
    yield (opening + ",\n".join(parts) if parts else ("[" if opening == "[" else "")) + "]\n"


def parquet_file(table: Table) -> IO[bytes]:
    """A Parquet file of the rows with the columns' types, rewound and ready to send."""
    schema = pa.schema(
        [pa.field("_id", pa.int64(), nullable=False)]
        + [pa.field(c.name, ARROW_TYPES[c.type]) for c in table.columns]
    )
    numeric = [c.name for c in table.columns if c.type == "numeric"]
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    with pq.ParquetWriter(spool, schema, compression="zstd") as writer:
        batch: list[dict[str, Any]] = []
        for row in _rows(table):
            for name in numeric:
                if isinstance(row[name], decimal.Decimal):
                    row[name] = float(row[name])
            batch.append(row)
            if len(batch) == CHUNK * 10:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    spool.seek(0)
    return spool
