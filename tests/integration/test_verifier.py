"""An employer asks, the learner's wallet answers over DIDComm, the verifier reports: real issuer and verifier
controllers and agents, the wallet stand-in and anvil. Revocation, suspension and accreditation are read from
the chain."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiohttp import web

from common import present_proof
from common.present_proof import challenge_of
from common.verification import CHECK_IDS
from mcred.anvil import ANVIL_DEPLOYER_KEY
from mcred.scenario import (
    Enrolled,
    accredited_holding,
    ask_and_answer,
    employer_agent,
    eventually,
    failures,
    outcome,
    register_employer,
    scan,
    until_anchored,
)
from mcred.stack import Stack
from revocation.accreditation import deaccredit, history
from revocation.chain import ChainClient


@pytest.fixture(scope="module")
async def employer(verifier: httpx.AsyncClient, stack: Stack) -> dict[str, str]:
    return await register_employer(verifier, stack)


def criteria_for(enrolled: Enrolled) -> dict[str, Any]:
    return {"achievement_id": enrolled.template["achievement_id"]}


async def test_a_presented_microcredential_is_verified_with_every_check(
    issuer: httpx.AsyncClient, verifier: httpx.AsyncClient, employer: dict[str, str], stack: Stack
) -> None:
    enrolled, _ = await accredited_holding(issuer, stack, "Akademia Weryfikacji")
    request = await ask_and_answer(verifier, employer, stack, criteria_for(enrolled), purpose="Rekrutacja")
    assert request["state"] == "verified", failures(request)
    report = request["report"]
    assert report["verified"] is True and report["kind"] == "presentation"
    checks = outcome(request)
    assert list(checks) == CHECK_IDS
    assert checks["presentation.domain"] == "skipped"  # the ACA-Py holder drops the domain (docs/agents.md)
    assert checks["schema.ob3"] == "skipped"  # the wallet holds the VCDM 1.1 profile
    not_applicable = {"presentation.domain", "schema.ob3", "stack.parts_recorded", "stack.parts_valid"}
    assert {i for i, s in checks.items() if s == "passed"} == set(CHECK_IDS) - not_applicable, report
    credential = report["credentials"][0]
    assert credential["issuer"] == enrolled.institution["did"]
    assert [e["state"] for e in request["history"]][-1] == "verified"
    print("\ncheck ids:", ", ".join(CHECK_IDS))


async def test_revoked_then_asked_again_fails_status_revocation(
    issuer: httpx.AsyncClient, verifier: httpx.AsyncClient, employer: dict[str, str], stack: Stack
) -> None:
    enrolled, offer = await accredited_holding(issuer, stack, "Instytut Odwołań")
    before = await ask_and_answer(verifier, employer, stack, criteria_for(enrolled))
    assert before["state"] == "verified", failures(before)
    revoked = await issuer.post(
        f"/v1/credentials/{offer['id']}/revoke", json={"reason": "exam irregularity"}, headers=enrolled.auth
    )
    assert revoked.status_code == 202
    await until_anchored(issuer, enrolled.auth, offer["id"], 1)
    after = await ask_and_answer(verifier, employer, stack, criteria_for(enrolled))
    assert after["state"] == "rejected"
    checks = outcome(after)
    assert checks["status.revocation"] == "failed" and checks["status.suspension"] == "passed"
    failed = next(c for c in after["report"]["credentials"][0]["checks"] if c["id"] == "status.revocation")
    assert "revoked" in failed["problem"]["detail"] and failed["problem"]["type"].endswith(
        "/status.revocation"
    )


async def test_suspended_fails_reinstated_passes(
    issuer: httpx.AsyncClient, verifier: httpx.AsyncClient, employer: dict[str, str], stack: Stack
) -> None:
    enrolled, offer = await accredited_holding(issuer, stack, "Szkoła Zawieszeń")
    base = f"/v1/credentials/{offer['id']}"
    await issuer.post(f"{base}/suspend", json={"reason": "under review"}, headers=enrolled.auth)
    await until_anchored(issuer, enrolled.auth, offer["id"], 1)
    suspended = await ask_and_answer(verifier, employer, stack, criteria_for(enrolled))
    assert outcome(suspended)["status.suspension"] == "failed" and suspended["state"] == "rejected"
    await issuer.post(f"{base}/reinstate", json={"reason": "review closed"}, headers=enrolled.auth)
    await until_anchored(issuer, enrolled.auth, offer["id"], 2)
    reinstated = await ask_and_answer(verifier, employer, stack, criteria_for(enrolled))
    assert reinstated["state"] == "verified", failures(reinstated)


@pytest.mark.parametrize(("for_cause", "state"), [(True, "rejected"), (False, "verified")])
async def test_a_withdrawal_for_cause_voids_issued_credentials_an_ordinary_one_does_not(
    issuer: httpx.AsyncClient,
    verifier: httpx.AsyncClient,
    employer: dict[str, str],
    stack: Stack,
    for_cause: bool,
    state: str,
) -> None:
    """docs/on-chain.md: accredited at issuance and not withdrawn for cause since."""
    enrolled, offer = await accredited_holding(issuer, stack, f"Uczelnia Cofniętej Akredytacji {for_cause}")
    wallet = await issuer.get(f"/v1/credentials/{offer['id']}/download?profile=wallet", headers=enrolled.auth)
    issued = datetime.fromisoformat(wallet.json()["issuanceDate"])
    # Issuance dates have whole seconds and a withdrawal in the same second would not come after it: the
    # withdrawal waits for the clock's next second (a poll with a deadline, not a sleep).
    await eventually(lambda: _now_seconds(), until=lambda moment: moment > issued, what="the next second")
    authority = ChainClient(stack.components["chain"].url, ANVIL_DEPLOYER_KEY)
    try:
        records = await history(authority, stack.contracts["IssuerRegistry"], enrolled.institution["did"])
        await deaccredit(
            authority, stack.contracts["IssuerRegistry"], enrolled.institution["did"], records[0].record,
            for_cause=for_cause,
        )  # fmt: skip
    finally:
        await authority.aclose()
    request = await ask_and_answer(verifier, employer, stack, criteria_for(enrolled))
    assert request["state"] == state, failures(request)
    if for_cause:
        checks = outcome(request)
        assert {i for i, s in checks.items() if s == "failed"} == {"issuer.accreditation"}


async def _now_seconds() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


async def test_asking_for_what_the_wallet_does_not_hold_fails_with_the_reason(
    verifier: httpx.AsyncClient, employer: dict[str, str], stack: Stack
) -> None:
    request = await ask_and_answer(
        verifier, employer, stack, {"achievement_id": "urn:uuid:nothing-like-this"}
    )
    assert request["state"] == "failed" and request["report"] is None
    assert request["history"][-1]["detail"].startswith("wallet:")


async def test_the_callback_is_called_once_with_the_final_report(
    issuer: httpx.AsyncClient,
    verifier: httpx.AsyncClient,
    employer: dict[str, str],
    stack: Stack,
    callback_socket: socket.socket,
) -> None:
    received: list[dict[str, Any]] = []

    async def callback(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.json_response({"thanks": True})

    app = web.Application()
    app.router.add_post("/hook", callback)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.SockSite(runner, callback_socket)
    await site.start()
    port = callback_socket.getsockname()[1]
    try:
        enrolled, _ = await accredited_holding(issuer, stack, "Szkoła Powiadomień")
        final = await ask_and_answer(
            verifier, employer, stack, criteria_for(enrolled), callback_url=f"http://127.0.0.1:{port}/hook"
        )

        async def delivered() -> dict[str, Any]:
            return (await verifier.get(f"/v1/proof-requests/{final['id']}", headers=employer)).json()

        done = await eventually(
            delivered, until=lambda r: r["callback_state"] == "delivered", what="callback"
        )
    finally:
        await runner.cleanup()
    assert len(received) == 1
    assert received[0]["id"] == final["id"] and received[0]["state"] == "verified"
    assert received[0]["report"] == done["report"]


async def test_a_request_carries_the_employer_name_and_logo(
    verifier: httpx.AsyncClient, stack: Stack
) -> None:
    operator = {"X-API-Key": stack.operator_key_of("verifier")}
    logo = "https://rekruter.example/logo.png"
    created = await verifier.post(
        "/v1/employers", json={"name": "Rekruter", "logo_url": logo}, headers=operator
    )
    assert created.status_code == 201 and created.json()["logo_url"] == logo, created.text
    employer = {"X-API-Key": created.json()["api_key"]}
    request = (await verifier.post("/v1/proof-requests", json={}, headers=employer)).json()
    assert (scan(request["invitation_url"])["label"], scan(request["invitation_url"])["imageUrl"]) == (
        "Rekruter",
        logo,
    )
    renamed = await verifier.patch(
        "/v1/employers/me", json={"name": "Rekruter SA", "logo_url": None}, headers=employer
    )
    assert renamed.status_code == 200 and renamed.json()["logo_url"] is None, renamed.text
    invitation = scan(
        (await verifier.post("/v1/proof-requests", json={}, headers=employer)).json()["invitation_url"]
    )
    assert invitation["label"] == "Rekruter SA" and "imageUrl" not in invitation


async def test_asking_again_after_a_crash_adopts_the_exchange_already_started(
    issuer: httpx.AsyncClient, verifier: httpx.AsyncClient, employer: dict[str, str], stack: Stack
) -> None:
    """What a restart does when the request was sent but its exchange id not stored: the exchange with the
    request's challenge is found on the connection and adopted; the wallet is not asked twice."""
    enrolled, _ = await accredited_holding(issuer, stack, "Akademia Pamięci")
    request = await ask_and_answer(verifier, employer, stack, criteria_for(enrolled))
    agent = await employer_agent(verifier, stack, employer)

    async def exchanges() -> list[dict]:
        return [r for r in await agent.presentation_exchanges() if challenge_of(r) == request["challenge"]]

    [started] = await exchanges()
    again = await present_proof.ask(
        agent, started["connection_id"], {}, challenge=request["challenge"], domain="unused", comment=None
    )
    assert again["pres_ex_id"] == started["pres_ex_id"]
    assert len(await exchanges()) == 1
