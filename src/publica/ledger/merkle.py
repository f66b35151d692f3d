"""Merkle tree hashes and proofs exactly as RFC 9162 §2.1 defines them (the Certificate
Transparency tree), so any CT or tlog tool can check what Publica publishes. No Django here.

A tree is read through `Hashes.subtree(height, index)`: the hash of the perfect subtree of
2**height leaves that starts at leaf `index * 2**height`. A list of leaf hashes, a set of
tiles or a database can all answer that question; the algorithms do not care which.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

__all__ = [
    "EMPTY_ROOT",
    "Hashes",
    "LeafList",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "tree_hash",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class Hashes(Protocol):
    def subtree(self, height: int, index: int) -> bytes:
        """The hash of the perfect subtree of 2**height leaves from leaf index * 2**height."""
        ...


class LeafList:
    """A tree held as its leaf hashes in memory (for tests and small trees)."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.leaves = leaves

    def subtree(self, height: int, index: int) -> bytes:
        level = list(self.leaves[index << height : (index + 1) << height])
        for _ in range(height):
            level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
        return level[0]


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2): where RFC 9162 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


def tree_hash(hashes: Hashes, start: int, end: int) -> bytes:
    """MTH(D[start:end]); `start` is always aligned as RFC 9162's recursion leaves it."""
    n = end - start
    if n == 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0 and start % n == 0:
        return hashes.subtree(n.bit_length() - 1, start // n)
    k = _split(n)
    return node_hash(tree_hash(hashes, start, start + k), tree_hash(hashes, start + k, end))


def inclusion_proof(hashes: Hashes, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]): from the leaf's sibling up to the root's child."""
    if not 0 <= index < size:
        raise ValueError(f"entry {index} is not in a tree of size {size}")
    return _path(hashes, index, 0, size)


def _path(hashes: Hashes, index: int, start: int, end: int) -> list[bytes]:
    n = end - start
    if n == 1:
        return []
    k = _split(n)
    if index < start + k:
        return [*_path(hashes, index, start, start + k), tree_hash(hashes, start + k, end)]
    return [*_path(hashes, index, start + k, end), tree_hash(hashes, start, start + k)]


def consistency_proof(hashes: Hashes, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[0:second]): that the tree of size `first` is a prefix of `second`."""
    if not 0 <= first <= second:
        raise ValueError(f"a tree of size {first} cannot be a prefix of one of size {second}")
    if first in (0, second):
        return []
    return _subproof(hashes, first, 0, second, True)


def _subproof(hashes: Hashes, m: int, start: int, end: int, whole: bool) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if whole else [tree_hash(hashes, start, end)]
    k = _split(n)
    if m <= k:
        return [*_subproof(hashes, m, start, start + k, whole), tree_hash(hashes, start + k, end)]
    return [*_subproof(hashes, m - k, start + k, end, False), tree_hash(hashes, start, start + k)]


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2 (and: every tree extends the empty one; a tree extends itself)."""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root
