"""Two real agents connect over DIDComm and issue Open Badges 3.0 credentials with offline contexts."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from agent.contexts import bundle
from agent.errors import AgentRejectedError
from agent.supervisor import RunningAgent
from tests.support.credentials import PROFILES, wallet_profile
from tests.support.flows import connect, issue, stored_credential
from tests.support.netguard import NetworkGuard
from tests.support.webhooks import WebhookCollector


@pytest.fixture(scope="module")
async def connection(agents: dict[str, RunningAgent], webhooks: WebhookCollector) -> dict[str, str]:
    return await connect("issuer", "learner", agents, webhooks)


@pytest.fixture(scope="module")
async def issuer_did(agents: dict[str, RunningAgent]) -> str:
    return (await agents["issuer"].client.create_did_key()).did


@pytest.mark.parametrize("profile", sorted(PROFILES))
async def test_issue_ob3_credential_over_didcomm_offline(
    profile: str,
    agents: dict[str, RunningAgent],
    connection: dict[str, str],
    issuer_did: str,
    webhooks: WebhookCollector,
    network_guard: NetworkGuard,
) -> None:
    issuer, learner = agents["issuer"], agents["learner"]
    build, proof_type = PROFILES[profile]
    holder_did = (await learner.client.create_did_key()).did
    credential = build(issuer_did, holder_did)

    await issue("issuer", "learner", agents, webhooks, connection["issuer"], credential, proof_type)

    vc = await stored_credential(learner, credential["id"])
    assert vc["proof"]["type"] == proof_type
    assert vc["credentialSubject"]["achievement"]["assessmentType"] == "practical exam"
    assert (await issuer.client.verify_credential(vc))["verified"] is True

    tampered = {**vc, "name": "Something else"}
    assert (await issuer.client.verify_credential(tampered))["verified"] is False

    assert network_guard.requests == [], "an agent tried to fetch from the network"


async def test_unknown_context_fails_naming_it(
    agents: dict[str, RunningAgent], issuer_did: str, network_guard: NetworkGuard
) -> None:
    unknown = "https://contexts.example.org/not-bundled/v1"
    credential = wallet_profile(issuer_did, "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
    credential["@context"].append(unknown)
    with pytest.raises(AgentRejectedError) as caught:
        await agents["issuer"].client.sign_credential(credential, {"proofType": "Ed25519Signature2018"})
    assert caught.value.status == 400
    assert unknown in str(caught.value)
    assert "not bundled" in str(caught.value)
    assert network_guard.requests == []


async def test_agents_serve_the_whole_bundle(agents: dict[str, RunningAgent]) -> None:
    served = await agents["learner"].client.bundled_contexts()
    assert set(bundle().urls) <= set(served)
    assert "https://www.w3.org/ns/did/v1" in served  # ACA-Py's own copies stay available


async def test_network_guard_sees_a_fetch(network_guard: NetworkGuard) -> None:
    """The guard the tests above rely on does catch what ACA-Py's HTTP loader (requests) would do."""
    before = len(network_guard.requests)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c",
        "import requests\n"
        "try: requests.get('https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.9.json', timeout=5)\n"
        "except requests.RequestException: pass",
        env={**os.environ, **network_guard.env},
    )  # fmt: skip
    assert await asyncio.wait_for(proc.wait(), 30) == 0
    seen = network_guard.requests[before:]
    assert seen and "purl.imsglobal.org" in seen[0]
    del network_guard.requests[before:]
