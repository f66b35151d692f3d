"""The tree as C2SP tlog-tiles: runs of 256 hashes at heights 0, 8, 16, …, and the entries
as length-prefixed bundles. No Django here.

Tile `n` at level `l` holds MTH(D[(n*256 + i) * 256**l : (n*256 + i + 1) * 256**l]) for i
from 0 to its width - 1. A partial tile (width < 256) only ever grows, and a full one never
changes, so a stored tile of width w also answers for every narrower partial tile.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from publica.ledger.merkle import HASH_SIZE, node_hash, tree_hash

__all__ = [
    "TILE_WIDTH",
    "Frontier",
    "TileHashes",
    "bundle",
    "entry_path",
    "parse_path",
    "tile_path",
    "unbundle",
]

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
FULL_TILE_BYTES = TILE_WIDTH * HASH_SIZE
#: Entry indexes are signed 64-bit integers in the database, so no tile starts beyond them.
MAX_TILES = 2**63 // TILE_WIDTH

#: `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`, N as x-prefixed 3-digit groups.
_PATH = re.compile(
    r"tile/(?:(?P<level>0|[1-9][0-9]?)|entries)"
    r"/(?P<n>(?:x\d{3}/)*\d{3})"
    r"(?:\.p/(?P<w>[1-9]\d{0,2}))?"
)


def _encode_index(n: int) -> str:
    digits = str(n)
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def tile_path(level: int, number: int, width: int = TILE_WIDTH) -> str:
    partial = f".p/{width}" if width < TILE_WIDTH else ""
    return f"tile/{level}/{_encode_index(number)}{partial}"


def entry_path(number: int, width: int = TILE_WIDTH) -> str:
    partial = f".p/{width}" if width < TILE_WIDTH else ""
    return f"tile/entries/{_encode_index(number)}{partial}"


@dataclass(frozen=True)
class TileAddress:
    level: int | None  # None for an entry bundle
    number: int
    width: int


def parse_path(path: str) -> TileAddress | None:
    """The tile or bundle a path names, or None when it names nothing valid."""
    match = _PATH.fullmatch(path)
    if match is None:
        return None
    groups = match["n"].replace("x", "").split("/")
    if len(groups) > 1 and groups[0] == "000":
        return None  # an index has exactly one spelling
    width = int(match["w"]) if match["w"] else TILE_WIDTH
    if match["w"] and width >= TILE_WIDTH:
        return None
    level = int(match["level"]) if match["level"] is not None else None
    number = int("".join(groups))
    if (level is not None and level > 63) or number >= MAX_TILES:
        return None
    return TileAddress(level, number, width)


def partial_tiles(size: int) -> Iterator[tuple[int, int, int]]:
    """(level, number, width) of each partial tile of a tree of `size` (C2SP: the partial
    tile at level l has floor(size / 256**l) mod 256 hashes)."""
    level, count = 0, size
    while count:
        number, width = divmod(count, TILE_WIDTH)
        if width:
            yield level, number, width
        count //= TILE_WIDTH
        level += 1


def fold(hashes: bytes) -> bytes:
    """The root of a perfect run of 2**k concatenated hashes."""
    level = [hashes[i : i + HASH_SIZE] for i in range(0, len(hashes), HASH_SIZE)]
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


class TileHashes:
    """`merkle.Hashes` answered from tiles: `fetch(level, number)` returns a tile's bytes
    (full, or as wide as the tree needs). Tiles are fetched once each."""

    def __init__(self, fetch: Callable[[int, int], bytes]) -> None:
        self._fetch = fetch
        self._tiles: dict[tuple[int, int], bytes] = {}

    def tile(self, level: int, number: int) -> bytes:
        key = (level, number)
        if key not in self._tiles:
            self._tiles[key] = self._fetch(level, number)
        return self._tiles[key]

    def subtree(self, height: int, index: int) -> bytes:
        level, rest = divmod(height, TILE_HEIGHT)
        first = index << rest  # the first hash at height 8*level under this subtree
        number, offset = divmod(first, TILE_WIDTH)
        data = self.tile(level, number)
        run = data[offset * HASH_SIZE : (offset + (1 << rest)) * HASH_SIZE]
        if len(run) != (1 << rest) * HASH_SIZE:
            raise LookupError(
                f"tile {level}/{number} is missing hashes for subtree {height}/{index}"
            )
        return fold(run)


class Frontier:
    """The partial tile of every level: all a log needs to append leaves and compute its
    new root. `changed()` gives every tile appending wrote to (full or partial), to store."""

    def __init__(self, size: int, partial: dict[tuple[int, int], bytes]) -> None:
        self.size = size
        self.counts: list[int] = []  # hashes at each level
        count = size
        while count:
            self.counts.append(count)
            count //= TILE_WIDTH
        self.touched: dict[tuple[int, int], bytearray] = {}
        for level, number, width in partial_tiles(size):
            data = partial.get((level, number), b"")
            if len(data) < width * HASH_SIZE:
                raise LookupError(f"tile {level}/{number} holds fewer than {width} hashes")
            self.touched[level, number] = bytearray(data[: width * HASH_SIZE])
        self._changed: set[tuple[int, int]] = set()

    def append(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self._push(0, leaf)
            self.size += 1

    def _push(self, level: int, digest: bytes) -> None:
        if level == len(self.counts):
            self.counts.append(0)
        number = self.counts[level] // TILE_WIDTH
        tile = self.touched.setdefault((level, number), bytearray())
        tile += digest
        self._changed.add((level, number))
        self.counts[level] += 1
        if len(tile) == FULL_TILE_BYTES:
            self._push(level + 1, fold(bytes(tile)))

    def changed(self) -> dict[tuple[int, int], bytes]:
        return {key: bytes(self.touched[key]) for key in sorted(self._changed)}

    def tile(self, level: int, number: int) -> bytes:
        return bytes(self.touched[level, number])

    def root(self) -> bytes:
        return tree_hash(TileHashes(self.tile), 0, self.size)


def bundle(entries: Iterable[bytes]) -> bytes:
    """An entry bundle: each entry prefixed by its length as a big-endian uint16."""
    out = bytearray()
    for entry in entries:
        if len(entry) > 0xFFFF:
            raise ValueError("a ledger entry is at most 65,535 bytes")
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def unbundle(data: bytes) -> list[bytes]:
    entries, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            raise ValueError("entry bundle ends inside a length")
        length = int.from_bytes(data[at : at + 2], "big")
        if at + 2 + length > len(data):
            raise ValueError("entry bundle ends inside an entry")
        entries.append(data[at + 2 : at + 2 + length])
        at += 2 + length
    return entries
