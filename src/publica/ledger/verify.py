"""Check a ledger end to end, as an outsider would: the checkpoint's signature, every entry
against the leaf hashes, every tile against the tiles below it, the root against the
checkpoint, and the new checkpoint against the last one this verifier saw.

The ledger is read from a `Source`: over HTTP (`HttpSource`, what anyone can run against a
council's site) or straight from this installation's database (`DatabaseSource`, which also
proves the database rows still match what was published).
"""

from __future__ import annotations

import base64
import gzip
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from publica.ledger import merkle, note
from publica.ledger.tiles import (
    TILE_WIDTH,
    TileHashes,
    entry_path,
    fold,
    tile_path,
    unbundle,
)

__all__ = ["DatabaseSource", "Finding", "HttpSource", "Report", "verify"]

HASH = 32


class Source(Protocol):
    def checkpoint(self) -> str: ...

    def tile(self, level: int, number: int, width: int) -> bytes | None: ...

    def entries(self, number: int, width: int) -> dict[int, bytes] | None:
        """The entries of bundle `number` by index (None when the bundle is missing)."""
        ...


@dataclass(frozen=True)
class Finding:
    index: int | None  # the first entry index concerned, when there is one
    problem: str

    def __str__(self) -> str:
        return f"entry {self.index}: {self.problem}" if self.index is not None else self.problem


@dataclass
class Report:
    size: int = 0
    root: bytes = b""
    findings: list[Finding] = field(default_factory=list)
    previous_size: int | None = None

    @property
    def ok(self) -> bool:
        return not self.findings


Progress = Callable[[int, int], None]


def verify(
    source: Source,
    verifier: note.Verifier,
    state: Path | None = None,
    progress: Progress | None = None,
) -> Report:
    report = Report()
    try:
        checkpoint = note.open_checkpoint(source.checkpoint(), verifier, verifier.name)
    except (note.NoteError, LookupError) as exc:
        report.findings.append(Finding(None, f"the checkpoint cannot be trusted: {exc}"))
        return report
    report.size, report.root = checkpoint.size, checkpoint.root
    tiles = _check_entries(source, checkpoint.size, report, progress)
    _check_levels(source, checkpoint.size, tiles, report)
    if report.findings:
        return report
    reader = TileHashes(lambda level, number: tiles[level, number])
    if merkle.tree_hash(reader, 0, checkpoint.size) != checkpoint.root:
        report.findings.append(Finding(None, "the tiles do not hash to the checkpoint's root"))
        return report
    if state is not None:
        _check_against_last_seen(state, checkpoint, reader, report)
    return report


