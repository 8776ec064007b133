"""IETF Token Status List: the draft's own example, the positions revocation and suspension set, and the
chain's replay reading a token list in its own bit order."""

from __future__ import annotations

import pytest

from revocation.bitstring import Bitstring, BitstringError
from revocation.status_registry import Purpose
from revocation.token_status_list import (
    INVALID,
    SUSPENDED,
    VALID,
    TokenStatusBits,
    position,
    status_list_claims,
)

DRAFT_EXAMPLE = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]
"""draft-ietf-oauth-status-list §4.1, ``bits`` 2: bytes C9 44 F9, ``lst`` eNo76fITAAPfAgc."""


def test_the_drafts_two_bit_example_byte_for_byte() -> None:
    bits = TokenStatusBits(24)
    for entry, value in enumerate(DRAFT_EXAMPLE):
        bits[2 * entry], bits[2 * entry + 1] = bool(value & 1), bool(value & 2)
    assert bits.to_bytes() == bytes.fromhex("c944f9")
    assert bits.encode() == "eNo76fITAAPfAgc"
    decoded = TokenStatusBits.decode("eNo76fITAAPfAgc")
    assert [decoded.status(i) for i in range(12)] == DRAFT_EXAMPLE


def test_revocation_and_suspension_set_their_own_bit_of_the_entry() -> None:
    bits = TokenStatusBits(16)
    bits.update([position(3, "revocation"), position(5, "suspension")])
    assert (bits.status(3), bits.status(5), bits.status(4)) == (INVALID, SUSPENDED, VALID)
    bits.update(cleared=[position(5, "suspension")])
    assert bits.status(5) == VALID


def test_a_token_list_is_not_a_bitstring_list_in_disguise() -> None:
    """Same positions, other bit order: the commitment differs, so a verifier must read the kind on chain."""
    token, w3c = Purpose.TOKEN.bits(16), Purpose.REVOCATION.bits(16)
    assert type(token) is TokenStatusBits and type(w3c) is Bitstring
    token[0] = w3c[0] = True
    assert token.to_bytes() == b"\x01\x00" and w3c.to_bytes() == b"\x80\x00"
    assert token.commitment() != w3c.commitment()


@pytest.mark.parametrize("bad", ["", "!!", "AAAA", "eNo"])
def test_garbage_is_refused_with_a_reason(bad: str) -> None:
    with pytest.raises(BitstringError):
        TokenStatusBits.decode(bad)


def test_entries_outside_the_list_are_refused() -> None:
    with pytest.raises(BitstringError):
        TokenStatusBits(16).status(8)


def test_the_jwt_payload_names_its_own_uri() -> None:
    claims = status_list_claims("https://issuer.example/token-status-lists/1", "eNo76fITAAPfAgc", 100, 300)
    assert claims == {
        "sub": "https://issuer.example/token-status-lists/1",
        "iat": 100,
        "ttl": 300,
        "status_list": {"bits": 2, "lst": "eNo76fITAAPfAgc"},
    }
