"""did:key for Ed25519 keys (W3C CCG did:key v0.7 §3.1.2): ``did:key:z6Mk…`` is the multibase base58btc of the
multicodec ``ed25519-pub`` (0xed01) followed by the 32-byte public key; the one verification method of such a
DID is ``did:key:<fingerprint>#<fingerprint>``, listed in every verification relationship. Resolved locally:
a did:key needs no network and no agent."""

from __future__ import annotations

from . import multibase

__all__ = ["DidKeyError", "did_key", "public_key", "verification_method"]

ED25519_PUB = b"\xed\x01"


class DidKeyError(ValueError):
    """Not an Ed25519 did:key (or one of its verification methods)."""


def did_key(public: bytes) -> str:
    if len(public) != 32:
        raise DidKeyError(f"an Ed25519 public key is 32 bytes, not {len(public)}")
    return "did:key:" + multibase.encode(ED25519_PUB + public)


def verification_method(did: str) -> str:
    """The DID's one verification method id (did:key §3.1.2)."""
    return f"{did}#{_fingerprint(did)}"


def public_key(did_or_method: str) -> bytes:
    """The Ed25519 key a did:key (or its verification method) names; a method whose fragment is not the
    DID's own fingerprint does not exist in the DID document."""
    did, _, fragment = did_or_method.partition("#")
    fingerprint = _fingerprint(did)
    if fragment and fragment != fingerprint:
        raise DidKeyError(f"{did_or_method} is not a verification method of {did}")
    try:
        decoded = multibase.decode(fingerprint)
    except multibase.MultibaseError as err:
        raise DidKeyError(f"{did} does not decode: {err}") from err
    if not decoded.startswith(ED25519_PUB) or len(decoded) != 34:
        raise DidKeyError(f"{did} is not an Ed25519 did:key")
    return decoded[2:]


def _fingerprint(did: str) -> str:
    if not did.startswith("did:key:z"):
        raise DidKeyError(f"{did!r} is not a base58btc did:key")
    return did.removeprefix("did:key:")
