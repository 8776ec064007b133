"""The SD-JWT VC, built and checked without any process: disclosures and their digests, the issuer's
signature by its did:key, the key binding, and each tampering caught by its own check (chain ports absent: the
checks that need the chain fail saying so, which is not what these tests look at)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common.microcredential import Institution, Template
from common.sd_jwt_vc import (
    TokenStatusEntry,
    build_sd_jwt_vc,
    compact,
    credential_view,
    disclose,
    disclosed,
    parse_presented,
)
from common.verification import Ports
from common.verification.sd_jwt import verify_sd_jwt
from mcred.oid4vc_wallet import Received, WalletKey, b64url, check, present
from mcred.samples import template_body


class Issuer:
    """An issuer key as an agent would hold it: a did:key, signing EdDSA with ``kid`` its method."""

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        raw = self.key.public_key().public_bytes_raw()
        self.did = "did:key:z" + base58.b58encode(b"\xed\x01" + raw).decode()

    def sign(self, payload: dict[str, Any]) -> str:
        header = {"typ": "dc+sd-jwt", "alg": "EdDSA", "kid": f"{self.did}#{self.did[8:]}"}
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
        return f"{signing_input}.{b64url(self.key.sign(signing_input.encode()))}"


@pytest.fixture
def issued() -> tuple[Issuer, Received]:
    issuer, holder = Issuer(), WalletKey("ES256")
    claims = build_sd_jwt_vc(
        template=Template.model_validate(template_body()),
        institution=Institution(did=issuer.did, name="Uczelnia", country_code="PL"),
        credential_id="urn:uuid:1",
        achievement_id="urn:uuid:a",
        holder_jwk=holder.jwk,
        issued_at=datetime.now(UTC),
        status=TokenStatusEntry("https://issuer.example/token-status-lists/1", 7),
        learner_name="Anna Nowak",
        learner_email="anna@example.pl",
        identifier_salt="s",
    )
    payload, disclosures = disclose(claims)
    return issuer, check(compact(issuer.sign(payload), disclosures), holder)


def ports() -> Ports:
    return Ports(agent=None, clock=lambda: datetime.now(UTC), status=None, accreditation=None)  # type: ignore[arg-type]


async def statuses(presentation: str, **kwargs: Any) -> dict[str, str]:
    report = await verify_sd_jwt(ports(), presentation, **kwargs)
    return {c["id"]: c["status"] for c in report["credentials"][0]["checks"]}


def test_learner_claims_are_hidden_until_disclosed(issued: tuple[Issuer, Received]) -> None:
    _, received = issued
    assert "learner_name" not in received.payload and received.claims["learner_name"] == "Anna Nowak"
    assert len(received.payload["_sd"]) == 2  # name and the hashed e-mail
    view = credential_view(received.claims)
    assert (
        view["issuer"]["id"] == received.claims["iss"] and view["credentialSubject"]["name"] == "Anna Nowak"
    )
    assert view["validFrom"] == received.claims["awarded_date"]


async def test_a_good_presentation_passes_every_format_check(issued: tuple[Issuer, Received]) -> None:
    _, received = issued
    got = await statuses(present(received, "n-1", "client"), challenge="n-1", audience="client")
    for check_id in ("credential.structure", "proof.signature", "sd.disclosures", "holder.binding",
                     "presentation.challenge", "presentation.domain", "presentation.freshness",
                     "validity.window", "microcredential.eu_elements"):  # fmt: skip
        assert got[check_id] == "passed", (check_id, got)
    assert got["status.revocation"] == "failed", "no chain configured is a failed read, never 'not revoked'"


def _forge_payload(received: Received) -> str:
    header, payload, signature = received.compact.split("~")[0].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["achievement"]["name"] = "Doktorat"
    forged = f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"
    return forged + received.compact[received.compact.index("~") :]


@pytest.mark.parametrize(
    ("tamper", "failing"),
    [
        (lambda r: present(r, "other", "client"), "presentation.challenge"),
        (lambda r: present(r, "n-1", "elsewhere"), "presentation.domain"),
        (lambda r: present(r, "n-1", "client").rsplit("~", 1)[0] + "~", "holder.binding"),
        (lambda r: present(r, "n-1", "client").replace("~", "~" + b64url(b'["s","grade","6"]') + "~", 1),
         "sd.disclosures"),
        (lambda r: present(Received(_forge_payload(r), r.payload, r.claims, r.key), "n-1", "client"),
         "proof.signature"),
        (lambda r: present(Received(r.compact, r.payload, r.claims, WalletKey()), "n-1", "client"),
         "holder.binding"),
        (lambda r: "garbage~", "credential.structure"),
    ],
)  # fmt: skip
async def test_each_tampering_fails_its_own_check(issued, tamper, failing: str) -> None:
    _, received = issued
    got = await statuses(tamper(received), challenge="n-1", audience="client")
    assert got[failing] == "failed", got
    first_failed = next(k for k, v in got.items() if v == "failed")
    assert first_failed == failing, got


def test_a_disclosure_is_checked_against_the_digests() -> None:
    payload = {"_sd": []}
    disclosure = b64url(b'["salt","name","x"]')
    claims, problems = disclosed(payload, [disclosure])
    assert "name" not in claims and "hashes to no digest" in problems[0]
    presented = parse_presented("a.b.c~" + disclosure + "~")
    assert presented.key_binding is None and presented.disclosures == [disclosure]


async def test_an_expired_sd_jwt_vc_fails_the_validity_window(issued: tuple[Issuer, Received]) -> None:
    issuer, received = issued
    payload = {**received.payload, "exp": int(datetime.now(UTC).timestamp()) - 60}
    presented = parse_presented(received.compact)
    expired = check(compact(issuer.sign(payload), presented.disclosures), received.key)
    got = await statuses(present(expired, "n-1", "client"), challenge="n-1", audience="client")
    assert got["validity.window"] == "failed" and got["proof.signature"] == "passed", got
