"""Reads of the ledger: checkpoints, tiles, entry bundles, entries by case, and proofs."""

from __future__ import annotations

from dataclasses import dataclass

from publica.core.errors import NotFound
from publica.ledger import merkle
from publica.ledger.models import Checkpoint, Entry, Tile
from publica.ledger.tiles import TILE_WIDTH, TileHashes, bundle

__all__ = [
    "checkpoint_latest",
    "consistency",
    "entries_for_case",
    "entry_at",
    "entry_bundle",
    "inclusion",
    "tile_hashes",
]


def checkpoint_latest() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()


def checkpoint_at(size: int) -> Checkpoint:
    found = Checkpoint.objects.filter(size=size).first()
    if found is None:
        raise NotFound(f"the ledger signed no checkpoint of size {size}")
    return found


def tile_hashes(level: int, number: int, width: int) -> bytes | None:
    """A tile as `width` hashes, or None when the tree has not grown it that wide."""
    data = Tile.objects.filter(level=level, number=number).values_list("hashes", flat=True).first()
    if data is None or len(data) < width * 32:
        return None
    return bytes(data)[: width * 32]


def entry_bundle(number: int, width: int) -> bytes | None:
    start = number * TILE_WIDTH
    bodies = list(
        Entry.objects.filter(log_index__gte=start, log_index__lt=start + width)
        .order_by("log_index")
        .values_list("body", flat=True)
    )
    if len(bodies) < width:
        return None
    return bundle(bytes(body) for body in bodies)


def entries_for_case(reference: str) -> list[Entry]:
    """A case's integrated entries, oldest first."""
    return list(
        Entry.objects.filter(case_reference=reference, log_index__isnull=False).order_by(
            "log_index"
        )
    )


def entry_at(index: int) -> Entry:
    """The integrated entry at `index` in the log."""
    found = Entry.objects.filter(log_index=index).first()
    if found is None:
        raise NotFound(f"entry {index} is not in the ledger")
    return found


def _reader() -> TileHashes:
    def fetch(level: int, number: int) -> bytes:
        data = Tile.objects.filter(level=level, number=number).values_list("hashes", flat=True)
        found = data.first()
        if found is None:
            raise NotFound(f"tile {level}/{number} is missing")
        return bytes(found)

    return TileHashes(fetch)


@dataclass(frozen=True)
class Inclusion:
    index: int
    checkpoint: Checkpoint
    leaf: bytes
    hashes: list[bytes]


def inclusion(index: int, size: int | None = None) -> Inclusion:
    """The proof that entry `index` is in the tree of a signed checkpoint (the latest when
    `size` is None)."""
    checkpoint = checkpoint_latest() if size is None else checkpoint_at(size)
    if checkpoint is None or not 0 <= index < checkpoint.size:
        raise NotFound(f"entry {index} is not in the signed ledger")
    body = Entry.objects.filter(log_index=index).values_list("body", flat=True).first()
    if body is None:
        raise NotFound(f"entry {index} is missing")
    hashes = merkle.inclusion_proof(_reader(), index, checkpoint.size)
    return Inclusion(index, checkpoint, merkle.leaf_hash(bytes(body)), hashes)


def consistency(first: int, second: int) -> list[bytes]:
    """The proof that the signed tree of size `first` is a prefix of that of size `second`."""
    if first > second:
        raise NotFound("the first size must not be larger than the second")
    checkpoint_at(second)
    if first:
        checkpoint_at(first)
    return merkle.consistency_proof(_reader(), first, second)
