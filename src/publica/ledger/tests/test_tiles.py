"""Tiles as C2SP tlog-tiles lays them out, grown a batch at a time."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publica.ledger.merkle import LeafList, leaf_hash, tree_hash
from publica.ledger.tiles import (
    Frontier,
    TileAddress,
    TileHashes,
    bundle,
    entry_path,
    parse_path,
    partial_tiles,
    tile_path,
    unbundle,
)


def test_tile_paths_spell_the_index_in_three_digit_groups():
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(2, 5, width=17) == "tile/2/005.p/17"
    assert entry_path(1000) == "tile/entries/x001/000"
    assert parse_path("tile/0/x001/x234/067") == TileAddress(0, 1234067, 256)
    assert parse_path("tile/entries/005.p/112") == TileAddress(None, 5, 112)


@pytest.mark.parametrize(
    "path", ["tile/0/5", "tile/0/x000/005", "tile/64/000", "tile/0/000.p/256", "tile/0/000.p/0",
             "tile/01/000", "tile/0/000.p/", "tile/entries/x5/000", "tile/0/000/"],
)  # fmt: skip
def test_a_path_with_another_spelling_names_nothing(path):
    assert parse_path(path) is None


def test_partial_tiles_match_the_specifications_example():
    # "a tree of size 70,000 ... one partial level 0 tile of width 112, ... one partial level
    # 1 tile of width 17, and one partial level 2 tile of width 1"
    assert list(partial_tiles(70_000)) == [(0, 273, 112), (1, 1, 17), (2, 0, 1)]
    assert list(partial_tiles(256)) == [(1, 0, 1)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 700), min_size=1, max_size=6))
def test_a_tree_grown_in_batches_has_the_root_and_tiles_of_one_built_at_once(batches):
    leaves = [leaf_hash(n.to_bytes(4, "big")) for n in range(sum(batches))]
    stored: dict[tuple[int, int], bytes] = {}
    size = 0
    for batch in batches:
        frontier = Frontier(size, stored)
        frontier.append(leaves[size : size + batch])
        stored.update(frontier.changed())
        size += batch
        assert frontier.root() == tree_hash(LeafList(leaves), 0, size)
    reader = TileHashes(lambda level, number: stored[level, number])
    assert tree_hash(reader, 0, size) == tree_hash(LeafList(leaves), 0, size)
    for level, number, width in partial_tiles(size):
        assert len(stored[level, number]) == width * 32


def test_a_bundle_holds_each_entry_after_its_length():
    entries = [b"", b"a", b"x" * 300]
    data = bundle(entries)
    assert data[:5] == b"\x00\x00\x00\x01a"
    assert unbundle(data) == entries
    with pytest.raises(ValueError):
        unbundle(data[:-1])
