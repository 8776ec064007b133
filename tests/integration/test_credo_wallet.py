"""A stock Credo 0.5 holder — the framework under Bifold and BC Wallet — receives a wallet-profile
microcredential from our issuer over DIDComm and stores it, knowing only what a phone knows: Credo's own
contexts and the public W3C / 1EdTech ones (fetched from their real homes); any other document it wants fails
the test. It shows the institution by name and answers an employer's proof request."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.contexts import bundle
from agent.process import PORT_ATTEMPTS, free_port
from mcred.scenario import FINAL_REQUEST, accredit_institution, enrol, eventually, failures, register_employer
from mcred.stack import Stack

CREDO = Path(__file__).resolve().parents[2] / "wallets" / "credo"
PUBLISHED = (
    "https://www.w3.org/",
    "https://w3id.org/security/",
    "https://w3id.org/vc/",
    "https://purl.imsglobal.org/",
)
"""Where the W3C and 1EdTech publish their contexts (not w3id.org/mcred: nothing is registered there)."""
LOGO = "https://politechnika.example/logo.png"


class CredoHolder:
    """The holder script as a child process: invitation URLs in, JSON events out."""

    def __init__(self, process: asyncio.subprocess.Process):
        self.process = process
        self.events: list[dict[str, Any]] = []

    async def next_event(self, timeout: float = 60) -> dict[str, Any]:
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            stderr = (await self.process.stderr.read()).decode()[-3000:]
            raise AssertionError(f"the Credo holder exited: {stderr}")
        event = json.loads(line)
        self.events.append(event)
        return event

    async def until(self, name: str, timeout: float = 60, **expected: Any) -> dict[str, Any]:
        """The next ``name`` event (with ``expected`` fields); an error or a wanted fetch fails the test."""
        while True:
            event = await self.next_event(timeout)
            assert event["event"] != "error", event
            assert event["event"] != "fetch", f"the wallet needed a document nobody publishes: {event['url']}"
            if event["event"] == name and all(event.get(k) == v for k, v in expected.items()):
                return event

    async def scan(self, invitation_url: str) -> None:
        self.process.stdin.write(invitation_url.encode() + b"\n")
        await self.process.stdin.drain()


@pytest.fixture
async def credo(tmp_path: Path) -> AsyncIterator[CredoHolder]:
    # A real wallet fetches the public contexts from their homes; offline, it is handed verbatim copies of
    # those, and of nothing of ours.
    contexts = tmp_path / "contexts.json"
    public = [url for url in bundle().urls if url.startswith(PUBLISHED)]
    contexts.write_text(json.dumps({url: json.loads(bundle().raw(url)) for url in public}))
    env = {
        **os.environ,
        "MCRED_CONTEXTS": str(contexts),
        "LIB_ARIES_ASKAR_PATH": str(CREDO / "lib"),
        "HOME": str(tmp_path),
    }
    for attempt in range(1, PORT_ATTEMPTS + 1):
        # The port is free when picked; if someone takes it before the holder listens, pick another.
        process = await asyncio.create_subprocess_exec(
            "node", str(CREDO / "holder.cjs"), env={**env, "PORT": str(free_port())}, cwd=CREDO,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        holder = CredoHolder(process)
        try:
            await holder.until("ready")
            break
        except AssertionError as err:
            process.stdin.close()
            await process.wait()
            if attempt == PORT_ATTEMPTS or "EADDRINUSE" not in str(err):
                raise
    try:
        yield holder
    finally:
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


async def test_credo_stores_the_wallet_profile_credential(stack: Stack, credo: CredoHolder) -> None:
    async with httpx.AsyncClient(base_url=stack.components["issuer"].url, timeout=30) as http:
        enrolled = await enrol(http, stack.operator_key, "Politechnika Wrocławska")
        http.headers.update(enrolled.auth)
        shown = await http.patch("/v1/institutions/me", json={"display_name": "PWr", "logo_url": LOGO})
        assert shown.status_code == 200 and shown.json()["display_name"] == "PWr", shown.text
        template = enrolled.template
        offer = (
            await http.post("/v1/offers", json={"template_id": template["id"], "award": {"grade": "5.0"}})
        ).json()

        await credo.scan(offer["invitation_url"])
        connection = await credo.until("connection", state="completed")
        assert (connection["theirLabel"], connection["imageUrl"]) == ("PWr", LOGO)
        stored = (await credo.until("stored"))["credential"]

        async def issued() -> dict | None:
            current = (await http.get(f"/v1/offers/{offer['id']}")).json()
            assert current["state"] not in ("failed", "expired"), current
            return current if current["state"] == "issued" else None

        final = await eventually(issued, what="the issuer recording the credential as issued")
        recorded = (await http.get(f"/v1/credentials/{offer['id']}/download?profile=wallet")).json()

    assert stored["id"] == recorded["id"] == offer["credential_id"]
    assert stored["credentialSubject"]["id"] == final["holder_did"]  # the connection key's did:key
    assert stored["proof"] == recorded["proof"]
    assert stored["proof"]["type"] == "Ed25519Signature2018"
    assert "credentialStatus" not in stored
    assert [e["state"] for e in credo.events if e["event"] == "credential"][-1] == "done"


async def test_credo_answers_our_proof_request_and_the_report_is_verified(
    stack: Stack, credo: CredoHolder
) -> None:
    async with (
        httpx.AsyncClient(base_url=stack.components["issuer"].url, timeout=30) as issuer,
        httpx.AsyncClient(base_url=stack.components["verifier"].url, timeout=30) as verifier,
    ):
        enrolled = await enrol(issuer, stack.operator_key, "Uniwersytet Mobilny")
        await accredit_institution(
            stack, (await issuer.get("/v1/institutions/me", headers=enrolled.auth)).json()
        )
        offer = (
            await issuer.post(
                "/v1/offers", json={"template_id": enrolled.template["id"]}, headers=enrolled.auth
            )
        ).json()
        await credo.scan(offer["invitation_url"])
        await credo.until("stored")

        employer = await register_employer(verifier, stack, "Pracodawca Mobilny")
        criteria = {"achievement_id": enrolled.template["achievement_id"]}
        created = await verifier.post("/v1/proof-requests", json={"criteria": criteria}, headers=employer)
        request = created.json()
        await credo.scan(request["invitation_url"])
        connection = await credo.until("connection", state="completed")
        assert connection["theirLabel"] == "Pracodawca Mobilny"

        async def final() -> dict | None:
            current = (await verifier.get(f"/v1/proof-requests/{request['id']}", headers=employer)).json()
            return current if current["state"] in FINAL_REQUEST else None

        done = await eventually(final, timeout=60, what="the report on Credo's presentation")
    assert done["state"] == "verified", (failures(done), [e for e in credo.events if e["event"] == "proof"])
    checks = {c["id"]: c["status"] for c in done["report"]["credentials"][0]["checks"]}
    assert checks["presentation.domain"] == "passed"  # Credo echoes the domain (ACA-Py holders drop it)
    assert checks["holder.binding"] == "passed"