def _check_entries(
    source: Source, size: int, report: Report, progress: Progress | None
) -> dict[tuple[int, int], bytes]:
    """Level 0: each entry must hash to its leaf hash. Returns every tile it read."""
    tiles: dict[tuple[int, int], bytes] = {}
    for number in range(-(-size // TILE_WIDTH)):
        start = number * TILE_WIDTH
        width = min(TILE_WIDTH, size - start)
        tile = source.tile(0, number, width)
        if tile is None or len(tile) != width * HASH:
            missing = f"leaf tile {tile_path(0, number, width)} is missing"
            report.findings.append(Finding(start, missing))
            continue
        tiles[0, number] = tile
        found = source.entries(number, width)
        if found is None:
            missing = f"entry bundle {entry_path(number, width)} is missing"
            report.findings.append(Finding(start, missing))
            continue
        for index in range(start, start + width):
            body = found.get(index)
            published = tile[(index - start) * HASH : (index - start + 1) * HASH]
            if body is None:
                report.findings.append(Finding(index, "the entry has been removed"))
            elif merkle.leaf_hash(body) != published:
                report.findings.append(
                    Finding(index, "the entry differs from what the log published (changed)")
                )
        if progress:
            progress(start + width, size)
    return tiles


def _check_levels(
    source: Source, size: int, tiles: dict[tuple[int, int], bytes], report: Report
) -> None:
    """Levels 1 and up: each hash must be the root of the full tile below it."""
    level, count = 1, size // TILE_WIDTH
    while count:
        span = TILE_WIDTH**level  # entries under one hash at this level
        for number in range(-(-count // TILE_WIDTH)):
            width = min(TILE_WIDTH, count - number * TILE_WIDTH)
            tile = source.tile(level, number, width)
            if tile is None or len(tile) != width * HASH:
                missing = f"tile {tile_path(level, number, width)} is missing"
                report.findings.append(Finding(number * TILE_WIDTH * span, missing))
                continue
            tiles[level, number] = tile
            for offset in range(width):
                below = tiles.get((level - 1, number * TILE_WIDTH + offset))
                if below is None:
                    continue  # already reported
                if fold(below) != tile[offset * HASH : (offset + 1) * HASH]:
                    first = (number * TILE_WIDTH + offset) * span
                    path = tile_path(level - 1, number * TILE_WIDTH + offset)
                    report.findings.append(Finding(
                        first, f"tile {path} (entries {first}-{first + span - 1}) does not hash "
                        "to what the level above holds: it was rewritten",
                    ))  # fmt: skip
        count //= TILE_WIDTH
        level += 1


def _check_against_last_seen(
    state: Path, checkpoint: note.Checkpoint, reader: TileHashes, report: Report
) -> None:
    seen = json.loads(state.read_text()) if state.exists() else {}
    last = seen.get(checkpoint.origin)
    if last is not None:
        report.previous_size = last["size"]
        old_root = base64.b64decode(last["root"])
        if last["size"] > checkpoint.size:
            shrank = (
                f"the log shrank from {last['size']} entries (seen before) to {checkpoint.size}"
            )
            report.findings.append(Finding(None, shrank))
            return
        proof = merkle.consistency_proof(reader, last["size"], checkpoint.size)
        if not merkle.verify_consistency(
            last["size"], checkpoint.size, old_root, checkpoint.root, proof
        ):
            report.findings.append(Finding(
                None, f"the log is not consistent with the checkpoint of size {last['size']} "
                "seen before: its history was rewritten",
            ))  # fmt: skip
            return
    seen[checkpoint.origin] = {
        "size": checkpoint.size, "root": base64.b64encode(checkpoint.root).decode()
    }  # fmt: skip
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps(seen, indent=2) + "\n")


class HttpSource:
    """A ledger published at `url` (the prefix holding checkpoint and tile/)."""

    def __init__(self, url: str, timeout: float = 30) -> None:
        self.url = url.rstrip("/") + "/"
        self.timeout = timeout

    def _get(self, path: str) -> bytes | None:
        request = urllib.request.Request(
            self.url + path, headers={"Accept-Encoding": "gzip, identity"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data: bytes = response.read()
                if response.headers.get("Content-Encoding") == "gzip":
                    data = gzip.decompress(data)
                return data
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise

    def checkpoint(self) -> str:
        data = self._get("checkpoint")
        if data is None:
            raise LookupError(f"{self.url}checkpoint is missing")
        return data.decode()

    def key(self) -> str:
        data = self._get("key")
        if data is None:
            raise LookupError(f"{self.url}key is missing")
        return data.decode().strip()

    def tile(self, level: int, number: int, width: int) -> bytes | None:
        return self._get(tile_path(level, number, width))

    def entries(self, number: int, width: int) -> dict[int, bytes] | None:
        data = self._get(entry_path(number, width))
        if data is None:
            return None
        start = number * TILE_WIDTH
        return {start + offset: entry for offset, entry in enumerate(unbundle(data))}


class DatabaseSource:
    """This installation's own tables: tiles as stored and entries as the rows hold them."""

    def checkpoint(self) -> str:
        from publica.ledger.selectors import checkpoint_latest

        latest = checkpoint_latest()
        if latest is None:
            raise LookupError("no checkpoint has been signed yet")
        return latest.note

    def tile(self, level: int, number: int, width: int) -> bytes | None:
        from publica.ledger.selectors import tile_hashes

        return tile_hashes(level, number, width)

    def entries(self, number: int, width: int) -> dict[int, bytes]:
        from publica.ledger.models import Entry

        start = number * TILE_WIDTH
        rows = Entry.objects.filter(log_index__gte=start, log_index__lt=start + width)
        return {
            index: bytes(body)
            for index, body in rows.values_list("log_index", "body")
            if index is not None
        }
