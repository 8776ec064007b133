"""A stand-in OpenID4VC wallet, for the demo, the benchmarks and the tests: it does what a phone wallet does
over HTTP — OpenID4VCI (pre-authorized code flow): resolve the offer, read the metadata, redeem the code,
prove possession of a fresh key, take the SD-JWT VC, checking the issuer's signature and disclosures; and
OpenID4VP: read a signed request, present with a key binding JWT. Stock wallets (Credo 0.6.3) are tested
separately; this one is for speed and for bad input."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from common.jws import jwk_of_did_key, parse, verify
from common.sd_jwt_vc import disclosed, parse_presented

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class WalletKey:
    """A holder key: Ed25519 (EdDSA) or P-256 (ES256)."""

    def __init__(self, alg: str = "EdDSA"):
        self.alg = alg
        if alg == "EdDSA":
            ed25519 = Ed25519PrivateKey.generate()
            self._key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey = ed25519
            raw = ed25519.public_key().public_bytes_raw()
            self.jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}
        else:
            self._key = ec.generate_private_key(ec.SECP256R1())
            point = self._key.public_key().public_numbers()
            self.jwk = {
                "kty": "EC",
                "crv": "P-256",
                "x": b64url(point.x.to_bytes(32, "big")),
                "y": b64url(point.y.to_bytes(32, "big")),
            }

    def sign(self, header: dict[str, Any], payload: dict[str, Any]) -> str:
        head = b64url(json.dumps({**header, "alg": self.alg}).encode())
        signing_input = f"{head}.{b64url(json.dumps(payload).encode())}".encode()
        if isinstance(self._key, Ed25519PrivateKey):
            signature = self._key.sign(signing_input)
        else:
            r, s = decode_dss_signature(self._key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
            signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return f"{signing_input.decode()}.{b64url(signature)}"

    def proof(self, audience: str, nonce: str | None) -> str:
        claims: dict[str, Any] = {"aud": audience, "iat": int(time.time())}
        if nonce is not None:
            claims["nonce"] = nonce
        return self.sign({"typ": "openid4vci-proof+jwt", "jwk": self.jwk}, claims)


@dataclass
class Received:
    """An SD-JWT VC as the wallet keeps it: the compact form, the issuer-signed payload, the disclosed
    claims (the payload with every disclosure put back) and the key it is bound to."""

    compact: str
    payload: dict[str, Any]
    claims: dict[str, Any]
    key: WalletKey
    header: dict[str, Any] = field(default_factory=dict)


class OAuthRefusal(Exception):
    def __init__(self, status: int, body: dict[str, Any]):
        super().__init__(f"{status}: {body}")
        self.status, self.body = status, body

    @property
    def error(self) -> str | None:
        return self.body.get("error")


def offer_of(link: str) -> tuple[str | None, dict[str, Any] | None]:
    """(``credential_offer_uri``, ``credential_offer``) of an ``openid-credential-offer://`` link."""
    query = parse_qs(urlsplit(link).query)
    if "credential_offer" in query:
        return None, json.loads(query["credential_offer"][0])
    return query["credential_offer_uri"][0], None


def well_known(issuer: str, kind: str) -> str:
    parts = urlsplit(issuer)
    return f"{parts.scheme}://{parts.netloc}/.well-known/{kind}{parts.path}"


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = {"error": None, "text": response.text}
    if not response.is_success:
        raise OAuthRefusal(response.status_code, body)
    return body


