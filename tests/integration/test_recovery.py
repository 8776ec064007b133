"""A controller is down while a wallet connects: on restart its reconciler finds the connection no webhook
announced and carries on — the verifier sends its proof request and reports; the issuer asks for a claim's
parts and awards the larger credential."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from mcred.scenario import (
    FINAL_REQUEST,
    accredited_holding,
    employer_agent,
    eventually,
    failures,
    holds,
    register_employer,
    scan,
    two_institutions,
    wallet_scans,
)
from mcred.stack import Stack
from tests.support import stacks


@pytest.fixture(scope="module")
async def own_stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    faster = {
        "MCRED_VERIFIER_EXCHANGE_TIMEOUT": "2",
        "MCRED_VERIFIER_RECONCILE_INTERVAL": "1",
        "MCRED_ISSUER_EXCHANGE_TIMEOUT": "2",
        "MCRED_ISSUER_RECONCILE_INTERVAL": "1",
    }
    async with stacks.own_stack(Path(tmp_path_factory.mktemp("recovery-stack")), **faster) as stack:
        yield stack


async def test_a_connection_missed_while_down_is_followed_up_after_restart(own_stack: Stack) -> None:
    stack = own_stack
    async with httpx.AsyncClient(base_url=stack.components["issuer"].url, timeout=30) as issuer:
        enrolled, _ = await accredited_holding(issuer, stack, "Akademia Odporności")
    verifier_url = stack.components["verifier"].url
    async with httpx.AsyncClient(base_url=verifier_url, timeout=30) as verifier:
        employer = await register_employer(verifier, stack)
        criteria = {"achievement_id": enrolled.template["achievement_id"]}
        request = (
            await verifier.post("/v1/proof-requests", json={"criteria": criteria}, headers=employer)
        ).json()

        await stack.stop_part("verifier")
        learner = stack.agents.agents["learner"].client
        connection = await learner.receive_invitation(scan(request["invitation_url"]))

        async def connected() -> bool:
            return (await learner.connection(connection["connection_id"]))["state"] in ("active", "completed")

        await eventually(connected, what="the wallet connected to the verifier's agent")
        await stack.start_part("verifier")

        async def final() -> dict:
            return (await verifier.get(f"/v1/proof-requests/{request['id']}", headers=employer)).json()

        done = await eventually(
            final, until=lambda r: r["state"] in FINAL_REQUEST, timeout=60, what="the report"
        )
    assert done["state"] == "verified", failures(done)
    assert [e["state"] for e in done["history"]] == ["invited", "connected", "requested", "verified"]


async def test_a_claim_connected_while_the_issuer_was_down_is_taken_up(own_stack: Stack) -> None:
    stack = own_stack
    issuer_url = stack.components["issuer"].url
    async with httpx.AsyncClient(base_url=issuer_url, timeout=30) as issuer:
        two = await two_institutions(issuer, stack, "wznowienie")
        for who in (two.a, two.b):
            await holds(issuer, stack, who, "ala@example.pl")
        path = f"/v1/pathways/{two.pathway['id']}/claims"
        started = (await issuer.post(path, json={"email": "ala@example.pl"}, headers=two.a.auth)).json()

        await stack.stop_part("issuer")
        learner = stack.agents.agents["learner"].client
        connection = await learner.receive_invitation(scan(started["invitation_url"]))

        async def connected() -> bool:
            return (await learner.connection(connection["connection_id"]))["state"] in ("active", "completed")

        await eventually(connected, what="the wallet connected to the issuer's agent")
        await stack.start_part("issuer")

        async def decided() -> dict:
            return (await issuer.get(f"{path}/{started['id']}", headers=two.a.auth)).json()

        undecided = ("invited", "checking")
        claim = await eventually(
            decided, until=lambda c: c["state"] not in undecided, timeout=90, what="decided"
        )
    assert claim["state"] == "awarded", claim["outcome"]


async def test_no_verdict_while_the_chain_is_down(own_stack: Stack) -> None:
    """An unreachable chain is no reason to call a credential anything: a file someone sends gets a 503
    (retryable, nothing stored), a wallet's answer waits and is verified once the chain is back."""
    stack = own_stack
    async with httpx.AsyncClient(base_url=stack.components["issuer"].url, timeout=30) as issuer:
        enrolled, offer = await accredited_holding(issuer, stack, "Akademia Łańcucha")
        standard = (await issuer.get(f"/v1/credentials/{offer['id']}/download", headers=enrolled.auth)).json()
    async with httpx.AsyncClient(base_url=stack.components["verifier"].url, timeout=30) as verifier:
        employer = await register_employer(verifier, stack, "Firma Cierpliwa")
        agent = await employer_agent(verifier, stack, employer)
        criteria = {"achievement_id": enrolled.template["achievement_id"]}
        before = {r["pres_ex_id"] for r in await agent.presentation_exchanges()}
        await stack.stop_part("chain")
        try:
            refused = await verifier.post("/v1/verifications", json=standard, headers=employer)
            assert refused.status_code == 503, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["type"].endswith("/service-unavailable") and refused.headers["retry-after"]

            request = (
                await verifier.post("/v1/proof-requests", json={"criteria": criteria}, headers=employer)
            ).json()
            await wallet_scans(stack, request["invitation_url"])

            async def presented() -> list[dict]:
                records = [r for r in await agent.presentation_exchanges() if r["pres_ex_id"] not in before]
                return [r for r in records if r["state"] == "done"]

            await eventually(presented, what="the wallet's presentation received by the verifier's agent")
            waiting = (await verifier.get(f"/v1/proof-requests/{request['id']}", headers=employer)).json()
            assert waiting["state"] == "requested", waiting["history"]
        finally:
            await stack.start_part("chain")

        async def final() -> dict:
            return (await verifier.get(f"/v1/proof-requests/{request['id']}", headers=employer)).json()

        done = await eventually(
            final, until=lambda r: r["state"] in FINAL_REQUEST, timeout=60, what="the report"
        )
        assert done["state"] == "verified", failures(done)
        again = await verifier.post("/v1/verifications", json=standard, headers=employer)
        assert again.status_code == 201 and again.json()["verified"] is True, again.text
