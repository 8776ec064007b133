"""Two institutions, one learner (the wallet stand-in): parts from both are presented, verified on chain and
stacked into a larger credential — or the claim is refused, naming what failed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from mcred.anvil import ANVIL_DEPLOYER_KEY
from mcred.stack import Stack
from revocation.accreditation import deaccredit, history
from revocation.chain import ChainClient
from tests.support.flows import eventually, scan
from tests.support.issuer import Enrolled, enrol, issue_to_learner
from tests.support.templates import template_body
from tests.support.verifier import accredit_institution


@dataclass
class Scenario:
    a: Enrolled
    b: Enrolled
    pathway: dict[str, Any]


async def accredited(issuer: httpx.AsyncClient, stack: Stack, name: str) -> Enrolled:
    enrolled = await enrol(issuer, stack.operator_key, name)
    me = (await issuer.get("/v1/institutions/me", headers=enrolled.auth)).json()
    await accredit_institution(stack, me)
    return Enrolled({**enrolled.institution, **me}, enrolled.template)


async def scenario(issuer: httpx.AsyncClient, stack: Stack, tag: str, policy: str = "flag") -> Scenario:
    """Institution A awards a certificate made of A's part and an accredited B's part."""
    a = await accredited(issuer, stack, f"Uczelnia A {tag}")
    b = await accredited(issuer, stack, f"Instytut B {tag}")
    whole = await issuer.post(
        "/v1/templates",
        json=template_body(title={"pl": f"Certyfikat {tag}", "en": f"Certificate {tag}"}, ects=10),
        headers=a.auth,
    )
    assert whole.status_code == 201, whole.text
    created = await issuer.post(
        "/v1/pathways",
        json={
            "name": f"Certyfikat {tag}",
            "template_id": whole.json()["id"],
            "requirements": [
                {
                    "name": "A's part",
                    "achievement_ids": [a.template["achievement_id"]],
                    "issuers": {"kind": "self"},
                },
                {"name": "B's part", "achievement_ids": [b.template["achievement_id"]]},
            ],
            "policy": policy,
        },
        headers=a.auth,
    )
    assert created.status_code == 201, created.text
    return Scenario(a, b, created.json())


async def holds(issuer: httpx.AsyncClient, stack: Stack, who: Enrolled, email: str) -> dict[str, Any]:
    offer = await issue_to_learner(
        issuer, who.auth, who.template["id"], stack, {"email": email, "name": "Ola"}
    )
    assert offer["state"] == "issued", offer
    return offer


async def claim(issuer: httpx.AsyncClient, stack: Stack, s: Scenario, email: str) -> dict[str, Any]:
    path = f"/v1/pathways/{s.pathway['id']}/claims"
    created = await issuer.post(path, json={"email": email, "name": "Ola"}, headers=s.a.auth)
    assert created.status_code == 201, created.text
    await stack.agents.agents["learner"].client.receive_invitation(scan(created.json()["invitation_url"]))

    async def current() -> dict[str, Any]:
        return (await issuer.get(f"{path}/{created.json()['id']}", headers=s.a.auth)).json()

    return await eventually(
        current,
        until=lambda c: c["state"] in ("awarded", "refused", "expired"),
        timeout=90,
        what="a decision",
    )


def problems(decided: dict[str, Any]) -> list[str]:
    return [p["reason"] for r in decided["outcome"] for p in r["problems"]]


async def test_parts_from_two_institutions_stack_into_the_larger_credential(
    issuer: httpx.AsyncClient, verifier: httpx.AsyncClient, stack: Stack
) -> None:
    s = await scenario(issuer, stack, "stos")
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


async def test_a_revoked_part_is_refused_by_name(issuer: httpx.AsyncClient, stack: Stack) -> None:
    s = await scenario(issuer, stack, "odw")
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
    s = await scenario(issuer, stack, "dwoje")
    await holds(issuer, stack, s.a, "ewa@example.pl")
    await holds(issuer, stack, s.b, "adam@example.pl")
    decided = await claim(issuer, stack, s, "ewa@example.pl")
    assert decided["state"] == "refused"
    assert any("different learner" in reason for reason in problems(decided)), decided["outcome"]


async def test_a_part_from_a_deaccredited_issuer_is_refused(issuer: httpx.AsyncClient, stack: Stack) -> None:
    s = await scenario(issuer, stack, "akr")
    await holds(issuer, stack, s.a, "iga@example.pl")
    await holds(issuer, stack, s.b, "iga@example.pl")
    authority = ChainClient(stack.components["chain"].url, ANVIL_DEPLOYER_KEY)
    try:
        did = s.b.institution["did"]
        records = await history(authority, stack.contracts["IssuerRegistry"], did)
        await deaccredit(authority, stack.contracts["IssuerRegistry"], did, records[0].record)
    finally:
        await authority.aclose()
    decided = await claim(issuer, stack, s, "iga@example.pl")
    assert decided["state"] == "refused"
    assert any("issuer.accreditation failed" in reason for reason in problems(decided)), decided["outcome"]


@pytest.mark.parametrize("policy", ["suspend"])
async def test_revoking_a_part_after_the_award_applies_the_policy(
    issuer: httpx.AsyncClient, stack: Stack, policy: str
) -> None:
    s = await scenario(issuer, stack, "po", policy=policy)
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
