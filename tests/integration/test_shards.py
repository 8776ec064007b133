"""Two issuer-agent shards behind one controller: institutions are placed on both and issue at the same
time; with one shard down the other's institutions keep issuing, the down shard's institutions get a
clear 503 (nothing half made), and its offers are issued once it is back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from mcred.scenario import Enrolled, enrol, eventually, offer_until_final, scan, wallet_scans
from mcred.stack import Stack
from tests.support import stacks


@pytest.fixture(scope="module")
async def sharded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    env = {"MCRED_ISSUER_RECONCILE_INTERVAL": "1", "MCRED_ISSUER_EXCHANGE_TIMEOUT": "2"}
    async with stacks.own_stack(Path(tmp_path_factory.mktemp("shards")), issuer_shards=2, **env) as stack:
        yield stack


@pytest.fixture(scope="module")
async def issuer(sharded: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sharded.components["issuer"].url, timeout=60) as http:
        yield http


async def offer(issuer: httpx.AsyncClient, enrolled: Enrolled, n: int) -> httpx.Response:
    body = {"template_id": enrolled.template["id"], "learner": {"email": f"l{n}@example.pl"}, "award": {}}
    return await issuer.post("/v1/offers", json=body, headers=enrolled.auth)


async def issue(issuer: httpx.AsyncClient, stack: Stack, enrolled: Enrolled, count: int) -> list[dict]:
    made = [(await offer(issuer, enrolled, n)).json() for n in range(count)]
    await asyncio.gather(*(wallet_scans(stack, o["invitation_url"]) for o in made))
    return [await offer_until_final(issuer, enrolled.auth, o["id"]) for o in made]


async def test_institutions_on_two_shards_issue_at_once_and_survive_one_shard_down(
    sharded: Stack, issuer: httpx.AsyncClient
) -> None:
    a = await enrol(issuer, sharded.operator_key, "Uczelnia na Pierwszym")
    b = await enrol(issuer, sharded.operator_key, "Uczelnia na Drugim")
    assert (a.institution["agent_shard"], b.institution["agent_shard"]) == ("main", "shard-2")
    # Each invitation names its own shard's DIDComm endpoint.
    endpoints = {
        scan((await offer(issuer, e, 99)).json()["invitation_url"])["services"][0]["serviceEndpoint"]
        for e in (a, b)
    }
    assert endpoints == {sharded.agents.agents[n].endpoint for n in ("issuer", "issuer-shard-2")}

    both = await asyncio.gather(issue(issuer, sharded, a, 6), issue(issuer, sharded, b, 6))
    assert [o["state"] for offers in both for o in offers] == ["issued"] * 12
    wallet_b = await sharded.owner_agent("issuer", b.institution["id"])
    assert len([x for x in await wallet_b.credential_exchanges() if x["state"] == "done"]) == 6

    waiting = [(await offer(issuer, b, 100 + n)).json() for n in range(3)]
    await sharded.stop_part("issuer-shard-2-agent")
    try:
        health = (await issuer.get("/health")).json()
        assert health["status"] == "degraded" and health["shards"]["shard-2"] == {"ready": False}, health
        assert (await issuer.get("/health")).status_code == 200  # the other shard's institutions are served
        # A keeps issuing; B is told to retry, and nothing of the refused offer is stored.
        assert [o["state"] for o in await issue(issuer, sharded, a, 2)] == ["issued", "issued"]
        before = len((await issuer.get("/v1/offers", headers=b.auth)).json())
        refused = await offer(issuer, b, 200)
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert len((await issuer.get("/v1/offers", headers=b.auth)).json()) == before
        # Learners scan B's codes while its agent is down: their wallets cannot reach it yet.
        for made in waiting:
            await wallet_scans(sharded, made["invitation_url"])
    finally:
        await sharded.start_part("issuer-shard-2-agent")

    async def states() -> list[str]:
        return [(await issuer.get(f"/v1/offers/{o['id']}", headers=b.auth)).json()["state"] for o in waiting]

    # Back: what reached it completes; a code that did not is scanned again, as a person would.
    for made, state in zip(waiting, await states(), strict=True):
        if state == "invited":
            await wallet_scans(sharded, made["invitation_url"])
    finals = await eventually(states, until=lambda s: all(x == "issued" for x in s), what="B's offers issued")
    assert finals == ["issued"] * 3
    done = [x for x in await wallet_b.credential_exchanges() if x["state"] == "done"]
    assert len(done) == 9 and len({x["connection_id"] for x in done}) == 9
