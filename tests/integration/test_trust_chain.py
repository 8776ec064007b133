"""The chain of trust is closed, and nobody can steer the verifier's requests: a status list counts only if
its owner on chain is the account IssuerRegistry binds to the credential's issuer (anyone may create a list
for any URL), nothing is fetched for one that is not, and neither status list nor callback URLs may reach a
private address the operator did not name."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eth_account import Account

from agent.dataintegrity import canonicalizer, eddsa_rdfc_2022
from agent.dataintegrity.did_key import did_key, verification_method
from agent.process import listening_socket
from common.microcredential import Institution, Profile, StatusEntry, Template, build_credential, ob3_document
from mcred.anvil import ANVIL_ISSUER_KEY
from mcred.samples import template_body
from mcred.scenario import accredited_holding, register_employer
from mcred.stack import Stack
from revocation import status_registry
from revocation.chain import ChainClient

ATTACKER_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"  # anvil's 3rd dev account


@pytest.fixture
async def trap() -> asyncio.Server:
    """A private service on this machine (think: an agent's admin API) that must never be called."""
    connections: list[object] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer.get_extra_info("peername"))
        writer.close()

    server = await asyncio.start_server(record, sock=listening_socket("127.0.0.1", 0))
    server.connections = connections  # type: ignore[attr-defined]
    yield server
    server.close()
    await server.wait_closed()


def foreign_credential(list_url: str) -> dict:
    """A credential validly signed by a did:key nobody accredited, naming a list at ``list_url``."""
    key = Ed25519PrivateKey.generate()
    did = did_key(key.public_key().public_bytes_raw())
    unsigned = build_credential(
        Profile.STANDARD,
        template=Template.model_validate(template_body()),
        institution=Institution(did=did, name="Nobody", country_code="PL"),
        credential_id="urn:uuid:7d0f7c4e-0000-4000-8000-000000000001",
        achievement_id="urn:uuid:7d0f7c4e-0000-4000-8000-000000000002",
        subject_did=did,
        issued_at=datetime.now(UTC),
        status=[StatusEntry("revocation", list_url, 7), StatusEntry("suspension", list_url + "s", 9)],
    )
    signing = eddsa_rdfc_2022.signing_input(
        canonicalizer(), unsigned, verification_method=verification_method(did)
    )
    return ob3_document(eddsa_rdfc_2022.with_proof(unsigned, signing, key.sign(signing.data)))


async def test_a_list_anyone_created_is_not_read_as_the_issuers_and_nothing_is_fetched(
    verifier: httpx.AsyncClient, stack: Stack, trap: asyncio.Server
) -> None:
    port = trap.sockets[0].getsockname()[1]
    list_url = f"http://127.0.0.1:{port}/status-lists/evil"
    attacker = ChainClient(stack.components["chain"].url, ATTACKER_KEY)
    try:
        for url, purpose in ((list_url, "REVOCATION"), (list_url + "s", "SUSPENSION")):
            await status_registry.create_list(
                attacker, stack.contracts["StatusRegistry"], status_registry.list_id(url),
                status_registry.Purpose[purpose], 131_072,
            )  # fmt: skip
    finally:
        await attacker.aclose()

    response = await verifier.post("/v1/verifications", json=foreign_credential(list_url))
    assert response.status_code == 201, response.text
    checks = {c["id"]: c for c in response.json()["report"]["credentials"][0]["checks"]}
    assert checks["proof.signature"]["status"] == "passed"  # validly signed: that proves nothing of trust
    for check in ("status.revocation", "status.suspension"):
        assert checks[check]["status"] == "failed"
        assert checks[check]["problem"]["title"] == "Not the issuer's list", checks[check]
    assert trap.connections == []  # type: ignore[attr-defined]
    assert "answered" not in response.text


async def test_an_accredited_issuers_own_lists_are_read_and_bound(
    issuer: httpx.AsyncClient, verifier: httpx.AsyncClient, stack: Stack
) -> None:
    enrolled, offer = await accredited_holding(issuer, stack, "Uczelnia Własnego Konta")
    account = enrolled.institution["chain_account"]
    assert account and account != Account.from_key(ANVIL_ISSUER_KEY).address  # not the controller's account
    standard = (await issuer.get(f"/v1/credentials/{offer['id']}/download", headers=enrolled.auth)).json()
    reader = ChainClient(stack.components["chain"].url, ATTACKER_KEY)
    try:
        for entry in standard["credentialStatus"]:
            key = status_registry.list_id(entry["statusListCredential"])
            state = await status_registry.list_state(reader, stack.contracts["StatusRegistry"], key)
            assert state.owner == account  # the institution's own account, not the controller's
    finally:
        await reader.aclose()
    report = (await verifier.post("/v1/verifications", json=standard)).json()
    assert report["verified"] is True, report


async def test_a_callback_to_a_private_address_is_refused(verifier: httpx.AsyncClient, stack: Stack) -> None:
    employer = await register_employer(verifier, stack, "Ciekawski Pracodawca")
    admin = stack.agents.agents["verifier"].launch.admin_url
    response = await verifier.post(
        "/v1/proof-requests", json={"callback_url": f"{admin}/status/ready"}, headers=employer
    )
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["errors"][0]["field"] == "callback_url"
    assert "not a public address" in problem["detail"]
