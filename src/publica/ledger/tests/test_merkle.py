"""RFC 9162 hashing and proofs against the Certificate Transparency reference vectors, then
every proof for random trees, and none once a byte changes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from publica.ledger.merkle import (
    EMPTY_ROOT,
    LeafList,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)

# The 8-leaf tree of the CT reference implementation and the root of each prefix.
CT_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
)]  # fmt: skip
CT_ROOTS = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]  # fmt: skip
CT_INCLUSION = {
    (0, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (5, 8): ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
}  # fmt: skip
CT_CONSISTENCY = {
    (2, 8): ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (6, 8): ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
    (2, 5): ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"],
}  # fmt: skip
CT_TREE = LeafList([leaf_hash(entry) for entry in CT_LEAVES])


def test_the_empty_tree_hashes_to_sha256_of_nothing():
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert tree_hash(CT_TREE, 0, 0) == EMPTY_ROOT


def test_every_prefix_of_the_reference_tree_has_the_reference_root():
    for size, root in enumerate(CT_ROOTS, start=1):
        assert tree_hash(CT_TREE, 0, size) == root


def test_inclusion_proofs_are_the_reference_ones_and_verify():
    for (index, size), expected in CT_INCLUSION.items():
        proof = inclusion_proof(CT_TREE, index, size)
        assert [p.hex() for p in proof] == expected
        leaf = leaf_hash(CT_LEAVES[index])
        assert verify_inclusion(index, size, leaf, proof, CT_ROOTS[size - 1])


def test_consistency_proofs_are_the_reference_ones_and_verify():
    for (first, second), expected in CT_CONSISTENCY.items():
        proof = consistency_proof(CT_TREE, first, second)
        assert [p.hex() for p in proof] == expected
        assert verify_consistency(first, second, CT_ROOTS[first - 1], CT_ROOTS[second - 1], proof)


def _tree(size: int) -> LeafList:
    return LeafList([leaf_hash(n.to_bytes(4, "big")) for n in range(size)])


def _flip(proof: list[bytes], which: int, bit: int) -> list[bytes]:
    changed = bytearray(proof[which])
    changed[bit // 8] ^= 1 << (bit % 8)
    return [*proof[:which], bytes(changed), *proof[which + 1 :]]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_every_inclusion_proof_verifies_and_fails_once_any_byte_changes(data):
    size = data.draw(st.integers(1, 600))
    index = data.draw(st.integers(0, size - 1))
    tree = _tree(size)
    root, leaf = tree_hash(tree, 0, size), tree.leaves[index]
    proof = inclusion_proof(tree, index, size)
    assert verify_inclusion(index, size, leaf, proof, root)
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1))
        bent = _flip(proof, which, data.draw(st.integers(0, 255)))
        assert not verify_inclusion(index, size, leaf, bent, root)
    assert not verify_inclusion(index, size, _flip([leaf], 0, 7)[0], proof, root)
    assert not verify_inclusion(index, size, leaf, proof, _flip([root], 0, 0)[0])
    other = data.draw(st.integers(0, size - 1))
    if tree.leaves[other] != leaf:
        assert not verify_inclusion(other, size, leaf, proof, root) or other == index


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_every_consistency_proof_verifies_and_fails_once_any_byte_changes(data):
    second = data.draw(st.integers(1, 600))
    first = data.draw(st.integers(1, second))
    tree = _tree(second)
    old, new = tree_hash(tree, 0, first), tree_hash(tree, 0, second)
    proof = consistency_proof(tree, first, second)
    assert verify_consistency(first, second, old, new, proof)
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1))
        bent = _flip(proof, which, data.draw(st.integers(0, 255)))
        assert not verify_consistency(first, second, old, new, bent)
    if first < second:
        assert not verify_consistency(first, second, _flip([old], 0, 3)[0], new, proof)
        assert not verify_consistency(first, second, old, _flip([new], 0, 3)[0], proof)


def test_a_proof_for_an_entry_outside_the_tree_is_refused():
    assert not verify_inclusion(8, 8, leaf_hash(b""), [], CT_ROOTS[7])
    assert not verify_consistency(9, 8, CT_ROOTS[7], CT_ROOTS[7], [])
