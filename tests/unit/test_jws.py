"""Wallet signatures checked as wallets make them: EdDSA and ES256, the key as a JWK or a did:key."""

from __future__ import annotations

import base64
import json

import base58
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from common.jws import JwsError, jwk_of_did_key, parse, public_jwk, verify


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def ed25519_key() -> tuple[Ed25519PrivateKey, dict]:
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return key, {"kty": "OKP", "crv": "Ed25519", "x": b64(raw)}


def p256_key() -> tuple[ec.EllipticCurvePrivateKey, dict]:
    key = ec.generate_private_key(ec.SECP256R1())
    numbers = key.public_key().public_numbers()
    return key, {
        "kty": "EC", "crv": "P-256",
        "x": b64(numbers.x.to_bytes(32, "big")), "y": b64(numbers.y.to_bytes(32, "big")),
    }  # fmt: skip


def sign(key, header: dict, payload: dict) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    if isinstance(key, Ed25519PrivateKey):
        signature = key.sign(signing_input.encode())
    else:
        r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{signing_input}.{b64(signature)}"


@pytest.mark.parametrize(("make", "alg"), [(ed25519_key, "EdDSA"), (p256_key, "ES256")])
def test_a_wallets_signature_verifies_and_a_changed_one_does_not(make, alg: str) -> None:
    key, jwk = make()
    token = sign(key, {"alg": alg, "jwk": jwk}, {"nonce": "n"})
    verify(parse(token), jwk)
    head, payload, signature = token.split(".")
    forged = f"{head}.{b64(json.dumps({'nonce': 'other'}).encode())}.{signature}"
    with pytest.raises(JwsError, match="does not verify"):
        verify(parse(forged), jwk)


def test_an_algorithm_that_does_not_fit_the_key_is_refused() -> None:
    key, jwk = ed25519_key()
    with pytest.raises(JwsError, match="does not fit"):
        verify(parse(sign(key, {"alg": "ES256"}, {})), jwk)
    with pytest.raises(JwsError, match="not accepted"):
        verify(parse(sign(key, {"alg": "none"}, {})), jwk)


def test_did_keys_become_the_jwks_they_encode() -> None:
    _, ed = ed25519_key()
    did = "did:key:z" + base58.b58encode(b"\xed\x01" + base64.urlsafe_b64decode(ed["x"] + "=")).decode()
    assert jwk_of_did_key(did + "#z") == ed
    key, p256 = p256_key()
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    assert jwk_of_did_key("did:key:z" + base58.b58encode(b"\x80\x24" + point).decode()) == p256


@pytest.mark.parametrize(
    "bad", [None, "a.b", "a.b.c", "e30.e30", "W10.e30.", b64(b'{"alg":"EdDSA"}') + ".bm90IGpzb24." + "AA"]
)
def test_garbage_is_a_jws_error(bad) -> None:
    with pytest.raises(JwsError):
        parse(bad)


def test_a_private_key_or_an_odd_key_is_refused() -> None:
    with pytest.raises(JwsError, match="private"):
        public_jwk({"kty": "OKP", "crv": "Ed25519", "x": "AA", "d": "AA"})
    with pytest.raises(JwsError):
        public_jwk({"kty": "RSA", "n": "AA", "e": "AQAB"})
    with pytest.raises(JwsError):
        jwk_of_did_key("did:web:example.org")
