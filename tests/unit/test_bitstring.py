"""Bitstring Status List encoding, checked against an independent implementation's output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_utils import keccak

from revocation.bitstring import MIN_ENTRIES, Bitstring, BitstringError

VECTORS = json.loads((Path(__file__).parents[1] / "fixtures" / "bitstring_vectors.json").read_text())["cases"]


@pytest.mark.parametrize("case", VECTORS, ids=[c["name"] for c in VECTORS])
def test_decodes_what_the_reference_implementation_encoded(case: dict) -> None:
    bits = Bitstring.decode(case["encodedList"])
    assert bits.size == case["length"]
    assert bits.ones() == case["set"]


@pytest.mark.parametrize("case", VECTORS, ids=[c["name"] for c in VECTORS])
def test_encodes_the_same_bits_and_deterministically(case: dict) -> None:
    bits = Bitstring(case["length"])
    bits.update(case["set"])
    encoded = bits.encode()
    assert encoded.startswith("u") and "=" not in encoded
    assert Bitstring.decode(encoded).ones() == case["set"]
    assert bits.encode() == encoded  # zero GZIP timestamp: same bits, same string


def test_index_zero_is_the_left_most_bit() -> None:
    bits = Bitstring()
    bits[0] = True
    bits[9] = True
    assert bits.to_bytes()[:2] == bytes([0b1000_0000, 0b0100_0000])
    bits.update(cleared=[0])
    assert bits.ones() == [9]


def test_commitment_is_keccak_of_the_uncompressed_list() -> None:
    bits = Bitstring()
    assert bits.commitment() == keccak(bytes(MIN_ENTRIES // 8))
    bits[5] = True
    assert bits.commitment() != keccak(bytes(MIN_ENTRIES // 8))


@pytest.mark.parametrize(
    ("encoded", "reason"),
    [("zH4sI", "starts with 'u'"), ("u!!!!", "not base64url GZIP"), ("uAAAA", "not base64url GZIP")],
)
def test_malformed_lists_say_why(encoded: str, reason: str) -> None:
    with pytest.raises(BitstringError, match=reason):
        Bitstring.decode(encoded)


def test_indexes_outside_the_list_are_refused() -> None:
    bits = Bitstring()
    with pytest.raises(BitstringError, match="outside the list"):
        bits[MIN_ENTRIES] = True
    with pytest.raises(BitstringError, match="outside the list"):
        _ = bits[-1]
