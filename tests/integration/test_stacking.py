"""Two institutions, one learner (the wallet stand-in): parts from both are presented, verified on chain and
stacked into a larger credential — or the claim is refused, naming what failed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mcred.anvil import ANVIL_DEPLOYER_KEY
from mcred.samples import template_body
from mcred.scenario import claim, eventually, holds, two_institutions
from mcred.stack import Stack
from revocation.accreditation import deaccredit, history
from revocation.chain import ChainClient
from tests.support.dcc import dcc_verify


def problems(decided: dict[str, Any]) -> list[str]:
    return [p["reason"] for r in decided["outcome"] for p in r["problems"]]


async def test_parts_from_two_institutions_stack_into_the_larger_credential(
    issuer: httpx.AsyncClient, verifier: httpx.AsyncClient, stack: Stack
) -> None:
    s = await two_institutions(issuer, stack, "stos")
    part_a = await holds(issuer, stack, s.a, "ola@example.pl")
    part_b = await holds(issuer, stack, s.b, "ola@example.pl")
    decided = await claim(issuer, stack, s, "ola@example.pl")
    assert decided["state"] == "awarded", decided["outcome"]
    assert {p["id"] for p in decided["parts"]} == {part_a["credential_id"], part_b["credential_id"]}

    async def issued() -> dict[str, Any]:
        return (await issuer.get(f"/v1/offers/{decided['offer_id']}", headers=s.a.auth)).json()

    whole = await eventually(
        issued, until=lambda o: o["state"] in ("issued", "failed"), what="the whole issued"
    )
    assert whole["state"] == "issued", whole
    credential = (await issuer.get(f"/v1/credentials/{whole['id']}/download", headers=s.a.auth)).json()
    evidence = {e["id"]: e for e in credential["evidence"]}
    assert set(evidence) == {part_a["credential_id"], part_b["credential_id"]}
    assert evidence[part_b["credential_id"]]["partIssuer"] == s.b.institution["did"]
    assert all(e["partDigest"].startswith("sha256:") for e in evidence.values())
    assert credential["credentialSubject"]["creditsEarned"] == 2 * template_body()["ects"]

    report = (await verifier.post("/v1/verifications", json=credential)).json()
    checks = {c["id"]: c for c in report["report"]["credentials"][0]["checks"]}
    assert report["verified"] is True, [c for c in checks.values() if c["status"] == "failed"]
    assert checks["stack.parts_recorded"]["status"] == "passed"
    assert len(checks["stack.parts_recorded"]["facts"]["parts"]) == 2
    assert checks["stack.parts_valid"]["status"] == "skipped"

    # The outside verifier takes the larger credential as it is: its evidence terms need nothing of ours.
    outside = await dcc_verify(credential, allow=[stack.components["issuer"].url + "/status-lists/"])
    assert outside["summary"]["fatal"] == [] and outside["blocked"] == [], outside["summary"]
    assert outside["summary"]["checks"]["valid_signature"] is True, outside["summary"]
    assert outside["summary"]["checks"]["revocation_status"] is True, outside["summary"]


async def test_a_revoked_part_is_refused_by_name(issuer: httpx.AsyncClient, stack: Stack) -> None:
    s = await two_institutions(issuer, stack, "odw")
    await holds(issuer, stack, s.a, "jan@example.pl")
    part_b = await holds(issuer, stack, s.b, "jan@example.pl")
    await issuer.post(f"/v1/credentials/{part_b['id']}/revoke", json={"reason": "fraud"}, headers=s.b.auth)

    async def anchored() -> bool:
        changes = (await issuer.get(f"/v1/credentials/{part_b['id']}", headers=s.b.auth)).json()["status"]
        return changes["revoked"]

    await eventually(anchored, what="the revocation anchored")
    decided = await claim(issuer, stack, s, "jan@example.pl")
    assert decided["state"] == "refused"
    b_part = next(r for r in decided["outcome"] if r["requirement"] == "B's part")
    assert not b_part["met"] and b_part["problems"][0]["credential"] == part_b["credential_id"]
    assert "status.revocation failed" in b_part["problems"][0]["reason"]


async def test_parts_of_two_different_learners_are_refused(issuer: httpx.AsyncClient, stack: Stack) -> None:
    s = await two_institutions(issuer, stack, "dwoje")
    await holds(issuer, stack, s.a, "ewa@example.pl")
    await holds(issuer, stack, s.b, "adam@example.pl")
    decided = await claim(issuer, stack, s, "ewa@example.pl")
    assert decided["state"] == "refused"
    assert any("different learner" in reason for reason in problems(decided)), decided["outcome"]


async def test_a_part_from_a_deaccredited_issuer_is_refused(issuer: httpx.AsyncClient, stack: Stack) -> None:
    s = await two_institutions(issuer, stack, "akr")
    await holds(issuer, stack, s.a, "iga@example.pl")
    await holds(issuer, stack, s.b, "iga@example.pl")
    authority = ChainClient(stack.components["chain"].url, ANVIL_DEPLOYER_KEY)
    try:
        did = s.b.institution["did"]
        records = await history(authority, stack.contracts["IssuerRegistry"], did)
        await deaccredit(authority, stack.contracts["IssuerRegistry"], did, records[0].record, for_cause=True)
    finally:
        await authority.aclose()
    decided = await claim(issuer, stack, s, "iga@example.pl")
    assert decided["state"] == "refused"
    assert any("issuer.accreditation failed" in reason for reason in problems(decided)), decided["outcome"]


@pytest.mark.parametrize("policy", ["suspend"])
async def test_revoking_a_part_after_the_award_applies_the_policy(
    issuer: httpx.AsyncClient, stack: Stack, policy: str
) -> None:
    s = await two_institutions(issuer, stack, "po", policy=policy)
    await holds(issuer, stack, s.a, "ula@example.pl")
    part_b = await holds(issuer, stack, s.b, "ula@example.pl")
    decided = await claim(issuer, stack, s, "ula@example.pl")
    assert decided["state"] == "awarded", decided["outcome"]

    async def whole_issued() -> str:
        return (await issuer.get(f"/v1/offers/{decided['offer_id']}", headers=s.a.auth)).json()["state"]

    assert await eventually(whole_issued, until=lambda st: st in ("issued", "failed")) == "issued"
    await issuer.post(f"/v1/credentials/{part_b['id']}/revoke", json={"reason": "error"}, headers=s.b.auth)

    async def affected() -> list[dict[str, Any]]:
        return (await issuer.get(f"/v1/pathways/{s.pathway['id']}/affected", headers=s.a.auth)).json()

    listed = await eventually(affected, until=bool, timeout=90, what="the whole listed as affected")
    assert listed[0]["offer_id"] == decided["offer_id"] and listed[0]["affected_action"] == "suspended"
    assert part_b["credential_id"] in listed[0]["affected"]

    async def suspended() -> bool:
        status = (await issuer.get(f"/v1/credentials/{decided['offer_id']}", headers=s.a.auth)).json()[
            "status"
        ]
        return status["suspended"]

    await eventually(suspended, what="the whole suspended on chain")
