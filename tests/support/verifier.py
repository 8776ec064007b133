"""An employer registered with the verifier controller, asking the learner stand-in for a credential."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from mcred.anvil import ANVIL_DEPLOYER_KEY
from mcred.stack import Stack
from revocation.accreditation import ANY, accredit
from revocation.chain import ChainClient
from tests.support.flows import eventually, scan
from tests.support.issuer import Enrolled, enrol, issue_to_learner

FINAL = ("verified", "rejected", "failed", "expired")


async def register_employer(
    http: httpx.AsyncClient, stack: Stack, name: str = "Pracodawca Sp. z o.o."
) -> dict:
    response = await http.post(
        "/v1/employers", json={"name": name}, headers={"X-API-Key": stack.operator_key_of("verifier")}
    )
    assert response.status_code == 201, response.text
    return {"X-API-Key": response.json()["api_key"]}


async def accredit_institution(stack: Stack, institution: dict[str, Any], days: int = 365) -> str:
    """The local chain's authority accredits the institution for any scope; returns the transaction."""
    authority = ChainClient(stack.components["chain"].url, ANVIL_DEPLOYER_KEY)
    moment = datetime.now(UTC)
    try:
        registry, did, account = (
            stack.contracts["IssuerRegistry"],
            institution["did"],
            institution["chain_account"],
        )
        window = (moment - timedelta(days=1), moment + timedelta(days=days))
        _, tx = await accredit(authority, registry, did, account, ANY, *window)
    finally:
        await authority.aclose()
    return tx


async def ask_and_answer(
    http: httpx.AsyncClient, auth: dict[str, str], stack: Stack, criteria: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    """The employer asks, the learner's wallet scans the request's QR code and answers; returns the request
    in its final state."""
    response = await http.post("/v1/proof-requests", json={"criteria": criteria, **extra}, headers=auth)
    assert response.status_code == 201, response.text
    request = response.json()
    await stack.agents.agents["learner"].client.receive_invitation(scan(request["invitation_url"]))

    async def current() -> dict[str, Any]:
        return (await http.get(f"/v1/proof-requests/{request['id']}", headers=auth)).json()

    return await eventually(current, until=lambda r: r["state"] in FINAL, timeout=60, what="a final report")


def outcome(request: dict[str, Any]) -> dict[str, str]:
    """Check id → status, for the first credential of the report."""
    return {c["id"]: c["status"] for c in request["report"]["credentials"][0]["checks"]}


def failures(request: dict[str, Any]) -> dict[str, str]:
    """Failed check id → the problem's detail, over every credential of the report (assertion messages)."""
    report = request.get("report") or {"credentials": []}
    return {
        c["id"]: c["problem"]["detail"]
        for credential in report["credentials"]
        for c in credential["checks"]
        if c["status"] == "failed"
    }


async def accredited_holding(issuer: httpx.AsyncClient, stack: Stack, name: str) -> tuple[Enrolled, dict]:
    """An accredited institution with its own microcredential, issued to the learner stand-in."""
    enrolled = await enrol(issuer, stack.operator_key, name)
    me = (await issuer.get("/v1/institutions/me", headers=enrolled.auth)).json()
    await accredit_institution(stack, me)
    learner = {"email": f"{name.split()[0].lower()}@example.pl", "name": "Jan Kowalski"}
    offer = await issue_to_learner(issuer, enrolled.auth, enrolled.template["id"], stack, learner)
    assert offer["state"] == "issued", offer
    return Enrolled({**enrolled.institution, **me}, enrolled.template), offer
