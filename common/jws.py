"""Compact JWS (RFC 7515) checked against a public JWK: what wallets sign (OpenID4VCI proofs of possession,
key-binding JWTs) with EdDSA (Ed25519) or ES256 (P-256) — a wallet picks its own algorithm.

Keys come as a JWK or as a did:key (Ed25519 or P-256 multikeys); the signature is checked with
``cryptography``. Nothing here signs: issuers sign in their agents.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

__all__ = ["ALGORITHMS", "Jws", "JwsError", "b64url_decode", "jwk_of_did_key", "parse", "verify"]

ALGORITHMS = ("EdDSA", "ES256")
_ED25519, _P256 = b"\xed\x01", b"\x80\x24"
"""Multicodec prefixes of did:key public keys (ed25519-pub, p256-pub)."""


class JwsError(ValueError):
    """Not a well-formed JWS, a key we cannot use, or a signature that does not verify."""


def b64url_decode(segment: str) -> bytes:
    try:
        return base64.b64decode(segment + "=" * (-len(segment) % 4), altchars=b"-_", validate=True)
    except ValueError as err:
        raise JwsError(f"not base64url: {err}") from err


def _json_object(segment: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(segment))
    except (JwsError, ValueError) as err:
        raise JwsError(f"the {what} is not base64url JSON") from err
    if not isinstance(value, dict):
        raise JwsError(f"the {what} is not a JSON object")
    return value


@dataclass(frozen=True)
class Jws:
    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes


def parse(compact: Any) -> Jws:
    if not isinstance(compact, str) or compact.count(".") != 2:
        raise JwsError("not a compact JWS (three base64url parts)")
    header, payload, signature = compact.split(".")
    return Jws(
        _json_object(header, "header"),
        _json_object(payload, "payload"),
        f"{header}.{payload}".encode("ascii"),
        b64url_decode(signature),
    )


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwk_of_did_key(did_url: str) -> dict[str, Any]:
    """The public JWK of a did:key (with or without a fragment)."""
    did = did_url.split("#")[0]
    if not did.startswith("did:key:z"):
        raise JwsError(f"{did!r} is not a did:key")
    try:
        raw = base58.b58decode(did[len("did:key:z") :])
    except ValueError as err:
        raise JwsError(f"{did!r} is not base58btc") from err
    if raw[:2] == _ED25519 and len(raw) == 34:
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw[2:])}
    if raw[:2] == _P256 and len(raw) == 35:
        try:
            point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw[2:]).public_numbers()
        except ValueError as err:
            raise JwsError(f"{did!r} holds no P-256 point") from err
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": _b64url(point.x.to_bytes(32, "big")),
            "y": _b64url(point.y.to_bytes(32, "big")),
        }
    raise JwsError(f"{did!r}: only Ed25519 and P-256 keys are accepted")


def public_jwk(jwk: Any) -> dict[str, Any]:
    """The public members of an Ed25519 or P-256 JWK; refuses one carrying a private key."""
    if not isinstance(jwk, dict):
        raise JwsError("the key is not a JWK object")
    if "d" in jwk:
        raise JwsError("the JWK carries a private key")
    if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and isinstance(jwk.get("x"), str):
        return {"kty": "OKP", "crv": "Ed25519", "x": jwk["x"]}
    if (
        jwk.get("kty") == "EC"
        and jwk.get("crv") == "P-256"
        and isinstance(jwk.get("x"), str)
        and isinstance(jwk.get("y"), str)
    ):
        return {"kty": "EC", "crv": "P-256", "x": jwk["x"], "y": jwk["y"]}
    raise JwsError("only Ed25519 (OKP) and P-256 (EC) keys are accepted")


def verify(jws: Jws, jwk: dict[str, Any]) -> None:
    """Raises JwsError unless ``jws`` is signed by ``jwk`` with the algorithm its header names, and that
    algorithm fits the key."""
    alg, key = jws.header.get("alg"), public_jwk(jwk)
    if alg not in ALGORITHMS:
        raise JwsError(f"alg {alg!r} is not accepted (one of {', '.join(ALGORITHMS)})")
    try:
        if alg == "EdDSA" and key["kty"] == "OKP":
            Ed25519PublicKey.from_public_bytes(b64url_decode(key["x"])).verify(
                jws.signature, jws.signing_input
            )
            return
        if alg == "ES256" and key["kty"] == "EC":
            if len(jws.signature) != 64:
                raise JwsError("an ES256 signature is 64 bytes (r || s)")
            numbers = ec.EllipticCurvePublicNumbers(
                int.from_bytes(b64url_decode(key["x"]), "big"),
                int.from_bytes(b64url_decode(key["y"]), "big"),
                ec.SECP256R1(),
            )
            r, s = int.from_bytes(jws.signature[:32], "big"), int.from_bytes(jws.signature[32:], "big")
            der = encode_dss_signature(r, s)
            numbers.public_key().verify(der, jws.signing_input, ec.ECDSA(hashes.SHA256()))
            return
    except InvalidSignature as err:
        raise JwsError("the signature does not verify") from err
    except JwsError:
        raise
    except ValueError as err:
        raise JwsError(f"the key is not usable: {err}") from err
    raise JwsError(f"alg {alg} does not fit a {key['kty']} key")
