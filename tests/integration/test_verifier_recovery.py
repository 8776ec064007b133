"""The verifier controller is down while the candidate's wallet connects: on restart its reconciler finds the
connection no webhook announced, sends the request, and the report comes in as usual."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from mcred.scenario import FINAL_REQUEST, accredited_holding, eventually, failures, register_employer, scan
from mcred.stack import Stack
from tests.support import stacks


@pytest.fixture(scope="module")
async def own_stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    faster = {"MCRED_VERIFIER_EXCHANGE_TIMEOUT": "2", "MCRED_VERIFIER_RECONCILE_INTERVAL": "1"}
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