class Oid4vciWallet:
    """``patience``: seconds a request is repeated while the issuer cannot be reached or answers 502–504
    (restarting), as a phone retries; 0 (the default) takes the first answer."""

    def __init__(self, http: httpx.AsyncClient, patience: float = 0):
        self.http, self.patience = http, patience

    async def _call(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        deadline = time.monotonic() + self.patience
        while True:
            try:
                response = await self.http.request(method, url, **kwargs)
                if response.status_code not in (502, 503, 504) or time.monotonic() > deadline:
                    return _json(response)
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.2)

    async def resolve(self, link: str) -> dict[str, Any]:
        uri, offer = offer_of(link)
        return offer if offer is not None else await self._call("GET", uri or "")

    async def token(self, offer: dict[str, Any], tx_code: str | None = None) -> str:
        issuer = offer["credential_issuer"]
        server = await self._call("GET", well_known(issuer, "oauth-authorization-server"))
        form = {
            "grant_type": PRE_AUTHORIZED_GRANT,
            "pre-authorized_code": offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"],
        }
        if tx_code is not None:
            form["tx_code"] = tx_code
        return (await self._call("POST", server["token_endpoint"], data=form))["access_token"]

    async def nonce(self, metadata: dict[str, Any]) -> str:
        return (await self._call("POST", metadata["nonce_endpoint"]))["c_nonce"]

    async def metadata(self, issuer: str) -> dict[str, Any]:
        return await self._call("GET", well_known(issuer, "openid-credential-issuer"))

    async def credential(
        self,
        metadata: dict[str, Any],
        access_token: str,
        key: WalletKey,
        *,
        body: dict[str, Any] | None = None,
        nonce: str | None = None,
    ) -> dict[str, Any]:
        """The credential endpoint's answer; ``body`` replaces the request a good wallet sends."""
        retry = body is None and nonce is None
        if body is None:
            proof = key.proof(metadata["credential_issuer"], nonce or await self.nonce(metadata))
            configuration = next(iter(metadata["credential_configurations_supported"]))
            body = {"credential_configuration_id": configuration, "proofs": {"jwt": [proof]}}
        headers = {"Authorization": f"Bearer {access_token}"}
        try:
            return await self._call("POST", metadata["credential_endpoint"], json=body, headers=headers)
        except OAuthRefusal as refusal:
            if refusal.error != "invalid_nonce" or not retry:
                raise
            fresh = refusal.body["c_nonce"]
        # Our nonce was used by a request whose answer we lost (the issuer restarted): prove again.
        return await self.credential(metadata, access_token, key, nonce=fresh)

    async def receive(self, link: str, *, tx_code: str | None = None, alg: str = "EdDSA") -> Received:
        offer = await self.resolve(link)
        metadata = await self.metadata(offer["credential_issuer"])
        access_token = await self.token(offer, tx_code)
        key = WalletKey(alg)
        answer = await self.credential(metadata, access_token, key)
        return check(answer["credentials"][0]["credential"], key)


def check(compact: str, key: WalletKey) -> Received:
    """What a wallet checks on receipt: the issuer's signature (its did:key ``kid``), every disclosure's
    digest in ``_sd``, and the binding to our key."""
    presented = parse_presented(compact)
    if presented.key_binding is not None:
        raise ValueError("an SD-JWT from an issuer ends with ~ (no key binding)")
    jws = parse(presented.issuer_jwt)
    verify(jws, jwk_of_did_key(jws.header["kid"]))
    if not jws.header["kid"].startswith(jws.payload["iss"] + "#"):
        raise ValueError("kid is not a key of iss")
    claims, problems = disclosed(jws.payload, presented.disclosures)
    if problems:
        raise ValueError("; ".join(problems))
    if jws.payload["cnf"]["jwk"] != key.jwk:
        raise ValueError("the credential is bound to another key")
    return Received(compact, jws.payload, claims, key, jws.header)


def present(received: Received, nonce: str, audience: str, *, hide: tuple[str, ...] = ()) -> str:
    """The credential with the disclosures the holder keeps (all but ``hide``) and a key binding JWT for
    this verifier (``aud``) and this request (``nonce``)."""
    presented = parse_presented(received.compact)
    kept = [d for d in presented.disclosures if json.loads(b64decode(d))[1] not in hide]
    without_kb = "~".join([presented.issuer_jwt, *kept]) + "~"
    claims = {
        "iat": int(time.time()),
        "aud": audience,
        "nonce": nonce,
        "sd_hash": b64url(hashlib.sha256(without_kb.encode("ascii")).digest()),
    }
    return without_kb + received.key.sign({"typ": "kb+jwt"}, claims)


def b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


@dataclass
class AuthorizationRequest:
    """An OpenID4VP request as a wallet reads it, after checking its signature by the client id's DID."""

    client_id: str
    payload: dict[str, Any]


async def resolve_request(http: httpx.AsyncClient, link: str) -> AuthorizationRequest:
    query = parse_qs(urlsplit(link).query)
    client = query["client_id"][0]
    response = await http.get(query["request_uri"][0])
    if response.status_code != 200:
        raise OAuthRefusal(response.status_code, response.json())
    jws = parse(response.text)
    did = client.removeprefix("decentralized_identifier:")
    if not str(jws.header.get("kid", "")).startswith(did + "#"):
        raise ValueError("the request is not signed by the client id's DID")
    verify(jws, jwk_of_did_key(jws.header["kid"]))
    if jws.payload.get("client_id") != client:
        raise ValueError("the request names another client id")
    return AuthorizationRequest(client, jws.payload)


async def answer(
    http: httpx.AsyncClient, request: AuthorizationRequest, presentations: list[str]
) -> httpx.Response:
    """``direct_post`` of a ``vp_token`` for the request's one credential query."""
    query = request.payload["dcql_query"]["credentials"][0]["id"]
    form = {"vp_token": json.dumps({query: presentations}), "state": request.payload["state"]}
    return await http.post(request.payload["response_uri"], data=form)
