"""Revoke, suspend, reinstate through the issuer API: anchored on anvil, served as a signed status list,
recorded in the credential's history; and an RPC outage during revocations loses and doubles nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from agent.dataintegrity import canonicalizer, eddsa_rdfc_2022
from mcred.anvil import ANVIL_DEPLOYER_KEY
from mcred.scenario import Enrolled, enrol, eventually, issue_to_learner, until_anchored
from mcred.stack import Stack
from revocation import status_registry as registry
from revocation.bitstring import Bitstring
from revocation.chain import ChainClient

DEADLINE = 60


@pytest.fixture(scope="module")
async def enrolled(issuer: httpx.AsyncClient, stack: Stack) -> Enrolled:
    return await enrol(issuer, stack.operator_key, "Politechnika Przykładowa")


@pytest.fixture(scope="module")
async def chain(stack: Stack) -> AsyncIterator[ChainClient]:
    client = ChainClient(stack.components["chain"].url, ANVIL_DEPLOYER_KEY)
    yield client
    await client.aclose()


async def issue(issuer: httpx.AsyncClient, enrolled: Enrolled, stack: Stack, who: str) -> dict[str, Any]:
    learner = {"email": f"{who}@example.pl", "name": who}
    offer = await issue_to_learner(issuer, enrolled.auth, enrolled.template["id"], stack, learner)
    assert offer["state"] == "issued", offer
    return offer


def entry(credential: dict[str, Any], purpose: str) -> dict[str, Any]:
    return next(e for e in credential["credentialStatus"] if e["statusPurpose"] == purpose)


async def standard(issuer: httpx.AsyncClient, enrolled: Enrolled, offer_id: str) -> dict[str, Any]:
    response = await issuer.get(f"/v1/credentials/{offer_id}/download", headers=enrolled.auth)
    assert response.status_code == 200, response.text
    return response.json()


async def served_bit(issuer: httpx.AsyncClient, status_entry: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    response = await issuer.get(status_entry["statusListCredential"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vc+ld+json"
    listed = response.json()
    bits = Bitstring.decode(listed["credentialSubject"]["encodedList"])
    return bits[int(status_entry["statusListIndex"])], listed


async def chain_bit(stack: Stack, chain: ChainClient, status_entry: dict[str, Any]) -> bool:
    key = registry.list_id(status_entry["statusListCredential"])
    read = await registry.read_list(chain, stack.contracts["StatusRegistry"], key)
    return read.bits[int(status_entry["statusListIndex"])]


async def test_revoke_chain_bit_served_list_and_history_agree(
    issuer: httpx.AsyncClient, enrolled: Enrolled, stack: Stack, chain: ChainClient
) -> None:
    offer = await issue(issuer, enrolled, stack, "revoked.learner")
    revocation = entry(await standard(issuer, enrolled, offer["id"]), "revocation")
    assert (await served_bit(issuer, revocation))[0] is False

    path = f"/v1/credentials/{offer['id']}/revoke"
    first = await issuer.post(path, json={"reason": "plagiarism found"}, headers=enrolled.auth)
    assert first.status_code == 202, first.text
    again = await issuer.post(path, json={"reason": "clicked twice"}, headers=enrolled.auth)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]

    credential = await until_anchored(issuer, enrolled.auth, offer["id"], 1)
    change = credential["status"]["changes"][0]
    assert credential["status"]["revoked"] is True and credential["status"]["suspended"] is False
    assert change["action"] == "revoke" and change["reason"] == "plagiarism found"
    assert change["transaction"].startswith("0x") and change["block"] > 0
    revoked_event = [h for h in credential["history"] if h["state"] == "revoked"]
    assert len(revoked_event) == 1 and change["transaction"] in revoked_event[0]["detail"]

    assert await chain_bit(stack, chain, revocation) is True
    key = registry.list_id(revocation["statusListCredential"])
    read = await registry.read_list(chain, stack.contracts["StatusRegistry"], key)
    assert read.updates[-1].tx_hash == change["transaction"]
    assert int(revocation["statusListIndex"]) in read.updates[-1].set

    bit, listed = await served_bit(issuer, revocation)
    assert bit is True
    assert listed["issuer"] == enrolled.institution["did"]
    assert listed["credentialSubject"]["statusPurpose"] == "revocation"
    assert Bitstring.decode(listed["credentialSubject"]["encodedList"]).commitment() == read.state.commitment
    assert listed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert eddsa_rdfc_2022.verify(canonicalizer(), listed, listed["proof"]).controller == listed["issuer"]

    refused = await issuer.post(
        f"/v1/credentials/{offer['id']}/suspend", json={"reason": "too late"}, headers=enrolled.auth
    )
    assert refused.status_code == 409 and "revocation is final" in refused.json()["detail"]


async def test_suspend_then_reinstate_sets_then_clears_the_bit(
    issuer: httpx.AsyncClient, enrolled: Enrolled, stack: Stack, chain: ChainClient
) -> None:
    offer = await issue(issuer, enrolled, stack, "suspended.learner")
    suspension = entry(await standard(issuer, enrolled, offer["id"]), "suspension")
    base = f"/v1/credentials/{offer['id']}"
    nothing = await issuer.post(f"{base}/reinstate", json={"reason": "?"}, headers=enrolled.auth)
    assert nothing.status_code == 409 and "not suspended" in nothing.json()["detail"]

    assert (
        await issuer.post(f"{base}/suspend", json={"reason": "appeal"}, headers=enrolled.auth)
    ).status_code == 202
    credential = await until_anchored(issuer, enrolled.auth, offer["id"], 1)
    assert credential["status"]["suspended"] is True
    assert await chain_bit(stack, chain, suspension) is True
    assert (await served_bit(issuer, suspension))[0] is True

    back = await issuer.post(f"{base}/reinstate", json={"reason": "appeal upheld"}, headers=enrolled.auth)
    assert back.status_code == 202
    credential = await until_anchored(issuer, enrolled.auth, offer["id"], 2)
    assert credential["status"] == {**credential["status"], "revoked": False, "suspended": False}
    assert await chain_bit(stack, chain, suspension) is False
    assert (await served_bit(issuer, suspension))[0] is False


async def test_status_list_is_cacheable_and_bad_requests_are_problems(
    issuer: httpx.AsyncClient, enrolled: Enrolled, stack: Stack
) -> None:
    offer = await issue(issuer, enrolled, stack, "cached.learner")
    url = entry(await standard(issuer, enrolled, offer["id"]), "revocation")["statusListCredential"]
    first = await issuer.get(url)
    assert first.headers["etag"] and "max-age" in first.headers["cache-control"]
    again = await issuer.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and not again.content
    assert (await issuer.get("/status-lists/no-such-list")).status_code == 404

    path = f"/v1/credentials/{offer['id']}/revoke"
    missing = await issuer.post(path, json={}, headers=enrolled.auth)
    assert missing.status_code == 422
    assert missing.headers["content-type"] == "application/problem+json"
    assert any(e["field"] == "reason" for e in missing.json()["errors"])
    unknown = await issuer.post("/v1/credentials/nope/revoke", json={"reason": "x"}, headers=enrolled.auth)
    assert unknown.status_code == 404
    stranger = await enrol(issuer, stack.operator_key, "Inna Uczelnia")
    foreign = await issuer.post(path, json={"reason": "not mine"}, headers=stranger.auth)
    assert foreign.status_code == 404
    after = (await issuer.get(f"/v1/credentials/{offer['id']}", headers=enrolled.auth)).json()
    assert after["status"]["changes"] == []


async def test_rpc_down_during_three_revocations_all_applied_once(
    issuer: httpx.AsyncClient, enrolled: Enrolled, stack: Stack, chain: ChainClient
) -> None:
    offers = [await issue(issuer, enrolled, stack, f"outage{n}") for n in range(3)]
    entries = [entry(await standard(issuer, enrolled, o["id"]), "revocation") for o in offers]
    await stack.stop_part("chain")
    try:
        for offer in offers:
            response = await issuer.post(
                f"/v1/credentials/{offer['id']}/revoke", json={"reason": "outage test"}, headers=enrolled.auth
            )
            assert response.status_code == 202, response.text

        async def waiting() -> list[dict[str, Any]]:
            return [
                (await issuer.get(f"/v1/credentials/{o['id']}", headers=enrolled.auth)).json()["status"][
                    "changes"
                ][0]
                for o in offers
            ]

        stuck = await eventually(
            waiting,
            until=lambda cs: any(c["last_error"] for c in cs),
            timeout=DEADLINE,
            what="a failed attempt",
        )
        assert all(c["state"] != "anchored" for c in stuck)
    finally:
        await stack.start_part("chain")
    changes = [
        (await until_anchored(issuer, enrolled.auth, o["id"], 1))["status"]["changes"][0] for o in offers
    ]
    assert all(c["transaction"] for c in changes)

    key = registry.list_id(entries[0]["statusListCredential"])
    assert {registry.list_id(e["statusListCredential"]) for e in entries} == {key}
    read = await registry.read_list(chain, stack.contracts["StatusRegistry"], key)
    set_count = Counter(i for update in read.updates for i in update.set)
    for status_entry in entries:
        assert set_count[int(status_entry["statusListIndex"])] == 1
        assert read.bits[int(status_entry["statusListIndex"])] is True
    assert {c["transaction"] for c in changes} <= {u.tx_hash for u in read.updates}
