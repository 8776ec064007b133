"""An employer's agent asks the learner's wallet for a microcredential (present-proof v2, DIF PE)."""

from __future__ import annotations

import uuid

import pytest

from agent.supervisor import RunningAgent
from tests.support.credentials import wallet_profile
from tests.support.flows import TIMEOUT, connect, issue, stored_credential
from tests.support.netguard import NetworkGuard
from tests.support.webhooks import WebhookCollector


def definition_for(credential_id: str) -> dict:
    """Narrowed to one credential. One schema URI, the expanded type: an ACA-Py holder requires *every*
    schema URI to match an expanded type or a credentialSchema id (Credo: any one; docs/agents.md)."""
    return {
        "id": str(uuid.uuid4()),
        "input_descriptors": [
            {
                "id": "microcredential",
                "name": "A microcredential",
                "schema": [{"uri": "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"}],
                "constraints": {
                    "fields": [
                        {"path": ["$.type[*]"], "filter": {"type": "string", "const": "OpenBadgeCredential"}},
                        {"path": ["$.id"], "filter": {"type": "string", "const": credential_id}},
                    ]
                },
            }
        ],
    }


@pytest.fixture(scope="module")
async def held_credential(agents: dict[str, RunningAgent], webhooks: WebhookCollector) -> dict:
    conn = await connect("issuer", "learner", agents, webhooks)
    issuer_did = (await agents["issuer"].client.create_did_key()).did
    holder_did = (await agents["learner"].client.create_did_key()).did
    credential = wallet_profile(issuer_did, holder_did)
    await issue("issuer", "learner", agents, webhooks, conn["issuer"], credential, "Ed25519Signature2018")
    return await stored_credential(agents["learner"], credential["id"])


async def test_verifier_receives_and_verifies_a_presentation(
    agents: dict[str, RunningAgent],
    webhooks: WebhookCollector,
    held_credential: dict,
    network_guard: NetworkGuard,
) -> None:
    verifier, learner = agents["verifier"], agents["learner"]
    conn = await connect("verifier", "learner", agents, webhooks)
    challenge = str(uuid.uuid4())
    request = await verifier.client.request_presentation(
        conn["verifier"],
        definition_for(held_credential["id"]),
        challenge=challenge,
        domain="verifier.mcred.test",
    )
    # A holder that cannot answer sends a generic problem report, which leaves the verifier's record
    # in request-sent: the problem_report topic is the only sign of it.
    done = await webhooks.wait_for(
        "verifier", ("present_proof_v2_0", "problem_report"),
        lambda p: (p.get("pres_ex_id") == request["pres_ex_id"] and p.get("state") in ("done", "abandoned"))
        or p.get("~thread", {}).get("thid") == request["thread_id"],
        timeout=TIMEOUT, watch=[verifier.process, learner.process],
    )  # fmt: skip
    assert done.get("state") == "done", done
    assert done["verified"] == "true"

    record = await verifier.client.presentation_exchange(request["pres_ex_id"])
    presentation = record["by_format"]["pres"]["dif"]
    assert presentation["proof"]["challenge"] == challenge
    assert presentation["proof"]["proofPurpose"] == "authentication"
    # ACA-Py 1.7's holder drops the requested domain (Credo echoes it): pinned so a change is noticed.
    assert "domain" not in presentation["proof"]
    assert [vc["id"] for vc in presentation["verifiableCredential"]] == [held_credential["id"]]
    # The same presentation checked again through the VC-API (what a file upload will use).
    again = await verifier.client.verify_presentation(presentation, {"challenge": challenge})
    assert again["verified"] is True
    assert network_guard.requests == []
