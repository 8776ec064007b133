"""The ``eddsa-rdfc-2022`` cryptosuite (W3C Data Integrity EdDSA Cryptosuites v1.0, §3.3): a
``DataIntegrityProof`` whose ``proofValue`` is the base58btc multibase of an Ed25519 signature over
``sha256(canonical proof configuration) ‖ sha256(canonical document)``, both canonicalised with RDFC-1.0.

Signing is split so the private key never leaves the wallet: ``signing_input`` gives the bytes to sign (the
agent signs them with askar), ``with_proof`` attaches the signature. Verification needs only the document: the
key comes from the did:key verification method.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from . import did_key, multibase
from .rdfc import Canonicalizer

__all__ = [
    "CRYPTOSUITE",
    "PROOF_TYPE",
    "ProofError",
    "SigningInput",
    "VerifiedProof",
    "is_this_suite",
    "signing_input",
    "verify",
    "with_proof",
]

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"


class ProofError(ValueError):
    """The proof does not verify; the message says why in words a person can act on."""


@dataclass(frozen=True)
class SigningInput:
    proof: dict[str, Any]
    """The proof without ``proofValue`` (its configuration, minus ``@context``)."""
    data: bytes
    """What the verification method's key signs (§3.3.4 hashData)."""


@dataclass(frozen=True)
class VerifiedProof:
    verification_method: str
    controller: str
    created: str | None


def is_this_suite(proof: Any) -> bool:
    return (
        isinstance(proof, Mapping)
        and proof.get("type") == PROOF_TYPE
        and proof.get("cryptosuite") == CRYPTOSUITE
    )


def signing_input(
    canonicalizer: Canonicalizer,
    document: Mapping[str, Any],
    *,
    verification_method: str,
    created: datetime | None = None,
    proof_purpose: str = "assertionMethod",
) -> SigningInput:
    """§3.3.1 Create Proof, up to the signature. Raises ``DocumentError`` for a document that is not
    canonicalisable in safe mode: we never sign what verifiers would drop."""
    moment = (created or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    proof = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": moment.isoformat().replace("+00:00", "Z"),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    return SigningInput(proof, _hash_data(canonicalizer, unsecured, proof))


def with_proof(document: Mapping[str, Any], signing: SigningInput, signature: bytes) -> dict[str, Any]:
    value = multibase.encode(signature)
    return {**document, "proof": {**signing.proof, "proofValue": value}}


def verify(
    canonicalizer: Canonicalizer,
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    *,
    expected_purpose: str = "assertionMethod",
) -> VerifiedProof:
    """§3.3.2 Verify Proof for a did:key verification method. Raises ``ProofError`` saying why not;
    ``DocumentError`` when the document cannot be canonicalised (unknown context, undefined terms)."""
    if not is_this_suite(proof):
        raise ProofError(f"not a {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}: {proof.get('type')!r}, "
                         f"{proof.get('cryptosuite')!r}")  # fmt: skip
    purpose = proof.get("proofPurpose")
    if purpose != expected_purpose:
        raise ProofError(f"proof purpose is {purpose!r}, a credential's must be {expected_purpose!r}")
    method = proof.get("verificationMethod")
    if not isinstance(method, str):
        raise ProofError("the proof names no verification method")
    try:
        public = did_key.public_key(method)
    except did_key.DidKeyError as err:
        raise ProofError(f"verification method not resolvable offline: {err}") from err
    created = proof.get("created")
    if created is not None and not _is_datetime(created):
        raise ProofError(f"created {created!r} is not an XML Schema dateTime")
    try:
        signature = multibase.decode(proof.get("proofValue"))
    except multibase.MultibaseError as err:
        raise ProofError(f"proofValue: {err}") from err
    if len(signature) != 64:
        raise ProofError("proofValue is not a base58btc Ed25519 signature (64 bytes)")
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if "@context" in options:  # §3.3.2 step 4: the proof's contexts must open the document's
        mine, theirs = _as_list(options.pop("@context")), _as_list(unsecured.get("@context"))
        if theirs[: len(mine)] != mine:
            raise ProofError("the proof's @context does not open the document's @context")
        unsecured["@context"] = mine
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(
            signature, _hash_data(canonicalizer, unsecured, options)
        )
    except InvalidSignature:
        raise ProofError(
            "the signature does not match the document (changed after signing, or signed by another key)"
        ) from None
    return VerifiedProof(method, method.split("#", 1)[0], created)


def _hash_data(
    canonicalizer: Canonicalizer, unsecured: Mapping[str, Any], options: Mapping[str, Any]
) -> bytes:
    """§3.3.4: the proof configuration takes the document's ``@context`` and is canonicalised with it."""
    document, proof_config = canonicalizer.canonicalize_with(unsecured, options)
    return hashlib.sha256(proof_config.encode()).digest() + hashlib.sha256(document.encode()).digest()


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _is_datetime(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
