"""DIDComm flows between real agents, awaited through their webhooks (never by sleeping)."""

from __future__ import annotations

from typing import Any

from agent.supervisor import RunningAgent
from tests.support.webhooks import WebhookCollector

TIMEOUT = 30


async def connect(
    inviter: str, invitee: str, agents: dict[str, RunningAgent], webhooks: WebhookCollector
) -> dict[str, str]:
    """``inviter`` creates an OOB invitation (didexchange 1.1), ``invitee`` accepts; both end active.
    Returns each side's connection id."""
    a, b = agents[inviter], agents[invitee]
    invitation = await a.client.create_invitation(alias=invitee)
    assert invitation.message["handshake_protocols"] == ["https://didcomm.org/didexchange/1.1"]
    oob = await b.client.receive_invitation(invitation.message)
    watch = [a.process, b.process]
    a_conn = await webhooks.wait_for(
        inviter, "connections",
        lambda p: p.get("invitation_msg_id") == invitation.invitation_msg_id and p.get("state") == "active",
        timeout=TIMEOUT, watch=watch,
    )  # fmt: skip
    await webhooks.wait_for(
        invitee, "connections",
        lambda p: p.get("connection_id") == oob["connection_id"] and p.get("state") == "active",
        timeout=TIMEOUT, watch=watch,
    )  # fmt: skip
    return {inviter: a_conn["connection_id"], invitee: oob["connection_id"]}


async def issue(
    issuer: str,
    holder: str,
    agents: dict[str, RunningAgent],
    webhooks: WebhookCollector,
    connection_id: str,
    credential: dict[str, Any],
    proof_type: str,
) -> dict[str, Any]:
    """Offer over DIDComm (ld_proof) and await both sides' final state; returns the issuer's record."""
    a, b = agents[issuer], agents[holder]
    offer = await a.client.offer_credential(
        connection_id, credential, {"proofType": proof_type, "proofPurpose": "assertionMethod"}
    )
    watch = [a.process, b.process]
    done = await webhooks.wait_for(
        issuer, "issue_credential_v2_0",
        lambda p: p.get("cred_ex_id") == offer["cred_ex_id"] and p.get("state") in ("done", "abandoned"),
        timeout=TIMEOUT, watch=watch,
    )  # fmt: skip
    assert done["state"] == "done", done.get("error_msg")
    await webhooks.wait_for(
        holder, "issue_credential_v2_0",
        lambda p: p.get("thread_id") == offer["thread_id"] and p.get("state") == "done",
        timeout=TIMEOUT, watch=watch,
    )  # fmt: skip
    return done


async def stored_credential(holder: RunningAgent, credential_id: str) -> dict[str, Any]:
    stored = [
        c["cred_value"]
        for c in await holder.client.w3c_credentials()
        if c["cred_value"].get("id") == credential_id
    ]
    assert len(stored) == 1, f"{len(stored)} stored credentials with id {credential_id}"
    return stored[0]
